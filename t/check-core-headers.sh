#!/bin/sh
# The core (mod_spamgear/sg_*.c|h) must never include an httpd header: it is
# linked into the CLI, which has no httpd.  Fails naming every offending line.
# Run with --self-test to prove the check can fail.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](httpd|http_[a-z_]+|ap_[a-z_]+|util_[a-z_]+|mod_[a-z_]+|scoreboard|mpm_common|unixd|os)\.h[>"]'

check() {
    grep -nE "$pattern" "$@" && return 1
    return 0
}

if [ "${1:-}" = "--self-test" ]; then
    tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
    printf '#include <apr_pools.h>\n#include "http_log.h"\n' > "$tmp/sg_bad.c"
    printf '#include <pcre2.h>\n' > "$tmp/sg_good.c"
    check "$tmp/sg_bad.c" >/dev/null && { echo "self-test: bad include not caught"; exit 1; }
    check "$tmp/sg_good.c" || { echo "self-test: good file refused"; exit 1; }
    echo "self-test: ok"
    exit 0
fi

"$0" --self-test >/dev/null || { echo "check-core-headers: self-test failed"; exit 1; }
files=$(ls "$srcdir"/mod_spamgear/sg_*.c "$srcdir"/mod_spamgear/sg_*.h)
if check $files; then
    echo "check-core-headers: $(echo "$files" | wc -l) core files, no httpd header"
    exit 0
fi
echo "check-core-headers: the core must not include httpd headers (lines above)"
exit 1
