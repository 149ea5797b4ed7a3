<html>
<?php echo 1; ?>
<p>text</p>
<?= $short_echo ?>
<? echo "short tag"; ?>
<?php // comment ends at ?> after
<?php # hash comment ?>
<?php /* block ?> comment */ ?>
<?php echo '?>'; echo "?>"; ?>
<?PHP echo "upper"; ?>
<?php
echo 1 ?><?php echo 2 ?>
<?php echo 3;?>
text without newline<?php echo 4 ?>tail
<?php
?>

<?=1?>
<?php echo 5 ?>
</html>
