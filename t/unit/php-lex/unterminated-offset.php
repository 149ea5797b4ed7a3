<?php
$a = "unterminated $a[