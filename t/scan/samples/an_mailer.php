<?php
mail($_POST['to'], $_POST['s'], $_POST['m']);
