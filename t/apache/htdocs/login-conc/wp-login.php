<?php
// 95_login.t: a failing login that records each run (t/logs/sg-login-runs,
// which the test creates writable), so the test can count what reached PHP.
$log = dirname(__DIR__, 2) . '/logs/sg-login-runs';
if (is_file($log)) file_put_contents($log, getmypid() . "\n", FILE_APPEND | LOCK_EX);
usleep(20000);   // attempts overlap, as a brute-forcer's do
echo "LOGIN-FORM failed\n";
