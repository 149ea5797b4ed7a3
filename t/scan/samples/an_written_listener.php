<?php
// Written for spamgear's tests: a listener script built around the port the
// request chose is written to a fixed path, then started with perl.
$port = $_GET['p'];
$script = "use IO::Socket; my \$s = IO::Socket::INET->new(LocalPort => $port, Listen => 1);";
$h = fopen("/tmp/.listener.pl", "w");
fwrite($h, $script);
fclose($h);
passthru("perl /tmp/.listener.pl &");
