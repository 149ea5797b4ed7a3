<?php
// spamgear test sample (clean): an avatar upload stored under a fixed image name
if (isset($_FILES['avatar']) && getimagesize($_FILES['avatar']['tmp_name'])) {
    move_uploaded_file($_FILES['avatar']['tmp_name'], __DIR__ . '/avatars/' . (int)$_POST['uid'] . '.png');
}
