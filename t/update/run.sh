#!/bin/bash
# spamgear update against a real HTTPS server on 127.0.0.1 (t/update/server.py, with
# a certificate made here): installs, 304s, changes, --dry-run, --graceful with a fake
# apachectl, and every failure (truncated file, bad checksum, server down, HTTP
# errors, size cap, bad manifests, untrusted certificate) leaving the installed set
# byte for byte as it was.  Needs python3 and openssl.
# Everything it writes goes under one mktemp -d directory, removed on exit.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
here=$srcdir/t/update

die() { echo "t/update/run.sh: $*" >&2; exit 99; }

. "$srcdir/t/tap.sh"
py=$(python_with "ssl, http.server")
[ -n "$py" ] || die "python3 (with ssl) is missing: apt-get install python3"
command -v openssl >/dev/null || die "openssl is missing: apt-get install openssl"
[ -x "$sg" ] || die "$sg not built: run make first"

tmp=$(mktemp -d) || die "mktemp -d failed"
server_pid=
locker_pid=
cleanup() {
    [ -n "$locker_pid" ] && kill "$locker_pid" 2>/dev/null && wait "$locker_pid" 2>/dev/null
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ------------------------------------------------------------------ fixtures
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >"$tmp/openssl.log" 2>&1 ||
    die "openssl req failed: $(tail -n 1 "$tmp/openssl.log")"

www=$tmp/www
# mkset DIR NAME=TEXT...: a signature set and its manifest (sha256sum's format).
mkset() {
    local d=$www/$1 kv
    shift
    rm -rf "$d"
    mkdir -p "$d"
    for kv in "$@"; do printf '%s\n' "${kv#*=}" >"$d/${kv%%=*}"; done
    (cd "$d" && sha256sum -- * >SHA256SUMS)
}
mkset v1 a.sig="rule a v1" b.sig="rule b v1" c.sig="rule c v1"
mkset v2 a.sig="rule a v1" b.sig="rule b v2" d.sig="rule d v2"
mkset v3 a.sig="rule a v3" b.sig="rule b v2" d.sig="rule d v2"
mkset other x.sig="$(head -c 65536 /dev/zero | tr '\0' x)" y.sig="$(head -c 65536 /dev/zero | tr '\0' y)"
mkset bad x.sig="$(head -c 65536 /dev/zero | tr '\0' x)" y.sig="rule y"
echo "rule y, altered after the manifest was made" >"$www/bad/y.sig"
mkdir -p "$www/empty" "$www/html"
printf '# nothing yet\n' >"$www/empty/SHA256SUMS"
printf '<html><body>Welcome to nginx!</body></html>\n' >"$www/html/SHA256SUMS"
# live: the source whose content changes between runs.
setlive() {
    rm -rf "$www/live"
    cp -r "$www/$1" "$www/live"
    # Last-Modified has one-second steps: make each version visibly newer.
    touch -d "@$(( $(date +%s) + ${2:-0} ))" "$www/live"/*
}
setlive v1

mkdir -p "$tmp/srv"
"$py" "$here/server.py" "$www" "$tmp/cert.pem" "$tmp/key.pem" "$tmp/srv" >"$tmp/srv.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -f "$tmp/srv/ports" ] && break
    kill -0 "$server_pid" 2>/dev/null || die "test HTTPS server died: $(tail -n 3 "$tmp/srv.log")"
    sleep 0.1
done
[ -f "$tmp/srv/ports" ] || die "test HTTPS server did not start within 10 s"
port() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/srv/ports"; }
U=https://127.0.0.1:$(port https)
DOWN=https://127.0.0.1:$(port down)

etc=$tmp/etc
inst=$etc/signatures
mkdir -p "$etc" "$tmp/bin"
: >"$tmp/empty.conf"
printf '#!/bin/sh\necho "$*" >>"%s/graceful.log"\necho "fake apachectl: $*"\n' "$tmp" \
    >"$tmp/apachectl"
printf '#!/bin/sh\nexit 3\n' >"$tmp/apachectl-fails"
chmod +x "$tmp/apachectl" "$tmp/apachectl-fails"
printf 'update-graceful-command %s graceful\n' "$tmp/apachectl" >"$tmp/graceful.conf"
printf 'update-graceful-command %s\n' "$tmp/apachectl-fails" >"$tmp/graceful-fails.conf"
printf 'update-max-size 16k\n' >"$tmp/small.conf"
ln -s "$sg" "$tmp/bin/php-shell-detector"

# ------------------------------------------------------------------ helpers
show_failure() {
    echo "#   rc=$rc; stdout:"; sed 's/^/#     /' "$tmp/out"
    echo "#   stderr:"; sed 's/^/#     /' "$tmp/err"
}
# up [-c CONF] ARGS...: spamgear update; sets rc, elapsed (ms) and the requests it made.
up() {
    local conf=$tmp/empty.conf start
    if [ "$1" = -c ]; then conf=$2; shift 2; fi
    : >"$tmp/srv/requests"
    start=$(date +%s%N)
    "$sg" -c "$conf" update "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
}
out_is() { [ "$(cat "$tmp/out")" = "$(printf "$1")" ]; }
err_is() { [ "$(cat "$tmp/err")" = "$1" ]; }
err_one() { [ "$(wc -l <"$tmp/err")" = 1 ] && grep -qE -- "$1" "$tmp/err"; }
requests() { [ "$(sort "$tmp/srv/requests" | tr '\n' ' ')" = "$1" ]; }
# A checksum of a whole tree: names, types, modes and contents.
tree_sum() {
    [ -d "$1" ] || { echo none; return; }
    (cd "$1" && find . -printf '%y %m %p\n' | sort &&
     find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-64
}
same_files() { diff -r -x SHA256SUMS -x .spamgear-update "$www/$1" "$2" >/dev/null; }
no_leftovers() { ! ls -d "$etc"/*.new-* >/dev/null 2>&1; }

# ------------------------------------------------------------------ install, 304, changes
up --source "$U/live/SHA256SUMS" --dir "$inst" --cacert "$tmp/cert.pem"
check "first run installs every file and prints one line each" \
    '[ $rc = 0 ]' 'out_is "added a.sig\nadded b.sig\nadded c.sig"' '[ ! -s "$tmp/err" ]' \
    'same_files v1 "$inst"' '[ -f "$inst/.spamgear-update" ]' '[ ! -e "$inst.prev" ]' \
    'no_leftovers' \
    'requests "/live/SHA256SUMS 200 /live/a.sig 200 /live/b.sig 200 /live/c.sig 200 "'
sum_v1=$(tree_sum "$inst")

up --source "$U/live/SHA256SUMS" --dir "$inst" --cacert "$tmp/cert.pem"
t304=$elapsed
check "second run: 304, nothing changed, nothing printed, exit 0 (${t304} ms)" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' '[ ! -s "$tmp/err" ]' \
    'requests "/live/SHA256SUMS 304 "' '[ "$(tree_sum "$inst")" = "$sum_v1" ]'

# --cacert relative to the working directory, as typed
cd "$tmp" && up --source "$U/live/SHA256SUMS" --dir "$inst" --cacert cert.pem; cd - >/dev/null
check "--cacert cert.pem (relative) is taken from the working directory" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/err" ]' 'requests "/live/SHA256SUMS 304 "'

setlive v2 2
up --source "$U/live/SHA256SUMS" --dir "$inst" --cacert "$tmp/cert.pem"
check "changed source: changes printed by name, only new files fetched, previous set kept" \
    '[ $rc = 0 ]' 'out_is "changed b.sig\nremoved c.sig\nadded d.sig"' '[ ! -s "$tmp/err" ]' \
    'same_files v2 "$inst"' '[ "$(tree_sum "$inst.prev")" = "$sum_v1" ]' 'no_leftovers' \
    'requests "/live/SHA256SUMS 200 /live/b.sig 200 /live/d.sig 200 "'
sum_v2=$(tree_sum "$inst")

setlive v3 4
up --source "$U/live/SHA256SUMS" --dir "$inst" --cacert "$tmp/cert.pem" --dry-run
check "--dry-run downloads and verifies, prints the change, installs nothing" \
    '[ $rc = 0 ]' 'out_is "changed a.sig"' '[ ! -s "$tmp/err" ]' \
    '[ "$(tree_sum "$inst")" = "$sum_v2" ]' '[ "$(tree_sum "$inst.prev")" = "$sum_v1" ]' \
    'no_leftovers' 'requests "/live/SHA256SUMS 200 /live/a.sig 200 "'

setlive v2 6
echo "# regenerated" >>"$www/live/SHA256SUMS"
up --source "$U/live/SHA256SUMS" --dir "$inst" --cacert "$tmp/cert.pem"
check "manifest changed but files did not: nothing printed, set untouched" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' '[ ! -s "$tmp/err" ]' \
    '[ "$(tree_sum "$inst.prev")" = "$sum_v1" ]' 'same_files v2 "$inst"' \
    'requests "/live/SHA256SUMS 200 "'
up --source "$U/live/SHA256SUMS" --dir "$inst" --cacert "$tmp/cert.pem"
check "... and its new ETag was kept: the next run is a 304" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' 'requests "/live/SHA256SUMS 304 "'
sum_v2=$(tree_sum "$inst")
sum_prev=$(tree_sum "$inst.prev")

# ------------------------------------------------------------------ failures
# fails NAME ERE ARGS...: update must exit 2 with one stderr line matching ERE and
# leave the installed and previous sets byte for byte as they were.
fails() {
    local name=$1 ere=$2
    shift 2
    up "$@"
    check "$name: exit 2, one line, installed set untouched" \
        '[ $rc = 2 ]' '[ ! -s "$tmp/out" ]' "err_one \"\$ere\"" \
        '[ "$(tree_sum "$inst")" = "$sum_v2" ]' '[ "$(tree_sum "$inst.prev")" = "$sum_prev" ]' \
        'no_leftovers'
    sed 's/^/#   /' "$tmp/err"
}
q() { printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'; }
D="--dir $inst --cacert $tmp/cert.pem"

fails "truncated file (Content-Length larger than the body)" \
    "^spamgear: update: $(q "$U/cut/other/SHA256SUMS"): x\.sig: download cut short after [0-9]+ bytes" \
    --source "$U/cut/other/SHA256SUMS" $D
fails "file that does not match the manifest" \
    "^spamgear: update: $(q "$U/bad/SHA256SUMS"): y\.sig: SHA-256 does not match the manifest \(expected [0-9a-f]{64}, got [0-9a-f]{64}\)$" \
    --source "$U/bad/SHA256SUMS" $D
fails "server down" \
    "^spamgear: update: $(q "$DOWN/other/SHA256SUMS"): .*(connect|Connection refused)" \
    --source "$DOWN/other/SHA256SUMS" $D
fails "HTTP 500 on a file" \
    "^spamgear: update: $(q "$U/err/other/SHA256SUMS"): x\.sig: server answered HTTP 500$" \
    --source "$U/err/other/SHA256SUMS" $D
fails "HTTP 404 on the manifest" \
    "^spamgear: update: $(q "$U/missing/SHA256SUMS"): server answered HTTP 404$" \
    --source "$U/missing/SHA256SUMS" $D
fails "file over update-max-size" \
    "^spamgear: update: $(q "$U/other/SHA256SUMS"): x\.sig: larger than 16384 bytes \(update-max-size\)$" \
    -c "$tmp/small.conf" --source "$U/other/SHA256SUMS" $D
fails "manifest that lists nothing" \
    "^spamgear: update: $(q "$U/empty/SHA256SUMS"): not a usable manifest: lists no file$" \
    --source "$U/empty/SHA256SUMS" $D
fails "manifest that is an HTML page" \
    "^spamgear: update: $(q "$U/html/SHA256SUMS"): not a usable manifest: line 1: expected 'SHA256  FILENAME'" \
    --source "$U/html/SHA256SUMS" $D
fails "server certificate not trusted" \
    "^spamgear: update: $(q "$U/other/SHA256SUMS"): TLS certificate not trusted" \
    --source "$U/other/SHA256SUMS" --dir "$inst"
fails "one good and one bad source: nothing installed" \
    "^spamgear: update: $(q "$U/bad/SHA256SUMS"): .*does not match" \
    --source "$U/live/SHA256SUMS" --source "$U/bad/SHA256SUMS" $D
fails "two sources listing one file name" \
    "^spamgear: update: $(q "$U/v1/SHA256SUMS"): 'a\.sig' is also listed by $(q "$U/live/SHA256SUMS")$" \
    --source "$U/live/SHA256SUMS" --source "$U/v1/SHA256SUMS" $D
fails "pinned sha256= that does not match" \
    "^spamgear: update: $(q "$U/other/x.sig"): SHA-256 does not match sha256= " \
    --source "$U/other/x.sig sha256=$(printf '%064d' 0)" $D

"$py" -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDONLY)
fcntl.flock(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
time.sleep(60)' "$etc" "$tmp/locked" &
locker_pid=$!
for _ in $(seq 1 50); do [ -f "$tmp/locked" ] && break; sleep 0.1; done
fails "another update running" \
    "^spamgear: update: $(q "$etc"): another spamgear update is running there$" \
    --source "$U/live/SHA256SUMS" $D
kill "$locker_pid" 2>/dev/null
wait "$locker_pid" 2>/dev/null
locker_pid=

# ------------------------------------------------------------------ repairs
mkdir -p "$inst.new-stale1"
echo junk >"$inst.new-stale1/a.sig"
echo "garbage" >"$inst/.spamgear-update"
up --source "$U/live/SHA256SUMS" $D
check "bad state file: warned, manifest fetched again, stale temp dir removed" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' 'err_one "\.spamgear-update: ignored \(line 1: "' \
    'requests "/live/SHA256SUMS 200 "' 'no_leftovers' \
    '[ "$(tree_sum "$inst.prev")" = "$sum_prev" ]'

echo "tampered" >"$inst/a.sig"
up --source "$U/live/SHA256SUMS" $D
check "a changed installed file: no 304 trusted, the published file comes back" \
    '[ $rc = 0 ]' 'out_is "changed a.sig"' 'same_files v2 "$inst"' \
    'requests "/live/SHA256SUMS 200 /live/a.sig 200 "'

# ------------------------------------------------------------------ pinned, Last-Modified
X=$(sha256sum "$www/other/x.sig" | cut -c1-64)
up --source "$U/other/x.sig sha256=$X" --dir "$etc/pinned" --cacert "$tmp/cert.pem"
check "pinned sha256=: the file is installed under its name" \
    '[ $rc = 0 ]' 'out_is "added x.sig"' 'cmp -s "$www/other/x.sig" "$etc/pinned/x.sig"'
up --source "$U/other/x.sig sha256=$X" --dir "$etc/pinned" --cacert "$tmp/cert.pem"
check "pinned sha256= already installed: no request at all" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' '[ ! -s "$tmp/err" ]' 'requests ""'

up --source "$U/noetag/v1/SHA256SUMS" --dir "$etc/lm" --cacert "$tmp/cert.pem"
up --source "$U/noetag/v1/SHA256SUMS" --dir "$etc/lm" --cacert "$tmp/cert.pem"
check "server without ETag: If-Modified-Since gets the 304" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' 'requests "/noetag/v1/SHA256SUMS 304 "' \
    'grep -q "^last-modified " "$etc/lm/.spamgear-update"' \
    '! grep -q "^etag " "$etc/lm/.spamgear-update"'

# ------------------------------------------------------------------ --graceful
setlive v1 8
up -c "$tmp/graceful.conf" --graceful --source "$U/live/SHA256SUMS" $D
check "--graceful after an install runs the command (no shell), its output on stderr" \
    '[ $rc = 0 ]' 'out_is "changed b.sig\nadded c.sig\nremoved d.sig"' \
    '[ "$(cat "$tmp/graceful.log")" = graceful ]' 'err_is "fake apachectl: graceful"'
up -c "$tmp/graceful.conf" --graceful --source "$U/live/SHA256SUMS" $D
check "--graceful when nothing changed: not run" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' '[ "$(wc -l <"$tmp/graceful.log")" = 1 ]'
setlive v2 10
up -c "$tmp/graceful-fails.conf" --graceful --source "$U/live/SHA256SUMS" $D
check "--graceful command failing: exit 2, but the new set is installed" \
    '[ $rc = 2 ]' 'same_files v2 "$inst"' \
    'err_is "spamgear: update: installed, but $tmp/apachectl-fails exited with status 3"'

# ------------------------------------------------------------------ entry point
setlive v3 12
PATH="$tmp/bin:$PATH" php-shell-detector --update --source "$U/live/SHA256SUMS" $D \
    >"$tmp/out" 2>"$tmp/err"
rc=$?
check "php-shell-detector --update runs update" \
    '[ $rc = 0 ]' 'out_is "changed a.sig"' '[ ! -s "$tmp/err" ]' 'same_files v3 "$inst"'

PATH="$tmp/bin:$PATH" php-shell-detector -u --source "$U/v1/SHA256SUMS" $D >"$tmp/out" 2>"$tmp/err"
rc=$?
check "php-shell-detector -u is --update" \
    '[ $rc = 0 ]' 'out_is "changed a.sig\nchanged b.sig\nadded c.sig\nremoved d.sig"' \
    '[ ! -s "$tmp/err" ]' 'same_files v1 "$inst"'
PATH="$tmp/bin:$PATH" php-shell-detector -u -c "$tmp/empty.conf" $D >"$tmp/out" 2>"$tmp/err"
rc=$?
check "no update source: exit 2, the error points at the shipped source to uncomment" \
    '[ $rc = 2 ]' '[ ! -s "$tmp/out" ]' \
    'err_one "^spamgear: update: no source: set update-source in $tmp/empty.conf \(spamgear.conf.sample has the classic php-shell-detector database ready to uncomment\) or use --source$"' \
    'grep -q "^#update-source https://raw.githubusercontent.com/emposha/PHP-Shell-Detector/master/shelldetect.db sha256=[0-9a-f]\{64\}$" "$top_srcdir/conf/spamgear.conf.sample"'

# ------------------------------------------------------------------ local files
# Files no update installed (the project's signatures from make install, the
# admin's own) stay; files an update installed and no source lists go.
loc=$etc/local/signatures
mkdir -p "$loc"
printf 'project rule\n' >"$loc/php-backdoors.sigs"
printf 'my rule\n' >"$loc/mine.sigs"
up --source "$U/v1/SHA256SUMS" --dir "$loc" --cacert "$tmp/cert.pem"
check "first run beside local files: the sources' files added, the local ones kept" \
    '[ $rc = 0 ]' 'out_is "added a.sig\nadded b.sig\nadded c.sig"' '[ ! -s "$tmp/err" ]' \
    '[ "$(cat "$loc/php-backdoors.sigs")" = "project rule" ]' '[ "$(cat "$loc/mine.sigs")" = "my rule" ]'
up --source "$U/v2/SHA256SUMS" --dir "$loc" --cacert "$tmp/cert.pem"
check "next source set: its own old file removed (c.sig), the local ones still kept" \
    '[ $rc = 0 ]' 'out_is "changed b.sig\nremoved c.sig\nadded d.sig"' '[ ! -s "$tmp/err" ]' \
    '[ ! -e "$loc/c.sig" ]' '[ "$(cat "$loc/php-backdoors.sigs")" = "project rule" ]' \
    '[ "$(cat "$loc/mine.sigs")" = "my rule" ]' '[ "$(cat "$loc.prev/mine.sigs")" = "my rule" ]'

# ------------------------------------------------------------------ YARA files
# A manifest may carry YARA rules: the new set is compiled before the swap;
# one that does not compile is not installed and the old set stays whole.
mkset yara-good a.sig="rule a v1" web.yar='rule WebShellMark { strings: $a = "YMARK" condition: $a }'
mkset yara-bad a.sig="rule a v1" web.yar='rule WebShellMark { strings: $a = "YMARK" condition: $b }'
yd=$etc/yara/signatures
mkdir -p "$yd"
up --source "$U/yara-good/SHA256SUMS" --dir "$yd" --cacert "$tmp/cert.pem"
sum_yara=$(tree_sum "$yd")
check "a manifest with a YARA file that compiles installs it" \
    '[ $rc = 0 ]' 'out_is "added a.sig\nadded web.yar"' '[ ! -s "$tmp/err" ]' 'same_files yara-good "$yd"'
up --source "$U/yara-bad/SHA256SUMS" --dir "$yd" --cacert "$tmp/cert.pem"
check "a YARA file that does not compile: exit 2, FILE:LINE named, the installed set kept whole" \
    '[ $rc = 2 ]' '[ ! -s "$tmp/out" ]' \
    "err_is 'spamgear: update: web.yar:1: undefined string \"\$b\"; the new set is not installed, $yd is kept'" \
    '[ "$(tree_sum "$yd")" = "$sum_yara" ]' '! ls -d "$etc"/yara/*.new-* >/dev/null 2>&1'

# ------------------------------------------------------------------ vulnerability feeds
# *.osv.json and *.wordfence.json files are loaded as spamgear sites loads
# them before the swap; one that does not load is not installed.
mkset feed-good a.sig="rule a v1" wp.wordfence.json='{"v1": {"id": "v1", "title": "XSS", "software": [{"type": "plugin", "slug": "x", "affected_versions": {"* - 1.0": {"from_version": "*", "from_inclusive": true, "to_version": "1.0", "to_inclusive": true}}, "patched_versions": ["1.1"]}]}}'
mkset feed-syntax a.sig="rule a v1" wp.wordfence.json='{"v1": {"id": "v1",
  "title": "XSS" "software": []}}'
mkset feed-shape a.sig="rule a v1" core.osv.json='[{"id": "OSV-1", "affected": [{"package": {"ecosystem": "Packagist", "name": "roots/wordpress"}, "ranges": [{"type": "ECOSYSTEM", "events": [{"fixed": "6.4.3"}]}]}]}]'
fd=$etc/feeds/signatures
mkdir -p "$fd"
up --source "$U/feed-good/SHA256SUMS" --dir "$fd" --cacert "$tmp/cert.pem"
sum_feed=$(tree_sum "$fd")
check "a manifest with a Wordfence feed that loads installs it" \
    '[ $rc = 0 ]' 'out_is "added a.sig\nadded wp.wordfence.json"' '[ ! -s "$tmp/err" ]' 'same_files feed-good "$fd"'
up --source "$U/feed-syntax/SHA256SUMS" --dir "$fd" --cacert "$tmp/cert.pem"
check "a feed with a JSON syntax error: exit 2, FILE:LINE:COLUMN named, the installed set kept whole" \
    '[ $rc = 2 ]' '[ ! -s "$tmp/out" ]' \
    "err_is \"spamgear: update: wp.wordfence.json:2:27: '}' expected near '\\\"software\\\"'; the new set is not installed, $fd is kept\"" \
    '[ "$(tree_sum "$fd")" = "$sum_feed" ]' '! ls -d "$etc"/feeds/*.new-* >/dev/null 2>&1'
up --source "$U/feed-shape/SHA256SUMS" --dir "$fd" --cacert "$tmp/cert.pem"
check "an OSV feed with a range that has no introduced event: exit 2, the JSON path named, the set kept" \
    '[ $rc = 2 ]' '[ ! -s "$tmp/out" ]' \
    "err_is 'spamgear: update: core.osv.json: \$[0].affected[0].ranges[0].events: a range with no introduced event; the new set is not installed, $fd is kept'" \
    '[ "$(tree_sum "$fd")" = "$sum_feed" ]'

echo "t/update: a no-change run (one 304) took ${t304} ms"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
