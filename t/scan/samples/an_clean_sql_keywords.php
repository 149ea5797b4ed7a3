<?php
// spamgear test sample (written for the project): a SQL highlighter's keyword
// list and a variadic call of request values: neither runs anything.
$keywords = array('CREATE', 'FUNCTION', 'RETURNS', 'STRING', 'SONAME', 'INTO', 'DUMPFILE');
function add_ids(...$ids) { return array_map('intval', $ids); }
print_r(add_ids(...(array) $_GET['ids']));
printf("%s %s\n", ...array_values((array) $_POST['pair']));
