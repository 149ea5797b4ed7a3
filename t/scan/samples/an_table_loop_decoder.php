<?php
// spamgear test sample (written for the project): a decoder written in PHP:
// the first 16 bytes of a long constant are a digit table, the rest is
// decoded two bytes at a time through it, in a loop, then eval'd.
for ($o = 0, $e = '0123456789abcdef6563686f20227370616d6765617220746573742073616d706c653a2061207061636b6564207061796c6f6164223b', $h = array(), $d = ''; $o < strlen($e); $o++) {
    if ($o < 16) { $h[$e[$o]] = $o; }
    else { $d .= chr(($h[$e[$o]] << 4) + $h[$e[++$o]]); }
}
eval($d);
