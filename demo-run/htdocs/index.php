<?php
/* A normal page of the demo site: mod_spamgear lets it run. */
header('Content-Type: text/plain');
echo "spamgear demo: PHP ", PHP_VERSION, " runs here.\n";
echo "Now try /uploads/shell.php: mod_spamgear refuses to run PHP from an uploads dir.\n";
