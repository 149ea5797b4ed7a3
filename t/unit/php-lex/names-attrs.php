<?php
namespace Foo\Bar;

use Foo\Bar\Baz as Qux;
use function Foo\func;
use \Fully\Qualified;

#[Attribute]
#[Route("/path", methods: ["GET"])]
#[\Fully\Qualified\Attr(1), Other]
class C extends \Base implements I, namespace\Rel {
    public function __construct(private readonly int $x = 0) {}
    public function f(): ?static { return $this?->x?->y ?? null; }
    #[Pure] function g(int ...$args): int|false { return static::X; }
}
$x = new \DateTime();
$y = Foo\Bar::baz();
$z = namespace\func();
$w = $obj->list->namespace\x;
$v = $obj?->class;
$u = $a::class;
$t = fn($x) => $x <=> $y;
$s = $a ??= $b ** $c **= 2;
$r = $a !== $b && $c === $d || $e <> $f;
$q = $a->b\c;
yield from gen();
yield  from gen();
$p = match($x) { 1, 2 => 'a', default => 'b' };
enum Suit: string { case Hearts = 'H'; }
$o = $$var . ${'name'} . $$$deep;
$n = @$a['x'] . &$b;
# plain hash comment
#no space
// slash comment
/** doc comment */
/**no space: not doc */
/**/
/***/
/*
 * block
 */
label: goto label;
__halt_compiler(); this is data, not code ?> <?php "not code either
