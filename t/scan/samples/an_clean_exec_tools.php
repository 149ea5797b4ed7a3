<?php
// spamgear test sample (clean): a maintenance script that runs two fixed
// tools, each its own way.
function disk_usage($dir)
{
    return shell_exec('du -sh ' . escapeshellarg($dir));
}
function rotate_logs($conf)
{
    exec('/usr/sbin/logrotate ' . escapeshellarg($conf), $out, $rc);
    return $rc;
}
function mail_queue()
{
    $p = popen('/usr/sbin/postqueue -p', 'r');
    $text = stream_get_contents($p);
    pclose($p);
    return $text;
}
echo disk_usage('/var/www'), rotate_logs('/etc/logrotate.conf'), mail_queue();
