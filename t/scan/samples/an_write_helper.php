<?php
// spamgear test sample: a helper writes its data parameter to its path
// parameter; it is called, before its definition, with both from the request.
if (isset($_POST['save'])) {
    store($_POST['path'], $_POST['body']);
}

function store($where, $what)
{
    $fh = fopen($where, 'w');
    fwrite($fh, $what);
    fclose($fh);
}
