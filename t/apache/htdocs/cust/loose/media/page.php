<?php echo "RAN-" . "PHP sapi=" . PHP_SAPI . " file=" . basename(__FILE__) . "\n";
