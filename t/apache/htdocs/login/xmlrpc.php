<?php
$body = file_get_contents('php://input');
header('Content-Type: text/xml');
echo "<?xml version=\"1.0\"?><methodResponse><fault>len=", strlen($body), " md5=", md5($body), "</fault></methodResponse>\n";
