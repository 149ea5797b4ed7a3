<?php
$a = "$a->