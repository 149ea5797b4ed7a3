#!/bin/bash
# spamgear watch with real fanotify (issue 16): shells written by cp, moved in
# by mv (a file, and a directory holding one), extracted by tar and written by
# a PHP script (php-cli, and a page httpd + mod_php runs: an exploited
# plugin) are found and quarantined within 2 s; 50 edits of a clean file
# are one or two scans; an overflowing queue rescans what it dropped; SIGKILL
# of the daemon under load leaves the file system usable at once; --status
# (text, JSON, after a stop and after a kill); a user without CAP_SYS_ADMIN
# gets one clear line and exit 2.  Then --prevent (permission events) on a
# tmpfs the test mounts: php, a user's cat and httpd requests (mod_php, and
# PHP-FPM through mod_proxy_fcgi) are refused a shell planted while the
# daemon runs, clean files open, an
# exempt root program and files outside the tree are not held, a write over
# an allowed clean file clears its ignore mark, the time limit allows and
# queues, the counters (--status and the module's status page), SIGKILL
# with opens held and under load, and a kernel without permission events
# (EINVAL injected with strace: one line, exit 2).  Needs root (fanotify) and
# a kernel with FAN_REPORT_DFID_NAME (5.9+); without them every test is
# skipped, saying so.
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
mounted=
httpd_started=
fpm_pidfile=
cleanup() {
    [ -n "$daemon" ] && kill -9 "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    [ -n "$fpm_pidfile" ] && [ -s "$fpm_pidfile" ] && kill "$(cat "$fpm_pidfile")" 2>/dev/null
    [ -n "$httpd_started" ] && env $san_env "$httpd" -f "$httpd_started" -k stop 2>/dev/null
    [ -n "$mounted" ] && { umount "$mounted" || umount -l "$mounted"; }
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/t/tap.sh"
. "$srcdir/t/san-env.sh"   # san_env: httpd loading a sanitized mod_spamgear
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

# httpd + mod_php (Debian's apache2 and libapache2-mod-php), for an
# "exploited plugin" here and for prevention below
if [ -n "${APXS:-}" ] || command -v apxs2 > /dev/null; then
    APXS=${APXS:-apxs2}
    libexecdir=$("$APXS" -q LIBEXECDIR)
    httpd="$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)"
    modphp=$(ls "$libexecdir"/libphp*.so 2>/dev/null | head -n 1)
fi

# An exploited plugin: a page that httpd + mod_php runs (as nobody) writes a
# shell into the tree.  The page itself is clean (it copies a fixed file):
# whatever tricked it, the file it writes is what the daemon must catch.
if [ -n "${modphp:-}" ] && command -v curl > /dev/null; then
    mkdir -p "$tmp/tree/site/cache" "$tmp/httpd0"
    chmod 755 "$tmp/tree" "$tmp/tree/site" "$tmp/src"; chmod 777 "$tmp/tree/site/cache"
    chmod 644 "$tmp/src/shell.txt"
    printf '<?php\n// a plugin that was made to write a file\ncopy(%s, __DIR__ . "/cache/page.php");\necho "written\\n";\n' \
        "'$tmp/src/shell.txt'" > "$tmp/tree/site/plugin.php"
    port0=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    printf '%s\n' "ServerRoot \"$tmp/httpd0\"" "DefaultRuntimeDir \"$tmp/httpd0\"" \
        "PidFile \"$tmp/httpd0/httpd.pid\"" "ErrorLog \"$tmp/httpd0/error_log\"" \
        "Listen 127.0.0.1:$port0" 'ServerName localhost' 'User nobody' "Group $(id -gn nobody)" \
        'StartServers 1' "LoadModule mpm_prefork_module \"$libexecdir/mod_mpm_prefork.so\"" \
        "LoadModule authz_core_module \"$libexecdir/mod_authz_core.so\"" \
        "LoadModule php_module \"$modphp\"" "DocumentRoot \"$tmp/tree/site\"" \
        "<Directory \"$tmp/tree/site\">" 'Require all granted' \
        'SetHandler application/x-httpd-php' '</Directory>' > "$tmp/httpd0/httpd.conf"
    if "$httpd" -f "$tmp/httpd0/httpd.conf" -k start; then
        httpd_started=$tmp/httpd0/httpd.conf
        for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port0/" && break; sleep 0.1; done
        answer=$(curl -s "http://127.0.0.1:$port0/plugin.php")
        check "a shell written by a PHP page through httpd + mod_php (an exploited plugin) is quarantined within 2 s; the plugin stays" \
            '[ "$answer" = written ]' 'gone_within 2 "$tmp/tree/site/cache/page.php"' \
            '[ "$(quarantined "$tmp/tree/site/cache/page.php")" -ge 1 ]' '[ -f "$tmp/tree/site/plugin.php" ]'
        "$httpd" -f "$tmp/httpd0/httpd.conf" -k stop; httpd_started=
    else
        not_ok "httpd + mod_php starts on 127.0.0.1:$port0"
    fi
else
    ok "# SKIP httpd + mod_php: no apxs2, libphp*.so or curl"
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

# ------------------------------------------------------------ --prevent
# Prevention on a tmpfs of its own (a filesystem mark on it never covers /):
# the tree $pfs/www is watched; $pfs/outside is on the same file system but
# not under a root.  The daemon runs without --quarantine here, so a denied
# open is a denial, not a file already moved away.
pfs=$tmp/pfs
mkdir -p "$pfs"
if mount -t tmpfs -o size=512m,mode=0755 sg-watch-test "$pfs"; then
    mounted=$pfs
    mkdir -p "$pfs/www" "$pfs/outside"
    chmod 755 "$pfs/www"
    printf '<?php echo "clean page\\n";\n' > "$pfs/www/clean.php"
    # pstart [EXTRA CONFIG LINES]: watch --prevent on $pfs/www
    pstart() {
        rm -f "$tmp/state/watch.status"
        { cat "$tmp/sg.conf"; printf '%s\n' "$@"; } > "$tmp/prevent.conf"
        "$sg" -c "$tmp/prevent.conf" watch -j 2 --prevent "$pfs/www" > "$tmp/daemon.out" 2> "$tmp/daemon.err" &
        daemon=$!
        for _ in $(seq 100); do [ -s "$tmp/state/watch.status" ] && return 0; sleep 0.05; done
        return 1
    }
    # eperm FILE: an open by a user's cat fails with EPERM (not ENOENT: the
    # file is there; a user's: root's cat may be exempt)
    eperm() {
        ! setpriv --reuid=nobody --regid=nogroup --clear-groups cat "$1" > /dev/null 2> "$tmp/cat.err" &&
            grep -q 'Operation not permitted' "$tmp/cat.err" && [ -e "$1" ]
    }
    pstatus() { "$sg" -c "$tmp/prevent.conf" watch --status --json > "$tmp/pstatus.json"; python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$tmp/pstatus.json" "$1"; }
    # logged REGEX: the daemon's stderr has a line matching REGEX within 2 s
    # (refusals are printed by its watch loop, a moment after the answer)
    logged() {
        local i
        for i in $(seq 20); do grep -q "$1" "$tmp/daemon.err" && return 0; sleep 0.1; done
        return 1
    }
    # patleast FIELD MIN: the status file (rewritten every 1-2 s) says FIELD >= MIN within 3 s
    patleast() {
        local i
        for i in $(seq 30); do [ "$(pstatus "$1")" -ge "$2" ] && return 0; sleep 0.1; done
        return 1
    }

    if pstart "watch-prevent-exempt cat"; then
        ok "watch --prevent starts on a tmpfs of its own"
        check "a clean PHP file runs as usual (php-cli)" \
            '[ "$(php "$pfs/www/clean.php")" = "clean page" ]'
        cp "$tmp/src/shell.txt" "$pfs/www/planted.php"
        php "$pfs/www/planted.php" > "$tmp/php.out" 2>&1; prc=$?
        check "php of a shell planted while the daemon runs: the open is refused (exit 1, not run)" \
            '[ $prc = 1 ]' 'grep -q "Could not open input file" "$tmp/php.out"' \
            'logged "refused an open of $pfs/www/planted.php by pid [0-9]* (php): malicious"'
        check "the same file by a user's cat: EPERM (Operation not permitted), from the known verdict" \
            'eperm "$pfs/www/planted.php"' 'logged "(cat): malicious (a known verdict)"'
        check "an exempt program (watch-prevent-exempt cat) run by root opens it" \
            'cat "$pfs/www/planted.php" | cmp -s - "$tmp/src/shell.txt"' \
            'patleast perm_exempt 1'
        cp "$tmp/src/shell.txt" "$pfs/outside/not-watched.php"
        check "a shell outside the watched tree (same file system) is not judged" \
            'php "$pfs/outside/not-watched.php"'
        check "the session scans the planted file too (its own open is allowed: no deadlock)" \
            'sleep 1.5; grep -q "planted.php" "$tmp/findings.json" || grep -q "planted.php" "$tmp/daemon.out"'

        # Editing: a clean file opened (allowed, an ignore mark set), then a
        # shell written over it: the write clears the mark, the next open is
        # judged again and refused.
        printf '<?php echo "v1\\n";\n' > "$pfs/www/edited.php"
        php "$pfs/www/edited.php" > /dev/null; php "$pfs/www/edited.php" > "$tmp/php.out"
        patleast ignore_marks 2; marks=$(pstatus ignore_marks)
        cat "$tmp/src/shell.txt" > "$pfs/www/edited.php"
        check "a shell written over a clean, already allowed file is refused (the write cleared the ignore mark)" \
            '[ "$(cat "$tmp/php.out")" = v1 ]' '[ "$marks" -ge 2 ]' \
            '! php "$pfs/www/edited.php" > /dev/null 2>&1' 'eperm "$pfs/www/edited.php"'

        if [ -n "${modphp:-}" ] && command -v curl > /dev/null; then
            port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
            mkdir -p "$tmp/httpd" "$pfs/www/fpm"
            # PHP-FPM beside mod_php: $pfs/www/fpm/ goes to a private pool on loopback
            fpm=${PHP_FPM:-$(ls /usr/sbin/php-fpm* 2>/dev/null | head -n 1)}
            fpm_port=
            if [ -n "$fpm" ] && [ -x "$fpm" ]; then
                fpm_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
                printf '%s\n' '[global]' "pid = $tmp/httpd/fpm.pid" "error_log = $tmp/httpd/fpm.log" \
                    'daemonize = yes' '[www]' 'user = nobody' "group = $(id -gn nobody)" \
                    "listen = 127.0.0.1:$fpm_port" 'pm = static' 'pm.max_children = 2' \
                    'catch_workers_output = yes' > "$tmp/httpd/fpm.conf"
                fpm_pidfile=$tmp/httpd/fpm.pid
                "$fpm" -n -y "$tmp/httpd/fpm.conf" || fpm_port=
                printf '<?php echo "clean page\\n";\n' > "$pfs/www/fpm/clean.php"
            fi
            cat > "$tmp/httpd/httpd.conf" <<CONF
ServerRoot "$tmp/httpd"
DefaultRuntimeDir "$tmp/httpd"
PidFile "$tmp/httpd/httpd.pid"
ErrorLog "$tmp/httpd/error_log"
LogLevel warn
Listen 127.0.0.1:$port
ServerName localhost
User nobody
Group $(id -gn nobody)
StartServers 2
$(for m in mpm_prefork authz_core mime socache_shmcb proxy proxy_fcgi; do echo "LoadModule ${m}_module \"$libexecdir/mod_$m.so\""; done)
LoadModule php_module "$modphp"
LoadModule spamgear_module "$builddir/.libs/mod_spamgear.so"
SpamGearSignatures "$srcdir/conf/signatures"
SpamGearWatchStatus "$tmp/state/watch.status"
TypesConfig /etc/mime.types
DocumentRoot "$pfs/www"
<Directory "$pfs/www">
    Require all granted
    SetHandler application/x-httpd-php
    # the tree is under /tmp: no-exec would refuse every script there (403)
    SpamGearNoExec Off
</Directory>
<Directory "$pfs/www/fpm">
    SetHandler "proxy:fcgi://127.0.0.1:${fpm_port:-9}"
</Directory>
<Location /sg-status>
    SetHandler spamgear-status
</Location>
CONF
            if env $san_env "$httpd" -f "$tmp/httpd/httpd.conf" -k start; then
                httpd_started=$tmp/httpd/httpd.conf
                for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$port/clean.php" && break; sleep 0.1; done
                cp "$tmp/src/shell.txt" "$pfs/www/web-shell.php"
                page=$(curl -s -o "$tmp/page.out" -w '%{http_code}' "http://127.0.0.1:$port/clean.php")
                code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/web-shell.php")
                check "httpd + mod_php: a shell planted while the daemon runs gets $code (403 or 500), logged; a clean page 200" \
                    '[ "$code" = 500 ] || [ "$code" = 403 ]' '[ "$page" = 200 ]' \
                    'grep -q "clean page" "$tmp/page.out"' \
                    'logged "refused an open of $pfs/www/web-shell.php by pid [0-9]* (apache2): malicious"' \
                    'grep -q "web-shell.php" "$tmp/httpd/error_log"'
                if [ -n "$fpm_port" ]; then
                    cp "$tmp/src/shell.txt" "$pfs/www/fpm/fpm-shell.php"
                    fpage=$(curl -s -o "$tmp/fpage.out" -w '%{http_code}' "http://127.0.0.1:$port/fpm/clean.php")
                    fcode=$(curl -s -o "$tmp/fshell.out" -w '%{http_code}' "http://127.0.0.1:$port/fpm/fpm-shell.php")
                    check "httpd + PHP-FPM: the planted shell gets $fcode (404, 'No input file specified.'), logged by httpd and the daemon; a clean page 200" \
                        '[ "$fcode" = 404 ]' 'grep -q "No input file specified" "$tmp/fshell.out"' \
                        '[ "$fpage" = 200 ]' 'grep -q "clean page" "$tmp/fpage.out"' \
                        'grep -q "AH01071.*Unable to open primary script: $pfs/www/fpm/fpm-shell.php (Operation not permitted)" "$tmp/httpd/error_log"' \
                        'logged "refused an open of $pfs/www/fpm/fpm-shell.php by pid [0-9]* (php-fpm[0-9.]*): malicious"'
                else
                    ok "# SKIP httpd + PHP-FPM: no php-fpm"
                fi
                sgpage() { curl -s "http://127.0.0.1:$port/sg-status" | grep -q "<dt>Opens denied / allowed on the time limit</dt><dd>[1-9][0-9]* / 0</dd>"; }
                for _ in $(seq 30); do sgpage && break; sleep 0.1; done
                check "the module's status page shows prevention's counters (opens denied)" 'sgpage'
                env $san_env "$httpd" -f "$tmp/httpd/httpd.conf" -k stop; httpd_started=
                [ -s "$fpm_pidfile" ] && kill "$(cat "$fpm_pidfile")"; fpm_pidfile=
            else
                not_ok "httpd + mod_php starts on 127.0.0.1:$port"
            fi
        else
            ok "# SKIP httpd + mod_php: no apxs2, libphp*.so or curl"
        fi

        # The time limit: an 8 MB file takes longer to scan than 1 ms; its
        # open is allowed on time, counted and the file queued.
        { cat "$tmp/src/shell.txt"; head -c 8000000 /dev/zero | tr '\0' 'a'; echo; } > "$tmp/big.php"
        stop > /dev/null 2>&1; src=$?
        check "SIGTERM stops the daemon with prevention: exit 1 (it found shells), no sanitizer report, the status says not running" \
            '[ $src = 1 ]' '! grep -qE "Sanitizer|runtime error" "$tmp/daemon.err"' \
            '[ "$(pstatus running)" = False ]'
        pstart "watch-prevent-timeout 1ms" || not_ok "the daemon restarts with watch-prevent-timeout 1ms"
        cp "$tmp/big.php" "$pfs/www/big.php"
        start_ns=$(date +%s%N); cat "$pfs/www/big.php" > /dev/null; brc=$?; took=$(( ($(date +%s%N) - start_ns) / 1000000 ))
        check "over watch-prevent-timeout the open is allowed at once (${took} ms) and counted; the judge's verdict refuses the next" \
            '[ $brc = 0 ]' '[ $took -lt 1000 ]' 'patleast allowed_on_timeout 1' \
            'eperm "$pfs/www/big.php"'
        patleast denied 1
        "$sg" -c "$tmp/prevent.conf" watch --status > "$tmp/status.txt"
        check "watch --status shows prevention's counters (text and JSON)" \
            'grep -qE "^prevention: on; [0-9]+ opens held" "$tmp/status.txt"' \
            'grep -qE "^prevention verdicts: [1-9][0-9]* opens denied, [1-9][0-9]* allowed on the time limit" "$tmp/status.txt"' \
            '[ "$(pstatus prevent)" = True ] && [ "$(pstatus denied)" -ge 1 ]'

        # SIGKILL under load: four readers open PHP files without pause (new
        # ones, which are held for the judges, and the refused one), and 30
        # opens of 8 MB files that no verdict knows yet: some are held at the
        # moment of the kill (two judges take 1-2 s for the 30; the time
        # limit is 10 s).  The kernel destroys the group with its last fd
        # and allows what it held: those opens return at once, and every
        # open after it works, the refused file's included.
        stop > /dev/null 2>&1
        mkdir -p "$pfs/www/load" "$pfs/www/big"
        for i in $(seq 200); do printf '<?php echo %d;\n' "$i" > "$pfs/www/load/f$i.php"; done
        for i in $(seq 30); do { printf '<?php echo %d;\n' "$i"; head -c 8000000 /dev/zero | tr '\0' 'a'; echo; } > "$pfs/www/big/b$i.php"; done
        pstart "watch-prevent-timeout 10s" || not_ok "the daemon restarts with watch-prevent-timeout 10s"
        # 20 opens at once of one new file: the first verdict answers the
        # opens that wait for a judge (two judges: at most two scans).
        { printf '<?php echo "twin";\n'; head -c 4000000 /dev/zero | tr '\0' 'a'; echo; } > "$pfs/www/twin.php"
        scanned_before=$(pstatus perm_scanned)
        twins=; for i in $(seq 20); do cat "$pfs/www/twin.php" > /dev/null & twins="$twins $!"; done
        twins_ok=0; for t in $twins; do wait "$t" && twins_ok=$((twins_ok + 1)); done
        patleast perm_scanned $((scanned_before + 1))
        twin_scans=$(( $(pstatus perm_scanned) - scanned_before ))
        check "20 opens at once of one new file: all allowed, $twin_scans scans (at most 2: one verdict answers the waiting opens)" \
            '[ $twins_ok = 20 ]' '[ $twin_scans -ge 1 ] && [ $twin_scans -le 2 ]'
        for r in 1 2 3 4; do
            ( k=0; end=$(( $(date +%s) + 4 )); while [ "$(date +%s)" -lt $end ]; do
                for i in $(seq $r 4 200); do cat "$pfs/www/load/f$i.php" "$pfs/www/planted.php" > /dev/null 2>&1; done
                k=$((k + 1)); printf '<?php echo %d;\n' "$k" > "$pfs/www/load/n$r-$k.php"
                cat "$pfs/www/load/n$r-$k.php" > /dev/null
              done ) &
            eval "reader$r=\$!"
        done
        sleep 0.5
        # the status file is written once a second: wait (3 s at most) until
        # it shows the readers' load, so that the count below is not stale
        patleast perm_events 51
        bigs=
        for i in $(seq 30); do cat "$pfs/www/big/b$i.php" > /dev/null & bigs="$bigs $!"; done
        sleep 0.3
        held=0; for b in $bigs; do kill -0 "$b" 2>/dev/null && held=$((held + 1)); done
        events_before=$(pstatus perm_events)
        kill -9 "$daemon"; kill_ns=$(date +%s%N)
        for b in $bigs; do wait "$b"; done 2>/dev/null
        released=$(( ($(date +%s%N) - kill_ns) / 1000000 ))
        wait "$daemon" 2>/dev/null; daemon=
        check "SIGKILL: $held opens held for a judge at the kill all return $released ms after it (limit 1 s)" \
            '[ "$held" -ge 1 ]' '[ "$released" -lt 1000 ]'
        # one process opens the 200 files and the refused one, timing each open
        timeout 10 python3 -c '
import os, sys, time
worst, opened = 0.0, 0
for p in sys.argv[1:]:
    t = time.monotonic()
    try:
        os.close(os.open(p, os.O_RDONLY)); opened += 1
    except OSError as e:
        print(p, e, file=sys.stderr)
    worst = max(worst, time.monotonic() - t)
print(opened, int(worst * 1000))' "$pfs"/www/load/f*.php "$pfs/www/planted.php" > "$tmp/kill.out"
        read -r opened worst < "$tmp/kill.out"
        catted=0
        for i in $(seq 20); do timeout 2 cat "$pfs/www/load/f$i.php" "$pfs/www/planted.php" > /dev/null && catted=$((catted + 1)); done
        check "SIGKILL under load ($events_before opens held before): 201 opens right after it all work (slowest ${worst} ms, limit 1 s), the refused file too; 20 'timeout 2 cat' work" \
            '[ "$events_before" -gt 50 ]' '[ "$opened" = 201 ]' '[ "$worst" -lt 1000 ]' '[ $catted = 20 ]' \
            'timeout 5 sh -c "while kill -0 $reader1 $reader2 $reader3 $reader4 2>/dev/null; do sleep 0.1; done"'

        # SIGTERM while the judges are busy: the held opens are allowed at
        # once, and the daemon ends after the judges' current scans (the
        # group is gone before it waits for them).
        pstart "watch-prevent-timeout 10s" || not_ok "the daemon restarts with watch-prevent-timeout 10s"
        for i in $(seq 10); do { printf '<?php echo %d;\n' "$i"; head -c 8000000 /dev/zero | tr '\0' 'b'; echo; } > "$pfs/www/big/t$i.php"; done
        bigs=; for i in $(seq 10); do cat "$pfs/www/big/t$i.php" > /dev/null & bigs="$bigs $!"; done
        sleep 0.2
        held=0; for b in $bigs; do kill -0 "$b" 2>/dev/null && held=$((held + 1)); done
        term_ns=$(date +%s%N)
        kill "$daemon"
        for b in $bigs; do wait "$b"; done 2>/dev/null
        released=$(( ($(date +%s%N) - term_ns) / 1000000 ))
        wait "$daemon"; src=$?; ended=$(( ($(date +%s%N) - term_ns) / 1000000 )); daemon=
        check "SIGTERM with $held opens held: they return $released ms after it (limit 1 s); the daemon ends in $ended ms (limit 5 s), exit 0" \
            '[ "$held" -ge 1 ]' '[ "$released" -lt 1000 ]' '[ "$ended" -lt 5000 ]' '[ $src = 0 ]'
    else
        not_ok "watch --prevent starts"
    fi
    [ -n "$daemon" ] && stop > /dev/null 2>&1

    if command -v strace > /dev/null; then
        # (LeakSanitizer cannot run under ptrace: the ASan build's leak check is off here)
        ASAN_OPTIONS=detect_leaks=0 strace -f -o /dev/null -e trace=fanotify_init \
            -e inject=fanotify_init:error=EINVAL:when=2 \
            "$sg" -c "$tmp/sg.conf" watch --prevent "$pfs/www" > "$tmp/out" 2> "$tmp/err"; src=$?
        check "a kernel without permission events (EINVAL, injected): one line naming CONFIG_FANOTIFY_ACCESS_PERMISSIONS, exit 2" \
            '[ $src = 2 ]' '[ "$(wc -l < "$tmp/err")" = 1 ]' \
            'grep -qx "spamgear: watch: --prevent: this kernel has no fanotify permission events (CONFIG_FANOTIFY_ACCESS_PERMISSIONS)" "$tmp/err"'
    else
        ok "# SKIP strace is missing (the EINVAL injection)"
    fi
else
    not_ok "mount a tmpfs for the --prevent tests"
fi

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
