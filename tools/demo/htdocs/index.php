<?php
/* A normal page of the demo site: mod_spamgear lets it run.  An upload that
 * passed the scan arrives here as usual: the page says what it received. */
header('Content-Type: text/plain');
echo "spamgear demo: PHP ", PHP_VERSION, " runs here.\n";
foreach ($_FILES as $field => $f) {
    if (is_string($f['name']) && $f['error'] === UPLOAD_ERR_OK && is_uploaded_file($f['tmp_name'])) {
        echo "received ", basename($f['name']), " (", $f['size'], " bytes, sha256 ",
             hash_file('sha256', $f['tmp_name']), ")\n";
    }
}
echo "Now try /uploads/shell.php: mod_spamgear refuses to run PHP from an uploads dir.\n";
