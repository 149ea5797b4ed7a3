#!/bin/bash
# t/bench/watch.sh: spamgear watch under a tar extraction of a 100,000-file
# WordPress-like tree (issue 16); not a timed test, make check does not run it.
#
# Usage: t/bench/watch.sh WPDIR [COPIES]   (as root: fanotify)
#   WPDIR   an unpacked WordPress, e.g. DIR/wordpress/usr/share/wordpress from
#           ../shared/detect/fetch-debian-php.sh (never commit it)
#   COPIES  sites in the tree (default: enough copies of WPDIR for 100,000
#           files)
#
# Builds the tree once as a tarball (sites site1..siteN, each a copy of
# WPDIR), then, one after the other:
#   watch     spamgear watch -j 2 --clamav off (project signatures, watch-nice
#             10, an empty verdict cache) on an empty directory; tar xf of the
#             tarball into it; prints the extraction time, the time until the
#             daemon's queue is drained (every file scanned), files scanned per
#             second, the daemon's CPU time and share of the wall time, and its
#             peak RSS (VmHWM)
#   tar-only  the same tar xf with no watcher: what the extraction costs alone
#   inotify   inotifywait -r -m (inotify-tools) on the extracted tree: the time
#             until it says "Watches established", its peak RSS and the number
#             of watches it needed (one per directory; Debian's default limit,
#             fs.inotify.max_user_watches, is printed beside it).  It only
#             watches: what it would cost to scan the files is not in it.
# The page cache is warm for the tarball (one untimed cat first).
#
# Measured 2026-12-05 on the 2-core build VM (a slow virtual disk: tar alone
# took 28-36 s), WPDIR = Debian 12's wordpress package, 40 copies:
#   tree: 100,840 files, 10,321 directories
#   watch:    tar xf 27.94 s; drained 59.63 s after the start (31.69 s after
#             tar ended); 101,285 files scanned, 1,698 files/s; daemon CPU
#             25.63 s = 43% of one core over the run; peak RSS 72,840 KB;
#             101,800 events kept, 0 overflows, 0 rescans
#   tar-only: tar xf 35.62 s
#   inotify:  inotifywait -r -m: 1.23 s to set up 10,321 watches (one per
#             directory), peak RSS 4,544 KB; spamgear watch: 1 mark
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
wp=${1:?usage: t/bench/watch.sh WPDIR [COPIES]}
sg=${SPAMGEAR:-$top/spamgear}
[ "$(id -u)" = 0 ] || { echo "watch.sh: needs root (fanotify)" >&2; exit 2; }
[ -x "$sg" ] || { echo "watch.sh: $sg not built (run make)" >&2; exit 2; }
command -v inotifywait > /dev/null || { echo "watch.sh: needs inotifywait (apt install inotify-tools)" >&2; exit 2; }
per_site=$(find "$wp" -type f | wc -l)
copies=${2:-$(( (100000 + per_site - 1) / per_site ))}

work=$(mktemp -d /var/tmp/sg-watch-bench.XXXXXX)
daemon=
trap '[ -n "$daemon" ] && kill -9 $daemon 2>/dev/null; rm -rf "$work"' EXIT
mkdir -p "$work/src" "$work/state" "$work/dst"
for i in $(seq "$copies"); do cp -a "$wp" "$work/src/site$i"; done
files=$(find "$work/src" -type f | wc -l)
dirs=$(find "$work/src" -type d | wc -l)
tar -C "$work/src" -cf "$work/tree.tar" .
rm -rf "$work/src"
cat "$work/tree.tar" > /dev/null
cat > "$work/sg.conf" <<EOF
clamav off
signatures $top/conf/signatures
state-dir $work/state
scan-cache $work/cache
watch-log $work/findings.json
EOF

now() { date +%s.%N; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$work/state/watch.status" "$1"; }

echo "tree: $copies copies of $wp: $files files, $dirs directories"

"$sg" -c "$work/sg.conf" watch -j 2 --quiet "$work/dst" > "$work/daemon.out" 2> "$work/daemon.err" &
daemon=$!
for _ in $(seq 100); do [ -s "$work/state/watch.status" ] && break; sleep 0.05; done
c0=$(cpu_ticks $daemon)
t0=$(now)
tar -C "$work/dst" -xf "$work/tree.tar"
t1=$(now)
# drained: nothing settling, nothing at the workers, and as many files looked
# at as the tar wrote (or the status stops moving for 3 s)
last= same=0
while :; do
    sleep 0.2
    s=$(cat "$work/state/watch.status")
    if [ "$(field waiting)" = 0 ] && [ "$(field at_workers)" = 0 ] &&
       [ $(( $(field scanned) + $(field cache_hits) )) -ge "$files" ]; then break; fi
    if [ "$s" = "$last" ]; then same=$((same + 1)); [ $same -ge 15 ] && break; else same=0; fi
    last=$s
done
t2=$(now)
c1=$(cpu_ticks $daemon)
hwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$daemon/status")
scanned=$(field scanned) overflows=$(field overflows) rescans=$(field rescans) events=$(field events)
kill $daemon; wait $daemon || true; daemon=
hz=$(getconf CLK_TCK)
awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v c=$(( c1 - c0 )) -v hz="$hz" -v n="$scanned" \
    -v rss="$hwm" -v ev="$events" -v ov="$overflows" -v re="$rescans" 'BEGIN {
    printf "watch:    tar xf %.2f s; drained %.2f s after the start (%.2f s after tar ended)\n",
           t1 - t0, t2 - t0, t2 - t1
    printf "          %d files scanned, %.0f files/s; daemon CPU %.2f s = %.0f%% of one core over the run;\n",
           n, n / (t2 - t0), c / hz, 100 * c / hz / (t2 - t0)
    printf "          peak RSS %d KB; %d events kept, %d overflows, %d rescans\n", rss, ev, ov, re }'

rm -rf "$work/dst" && mkdir "$work/dst"
t0=$(now); tar -C "$work/dst" -xf "$work/tree.tar"; t1=$(now)
awk -v a="$t0" -v b="$t1" 'BEGIN { printf "tar-only: tar xf %.2f s\n", b - a }'

limit=$(cat /proc/sys/fs/inotify/max_user_watches)
[ "$limit" -ge "$dirs" ] || sysctl -q fs.inotify.max_user_watches=$((dirs * 2))
t0=$(now)
inotifywait -r -m "$work/dst" > /dev/null 2> "$work/inotify.err" &
ipid=$!
while ! grep -q 'Watches established' "$work/inotify.err"; do sleep 0.01; done
t1=$(now)
ihwm=$(awk '/^VmHWM/ { print $2 }' "/proc/$ipid/status")
kill $ipid; wait $ipid 2>/dev/null || true
sysctl -q fs.inotify.max_user_watches="$limit"
awk -v a="$t0" -v b="$t1" -v rss="$ihwm" -v d="$dirs" -v l="$limit" 'BEGIN {
    printf "inotify:  inotifywait -r -m: %.2f s to set up %d watches (one per directory; this host'"'"'s limit %d), peak RSS %d KB; spamgear watch: 1 mark\n",
           b - a, d, l, rss }'
