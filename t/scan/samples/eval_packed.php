<?php eval("?>".base64_decode("PD9waHAgZWNobyAnaGknOyA/Pg==")); ?>
