#!/bin/bash
# spamgear mail --disable: every action against the real tools (postmap from
# Debian's postfix package, usermod on a throw-away user) and captured ones
# (a fake sendmail and a command that record what they are given).
# Needs root for the lock test (skipped otherwise).  Prints "N passed, N failed".
set -u
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
sg="$top_builddir/spamgear"
export TZ=UTC LC_ALL=C

command -v postmap >/dev/null || PATH=$PATH:/usr/sbin
if ! command -v postmap >/dev/null; then
    echo "t/mail: postmap not found: install the Debian package postfix"
    exit 1
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/spamgear-mail.XXXXXX")
user=sgmail$$
cleanup() {
    id "$user" >/dev/null 2>&1 && userdel "$user" >/dev/null 2>&1
    rm -rf "$T"
}
trap cleanup EXIT

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
check() {   # check NAME CONDITION-COMMAND...
    local name=$1; shift
    if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

U="--until 2026-11-07T10:00:00Z"
L="Nov  7 09:%02d:10 mail postfix/smtpd[1]: Q%d: client=%s[%s], sasl_method=LOGIN, sasl_username=%s\n"
{
    printf "$L" 31 1 unknown 203.0.113.9 spammer@example.org
    printf "$L" 32 2 unknown 198.51.100.9 spammer@example.org
    printf "$L" 33 3 unknown 192.0.2.9 spammer@example.org
    printf "$L" 34 4 home.example.net 192.0.2.80 alice@example.org
    printf "$L" 35 5 home.example.net 192.0.2.80 alice@example.org
    printf "$L" 36 6 home.example.net 192.0.2.80 alice@example.org
} > "$T/mail.log"

cat > "$T/sendmail" <<'SH'
#!/bin/sh
# Fake sendmail: keeps its arguments and the message.
n=$(ls "$(dirname "$0")"/alert.* 2>/dev/null | wc -l)
{ echo "ARGS: $*"; cat; } > "$(dirname "$0")/alert.$n"
SH
cat > "$T/capture" <<'SH'
#!/bin/sh
# Captured command: one line per call, one argument per field.
for a in "$@"; do printf '[%s]' "$a"; done >> "$(dirname "$0")/captured"
echo >> "$(dirname "$0")/captured"
SH
chmod +x "$T/sendmail" "$T/capture"
map="$T/access"
printf '# the admin own entries stay as they are\nold@example.org\tREJECT\n' > "$map"
postmap "$map"

# 1. postfix-map: the spammer only, with the configured action, postmap run, one alert.
"$sg" mail postfix $U --max 2 --disable 2,2 --action postfix-map --map "$map" \
    --map-action 'FILTER relay:[secondary.example.org]' --expire 1hour \
    --alert-to admin@example.org --sendmail "$T/sendmail" "$T/mail.log" > "$T/out" 2> "$T/err"
rc=$?
check "postfix-map: exit 1 (found)" [ "$rc" = 1 ]
check "postfix-map: spammer tagged [DISABLED]" grep -q 'sasl_username=spammer@example.org \[DISABLED\]$' "$T/out"
check "postfix-map: the normal user is not tagged" grep -q 'sasl_username=alice@example.org$' "$T/out"
check "postfix-map: postmap -q finds the action" \
    [ "$(postmap -q spammer@example.org "$map")" = 'FILTER relay:[secondary.example.org]' ]
check "postfix-map: the admin's entry is still there" [ "$(postmap -q old@example.org "$map")" = REJECT ]
check "postfix-map: the previous map is kept" grep -q '^old@example.org' "$map.spamgear-prev"
check "postfix-map: the entry carries its expiry" grep -q '^# spamgear: added .* expires [0-9]*$' "$map"
check "postfix-map: one alert, to the admin, through sendmail -t -oi" \
    sh -c "[ \$(ls '$T'/alert.* | wc -l) = 1 ] && grep -q '^ARGS: -t -oi$' '$T/alert.0' && grep -q '^To: admin@example.org$' '$T/alert.0' && grep -q '^Subject: .*USER DISABLED.*spammer@example.org$' '$T/alert.0'"
check "postfix-map: nothing on stderr" [ ! -s "$T/err" ]
cp "$map" "$T/map.after1"
"$sg" mail postfix $U --max 2 --disable 2,2 --action postfix-map --map "$map" --alert-to '' \
    "$T/mail.log" > /dev/null 2>&1
check "postfix-map: a second run adds nothing twice" cmp -s "$map" "$T/map.after1"

# 2. expiry: an expired spamgear entry goes, the admin's line stays, postmap re-run.
printf '# spamgear: added 2020-01-01T00:00:00Z expires 1577840400\nexpired@example.org\tREJECT\n' >> "$map"
postmap "$map"
"$sg" mail postfix $U --max 50 --disable 2,2 --action postfix-map --map "$map" "$T/mail.log" \
    > /dev/null 2>&1
check "expiry: the expired entry is gone from the map" sh -c "! grep -q expired@ '$map'"
check "expiry: and from the database" sh -c "! postmap -q expired@example.org '$map'"
check "expiry: other entries stay" [ "$(postmap -q old@example.org "$map")" = REJECT ]

# 3. dry run: nothing changes, nothing is mailed.
rm -f "$T"/alert.*
cp "$map" "$T/map.before"
"$sg" mail postfix $U --max 2 --disable 2,2 --action postfix-map --map "$map" --dry-run \
    --map-action HOLD --sendmail "$T/sendmail" "$T/mail.log" > "$T/out" 2> "$T/err"
check "dry run: tagged [WOULD DISABLE]" grep -q 'spammer@example.org \[WOULD DISABLE\]$' "$T/out"
check "dry run: the map is unchanged" cmp -s "$map" "$T/map.before"
check "dry run: no alert" sh -c "! ls '$T'/alert.* >/dev/null 2>&1"
printf "$L" 40 7 unknown 203.0.113.77 other@example.org >> "$T/mail.log"

# 4. command: the account is one more argument, never shell text.
printf "$L" 41 8 unknown 203.0.113.78 '$(touch${IFS}pwned)' >> "$T/mail.log"
printf "$L" 42 9 unknown 198.51.100.78 '$(touch${IFS}pwned)' >> "$T/mail.log"
printf "$L" 43 10 unknown 192.0.2.78 '$(touch${IFS}pwned)' >> "$T/mail.log"
(cd "$T" && "$sg" mail postfix $U --max 2 --disable 2,2 --action command \
    --command "$T/capture --reason 'sent spam'" --alert-to '' mail.log > "$T/out" 2> "$T/err")
check "command: called once per account, argument by argument" \
    sh -c "grep -qxF '[--reason][sent spam][spammer@example.org]' '$T/captured' && grep -qxF '[--reason][sent spam][\$(touch\${IFS}pwned)]' '$T/captured' && [ \$(wc -l < '$T/captured') = 2 ]"
check "command: no shell ran the account name" [ ! -e "$T/pwned" ]

# 5. a failing tool: exit 2 and a line naming it; the report still comes.
"$sg" mail postfix $U --max 2 --disable 2,2 --action command --command /nonexistent/disable \
    --alert-to '' "$T/mail.log" > "$T/out" 2> "$T/err"
rc=$?
check "failure: exit 2" [ "$rc" = 2 ]
check "failure: tagged [DISABLE FAILED]" grep -q 'spammer@example.org \[DISABLE FAILED\]$' "$T/out"
check "failure: stderr names the program" grep -q '^spamgear: mail: cannot run /nonexistent/disable' "$T/err"
"$sg" mail postfix $U --disable 2 "$T/mail.log" > /dev/null 2> "$T/err"
check "usage: --disable without UNKNOWNS is refused" grep -q "^spamgear: mail: --disable wants NETS,UNKNOWNS: '2'" "$T/err"

# 6. lock: a real local account, locked the way usermod -L does it.
if [ "$(id -u)" = 0 ] && command -v useradd >/dev/null; then
    useradd -M "$user" && echo "$user:secret" | chpasswd
    for i in 1 2 3; do printf "$L" 5$i 2$i unknown 203.0.11$i.5 "$user"; done > "$T/lock.log"
    "$sg" mail postfix $U --max 2 --disable 2,2 --action lock --alert-to '' "$T/lock.log" \
        > "$T/out" 2> "$T/err"
    check "lock: tagged [DISABLED]" grep -q "sasl_username=$user \[DISABLED\]$" "$T/out"
    check "lock: the account is locked" [ "$(passwd -S "$user" | awk '{print $2}')" = L ]
else
    echo "ok - lock: skipped (needs root and useradd)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
