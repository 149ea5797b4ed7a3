# t/san-env.sh: sourced by the t/*/run.sh drivers that start httpd.
#
# Under configure --enable-sanitizers, make check exports SG_ASAN_RUNTIME, the
# shared ASan runtime.  httpd is not instrumented, so that runtime must come
# first in its library list (LD_PRELOAD).  Leak checking is off for it: httpd
# exits without destroying its pools, and perl, ab and curl inheriting the
# preload are not ours to check.  PHP_INI_SCAN_DIR keeps mod_php from loading
# opcache.so, which it dlopens with RTLD_DEEPBIND, refused under ASan.
#
# Defines:  san_env         words to put after "env" when starting httpd ("" normally)
#           san_httpd H DIR prints H, or under sanitizers a wrapper DIR/httpd-san that
#                           runs H with san_env (for Apache::Test, which starts
#                           httpd itself: the preload must not reach perl, curl or
#                           the chromium that t/apache/97_status_browser.t drives)
#           san_reports F   returns 1 (printing them) when a sanitizer wrote to log F
san_env=
if [ -n "${SG_ASAN_RUNTIME:-}" ]; then
    san_env="LD_PRELOAD=$SG_ASAN_RUNTIME ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 PHP_INI_SCAN_DIR=/nonexistent"
fi

san_httpd() {
    if [ -z "$san_env" ]; then
        printf '%s\n' "$1"
        return 0
    fi
    printf '#!/bin/sh\nexec env %s "%s" "$@"\n' "$san_env" "$1" > "$2/httpd-san" &&
        chmod 755 "$2/httpd-san" && printf '%s\n' "$2/httpd-san"
}

san_reports() {
    [ -n "$san_env" ] && [ -f "$1" ] || return 0
    if grep -q -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|Sanitizer CHECK failed' "$1"; then
        grep -n -A30 -E 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|Sanitizer CHECK failed' "$1" | head -n 80
        return 1
    fi
    return 0
}
