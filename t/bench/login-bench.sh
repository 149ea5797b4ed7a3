#!/bin/bash
# t/bench/login-bench.sh: figures for mod_spamgear's login counting (not a
# timed test; make check does not run it).  Prints:
#   1. static GET req/s, httpd without mod_spamgear vs with it loaded and
#      counting (default shmcb), same run, alternating rounds, median of each;
#   2. POST req/s to a login URI (every one counted as a failed login: the
#      target answers 405, no application behind it, so this is the module's
#      ceiling) with SpamGearBanStore shmcb and with redis.
# Bounded: loopback only, ab with -n, event MPM with 2 children.  Needs ab
# (apache2-utils) and redis-server.  Usage: t/bench/login-bench.sh [REQUESTS] [CONCURRENCY]
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
APXS=${APXS:-apxs2}
N=${1:-20000}
C=${2:-20}
ROUNDS=${ROUNDS:-5}
module=$top_builddir/.libs/mod_spamgear.so
libexecdir=$("$APXS" -q LIBEXECDIR)
httpd="$("$APXS" -q SBINDIR)/$("$APXS" -q TARGET)"
tmp=$(mktemp -d /tmp/sg-bench.XXXXXX); chmod 755 "$tmp"
redis_pid=
cleanup() {
    for f in "$tmp"/*/httpd.pid; do [ -f "$f" ] && kill "$(cat "$f")"; done
    [ -n "$redis_pid" ] && kill "$redis_pid"
    sleep 0.5; rm -rf "$tmp"
}
trap cleanup EXIT
free_port() { perl -MIO::Socket::INET -e 'print IO::Socket::INET->new(Listen => 1, LocalAddr => "127.0.0.1", LocalPort => 0, ReuseAddr => 1)->sockport'; }

mkdir -p "$tmp/htdocs"; head -c 1024 /dev/zero | tr '\0' x > "$tmp/htdocs/static.html"
cp "$tmp/htdocs/static.html" "$tmp/htdocs/wp-login.php"
chmod -R a+rX "$tmp/htdocs"

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
StartServers 2
ServerLimit 2
ThreadsPerChild 25
MaxRequestWorkers 50
$(for m in mpm_event authz_core mime socache_shmcb socache_redis; do echo "LoadModule ${m}_module \"$libexecdir/mod_$m.so\""; done)
TypesConfig /etc/mime.types
DocumentRoot "$tmp/htdocs"
<Directory "$tmp/htdocs">
    Require all granted
</Directory>
$3
CONF
    "$httpd" -f "$d/httpd.conf" -k start || exit 2
    until curl -s -o /dev/null "http://127.0.0.1:$2/static.html"; do sleep 0.1; done
}
rps() { ab "$@" 2>/dev/null | awk '/^Requests per second/ {print $4}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

p_off=$(free_port); p_on=$(free_port); p_redis=$(free_port); rport=$(free_port)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --dir "$tmp" >/dev/null 2>&1 &
redis_pid=$!
start off "$p_off" ""
start on "$p_on" "LoadModule spamgear_module \"$module\"
SpamGearLoginLimit 1000000 600"
start redis "$p_redis" "LoadModule spamgear_module \"$module\"
SpamGearBanStore redis:127.0.0.1:$rport
RedisTimeout 1
SpamGearLoginLimit 1000000 600"

echo "static GET: ab -k -n $N -c $C, $ROUNDS alternating rounds, median req/s"
off=() on=()
for r in $(seq 1 "$ROUNDS"); do
    off+=("$(rps -k -n "$N" -c "$C" "http://127.0.0.1:$p_off/static.html")")
    on+=("$(rps -k -n "$N" -c "$C" "http://127.0.0.1:$p_on/static.html")")
done
m_off=$(printf '%s\n' "${off[@]}" | median); m_on=$(printf '%s\n' "${on[@]}" | median)
echo "  without mod_spamgear: $m_off  (rounds: ${off[*]})"
echo "  with mod_spamgear:    $m_on  (rounds: ${on[*]})"
awk -v a="$m_on" -v b="$m_off" 'BEGIN { printf "  ratio: %.1f%%\n", 100 * a / b }'

echo "POST to /wp-login.php (405, counted as a failed login): ab -k -n $N -c $C"
echo x > "$tmp/body"
echo "  shmcb: $(rps -k -n "$N" -c "$C" -p "$tmp/body" -T application/x-www-form-urlencoded "http://127.0.0.1:$p_on/wp-login.php") req/s"
echo "  redis: $(rps -k -n "$N" -c "$C" -p "$tmp/body" -T application/x-www-form-urlencoded "http://127.0.0.1:$p_redis/wp-login.php") req/s"
