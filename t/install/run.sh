#!/bin/sh
# t/install/run.sh: make install never overwrites configuration the admin
# changed (tools/install-conf.sh, used for $(sysconfdir)/spamgear).
: "${top_srcdir:=.}"
script="$top_srcdir/tools/install-conf.sh"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0 failed=0
ok() { echo "ok - $1"; pass=$((pass + 1)); }
fail() { echo "not ok - $1"; shift; for l in "$@"; do echo "# $l"; done; failed=$((failed + 1)); }
inst() { sh "$script" install "install -c -m 644" "$tmp/src" "$tmp/etc" "$@" 2>"$tmp/err"; }
uninst() { sh "$script" uninstall "install -c -m 644" "$tmp/src" "$tmp/etc" "$@" 2>"$tmp/err"; }

mkdir -p "$tmp/src/conf" "$tmp/etc"
printf 'mail-max 100\n' > "$tmp/src/conf/spamgear.conf.sample"
printf 'zen.spamhaus.org\n' > "$tmp/src/conf/dnsbl.lists"

inst conf/spamgear.conf.sample conf/dnsbl.lists
if [ $? = 0 ] && cmp -s "$tmp/src/conf/dnsbl.lists" "$tmp/etc/dnsbl.lists" && [ ! -s "$tmp/err" ] &&
   [ ! -e "$tmp/etc/dnsbl.lists.dist" ]; then
	ok "first install: the files, nothing said"
else
	fail "first install" "$(cat "$tmp/err"; ls -la "$tmp/etc")"
fi

printf 'my.local.list\n' > "$tmp/etc/dnsbl.lists"          # the admin's edit
printf 'zen.spamhaus.org\nbl.spamcop.net\n' > "$tmp/src/conf/dnsbl.lists"   # a new release
printf 'mail-max 200\n' > "$tmp/src/conf/spamgear.conf.sample"
inst conf/spamgear.conf.sample conf/dnsbl.lists
if [ $? = 0 ] && [ "$(cat "$tmp/etc/dnsbl.lists")" = my.local.list ] &&
   cmp -s "$tmp/src/conf/dnsbl.lists" "$tmp/etc/dnsbl.lists.dist" &&
   grep -q "dnsbl.lists was changed here: kept it; the new version is $tmp/etc/dnsbl.lists.dist" "$tmp/err"; then
	ok "an edited file is kept; the new version lands beside it as .dist, said on stderr"
else
	fail "an edited file is kept, the new one as .dist" "$(cat "$tmp/err" "$tmp/etc/dnsbl.lists")"
fi
# A sample never edited but from the older release: not the admin's change,
# but it cannot be told apart from one either; it is kept the same way.
if [ "$(cat "$tmp/etc/spamgear.conf.sample")" = 'mail-max 100' ] &&
   [ -e "$tmp/etc/spamgear.conf.sample.dist" ]; then
	ok "a file that differs from the release is never overwritten"
else
	fail "a file that differs from the release is never overwritten" "$(ls -la "$tmp/etc")"
fi

printf 'my.local.list\n' > "$tmp/src/conf/dnsbl.lists"      # the release catches up
inst conf/dnsbl.lists
if [ ! -e "$tmp/etc/dnsbl.lists.dist" ] && [ "$(cat "$tmp/etc/dnsbl.lists")" = my.local.list ]; then
	ok "a file equal to the release is installed, and its stale .dist goes"
else
	fail "a file equal to the release is installed, and its stale .dist goes" "$(ls -la "$tmp/etc")"
fi

uninst conf/spamgear.conf.sample conf/dnsbl.lists
if [ ! -e "$tmp/etc/dnsbl.lists" ] && [ -e "$tmp/etc/spamgear.conf.sample" ] &&
   [ ! -e "$tmp/etc/spamgear.conf.sample.dist" ] &&
   grep -q 'spamgear.conf.sample was changed here: left in place' "$tmp/err"; then
	ok "uninstall removes only unchanged files (and .dist copies), says what it left"
else
	fail "uninstall removes only unchanged files" "$(cat "$tmp/err"; ls -la "$tmp/etc")"
fi

echo "t/install: $pass passed, $failed failed"
[ $failed = 0 ]
