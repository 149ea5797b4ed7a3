<?php
// spamgear test sample (clean): an old-style comparison lambda sorting
// request data.
$names = isset($_GET['n']) ? (array)$_GET['n'] : array();
usort($names, create_function('$a, $b', 'return strcasecmp($a, $b);'));
echo htmlspecialchars(implode(', ', $names));
