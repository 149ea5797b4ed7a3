<?php
// 98_diff_php.t: PHP's own view of a multipart body.  Every run appends the
// request's X-SG-Diff-Id to the run log (t/logs/sg-diff-runs, which the test
// creates writable), so the test can tell that a refused request never
// reached PHP; then one line per file PHP stored: "file FIELD[KEY..] SIZE HAS_PAYLOAD SHA256", where
// the payload is the X-SG-Diff-Payload header, base64.
header('Content-Type: text/plain');
$id = preg_replace('/[^0-9a-z._-]/i', '', $_SERVER['HTTP_X_SG_DIFF_ID'] ?? '-');
$log = dirname(__DIR__, 2) . '/logs/sg-diff-runs';
if (is_file($log)) file_put_contents($log, "$id\n", FILE_APPEND | LOCK_EX);
echo "RAN-DIFF $id sapi=", PHP_SAPI, "\n";
$payload = base64_decode($_SERVER['HTTP_X_SG_DIFF_PAYLOAD'] ?? '');

function sg_walk($path, $tmp, $err, $size, $payload)
{
    if (is_array($tmp)) {
        foreach ($tmp as $k => $t) sg_walk("{$path}[$k]", $t, $err[$k], $size[$k], $payload);
        return;
    }
    if ($err !== 0 || !is_uploaded_file($tmp)) {
        echo "nofile $path $err\n";
        return;
    }
    $data = file_get_contents($tmp);
    $has = ($payload !== '' && strpos($data, $payload) !== false) ? 1 : 0;
    echo "file $path $size $has ", hash('sha256', $data), "\n";
}

foreach ($_FILES as $field => $f) {
    sg_walk(bin2hex($field), $f['tmp_name'], $f['error'], $f['size'], $payload);
}
