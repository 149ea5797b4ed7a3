<?php
// spamgear test sample (clean): a deploy hook that runs a fixed script
// through "sh -c" and a tool found on PATH.
exec('/bin/sh -c ' . escapeshellarg('cd /srv/app && git pull --ff-only'), $out, $rc);
$p = popen('sh ./bin/build.sh', 'r');
pclose($p);
