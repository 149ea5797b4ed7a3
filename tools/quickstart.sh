#!/bin/bash
# spamgear quick start, for a fresh Debian 12 machine (run as root, or with sudo).
#
#   tools/quickstart.sh demo   install the Debian packages, build, and start a local
#                              Apache on 127.0.0.1:8080 with mod_spamgear and a demo site
#   tools/quickstart.sh test   install what the tests need, build with --enable-werror
#                              and run the whole test suite (make check)
#   tools/quickstart.sh stop   stop the demo Apache
#   tools/quickstart.sh package   build the Debian packages (spamgear,
#                              libapache2-mod-spamgear) from a clean clone of this
#                              tree's HEAD, check them with lintian, and leave them
#                              in $SPAMGEAR_DEB_DIR (default /tmp/spamgear-deb)
#
# Everything is built in the source tree; nothing is installed system-wide
# except Debian packages, and the system's Apache configuration is not touched.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
# Under /tmp: the Apache children (www-data) must be able to read the site,
# and a clone under /root is not readable to them.
demo_dir=${SPAMGEAR_DEMO_DIR:-/tmp/spamgear-demo}
demo_port=${SPAMGEAR_DEMO_PORT:-8080}
deb_dir=${SPAMGEAR_DEB_DIR:-/tmp/spamgear-deb}

BUILD_PKGS="autoconf automake libtool pkg-config make gcc apache2-dev libapr1-dev
 libaprutil1-dev libpcre2-dev libclamav-dev libjansson-dev liblmdb-dev libcurl4-openssl-dev
 libssl-dev libc-ares-dev zlib1g-dev libdeflate-dev libarchive-dev libyara-dev check"
DEMO_PKGS="apache2 libapache2-mod-php php-cli curl"
PACKAGE_PKGS="git dpkg-dev debhelper dh-apache2 lintian"
TEST_PKGS="apache2 libapache2-mod-php php-fpm php-cli libapache2-mod-perl2 libwww-perl
 curl xz-utils groff-base dnsmasq-base python3 python3-aiosmtpd openssl postfix
 apache2-utils redis-server memcached chromium clamav clamav-daemon fail2ban strace
 clang-14 libclang-rt-14-dev valgrind"

say() { printf 'quickstart: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs the Debian packages that are missing (nothing to do on a second run).
install_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    say "installing Debian packages: ${missing[*]}"
    as_root apt-get update -q
    # policy-rc.d-less containers: keep package scripts from starting services.
    as_root env DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 \
        apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# What configure would find: the packages of every list that are installed
# now.  demo then test installs php-fpm and the rest between the two builds;
# a configure run before that found no php-fpm, so a change here re-runs it.
found_now() {
    dpkg-query -W -f='${Package} ${Status}\n' $BUILD_PKGS $DEMO_PKGS $TEST_PKGS 2>/dev/null |
        grep ' ok installed$' | sort
}

build() {
    local found
    cd "$top"
    [ -x configure ] || ./bootstrap
    found=$(found_now)
    if [ ! -f Makefile ] || [ configure -nt config.status ] ||
       [ "$(cat .quickstart-found 2>/dev/null)" != "$found" ]; then
        ./configure --enable-werror --sysconfdir=/etc --localstatedir=/var "$@"
        printf '%s\n' "$found" > .quickstart-found
    fi
    make -j"$(nproc)"
}

apache_modules_dir() { apxs -q LIBEXECDIR; }

stop_demo() {
    if [ -f "$demo_dir/httpd.pid" ]; then
        /usr/sbin/apache2 -f "$demo_dir/httpd.conf" -k stop 2>/dev/null || true
        sleep 1
        rm -f "$demo_dir/httpd.pid"
        say "demo Apache stopped"
    fi
}

write_demo_config() {
    local mods php_so
    mods=$(apache_modules_dir)
    php_so=$(ls "$mods"/libphp*.so 2>/dev/null | head -n 1)
    [ -n "$php_so" ] || die "no mod_php in $mods: install the Debian package libapache2-mod-php"
    rm -rf "$demo_dir"
    mkdir -p "$demo_dir/logs"
    cp -r "$top/tools/demo/htdocs" "$demo_dir/htdocs"
    chmod -R a+rX "$demo_dir"
    sed -e "s|@DEMO_DIR@|$demo_dir|g" -e "s|@PORT@|$demo_port|g" -e "s|@MODDIR@|$mods|g" \
        -e "s|@PHP_SO@|$php_so|g" -e "s|@SPAMGEAR_SO@|$top/.libs/mod_spamgear.so|g" \
        -e "s|@SIGNATURES@|$top/conf/signatures|g" \
        "$top/tools/demo/httpd.conf.in" > "$demo_dir/httpd.conf"
}

# Prints the status code of a multipart upload of FILE to the demo's page,
# and the page's answer into FILE.answer.
upload_status() {
    curl -s -o "$1.answer" -w '%{http_code}' -F "file=@$1;filename=$(basename "$1")" \
        "http://127.0.0.1:$demo_port/index.php"
}

# Prints the status code of a failed login POST from the client 198.51.100.7
# (X-Forwarded-For, which mod_remoteip trusts from loopback).
failed_login() {
    curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 198.51.100.7' \
        -d 'log=admin&pwd=guess' "http://127.0.0.1:$demo_port/wp-login.php"
}

# Prints the status code of one request to the demo.
status_of() {
    curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$demo_port$1"
}

demo() {
    install_packages $BUILD_PKGS $DEMO_PKGS
    build
    stop_demo
    write_demo_config
    /usr/sbin/apache2 -f "$demo_dir/httpd.conf" -t >/dev/null 2>&1 ||
        /usr/sbin/apache2 -f "$demo_dir/httpd.conf" -t
    /usr/sbin/apache2 -f "$demo_dir/httpd.conf" -k start
    for _ in $(seq 1 50); do
        curl -s -o /dev/null "http://127.0.0.1:$demo_port/" && break
        sleep 0.2
    done
    local page shell clean_up bad_up reached logins banned status json
    page=$(status_of /index.php)
    shell=$(status_of /uploads/shell.php)
    printf '%s\n' 'just a holiday photo' > "$demo_dir/photo.txt"
    printf '%s\n' '<?php @eval($_POST["x"]); ?>' > "$demo_dir/backdoor.php.txt"
    clean_up=$(upload_status "$demo_dir/photo.txt")
    reached=$(grep -c '^received photo.txt ' "$demo_dir/photo.txt.answer" || true)
    bad_up=$(upload_status "$demo_dir/backdoor.php.txt")
    logins=$(for _ in 1 2 3 4 5; do failed_login; printf ' '; done)
    banned=$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-For: 198.51.100.7' \
        "http://127.0.0.1:$demo_port/index.php")
    status=$(curl -s -o "$demo_dir/status.json" -w '%{http_code}' \
        "http://127.0.0.1:$demo_port/spamgear-status?json")
    json=$(tr -d '\n' < "$demo_dir/status.json" | grep -o '"since_start": {[^}]*}' || true)
    cat <<MSG

spamgear demo: Apache with mod_spamgear is running on http://127.0.0.1:$demo_port/
  GET /index.php          -> $page  (a normal PHP page runs)
  GET /uploads/shell.php  -> $shell  (PHP in an uploads dir is refused)
  POST a clean upload     -> $clean_up  (scanned inline, passed on to PHP: $(head -n 2 "$demo_dir/photo.txt.answer" | tail -n 1))
  POST a PHP backdoor     -> $bad_up  (scanned inline, refused before PHP sees it)
  5 failed logins (198.51.100.7 via X-Forwarded-For) -> ${logins% }; its next request -> $banned (banned)
  GET /spamgear-status    -> $status  (counters, bans, unban form; ?json: $json)

Try:
  curl -i http://127.0.0.1:$demo_port/uploads/shell.php
  curl -i http://127.0.0.1:$demo_port/uploads/photo.txt     (static files still serve)
  curl -i http://127.0.0.1:$demo_port/uploads/photo.txt/x.php  (path-info trick: refused)
  curl -i -F file=@$demo_dir/backdoor.php.txt http://127.0.0.1:$demo_port/index.php
                                                         (upload of a web shell: refused)
  open http://127.0.0.1:$demo_port/spamgear-status       (the status page, local clients)
  tail $demo_dir/logs/error_log   (a line per refusal: AH53010 no-exec, AH53042 upload,
                                   AH53020 ban)
  ./spamgear help                                       (the command-line tool)
Stop it with: tools/quickstart.sh stop
MSG
    [ "$page" = 200 ] && [ "$shell" = 403 ] && [ "$clean_up" = 200 ] && [ "$reached" = 1 ] &&
        [ "$bad_up" = 403 ] && [ "$logins" = "200 200 200 200 200 " ] && [ "$banned" = 403 ] &&
        [ "$status" = 200 ] && printf '%s' "$json" | grep -q '"upload_blocks": [1-9]' ||
        die "demo answered $page/$shell/$clean_up (reached PHP: $reached)/$bad_up, logins" \
            "'$logins' then $banned, status page $status ($json); expected" \
            "200/403/200 (1)/403, 5 x 200 then 403, status 200 with an upload block"
}

# The packages from a clean clone of HEAD (uncommitted changes are not in
# them), lintian on the result; the .debs end up in $deb_dir.
package() {
    local work
    install_packages $BUILD_PKGS $PACKAGE_PKGS
    work=$(mktemp -d /tmp/spamgear-pkg.XXXXXX)
    git clone -q "$top" "$work/spamgear" || die "git clone of $top failed"
    (cd "$work/spamgear" && dpkg-buildpackage -us -uc -b) > "$work/build.log" 2>&1 ||
        { tail -n 40 "$work/build.log"; die "dpkg-buildpackage failed; log: $work/build.log"; }
    lintian --fail-on error "$work"/spamgear_*.changes ||
        die "lintian found errors (above)"
    rm -rf "$deb_dir"
    mkdir -p "$deb_dir"
    cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$deb_dir/"
    rm -rf "$work"
    say "packages in $deb_dir:"
    ls "$deb_dir"/*.deb >&2
    say "install them with: apt install $deb_dir/spamgear_*.deb $deb_dir/libapache2-mod-spamgear_*.deb"
}

run_tests() {
    install_packages $BUILD_PKGS $TEST_PKGS
    build
    make check || { say "make check failed; logs: $top/test-suite.log"; cat "$top/test-suite.log"; exit 1; }
}

case "${1:-}" in
    demo) demo ;;
    test) run_tests ;;
    stop) stop_demo ;;
    package) package ;;
    *) echo "usage: tools/quickstart.sh demo|test|stop|package" >&2; exit 2 ;;
esac
