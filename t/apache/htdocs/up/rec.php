<?php
// 96_upload.t: records what the script received, for checksum comparisons.
header('Content-Type: text/plain');
echo "RAN-REC sapi=", PHP_SAPI, "\n";
echo "scanned ", $_SERVER['SPAMGEAR_UPLOAD_SCANNED'] ?? '-', "\n";
$ct = $_SERVER['CONTENT_TYPE'] ?? '';
if (stripos($ct, 'multipart/form-data') === false) {
    $raw = file_get_contents('php://input');
    echo "raw ", strlen($raw), " ", hash('sha256', $raw), "\n";
}
$lines = [];
foreach ($_FILES as $field => $f) {
    $names = (array)$f['name'];
    array_walk_recursive($names, function ($v, $k) use ($field, $f, &$lines) {
        $lines[] = [$field, $k, $v];
    });
    if (!is_array($f['name'])) {
        $tmp = $f['tmp_name'];
        $sum = ($f['error'] === 0 && is_uploaded_file($tmp)) ? hash_file('sha256', $tmp) : '-';
        echo "file $field ", $f['name'], " ", $f['error'], " ", $f['size'], " $sum\n";
    }
}
foreach ($_POST as $k => $v) {
    if (is_string($v)) echo "field $k ", strlen($v), "\n";
}
