#!/bin/bash
# t/deb/run.sh DEBDIR: the Debian packages on this machine's own Apache
# (issue 17).  It installs, upgrades and purges spamgear and
# libapache2-mod-spamgear system-wide and starts the system's apache2, so it
# runs only where that is wanted: in CI (CI=true) or with SG_DEB_TEST=1.
# .ci/run calls it after tools/quickstart.sh package.
#
#   1. apt-get install ./spamgear_*.deb ./libapache2-mod-spamgear_*.deb:
#      the module is enabled (with socache_shmcb, its dependency), the
#      quarantine is root:www-data 1770, the timers are not enabled;
#   2. apache2 started (apache2ctl): a normal PHP page answers 200, a PHP file
#      in an uploads directory 403 (no-exec), a web shell posted to the page
#      403 (upload scan with the packaged signatures), a clean upload 200;
#   3. a local edit to /etc/spamgear/spamgear.conf, then an upgrade to the
#      same packages rebuilt with a new version whose spamgear.conf changed
#      too (dpkg --force-confold, as unattended upgrades run): the admin's
#      file is kept, the package's goes beside it as .dpkg-dist, the module
#      is still enabled and Apache still refuses the shell;
#   4. apt-get purge: nothing of either package is left (/etc/spamgear,
#      /var/lib/spamgear with a quarantine entry in it, the module's
#      mods-available and mods-enabled files), and Apache's config still tests
#      fine.
# Needs apache2, libapache2-mod-php, curl (the test packages).  Port 80 must
# be free (the system Apache's default site).
set -u
debdir=$(cd "${1:?usage: t/deb/run.sh DEBDIR}" && pwd) || exit 99
if [ "${CI:-}" != true ] && [ "${SG_DEB_TEST:-}" != 1 ]; then
    echo "t/deb: skipped: installs packages and starts the system Apache (set SG_DEB_TEST=1, or CI=true)"
    exit 77
fi
[ "$(id -u)" = 0 ] || { echo "t/deb: needs root (apt-get, apache2ctl)"; exit 99; }
export DEBIAN_FRONTEND=noninteractive

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $1"; }
not_ok() { fail=$((fail + 1)); echo "not ok $((pass + fail)) - $1"; shift; for l in "$@"; do echo "#   $l"; done; }
# check NAME CONDITION...: ok when every CONDITION (a shell test) holds.
check() {
    local name=$1 c
    shift
    for c in "$@"; do
        eval "$c" || { not_ok "$name" "failed: $c"; return 1; }
    done
    ok "$name"
}

tool=$(ls "$debdir"/spamgear_*_*.deb 2>/dev/null | head -n 1)
mod=$(ls "$debdir"/libapache2-mod-spamgear_*_*.deb 2>/dev/null | head -n 1)
[ -f "$tool" ] && [ -f "$mod" ] || { echo "t/deb: no spamgear and libapache2-mod-spamgear .deb in $debdir"; exit 99; }
version=$(dpkg-deb -f "$tool" Version)
tmp=$(mktemp -d /tmp/sg-deb.XXXXXX)
site=/var/www/html/sgdebtest
cleanup() {
    apache2ctl stop >/dev/null 2>&1
    rm -rf "$tmp" "$site"
}
trap cleanup EXIT
if ss -ltn 'sport = :80' | grep -q LISTEN && ! pgrep -x apache2 >/dev/null; then
    echo "t/deb: port 80 is taken by something else than apache2"; exit 99
fi

# ------------------------------------------------------------------ install
apt-get install -y "$tool" "$mod" >"$tmp/install.log" 2>&1 ||
    { cat "$tmp/install.log"; echo "t/deb: apt-get install failed"; exit 1; }
check "install: version $version of both packages, the module enabled with socache_shmcb" \
    '[ "$(dpkg-query -W -f="\${Version}" spamgear)" = "$version" ]' \
    '[ "$(dpkg-query -W -f="\${Version}" libapache2-mod-spamgear)" = "$version" ]' \
    '[ -L /etc/apache2/mods-enabled/spamgear.load ]' '[ -L /etc/apache2/mods-enabled/spamgear.conf ]' \
    '[ -L /etc/apache2/mods-enabled/socache_shmcb.load ]'
check "install: the tool, its classic entry points, the conffiles, the quarantine root:www-data 1770" \
    '/usr/bin/spamgear --version | grep -q "^spamgear ${version%%-*} "' \
    '[ "$(readlink -f /usr/libexec/spamgear/full-scan)" = /usr/bin/spamgear ]' \
    'dpkg-query -W -f="\${Conffiles}" spamgear | grep -q "/etc/spamgear/spamgear.conf "' \
    'dpkg-query -W -f="\${Conffiles}" spamgear | grep -q "/etc/spamgear/signatures/php-backdoors.sigs "' \
    '[ "$(stat -c "%U:%G %a" /var/lib/spamgear/quarantine)" = "root:www-data 1770" ]' \
    'spamgear check-config >/dev/null'
check "install: the systemd timers are installed, not enabled" \
    '[ -f /lib/systemd/system/spamgear-scan-daily.timer ]' \
    '! ls /etc/systemd/system/*.wants/spamgear-* >/dev/null 2>&1'

# ------------------------------------------------------------------ Apache
mkdir -p "$site/uploads"
printf '<?php echo "page ok\\n";\n' >"$site/page.php"
printf '<?php echo "should not run\\n";\n' >"$site/uploads/x.php"
printf '<?php @eval($_POST["c"]);\n' >"$tmp/shell.txt"
printf 'just a picture caption\n' >"$tmp/clean.txt"
apache2ctl configtest >"$tmp/configtest.log" 2>&1 || { cat "$tmp/configtest.log"; exit 1; }
apache2ctl stop >/dev/null 2>&1; sleep 0.5
apache2ctl start || { tail -n 20 /var/log/apache2/error.log; exit 1; }
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
serve() {
    local i=0
    until [ "$(code http://127.0.0.1/sgdebtest/page.php)" = 200 ] || [ $i -ge 50 ]; do sleep 0.1; i=$((i + 1)); done
}
serve
check "Apache with the module: page 200, PHP in uploads/ 403, a posted web shell 403, a clean upload 200" \
    '[ "$(curl -s http://127.0.0.1/sgdebtest/page.php)" = "page ok" ]' \
    '[ "$(code http://127.0.0.1/sgdebtest/uploads/x.php)" = 403 ]' \
    '[ "$(code -F "f=@$tmp/shell.txt;filename=a.txt" http://127.0.0.1/sgdebtest/page.php)" = 403 ]' \
    '[ "$(code -F "f=@$tmp/clean.txt;filename=a.txt" http://127.0.0.1/sgdebtest/page.php)" = 200 ]' \
    'grep -q "AH53042: spamgear: upload: infected" /var/log/apache2/error.log'

# ------------------------------------------------------------------ upgrade
# The same packages with a new version; the tool's spamgear.conf changed too,
# so dpkg must choose between the admin's file and the package's.
new=${version}+rebuild1
repack() {   # repack DEB OUT: DEB with Version $new (and its exact dependency)
    local d=$tmp/repack
    rm -rf "$d"
    dpkg-deb -R "$1" "$d"
    sed -i "s/^Version: .*/Version: $new/; s/(= $version)/(= $new)/" "$d/DEBIAN/control"
    if [ -f "$d/etc/spamgear/spamgear.conf" ]; then
        printf '# (rebuilt package %s)\n' "$new" >>"$d/etc/spamgear/spamgear.conf"
        (cd "$d" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
    fi
    dpkg-deb -b --root-owner-group "$d" "$2" >/dev/null
}
repack "$tool" "$tmp/spamgear_new.deb"
repack "$mod" "$tmp/libapache2-mod-spamgear_new.deb"
printf '\n# local edit\nmail-max 40\n' >>/etc/spamgear/spamgear.conf
edited=$(sha256sum </etc/spamgear/spamgear.conf)
apt-get install -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
    "$tmp/spamgear_new.deb" "$tmp/libapache2-mod-spamgear_new.deb" >"$tmp/upgrade.log" 2>&1 ||
    { cat "$tmp/upgrade.log"; not_ok "upgrade: apt-get install failed"; }
apache2ctl graceful >/dev/null 2>&1; sleep 1; serve
check "upgrade to $new: the admin's spamgear.conf kept (the package's beside it as .dpkg-dist), still valid" \
    '[ "$(dpkg-query -W -f="\${Version}" spamgear)" = "$new" ]' \
    '[ "$(dpkg-query -W -f="\${Version}" libapache2-mod-spamgear)" = "$new" ]' \
    '[ "$(sha256sum </etc/spamgear/spamgear.conf)" = "$edited" ]' \
    'grep -q "rebuilt package" /etc/spamgear/spamgear.conf.dpkg-dist' \
    '[ "$(spamgear check-config --dump | sed -n "s/^mail-max *\([0-9]*\) .*/\1/p")" = 40 ]'
check "upgrade: the module still enabled and refusing the web shell" \
    '[ -L /etc/apache2/mods-enabled/spamgear.load ]' \
    '[ "$(code -F "f=@$tmp/shell.txt;filename=a.txt" http://127.0.0.1/sgdebtest/page.php)" = 403 ]' \
    '[ "$(curl -s http://127.0.0.1/sgdebtest/page.php)" = "page ok" ]'

# ------------------------------------------------------------------ purge
cp "$tmp/shell.txt" "$tmp/victim.php"
spamgear scan --quiet --clamav off --quarantine "$tmp/victim.php" >/dev/null
check "a quarantine entry exists before the purge" 'ls /var/lib/spamgear/quarantine/*.rec >/dev/null 2>&1'
apache2ctl stop >/dev/null 2>&1
apt-get purge -y libapache2-mod-spamgear spamgear >"$tmp/purge.log" 2>&1 ||
    { cat "$tmp/purge.log"; not_ok "purge: apt-get purge failed"; }
check "purge: nothing left: /etc/spamgear, /var/lib/spamgear, the tool, the module and its a2enmod links" \
    '! dpkg-query -W spamgear >/dev/null 2>&1 || [ -z "$(dpkg-query -W -f="\${Status}" spamgear | grep -v not-installed)" ]' \
    '[ ! -e /etc/spamgear ]' '[ ! -e /var/lib/spamgear ]' '[ ! -e /usr/bin/spamgear ]' \
    '[ ! -e /usr/libexec/spamgear ]' '[ ! -e /usr/lib/apache2/modules/mod_spamgear.so ]' \
    '[ ! -e /etc/apache2/mods-available/spamgear.load ]' '[ ! -e /etc/apache2/mods-available/spamgear.conf ]' \
    '[ ! -e /etc/apache2/mods-enabled/spamgear.load ]' \
    'apache2ctl configtest >/dev/null 2>&1'

echo "t/deb: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
