#!/bin/sh
# The version is written in one place, configure.ac's AC_INIT; the top entry
# of debian/changelog must be a release of that version (UPSTREAM-REVISION),
# and nothing else may carry its own copy (sg_version.h takes PACKAGE_VERSION
# from the build).  Run with --self-test to prove the check can fail.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}

# check CONFIGURE_AC CHANGELOG: prints the problem and fails, or prints the version.
check() {
    v=$(sed -n 's/^AC_INIT(\[spamgear\], \[\([^]]*\)\].*/\1/p' "$1")
    [ -n "$v" ] || { echo "check-version: $1: no AC_INIT([spamgear], [VERSION])"; return 1; }
    top=$(sed -n '1s/^spamgear (\([^)]*\)).*/\1/p' "$2")
    [ -n "$top" ] || { echo "check-version: $2:1: not a 'spamgear (VERSION) ...' entry"; return 1; }
    case $top in
    "$v"-[0-9]*) echo "$v" ;;
    *) echo "check-version: $2:1: version $top is not a Debian release of $v (from $1): add a changelog entry"
       return 1 ;;
    esac
}

if [ "${1:-}" = "--self-test" ]; then
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    printf 'AC_INIT([spamgear], [1.2.0], [], [spamgear])\n' > "$tmp/configure.ac"
    printf 'spamgear (1.1.0-1) unstable; urgency=medium\n' > "$tmp/old"
    printf 'spamgear (1.2.0-3) unstable; urgency=medium\n' > "$tmp/good"
    check "$tmp/configure.ac" "$tmp/old" >/dev/null && { echo "self-test: a stale changelog passed"; exit 1; }
    check "$tmp/configure.ac" "$tmp/good" >/dev/null || { echo "self-test: a good changelog failed"; exit 1; }
    echo "self-test: ok"
    exit 0
fi

"$0" --self-test >/dev/null || { echo "check-version: self-test failed"; exit 1; }
v=$(check "$srcdir/configure.ac" "$srcdir/debian/changelog") || { echo "$v"; exit 1; }
if grep -n "\"$v\"" "$srcdir"/mod_spamgear/*.[ch] "$srcdir"/cli/*.[ch] "$srcdir"/host/*.[ch]; then
    echo "check-version: the lines above carry the version themselves: use SG_VERSION"
    exit 1
fi
echo "check-version: $v (configure.ac), debian/changelog $(sed -n '1s/^spamgear (\([^)]*\)).*/\1/p' "$srcdir/debian/changelog")"
