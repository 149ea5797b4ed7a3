<?php
// Written for spamgear's tests, benign: a contact form piping its message to
// sendmail's stdin (a program that does not run what it reads).
$p = proc_open("/usr/sbin/sendmail -t -i", array(0 => array("pipe", "r")), $pipes);
fwrite($pipes[0], "To: info@example.org\nSubject: contact\n\n" . $_POST['message']);
fclose($pipes[0]);
proc_close($p);
