#!/bin/bash
# spamgear emergency-mail against real SMTP servers on 127.0.0.1 (t/emergency/smtpd.py:
# aiosmtpd with STARTTLS and a certificate made here, a plain one, one that rejects
# RCPT, one that greets with 554, one that never speaks) and a fake queue command.
# Needs python3-aiosmtpd and openssl (tools/quickstart.sh test installs them).
# Everything it writes goes under one mktemp -d directory, removed on exit.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
here=$srcdir/t/emergency

die() { echo "t/emergency/run.sh: $*" >&2; exit 99; }

. "$srcdir/t/tap.sh"
py=$(python_with "aiosmtpd")
[ -n "$py" ] || die "python3-aiosmtpd is missing: apt-get install python3-aiosmtpd"
command -v openssl >/dev/null || die "openssl is missing: apt-get install openssl"
[ -x "$sg" ] || die "$sg not built: run make first"

tmp=$(mktemp -d) || die "mktemp -d failed"
server_pid=
cleanup() {
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
"$py" "$here/smtpd.py" serve "$tmp/srv" "$tmp/cert.pem" "$tmp/key.pem" >"$tmp/srv.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -f "$tmp/srv/ports" ] && break
    kill -0 "$server_pid" 2>/dev/null || die "test SMTP servers died: $(tail -n 3 "$tmp/srv.log")"
    sleep 0.1
done
[ -f "$tmp/srv/ports" ] || die "test SMTP servers did not start within 10 s"
port() { awk -v n="$1" '$1 == n { print $2 }' "$tmp/srv/ports"; }
TLS=smtp://127.0.0.1:$(port tls)
PLAIN=smtp://127.0.0.1:$(port plain)
REJECT=smtp://127.0.0.1:$(port reject)
BANNER=smtp://127.0.0.1:$(port banner)
SILENT=smtp://127.0.0.1:$(port silent)
ADDRS="from=alert@web1.example.org to=noc@example.net,ops@example.net"

# Fake queue tools: postqueue -j style JSON lines, exim -bpc style number, a failing
# one, a hanging one and one that prints mailq's format.
cat >"$tmp/postqueue-j" <<'EOF'
#!/bin/sh
i=0
while [ "$i" -lt "$1" ]; do
    printf '{"queue_name": "deferred", "queue_id": "4F%d", "recipients": [{"address": "x@example.com"}]}\n' "$i"
    i=$((i + 1))
done
EOF
printf '#!/bin/sh\necho "$1"\n' >"$tmp/exim-bpc"
printf '#!/bin/sh\necho "postqueue: fatal: Queue report unavailable - mail system is down" >&2\nexit 1\n' \
    >"$tmp/queue-down"
printf '#!/bin/sh\nexec sleep 30\n' >"$tmp/queue-hangs"
printf '#!/bin/sh\necho "-Queue ID-  --Size-- ----Arrival Time----"\necho "4F1 512 Mon"\n' \
    >"$tmp/mailq"
chmod +x "$tmp/postqueue-j" "$tmp/exim-bpc" "$tmp/queue-down" "$tmp/queue-hangs" "$tmp/mailq"
Q150="$tmp/postqueue-j 150"
echo secret-pw >"$tmp/pw"
echo not-the-password >"$tmp/badpw"
: >"$tmp/empty.conf"

# The input: header-like lines, dot lines, CRLF, UTF-8, a long line, no final newline.
{
    printf 'Subject: injected?\nBcc: victim@example.com\n\n.\n..two dots\r\n'
    printf 'caf\303\251 \342\202\254\n'
    head -c 3000 /dev/zero | tr '\0' x
    printf '\nlast line without newline'
} >"$tmp/input"
: >"$tmp/empty"

# ------------------------------------------------------------------ helpers
show_failure() { echo "#   rc=$rc; stderr:"; sed 's/^/#     /' "$tmp/err"; }
# em INPUT ARGS...: runs emergency-mail with a clean mail dir; sets rc, elapsed.
em() {
    local input=$1 start
    shift
    rm -f "$tmp/srv/mail/"*
    start=$(date +%s%N)
    "$sg" -c "$tmp/empty.conf" emergency-mail "$@" <"$input" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    elapsed=$(( ($(date +%s%N) - start) / 1000000 ))
    copied=0
    cmp -s "$input" "$tmp/out" && copied=1
}
mails() { ls "$tmp/srv/mail/" 2>/dev/null | grep -c "^$1-.*\.eml$"; }
errlines() { wc -l <"$tmp/err"; }
err_is() { [ "$(cat "$tmp/err")" = "$1" ]; }
err_has() { grep -q -- "$1" "$tmp/err"; }
# The servers number messages across cases; each case starts with an empty mail dir.
first() { ls "$tmp/srv/mail/$1"-*."$2" 2>/dev/null | head -n 1; }
body_exact() { "$py" "$here/smtpd.py" check "$(first "$1" eml)" "$2" >"$tmp/check" 2>&1; }
env_has() { grep -qx -- "$2" "$(first "$1" env)"; }

# ------------------------------------------------------------------ cases
em "$tmp/input" --queue-command "$Q150" --cacert "$tmp/cert.pem" \
    --smtp "$TLS $ADDRS user=alert password-file=$tmp/pw" 100
check "STARTTLS + AUTH: exact input mailed, stdout is stdin, silent on success" \
    '[ $rc = 0 ]' '[ $copied = 1 ]' '[ ! -s "$tmp/err" ]' '[ $(mails tls) = 1 ]' \
    'body_exact tls "$tmp/input"' \
    'grep -qE "^Subject: \[spamgear\] emergency: [A-Za-z0-9.-]+ queue 150$" "$tmp/check"' \
    'grep -q "^Date: " "$tmp/check"' 'grep -qE "^Message-ID: <[0-9a-f.]+@" "$tmp/check"' \
    'env_has tls "from alert@web1.example.org"' \
    'env_has tls "to noc@example.net ops@example.net"' \
    'env_has tls "login alert"' 'env_has tls "tls yes"' \
    '! grep -q "^Bcc" "$(first tls eml)"'

em "$tmp/empty" --queue-command "$Q150" --cacert "$tmp/cert.pem" --smtp "$TLS $ADDRS"
check "empty input: nothing sent, exit 0" \
    '[ $rc = 0 ]' '[ ! -s "$tmp/out" ]' '[ ! -s "$tmp/err" ]' '[ $(mails tls) = 0 ]'

em "$tmp/input" --queue-command "$tmp/postqueue-j 5" --cacert "$tmp/cert.pem" \
    --smtp "$TLS $ADDRS"
check "queue 5 below the default threshold 100: nothing sent" \
    '[ $rc = 0 ]' '[ $copied = 1 ]' '[ ! -s "$tmp/err" ]' '[ $(mails tls) = 0 ]'

em "$tmp/input" --queue-command "$Q150" --cacert "$tmp/cert.pem" --smtp "$TLS $ADDRS" 150
check "queue 150 with THRESHOLD 150 (not more): nothing sent" \
    '[ $rc = 0 ]' '[ $copied = 1 ]' '[ $(mails tls) = 0 ]'

em "$tmp/input" --queue exim --queue-command "$tmp/exim-bpc 101" --cacert "$tmp/cert.pem" \
    --smtp "$TLS $ADDRS"
check "exim -bpc style count 101 > 100: sent" \
    '[ $rc = 0 ]' '[ $(mails tls) = 1 ]' 'body_exact tls "$tmp/input"' \
    'grep -q "queue 101$" "$tmp/check"'

em "$tmp/input" --queue-command "$Q150" --cacert "$tmp/cert.pem" --smtp "$REJECT $ADDRS"
check "server rejects RCPT with 554: exit 2, one line naming it" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' '[ $(errlines) = 1 ]' \
    'err_has "^spamgear: emergency-mail: $REJECT: .*554"'

em "$tmp/input" --queue-command "$Q150" --smtp "$BANNER $ADDRS"
check "server greets with 554: exit 2, one line naming it" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' '[ $(errlines) = 1 ]' \
    'err_has "^spamgear: emergency-mail: $BANNER: .*554"'

em "$tmp/input" --timeout 3 --queue-command "$Q150" --smtp "$SILENT $ADDRS"
check "silent server, --timeout 3: gives up in 3-6 s (took ${elapsed} ms)" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' '[ $(errlines) = 1 ]' \
    'err_has "^spamgear: emergency-mail: $SILENT: gave up after 3 s (timeout)"' \
    '[ $elapsed -ge 2900 ] && [ $elapsed -lt 6000 ]'
silent_ms=$elapsed

em "$tmp/input" --queue-command "$Q150" --smtp "$PLAIN $ADDRS"
check "STARTTLS required, server without TLS: not sent, exact message" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' '[ $(mails plain) = 0 ]' \
    'err_is "spamgear: emergency-mail: $PLAIN: STARTTLS required but not offered"'

em "$tmp/input" --queue-command "$Q150" --smtp "$PLAIN $ADDRS starttls=optional"
check "starttls=optional, server without TLS: sent in clear" \
    '[ $rc = 0 ]' '[ $(mails plain) = 1 ]' 'body_exact plain "$tmp/input"' \
    'env_has plain "tls no"'

em "$tmp/input" --queue-command "$Q150" --smtp "$TLS $ADDRS"
check "self-signed server without --cacert: verification stays on, not sent" \
    '[ $rc = 2 ]' '[ $(mails tls) = 0 ]' \
    'err_has "^spamgear: emergency-mail: $TLS: TLS certificate not trusted"'

em "$tmp/input" --queue-command "$Q150" --cacert "$tmp/cert.pem" \
    --smtp "$TLS $ADDRS user=alert password-file=$tmp/badpw"
check "wrong AUTH password: exit 2 naming the server and user" \
    '[ $rc = 2 ]' '[ $(mails tls) = 0 ]' \
    'err_is "spamgear: emergency-mail: $TLS: AUTH as alert refused (reply 535)"'

em "$tmp/input" --timeout 2 --queue-command "$Q150" --cacert "$tmp/cert.pem" \
    --smtp "$SILENT $ADDRS" --smtp "$REJECT $ADDRS" --smtp "$TLS $ADDRS"
check "three servers, two fail: the third still gets it, one line per failure" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' '[ $(errlines) = 2 ]' '[ $(mails tls) = 1 ]' \
    'body_exact tls "$tmp/input"' 'err_has "$SILENT: gave up"' 'err_has "$REJECT: "'

cat >"$tmp/two.conf" <<EOF
# two servers, repeatable key
emergency-smtp $TLS $ADDRS cacert=$tmp/cert.pem
emergency-threshold 10
emergency-smtp = $PLAIN from=alert@web1.example.org to=noc@example.net starttls=optional
emergency-queue-command $tmp/postqueue-j 11
emergency-timeout 5
EOF
rm -f "$tmp/srv/mail/"*
"$sg" -c "$tmp/two.conf" emergency-mail <"$tmp/input" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "config file: two emergency-smtp lines, threshold and queue command from it" \
    '[ $rc = 0 ]' 'cmp -s "$tmp/input" "$tmp/out"' '[ $(mails tls) = 1 ]' \
    '[ $(mails plain) = 1 ]' 'env_has plain "to noc@example.net"'

"$sg" -c "$tmp/two.conf" check-config --dump >"$tmp/out" 2>"$tmp/err"; rc=$?
check "check-config --dump lists both emergency-smtp lines with their line numbers" \
    '[ $rc = 0 ]' '[ $(grep -c "^emergency-smtp .*two.conf:[24]$" "$tmp/out") = 2 ]'

printf 'emergency-smtp %s from=alert@web1.example.org\n' "$TLS" >"$tmp/bad.conf"
"$sg" -c "$tmp/bad.conf" emergency-mail <"$tmp/input" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "bad emergency-smtp line: FILE:LINE error, exit 2, stdin still copied" \
    '[ $rc = 2 ]' 'cmp -s "$tmp/input" "$tmp/out"' \
    'err_is "spamgear: $tmp/bad.conf:1: emergency-smtp: needs from=ADDRESS and to=ADDRESS[,ADDRESS...]"'

em "$tmp/input" --queue-command "$Q150" --smtp "smtp://127.0.0.1 from=a"
check "bad --smtp: one line naming the option, exit 2, stdin still copied" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' \
    'err_is "spamgear: emergency-mail: --smtp: from: '"'"'a'"'"' is not a plain address"'

have_mta=
for d in /usr/sbin /usr/bin /sbin /bin; do
    for t in postqueue exim4 exim; do [ -x "$d/$t" ] && have_mta="$d/$t"; done
done
if [ -n "$have_mta" ]; then
    echo "ok $((pass + fail + 1)) # SKIP no queue tool: $have_mta is installed here"
    pass=$((pass + 1))
else
    rm -f "$tmp/srv/mail/"*
    PATH=/nonexistent "$sg" -c "$tmp/empty.conf" emergency-mail --cacert "$tmp/cert.pem" \
        --smtp "$TLS $ADDRS" <"$tmp/input" >"$tmp/out" 2>"$tmp/err"; rc=$?
    check "auto-detection, no postqueue/exim installed: clear message, exit 2, stdin copied" \
        '[ $rc = 2 ]' 'cmp -s "$tmp/input" "$tmp/out"' '[ $(mails tls) = 0 ]' \
        'err_is "spamgear: emergency-mail: no queue tool installed (looked for postqueue, exim4 and exim in PATH and /usr/sbin:/usr/bin:/sbin:/bin); set emergency-queue-command or use --queue-command"'
fi

em "$tmp/input" --queue-command "$tmp/queue-down" --smtp "$TLS $ADDRS"
check "queue command fails: names the command, its status and stderr" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' \
    'err_is "spamgear: emergency-mail: $tmp/queue-down: exited with status 1: postqueue: fatal: Queue report unavailable - mail system is down"'

em "$tmp/input" --queue-command "$tmp/mailq" --smtp "$TLS $ADDRS"
check "queue command prints mailq format, not JSON lines: refused, not miscounted" \
    '[ $rc = 2 ]' '[ $(mails tls) = 0 ]' \
    'err_has "^spamgear: emergency-mail: $tmp/mailq: line 1 is not a JSON object"'

em "$tmp/input" --timeout 2 --queue-command "$tmp/queue-hangs" --smtp "$TLS $ADDRS"
check "queue command hangs, --timeout 2: killed, clear message (took ${elapsed} ms)" \
    '[ $rc = 2 ]' '[ $elapsed -lt 5000 ]' \
    'err_is "spamgear: emergency-mail: $tmp/queue-hangs: no answer within 2 s"'

em "$tmp/input" --queue-command "queue-hangs" --smtp "$TLS $ADDRS"
check "relative --queue-command: refused (no shell, no PATH search)" \
    '[ $rc = 2 ]' '[ $copied = 1 ]' 'err_has "^spamgear: emergency-mail: --queue-command .*absolute path"'

head -c 2097152 /dev/urandom >"$tmp/big"
head -c 1048576 "$tmp/big" >"$tmp/big.head"
em "$tmp/big" --queue-command "$Q150" --cacert "$tmp/cert.pem" --smtp "$TLS $ADDRS"
check "2 MiB input: all of it on stdout, the first 1 MiB mailed and marked truncated" \
    '[ $rc = 0 ]' '[ $copied = 1 ]' '[ $(mails tls) = 1 ]' 'body_exact tls "$tmp/big.head"' \
    'grep -q "^X-Spamgear-Truncated: first 1048576 of 2097152 input bytes" "$tmp/check"' \
    'grep -q "queue 150 (truncated)$" "$tmp/check"'

echo "# silent server with --timeout 3 gave up after ${silent_ms} ms"
echo "emergency-mail: $pass passed, $fail failed"
[ "$fail" = 0 ]
