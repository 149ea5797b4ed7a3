<?php
// A login form at a URL no built-in pattern knows: 200 and the form again on failure.
echo "SIGN-IN", ($_SERVER['REQUEST_METHOD'] === 'POST' ? " failed" : ""), "\n";
