#!/bin/bash
# t/bench/mixed-load.sh: soak test of mod_spamgear under mixed traffic (not run
# by make check).  One httpd (prefork, 72 children, mod_php, mod_remoteip) with
# the module, SpamGearSignatures, libclamav (SpamGearClamAV Engine, a test
# database) and a spool dir; five wrk clients at once for DURATION seconds, 64
# connections in all (t/bench/mixed-load.lua says what each sends):
#   static 16, php 16, login 8 (POSTs from fake client IPs, banned after 8),
#   clean uploads 16 (100 KB multipart, every 20th 1.5 MB), infected uploads 8.
# Prints requests and statuses per class, crashes and sanitizer reports in the
# error log, temp files left, children's RSS and private dirty memory every
# INTERVAL s after WARMUP s; exits 1 when a goal fails:
#   every static, PHP and clean-upload answer 200 (and the right page), every
#   infected upload 403 (both kinds logged), logins 200 or 403 only (at least 8
#   of 10 counted), no wrk socket error (but the close after a ban), no child
#   crash, no sanitizer report, spool dir and httpd's TMPDIR empty, no child
#   holding a spool or temp file open, children's RSS sum within RSS_LIMIT %
#   from the first sample to the last, each child's over the second half.
# Usage: [top_builddir=BUILDDIR] [MODULE=mod_spamgear.so] t/bench/mixed-load.sh [DURATION]
#   DURATION 300 (the issue's goal); env WARMUP=30 INTERVAL=30 RSS_LIMIT=10
#   CLAMAV=Engine|Off, ASAN_QUARANTINE_MB=1, EXTRA_CONF="directives" (added to
#   httpd.conf), KEEP=1 (keep the run dir).  A --enable-sanitizers build dir:
#   its module is loaded with the ASan runtime preloaded (t/san-env.sh),
#   SG_ASAN_RUNTIME read from BUILDDIR/Makefile.
#   Needs wrk (apt-get install wrk) and libapache2-mod-php.
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
APXS=${APXS:-apxs2}
T=${1:-300}
WARMUP=${WARMUP:-30}
INTERVAL=${INTERVAL:-30}
RSS_LIMIT=${RSS_LIMIT:-10}
CLAMAV=${CLAMAV:-Engine}
module=${MODULE:-$top_builddir/.libs/mod_spamgear.so}
die() { echo "mixed-load.sh: $*" >&2; exit 2; }
command -v wrk >/dev/null || die "wrk not found: apt-get install wrk"
[ -f "$module" ] || die "no module $module (build first, or set top_builddir / MODULE)"
if [ -z "${SG_ASAN_RUNTIME:-}" ] && [ -f "$top_builddir/Makefile" ]; then
    SG_ASAN_RUNTIME=$(sed -n 's/^SG_ASAN_RUNTIME = //p' "$top_builddir/Makefile")
fi
. "$top_srcdir/t/san-env.sh"
# ASan holds freed memory back in a quarantine (to catch use after free) of up
# to 256 MB per process (72 children: 18 GB).  It fills slowly (APR pools seldom
# free) and its growth would hide the module's: 16 MB took 3 minutes of this
# load to fill, its private memory tripling.  ASAN_QUARANTINE_MB (1) sets it.
san_env=${san_env/ASAN_OPTIONS=detect_leaks=0/ASAN_OPTIONS=detect_leaks=0:quarantine_size_mb=${ASAN_QUARANTINE_MB:-1}}
libexecdir=$("$APXS" -q LIBEXECDIR)
httpd="$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)"
modphp=$(ls "$libexecdir"/libphp*.so 2>/dev/null | head -n 1)
[ -n "$modphp" ] || die "mod_php not found (apt-get install libapache2-mod-php)"

d=$(mktemp -d /tmp/sg-mixed-load.XXXXXX); chmod 755 "$d"
wrk_pids=
cleanup() {
    [ -n "$wrk_pids" ] && kill $wrk_pids 2>/dev/null
    stop_httpd
    if [ "${KEEP:-}" = 1 ]; then echo "mixed-load.sh: kept $d"; else rm -rf "$d"; fi
}
stop_httpd() {
    local pid i=0
    [ -f "$d/httpd.pid" ] || return 0
    pid=$(cat "$d/httpd.pid"); kill "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    rm -f "$d/httpd.pid"
}
trap cleanup EXIT
port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)->sockport')

# ------------------------------------------------------------------ fixtures
mkdir -p "$d/htdocs" "$d/spool" "$d/tmp" "$d/sigs" "$d/clamdb" "$d/bodies"
chmod 1777 "$d/spool" "$d/tmp"
head -c 1024 /dev/zero | tr '\0' x >"$d/htdocs/static.html"
perl -e 'print "p { margin: ${_}px }\n" for 1 .. 4000' >"$d/htdocs/big.css"
printf '%s\n' '<?php $s = ""; for ($i = 0; $i < 200; $i++) $s .= md5($i . ($_GET["n"] ?? ""));' \
    'echo "page ", strlen($s), "\n", str_repeat("<p>filler</p>\n", 200);' >"$d/htdocs/page.php"
printf '%s\n' '<?php $n = 0; $sz = 0;' \
    'foreach ($_FILES as $f) { if ($f["error"] === 0) { $n++; $sz += $f["size"]; } }' \
    'echo $n ? "ok $n $sz" : "none";' >"$d/htdocs/save.php"
# A failed WordPress login: the form again with 200 (a good one redirects).
printf '%s\n' '<?php echo "<form method=post>login failed</form>";' >"$d/htdocs/wp-login.php"
chmod -R a+rX "$d/htdocs"
cp "$top_srcdir"/conf/signatures/* "$d/sigs/"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# A ClamAV body signature that only libclamav knows (t/scan/run.sh does the same).
echo "SG.Mix.Ndb:0:*:$(hex 'sg-mix-clam-marker-1701')" >"$d/sigs/mix.ndb"
B=sgMixBoundary42
body() {   # body FILE SIZE TRAILER: a SIZE-byte file part, then TRAILER in a second file part
    { printf -- '--%s\r\nContent-Disposition: form-data; name="up"; filename="photo.jpg"\r\n\r\n' "$B"
      perl -e 'print join "", map { chr(($_ * 7 + 13) % 256) } 1 .. $ARGV[0]' "$2"
      printf -- '\r\n--%s\r\nContent-Disposition: form-data; name="b"; filename="b.txt"\r\n\r\n%s\r\n--%s--\r\n' "$B" "$3" "$B"; } >"$d/bodies/$1"
}
body clean 102400 "just text"
body large 1572864 "just text"
body bad-php 102400 "<?php @eval(\$_POST['x']);"
body bad-clam 102400 "notes: sg-mix-clam-marker-1701"
clamav_conf="SpamGearClamAV Off"
[ "$CLAMAV" = Engine ] && clamav_conf="SpamGearClamAV Engine \"$d/clamdb\""

cat >"$d/httpd.conf" <<CONF
ServerRoot "$d"
DefaultRuntimeDir "$d"
PidFile "$d/httpd.pid"
ErrorLog "$d/error_log"
LogLevel warn
Listen 127.0.0.1:$port
ServerName localhost
User nobody
Group $(id -gn nobody)
# A fixed set of children for the whole run, so that each one's RSS can be followed.
StartServers 72
MinSpareServers 72
MaxSpareServers 80
ServerLimit 72
MaxRequestWorkers 72
MaxConnectionsPerChild 0
$(for m in mpm_prefork authz_core mime socache_shmcb remoteip; do echo "LoadModule ${m}_module \"$libexecdir/mod_$m.so\""; done)
LoadModule php_module "$modphp"
TypesConfig /etc/mime.types
RemoteIPHeader X-Forwarded-For
RemoteIPInternalProxy 127.0.0.1
LoadModule spamgear_module "$module"
SpamGearSignatures "$d/sigs"
$clamav_conf
SpamGearSpoolDir "$d/spool"
${EXTRA_CONF:-}
DocumentRoot "$d/htdocs"
<Directory "$d/htdocs">
    Require all granted
    <FilesMatch "\.php\$">
        SetHandler application/x-httpd-php
    </FilesMatch>
</Directory>
CONF
# TMPDIR: where libclamav (scan temp dirs) and PHP (upload files) write.
env $san_env TMPDIR="$d/tmp" "$httpd" -f "$d/httpd.conf" -k start ||
    { cat "$d/error_log" 2>/dev/null; die "httpd did not start"; }
i=0
until curl -s -o /dev/null "http://127.0.0.1:$port/static.html" || [ $i -ge 300 ]; do sleep 0.1; i=$((i + 1)); done
ppid_httpd=$(cat "$d/httpd.pid")

# ------------------------------------------------------------------ the load
for spec in static:16 php:16 login:8 clean:16 infected:8; do
    cls=${spec%:*}
    wrk -t 1 -c "${spec#*:}" -d "${T}s" --timeout 30s -s "$top_srcdir/t/bench/mixed-load.lua" \
        "http://127.0.0.1:$port" -- "$cls" "$d/bodies" >"$d/wrk-$cls" 2>&1 &
    wrk_pids="$wrk_pids $!"
done
start=$(date +%s)
# sample NAME: "PID RSS-KB PRIVATE-DIRTY-KB" of every child into $d/rss-NAME.
# RSS also counts shared pages a child touches for the first time (the shmcb
# ban store, libclamav's engine from the parent); Private_Dirty is its own heap.
sample() {
    local pid
    for pid in $(ps -o pid= --ppid "$ppid_httpd"); do
        awk -v p="$pid" '/^Rss:/ {r = $2} /^Private_Dirty:/ {d = $2} END {if (r) print p, r, d}' \
            "/proc/$pid/smaps_rollup" 2>/dev/null
    done | sort >"$d/rss-$1"
}
samples=
at=$WARMUP
while [ $((at + 1)) -lt "$T" ]; do
    sleep $((start + at - $(date +%s)))
    sample "$at"; samples="$samples $at"
    at=$((at + INTERVAL))
done
wait $wrk_pids
wrk_pids=
sample end; samples="$samples end"
sleep 2   # the last requests wrk gave up on at its deadline are logged by now

# ------------------------------------------------------------------ figures
ok=1
goal() {   # goal TEXT CONDITION...: prints TEXT with ok/FAIL
    if "${@:2}"; then echo "  ok    $1"; else echo "  FAIL  $1"; ok=0; fi
}
res() { awk -v k="$2" '$1 == "RESULT" && $3 == k {print $4; f = 1} END {if (!f) print 0}' "$d/wrk-$1"; }
statuses() { awk '$1 == "RESULT" && $3 ~ /^[0-9]+$/ {printf "%s%s x%s", s, $3, $4; s = ", "}' "$d/wrk-$1"; }
total() { awk '$1 == "RESULT" && $3 ~ /^[0-9]+$/ {n += $4} END {print n + 0}' "$d/wrk-$1"; }
only() { [ "$(total "$1")" -gt 0 ] && [ "$(total "$1")" = "$(($(res "$1" "$2") + $(res "$1" "${3:-x}")))" ]; }
echo "mixed load: $T s, wrk 64 connections (static 16, php 16, login 8, clean 16, infected 8)"
echo "httpd prefork 72 children + mod_php, module $module"
echo "sanitizers: ${SG_ASAN_RUNTIME:-none}$([ -n "$san_env" ] && echo " (quarantine ${ASAN_QUARANTINE_MB:-1} MB)"); ClamAV: $clamav_conf"
for c in static php login clean infected; do
    printf '%-9s %7d requests (%5.0f/s), statuses: %s; body mismatches %d, socket errors %d, p99 %s ms\n' \
        "$c:" "$(total $c)" "$(awk -v n="$(total $c)" -v t="$T" 'BEGIN {print n / t}')" \
        "$(statuses $c)" "$(res $c badbody)" "$(res $c errors)" "$(res $c p99ms)"
done
for c in static php login clean infected; do
    grep -q '^RESULT' "$d/wrk-$c" || { echo "wrk output ($c):"; cat "$d/wrk-$c"; }
    [ "$(res $c errors)" = 0 ] || grep "RESULT $c errdetail" "$d/wrk-$c"
done
refused_php=$(grep 'AH53042: spamgear: upload: infected' "$d/error_log" | grep -vc 'SG\.Mix\.Ndb')
refused_clam=$(grep 'AH53042: spamgear: upload: infected' "$d/error_log" | grep -c 'SG\.Mix\.Ndb')
bans=$(grep -c 'AH53020: spamgear: ban: client 10\.' "$d/error_log")
echo "error log: AH53042 infected refusals $refused_php by spamgear signatures, $refused_clam by libclamav (SG.Mix.Ndb); AH53020 bans $bans"

echo "children's RSS and private dirty memory (KB; first sample at ${WARMUP} s, then every ${INTERVAL} s, last at the end):"
samples=${samples# }
first=${samples%% *}
for s in $samples; do
    awk -v s="$s" '{n++; t += $2; v += $3} END {printf "  %5s s: %d children, RSS sum %d, mean %d; private dirty sum %d\n", s, n, t, n ? t / n : 0, v}' "$d/rss-$s"
done
# Per child: growth from the first sample to the last, children in both.
# join's fields: PID RSS1 PRIV1 RSS2 PRIV2.
join "$d/rss-$first" "$d/rss-end" | awk '{print ($4 - $2) * 100 / $2, $1, $2, $4}' | sort -n >"$d/growth"
rss_sum=$(join "$d/rss-$first" "$d/rss-end" | awk '{a += $2; b += $4} END {printf "%.1f", b ? (b - a) * 100 / a : 999}')
priv_sum=$(join "$d/rss-$first" "$d/rss-end" | awk '{a += $3; b += $5} END {printf "%.1f", b ? (b - a) * 100 / a : 999}')
# Second half: a leak keeps growing there, a child's warm-up does not.
set -- $samples; mid=${@:$(( ($# + 1) / 2 )):1}
join "$d/rss-$mid" "$d/rss-end" | awk '{print ($4 - $2) * 100 / $2, $1, $2, $4}' | sort -n >"$d/growth2"
rss_sum2=$(join "$d/rss-$mid" "$d/rss-end" | awk '{a += $2; b += $4} END {printf "%.1f", b ? (b - a) * 100 / a : 999}')
rss_max2=$(tail -n 1 "$d/growth2")
rss_max=$(tail -n 1 "$d/growth")
rss_min=$(head -n 1 "$d/growth")
same=$(wc -l <"$d/growth")
echo "  growth first -> end: sum $rss_sum %; per child min $(echo "$rss_min" | awk '{printf "%.1f %% (pid %s, %s -> %s)", $1, $2, $3, $4}'), median $(awk '{a[NR] = $1} END {printf "%.1f", a[int((NR + 1) / 2)]}' "$d/growth") %, max $(echo "$rss_max" | awk '{printf "%.1f %% (pid %s, %s -> %s)", $1, $2, $3, $4}'); $same children in both samples; private dirty sum $priv_sum %"
echo "  growth $mid s -> end (second half): sum $rss_sum2 %; per child max $(echo "$rss_max2" | awk '{printf "%.1f %% (pid %s, %s -> %s)", $1, $2, $3, $4}')"

# Descriptors the children still hold on spool or temp files (an O_TMPFILE
# spool file has no name in the directory: its link reads "SPOOL/#N (deleted)"),
# load over.
for pid in $(ps -o pid= --ppid "$ppid_httpd"); do
    ls -l "/proc/$pid/fd" 2>/dev/null | grep -e "$d/spool" -e "$d/tmp"
done | sed 's/.* -> //' >"$d/held"
held=$(wc -l <"$d/held")
stop_httpd
crashes=$(grep -c -E 'exit signal|Segmentation|AH00052|AH00060' "$d/error_log")
san_out=$(san_reports "$d/error_log"); san_rc=$?
spool_left=$(ls -A "$d/spool" | wc -l)
tmp_left=$(ls -A "$d/tmp" | wc -l)
echo "after the load: spool files left $spool_left, TMPDIR entries left $tmp_left$(ls -A "$d/tmp" | head -n 5 | sed 's/^/ /' | tr -d '\n'), spool/temp descriptors held by children $held"
[ "$held" = 0 ] || sed "s|/#[0-9]* (deleted)|/#N (deleted)|" "$d/held" | sort | uniq -c | head -n 5
echo "error log: child crashes $crashes, sanitizer reports $([ $san_rc = 0 ] && echo 0 || echo yes)"
[ $san_rc = 0 ] || printf '%s\n' "$san_out"
[ "$crashes" = 0 ] || grep -E 'exit signal|Segmentation|AH00052|AH00060' "$d/error_log" | head -n 5

echo "goals:"
goal "static: every answer 200" only static 200
goal "php: every answer 200 with the page" eval 'only php 200 && [ "$(res php badbody)" = 0 ]'
goal "clean uploads: every answer 200 with both files seen by PHP" eval 'only clean 200 && [ "$(res clean badbody)" = 0 ]'
goal "infected uploads: every answer 403" only infected 403
# wrk stops with up to 8 infected requests in flight that httpd still logs.
goal "infected uploads: one AH53042 line each (both kinds refused)" eval \
    '[ $((refused_php + refused_clam)) -ge "$(total infected)" ] && [ $((refused_php + refused_clam)) -le $(($(total infected) + 8)) ] && [ "$refused_php" -gt 0 ] && { [ "$CLAMAV" != Engine ] || [ "$refused_clam" -gt 0 ]; }'
# Ten POSTs per fake client: at least eight are counted (200), then 403.
goal "logins: 200 or 403 only, at least 8 of 10 answered 200, bans logged" eval \
    'only login 200 403 && [ "$(res login 403)" -gt 0 ] && [ $(($(res login 200) * 10)) -ge $(($(total login) * 8 - 100)) ] && [ "$bans" -gt 0 ]'
# A ban is refused in post_read_request, and httpd ends the connection after
# an error there: wrk's next request on it is a read error, one per 403.
goal "no socket errors (connect, read, write, timeout; logins: a read error per ban 403)" eval \
    '[ $(($(res static errors) + $(res php errors) + $(res clean errors) + $(res infected errors))) = 0 ] && [ "$(res login errors)" -le "$(res login 403)" ]'
goal "no child crash in the error log" [ "$crashes" = 0 ]
goal "no sanitizer report in the error log" [ "$san_rc" = 0 ]
goal "no temp file left (spool dir, TMPDIR, descriptors)" [ $((spool_left + tmp_left + held)) = 0 ]
goal "children's RSS sum flat within $RSS_LIMIT % ($rss_sum %)" awk -v g="$rss_sum" -v l="$RSS_LIMIT" 'BEGIN {exit !(g <= l && g >= -l)}'
# Each child sees 1/72 of the traffic and reaches its plateau later than the
# sum: its goal is the second half.
goal "every child's RSS flat within $RSS_LIMIT % in the second half (max $(echo "$rss_max2" | awk '{printf "%.1f", $1}') %)" \
    awk -v g="${rss_max2%% *}" -v l="$RSS_LIMIT" -v n="$same" 'BEGIN {exit !(n > 0 && g <= l)}'
[ $ok = 1 ] && echo "PASS" || echo "FAIL"
[ $ok = 1 ]
