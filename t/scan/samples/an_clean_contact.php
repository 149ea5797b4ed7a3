<?php
if (isset($_POST['message'])) {
    $body = 'From: ' . $_POST['name'] . "\n\n" . $_POST['message'];
    mail('webmaster@example.com', 'Contact form', $body);
    echo 'Thank you';
}
