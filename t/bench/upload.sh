#!/bin/bash
# t/bench/upload.sh: figures for mod_spamgear's upload scanning (not a timed
# test; make check does not run it).  A 100 KB multipart upload (one file
# part, binary-ish, no signature hit) POSTed to a PHP script (mod_php,
# prefork) that saves it with move_uploaded_file; three servers in the same
# run, alternating rounds, median of each:
#   off:   httpd without mod_spamgear
#   scan:  mod_spamgear with the project signatures (conf/signatures)
#   noscan: mod_spamgear loaded, SpamGearUploadScan Off
#   modsec: no mod_spamgear; ModSecurity 2 (SecRequestBodyAccess On,
#           SecUploadDir, SecUploadKeepFiles Off) with @inspectFile running a
#           shell script per uploaded file that runs `spamgear inspect` with the
#           same signatures (the usual runav.pl / clamscan-script deployment)
# Prints req/s, p99 (ms, ab's percentile table) and the server's CPU per
# request (ms, all its processes, from /proc), then scan/off and
# scan/modsec.  A fifth server, "clamav", adds SpamGearClamAV Engine (the
# issue's goal is measured on it): libclamav with /var/lib/clamav when it
# holds databases, else an empty DBDIR plus small .ndb/.hdb/.ldb files.
# OLD_MODULE=PATH adds another build, "scanold".
# BODY_FILE=FILE uploads FILE's first 100 KB instead
# of the binary-ish body (e.g. a PHP file: the de-obfuscator runs then);
# BODY_BYTES=N takes its first N bytes instead, 0 the whole file (a packed
# shell cut at 100 KB no longer decodes: upload it whole).
# UPLOAD_NAME=NAME names the part NAME instead of photo.jpg (image/jpeg); a
# name without a media extension is sent as application/octet-stream, and
# the scanning servers get SpamGearUploadDenyNames none (a site that takes
# PHP files: the analysis alone decides).  With a PHP BODY_FILE set
# UPLOAD_NAME=plugin.php: as photo.jpg the analysis runs but the part is
# then refused as PHP code in a media file (SpamGearUploadMediaCode
# Refuse), so every scan request answers 403 (non-2xx) and PHP never saves it.
# Bounded: loopback only, ab with -n.  Needs ab, curl and libapache2-mod-php;
# the modsec configuration needs the Debian package libapache2-mod-security2
# (apt-get install libapache2-mod-security2; skipped with a note without it).
# Usage: t/bench/upload.sh [REQUESTS] [CONCURRENCY]
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
APXS=${APXS:-apxs2}
N=${1:-2000}
C=${2:-8}
ROUNDS=${ROUNDS:-3}
module=$top_builddir/.libs/mod_spamgear.so
libexecdir=$("$APXS" -q LIBEXECDIR)
httpd="$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)"
modphp=$(ls "$libexecdir"/libphp*.so 2>/dev/null | head -n 1)
[ -n "$modphp" ] || { echo "upload.sh: mod_php not found (libapache2-mod-php)" >&2; exit 2; }
tmp=$(mktemp -d /tmp/sg-upbench.XXXXXX); chmod 755 "$tmp"
cleanup() {
    for f in "$tmp"/*/httpd.pid; do [ -f "$f" ] && kill "$(cat "$f")"; done
    sleep 0.5; [ -n "${KEEP_TMP:-}" ] && echo "kept $tmp" || rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)->sockport'; }

mkdir -p "$tmp/htdocs" "$tmp/saved"; chmod 1777 "$tmp/saved"
cat > "$tmp/htdocs/save.php" <<'PHP'
<?php
$f = $_FILES['up'] ?? null;
if (!$f || $f['error'] !== 0) { http_response_code(400); exit("no file\n"); }
move_uploaded_file($f['tmp_name'], __DIR__ . '/../saved/' . getmypid() . '.bin');
echo "saved ", $f['size'], "\n";
PHP
chmod -R a+rX "$tmp/htdocs"
B=sgBenchBoundary0123456789
[ -z "${BODY_FILE:-}" ] || [ -r "$BODY_FILE" ] || { echo "upload.sh: BODY_FILE $BODY_FILE not readable" >&2; exit 2; }
names_conf=
[ -n "${UPLOAD_NAME:-}" ] && names_conf="SpamGearUploadDenyNames none"
UPLOAD_NAME=${UPLOAD_NAME:-photo.jpg}
case $UPLOAD_NAME in
    *.jpg|*.jpeg) ctype=image/jpeg ;;
    *.png) ctype=image/png ;;
    *.gif) ctype=image/gif ;;
    *) ctype=application/octet-stream ;;
esac
{ printf -- '--%s\r\nContent-Disposition: form-data; name="up"; filename="%s"\r\nContent-Type: %s\r\n\r\n' "$B" "$UPLOAD_NAME" "$ctype"
  if [ -n "${BODY_FILE:-}" ] && [ "${BODY_BYTES:-102400}" = 0 ]; then cat "$BODY_FILE"
  elif [ -n "${BODY_FILE:-}" ]; then head -c "${BODY_BYTES:-102400}" "$BODY_FILE"
  else perl -e 'print join "", map { chr(($_ * 7 + 13) % 256) } 1 .. 102400'; fi
  printf -- '\r\n--%s--\r\n' "$B"; } > "$tmp/body"

# start NAME PORT EXTRA-CONFIG
start() {
    local d=$tmp/$1; mkdir -p "$d"
    cat > "$d/httpd.conf" <<CONF
ServerRoot "$d"
DefaultRuntimeDir "$d"
PidFile "$d/httpd.pid"
ErrorLog "$d/error_log"
LogLevel warn
Listen 127.0.0.1:$2
ServerName localhost
User nobody
Group $(id -gn nobody)
StartServers 4
MinSpareServers 4
MaxRequestWorkers 16
$(for m in mpm_prefork authz_core mime socache_shmcb; do echo "LoadModule ${m}_module \"$libexecdir/mod_$m.so\""; done)
LoadModule php_module "$modphp"
TypesConfig /etc/mime.types
DocumentRoot "$tmp/htdocs"
<Directory "$tmp/htdocs">
    Require all granted
    <FilesMatch "\.php$">
        SetHandler application/x-httpd-php
    </FilesMatch>
</Directory>
$3
CONF
    "$httpd" -f "$d/httpd.conf" -k start || exit 2
    until curl -s -o /dev/null "http://127.0.0.1:$2/save.php"; do sleep 0.1; done
}
# ab_run PORT: "REQ/S P99_MS FAILED NON2XX"
ab_run() {
    ab -n "$N" -c "$C" -p "$tmp/body" -T "multipart/form-data; boundary=$B" \
        "http://127.0.0.1:$1/save.php" 2>/dev/null | awk '
        /^Requests per second/ {r = $4} /^ *99%/ {p = $2} /^Failed requests/ {f = $3}
        /^Non-2xx responses/ {x = $3} END {print r, p, f + 0, x + 0}'
}
# srv_cpu NAME: CPU ticks (utime+stime, their reaped children's too) of the
# server's parent and live children: the per-request CPU is less swayed by
# other load on the machine than req/s is.
srv_cpu() {
    local pp; pp=$(cat "$tmp/$1/httpd.pid")
    cat /proc/"$pp"/stat $(pgrep -P "$pp" | sed 's|.*|/proc/&/stat|') 2>/dev/null |
        awk '{sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15} END {print t + 0}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

names=(off noscan scan)
modsec_so=$libexecdir/mod_security2.so
[ -f "$modsec_so" ] || modsec_so=/usr/lib/apache2/modules/mod_security2.so
[ -f "$modsec_so" ] && names+=(modsec) ||
    echo "upload.sh: no mod_security2.so: apt-get install libapache2-mod-security2 for the modsec figures"
declare -A port
for n in "${names[@]}"; do port[$n]=$(free_port); done
start off "${port[off]}" ""
start noscan "${port[noscan]}" "LoadModule spamgear_module \"$module\"
SpamGearUploadScan Off"
start scan "${port[scan]}" "LoadModule spamgear_module \"$module\"
$names_conf
SpamGearSignatures \"$top_srcdir/conf/signatures\""
# OLD_MODULE=PATH: a second mod_spamgear build ("scanold") in the same run, to
# compare two builds side by side.
if [ -n "${OLD_MODULE:-}" ]; then
    names+=(scanold); port[scanold]=$(free_port)
    start scanold "${port[scanold]}" "LoadModule spamgear_module \"$OLD_MODULE\"
$names_conf
SpamGearSignatures \"$top_srcdir/conf/signatures\""
fi
if [ -n "${port[modsec]:-}" ]; then
    # The scanner ModSecurity runs per file: the same signatures, ClamAV off
    # (as in "scan"), as the children's user.
    m=$tmp/modsec; mkdir -p "$m/sigs" "$m/upload" "$m/tmp"
    cp "$top_srcdir"/conf/signatures/* "$m/sigs/"
    printf 'signatures %s\nclamav off\n' "$m/sigs" > "$m/spamgear.conf"
    printf '#!/bin/sh\n# @inspectFile: first output byte 1 = clean, else refused\nexec %s -c %s inspect "$1"\n' \
        "$top_builddir/spamgear" "$m/spamgear.conf" > "$m/inspect.sh"
    chmod 755 "$m/inspect.sh"; chmod -R a+rX "$m"; chown nobody "$m/upload" "$m/tmp"
    start modsec "${port[modsec]}" "LoadModule unique_id_module \"$libexecdir/mod_unique_id.so\"
LoadModule security2_module \"$modsec_so\"
SecRuleEngine On
SecRequestBodyAccess On
SecRequestBodyLimit 13107200
SecRequestBodyNoFilesLimit 131072
SecTmpDir \"$m/tmp\"
SecDataDir \"$m/tmp\"
SecUploadDir \"$m/upload\"
SecUploadKeepFiles Off
SecTmpSaveUploadedFiles On
SecAuditEngine Off
SecRule FILES_TMPNAMES \"@inspectFile $m/inspect.sh\" \"id:100,phase:2,t:none,deny,status:403,log\""
    # It really scans: an infected part is refused.
    printf '<?php eval(base64_decode($_POST["x"])); ?>\n' > "$tmp/bad.php"
    st=$(curl -s -o /dev/null -w '%{http_code}' -F "up=@$tmp/bad.php;filename=a.jpg" "http://127.0.0.1:${port[modsec]}/save.php")
    [ "$st" = 403 ] || echo "upload.sh: modsec did not refuse an infected upload (status $st): see $tmp/modsec/error_log"
fi
# "clamav": the issue's configuration, project signatures and libclamav
# loaded: /var/lib/clamav's databases when present, else an empty DBDIR plus
# small ClamAV-format files (.ndb .hdb .ldb) beside the project signatures.
clamsigs=$tmp/clamsigs; mkdir -p "$clamsigs" "$tmp/emptydb"
cp "$top_srcdir"/conf/signatures/* "$clamsigs/"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
echo "SG.Bench.Ndb:0:*:$(hex 'sg-bench-ndb-marker')" > "$clamsigs/bench.ndb"
echo "0123456789abcdef0123456789abcdef:17:SG.Bench.Hdb" > "$clamsigs/bench.hdb"
echo "SG.Bench.Ldb;Target:0;0&1;$(hex 'bench-part-one');$(hex 'bench-part-two')" > "$clamsigs/bench.ldb"
clamdb=$tmp/emptydb
ls /var/lib/clamav/*.c[lv]d >/dev/null 2>&1 && clamdb=/var/lib/clamav
chmod -R a+rX "$clamsigs" "$tmp/emptydb"
names+=(clamav); port[clamav]=$(free_port)
start clamav "${port[clamav]}" "LoadModule spamgear_module \"$module\"
$names_conf
SpamGearSignatures \"$clamsigs\"
SpamGearClamAV Engine \"$clamdb\""

# The body must pass the scan, else the figures time a refusal.
st=$(curl -s -o /dev/null -w '%{http_code}' -H "Content-Type: multipart/form-data; boundary=$B" \
    --data-binary "@$tmp/body" "http://127.0.0.1:${port[scan]}/save.php")
[ "$st" = 200 ] || echo "upload.sh: scan answered $st to the body, not 200 (see $tmp/scan/error_log; a PHP BODY_FILE needs UPLOAD_NAME=plugin.php)"
echo "$(( $(wc -c < "$tmp/body") / 1024 )) KB multipart to mod_php (move_uploaded_file): part $UPLOAD_NAME ($ctype), body ${BODY_FILE:-binary-ish}"
echo "ab -n $N -c $C, $ROUNDS alternating rounds, median"
declare -A rps p99 bad cpu
for r in $(seq 1 "$ROUNDS"); do
    for n in "${names[@]}"; do
        t0=$(srv_cpu "$n")
        read -r a b f x <<<"$(ab_run "${port[$n]}")"
        t1=$(srv_cpu "$n")
        rps[$n]+="$a "; p99[$n]+="$b "; bad[$n]=$(( ${bad[$n]:-0} + f + x ))
        cpu[$n]+="$(awk -v d=$((t1 - t0)) -v n="$N" -v hz="$(getconf CLK_TCK)" \
            'BEGIN {printf "%.2f", 1000 * d / hz / n}') "
    done
done
base=$(echo ${rps[off]} | tr ' ' '\n' | median)
for n in "${names[@]}"; do
    m=$(echo ${rps[$n]} | tr ' ' '\n' | median)
    p=$(echo ${p99[$n]} | tr ' ' '\n' | median)
    u=$(echo ${cpu[$n]} | tr ' ' '\n' | median)
    printf '%-7s %9s req/s  p99 %4s ms  %5s%% of off  cpu %5s ms/req  failed/non-2xx %s   (rounds: %s)\n' \
        "$n" "$m" "$p" "$(awk -v a="$m" -v b="$base" 'BEGIN {printf "%.1f", 100 * a / b}')" \
        "$u" "${bad[$n]}" "${rps[$n]}"
done
# ratio A B: median over the rounds of A/B within the same round (the load
# from others drifts between rounds), and the ratio of the medians.
ratio() {
    paste <(echo ${rps[$1]} | tr ' ' '\n') <(echo ${rps[$2]} | tr ' ' '\n') |
        awk 'NF == 2 && $2 > 0 {print $1 / $2}' | median | awk '{printf "%.2f", $1}'
}
p99d() {
    paste <(echo ${p99[$1]} | tr ' ' '\n') <(echo ${p99[$2]} | tr ' ' '\n') |
        awk 'NF == 2 {print $1 - $2}' | median
}
echo "scan/off: $(ratio scan off) (project signatures, ClamAV off), p99 +$(p99d scan off) ms"
echo "clamav/off: $(ratio clamav off) (project signatures + libclamav, DBDIR $clamdb; goal >= 0.80), p99 +$(p99d clamav off) ms (goal <= 3)"
[ -n "${port[modsec]:-}" ] && echo "scan/modsec: $(ratio scan modsec)x (goal >= 10x)"
[ -n "${port[scanold]:-}" ] && echo "scanold/off: $(ratio scanold off), p99 +$(p99d scanold off) ms"
echo "spool files left in the temp dir: $(ls /tmp | grep -c '^spamgear-upload-' || true)"
