<?php
// spamgear test sample: a helper decodes its text parameter into the file
// its path parameter names; called with constants, then the file is run.
function put_file($path, $text)
{
    $fh = @fopen($path, 'w');
    if ($fh) {
        @fputs($fh, @base64_decode($text));
        @fclose($fh);
    }
}
put_file('/tmp/.sample', 'IyEvYmluL3NoCiMgc3BhbWdlYXIgdGVzdCBzYW1wbGU6IGEgaGFybWxlc3Mgc2NyaXB0IGEgZHJvcHBlciB3b3VsZCB3cml0ZQplY2hvIGRyb3BwZWQK');
system('sh /tmp/.sample');
