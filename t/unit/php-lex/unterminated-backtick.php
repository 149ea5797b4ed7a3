<?php
echo `unterminated backtick
