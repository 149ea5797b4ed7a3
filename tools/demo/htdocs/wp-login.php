<?php
/* A login form like WordPress's: 200 and the form again when the password is
 * wrong (mod_spamgear counts that as a failed login), 302 when it is right. */
if ($_SERVER['REQUEST_METHOD'] === 'POST' && ($_POST['pwd'] ?? '') === 'demo') {
    header('Location: /index.php', true, 302);
    exit;
}
echo "login form", $_SERVER['REQUEST_METHOD'] === 'POST' ? ": wrong password" : "", "\n";
