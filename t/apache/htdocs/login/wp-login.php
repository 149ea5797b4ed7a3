<?php
// WordPress-like login: 200 with the form again on failure, 302 + cookie on success.
if ($_SERVER['REQUEST_METHOD'] === 'POST' && ($_POST['pwd'] ?? '') === 'right') {
    setcookie('wordpress_logged_in', 'ok');
    header('Location: /login/wp-admin/', true, 302);
    exit;
}
echo "LOGIN-FORM", ($_SERVER['REQUEST_METHOD'] === 'POST' ? " failed" : ""), "\n";
