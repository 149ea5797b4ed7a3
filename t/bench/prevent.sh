#!/bin/bash
# t/bench/prevent.sh: what spamgear watch --prevent adds to a PHP request
# (issue 16: under 5% for unchanged files); not a timed test, make check
# does not run it.
#
# Usage: t/bench/prevent.sh [N] [ROUNDS]   (as root: fanotify, mount)
#   N       requests per ab run (default 5000)
#   ROUNDS  ab runs each way, alternating without and with (default 3)
#
# A tmpfs of its own holds a WordPress-like page: index.php includes 20 PHP
# files (classes, functions, arrays; 4-6 KB each) and prints a page.  httpd
# (prefork, mod_php, User nobody) serves it on 127.0.0.1; `ab -n N -c 4`
# requests it, alternately without and with `spamgear watch --prevent` on
# the tmpfs (the tree's verdicts warmed by 200 requests before each
# measured run with prevention, as a running server has them).  Two
# settings: OPcache as Debian ships it (on: PHP does not reopen a compiled
# file) and OPcache off (every request opens the 21 files: the case
# prevention's ignore marks are for).  Prints the command, req/s both ways
# (the median of the rounds, and each round's), the overhead, httpd's CPU
# time per request both ways (steadier than req/s on a shared machine), the
# permission events during the measured runs and prevention's counters;
# then the cost of one open+close in one process: a script file under its
# ignore mark, and a file that is not a script (a round trip to the
# responder each time).
#
# Measured 2026-12-05 on the 2-core build VM, kernel 6.18, machine otherwise
# idle (load 0.5), `t/bench/prevent.sh 3000 9`:
#   OPcache on:  8,638 req/s without, 8,929 with (medians: -3.4%; the
#                rounds' own overheads: median 0.3%); httpd CPU per request
#                147 us without, 143 us with; 0 permission events during
#                every measured run (OPcache does not reopen the files)
#   OPcache off: 1,140.2 req/s without, 1,141.8 with (medians: -0.1%; the
#                rounds' own overheads from -3.1% to +4.6%, median 0.1%);
#                httpd CPU per request 1,610 us without, 1,627 us with
#                (+1.1%); 0 permission events during every measured run
#                (the 21 files were judged in the warm-up; then their ignore
#                marks hold)
#   one open+close (fastest of 10 x 20,000): index.php 4.06 us without,
#                4.34 us with (under its ignore mark); style.css 4.31 us
#                without, 33.47 us with (not a script: a round trip to the
#                responder at each open)
# So prevention costs an unchanged file's request well under 5% (0.1-1.1%
# by each measure).  An earlier day's runs, with corpus scans beside them
# (load 4-7), spread too much to tell (rounds from 404 to 1,207 req/s); what
# prevention adds to a request for unchanged files is the kernel's check of
# the ignore mark at each open, no event: the per-open figure shows it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
N=${1:-5000}
ROUNDS=${2:-3}
sg=${SPAMGEAR:-$top/spamgear}
APXS=${APXS:-apxs2}
[ "$(id -u)" = 0 ] || { echo "prevent.sh: needs root (fanotify, mount)" >&2; exit 2; }
[ -x "$sg" ] || { echo "prevent.sh: $sg not built (run make)" >&2; exit 2; }
command -v ab > /dev/null || { echo "prevent.sh: needs ab (apt install apache2-utils)" >&2; exit 2; }
libexecdir=$("$APXS" -q LIBEXECDIR)
httpd="$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)"
modphp=$(ls "$libexecdir"/libphp*.so 2>/dev/null | head -n 1)
[ -n "$modphp" ] || { echo "prevent.sh: mod_php not found (libapache2-mod-php)" >&2; exit 2; }

work=$(mktemp -d /tmp/sg-prevent-bench.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/fs" "$work/state" "$work/httpd"
daemon=
cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null
    [ -f "$work/httpd/httpd.pid" ] && "$httpd" -f "$work/httpd/httpd.conf" -k stop 2>/dev/null && sleep 1
    mountpoint -q "$work/fs" && umount "$work/fs"
    rm -rf "$work"
}
trap cleanup EXIT
mount -t tmpfs -o size=64m,mode=0755 sg-prevent-bench "$work/fs"
www=$work/fs/www
mkdir -p "$www/wp-includes"

# The page: 20 includes of 4-6 KB each, as a WordPress request loads.
for i in $(seq 20); do
    {
        printf '<?php\n/* wp-includes/part%d.php: a stand-in for a WordPress file */\n' "$i"
        printf 'class SG_Part%d {\n    private $items = array();\n' "$i"
        for f in $(seq 12); do
            printf '    public function method%d($a, $b = null) {\n' "$f"
            printf '        $out = array();\n        foreach ((array) $a as $k => $v) {\n'
            printf '            $out[$k] = is_string($v) ? trim(strtolower($v)) . "%d-%d" : $v;\n' "$i" "$f"
            printf '        }\n        $this->items[] = count($out);\n        return $b ? $out : array_values($out);\n    }\n'
        done
        printf '}\nfunction sg_part%d_hello($name) { return "hello " . htmlspecialchars($name); }\n' "$i"
        printf '$GLOBALS["sg_parts"][] = new SG_Part%d();\n' "$i"
    } > "$www/wp-includes/part$i.php"
done
{
    printf '<?php\n$GLOBALS["sg_parts"] = array();\n'
    for i in $(seq 20); do printf 'require_once __DIR__ . "/wp-includes/part%d.php";\n' "$i"; done
    printf 'echo "<html><body><h1>", sg_part1_hello("visitor"), "</h1><ul>";\n'
    printf 'foreach ($GLOBALS["sg_parts"] as $i => $p) { echo "<li>", $i, " ", count($p->method1(array("A", "B"))), "</li>"; }\n'
    printf 'echo "</ul></body></html>\\n";\n'
} > "$www/index.php"
printf 'body { color: #222; }\n' > "$www/style.css"
chmod -R a+rX "$www"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat > "$work/httpd/httpd.conf" <<CONF
ServerRoot "$work/httpd"
DefaultRuntimeDir "$work/httpd"
PidFile "$work/httpd/httpd.pid"
ErrorLog "$work/httpd/error_log"
LogLevel warn
Listen 127.0.0.1:$port
ServerName localhost
User nobody
Group $(id -gn nobody)
StartServers 5
MinSpareServers 5
MaxRequestWorkers 16
$(for m in mpm_prefork authz_core mime; do echo "LoadModule ${m}_module \"$libexecdir/mod_$m.so\""; done)
LoadModule php_module "$modphp"
TypesConfig /etc/mime.types
DocumentRoot "$www"
<Directory "$www">
    Require all granted
    SetHandler application/x-httpd-php
    Include "$work/httpd/opcache.conf"
</Directory>
CONF
cat > "$work/sg.conf" <<EOF
clamav off
signatures $top/conf/signatures
state-dir $work/state
quarantine $work/q
scan-cache $work/state/cache
watch-nice 10
EOF
url="http://127.0.0.1:$port/index.php"

start_httpd() {   # start_httpd on|off: OPcache setting
    printf 'php_admin_flag opcache.enable %s\n' "$1" > "$work/httpd/opcache.conf"
    "$httpd" -f "$work/httpd/httpd.conf" -k start
    for _ in $(seq 50); do curl -sf -o /dev/null "$url" && return 0; sleep 0.1; done
    echo "prevent.sh: httpd did not answer" >&2; cat "$work/httpd/error_log" >&2; exit 1
}
stop_httpd() {
    "$httpd" -f "$work/httpd/httpd.conf" -k stop
    for _ in $(seq 50); do [ -f "$work/httpd/httpd.pid" ] || return 0; sleep 0.1; done
}
start_watch() {
    rm -f "$work/state/watch.status"
    "$sg" -c "$work/sg.conf" watch -j 2 --prevent "$www" > "$work/watch.out" 2> "$work/watch.err" &
    daemon=$!
    for _ in $(seq 100); do [ -s "$work/state/watch.status" ] && return 0; sleep 0.05; done
    echo "prevent.sh: watch did not start" >&2; cat "$work/watch.err" >&2; exit 1
}
stop_watch() { kill "$daemon"; wait "$daemon" || true; daemon=; }
# httpd_ticks: CPU clock ticks httpd has used (the parent with its reaped
# children, and the live children): less disturbed by other load on the
# machine than req/s.
httpd_ticks() {
    local ppid
    ppid=$(cat "$work/httpd/httpd.pid")
    { awk '{print $14 + $15 + $16 + $17}' "/proc/$ppid/stat"
      for c in $(ps -o pid= --ppid "$ppid"); do awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null; done
    } | awk '{s += $1} END {print s}'
}
rps() {   # rps: one measured ab run; prints req/s, and appends httpd's CPU us per request to $work/cpu.$1
    local t0
    t0=$(httpd_ticks)
    ab -q -n "$N" -c 4 "$url" > "$work/ab.out" 2>&1
    awk -v a="$t0" -v b="$(httpd_ticks)" -v n="$N" -v hz="$(getconf CLK_TCK)" \
        'BEGIN {printf "%.0f\n", (b - a) / hz * 1e6 / n}' >> "$work/cpu.$1"
    if grep -qE '^(Failed requests|Non-2xx responses): *[1-9]' "$work/ab.out"; then
        echo "prevent.sh: failed requests" >&2; cat "$work/ab.out" >&2; exit 1
    fi
    awk '/^Requests per second/ {print $4}' "$work/ab.out"
}
events() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["perm_events"])' "$work/state/watch.status"; }
median() { sort -n | awk '{v[NR] = $1} END {printf "%.1f", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

# opens_us FILE: microseconds per open+close of FILE in one process: the
# fastest of 10 batches of 20,000 (the least disturbed by other load)
opens_us() {
    python3 -c '
import os, sys, time
p, n, best = sys.argv[1], 20000, None
for _ in range(10):
    t = time.perf_counter()
    for _ in range(n):
        os.close(os.open(p, os.O_RDONLY))
    us = (time.perf_counter() - t) / n * 1e6
    best = us if best is None or us < best else best
print("%.2f" % best)' "$1"
}

echo "command: ab -q -n $N -c 4 $url   ($ROUNDS rounds each way, alternating;"
echo "         with = spamgear watch -j 2 --prevent $www, clamav off)"
for opcache in on off; do
    start_httpd "$opcache"
    ab -q -n 500 -c 4 "$url" > /dev/null 2>&1   # warm the children
    : > "$work/without"; : > "$work/with"; : > "$work/pairs"; : > "$work/during"
    : > "$work/cpu.without"; : > "$work/cpu.with"
    for r in $(seq "$ROUNDS"); do
        a=$(rps without)
        start_watch
        ab -q -n 200 -c 4 "$url" > /dev/null 2>&1   # verdicts and ignore marks in place
        sleep 2.2; before=$(events)   # the status file is rewritten every 1-2 s
        b=$(rps with)
        sleep 2.2; echo $(( $(events) - before )) >> "$work/during"
        counters=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("perm_events %(perm_events)d, perm_checked %(perm_checked)d, perm_scanned %(perm_scanned)d, ignore_marks %(ignore_marks)d, denied %(denied)d, allowed_on_timeout %(allowed_on_timeout)d" % d)' "$work/state/watch.status")
        stop_watch
        echo "$a" >> "$work/without"; echo "$b" >> "$work/with"
        awk -v a="$a" -v b="$b" 'BEGIN {printf "%.2f\n", (a - b) / a * 100}' >> "$work/pairs"
    done
    stop_httpd
    without=$(median < "$work/without"); with=$(median < "$work/with")
    echo "OPcache $opcache: without prevention $without req/s ($(tr '\n' ' ' < "$work/without")), with $with req/s ($(tr '\n' ' ' < "$work/with"))"
    echo "  overhead $(awk -v a="$without" -v b="$with" 'BEGIN {printf "%.1f", (a - b) / a * 100}')% (medians); median of the rounds' own overheads $(median < "$work/pairs")% ($(tr '\n' ' ' < "$work/pairs"))"
    echo "  httpd CPU per request: $(median < "$work/cpu.without") us without ($(tr '\n' ' ' < "$work/cpu.without")), $(median < "$work/cpu.with") us with ($(tr '\n' ' ' < "$work/cpu.with"))"
    echo "  permission events during the measured runs: $(tr '\n' ' ' < "$work/during"); last run's counters: $counters"
done

# The open itself, in one process: a script file (judged once, then under an
# ignore mark: the kernel's mark check only) and a file that is not a script
# (never judged, never marked: every open is a round trip to the responder).
php0=$(opens_us "$www/index.php"); css0=$(opens_us "$www/style.css")
start_watch
cat "$www/index.php" > /dev/null; sleep 0.2   # judged: the ignore mark is set
php1=$(opens_us "$www/index.php"); css1=$(opens_us "$www/style.css")
stop_watch
echo "open+close in one process (python3, fastest of 10 x 20,000): index.php $php0 us without, $php1 us with prevention;"
echo "  style.css (not a script: answered by the responder each time) $css0 us without, $css1 us with"
