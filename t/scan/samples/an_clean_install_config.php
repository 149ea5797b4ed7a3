<?php
// spamgear test sample (clean): an installer that writes a fixed config file.
$config = "<?php\ndefine('APP_DEBUG', false);\ndefine('APP_CACHE', __DIR__ . '/cache');\n";
file_put_contents(__DIR__ . '/config.php', $config);
