<?php
$a = (int)$x . (integer) $x . ( int ) $x . (	bool	)$x . (boolean)$x;
$b = (float)$x . (double)$x . (real)$x . (string)$x . (binary)$x;
$c = (array)$x . (object)$x . (unset)$x . (INT)$x . (Float )$x;
$d = (int $x) . (notacast)$x . ($x) . (int
)$x;
$n = [0, 1, 42, 0x1F, 0XAB, 0b101, 0B11, 0o17, 0O17, 017, 1_000, 1_000_000, 0x_1, 1__0, 1_,
      1e3, 1E3, 1e+3, 1e-3, 1.5e3, .5, 5., 1.5, 0.0, 1_0.5_0, 1e, 1.e3, 1..2, 1...3,
      0xFFFFFFFFFFFFFFFFFF, 9223372036854775808, 0b, 0x, 0o8, 08, 1.2.3, 1_e3, 1e1_0];
