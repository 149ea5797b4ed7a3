#!/bin/bash
# t/bench/upload-load.sh: load test of mod_spamgear's upload scanning (not run
# by make check).  Two ab clients at once against one httpd (prefork,
# mod_php): clean 100 KB multipart uploads and infected ones (a PHP backdoor
# part), C connections each, for DURATION seconds.  Checks and prints: no
# failed clean request, every infected one refused (403), no child crash in
# the error log, no spool file left, children's RSS before and after.
# Usage: t/bench/upload-load.sh [DURATION] [C]   (issue goal: 60 s, 32 + 32)
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
APXS=${APXS:-apxs2}
T=${1:-20}
C=${2:-32}
module=$top_builddir/.libs/mod_spamgear.so
libexecdir=$("$APXS" -q LIBEXECDIR)
httpd="$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)"
modphp=$(ls "$libexecdir"/libphp*.so 2>/dev/null | head -n 1)
[ -n "$modphp" ] || { echo "upload-load.sh: mod_php not found (libapache2-mod-php)" >&2; exit 2; }
d=$(mktemp -d /tmp/sg-upload-load.XXXXXX); chmod 755 "$d"
trap '[ -f "$d/httpd.pid" ] && kill "$(cat "$d/httpd.pid")"; sleep 1; rm -rf "$d"' EXIT
port=$(perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)->sockport')
mkdir -p "$d/htdocs" "$d/spool"; chmod 1777 "$d/spool"
printf '%s\n' '<?php $f = $_FILES["up"] ?? null; echo $f && $f["error"] === 0 ? "ok " . $f["size"] : "none";' >"$d/htdocs/save.php"
chmod -R a+rX "$d/htdocs"
B=sgLoadBoundary42
body() {   # body FILE TRAILER: a 100 KB file part, then TRAILER in a second file part
    { printf -- '--%s\r\nContent-Disposition: form-data; name="up"; filename="photo.jpg"\r\n\r\n' "$B"
      perl -e 'print join "", map { chr(($_ * 7 + 13) % 256) } 1 .. 102400'
      printf -- '\r\n--%s\r\nContent-Disposition: form-data; name="b"; filename="b.txt"\r\n\r\n%s\r\n--%s--\r\n' "$B" "$2" "$B"; } >"$1"
}
body "$d/clean" "just text"
body "$d/bad" "<?php @eval(\$_POST['x']);"
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
StartServers 8
MinSpareServers 8
ServerLimit 72
MaxRequestWorkers 72
$(for m in mpm_prefork authz_core mime socache_shmcb; do echo "LoadModule ${m}_module \"$libexecdir/mod_$m.so\""; done)
LoadModule php_module "$modphp"
TypesConfig /etc/mime.types
LoadModule spamgear_module "$module"
SpamGearSignatures "$top_srcdir/conf/signatures"
SpamGearSpoolDir "$d/spool"
DocumentRoot "$d/htdocs"
<Directory "$d/htdocs">
    Require all granted
    SetHandler application/x-httpd-php
</Directory>
CONF
"$httpd" -f "$d/httpd.conf" -k start || { cat "$d/error_log" 2>/dev/null; exit 2; }
until curl -s -o /dev/null "http://127.0.0.1:$port/save.php"; do sleep 0.1; done
rss() { ps -o rss= --ppid "$(cat "$d/httpd.pid")" | awk '{s += $1; n++} END {printf "%d children, %d KB total, %d KB mean", n, s, n ? s / n : 0}'; }
# Warm up every child, then measure.
ab -n 2000 -c "$C" -p "$d/clean" -T "multipart/form-data; boundary=$B" "http://127.0.0.1:$port/save.php" >/dev/null 2>&1
before=$(rss)
run() { ab -t "$T" -n 100000000 -c "$C" -p "$d/$1" -T "multipart/form-data; boundary=$B" \
        "http://127.0.0.1:$port/save.php" 2>&1 >"$d/ab-$1" | grep -v '^Completed\|^Finished' ; }
run clean & run bad & wait
after=$(rss)
stat() { awk -v k="$2" '$0 ~ k {print $NF; exit}' "$d/ab-$1"; }
cdone=$(awk '/^Complete requests/ {print $3}' "$d/ab-clean"); cfail=$(awk '/^Failed requests/ {print $3}' "$d/ab-clean")
cnon=$(awk '/^Non-2xx/ {print $3}' "$d/ab-clean"); bdone=$(awk '/^Complete requests/ {print $3}' "$d/ab-bad")
bnon=$(awk '/^Non-2xx/ {print $3}' "$d/ab-bad"); bfail=$(awk '/^Failed requests/ {print $3}' "$d/ab-bad")
refused=$(grep -c 'AH53042: spamgear: upload: infected' "$d/error_log")
crashes=$(grep -c -E 'exit signal|Segmentation|AH00052' "$d/error_log")
left=$(ls -A "$d/spool" | wc -l)
echo "upload load test: $T s, ab -c $C clean + ab -c $C infected, 100 KB multipart, prefork + mod_php"
echo "clean:    $cdone requests, $(awk '/^Requests per second/ {print $4}' "$d/ab-clean") req/s, failed ${cfail:-0}, non-2xx ${cnon:-0}, p99 $(awk '/^ *99%/ {print $2}' "$d/ab-clean") ms"
echo "infected: $bdone requests, refused (non-2xx) ${bnon:-0}, failed ${bfail:-0}, AH53042 lines $refused"
echo "children: crashes in error_log $crashes; spool files left $left"
echo "RSS before: $before"
echo "RSS after:  $after"
ok=1
[ "${cfail:-0}" = 0 ] && [ "${cnon:-0}" = 0 ] || ok=0
# ab stops at the time limit with up to C requests in flight that the server
# still answers (and logs): refusals logged are BDONE to BDONE + C.
[ "${bnon:-0}" = "$bdone" ] && [ "$refused" -ge "$bdone" ] && [ "$refused" -le $((bdone + C)) ] || ok=0
[ "$crashes" = 0 ] && [ "$left" = 0 ] || ok=0
[ $ok = 1 ] && echo "PASS" || echo "FAIL"
[ $ok = 1 ]
