#!/bin/bash
# The fleet layer of the verdict cache (cache-store) with a real redis-server
# on loopback: two servers' copies of one tree (two scans with their own
# local caches, one store): the second scan analyses only what the first did
# not find clean, and still reports the shell; a store that dies is one
# warning and the scan goes on locally with the same findings; a store entry
# that is not "clean" never skips the engine; with ClamAV off a content
# under 16 KB is analysed, neither asked for nor stored.  Environment (make check):
# top_srcdir top_builddir.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
export TZ=UTC LC_ALL=C

hard() { echo "t/cache: $*"; exit 99; }
command -v redis-server > /dev/null || hard "redis-server not found: install the Debian package redis-server"
command -v redis-cli > /dev/null || hard "redis-cli not found: install the Debian package redis-tools"
[ -x "$sg" ] || hard "$sg not built: run make first"

tmp=$(mktemp -d /tmp/sg-cache.XXXXXX) || hard "mktemp -d failed"
redis_pid=
cleanup() {
    [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null && wait "$redis_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/t/tap.sh"
rc=0
show_failure() {
    echo "#   rc=$rc; stdout:"; sed 's/^/#     /' "$tmp/out" | head -n 20
    echo "#   stderr:"; sed 's/^/#     /' "$tmp/err" | head -n 20
}

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no > "$tmp/redis.log" 2>&1 &
redis_pid=$!
for _ in $(seq 50); do redis-cli -p "$port" ping > /dev/null 2>&1 && break; sleep 0.1; done

# Files of 16 KB and more: with ClamAV off smaller contents are analysed,
# the store not asked (the last checks).
pad=$(head -c 17000 /dev/zero | tr '\0' 'x')
mkdir -p "$tmp/A/wp-includes" "$tmp/A/wp-content/uploads"
for i in $(seq 30); do printf '<?php\n/* page %d %s */\necho "hello %d";\n' "$i" "$pad" "$i" > "$tmp/A/wp-includes/f$i.php"; done
printf '<?php if (isset($_POST["c"])) { eval($_POST["c"]); }\n/* %s */\n' "$pad" > "$tmp/A/wp-content/uploads/x.php"
printf '<?php echo "small";\n' > "$tmp/A/wp-includes/small.php"
cp -a "$tmp/A" "$tmp/B"
cp -a "$tmp/A" "$tmp/C"
conf() {   # conf NAME STORE: a server's config, its own local cache
    printf 'clamav off\nsignatures %s\nscan-cache %s\ncache-store %s\n' \
        "$srcdir/conf/signatures" "$tmp/cache-$1" "$2" > "$tmp/$1.conf"
}
conf A "redis:127.0.0.1:$port"
conf B "redis:127.0.0.1:$port"
conf C "redis:127.0.0.1:$port"
scan() { "$sg" -c "$tmp/$1.conf" scan -j 2 "$tmp/$1" > "$tmp/out" 2> "$tmp/err"; rc=$?; }
fleet_line() { grep '^Fleet cache' "$tmp/err"; }

scan A
check "server A: every content analysed, the 31 of 16 KB and more stored in the store (not small.php), the shell reported" \
    '[ $rc = 1 ]' 'grep -q "uploads/x.php \[SPAMGEAR\]" "$tmp/out"' \
    '[ "$(redis-cli -p "$port" dbsize)" = 31 ]' \
    '[ "$(fleet_line)" = "Fleet cache (redis:127.0.0.1:$port): 0 files not scanned (a clean verdict for the content), 31 looked up" ]'

scan B
check "server B (its own empty local cache): the 30 clean contents are vouched for by A's verdicts, the shell and the small file (not asked for) are analysed" \
    '[ $rc = 1 ]' 'grep -q "uploads/x.php \[SPAMGEAR\]" "$tmp/out"' \
    '[ "$(fleet_line)" = "Fleet cache (redis:127.0.0.1:$port): 30 files not scanned (a clean verdict for the content), 31 looked up" ]' \
    'grep -q "^Scanned files: 2 " "$tmp/err"'

scan B
check "server B again: its local cache answers first, the store is not asked for the 30 files" \
    '[ $rc = 1 ]' 'grep -q "^Verdict cache: 31 unchanged files not scanned, 1 scanned" "$tmp/err"' \
    '[ "$(fleet_line)" = "Fleet cache (redis:127.0.0.1:$port): 0 files not scanned (a clean verdict for the content), 1 looked up" ]'

# A store entry saying anything but clean never skips the engine: f1's
# content marked malicious by hand is analysed (and found clean).
key=$(redis-cli -p "$port" --scan | while read -r k; do
        v=$(redis-cli -p "$port" get "$k"); [ "$v" = clean ] && { echo "$k"; break; }; done)
redis-cli -p "$port" set "$key" malicious > /dev/null
rm -rf "$tmp/cache-C"
scan C
check "a store entry that is not clean is not trusted to skip: that content is analysed" \
    '[ $rc = 1 ]' 'grep -q "^Scanned files: 3 " "$tmp/err"' \
    'grep -q "uploads/x.php \[SPAMGEAR\]" "$tmp/out"' '! grep -q "wp-includes" "$tmp/out"'

kill "$redis_pid"; wait "$redis_pid" 2>/dev/null; redis_pid=
rm -rf "$tmp/cache-C"
scan C
check "the store down: one warning line, the scan goes on locally with the same findings" \
    '[ $rc = 1 ]' 'grep -q "uploads/x.php \[SPAMGEAR\]" "$tmp/out"' \
    '[ "$(grep -c "warning" "$tmp/err")" = 1 ]' \
    'grep -q "^spamgear: scan: warning: redis:127.0.0.1:$port: the fleet verdict cache is off for this run: " "$tmp/err"' \
    'grep -q "^Scanned files: 32 " "$tmp/err"' \
    'grep -q "the store failed, off for the rest of the run$" "$tmp/err"'

# The parallel walk (scan -j N with a local verdict cache): the workers
# walk the directories the main walker leaves them.  Every file is looked at
# exactly once, a warm scan vouches for each clean file, and a shell planted
# deep in the tree (and a changed file) is still read.
mkdir -p "$tmp/P"
for d in $(seq 40); do
    mkdir -p "$tmp/P/d$d/e/f"
    for i in 1 2 3; do printf '<?php echo "%d-%d";\n' "$d" "$i" > "$tmp/P/d$d/e/f/p$i.php"; done
    printf 'notes %d\n' "$d" > "$tmp/P/d$d/readme.txt"
done
printf 'clamav off\nsignatures %s\nscan-cache %s\n' "$srcdir/conf/signatures" "$tmp/cache-P" > "$tmp/P.conf"
pscan() { "$sg" -c "$tmp/P.conf" scan -j 2 "$tmp/P" > "$tmp/out" 2> "$tmp/err"; rc=$?; }
pscan
check "parallel walk, cold: each of the 160 files in 120 directories scanned once" \
    '[ $rc = 0 ]' 'grep -q "^Verdict cache: 0 unchanged files not scanned, 160 scanned" "$tmp/err"'
pscan
check "parallel walk, warm: the 160 files vouched for, none read again" \
    '[ $rc = 0 ]' 'grep -q "^Verdict cache: 160 unchanged files not scanned, 0 scanned" "$tmp/err"'
printf '<?php eval($_POST["c"]);\n' > "$tmp/P/d37/e/f/x.php"
printf '<?php echo "changed";\n' > "$tmp/P/d5/e/f/p2.php"
pscan
check "parallel walk, warm: a shell planted deep is found, the changed file read again, the rest vouched for" \
    '[ $rc = 1 ]' 'grep -q "d37/e/f/x.php \[SPAMGEAR\]" "$tmp/out"' \
    'grep -q "^Verdict cache: 159 unchanged files not scanned, 2 scanned" "$tmp/err"'

echo "1..$((pass + fail))"
echo "t/cache: $pass passed, $fail failed"
[ "$fail" = 0 ]
