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
$f/yara.txt [YARA] [SG_Test_Yara]
OUT
sed -i '1d' "$tmp/want-engine"
expect "libclamav: .ndb .hdb .ldb from the signature directory, libyara its .yar, one read per file" 1 \
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
# Image fuzzy hashes: spamgear asks libclamav for them only when a loaded .ldb
# has a fuzzy_img# subsignature (or a .cvd/.cld may); such a signature must
# still match, from the signature directory and from DBDIR.
python3 - "$f/img.png" <<'PY'
import struct, sys, zlib
w = h = 64
raw = b''.join(b'\0' + bytes(v for x in range(w) for v in ((x * 4) & 255, (y * 4) & 255, ((x ^ y) * 4) & 255))
               for y in range(h))
def chunk(t, d): return struct.pack('>I', len(d)) + t + d + struct.pack('>I', zlib.crc32(t + d) & 0xffffffff)
open(sys.argv[1], 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 2, 0, 0, 0))
                              + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
PY
imghash=$(sigtool --fuzzy-img "$f/img.png" | awk '{print $NF}')
mkdir -p "$tmp/imgsigs" "$tmp/imgdb"
echo "SG.Test.Img;Engine:150-255,Target:0;0;fuzzy_img#$imghash#0" > "$tmp/imgsigs/img.ldb"
cp "$tmp/imgsigs/img.ldb" "$tmp/imgdb/"
echo "$f/img.png [CLAMAV] [SG.Test.Img.UNOFFICIAL]" > "$tmp/want-img"
expect "libclamav: a fuzzy_img# signature in the signature directory matches" 1 "$tmp/want-img" \
    "$sg" scan -j 1 --signatures "$tmp/imgsigs" --clamav "engine $tmp/emptydb" "$f/img.png"
expect "libclamav: a fuzzy_img# signature in DBDIR matches" 1 "$tmp/want-img" \
    "$sg" scan -j 1 --signatures "$tmp/emptydb" --clamav "engine $tmp/imgdb" "$f/img.png"
rm -f "$f/img.png"

# ------------------------------------------------------------------ lists and threads
printf '%s\0' "$f/ndb.txt" "$f/shell.php" > "$tmp/list0"
grep -v '^$f/\(hdb\|ldb\|yara\|clean\)' "$tmp/want-engine" | grep -e ndb -e shell > "$tmp/want-list"
expect "scan -0 -: a NUL-separated list on stdin" 1 "$tmp/want-list" \
    sh -c '"$0" scan -0 -j 1 --signatures "$1" --clamav "engine $2" - < "$3"' "$sg" "$tmp/sigs" "$tmp/emptydb" "$tmp/list0"
"$sg" scan --quiet -j 2 --signatures "$tmp/sigs" --clamav "engine $tmp/emptydb" "$f" > "$tmp/out" 2>&1
rc=$?
if [ $rc = 1 ] && [ "$(sort "$tmp/out")" = "$(sort "$tmp/want-engine")" ]; then
    ok "scan -j 2 DIR: the same findings from two threads"
else
    fail "scan -j 2 DIR: the same findings from two threads" "exit $rc" "$(cat "$tmp/out")"
fi

# ------------------------------------------------------------------ quarantine
# Round trips and failure paths.  STRACE injects a failure into one system call
# of the quarantine's sequence; after each, the file must be intact where it
# was, and the quarantine hold no entry, or a complete one with its record.
STRACE=${STRACE:-$(command -v strace || echo /usr/bin/strace)}
[ -x "$STRACE" ] || die "strace is missing: apt-get install strace"
# LeakSanitizer cannot run under ptrace: off for the traced runs of a
# sanitizer build (ASan and UBSan still check them).
strace_run() { ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$STRACE" "$@"; }
q=$tmp/q
www=$tmp/www/site
mkdir -p "$www"
qscan() { "$sg" scan -j 1 --clamav off --signatures "$tmp/sigs" --quarantine="$q" "$@"; }
# plant: a web shell owned by nobody, mode 0640, with an old mtime.
plant() {
    printf '<?php @eval($_POST["x"]); /* %s */\n' "$1" > "$www/shell.php"
    chown nobody:nogroup "$www/shell.php"
    chmod 0640 "$www/shell.php"
    touch -d '2020-01-02 03:04:05.123456789' "$www/shell.php"
    stat -c '%u:%g %a %y %s' "$www/shell.php" > "$tmp/meta"
    sha256sum < "$www/shell.php" > "$tmp/sum"
}
intact() {
    [ "$(stat -c '%u:%g %a %y %s' "$www/shell.php" 2>/dev/null)" = "$(cat "$tmp/meta")" ] &&
        [ "$(sha256sum < "$www/shell.php")" = "$(cat "$tmp/sum")" ]
}
# entries: the ids with a record; consistent: every .data has a .rec and vice versa, no .tmp
entries() { ls "$q" 2>/dev/null | sed -n 's/\.rec$//p'; }
consistent() {
    local f
    for f in "$q"/*; do
        [ -e "$f" ] || continue
        case $f in
            *.rec) [ -f "${f%.rec}.data" ] || return 1 ;;
            *.data) [ -f "${f%.data}.rec" ] || return 1 ;;
            *) return 1 ;;
        esac
    done
}

plant round-trip
qscan "$www/shell.php" > "$tmp/out" 2> "$tmp/err"
rc=$? id=$(entries)
if [ $rc = 1 ] && [ ! -e "$www/shell.php" ] && [ -n "$id" ] && consistent &&
   grep -q '\[QUARANTINED\]$' "$tmp/out" && grep -qx "path $www/shell.php" "$q/$id.rec"; then
    ok "quarantine: the file is moved out with its record"
else
    fail "quarantine: the file is moved out with its record" "exit $rc" "$(cat "$tmp/out" "$tmp/err")"
fi
"$sg" quarantine --dir "$q" restore "$id" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 0 ] && intact && [ -z "$(entries)" ] && [ -z "$(ls -A "$q")" ] && [ -z "$(ls -A "$www" | grep -v '^shell.php$')" ]; then
    ok "quarantine restore: content, owner, group, mode and mtime come back; the entry goes"
else
    fail "quarantine restore: content, owner, group, mode and mtime come back; the entry goes" \
        "exit $rc" "$(cat "$tmp/out" "$tmp/err"; stat "$www/shell.php"; cat "$tmp/meta")"
fi

# Each step of quarantining made to fail: renameat #1 is the copy, #2 the record,
# unlinkat #1 the original; an fsync of the copy and the copy's open too.
for inj in renameat,renameat2:error=EIO:when=1 renameat,renameat2:error=EIO:when=2 \
           fsync:error=EIO:when=1 fsync:error=EIO:when=2 unlinkat:error=EPERM:when=1 \
           write:error=ENOSPC:when=1; do
    rm -rf "$q"; plant "$inj"
    strace_run -f -o /dev/null -e inject="$inj" "$sg" scan -j 1 --clamav off \
        --signatures "$tmp/sigs" --quarantine="$q" "$www/shell.php" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc = 1 ] && intact && [ -z "$(entries)" ] && consistent && grep -q quarantine "$tmp/err" &&
       ! grep -q QUARANTINED "$tmp/out"; then
        ok "quarantine with $inj failing: the file is intact, no entry is left"
    else
        fail "quarantine with $inj failing: file intact and record consistent" "exit $rc" \
            "$(cat "$tmp/out" "$tmp/err"; ls -la "$q" "$www")"
    fi
done

# A crash (SIGKILL) at each step: the file is still in place, or complete in the
# quarantine with its record; never neither, never a record without its copy.
for inj in renameat,renameat2:when=1 renameat,renameat2:when=2 unlinkat:when=1 fsync:when=3; do
    rm -rf "$q"; plant "crash $inj"
    strace_run -f -o /dev/null -e inject="$inj:signal=KILL" "$sg" scan -j 1 --clamav off \
        --signatures "$tmp/sigs" --quarantine="$q" "$www/shell.php" > /dev/null 2>&1
    id=$(entries)
    if { intact || { [ -n "$id" ] && [ "$(sha256sum < "$q/$id.data")" = "$(cat "$tmp/sum")" ]; }; } &&
       { [ -z "$id" ] || [ -f "$q/$id.data" ]; }; then
        ok "quarantine killed at $inj: the file is intact or complete in the quarantine"
    else
        fail "quarantine killed at $inj: the file is intact or complete in the quarantine" \
            "$(ls -la "$q" "$www")"
    fi
done

# Restore: an existing file is kept without --force, replaced with it; a failed
# rename leaves the entry in the quarantine.
rm -rf "$q"; plant restore
qscan "$www/shell.php" > /dev/null 2>&1; id=$(entries)
echo 'the owner wrote this' > "$www/shell.php"
"$sg" quarantine --dir "$q" restore "$id" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 2 ] && [ "$(cat "$www/shell.php")" = "the owner wrote this" ] && [ "$(entries)" = "$id" ] &&
   grep -q "exists; --force replaces it" "$tmp/err"; then
    ok "quarantine restore: an existing file is not overwritten without --force"
else
    fail "quarantine restore: an existing file is not overwritten without --force" "exit $rc" "$(cat "$tmp/err")"
fi
rm "$www/shell.php"
strace_run -f -o /dev/null -e inject=renameat,renameat2:error=EIO:when=1 \
    "$sg" quarantine --dir "$q" restore "$id" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 2 ] && [ ! -e "$www/shell.php" ] && [ "$(entries)" = "$id" ] && consistent &&
   [ -z "$(ls -A "$www")" ]; then
    ok "quarantine restore with the rename failing: the entry stays, no temp file is left"
else
    fail "quarantine restore with the rename failing: the entry stays, no temp file is left" \
        "exit $rc" "$(cat "$tmp/err"; ls -la "$www")"
fi
echo 'newer' > "$www/shell.php"
"$sg" quarantine --dir "$q" restore --force "$id" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 0 ] && intact && [ -z "$(entries)" ]; then
    ok "quarantine restore --force: replaces the file, with the metadata"
else
    fail "quarantine restore --force: replaces the file, with the metadata" "exit $rc" "$(cat "$tmp/err")"
fi

# Purge: old entries go, recent ones stay.
rm -rf "$q"; plant purge
qscan "$www/shell.php" > /dev/null 2>&1; old=$(entries)
sed -i 's/^time .*/time 1000000000/' "$q/$old.rec"
plant purge2
qscan "$www/shell.php" > /dev/null 2>&1; new=$(entries | grep -v "$old")
"$sg" quarantine --dir "$q" purge --older-than 30d > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 0 ] && [ "$(cat "$tmp/out")" = "1 purged" ] && [ "$(entries)" = "$new" ] && consistent; then
    ok "quarantine purge --older-than 30d: the old entry goes, the new one stays"
else
    fail "quarantine purge --older-than 30d: the old entry goes, the new one stays" "exit $rc" \
        "$(cat "$tmp/out" "$tmp/err"; ls "$q")"
fi

# A directory swapped for a symlink in a directory others can write: not followed.
rm -rf "$q" "$tmp/www"; mkdir -p "$tmp/www/site" "$tmp/elsewhere"
printf '<?php @eval($_POST["x"]);\n' > "$tmp/elsewhere/shell.php"
chown nobody "$tmp/www"
rmdir "$tmp/www/site"; ln -s "$tmp/elsewhere" "$tmp/www/site"
qscan "$tmp/www/site/shell.php" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 1 ] && [ -f "$tmp/elsewhere/shell.php" ] && [ -z "$(entries)" ] &&
   grep -q "'site' is a symlink in a directory others can write" "$tmp/err"; then
    ok "quarantine: a symlink in a user-writable directory is not followed"
else
    fail "quarantine: a symlink in a user-writable directory is not followed" "exit $rc" \
        "$(cat "$tmp/out" "$tmp/err")"
fi
rm -rf "$tmp/www" "$q"

# ------------------------------------------------------------------ cleaning
# --clean: the injection is cut out in place (owner and mode kept), the original
# is kept in the quarantine and comes back with restore --force; a failed write
# of the cleaned file leaves the original in place and no entry.
mkdir -p "$www"
cplant() {
    printf '<?php @eval($_POST["x"]); ?><?php echo "hello %s"; ?>\n' "$1" > "$www/index.php"
    chown nobody:nogroup "$www/index.php"
    chmod 0604 "$www/index.php"
    stat -c '%u:%g %a %y %s' "$www/index.php" > "$tmp/cmeta"
    sha256sum < "$www/index.php" > "$tmp/csum"
}
cintact() {
    [ "$(stat -c '%u:%g %a %y %s' "$www/index.php")" = "$(cat "$tmp/cmeta")" ] &&
        [ "$(sha256sum < "$www/index.php")" = "$(cat "$tmp/csum")" ]
}
rm -rf "$q"; cplant clean
"$sg" scan -j 1 --clamav off --signatures "$tmp/sigs" --clean --quarantine="$q" "$www/index.php" \
    > "$tmp/out" 2> "$tmp/err"
rc=$? id=$(entries)
if [ $rc = 1 ] && [ "$(cat "$www/index.php")" = '<?php echo "hello clean"; ?>' ] &&
   [ "$(stat -c '%u:%g %a' "$www/index.php")" = "65534:65534 604" ] && [ -n "$id" ] &&
   grep -qx 'action cleaned' "$q/$id.rec" && [ "$(sha256sum < "$q/$id.data")" = "$(cat "$tmp/csum")" ] &&
   [ "$(grep -c '\[CLEANED\]$' "$tmp/out")" = 3 ] && [ -z "$(ls -A "$www" | grep -v '^index.php$')" ]; then
    ok "scan --clean: cleaned in place with owner and mode, the original kept in quarantine"
else
    fail "scan --clean: cleaned in place with owner and mode, the original kept in quarantine" \
        "exit $rc" "$(cat "$tmp/out" "$tmp/err" "$www/index.php"; ls -la "$www" "$q")"
fi
"$sg" scan -j 1 --clamav off --signatures "$tmp/sigs" "$www/index.php" > "$tmp/out" 2>&1
rc1=$?
"$sg" quarantine --dir "$q" restore --force "$id" > /dev/null 2> "$tmp/err"
rc=$?
if [ $rc1 = 0 ] && [ $rc = 0 ] && cintact; then
    ok "scan --clean: the result rescans clean; restore --force brings the original back"
else
    fail "scan --clean: the result rescans clean; restore --force brings the original back" \
        "exit $rc1/$rc" "$(cat "$tmp/out" "$tmp/err")"
fi
# PHP swallows one newline after "?>": the cleaning takes it with the
# injection, or the cleaned file starts with output and its header() calls
# fail.  Every newline form, and the cleaned file run by php itself.
for nl in none lf crlf cr; do
    case $nl in none) sep='' ;; lf) sep='\n' ;; crlf) sep='\r\n' ;; cr) sep='\r' ;; esac
    rm -rf "$q"
    printf "<?php eval(base64_decode(\$_POST['x'])); ?>$sep<?php echo headers_sent() ? 'output before' : 'ok';\n" \
        > "$www/index.php"
    "$sg" scan -j 1 --clamav off --signatures "$tmp/sigs" --clean --quarantine="$q" "$www/index.php" \
        > "$tmp/out" 2> "$tmp/err"
    rc=$?
    ran=$(php -n -f "$www/index.php" 2>&1)
    if [ $rc = 1 ] && grep -q '\[CLEANED\]' "$tmp/out" && [ "$ran" = ok ] &&
       [ "$(head -c 5 "$www/index.php")" = '<?php' ]; then
        ok "scan --clean: the newline after '?>' ($nl) goes with the injection; php prints nothing before the file's own output"
    else
        fail "scan --clean: the newline after '?>' ($nl) goes with the injection; php prints nothing before the file's own output" \
            "exit $rc, php said: $ran" "$(cat "$tmp/out" "$tmp/err"; od -c "$www/index.php" | head -3)"
    fi
done
# renameat #1, #2: the kept copy and its record; #3: the cleaned file over the original.
for when in 1 2 3; do
    rm -rf "$q"; cplant "fail $when"
    strace_run -f -o /dev/null -e inject=renameat,renameat2:error=EIO:when=$when "$sg" scan -j 1 \
        --clamav off --signatures "$tmp/sigs" --clean --quarantine="$q" "$www/index.php" \
        > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc = 1 ] && cintact && [ -z "$(entries)" ] && consistent && ! grep -q CLEANED "$tmp/out" &&
       [ -z "$(ls -A "$www" | grep -v '^index.php$')" ]; then
        ok "scan --clean with rename #$when failing: the original intact, no entry, no temp file"
    else
        fail "scan --clean with rename #$when failing: the original intact, no entry, no temp file" \
            "exit $rc" "$(cat "$tmp/out" "$tmp/err"; ls -la "$www" "$q")"
    fi
done
rm -rf "$www" "$q"

# ------------------------------------------------------------------ notification
# --notify-user: one mail per account through a sendmail-compatible program that
# records its arguments and the message; no header can be injected by a path.
h=$tmp/n/home
mkdir -p "$h/alice/www" "$h/bob" "$tmp/n/mails"
cat > "$tmp/n/sendmail" <<'SH'
#!/bin/sh
# fake sendmail: keeps argv and the message, one file per call
d=$(dirname "$0")/mails
n=$(ls "$d" | wc -l)
{ printf 'argv:'; printf ' [%s]' "$@"; printf '\n'; cat; } > "$d/$n"
SH
chmod +x "$tmp/n/sendmail"
printf '<?php @eval($_POST["x"]);\n' > "$h/alice/www/a.php"
cp "$h/alice/www/a.php" "$h/alice/www/x
Bcc: victim@example.net
.php"
cp "$h/alice/www/a.php" "$h/bob/b.php"
printf 'nothing here\n' > "$h/bob/clean.txt"
cat > "$tmp/n/tmpl" <<'TPL'
From: abuse@example.org
To: ${EMAIL}
Subject: ${USERNAME}: ${SHELLS}
X-Untouched: ${HOME} $(id) `id`

Dear ${USERNAME} <${EMAIL}>,
${SHELLS}
TPL
"$sg" scan -j 2 --clamav off --signatures "$tmp/sigs" --notify-user="^$tmp/n/home/([^/.]*)/" \
    --notify-template "$tmp/n/tmpl" --notify-domain example.org --sendmail "$tmp/n/sendmail" \
    "$h" > "$tmp/out" 2> "$tmp/err"
rc=$?
cat > "$tmp/want-mail0" <<OUT
argv: [-i] [--] [alice@example.org]
From: abuse@example.org
To: alice@example.org
Subject: alice: $h/alice/www/a.php, $h/alice/www/x\x0aBcc: victim@example.net\x0a.php
X-Untouched: \${HOME} \$(id) \`id\`

Dear alice <alice@example.org>,
$h/alice/www/a.php
$h/alice/www/x\x0aBcc: victim@example.net\x0a.php
OUT
cat > "$tmp/want-mail1" <<OUT
argv: [-i] [--] [bob@example.org]
From: abuse@example.org
To: bob@example.org
Subject: bob: $h/bob/b.php
X-Untouched: \${HOME} \$(id) \`id\`

Dear bob <bob@example.org>,
$h/bob/b.php
OUT
if [ $rc = 1 ] && [ "$(ls "$tmp/n/mails" | wc -l)" = 2 ] &&
   diff -u "$tmp/want-mail0" "$tmp/n/mails/0" > "$tmp/diff" && diff -u "$tmp/want-mail1" "$tmp/n/mails/1" >> "$tmp/diff"; then
    ok "scan --notify-user: one mail per account, recipient in argv, template filled, no header injected"
else
    fail "scan --notify-user: one mail per account, recipient in argv, template filled, no header injected" \
        "exit $rc" "$(cat "$tmp/err" "$tmp/diff")"
fi
# The built-in template, the default PATTERN missing, the owner's account instead.
owner=$(getent passwd 1000 | cut -d: -f1)
if [ -n "$owner" ]; then
    rm -f "$tmp/n/mails"/*
    chown 1000 "$h/bob/b.php"
    "$sg" scan -j 1 --clamav off --signatures "$tmp/sigs" --notify-user --sendmail "$tmp/n/sendmail" \
        --quarantine="$tmp/n/q" "$h/bob/b.php" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    if [ $rc = 1 ] && [ "$(head -n 1 "$tmp/n/mails/0")" = "argv: [-i] [--] [$owner]" ] &&
       grep -qx "To: $owner" "$tmp/n/mails/0" && grep -qx "$h/bob/b.php \[QUARANTINED\]" "$tmp/n/mails/0"; then
        ok "scan --notify-user: the owner's account when the pattern does not match; action listed"
    else
        fail "scan --notify-user: the owner's account when the pattern does not match; action listed" \
            "exit $rc" "$(cat "$tmp/err" "$tmp/n/mails/0")"
    fi
else
    ok "# SKIP no account with uid 1000 for the owner fallback"
fi
# sendmail failing: said on stderr, the scan's exit code stays 1 (found).
printf '<?php @eval($_POST["x"]);\n' > "$h/bob/b.php"
"$sg" scan -j 1 --clamav off --signatures "$tmp/sigs" --notify-user="^$tmp/n/home/([^/.]*)/" \
    --sendmail /bin/false "$h/bob/b.php" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 1 ] && grep -q "^spamgear: scan: notifying bob: /bin/false -i -- bob: " "$tmp/err"; then
    ok "scan --notify-user: a failing sendmail is reported with the account"
else
    fail "scan --notify-user: a failing sendmail is reported with the account" "exit $rc" "$(cat "$tmp/err")"
fi
# The classic full-scan -n PATTERN is a basic regex (sed's): \(...\) is the
# group, a bare ( or + is a literal.  The same mail goes to bob.
rm -f "$tmp/n/mails"/*
mkdir -p "$tmp/n/bin" && ln -sf "$sg" "$tmp/n/bin/full-scan"
printf '%s\n' "$h/bob/b.php" | PATH="$tmp/n/bin:$PATH" full-scan --clamav=off --signatures="$tmp/sigs" \
    --sendmail="$tmp/n/sendmail" -n "^$tmp/n/home/\\([^/.+(]*\\)/" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 1 ] && [ "$(ls "$tmp/n/mails" | wc -l)" = 1 ] &&
   [ "$(head -n 1 "$tmp/n/mails/0")" = "argv: [-i] [--] [bob]" ]; then
    ok "classic full-scan -n with a basic regex (\\(...\\) group): the account is the group"
else
    fail "classic full-scan -n with a basic regex" "exit $rc" "$(cat "$tmp/err" "$tmp/n/mails/0" 2>&1)"
fi
rm -rf "$tmp/n"

# ------------------------------------------------------------------ whitelist add
mkdir -p "$tmp/wl/wp/inc"
printf '<?php @eval($_POST["x"]);\n' > "$tmp/wl/wp/inc/odd.php"
printf '<?php echo 1;\n' > "$tmp/wl/wp/index.php"
ln -s /etc/passwd "$tmp/wl/wp/passwd"
echo '# kept' > "$tmp/wl/known"
"$sg" whitelist --whitelist "$tmp/wl/known" add "$tmp/wl/wp" > "$tmp/out" 2> "$tmp/err"
rc=$?
cat > "$tmp/want" <<OUT
# kept
$(sha256sum < "$tmp/wl/wp/inc/odd.php" | cut -d' ' -f1)  $tmp/wl/wp/inc/odd.php
$(sha256sum < "$tmp/wl/wp/index.php" | cut -d' ' -f1)  $tmp/wl/wp/index.php
OUT
if [ $rc = 0 ] && diff -u "$tmp/want" "$tmp/wl/known" > "$tmp/diff"; then
    ok "whitelist add: existing lines kept, one sha256 per file, symlinks skipped"
else
    fail "whitelist add: existing lines kept, one sha256 per file, symlinks skipped" "exit $rc" \
        "$(cat "$tmp/err" "$tmp/diff")"
fi
printf 'new\n' > "$tmp/wl/wp/new.txt"
cp "$tmp/wl/known" "$tmp/wl/before"
strace_run -f -o /dev/null -e inject=rename,renameat,renameat2:error=EIO:when=1 \
    "$sg" whitelist --whitelist "$tmp/wl/known" add "$tmp/wl/wp" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 2 ] && cmp -s "$tmp/wl/before" "$tmp/wl/known" && [ "$(ls "$tmp/wl")" = "$(printf 'before\nknown\nwp')" ]; then
    ok "whitelist add with the rename failing: the old list intact, no temp file left"
else
    fail "whitelist add with the rename failing: the old list intact, no temp file left" "exit $rc" \
        "$(cat "$tmp/err"; ls "$tmp/wl")"
fi
rm -rf "$tmp/wl"

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

# clamd reads its own database (test.yar among them: ClamAV's YARA subset);
# libyara reads the signature directory's test.yar: two engines, two lines.
{ cat "$tmp/want-engine"; echo "$f/yara.txt [CLAMAV] [YARA.SG_Test_Yara.UNOFFICIAL]"; } > "$tmp/want-clamd"
files=("$f/clean.txt" "$f/hdb.bin" "$f/ldb.txt" "$f/ndb.txt" "$f/shell.php" "$f/yara.txt")
expect "clamd over its unix socket, INSTREAM" 1 "$tmp/want-clamd" \
    "$sg" scan -j 1 --signatures "$tmp/sigs" --clamav "socket $tmp/clamd.sock" "${files[@]}"
expect "clamd over its unix socket, FILDES" 1 "$tmp/want-clamd" \
    "$sg" scan -j 1 --fildes --signatures "$tmp/sigs" --clamav "socket $tmp/clamd.sock" "${files[@]}"
expect "clamd over TCP 127.0.0.1:$port, INSTREAM" 1 "$tmp/want-clamd" \
    "$sg" scan -j 1 --signatures "$tmp/sigs" --clamav "tcp 127.0.0.1:$port" "${files[@]}"
# The classic clamd-client entry point: THREADS, the list on stdin, the config's socket.
mkdir -p "$tmp/bin"; ln -sf "$sg" "$tmp/bin/clamd-client"
printf 'signatures %s\nclamav socket %s\n' "$tmp/sigs" "$tmp/clamd.sock" > "$tmp/cc.conf"
printf '%s\n' "${files[@]}" | PATH="$tmp/bin:$PATH" clamd-client 2 --config="$tmp/cc.conf" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ $rc = 1 ] && [ "$(sort "$tmp/out")" = "$(sort "$tmp/want-clamd")" ]; then
    ok "clamd-client 2: the classic entry point scans the stdin list through clamd"
else
    fail "clamd-client 2: the classic entry point scans the stdin list through clamd" "exit $rc" \
        "$(cat "$tmp/out" "$tmp/err")"
fi
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

# ------------------------------------------------------------------ defaults that work
# No config file at all: the built-in ClamAV mode ("engine /var/lib/clamav")
# on a machine where freshclam has not run is a warning, and the scan goes
# on; an admin's explicit "clamav engine DIR" with a missing DIR stays an
# error.  (Which case applies depends on the machine's /var/lib/clamav:
# both are checked for what they must say.)
: > "$tmp/none.conf"
"$sg" -c "$tmp/none.conf" scan --quiet --signatures "$tmp/sigs" "$f/clean.txt" > "$tmp/out" 2> "$tmp/err"
rc=$?
if ls /var/lib/clamav/*.c[lv]d >/dev/null 2>&1; then
    [ $rc = 0 ] && [ ! -s "$tmp/err" ] && ok "defaults: ClamAV databases present, no warning, exit 0" ||
        fail "defaults: ClamAV databases present, no warning, exit 0" "exit $rc" "$(cat "$tmp/err")"
else
    if [ $rc = 0 ] && [ "$(wc -l < "$tmp/err")" = 1 ] &&
       grep -q "^spamgear: scan: warning: no ClamAV databases in /var/lib/clamav (run freshclam" "$tmp/err"; then
        ok "defaults: no ClamAV databases (freshclam never ran): one warning line, the scan goes on, exit 0"
    else
        fail "defaults: no ClamAV databases: one warning line, the scan goes on, exit 0" "exit $rc" "$(cat "$tmp/err")"
    fi
fi
printf 'clamav engine %s/no-such-db\n' "$tmp" > "$tmp/explicit.conf"
"$sg" -c "$tmp/explicit.conf" scan --signatures "$tmp/sigs" "$f/clean.txt" > "$tmp/out" 2> "$tmp/err"
rc=$?
[ $rc = 2 ] && grep -q "no-such-db: no such ClamAV database directory" "$tmp/err" &&
    ok "defaults: an explicit 'clamav engine DIR' with no DIR stays an error (exit 2)" ||
    fail "defaults: an explicit 'clamav engine DIR' with no DIR stays an error" "exit $rc" "$(cat "$tmp/err")"
# Run from its build tree before make install, the built-in signature
# directory (not installed yet) is the tree's conf/signatures, said once.
printf 'clamav off\n' > "$tmp/off.conf"
default_sigs=$("$sg" -c "$tmp/off.conf" check-config --dump | sed -n 's/^signatures  *\([^ ]*\) .*/\1/p')
srcdir_abs=$(cd "$srcdir" && pwd -P)
"$sg" -c "$tmp/off.conf" scan "$f/shell.php" > "$tmp/out" 2> "$tmp/err"
rc=$?
if [ -d "$default_sigs" ]; then
    [ $rc = 1 ] && ok "defaults: the installed signature directory is used" ||
        fail "defaults: the installed signature directory is used" "exit $rc" "$(cat "$tmp/err")"
elif [ $rc = 1 ] && grep -q "is not installed yet: using the build tree's $srcdir_abs/conf/signatures" "$tmp/err" &&
     grep -q 'PHP\.' "$tmp/out"; then
    ok "defaults: uninstalled, the build tree's conf/signatures are used and said"
else
    fail "defaults: uninstalled, the build tree's conf/signatures are used and said" "exit $rc" \
        "$(cat "$tmp/err" "$tmp/out")"
fi

# ------------------------------------------------------------------ progress and summary
# On a terminal (script(1) gives the scan a pty): a progress line on stderr,
# erased before each finding so every finding starts a line of its own, and
# the summary at the end.  --quiet: neither.  Not a terminal: the summary only.
SCRIPT=${SCRIPT:-$(command -v script || echo /usr/bin/script)}
[ -x "$SCRIPT" ] || die "script is missing: apt-get install bsdutils"
mkdir -p "$tmp/prog"
for i in 1 2 3 4 5; do cp "$f/clean.txt" "$tmp/prog/c$i.txt"; done
cp "$f/shell.php" "$tmp/prog/shell.php"
pscan="$sg scan -j 1 --clamav off --signatures $tmp/sigs"
"$SCRIPT" -qec "$pscan $tmp/prog/c1.txt $tmp/prog/shell.php" /dev/null > "$tmp/tty" 2>&1
tr '\r' '\n' < "$tmp/tty" | sed 's/\x1b\[K//g' > "$tmp/tty.lines"
if grep -q '^scanning: [12] files, 0\.0 MB, [01] found, [0-9]* files/s, [0-9]*%, ETA 0:00$' "$tmp/tty.lines" &&
   grep -q "^$tmp/prog/shell.php \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\]$" "$tmp/tty.lines" &&
   grep -q "$(printf '\r\033\\[K')$tmp/prog/shell.php \[SPAMGEAR\]" "$tmp/tty" &&
   grep -q '^Scanned files: 2 (0\.00 MB)$' "$tmp/tty.lines" && grep -q '^Malicious: 1 file$' "$tmp/tty.lines"; then
    ok "terminal: progress line with percent and ETA (files named), erased before each finding; summary"
else
    fail "terminal: progress line with percent and ETA (files named), erased before each finding; summary" \
        "$(od -c "$tmp/tty" | head -n 40)"
fi
"$SCRIPT" -qec "$pscan $tmp/prog" /dev/null > "$tmp/tty" 2>&1
tr '\r' '\n' < "$tmp/tty" | sed 's/\x1b\[K//g' > "$tmp/tty.lines"
if grep -q '^scanning: [0-9] files, 0\.0 MB, [01] found, [0-9]* files/s$' "$tmp/tty.lines" &&
   ! grep -q 'ETA' "$tmp/tty.lines" && grep -q '^Scanned files: 6 (0\.00 MB)$' "$tmp/tty.lines"; then
    ok "terminal: a directory's progress line has no percent (the count is not known); summary counts 6"
else
    fail "terminal: a directory's progress line has no percent (the count is not known)" "$(cat "$tmp/tty.lines")"
fi
"$SCRIPT" -qec "$pscan --quiet $tmp/prog" /dev/null > "$tmp/tty" 2>&1
if ! grep -q 'scanning:\|SCAN SUMMARY' "$tmp/tty" && [ "$(grep -c 'shell.php \[SPAMGEAR\]' "$tmp/tty")" -ge 1 ]; then
    ok "terminal: --quiet prints findings only"
else
    fail "terminal: --quiet prints findings only" "$(cat -A "$tmp/tty")"
fi
$pscan "$tmp/prog" > "$tmp/out" 2> "$tmp/err"
if ! grep -q 'scanning:' "$tmp/err" && [ "$(head -n 1 "$tmp/err")" = "----------- SCAN SUMMARY -----------" ] &&
   grep -q '^Scanned files: 6 (0\.00 MB)$' "$tmp/err" && ! grep -q 'SUMMARY' "$tmp/out"; then
    ok "not a terminal: no progress line; the summary on stderr, stdout findings only"
else
    fail "not a terminal: no progress line; the summary on stderr" "$(cat -A "$tmp/err")"
fi
printf '%s\n' "$tmp/prog/shell.php" | (cd "$tmp" && PATH="$tmp/bin:$PATH" && mkdir -p bin &&
    ln -sf "$sg" bin/full-scan && full-scan --clamav=off --signatures="$tmp/sigs" > "$tmp/out" 2> "$tmp/err")
if [ ! -s "$tmp/err" ] && grep -q 'shell.php' "$tmp/out"; then
    ok "classic full-scan: findings only, no summary (the classic output)"
else
    fail "classic full-scan: findings only, no summary" "$(cat "$tmp/err" "$tmp/out")"
fi

echo "t/scan: $((n - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
