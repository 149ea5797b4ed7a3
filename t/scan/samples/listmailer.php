<?php
$list = explode("\n", $_POST['emails']);
$subject = $_POST['subject'];
foreach ($list as $to) {
    $to = trim($to);
    mail($to, $subject, $_POST['body'], "From: " . $_POST['from']);
}
