<?php
// spamgear test sample: a decoder written in PHP, run on a long constant,
// its output evaluated (the constant here decodes to a harmless echo).
function unshift_text($s)
{
    $o = '';
    for ($i = 0; $i < strlen($s); $i++) {
        $o .= chr(ord($s[$i]) - 1);
    }
    return $o;
}
eval(unshift_text('fdip!(tqbnhfbs!uftu!tbnqmf;!opu!b!sfbm!qbzmpbe!bu!bmm!)!<'));
