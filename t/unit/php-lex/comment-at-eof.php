<?php
$a = 1; // comment at eof