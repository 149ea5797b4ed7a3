<?php
/* Every string and escape form. */
$a = 'single \' quote \\ backslash \n no escape';
$b = "double \" quote \\ \n \t \x41 \101 \u{1F600} \$notvar {not var} $ alone";
$c = "simple $var and $arr[0] and $arr[key] and $arr[$i] and $obj->prop and $obj?->prop";
$d = "complex {$obj->a['x']} {$arr["key"]} ${name} ${arr['k']} ${expr . "x"}";
$e = "nested {$a["{$b["c"]}"]} end";
$f = b'binary single' . B"binary $double";
$g = `ls -la $dir {$x}`;
$h = `no vars`;
$i = "multi
line $string
";
$j = '';
$k = "";
$l = "{$a} {$a[1]} {$a->b->c} {$a::$b} {${'x'}}";
$m = "brace { and } and {$a} and $ and {";
$n = "$a$b$c\\$d";
$o = "ends with backslash \\";
$p = 'ends with backslash \\';
$q = "?> inside a string";
$r = '?> inside a single string';
$s = "// not a comment";
$t = "/* not a comment */";
$u = "#[not an attribute]";
$v = "\{$a}";
$w = "{ $a}";
$x = "$a[-1] $a[0x1] $a[ok]";
echo "done";
