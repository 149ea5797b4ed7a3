<?php
// Written for spamgear's tests: a packed payload handed to a function whose
// name only a variable variable knows (the O0O0 encoders), then eval'd.
$O0O = 'l' . 'oader';
eval($$O0O0('ZWNobyAiaGVsbG8iOyAvLyBhIHBhY2tlZCBwYXlsb2FkIGZvciB0aGUgdGVzdHMsIGhhcm1sZXNzIGFuZCBsb25nIGVub3VnaA=='));
