#!/bin/sh
# t/bench/php-lex.sh DIR [ROUNDS]: throughput of the PHP lexer (sg_php_lex)
# in MB/s over every .php/.inc/.phtml file under DIR (the benign Debian PHP
# tree, /var/tmp/spamgear-benign); not a timed test, make check does not run
# it.  t/unit/php_lex_dump -b reads each file whole, then times only the
# lexer (both the file's bytes and its tokens counted); ROUNDS rounds (default
# 3) after one untimed round that warms the page cache; prints every round and
# the median MB/s.  Build first: make t/unit/php_lex_dump.
set -eu
dir=${1:?usage: t/bench/php-lex.sh DIR [ROUNDS]}
rounds=${2:-3}
builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
dump=$builddir/t/unit/php_lex_dump
[ -x "$dump" ] || { echo "t/bench/php-lex.sh: $dump not built (make t/unit/php_lex_dump)" >&2; exit 2; }
list=$(mktemp)
trap 'rm -f "$list"' EXIT
find "$dir" -type f \( -name '*.php' -o -name '*.inc' -o -name '*.phtml' \) | LC_ALL=C sort > "$list"
"$dump" -b -l < "$list" > /dev/null
i=0 rates=
while [ $i -lt "$rounds" ]; do
    i=$((i + 1))
    line=$("$dump" -b -l < "$list")
    echo "round $i: $line"
    rates="$rates ${line##*, }"
done
echo "php-lex: median $(printf '%s\n' $rates | grep -v 'MB/s' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') MB/s over $(wc -l < "$list") files of $dir"
