<?php
// spamgear test sample (clean): a registration form handler that creates a
// subscriber; elsewhere the plugin's setup promotes its own service account.
if (isset($_POST['register'], $_POST['user'], $_POST['email'])) {
    $id = wp_create_user(sanitize_user($_POST['user']), wp_generate_password(), sanitize_email($_POST['email']));
    if (!is_wp_error($id)) wp_new_user_notification($id, null, 'user');
}
function myplugin_setup($service_login) {
    $u = get_user_by('login', $service_login);
    if ($u) $u->set_role('administrator');
}
