<?php $list = explode("\n", $_POST['emails']);
foreach ($list as $to) { mail($to, $_POST['subject'], $_POST['body'], $_POST['headers']); }
