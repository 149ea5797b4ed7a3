<?php $c99sh_sourcesurl = ""; function c99_buff_prepare() { }
