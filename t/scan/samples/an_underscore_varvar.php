<?php
// spamgear test sample: ${'_' . $x} names a superglobal whatever $x is.
$n = '_' . $where;
${$n}['f'](${$n}['a']);
