<?php
$a = 1;
/* unterminated comment
