<?php
$a = <<<EOT
body $x
no end
