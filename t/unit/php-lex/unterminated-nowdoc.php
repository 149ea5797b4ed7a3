<?php
$a = <<<'EOT'
body
