<?php
/* Stands in for a web shell an attacker uploaded: it must never run. */
echo "DEMO-SHELL-RAN: if you can read this, scripts run from uploads/\n";
