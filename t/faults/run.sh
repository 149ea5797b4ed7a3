#!/bin/bash
# Fault and race tests (issue 8): failures injected with strace into the
# system calls that write spamgear's state, update and quarantine files, and
# kills (SIGKILL) between the steps; then a check that what is on disk is the
# old version or the complete new one, never a mix, and that the next run
# makes up for it.  Then symlink and swap attacks by an unprivileged user
# (nobody) against scan, quarantine, clean, notify and restore, with the
# window held open by strace (a delay injected into one system call).
# Needs root (tmpfs mount, chown, setpriv), strace, python3 and openssl;
# sections that cannot run say so and are skipped.  Everything goes under one
# mktemp -d directory, removed on exit.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
export TZ=UTC LC_ALL=C

die() { echo "t/faults/run.sh: $*" >&2; exit 99; }
[ -x "$sg" ] || die "$sg not built: run make first"
STRACE=${STRACE:-$(command -v strace || echo /usr/bin/strace)}
[ -x "$STRACE" ] || die "strace is missing: apt-get install strace"
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || die "python3 is missing: apt-get install python3"

tmp=$(mktemp -d) || die "mktemp -d failed"
chmod 0755 "$tmp"
server_pid=
mounted=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    [ -n "$mounted" ] && umount "$mounted" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

. "$srcdir/t/tap.sh"
rc=0
show_failure() {
    echo "#   rc=$rc; stdout:"; sed 's/^/#     /' "$tmp/out" 2>/dev/null | head -n 20
    echo "#   stderr:"; sed 's/^/#     /' "$tmp/err" 2>/dev/null | head -n 20
}
skip() { ok "# SKIP $1"; }
# LeakSanitizer cannot run under ptrace: off for traced runs of a sanitizer build.
strace_run() { ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" "$STRACE" "$@"; }
is_root() { [ "$(id -u)" = 0 ]; }
one_line() { [ "$(wc -l < "$tmp/err")" = 1 ] && grep -qE -- "$1" "$tmp/err"; }

# ================================================================== 1. mail --state
# The log in three parts; after each injected failure or kill in the second
# run, a third run must report exactly what one run over the whole log does.
"$py" - "$tmp/all.log" <<'PY'
import sys, random
r = random.Random(8)
with open(sys.argv[1], "w") as f:
    for i in range(90):
        u = "spam%d" % r.randrange(2) if r.random() < 0.5 else "user%d" % r.randrange(6)
        ip = "%d.%d.%d.%d" % (r.randrange(1, 224), r.randrange(256), r.randrange(256), r.randrange(1, 255))
        f.write("Nov  7 10:%02d:%02d mail postfix/smtpd[1]: Q%d: client=unknown[%s], "
                "sasl_method=LOGIN, sasl_username=%s\n" % (i // 3, (i % 3) * 20, i, ip, u))
PY
M="postfix --until 2026-11-07T10:40:00Z --period 1hour --max 1 --json --all"
"$sg" mail $M "$tmp/all.log" > "$tmp/whole.json"; [ $? = 1 ] || die "mail over the whole log failed"
same_totals() {
    "$py" - "$tmp/whole.json" "$1" <<'PY'
import json, sys
def load(p):
    return {x["account"]: (x["count"], x["ips"], x["first"]) for x in json.load(open(p))["accounts"]}
a, b = load(sys.argv[1]), load(sys.argv[2])
sys.exit(0 if a == b and len(a) > 3 else 1)
PY
}
sd=$tmp/mstate/st
log=$tmp/mstate/mail.log
# state_case WHAT INJECTION: run 1 over part 1; run 2 over parts 1-2 with
# INJECTION; run 3 over parts 1-3, whose totals must equal the whole run's.
state_case() {
    local what=$1 inj=$2
    rm -rf "$tmp/mstate"; mkdir -p "$sd"
    sed -n '1,30p' "$tmp/all.log" > "$log"
    "$sg" mail $M --state "$sd" "$log" > /dev/null 2>&1
    (cd "$sd" && for f in *; do sha256sum "$f"; done) > "$tmp/state.before"
    sed -n '31,60p' "$tmp/all.log" >> "$log"
    strace_run -f -o /dev/null -e inject="$inj" "$sg" mail $M --state "$sd" "$log" \
        > "$tmp/out" 2> "$tmp/err"
    rc=$?
    (cd "$sd" && for f in *; do sha256sum "$f"; done) > "$tmp/state.after"
    sed -n '61,90p' "$tmp/all.log" >> "$log"
    "$sg" mail $M --state "$sd" "$log" > "$tmp/third.json" 2> "$tmp/err3"
    rc3=$?
}
# state_is_old_or_new: after the failed run the state file is byte for byte
# the old one, or a complete new one (valid JSON naming a lines file that exists).
state_is_old_or_new() {
    local now
    now=$(grep ' mail-postfix.state$' "$tmp/state.after")
    [ -n "$now" ] || return 1
    [ "$now" = "$(grep ' mail-postfix.state$' "$tmp/state.before")" ] && return 0
    "$py" -c 'import json,sys,os; d=json.load(open(sys.argv[1])); sys.exit(0 if os.path.isfile(os.path.join(sys.argv[2], d["lines"])) else 1)' \
        "$sd/mail-postfix.state" "$sd"
}
leftovers_gone() { [ -z "$(ls "$sd" | grep -v -x -e mail-postfix.state -e 'mail-postfix\.lines\.[0-9]*')" ] &&
                   [ "$(ls "$sd" | grep -c '^mail-postfix\.lines')" = 1 ]; }
for inj in write:error=ENOSPC:when=1 write:error=ENOSPC:when=2 write:error=ENOSPC:when=3 \
           write:error=EIO:when=2 write:error=EIO:when=3 fsync:error=EIO:when=1 \
           fsync:error=EIO:when=2 rename:error=EIO:when=1 fsync:error=EIO:when=3; do
    state_case error "$inj"
    check "mail --state, $inj: exit 2, one line naming the file and the reason" \
        '[ $rc = 2 ]' \
        "one_line '^spamgear: mail: $sd(/mail-postfix\\.[a-z0-9.]+)?: cannot write the state: (No space left on device|Input/output error)\$'"
    check "mail --state, $inj: the old state intact or the new one complete; the next run counts every line once" \
        state_is_old_or_new '[ $rc3 = 1 ]' 'same_totals "$tmp/third.json"' '[ ! -s "$tmp/err3" ]' leftovers_gone
done
for inj in write:when=1 write:when=2 write:when=3 fsync:when=1 fsync:when=2 rename:when=1 fsync:when=3 \
           unlink:when=1; do
    state_case kill "$inj:signal=KILL"
    check "mail --state killed at $inj: the old state intact or the new one complete; the next run counts every line once" \
        '[ $rc = 137 ] || [ $rc = 1 ]' state_is_old_or_new '[ $rc3 = 1 ]' 'same_totals "$tmp/third.json"' \
        '[ ! -s "$tmp/err3" ]' leftovers_gone
done

# ================================================================== 2. update
# The installed set at v1; an update to v2 with a failure injected into the
# writes, fsyncs and renames, or a kill at each of them.  After each, the
# installed tree is byte for byte v1 or v2, and a rerun installs v2.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" > "$tmp/openssl.log" 2>&1 ||
    die "openssl req failed: $(tail -n 1 "$tmp/openssl.log")"
www=$tmp/www
mkset() {   # mkset NAME FILE=TEXT...: a signature set and its SHA256SUMS
    local d=$www/$1 kv
    shift
    mkdir -p "$d"
    for kv in "$@"; do printf '%s\n' "${kv#*=}" > "$d/${kv%%=*}"; done
    (cd "$d" && sha256sum -- * > SHA256SUMS)
}
mkset v1 a.sig="rule a v1" b.sig="rule b v1" c.sig="rule c v1"
mkset v2 a.sig="rule a v1" b.sig="rule b v2" d.sig="rule d v2" e.sig="rule e v2"
mkdir -p "$tmp/srv"
"$py" "$srcdir/t/update/server.py" "$www" "$tmp/cert.pem" "$tmp/key.pem" "$tmp/srv" > "$tmp/srv.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
    [ -f "$tmp/srv/ports" ] && break
    kill -0 "$server_pid" 2>/dev/null || die "test HTTPS server died: $(tail -n 3 "$tmp/srv.log")"
    sleep 0.1
done
[ -f "$tmp/srv/ports" ] || die "test HTTPS server did not start within 10 s"
U=https://127.0.0.1:$(awk '$1 == "https" { print $2 }' "$tmp/srv/ports")
: > "$tmp/empty.conf"
etc=$tmp/etc
inst=$etc/signatures
tree_sum() {   # names, types, modes and contents of a tree
    [ -d "$1" ] || { echo none; return; }
    (cd "$1" && find . -printf '%y %m %p\n' | sort &&
     find . -type f -print0 | sort -z | xargs -0 -r sha256sum) | sha256sum | cut -c1-64
}
up() { "$sg" -c "$tmp/empty.conf" update --cacert "$tmp/cert.pem" --dir "$inst" "$@"; }
rm -rf "$etc"; mkdir -p "$etc"
up --source "$U/v1/SHA256SUMS" > /dev/null 2>&1 || die "update: installing v1 failed"
sum_v1=$(tree_sum "$inst")
cp -a "$inst" "$tmp/inst-v1"
up --source "$U/v2/SHA256SUMS" > /dev/null 2>&1 || die "update: installing v2 failed"
sum_v2=$(tree_sum "$inst")
[ "$sum_v1" != "$sum_v2" ] || die "update: v1 and v2 have the same tree"
# update_case INJECTION: from v1, the update to v2 with INJECTION, then a rerun.
update_case() {
    rm -rf "$etc"; mkdir -p "$etc"; cp -a "$tmp/inst-v1" "$inst"
    strace_run -f -o /dev/null -e inject="$1" "$sg" -c "$tmp/empty.conf" update \
        --cacert "$tmp/cert.pem" --dir "$inst" --source "$U/v2/SHA256SUMS" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    after=$(tree_sum "$inst")
    up --source "$U/v2/SHA256SUMS" > "$tmp/out2" 2> "$tmp/err2"
    rc2=$?
}
# said_right: v2 in place is said ("installed, but") with the changes on
# stdout; v1 still in place prints no change.
said_right() {
    if [ "$after" = "$sum_v2" ]; then
        grep -q '^spamgear: update: installed, but' "$tmp/err" && [ "$(wc -l < "$tmp/out")" = 4 ]
    else
        [ ! -s "$tmp/out" ]
    fi
}
old_or_new() { [ "$after" = "$sum_v1" ] || [ "$after" = "$sum_v2" ]; }
rerun_ok() { [ $rc2 = 0 ] && [ "$(tree_sum "$inst")" = "$sum_v2" ] && [ ! -s "$tmp/err2" ] &&
             ! ls -d "$etc"/*.new-* > /dev/null 2>&1; }
for inj in write:error=ENOSPC:when=1 write:error=EIO:when=2 write:error=ENOSPC:when=3 \
           write:error=ENOSPC:when=5 write:error=EIO:when=5 \
           fsync:error=EIO:when=2 fsync:error=EIO:when=5 fsync:error=EIO:when=6 \
           fsync:error=EIO:when=7 renameat2:error=EIO:when=1 rename:error=EIO:when=1; do
    update_case "$inj"
    check "update, $inj: exit 2, one line; the installed set is v1 or v2, never a mix; a rerun installs v2" \
        '[ $rc = 2 ]' "one_line '^spamgear: update: .*(writing the file|cannot write|cannot install|installed, but .*): (No space left on device|Input/output error)\$'" \
        old_or_new said_right rerun_ok
done
for inj in write:when=1 write:when=5 fsync:when=5 fsync:when=6 renameat2:when=1 \
           rename:when=1 fsync:when=7; do
    update_case "$inj:signal=KILL"
    check "update killed at $inj: the installed set is v1 or v2, never a mix; a rerun installs v2" \
        '[ $rc = 137 ]' old_or_new rerun_ok
done

# ================================================================== 3. quarantine across file systems
# The quarantine on a tmpfs, the web tree on the test's file system: a rename
# cannot move the file (EXDEV), so it is copied, synced and read back before
# the original is unlinked.  Failures and kills during the copy leave the file
# in place, or complete in the quarantine with its record; never neither.
sigs=$tmp/sigs
mkdir -p "$sigs"
cp "$srcdir/conf/signatures/php-backdoors.sigs" "$sigs/"
qfs=$tmp/qfs
q=$qfs/q
www=$tmp/web/site
mkdir -p "$www" "$qfs"
plant() {   # plant TEXT: a web shell owned by nobody, with its sum and metadata kept
    { printf '<?php @eval($_POST["x"]); /* %s */\n' "$1"; head -c 20000 /dev/zero | tr '\0' '#'; echo; } \
        > "$www/shell.php"
    chown nobody:nogroup "$www/shell.php"
    chmod 0640 "$www/shell.php"
    stat -c '%u:%g %a %Y %s' "$www/shell.php" > "$tmp/meta"
    sha256sum < "$www/shell.php" > "$tmp/sum"
}
intact() { [ "$(stat -c '%u:%g %a %Y %s' "$www/shell.php" 2>/dev/null)" = "$(cat "$tmp/meta")" ] &&
           [ "$(sha256sum < "$www/shell.php")" = "$(cat "$tmp/sum")" ]; }
entries() { ls "$q" 2>/dev/null | sed -n 's/\.rec$//p'; }
consistent() {   # every .data has its .rec and the other way round, no temp file
    local f
    for f in "$q"/*; do
        [ -e "$f" ] || continue
        case $f in
            *.rec) [ -f "${f%.rec}.data" ] || return 1 ;;
            *.data) [ -f "${f%.data}.rec" ] || return 1 ;;
            *) return 1 ;;
        esac
    done
}
complete() {   # exactly one entry, the whole file, its record naming it
    local id
    id=$(entries)
    [ -n "$id" ] && [ "$(echo "$id" | wc -l)" = 1 ] && consistent &&
        [ "$(sha256sum < "$q/$id.data")" = "$(cat "$tmp/sum")" ] &&
        grep -qx "path $www/shell.php" "$q/$id.rec" && grep -qx "sha256 $(cut -d' ' -f1 "$tmp/sum")" "$q/$id.rec"
}
qscan() { "$sg" scan --quiet -j 1 --clamav off --signatures "$sigs" --quarantine="$q" "$@"; }
if ! is_root; then
    skip "quarantine across file systems: needs root to mount a tmpfs"
elif ! mount -t tmpfs -o size=1m,mode=0700 sgq "$qfs" 2>"$tmp/err"; then
    skip "quarantine across file systems: cannot mount a tmpfs: $(cat "$tmp/err")"
else
    mounted=$qfs
    [ "$(stat -c %d "$qfs")" != "$(stat -c %d "$www")" ] || die "the tmpfs has the web tree's device"
    plant xdev
    strace_run -o "$tmp/trace" -e trace=openat,write,fsync,renameat,renameat2,unlinkat,read \
        "$sg" scan --quiet -j 1 --clamav off --signatures "$sigs" --quarantine="$q" "$www/shell.php" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    id=$(entries)
    # In the trace: the copy's fsync, then its reading back, then the unlink of the original.
    order_ok() {
        local fs rb ul
        fs=$(grep -n "^fsync" "$tmp/trace" | head -n 1 | cut -d: -f1)
        rb=$(grep -n "openat([0-9]*, \"$id.data\", O_RDONLY" "$tmp/trace" | tail -n 1 | cut -d: -f1)
        ul=$(grep -n 'unlinkat([0-9]*, "shell.php", 0) *= 0' "$tmp/trace" | cut -d: -f1)
        [ -n "$fs" ] && [ -n "$rb" ] && [ -n "$ul" ] && [ "$fs" -lt "$rb" ] && [ "$rb" -lt "$ul" ]
    }
    check "quarantine onto a tmpfs: copied, synced and read back before the original is unlinked" \
        '[ $rc = 1 ]' '[ ! -e "$www/shell.php" ]' complete order_ok 'grep -q "\[QUARANTINED\]$" "$tmp/out"'
    "$sg" quarantine --dir "$q" restore "$id" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    check "restore from the tmpfs: content, owner, mode and mtime back; the entry gone" \
        '[ $rc = 0 ]' intact '[ -z "$(ls -A "$q")" ]'

    # write #1 is the copy, #2 the record; fsync #1 the copy, #2 the record, #3 the directory.
    for inj in write:error=ENOSPC:when=1 write:error=EIO:when=1 write:error=ENOSPC:when=2 \
               fsync:error=EIO:when=1 fsync:error=EIO:when=2 fsync:error=EIO:when=3; do
        rm -rf "$q"; plant "$inj"
        strace_run -f -o /dev/null -e inject="$inj" "$sg" scan --quiet -j 1 --clamav off --signatures "$sigs" \
            --quarantine="$q" "$www/shell.php" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        check "quarantine onto a tmpfs, $inj: the file intact, no entry, one line why" \
            '[ $rc = 1 ]' intact '[ -z "$(ls -A "$q")" ]' '! grep -q QUARANTINED "$tmp/out"' \
            "one_line '^spamgear: $www/shell.php: quarantine: .*(No space left on device|Input/output error)\$'"
    done
    for inj in write:when=1 write:when=2 fsync:when=1 fsync:when=2 renameat:when=1 renameat:when=2 \
               unlinkat:when=1 fsync:when=4; do
        rm -rf "$q"; plant "kill $inj"
        strace_run -f -o /dev/null -e inject="$inj:signal=KILL" "$sg" scan --quiet -j 1 --clamav off \
            --signatures "$sigs" --quarantine="$q" "$www/shell.php" > /dev/null 2>&1
        rc=$?
        check "quarantine onto a tmpfs killed at $inj: the file in place or complete in the quarantine" \
            '[ $rc = 137 ]' '{ intact && [ -z "$(entries)" ]; } || complete'
    done
    # A real full disk: a 64 KiB tmpfs, a 100 KB file.
    umount "$qfs" && mount -t tmpfs -o size=64k,mode=0700 sgq "$qfs" || die "cannot remount the tmpfs"
    rm -rf "$q"; plant full
    head -c 100000 /dev/urandom | base64 >> "$www/shell.php"
    stat -c '%u:%g %a %Y %s' "$www/shell.php" > "$tmp/meta"; sha256sum < "$www/shell.php" > "$tmp/sum"
    qscan "$www/shell.php" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    check "quarantine onto a full tmpfs: the file intact, nothing left in the quarantine" \
        '[ $rc = 1 ]' intact '[ -z "$(ls -A "$q")" ]' \
        "one_line '^spamgear: $www/shell.php: quarantine: cannot write the copy in $q: No space left on device\$'"
    # --clean across file systems: the original kept in the quarantine first.
    rm -rf "$q"
    printf '<?php @eval($_POST["x"]); ?><?php echo "hello"; ?>\n' > "$www/index.php"
    sum=$(sha256sum < "$www/index.php")
    for inj in write:error=ENOSPC:when=2 renameat:error=EIO:when=3; do
        strace_run -f -o /dev/null -e inject="$inj" "$sg" scan --quiet -j 1 --clamav off --signatures "$sigs" \
            --clean --quarantine="$q" "$www/index.php" > "$tmp/out" 2> "$tmp/err"
        rc=$?
        check "scan --clean onto a tmpfs, $inj: the original in place, no entry" \
            '[ $rc = 1 ]' '[ "$(sha256sum < "$www/index.php")" = "$sum" ]' '[ -z "$(ls -A "$q")" ]' \
            '[ "$(ls -A "$www" | grep -c index)" = 1 ]'
    done
    rm -f "$www/index.php"
    umount "$qfs"; mounted=
fi

# ================================================================== 4. symlink and swap attacks
# The attacker is nobody, owner of $site (a user's web directory) below a
# root-owned tree.  The secret is a root-only directory holding a file that
# would match a signature (so that reading it would show).  The window between
# two steps of spamgear is held open by strace: a delay injected into one
# system call on the victim's path (-P), printed when it starts; the attacker
# swaps meanwhile, then spamgear goes on.  Afterwards nothing of the secret may
# show in the output, the quarantine or the mail, and the secret is unchanged.
R=$tmp/race
site=$R/www/site
secret=$R/secret
token=TOPSECRET-$$-$RANDOM
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
race_plant() {   # a fresh tree: site/up/shell.php and other/other.php by nobody, the secret by root
    rm -rf "$R" "$q"
    mkdir -p "$site/up" "$secret/up" "$R/www/other"
    chmod 0755 "$R" "$R/www"; chmod 0700 "$secret"
    printf '<?php @eval($_POST["x"]); /* planted */\n' > "$site/up/shell.php"
    printf '<?php @eval($_POST["y"]); /* other */\n' > "$R/www/other/other.php"
    printf '<?php /* %s */ // FilesMan\n' "$token" | tee "$secret/shell.php" > "$secret/up/shell.php"
    chown -R nobody:nogroup "$site" "$R/www/other"
    (cd "$secret" && find . -type f -print0 | sort -z | xargs -0 sha256sum) > "$tmp/secret.sum"
    secret_sha=$(sha256sum < "$secret/shell.php" | cut -d' ' -f1)
    planted_sha=$(sha256sum < "$site/up/shell.php" | cut -d' ' -f1)
}
# swap_up: what the attacker does in the window: up/ becomes a symlink to the secret.
swap_up() { as_nobody sh -c 'mv "$1/up" "$1/up.old" && ln -s "$2" "$1/up"' sh "$site" "$secret"; }
# raced SWAP STRACE-ARGS -- SPAMGEAR-ARGS: spamgear under strace; SWAP runs as
# soon as the delayed call starts (the NTH traced call, 1 unless set: strace
# prints a call's start before its delay); sets rc, out, err.
raced() {
    local swap=$1 sargs=() i
    shift
    while [ "$1" != -- ]; do sargs+=("$1"); shift; done
    shift
    : > "$tmp/trace"
    strace_run -o "$tmp/trace" "${sargs[@]}" "$sg" "$@" > "$tmp/out" 2> "$tmp/err" &
    local pid=$!
    for i in $(seq 1 3000); do   # up to 30 s: a loaded machine starts slowly
        [ "$(grep -c '' "$tmp/trace")" -ge "${NTH:-1}" ] && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.01
    done
    swapped=no
    [ "$(grep -c '' "$tmp/trace")" -ge "${NTH:-1}" ] && $swap && swapped=yes
    wait "$pid"
    rc=$?
}
secret_safe() {   # the secret unchanged and none of it in the output, the quarantine or the mails
    (cd "$secret" && find . -type f -print0 | sort -z | xargs -0 sha256sum) | cmp -s - "$tmp/secret.sum" &&
        [ "$(find "$secret" | wc -l)" = 4 ] &&
        ! grep -rqs -e "$token" -e "$secret_sha" -e FilesMan -e "$secret" "$tmp/out" "$tmp/err" "$q" "$tmp/mails"
}
D=(-e trace=openat -e inject=openat:delay_enter=1500000:when=1)
S=(scan -j 1 --clamav off --signatures "$sigs" --json)
if ! is_root; then
    skip "symlink and swap attacks: need root (a root-only secret, an attacker run as nobody)"
elif ! command -v setpriv > /dev/null; then
    skip "symlink and swap attacks: setpriv is missing (util-linux)"
else
    # A. between the directory walk and the open of the file it listed: the
    # open of that file delayed, or (A2) that of its directory up/ (the walk's
    # is call 1, the one for the file call 2).
    planted_or_refused() {
        grep -q "\"path\":\"$site/up/shell.php\".*\"sha256\":\"$planted_sha\"" "$tmp/out" ||
            grep -q "^spamgear: $site/up/shell.php: .*'up' is a symlink" "$tmp/err"
    }
    race_plant
    raced swap_up "${D[@]}" -P "$site/up/shell.php" -P "$site/up" -- "${S[@]}" "$R/www"
    check "scan: up/ swapped for a symlink to a secret directory as the file is opened: not followed, the scan goes on" \
        '[ $swapped = yes ]' '[ $rc = 1 ]' secret_safe planted_or_refused \
        'grep -q "\"path\":\"$R/www/other/other.php\"" "$tmp/out"'
    race_plant
    NTH=2 raced swap_up -e trace=openat -e inject=openat:delay_enter=1500000:when=2 -P "$site" -- "${S[@]}" "$R/www"
    check "scan: up/ swapped for a symlink to a secret directory after the walk listed it: not followed, reported, the scan goes on" \
        '[ $swapped = yes ]' '[ $rc = 1 ]' secret_safe 'grep -q "\"path\":\"$R/www/other/other.php\"" "$tmp/out"' \
        "grep -q \"^spamgear: $site/up/shell.php: .*'up' is a symlink\" \"\$tmp/err\""

    # B. between the scan and the quarantine: the read delayed on its way back.
    Q=(-e trace=read -e inject=read:delay_exit=1500000:when=1 -P "$site/up/shell.php")
    race_plant
    raced swap_up "${Q[@]}" -- "${S[@]}" --quarantine="$q" "$R/www"
    check "scan --quarantine: up/ swapped for a symlink after the scan: nothing moved, reported, the scan goes on" \
        '[ $swapped = yes ]' '[ $rc = 1 ]' secret_safe '[ -f "$site/up.old/shell.php" ]' \
        '[ "$(ls "$q" | grep -c "\.rec$")" = 1 ]' 'grep -q "\"path\":\"$R/www/other/other.php\"" "$tmp/out"' \
        "grep -q \"^spamgear: .*'up' is a symlink in a directory others can write\" \"\$tmp/err\""

    # C. the same for --clean: nothing written through the symlink.
    race_plant
    printf '<?php @eval($_POST["x"]); ?><?php echo "hi"; ?>\n' > "$site/up/shell.php"
    chown nobody:nogroup "$site/up/shell.php"
    raced swap_up "${Q[@]}" -- "${S[@]}" --clean --quarantine="$q" "$R/www"
    check "scan --clean: up/ swapped for a symlink after the scan: nothing cleaned or kept through it" \
        '[ $swapped = yes ]' '[ $rc = 1 ]' secret_safe \
        '[ "$(cat "$site/up.old/shell.php")" = "<?php @eval(\$_POST[\"x\"]); ?><?php echo \"hi\"; ?>" ]' \
        "grep -q \"^spamgear: .*'up' is a symlink in a directory others can write\" \"\$tmp/err\""

    # D. the file itself replaced by a symlink to the secret file after the walk listed it.
    race_plant
    swap_file() { as_nobody sh -c 'rm "$1" && ln -s "$2" "$1"' sh "$site/up/shell.php" "$secret/shell.php"; }
    raced swap_file "${D[@]}" -P "$site/up/shell.php" -P "$site/up" -- "${S[@]}" --quarantine="$q" "$R/www"
    check "scan --quarantine: the file swapped for a symlink to a secret file: not opened, reported" \
        '[ $swapped = yes ]' '[ $rc = 1 ]' secret_safe '[ -L "$site/up/shell.php" ]' \
        "grep -q \"^spamgear: $site/up/shell.php: .*\" \"\$tmp/err\""
    # ... and by a hard link: the kernel (fs.protected_hardlinks) must refuse nobody that.
    race_plant
    check "a hard link to a root-only secret file cannot be made by nobody (fs.protected_hardlinks)" \
        '! as_nobody ln "$secret/shell.php" "$site/up/link.php" 2>/dev/null' '[ ! -e "$site/up/link.php" ]'

    # E. --notify-user: the mail names the file scanned, nothing of the secret.
    race_plant
    mkdir -p "$tmp/mails"
    printf '#!/bin/sh\ncat > "%s/mails/$$"\n' "$tmp" > "$tmp/sendmail"; chmod +x "$tmp/sendmail"
    raced swap_up "${Q[@]}" -- "${S[@]}" --quarantine="$q" --notify-user="^$R/www/([^/]*)/" \
        --notify-domain example.org --sendmail "$tmp/sendmail" "$R/www"
    check "scan --notify-user: up/ swapped after the scan: the mail holds nothing of the secret" \
        '[ $swapped = yes ]' '[ $rc = 1 ]' secret_safe '[ -n "$(ls "$tmp/mails")" ]'
    rm -rf "$tmp/mails"

    # F. restore into a directory swapped for a symlink: before, and during the restore.
    race_plant
    "$sg" scan --quiet -j 1 --clamav off --signatures "$sigs" --quarantine="$q" "$site/up/shell.php" > /dev/null 2>&1
    id=$(ls "$q" | sed -n 's/\.rec$//p')
    swap_up
    "$sg" quarantine --dir "$q" restore "$id" > "$tmp/out" 2> "$tmp/err"
    rc=$?
    check "restore into up/ swapped for a symlink: refused, nothing written to the secret, the entry kept" \
        '[ $rc = 2 ]' secret_safe '[ -f "$q/$id.data" ]' '[ ! -e "$site/up.old/shell.php" ]' \
        "grep -q \"^spamgear: .*'up' is a symlink in a directory others can write\" \"\$tmp/err\""
    race_plant
    "$sg" scan --quiet -j 1 --clamav off --signatures "$sigs" --quarantine="$q" "$site/up/shell.php" > /dev/null 2>&1
    id=$(ls "$q" | sed -n 's/\.rec$//p')
    raced swap_up -e trace=openat -e inject=openat:delay_enter=1500000:when=1 -P "$q/$id.data" -P "$q" -- \
        quarantine --dir "$q" restore "$id"
    check "restore with up/ swapped for a symlink while it runs: refused, nothing written to the secret" \
        '[ $swapped = yes ]' '[ $rc = 2 ]' secret_safe '[ -f "$q/$id.data" ]' \
        "grep -q \"^spamgear: .*'up' is a symlink in a directory others can write\" \"\$tmp/err\""
fi

echo "t/faults: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
