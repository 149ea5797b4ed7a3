<?php
// crlf comment
$a = "x
y";
$b = <<<EOT
body $a
EOT;
$c = <<<EOTcr onlyEOT;# hash
?>
html
<?php echo 1 ?>