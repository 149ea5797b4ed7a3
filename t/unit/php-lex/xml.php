<?xml version="1.0" encoding="utf-8"?>
<root>
<?php echo "<?xml version=\"1.0\"?>"; ?>
</root>
