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
    [ -n "${KEEP:-}" ] && { echo "kept $T"; return; }
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
rm -f "$T"/alert.*
"$sg" mail postfix $U --max 2 --disable 2,2 --action command --command /nonexistent/disable \
    --alert-to admin@example.org --sendmail "$T/sendmail" "$T/mail.log" > "$T/out" 2> "$T/err"
check "failure: an alert still goes out, saying the account was NOT disabled and why" \
    sh -c "grep -q '^Subject: .*USER NOT DISABLED.*spammer@example.org$' '$T'/alert.* && grep -q 'could NOT disable spammer@example.org .*/nonexistent/disable' '$T'/alert.* && grep -q '^Disable the account by hand' '$T'/alert.*"

# 5b. one entry the map cannot hold ('#' starts a comment in a Postfix map)
# never keeps the others out
cp "$T/mail.log" "$T/hash.log"
for i in 1 2 3; do printf "$L" 4$i 3$i unknown 203.0.11$i.6 '#hash@example.org'; done >> "$T/hash.log"
rm -f "$T"/alert.*
printf 'old@example.org\tREJECT\n' > "$T/access2" && postmap "$T/access2"
"$sg" mail postfix $U --max 2 --disable 2,2 --action postfix-map --map "$T/access2" \
    --alert-to admin@example.org --sendmail "$T/sendmail" "$T/hash.log" > "$T/out" 2> "$T/err"
rc=$?
check "refused map key: exit 2" [ "$rc" = 2 ]
check "refused map key: the spammer is in the map all the same" [ "$(postmap -q spammer@example.org "$T/access2")" = REJECT ]
check "refused map key: stderr names the key, the map keeps no line of it" \
    sh -c "grep -q \"^spamgear: mail: $T/access2: '#hash@example.org' not a key Postfix can hold\" '$T/err' && ! grep -q hash '$T/access2'"
check "refused map key: tagged [DISABLE FAILED], the spammer [DISABLED]" \
    sh -c "grep -q '#hash@example.org \[DISABLE FAILED\]$' '$T/out' && grep -q 'spammer@example.org \[DISABLED\]$' '$T/out'"
check "refused map key: its alert says USER NOT DISABLED, the spammer's USER DISABLED" \
    sh -c "grep -l '^Subject: .*USER NOT DISABLED.*#hash@example.org$' '$T'/alert.* >/dev/null && grep -l '^Subject: .*\[USER DISABLED\].*spammer@example.org$' '$T'/alert.* >/dev/null"
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


# 7. incremental runs (--state) across rotations, plain and gzip, give the same
#    totals as one run over the concatenated logs; a corrupt state is rebuilt.
python3 - "$T/all.log" <<'PY'
import sys, random
r = random.Random(5)
with open(sys.argv[1], "w") as f:
    for i in range(3000):
        m, s = divmod(i * 2, 60)          # 09:00:00 .. 10:39:58
        u = "spam%d" % r.randrange(3) if r.random() < 0.4 else "user%d" % r.randrange(40)
        ip = "%d.%d.%d.%d" % (r.randrange(1, 224), r.randrange(256), r.randrange(256), r.randrange(1, 255))
        f.write("Nov  7 %02d:%02d:%02d mail postfix/smtpd[1]: Q%d: client=unknown[%s], "
                "sasl_method=LOGIN, sasl_username=%s\n" % (9 + m // 60, m % 60, s, i, ip, u))
PY
inc="$T/inc"; mkdir -p "$inc"
UNTIL="--until 2026-11-07T10:40:00Z --period 1hour --max 1 --json --all"
"$sg" mail postfix $UNTIL "$T/all.log" > "$T/whole.json"
sed -n '1,700p' "$T/all.log" > "$inc/mail.log"
"$sg" mail postfix $UNTIL --state "$inc/state" "$inc/mail.log" > /dev/null
sed -n '701,1200p' "$T/all.log" >> "$inc/mail.log"
partial='Nov  7 10:39:59 mail postfix/smtpd[1]: QP: client=unknown[203.0.113.1], sasl_me'
printf '%s' "$partial" >> "$inc/mail.log"   # a line being written while we read
"$sg" mail postfix $UNTIL --state "$inc/state" "$inc/mail.log" > /dev/null
truncate -s -${#partial} "$inc/mail.log"    # it never counted; drop it again
mv "$inc/mail.log" "$inc/mail.log.1"; sed -n '1201,1900p' "$T/all.log" > "$inc/mail.log"
"$sg" mail postfix $UNTIL --state "$inc/state" "$inc/mail.log" > /dev/null
sed -n '1901,2300p' "$T/all.log" >> "$inc/mail.log"   # written after that run, then rotated
gzip -c "$inc/mail.log.1" > "$inc/mail.log.2.gz"; rm "$inc/mail.log.1"
gzip -c "$inc/mail.log" > "$inc/mail.log.1.gz"; rm "$inc/mail.log"
sed -n '2301,3000p' "$T/all.log" > "$inc/mail.log"
"$sg" mail postfix $UNTIL --state "$inc/state" "$inc/mail.log" > "$T/inc.json" 2> "$T/err.inc"
python3 - "$T/whole.json" "$T/inc.json" <<'PY'
import json, sys
a = {x["account"]: (x["count"], x["ips"], x["first"]) for x in json.load(open(sys.argv[1]))["accounts"]}
b = {x["account"]: (x["count"], x["ips"], x["first"]) for x in json.load(open(sys.argv[2]))["accounts"]}
sys.exit(0 if a == b and len(a) > 10 else 1)
PY
check "state: incremental runs across plain and gzip rotation equal one whole run" [ $? = 0 ]
check "state: nothing said on stderr" [ ! -s "$T/err.inc" ]
echo '{"version": 1, "logs": ' > "$inc/state/mail-postfix.state"
"$sg" mail postfix $UNTIL --state "$inc/state" "$inc/mail.log" > /dev/null 2> "$T/err"
check "state: a corrupt state is said and rebuilt" grep -q "mail-postfix.state is corrupt" "$T/err"
check "state: and written anew" python3 -c "import json,sys; json.load(open(sys.argv[1]))" "$inc/state/mail-postfix.state"

# ------------------------------------------------------------ seek to the window
# A 10-hour log of ~5 MB (the seek bisects down to 64 KB, ~6 minutes here): the
# window is its last hour.  late@ sends 50 in the window, early@ 300 in hour 2,
# background users one each now and then.  The seek must pass over most of
# the file and count exactly what reading it all counts.
seek=$T/seek; mkdir -p "$seek"
python3 - "$seek/mail.log" <<'PY'
import sys, time
end = 1794045600                      # 2026-11-07T10:00:00Z
start = end - 10 * 3600
rows = []
for i in range(40000):                # background, in time order
    rows.append((start + i * 36000 // 40000, "user%d@example.org" % (i % 997), "198.51.100.%d" % (i % 250)))
for i in range(300):
    rows.append((start + 3600 + i * 10, "early@example.org", "203.0.113.%d" % (i % 200)))
for i in range(50):
    rows.append((end - 3540 + i * 60, "late@example.org", "192.0.2.%d" % i))
rows.sort()
with open(sys.argv[1], "w") as f:
    for n, (t, who, ip) in enumerate(rows):
        f.write("%s mail postfix/submission/smtpd[%d]: Q%X: client=unknown[%s], sasl_method=PLAIN, sasl_username=%s\n"
                % (time.strftime("%b %e %H:%M:%S", time.gmtime(t)), 1000 + n % 5000, n, ip, who))
PY
SEEK="--until 2026-11-07T10:00:00Z --period 1hour --max 1 --json --all"
"$sg" mail postfix $SEEK "$seek/mail.log" > "$seek/seek.json"
"$sg" mail postfix $SEEK --read-all "$seek/mail.log" > "$seek/all.json"
python3 - "$seek/seek.json" "$seek/all.json" <<'PY'
import json, sys
s, a = (json.load(open(f)) for f in sys.argv[1:3])
acc = lambda d: sorted((x["kind"], x["account"], x["count"], x["ips"], x["first"]) for x in d["accounts"])
late = [x["count"] for x in s["accounts"] if x["account"] == "late@example.org"]
early = [x for x in s["accounts"] if x["account"] == "early@example.org"]
ok = (acc(s) == acc(a) and late == [50] and not early and len(acc(s)) > 100
      and a["read"]["seeked"] == 0 and s["read"]["bytes"] == a["read"]["bytes"]
      and s["read"]["seeked"] > 0.75 * s["read"]["bytes"])
print("#   seeked %d of %d bytes" % (s["read"]["seeked"], s["read"]["bytes"]))
sys.exit(0 if ok else 1)
PY
check "seek: an hour's window at the end of a 10-hour log reads ~the last hour, same counts as --read-all" [ $? = 0 ]
# Lines out of order within the slack (15 min) before the window are still found.
python3 - "$seek/mail.log" "$seek/late.log" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines(True)
late = [l for l in lines if "late@" in l][:3]
rest = [l for l in lines if l not in late]
# The first three late@ lines (stamped 09:01..09:03) go among the 08:48 ones:
# 13 to 15 minutes out of order, within the slack.
at = next(i for i, l in enumerate(rest) if l.startswith("Nov  7 08:48:"))
open(sys.argv[2], "w").writelines(rest[:at] + late + rest[at:])
PY
"$sg" mail postfix $SEEK "$seek/late.log" > "$seek/late.json"
check "seek: lines up to the slack out of order are still counted" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if [x["count"] for x in d["accounts"] if x["account"] == "late@example.org"] == [50] else 1)' "$seek/late.json"
# Standard input and gzip are read whole (no seek), with the same counts.
gzip -c "$seek/mail.log" > "$seek/mail.log.1.gz"
"$sg" mail postfix $SEEK "$seek/mail.log.1.gz" > "$seek/gz.json"
"$sg" mail postfix $SEEK - < "$seek/mail.log" > "$seek/stdin.json"
check "seek: gzip and stdin are read whole, same accounts" python3 -c '
import json, sys
d = [json.load(open(f)) for f in sys.argv[1:]]
acc = lambda x: sorted((a["kind"], a["account"], a["count"]) for a in x["accounts"])
sys.exit(0 if all(acc(x) == acc(d[0]) and x["read"]["seeked"] == 0 for x in d[1:]) and d[1]["read"]["bytes"] == d[0]["read"]["bytes"] else 1)' \
    "$seek/all.json" "$seek/gz.json" "$seek/stdin.json"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
