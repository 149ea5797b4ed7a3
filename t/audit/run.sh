#!/bin/bash
# t/audit/run.sh: `spamgear audit` end to end.
#
# 1. Fixes apply: writes the failing fixture host of t/audit/fixture.sh (and
#    a mod_php host), runs audit --root --json, applies every FAIL's fix
#    mechanically (append the text to the file, or run the command with
#    sh -c), runs it again and asserts that no FAIL is left and that every
#    check that failed is PASS where it is reported again.  A FAIL without a
#    fix fails the test.
# 2. scan records its runs: a full scan writes state-dir/last-scan, a scan
#    of a file list does not; audit reads it.
# 3. Live (root, Debian's apache2 and php8.2-fpm installed): audit --json
#    against the real system, asserting what Debian's packages ship.  It
#    changes nothing and starts nothing (apache2ctl -S/-M only parse).
# Everything is written below one mktemp -d directory, removed on exit.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
# The fixture puts spamgear's own files where this build looks for them (its
# configured sysconfdir and localstatedir: make distcheck's are not /etc, /var).
prefix=$(sed -n 's/^prefix = //p' "$builddir/Makefile" 2>/dev/null)
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$builddir/Makefile" 2>/dev/null)
localstatedir=$(sed -n 's/^localstatedir = //p' "$builddir/Makefile" 2>/dev/null)
SYSCONFDIR=$(eval "echo \"$sysconfdir\"")
LOCALSTATEDIR=$(eval "echo \"$localstatedir\"")
export SYSCONFDIR LOCALSTATEDIR
py=/usr/bin/python3
fails=0

die() { echo "t/audit/run.sh: $*" >&2; exit 99; }
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; fails=$((fails + 1)); }

[ -x "$sg" ] || die "$sg not built: run make first"
[ -x "$py" ] || die "python3 is missing (Debian: python3)"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/spamgear-audit.XXXXXX") || die "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT
. "$srcdir/t/audit/fixture.sh"

# ------------------------------------------------------------ 1. fixes apply

# fix_round NAME ROOT [AUDIT OPTIONS]: audit, apply every FAIL's fix, audit again.
fix_round() {
    local name=$1 root=$2 rc
    shift 2
    "$sg" audit --root "$root" --json "$@" > "$tmp/$name.before.json"
    rc=$?
    [ "$rc" -eq 1 ] && ok "$name: exit 1" || not_ok "$name: exit $rc, want 1"
    # Applies each FAIL's fix; prints how many, exits 1 when one has none.
    "$py" - "$tmp/$name.before.json" > "$tmp/$name.apply.log" 2>&1 <<'EOF'
import json, subprocess, sys
doc = json.load(open(sys.argv[1]))
applied = 0
for c in doc["checks"]:
    if c["status"] != "FAIL":
        continue
    fix = c["fix"]
    if not fix:
        print("FAIL without a fix: %s %s" % (c["id"], c["subject"]))
        sys.exit(1)
    if "file" in fix:
        with open(fix["file"], "a") as f:
            f.write(fix["append"])
    else:
        subprocess.run(fix["command"], shell=True, check=True)
    applied += 1
print(applied)
EOF
    rc=$?
    if [ "$rc" -eq 0 ] && [ "$(tail -n 1 "$tmp/$name.apply.log")" -gt 0 ]; then
        ok "$name: applied $(tail -n 1 "$tmp/$name.apply.log") fixes"
    else
        not_ok "$name: applying the fixes: $(cat "$tmp/$name.apply.log")"
    fi
    "$sg" audit --root "$root" --json "$@" > "$tmp/$name.after.json"
    "$py" - "$tmp/$name.before.json" "$tmp/$name.after.json" > "$tmp/$name.compare.log" 2>&1 <<'EOF'
import json, sys
before = json.load(open(sys.argv[1]))["checks"]
after = json.load(open(sys.argv[2]))["checks"]
now = {(c["id"], c["subject"]): c["status"] for c in after}
bad = [c for c in after if c["status"] == "FAIL"]
for c in bad:
    print("still FAIL: %s %s: %s" % (c["id"], c["subject"], c["found"]))
ids = set()
for c in before:
    if c["status"] != "FAIL":
        continue
    ids.add(c["id"])
    k = (c["id"], c["subject"])
    if k in now and now[k] != "PASS":
        print("%s %s: %s after its fix" % (k[0], k[1], now[k])); bad.append(c)
for i in ids:
    if not any(c["id"] == i and c["status"] == "PASS" for c in after):
        print("no PASS for %s after the fixes" % i); bad.append(i)
print("%d checks failed before, in %d ids" % (sum(c["status"] == "FAIL" for c in before), len(ids)))
sys.exit(1 if bad else 0)
EOF
    if [ $? -eq 0 ]; then
        ok "$name: every fix turns its FAIL into PASS ($(tail -n 1 "$tmp/$name.compare.log"))"
    else
        not_ok "$name: fixes: $(cat "$tmp/$name.compare.log")"
    fi
}

audit_fixture "$tmp/root"
fix_round fixture "$tmp/root"
grep -q '"fail": 0' "$tmp/fixture.after.json" && ok "fixture: no FAIL after the fixes" \
    || not_ok "fixture: FAILs left"

# mod_php on prefork, PHP-FPM installed but not enabled (Debian's default
# after installing both): the fix moves the site to the www pool, whose own
# fix gives it its own user.
m=$tmp/modphp/etc/apache2
mkdir -p "$m/mods-enabled" "$m/conf-available" "$m/conf-enabled" "$m/sites-enabled" \
    "$tmp/modphp/etc/php/8.2/fpm/pool.d"
printf 'IncludeOptional mods-enabled/*.load\nIncludeOptional mods-enabled/*.conf\n' > "$m/apache2.conf"
printf 'IncludeOptional conf-enabled/*.conf\nIncludeOptional sites-enabled/*.conf\n' >> "$m/apache2.conf"
echo 'LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so' > "$m/mods-enabled/php8.2.load"
printf '<FilesMatch ".+\\.ph(ar|p|tml)$">\n  SetHandler application/x-httpd-php\n</FilesMatch>\n' \
    > "$m/mods-enabled/php8.2.conf"
echo 'LoadModule spamgear_module /usr/lib/apache2/modules/mod_spamgear.so' > "$m/mods-enabled/spamgear.load"
printf '<FilesMatch ".+\\.ph(ar|p|tml)$">\n  SetHandler "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"\n</FilesMatch>\n' \
    > "$m/conf-available/php8.2-fpm.conf"
printf '<VirtualHost *:80>\n  DocumentRoot /srv/www\n</VirtualHost>\n' > "$m/sites-enabled/000-default.conf"
printf '[PHP]\n' > "$tmp/modphp/etc/php/8.2/fpm/php.ini"
printf '[www]\nuser = www-data\nlisten = /run/php/php8.2-fpm.sock\n' \
    > "$tmp/modphp/etc/php/8.2/fpm/pool.d/www.conf"
fix_round mod_php "$tmp/modphp" --only php,apache
grep -q '"status": "PASS",$' "$tmp/mod_php.after.json" \
    && grep -q 'PHP runs as www (PHP-FPM pool www)' "$tmp/mod_php.after.json" \
    && ok "mod_php: the site now runs on the www pool as www" || not_ok "mod_php: not moved to the pool"

# ------------------------------------------------------------ 2. scan records its runs

mkdir -p "$tmp/scan/state" "$tmp/scan/www"
echo '<?php echo 1;' > "$tmp/scan/www/index.php"
printf 'state-dir %s\nclamav off\nsignatures %s\n' "$tmp/scan/state" "$srcdir/conf/signatures" \
    > "$tmp/scan/spamgear.conf"
"$sg" -c "$tmp/scan/spamgear.conf" scan -q "$tmp/scan/www/index.php" >/dev/null
[ ! -e "$tmp/scan/state/last-scan" ] && ok "a scan of files records nothing" \
    || not_ok "a scan of files wrote last-scan"
"$sg" -c "$tmp/scan/spamgear.conf" scan -q "$tmp/scan/www" >/dev/null
if grep -Eq '^[0-9]+ files=1 found=0 errors=0$' "$tmp/scan/state/last-scan" 2>/dev/null; then
    ok "a full scan records its time: $(cat "$tmp/scan/state/last-scan")"
else
    not_ok "a full scan did not record its run"
fi
chmod 0700 "$tmp/scan/state"
out=$("$sg" audit -c "$tmp/scan/spamgear.conf" --only spamgear 2>&1 | grep last_scan)
case $out in
    "PASS spamgear.last_scan $tmp/scan/state/last-scan: last full scan less than an hour ago"*)
        ok "audit reads the scan's record" ;;
    *) not_ok "audit on the scan's record: $out" ;;
esac

# ------------------------------------------------------------ 3. live

live_skip=
[ "$(id -u)" -eq 0 ] || live_skip="not root"
[ -x /usr/sbin/apache2ctl ] || live_skip="apache2 not installed"
[ -f /etc/php/8.2/fpm/pool.d/www.conf ] || live_skip="php8.2-fpm not installed"
if [ -n "$live_skip" ]; then
    echo "ok - # SKIP live audit: $live_skip"
else
    before_sum=$(find /etc/apache2 /etc/php -type f -exec md5sum {} + | sort | md5sum)
    start=$(date +%s%N)
    "$sg" audit --json --only php,apache > "$tmp/live.json"
    rc=$?
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    after_sum=$(find /etc/apache2 /etc/php -type f -exec md5sum {} + | sort | md5sum)
    [ "$before_sum" = "$after_sum" ] && ok "live audit changed no file" || not_ok "live audit changed files"
    [ "$rc" -eq 1 ] && ok "live audit: exit 1 in ${ms} ms" || not_ok "live audit: exit $rc"
    # What Debian ships: the www pool runs as www-data with no open_basedir
    # and no disabled functions, expose_php is Off in the fpm and apache2
    # php.ini, mod_spamgear is not loaded until a2enmod, apache2ctl works.
    "$py" - "$tmp/live.json" > "$tmp/live.log" 2>&1 <<'EOF'
import json, sys
checks = json.load(open(sys.argv[1]))["checks"]
def status(cid, subject):
    for c in checks:
        if c["id"] == cid and c["subject"] == subject:
            return c["status"]
    return None
www = "/etc/php/8.2/fpm/pool.d/www.conf[www]"
want = [("php.pool_user", www, "FAIL"), ("php.open_basedir", www, "FAIL"),
        ("php.disable_functions", www, "FAIL"), ("php.allow_url_include", www, "PASS"),
        ("php.expose_php", "/etc/php/8.2/fpm/php.ini", "PASS"),
        ("apache.apachectl", "/usr/sbin/apache2ctl", "PASS"),
        ("apache.vhosts", "/usr/sbin/apache2ctl", "PASS"),
        ("apache.module", "spamgear_module", "FAIL")]
bad = 0
for cid, subject, st in want:
    got = status(cid, subject)
    if got != st:
        print("%s %s: %s, want %s" % (cid, subject, got, st)); bad = 1
fixes = [c for c in checks if c["status"] == "FAIL" and not c["fix"]]
for c in fixes:
    print("FAIL without a fix: %s %s" % (c["id"], c["subject"])); bad = 1
sys.exit(bad)
EOF
    if [ $? -eq 0 ]; then
        ok "live audit finds Debian's defaults"
    else
        not_ok "live audit: $(cat "$tmp/live.log")"
    fi
    out=$("$sg" audit --only apache --apachectl /nonexistent/apache2ctl | head -n 1)
    if [ "$out" = "WARN apache.apachectl /nonexistent/apache2ctl: cannot run -S and -M (missing, or the configuration does not parse); judged from the configuration files" ]; then
        ok "live --apachectl missing: judged from the files"
    else
        not_ok "live --apachectl missing: $out"
    fi
    # a fake apachectl: -S names a vhost the configuration does not have,
    # -M lists mod_spamgear (the module list comes from -M, not the files)
    cat > "$tmp/apachectl" <<'EOF'
#!/bin/sh
case $1 in
-S) echo 'VirtualHost configuration:'
    echo '*:80                   127.0.0.1 (/etc/apache2/sites-enabled/000-default.conf:1)'
    echo '*:443                  ghost.example (/etc/apache2/sites-enabled/ghost.conf:3)'
    echo '*:443                  ghost.example (/etc/apache2/sites-enabled/ghost.conf:3)' ;;
-M) printf 'Loaded Modules:\n core_module (static)\n spamgear_module (shared)\n' ;;
esac
EOF
    chmod +x "$tmp/apachectl"
    "$sg" audit --only apache --apachectl "$tmp/apachectl" > "$tmp/fake.out"
    if grep -qx "WARN apache.vhosts /etc/apache2/sites-enabled/ghost.conf:3: httpd has this virtual host, the configuration reader did not find it: not judged" "$tmp/fake.out" \
        && [ "$(grep -c '^WARN apache.vhosts' "$tmp/fake.out")" -eq 1 ] \
        && grep -qx "PASS apache.module spamgear_module: mod_spamgear loaded" "$tmp/fake.out"; then
        ok "live: -S vhosts the reader missed are WARNs, -M decides the modules"
    else
        not_ok "live fake apachectl: $(cat "$tmp/fake.out")"
    fi
    "$sg" audit --nagios > "$tmp/nagios.out"
    rc=$?
    if [ "$rc" -eq 2 ] && grep -Eq '^SPAMGEAR AUDIT CRITICAL - [0-9]+ FAIL, [0-9]+ WARN, [0-9]+ PASS \| pass=[0-9]+ warn=[0-9]+ fail=[0-9]+$' "$tmp/nagios.out"; then
        ok "live --nagios: $(cat "$tmp/nagios.out")"
    else
        not_ok "live --nagios: exit $rc, $(cat "$tmp/nagios.out")"
    fi
fi

[ "$fails" -eq 0 ] || { echo "t/audit/run.sh: $fails failed"; exit 1; }
exit 0
