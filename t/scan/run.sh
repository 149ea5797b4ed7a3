#!/bin/bash
# spamgear scan against the real ClamAV pieces: libclamav in-process with tiny test
# databases (.ndb .hdb .ldb .yar written here), and a real clamd (Debian
# clamav-daemon) started here on a unix socket and a free 127.0.0.1 port, in INSTREAM
# and FILDES modes.  Plus what the CLI cases cannot hold: NUL-separated lists and
# -j with several threads.  Everything goes under one mktemp -d directory.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
CLAMD=${CLAMD:-$(command -v clamd || echo /usr/sbin/clamd)}

die() { echo "t/scan/run.sh: $*" >&2; exit 99; }
[ -x "$sg" ] || die "$sg not built: run make first"
[ -x "$CLAMD" ] || die "clamd is missing: apt-get install clamav-daemon"

tmp=$(mktemp -d) || die "mktemp -d failed"
clamd_pid=
cleanup() {
    [ -n "$clamd_pid" ] && kill "$clamd_pid" 2>/dev/null && wait "$clamd_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; shift; printf '#   %s\n' "$@"; }
# expect NAME EXIT-CODE EXPECTED-STDOUT-FILE command...
expect() {
    local name=$1 code=$2 want=$3 rc
    shift 3
    "$@" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ "$rc" = "$code" ] && diff -u "$want" "$tmp/out" > "$tmp/diff"; then
        ok "$name"
    else
        fail "$name" "exit $rc (want $code)" "$(cat "$tmp/diff" "$tmp/err")"
    fi
}

# ------------------------------------------------------------------ fixtures
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
mkdir -p "$tmp/db" "$tmp/sigs" "$tmp/files" "$tmp/emptydb"
cp "$srcdir/conf/signatures/php-backdoors.sigs" "$tmp/sigs/"
echo "SG.Test.Ndb:0:*:$(hex 'sg-ndb-marker-4711')" > "$tmp/sigs/test.ndb"
printf 'sg hdb sample file\n' > "$tmp/files/hdb.bin"
echo "$(md5sum < "$tmp/files/hdb.bin" | cut -d' ' -f1):$(stat -c %s "$tmp/files/hdb.bin"):SG.Test.Hdb" > "$tmp/sigs/test.hdb"
echo "SG.Test.Ldb;Target:0;0&1;$(hex 'ldb-part-one');$(hex 'ldb-part-two')" > "$tmp/sigs/test.ldb"
cat > "$tmp/sigs/test.yar" <<'YAR'
rule SG_Test_Yara
{
    strings:
        $a = "sg-yara-marker-0815"
    condition:
        $a
}
YAR
cp "$tmp"/sigs/test.* "$tmp/db/"
printf 'x sg-ndb-marker-4711 y\n' > "$tmp/files/ndb.txt"
printf 'ldb-part-two then ldb-part-one\n' > "$tmp/files/ldb.txt"
printf 'here: sg-yara-marker-0815\n' > "$tmp/files/yara.txt"
printf '<?php @eval($_POST["x"]);\n' > "$tmp/files/shell.php"
printf 'nothing to see\n' > "$tmp/files/clean.txt"
f=$tmp/files

# ------------------------------------------------------------------ libclamav
cat > "$tmp/want-engine" <<OUT
$f/clean.txt
$f/hdb.bin [CLAMAV] [SG.Test.Hdb.UNOFFICIAL]
$f/ldb.txt [CLAMAV] [SG.Test.Ldb.UNOFFICIAL]
$f/ndb.txt [CLAMAV] [SG.Test.Ndb.UNOFFICIAL]
$f/shell.php [SPAMGEAR] [PHP.Backdoor.EvalRequest]
$f/shell.php [SPAMGEAR] [PHP.Backdoor.EvalRequestVar]
$f/yara.txt [CLAMAV] [YARA.SG_Test_Yara.UNOFFICIAL]
OUT
sed -i '1d' "$tmp/want-engine"
expect "libclamav: .ndb .hdb .ldb .yar from the signature directory, one read per file" 1 \
    "$tmp/want-engine" "$sg" scan -j 1 --signatures "$tmp/sigs" --clamav "engine $tmp/emptydb" \
    "$f/clean.txt" "$f/hdb.bin" "$f/ldb.txt" "$f/ndb.txt" "$f/shell.php" "$f/yara.txt"
# An explicit DBDIR that does not exist is an error (the default one may be missing).
if "$sg" scan --signatures "$tmp/sigs" --clamav "engine $tmp/nowhere" "$f/clean.txt" 2>"$tmp/err" >/dev/null; then
    fail "libclamav: a missing DBDIR given explicitly is an error" "exit 0"
elif grep -q "no such ClamAV database directory" "$tmp/err"; then
    ok "libclamav: a missing DBDIR given explicitly is an error"
else
    fail "libclamav: a missing DBDIR given explicitly is an error" "$(cat "$tmp/err")"
fi

# ------------------------------------------------------------------ lists and threads
printf '%s\0' "$f/ndb.txt" "$f/shell.php" > "$tmp/list0"
grep -v '^$f/\(hdb\|ldb\|yara\|clean\)' "$tmp/want-engine" | grep -e ndb -e shell > "$tmp/want-list"
expect "scan -0 -: a NUL-separated list on stdin" 1 "$tmp/want-list" \
    sh -c '"$0" scan -0 -j 1 --signatures "$1" --clamav "engine $2" - < "$3"' "$sg" "$tmp/sigs" "$tmp/emptydb" "$tmp/list0"
"$sg" scan -j 2 --signatures "$tmp/sigs" --clamav "engine $tmp/emptydb" "$f" > "$tmp/out" 2>&1
rc=$?
if [ $rc = 1 ] && [ "$(sort "$tmp/out")" = "$(sort "$tmp/want-engine")" ]; then
    ok "scan -j 2 DIR: the same findings from two threads"
else
    fail "scan -j 2 DIR: the same findings from two threads" "exit $rc" "$(cat "$tmp/out")"
fi

# ------------------------------------------------------------------ clamd
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$tmp/clamd.conf" <<CONF
LocalSocket $tmp/clamd.sock
TCPSocket $port
TCPAddr 127.0.0.1
DatabaseDirectory $tmp/db
Foreground yes
LogFile $tmp/clamd.log
PidFile $tmp/clamd.pid
StreamMaxLength 1M
CONF
[ "$(id -u)" = 0 ] && echo "User root" >> "$tmp/clamd.conf"
"$CLAMD" -c "$tmp/clamd.conf" > "$tmp/clamd.out" 2>&1 &
clamd_pid=$!
for _ in $(seq 1 300); do
    [ -S "$tmp/clamd.sock" ] && break
    kill -0 "$clamd_pid" 2>/dev/null || die "clamd died: $(tail -n 5 "$tmp/clamd.out" "$tmp/clamd.log" 2>/dev/null)"
    sleep 0.1
done
[ -S "$tmp/clamd.sock" ] || die "clamd did not start within 30 s"
for _ in $(seq 1 100); do
    python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1)' "$port" 2>/dev/null && break
    sleep 0.1
done

sed 's/\.UNOFFICIAL\]/.UNOFFICIAL]/' "$tmp/want-engine" > "$tmp/want-clamd"
files=("$f/clean.txt" "$f/hdb.bin" "$f/ldb.txt" "$f/ndb.txt" "$f/shell.php" "$f/yara.txt")
expect "clamd over its unix socket, INSTREAM" 1 "$tmp/want-clamd" \
    "$sg" scan -j 1 --signatures "$tmp/sigs" --clamav "socket $tmp/clamd.sock" "${files[@]}"
expect "clamd over its unix socket, FILDES" 1 "$tmp/want-clamd" \
    "$sg" scan -j 1 --fildes --signatures "$tmp/sigs" --clamav "socket $tmp/clamd.sock" "${files[@]}"
expect "clamd over TCP 127.0.0.1:$port, INSTREAM" 1 "$tmp/want-clamd" \
    "$sg" scan -j 1 --signatures "$tmp/sigs" --clamav "tcp 127.0.0.1:$port" "${files[@]}"
# Over StreamMaxLength: clamd's own error, reported with the path, scanning goes on.
head -c 1500000 /dev/zero > "$f/big.bin"
"$sg" scan -j 1 --signatures "$tmp/sigs" --clamav "tcp 127.0.0.1:$port" "$f/big.bin" "$f/ndb.txt" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 1 ] && grep -q "ndb.txt \[CLAMAV\]" "$tmp/out" && grep -q "big.bin: clamd 127.0.0.1:$port: INSTREAM size limit exceeded" "$tmp/err"; then
    ok "clamd: StreamMaxLength hit is reported for that file and scanning goes on"
else
    fail "clamd: StreamMaxLength hit is reported for that file and scanning goes on" "exit $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
rm -f "$f/big.bin"
if "$sg" scan --fildes --signatures "$tmp/sigs" --clamav "tcp 127.0.0.1:$port" "$f/clean.txt" 2> "$tmp/err" >/dev/null; then
    fail "clamd: --fildes over TCP is refused" "exit 0"
else
    grep -q "FILDES needs a unix socket" "$tmp/err" && ok "clamd: --fildes over TCP is refused" ||
        fail "clamd: --fildes over TCP is refused" "$(cat "$tmp/err")"
fi
kill "$clamd_pid"; wait "$clamd_pid" 2>/dev/null; clamd_pid=
"$sg" scan --signatures "$tmp/sigs" --clamav "socket $tmp/clamd.sock" "$f/clean.txt" > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc = 2 ] && grep -q "cannot connect" "$tmp/err"; then
    ok "clamd gone: exit 2 naming the socket"
else
    fail "clamd gone: exit 2 naming the socket" "exit $rc" "$(cat "$tmp/err")"
fi

echo "t/scan: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
