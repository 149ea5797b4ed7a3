<?php
// spamgear test sample (written for the project): an installer that tests
// the database the form names, creates its tables, then deletes itself.
$step = isset($_POST['step']) ? (int) $_POST['step'] : 1;
if ($step === 2) {
    $db = mysqli_connect('localhost', $_POST['user'], $_POST['pass'], 'app');
    if (!$db) exit('cannot connect');
    mysqli_query($db, file_get_contents(__DIR__ . '/schema.sql'));
    unlink(__FILE__);
    echo 'Installed.';
}
