#!/bin/bash
# t/bench/scan-cache.sh: what the verdict cache (the scan-cache key) buys a
# repeated full scan (issue 16); not a timed test, make check does not run it.
#
# Usage: t/bench/scan-cache.sh TREE [ROUNDS]
#   TREE    a directory of real files, e.g. the Debian PHP packages unpacked by
#           ../shared/detect/fetch-debian-php.sh (never commit it)
#   ROUNDS  rounds of each measurement, taken in turn (default 3; the median
#           is printed: the machine is shared)
#
# Side by side, spamgear scan -j 2 --clamav off with the project signatures:
#   find         find TREE -type f | wc -l: the walk and a stat per file, the
#                floor a cache that still looks at every file cannot beat
#   no-cache     spamgear scan --no-cache: every file read and analysed, what
#                a full scan costs without the cache (and what it cost before)
#   cold         the first scan with an empty cache: no-cache plus writing
#                every verdict (SHA-256 of each file, LMDB batches)
#   warm         the second scan of the unchanged tree: the cache vouches for
#                every clean file
#   warm-touch1  warm after a chmod u+r of 1% of the files (nothing changes
#                but their ctime, which is what the cache keys on besides size
#                and mtime): those are read and analysed again
# and prints each one's wall time, CPU time, peak RSS and the warm/cold ratio.
# Then the fleet layer (cache-store; skipped without redis-server): a copy of
# TREE stands for a second server; one redis-server on loopback, both
# servers with empty local caches, once each (the store is emptied first):
#   fleet-A      server A scans TREE: every content analysed, its verdicts
#                stored in redis
#   fleet-B      server B scans the copy: contents A found clean are not
#                analysed (read and hashed, then skipped)
# The page cache is warm for all (one untimed cat first).
#
# Measured 2026-12-05 on the 2-core build VM, TREE = the Debian PHP packages
# of ../shared/detect (74,024 files; their .debs moved out), 5 rounds,
# `t/bench/scan-cache.sh /var/tmp/sg-debphp 5` (commit after b326134):
#   run            wall_s   cpu_s   rss_kb
#   find             0.36    0.38     3068
#   no-cache         2.85    5.53    54468
#   cold             3.54    6.75    85120
#   warm             0.30    0.53    33796
#   warm-touch1      0.38    0.67    40552
#   fleet-A          5.05    8.54    82724
#   fleet-B          3.10    5.29    77372
#   cold / warm: 11.8x    no-cache / warm: 9.5x    cold / no-cache: 1.24
# The warm run is a walk, one fstatat and one LMDB lookup per file: the
# workers walk the directories too (scan -j N with a cache), directories are
# read with getdents64, and the 45 suspicious files are reported from the
# findings the cache kept, not read again.  Before those (same tree, same
# day): warm 0.68 s, cold/warm 6.3x.  The fleet rows: with ClamAV off only
# contents of 16 KB and more go to the store (a loopback round trip costs
# more than analysing a small file: asking for every file, fleet-A took
# 17.5 s and fleet-B 9.4 s); fleet-B is server B's first scan, its local
# cache empty.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
tree=${1:?usage: t/bench/scan-cache.sh TREE [ROUNDS]}
rounds=${2:-3}
sg=${SPAMGEAR:-$top/spamgear}
[ -x "$sg" ] || { echo "scan-cache.sh: $sg not built (run make)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scan-cache.sh: needs /usr/bin/time (apt install time)" >&2; exit 2; }

work=$(mktemp -d /tmp/sg-cache-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/sg.conf" <<EOF
clamav off
signatures $top/conf/signatures
scan-cache $work/cache
EOF
files=$(find "$tree" -type f | wc -l)
find "$tree" -type f -print0 | xargs -0 cat > /dev/null

# run NAME CMD...: one timed run; appends "wall cpu rss" to $work/NAME
run() {
    local name=$1; shift
    /usr/bin/time -f '%e %U %S %M' -o "$work/t" "$@" > /dev/null 2> "$work/err" || true
    tail -n 1 "$work/t" | awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' >> "$work/$name"
}
scan=("$sg" -c "$work/sg.conf" scan -j 2 --quiet)

for r in $(seq "$rounds"); do
    run find sh -c "find '$tree' -type f | wc -l"
    run no-cache "${scan[@]}" --no-cache "$tree"
    rm -rf "$work/cache"
    run cold "${scan[@]}" "$tree"
    run warm "${scan[@]}" "$tree"
    # 1% of the files get a new ctime (chmod to the mode they have): the
    # cache must not vouch for them
    find "$tree" -type f | awk 'NR % 100 == 0' > "$work/touch.list"
    xargs -d '\n' chmod u+r < "$work/touch.list"
    run warm-touch1 "${scan[@]}" "$tree"
done

if command -v redis-server > /dev/null; then
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no > /dev/null 2>&1 &
    redis=$!
    trap 'kill $redis 2>/dev/null; rm -rf "$work"' EXIT
    for _ in $(seq 50); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done
    cp -a "$tree" "$work/B"
    find "$work/B" -type f -print0 | xargs -0 cat > /dev/null
    for s in A B; do
        printf 'clamav off\nsignatures %s\nscan-cache %s\ncache-store redis:127.0.0.1:%s\n' \
            "$top/conf/signatures" "$work/cache-$s" "$port" > "$work/$s.conf"
    done
    run fleet-A "$sg" -c "$work/A.conf" scan -j 2 --quiet "$tree"
    run fleet-B "$sg" -c "$work/B.conf" scan -j 2 --quiet "$work/B"
    fleet=1
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
col() { awk -v c="$2" '{ print $c }' "$work/$1" | median; }
echo "tree: $tree ($files files), $rounds rounds, medians"
printf '%-12s %9s %9s %9s\n' run wall_s cpu_s rss_kb
for n in find no-cache cold warm warm-touch1 ${fleet:+fleet-A fleet-B}; do
    printf '%-12s %9s %9s %9s\n' "$n" "$(col $n 1)" "$(col $n 2)" "$(col $n 3)"
done
awk -v c="$(col cold 1)" -v w="$(col warm 1)" -v n="$(col no-cache 1)" 'BEGIN {
    printf "cold / warm: %.1fx    no-cache / warm: %.1fx    cold / no-cache: %.2f\n",
           c / w, n / w, c / n }'
