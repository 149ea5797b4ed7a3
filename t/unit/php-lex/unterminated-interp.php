<?php
$a = "{$b["c