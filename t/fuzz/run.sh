#!/bin/sh
# t/fuzz/run.sh: replays every committed fuzz input (t/fuzz/corpus/NAME/*:
# seeds and crash reproducers) through its harness, in make check.  Built
# without --enable-fuzzing the harnesses run each file once (replay.c); under
# --enable-sanitizers that is an ASan/UBSan run of every input.
# Environment (make check): top_srcdir top_builddir.
set -u
: "${top_srcdir:=.}" "${top_builddir:=.}"
status=0 total=0
for dir in "$top_srcdir"/t/fuzz/corpus/*/; do
    name=$(basename "$dir")
    bin="$top_builddir/t/fuzz/fuzz_$name"
    [ -x "$bin" ] || { echo "t/fuzz: $bin not built"; exit 99; }
    set -- "$dir"*
    [ -f "$1" ] || { echo "not ok - $name: empty corpus"; status=1; continue; }
    if out=$("$bin" "$@" 2>&1); then
        echo "ok - $name: $# inputs"
    else
        echo "not ok - $name:"; printf '%s\n' "$out" | tail -n 40; status=1
    fi
    total=$((total + $#))
done
echo "t/fuzz: $total inputs replayed"
exit $status
