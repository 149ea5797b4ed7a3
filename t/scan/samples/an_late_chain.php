<?php
// spamgear test sample: request data handed to a function that passes its
// parameter on to another defined further down, which runs it.
function outer($v)
{
    return inner($v);
}
echo outer($_POST['x']);
function inner($c)
{
    return shell_exec($c);
}
