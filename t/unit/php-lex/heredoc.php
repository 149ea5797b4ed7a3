<?php
$a = <<<EOT
plain heredoc
EOT;
$b = <<<EOT
with $var and {$arr['k']} and ${name}
  EOT is not the end here EOTX
EOT;
$c = <<<'NOW'
nowdoc $var {$x} \ backslash at end \
NOW;
$d = <<<"QUOTED"
quoted heredoc $x
QUOTED;
$e = <<<EOT
    indented body
      more
    EOT;
$f = <<<'EOT'
	tab indented
	EOT;
$g = [<<<EOT
  in array
  EOT, 42];
$h = <<<EOT
EOT;
$i = <<< SPACED
space before label
SPACED;
$j = b<<<EOT
binary heredoc
EOT;
$k = <<<EOT
escaped \$var \{$notvar} \\
EOT;
$l = <<<EOT
label inside EOT text and EOT;
EOT . 'x';
$m = <<<_X1
digits in label
_X1;
$n = <<<EOT
nested {$a["x{$b}y"]} and "quotes" 'single'
EOT;
func(<<<A
one
A, <<<B
two
B);
echo $a << 2, $a <<= 3, $a <<< 4;
