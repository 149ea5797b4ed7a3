<?php
// A counter that may also be a callable (as Symfony's choice index is):
// counting numbers is no obfuscation, and "1" is no function name.
function next_index(&$index, $choice) { return is_int($index) ? $index++ : $index($choice); }
$index = 0;
echo htmlspecialchars(next_index($index, 'label'));
