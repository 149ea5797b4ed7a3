<?php
// Written for spamgear's tests, benign: request data goes to a file that a
// converter reads (no compiler, no interpreter), and a fixed script is run.
$tmp = tempnam(sys_get_temp_dir(), "img");
file_put_contents($tmp, $_POST['svg']);
exec("rsvg-convert -o " . escapeshellarg($tmp . ".png") . " " . escapeshellarg($tmp));
file_put_contents("/tmp/report.pl", "print 42;\n");
exec("perl /tmp/report.pl");
