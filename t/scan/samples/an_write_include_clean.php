<?php
// A cache: computed settings written to a constant file and included back.
$settings = array('theme' => 'dark', 'lang' => 'en');
file_put_contents('cache/settings.php', '<?php return ' . var_export($settings, true) . ';');
$loaded = include 'cache/settings.php';
if (isset($_GET['lang'])) file_put_contents('cache/lang.txt', $_GET['lang']);
include 'cache/header.php';
