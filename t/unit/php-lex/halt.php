<?php $a->__halt_compiler(); $b = 1; __HALT_COMPILER() ?>
<?php data