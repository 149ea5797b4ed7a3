<?php
include __DIR__ . '/config.php';
require_once 'lib/functions.php';
echo htmlspecialchars($_GET['q'] ?? '');
