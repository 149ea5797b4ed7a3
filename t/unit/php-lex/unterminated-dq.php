<?php
echo "unterminated $string
