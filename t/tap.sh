# t/tap.sh: sourced by the t/*/run.sh drivers for numbered "ok N - name" /
# "not ok N - name" lines and the pass/fail counts they end with.  A driver
# defines show_failure() to print, after a "not ok" line, what helps (the
# command's exit code and output).
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $1"; }
not_ok() {
    fail=$((fail + 1)); echo "not ok $((pass + fail)) - $1"
    if declare -F show_failure >/dev/null; then show_failure; fi
}
# check NAME CONDITION...: one test, passes when every shell condition holds.
check() {
    local name=$1 cond
    shift
    for cond in "$@"; do
        if ! eval "$cond"; then not_ok "$name (failed: $cond)"; return; fi
    done
    ok "$name"
}
# python_with IMPORTS: the first of Debian's /usr/bin/python3 and the python3 on
# PATH that can run "import IMPORTS" (a pyenv python3 earlier in PATH may lack
# Debian's packaged modules); prints nothing when neither can.
python_with() {
    local candidate
    for candidate in /usr/bin/python3 python3; do
        if "$candidate" -c "import $1" 2>/dev/null; then echo "$candidate"; return; fi
    done
}
