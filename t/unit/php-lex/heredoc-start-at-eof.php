<?php
$a = <<<EOT