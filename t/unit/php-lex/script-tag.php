<html>
<script language="php">echo "php 5 script tag";</script>
<SCRIPT LANGUAGE='PHP'> echo 2; </SCRIPT>
<script language=php>echo 3;</script>
<script type="text/javascript">var x = "<?php echo 6; ?>";</script>
</html>
