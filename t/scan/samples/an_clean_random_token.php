<?php
// spamgear test sample (written for the project): a token made of bytes
// picked from a long alphabet in a loop; nothing of it is run.
$alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
$token = '';
for ($i = 0; $i < 32; $i++) {
    $token .= $alphabet[random_int(0, 63)];
}
setcookie('csrf', $token);
echo htmlspecialchars($token);
