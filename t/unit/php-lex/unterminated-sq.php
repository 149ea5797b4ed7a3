<?php
echo 'unterminated single
