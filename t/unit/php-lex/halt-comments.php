<?php __halt_compiler /* c */ ( # x
 ) ?>
rest <?php echo 1;