<?php
$a -> b; $a->/*c*/b; $a?->b\c; $a->$b; $a->{"x"}; $a->123; $a->
  class;
$x = $a->yield from; $y = $a::b\c;
fn() => yield
from($x); YIELD FROM $x; yield fromx; yield	 from