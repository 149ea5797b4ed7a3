#!/bin/bash
# t/ps/run.sh: `spamgear ps` against real processes of a throw-away user.
#
# Creates a user (removed on exit), starts as that user a perl loop, a python3
# TCP server on 127.0.0.1, a copy of sleep run from /tmp and then deleted, a
# bash whose stdin and stdout are a loopback TCP connection (reverse shell), a
# bash holding such a connection on fd 3, and as controls a php-cli process
# listening on 127.0.0.1 (allowed program), a bash reading a FIFO and a
# plain sleep; checks the reported reasons, --json, the allow-list, the config
# keys and the exit codes.  Every process it starts is killed by pid; files
# live under one mktemp -d directory.  Needs root (useradd, setpriv).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
py=/usr/bin/python3

die() { echo "t/ps/run.sh: $*" >&2; exit 99; }

if [ "$(id -u)" -ne 0 ]; then
    echo "t/ps/run.sh: SKIP: needs root (creates a user and runs processes as it)"
    exit 77
fi
[ -x "$sg" ] || die "$sg not built: run make first"
for t in useradd userdel setpriv perl php "$py"; do
    command -v "$t" >/dev/null || die "$t is missing (Debian: passwd, util-linux, perl, php-cli, python3)"
done

# Under /tmp explicitly: the deleted copy of sleep must run from a tmp directory.
tmp=$(mktemp -d /tmp/spamgear-ps.XXXXXX) || die "mktemp -d failed"
chmod 755 "$tmp"
user=sgps$$
pids=()
cleanup() {
    local p
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${pids[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    done
    # Whatever else runs as the user was started here too (children of the above).
    if id "$user" >/dev/null 2>&1; then
        for p in $(ps -u "$user" -o pid=); do kill "$p" 2>/dev/null; done
    fi
    wait 2>/dev/null
    exec 7>&- 2>/dev/null
    if id "$user" >/dev/null 2>&1; then
        for _ in $(seq 1 50); do userdel "$user" 2>/dev/null && break; sleep 0.1; done
    fi
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

id "$user" >/dev/null 2>&1 && die "user $user exists already"
useradd -M -N -d /nonexistent -s /usr/sbin/nologin "$user" || die "useradd $user failed"
uid=$(id -u "$user")
gid=$(id -g "$user")
as_user=(setpriv --reuid="$uid" --regid="$gid" --clear-groups)
cd "$tmp" || die "cd $tmp"

# wait_exe PID GLOB: until /proc/PID/exe points at GLOB (setpriv has exec'd).
wait_exe() {
    local t
    for _ in $(seq 1 100); do
        t=$(readlink "/proc/$1/exe" 2>/dev/null)
        # shellcheck disable=SC2053
        [[ $t == $2 ]] && return 0
        sleep 0.05
    done
    die "process $1 did not start ${2} (exe: ${t:-none})"
}
wait_file() {
    for _ in $(seq 1 100); do [ -s "$1" ] && return 0; sleep 0.05; done
    die "$1 was not written"
}

# ------------------------------------------------------------------ processes
"${as_user[@]}" perl -e 'sleep 1 while 1' &
perl_pid=$!; pids+=("$perl_pid")

"${as_user[@]}" "$py" -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()
print(s.getsockname()[1], flush=True); time.sleep(600)' > "$tmp/py.port" &
py_pid=$!; pids+=("$py_pid")

mkdir "$tmp/bin" && cp /bin/sleep "$tmp/bin/sleep" && chmod 755 "$tmp/bin" "$tmp/bin/sleep"
"${as_user[@]}" "$tmp/bin/sleep" 600 &
del_pid=$!; pids+=("$del_pid")

"$py" "$srcdir/t/ps/stdin-socket.py" "$tmp/rev.pid" \
    "${as_user[@]}" /bin/bash -c 'read -r x' &
pids+=($!)
"$py" "$srcdir/t/ps/stdin-socket.py" --fd 3 "$tmp/fd3.pid" \
    "${as_user[@]}" /bin/bash -c 'read -r -u 3 x' &
pids+=($!)

# Controls: an allowed program (php) even with a listening socket, a shell
# on a pipe (a cron job's), a plain program.
"${as_user[@]}" php -r '$s = stream_socket_server("tcp://127.0.0.1:0");
echo substr(strrchr(stream_socket_get_name($s, false), ":"), 1), "\n"; sleep(600);' \
    > "$tmp/php.port" &
php_pid=$!; pids+=("$php_pid")
mkfifo "$tmp/fifo" && exec 7<>"$tmp/fifo"
"${as_user[@]}" /bin/bash -c 'read -r x' <&7 &
fifo_pid=$!; pids+=("$fifo_pid")
"${as_user[@]}" sleep 600 &
sleep_pid=$!; pids+=("$sleep_pid")

wait_file "$tmp/py.port"; wait_file "$tmp/php.port"
wait_file "$tmp/rev.pid"; wait_file "$tmp/fd3.pid"
rev_pid=$(cat "$tmp/rev.pid"); pids+=("$rev_pid")
fd3_pid=$(cat "$tmp/fd3.pid"); pids+=("$fd3_pid")
wait_exe "$perl_pid" '/usr/bin/perl*'
wait_exe "$py_pid" '/usr/bin/python3*'
wait_exe "$del_pid" "$tmp/bin/sleep"
wait_exe "$rev_pid" '/usr/bin/bash'
wait_exe "$fd3_pid" '/usr/bin/bash'
wait_exe "$php_pid" '/usr/bin/php*'
wait_exe "$fifo_pid" '/usr/bin/bash'
wait_exe "$sleep_pid" '/usr/bin/sleep'
rm -f "$tmp/bin/sleep"
py_port=$(cat "$tmp/py.port")
php_port=$(cat "$tmp/php.port")

# ------------------------------------------------------------------ checks
. "$srcdir/t/tap.sh"
show_failure() {
    echo "# stdout:"; sed 's/^/#   /' "$tmp/out"
    echo "# stderr:"; sed 's/^/#   /' "$tmp/err"
}
run() { "$sg" "$@" > "$tmp/out" 2> "$tmp/err"; rc=$?; }
# line PID: the output line of PID ("" when none).
line() { grep "^$1 " "$tmp/out"; }
# fields PID REASON EXE: the line of PID has exactly this user, reason and exe.
has() { [ "$(line "$1" | cut -d' ' -f2-4)" = "$user $2 $3" ]; }

echo "1..17"
run ps --uids none --users "$user"
check "exit 1 and one line per suspect process, nothing on stderr" \
    '[ $rc = 1 ]' '[ "$(wc -l < "$tmp/out")" = 5 ]' '[ ! -s "$tmp/err" ]'
check "perl loop: interpreter" \
    'has $perl_pid interpreter "$(readlink /proc/$perl_pid/exe)"' \
    '[[ "$(line $perl_pid)" == *" perl -e sleep 1 while 1" ]]'
check "python3 server: interpreter and its listening address" \
    'has $py_pid "interpreter,listen:127.0.0.1:$py_port" "$(readlink /proc/$py_pid/exe)"'
check "deleted copy of sleep in /tmp: deleted-exe,exe-in-tmp, exe path without (deleted)" \
    'has $del_pid deleted-exe,exe-in-tmp "$tmp/bin/sleep"' \
    '[[ "$(line $del_pid)" == *" $tmp/bin/sleep 600" ]]'
check "bash with a TCP connection on stdin/stdout: reverse-shell" \
    'has $rev_pid reverse-shell /usr/bin/bash' \
    '[[ "$(line $rev_pid)" == *" /bin/bash -c read -r x" ]]'
check "bash holding a TCP connection on fd 3: shell-socket" \
    'has $fd3_pid shell-socket /usr/bin/bash'
check "controls not reported: php listening (allowed), bash on a FIFO, plain sleep" \
    '[ -z "$(line $php_pid)" ]' '[ -z "$(line $fifo_pid)" ]' '[ -z "$(line $sleep_pid)" ]'

run ps --uids none --users "$user" --json
check "--json: exit 1, parses, one object per finding with the same reasons" \
    '[ $rc = 1 ]' '"$py" -m json.tool "$tmp/out" > /dev/null' \
    '"$py" - "$tmp/out" "$perl_pid" "$py_pid" "$py_port" "$del_pid" "$rev_pid" "$fd3_pid" "$user" <<"PY"
import json, sys
f, perl, pyp, port, dele, rev, fd3, user = sys.argv[1:]
got = {o["pid"]: o for o in json.load(open(f))}
want = {int(perl): ["interpreter"], int(pyp): ["interpreter", "listen"],
        int(dele): ["deleted-exe", "exe-in-tmp"], int(rev): ["reverse-shell"],
        int(fd3): ["shell-socket"]}
assert {p: o["reasons"] for p, o in got.items()} == want, got
assert got[int(pyp)]["listen"] == ["127.0.0.1:" + port], got[int(pyp)]
assert got[int(dele)]["exe_deleted"] is True and got[int(perl)]["exe_deleted"] is False
assert all(o["user"] == user and o["cmdline"] for o in got.values())
PY'

run ps --uids none --users "$user" --allow-exe none
check "--allow-exe none: the php listener is reported too (listen)" \
    '[ $rc = 1 ]' 'has $php_pid "listen:127.0.0.1:$php_port" "$(readlink /proc/$php_pid/exe)"'

printf 'ps-uids none\nps-users %s\nps-allow-exe /usr/bin/perl* /usr/bin/php*\n' "$user" > "$tmp/c.conf"
run ps -c "$tmp/c.conf"
check "config keys: ps-users selects, ps-allow-exe allows perl" \
    '[ $rc = 1 ]' '[ -z "$(line $perl_pid)" ]' '[ -n "$(line $py_pid)" ]' \
    '[ "$(wc -l < "$tmp/out")" = 4 ]'

run ps --uids none --users none -v
check "nobody selected: exit 0, -v summary on stderr only" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' \
    'grep -Eq "^spamgear: ps: [0-9]+ processes, 0 of the selected users \(0 allowed\)" "$tmp/err"'

run ps --uids x
check "bad --uids: exit 2, one line" '[ $rc = 2 ]' '[ ! -s "$tmp/out" ]' \
    '[ "$(cat "$tmp/err")" = "spamgear: ps: --uids: '"'x'"' is not a uid or FIRST-LAST uid range (0 to 4294967294); try '"'spamgear ps --help'"'" ]'
run ps --users no-such-user-sg
check "unknown user: exit 2, names it" '[ $rc = 2 ]' \
    'grep -qx "spamgear: ps: --users: unknown user '"'no-such-user-sg'"'; try '"'spamgear ps --help'"'" "$tmp/err"'
run ps --proc "$tmp/nonexistent"
check "unreadable /proc: exit 2" '[ $rc = 2 ]' \
    'grep -qx "spamgear: ps: cannot read $tmp/nonexistent: No such file or directory" "$tmp/err"'

# Processes that come and go while ps reads /proc: never an error.
"${as_user[@]}" /bin/bash -c 'for i in $(seq 1 100); do /bin/true; sleep 0.005; done' &
churn_pid=$!; pids+=("$churn_pid")
bad=0
for _ in $(seq 1 20); do
    run ps --uids none --users "$user"
    { [ "$rc" = 1 ] && [ ! -s "$tmp/err" ]; } || bad=$((bad + 1))
done
wait "$churn_pid"
check "20 runs while the user starts and ends 200 processes: no error" '[ $bad = 0 ]'

# Clean: only the controls are left.
for p in "$perl_pid" "$py_pid" "$del_pid" "$rev_pid" "$fd3_pid"; do kill "$p"; done
for p in "$perl_pid" "$py_pid" "$del_pid" "$rev_pid" "$fd3_pid"; do
    for _ in $(seq 1 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
done
run ps --uids none --users "$user"
check "only the controls left: exit 0, no output" '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' \
    '[ ! -s "$tmp/err" ]'

start=$(date +%s%N)
run ps --uids 0-4294967294 --users none -v
ms=$(( ($(date +%s%N) - start) / 1000000 ))
check "every uid on this machine: exit 0 or 1, not an error (${ms} ms; $(sed -n 's/^spamgear: ps: \([0-9]*\) processes, .*/\1/p' "$tmp/err") processes)" \
    '[ $rc = 0 ] || [ $rc = 1 ]'
echo "ps: $pass passed, $fail failed"
[ "$fail" = 0 ]
