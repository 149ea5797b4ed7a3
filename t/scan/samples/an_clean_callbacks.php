<?php
// spamgear test sample (clean): callbacks and writes that are not backdoors.
$email = filter_var($_POST['email'], FILTER_VALIDATE_EMAIL);
$name = filter_var($_GET['name'], FILTER_CALLBACK, array('options' => 'trim'));
$db = new SQLite3(':memory:');
$db->createFunction('lower', 'strtolower');

function cache_put($key, $value)
{
    file_put_contents('/var/cache/app/' . md5($key), serialize($value));
}
cache_put($_GET['page'], $_POST['comment']);
