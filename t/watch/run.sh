#!/bin/bash
# spamgear watch with real fanotify (issue 16): shells written by cp, moved in
# by mv (a file, and a directory holding one), extracted by tar and written by
# a PHP script are found and quarantined within 2 s; 50 edits of a clean file
# are one or two scans; an overflowing queue rescans what it dropped; SIGKILL
# of the daemon under load leaves the file system usable at once; --status
# (text, JSON, after a stop and after a kill); a user without CAP_SYS_ADMIN
# gets one clear line and exit 2.  Needs root (fanotify) and a kernel with
# FAN_REPORT_DFID_NAME (5.9+); without them every test is skipped, saying so.
# Everything goes under one mktemp -d directory, removed on exit.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
export TZ=UTC LC_ALL=C

die() { echo "t/watch/run.sh: $*" >&2; exit 99; }
[ -x "$sg" ] || die "$sg not built: run make first"

tmp=$(mktemp -d /tmp/sg-watch.XXXXXX) || die "mktemp -d failed"
chmod 0755 "$tmp"
daemon=
cleanup() {
    [ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/t/tap.sh"
show_failure() {
    echo "#   daemon stderr:"; sed 's/^/#     /' "$tmp/daemon.err" 2>/dev/null | tail -n 20
    echo "#   status:"; sed 's/^/#     /' "$tmp/state/watch.status" 2>/dev/null
    echo "#   findings:"; sed 's/^/#     /' "$tmp/findings.json" 2>/dev/null | tail -n 5
}

if [ "$(id -u)" != 0 ]; then
    echo "1..0 # SKIP fanotify needs root"
    exit 0
fi

mkdir -p "$tmp/tree" "$tmp/state" "$tmp/q" "$tmp/src"
cat > "$tmp/sg.conf" <<EOF
clamav off
signatures $srcdir/conf/signatures
state-dir $tmp/state
quarantine $tmp/q
scan-cache $tmp/cache
watch-log $tmp/findings.json
watch-nice 0
EOF
shell='<?php if (isset($_POST["c"])) { eval($_POST["c"]); }'
printf '%s\n' "$shell" > "$tmp/src/shell.txt"

# start [EXTRA CONFIG LINES]: the daemon on $tmp/tree; waits for its status file
start() {
    rm -f "$tmp/state/watch.status"
    printf '%s\n' "$@" > "$tmp/extra.conf"
    cat "$tmp/sg.conf" "$tmp/extra.conf" > "$tmp/run.conf"
    "$sg" -c "$tmp/run.conf" watch -j 2 --quarantine ${WATCH_OPTS:-} "$tmp/tree" > "$tmp/daemon.out" 2> "$tmp/daemon.err" &
    daemon=$!
    for _ in $(seq 100); do [ -s "$tmp/state/watch.status" ] && return 0; sleep 0.05; done
    return 1
}
stop() { [ -n "$daemon" ] && kill "$daemon" && wait "$daemon"; local rc=$?; daemon=; return $rc; }
# gone_within SECONDS PATH: PATH disappears (quarantined) within SECONDS
gone_within() {
    local end=$(( $(date +%s%N) + $1 * 1000000000 ))
    while [ "$(date +%s%N)" -lt "$end" ]; do [ -e "$2" ] || return 0; sleep 0.02; done
    return 1
}
status_field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/state/watch.status" "$1"; }
quarantined() { grep -c "\"path\":\"$1\".*\"action\":\"quarantined\"" "$tmp/findings.json"; }

if ! start; then
    if grep -q 'fanotify' "$tmp/daemon.err"; then
        echo "1..0 # SKIP $(head -n 1 "$tmp/daemon.err")"
        exit 0
    fi
    not_ok "the daemon starts"
    echo "$pass passed, $fail failed"; exit 1
fi
ok "the daemon starts and writes its status"

cp "$tmp/src/shell.txt" "$tmp/tree/by-cp.php"
check "a shell written by cp is quarantined within 2 s" \
    'gone_within 2 "$tmp/tree/by-cp.php"' '[ "$(quarantined "$tmp/tree/by-cp.php")" -ge 1 ]'

cp "$tmp/src/shell.txt" "$tmp/moved.php"
mv "$tmp/moved.php" "$tmp/tree/by-mv.php"
check "a shell moved in by mv (a rename on the same file system) is quarantined within 2 s" \
    'gone_within 2 "$tmp/tree/by-mv.php"'

mkdir -p "$tmp/plugin/inc/deep"
cp "$tmp/src/shell.txt" "$tmp/plugin/inc/deep/x.php"
printf '<?php echo "fine";\n' > "$tmp/plugin/ok.php"
mv "$tmp/plugin" "$tmp/tree/plugin"
check "a directory moved in is walked: its shell is quarantined within 2 s, the clean file stays" \
    'gone_within 2 "$tmp/tree/plugin/inc/deep/x.php"' '[ -f "$tmp/tree/plugin/ok.php" ]'

mkdir -p "$tmp/tarsrc/theme/js"
cp "$tmp/src/shell.txt" "$tmp/tarsrc/theme/js/cache.php"
for i in $(seq 20); do printf '<?php echo %d;\n' "$i" > "$tmp/tarsrc/theme/page$i.php"; done
tar -C "$tmp/tarsrc" -czf "$tmp/theme.tgz" theme
tar -C "$tmp/tree" -xzf "$tmp/theme.tgz"
check "a shell extracted by tar is quarantined within 2 s, the 20 clean files stay" \
    'gone_within 2 "$tmp/tree/theme/js/cache.php"' \
    '[ "$(ls "$tmp/tree/theme" | grep -c "^page")" = 20 ]'

if command -v php > /dev/null; then
    php -r 'file_put_contents($argv[1], base64_decode($argv[2]));' "$tmp/tree/by-php.php" \
        "$(base64 -w0 < "$tmp/src/shell.txt")"
    check "a shell written by a PHP script (file_put_contents) is quarantined within 2 s" \
        'gone_within 2 "$tmp/tree/by-php.php"'
else
    ok "# SKIP php is not installed"
fi

printf '<?php echo "a page";\n' > "$tmp/tree/edited.php"
sleep 1.5
before=$(status_field scanned)
for i in $(seq 50); do printf '// edit %d\n' "$i" >> "$tmp/tree/edited.php"; sleep 0.005; done
sleep 2.5
after=$(status_field scanned)
check "50 edits of a clean file in a row are one or two scans ($((after - before)))" \
    '[ $((after - before)) -ge 1 ] && [ $((after - before)) -le 2 ]' '[ -f "$tmp/tree/edited.php" ]'

"$sg" -c "$tmp/run.conf" watch --status > "$tmp/status.txt"; src=$?
check "watch --status: running, with the counters, exit 0" '[ $src = 0 ]' \
    'grep -q "^running: pid $daemon, since " "$tmp/status.txt"' \
    'grep -qE "^findings: [0-9]+ malicious" "$tmp/status.txt"' \
    'grep -qE "^events: [0-9]+ " "$tmp/status.txt"'
"$sg" -c "$tmp/run.conf" watch --status --json > "$tmp/status.json"
check "watch --status --json: the same as one JSON object" \
    'python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d[\"running\"] is True and d[\"malicious\"] >= 5, d" "$tmp/status.json"'

stop; src=$?
check "SIGTERM stops the daemon; exit 1 (it found shells), the status says not running" \
    '[ $src = 1 ]' '[ "$(status_field running)" = False ]'
"$sg" -c "$tmp/run.conf" watch --status > "$tmp/status.txt"; src=$?
check "watch --status of a stopped daemon: exit 1" '[ $src = 1 ]' 'grep -q "^not running" "$tmp/status.txt"'

# Our table holds 5 files: 60 written at once overflow it; their directory is
# rescanned once it drains, so the shell among them is still found.
start "watch-queue 5" || not_ok "the daemon restarts"
mkdir -p "$tmp/tree/burst"
for i in $(seq 60); do printf '<?php echo %d;\n' "$i" > "$tmp/tree/burst/f$i.php"; done
cp "$tmp/src/shell.txt" "$tmp/tree/burst/zz.php"
check "an overflow of the queue is counted and the directory rescanned: the shell is found" \
    'gone_within 5 "$tmp/tree/burst/zz.php"' \
    'sleep 1.2; [ "$(status_field overflows)" -gt 0 ] && [ "$(status_field rescans)" -gt 0 ]'

# SIGKILL under load: writes go on while it dies, and right after it the file
# system answers as usual (a notification listener never holds an open).
( for i in $(seq 2000); do printf '<?php echo %d;\n' "$i" > "$tmp/tree/burst/load$((i % 50)).php"; done ) &
loader=$!
sleep 0.3
kill -9 "$daemon"; wait "$daemon" 2>/dev/null; daemon=
check "SIGKILL during load: writing, reading and renaming work at once (2 s limit)" \
    'timeout 2 sh -c "echo x > \"$tmp/tree/after-kill.txt\" && cat \"$tmp/tree/after-kill.txt\" > /dev/null && mv \"$tmp/tree/after-kill.txt\" \"$tmp/tree/after-kill2.txt\""' \
    'timeout 5 wait $loader 2>/dev/null || wait $loader'
"$sg" -c "$tmp/run.conf" watch --status > "$tmp/status.txt"; src=$?
check "watch --status after SIGKILL: the pid is gone, not running, exit 1" '[ $src = 1 ]' \
    'grep -q "^not running" "$tmp/status.txt"'

# --notify-user: the account's mail goes out within watch-notify-every, while
# the daemon runs (a fake sendmail records what it is given).
printf '#!/bin/sh\n{ echo "ARGS: $*"; cat; } >> "%s/mail.out"\n' "$tmp" > "$tmp/sendmail"
chmod 755 "$tmp/sendmail"
WATCH_OPTS="--notify-user=^.*/tree/home/([^/]+)/ --sendmail $tmp/sendmail" start "watch-notify-every 1s" ||
    not_ok "the daemon restarts with --notify-user"
mkdir -p "$tmp/tree/home/alice/public_html"
cp "$tmp/src/shell.txt" "$tmp/tree/home/alice/public_html/wp-cache.php"
mailed() { grep -q '^ARGS: -i -- alice$' "$tmp/mail.out" 2>/dev/null && grep -q 'public_html/wp-cache.php' "$tmp/mail.out"; }
i=0; until mailed || [ $i -ge 60 ]; do sleep 0.1; i=$((i + 1)); done
check "--notify-user: alice is mailed her file within 6 s, the daemon still running" \
    'mailed' 'kill -0 "$daemon"' '[ "$(grep -c "^ARGS:" "$tmp/mail.out")" = 1 ]'
stop > /dev/null 2>&1
check "nothing is mailed twice: the daemon's stop sends only what is new" \
    '[ "$(grep -c "^ARGS:" "$tmp/mail.out")" = 1 ]'

if command -v setpriv > /dev/null; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$sg" -c "$tmp/run.conf" watch "$tmp/tree" \
        > "$tmp/out" 2> "$tmp/err"; src=$?
    check "without CAP_SYS_ADMIN: one line naming the cause, exit 2" '[ $src = 2 ]' \
        '[ "$(wc -l < "$tmp/err")" = 1 ]' 'grep -qE "^spamgear: watch: (.*: cannot watch its file system: fanotify filesystem marks|fanotify) needs? root \(CAP_SYS_ADMIN\)$" "$tmp/err"'
else
    ok "# SKIP setpriv is missing"
fi

echo "1..$((pass + fail))"
echo "t/watch: $pass passed, $fail failed"
[ "$fail" = 0 ]
