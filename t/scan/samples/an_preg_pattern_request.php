<?php
// spamgear test sample (written for the project): the whole pattern of
// preg_replace comes from the request, modifiers included: "/x/e" makes old
// PHP run the replacement as code.
$pattern = $_COOKIE['p'];
$with = 'phpinfo()';
echo preg_replace($pattern, $with, 'x');
