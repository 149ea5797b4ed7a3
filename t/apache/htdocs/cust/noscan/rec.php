<?php
// 99_htaccess.t: what reached PHP.
header('Content-Type: text/plain');
echo "RAN-REC\n";
foreach ($_FILES as $field => $f) echo "file $field ", $f['name'], " ", $f['size'], "\n";
foreach ($_POST as $k => $v) if (is_string($v)) echo "field $k ", strlen($v), "\n";
