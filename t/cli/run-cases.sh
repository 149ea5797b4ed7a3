#!/bin/bash
# run-cases.sh: the CLI test layer.  Runs $top_builddir/spamgear once per case
# file (t/cli/cases/*.case, curl's tests/data/testNNN style) and compares its
# stdout, stderr and exit code exactly.
#
# Usage: t/cli/run-cases.sh [CASEFILE...]   (default: every t/cli/cases/*.case)
# Env:   top_srcdir, top_builddir (absolute; set by make check).  Nothing is
#        written outside one mktemp -d directory, so a read-only srcdir works;
#        KEEP=1 leaves that directory behind for a look at a failing case.
#        VALGRIND=1 runs every case under valgrind's memcheck (timeout 300 s):
#        an invalid access, a use of uninitialised memory or a definite leak
#        fails the case and prints valgrind's report.
#
# Case format: a case is a text file of sections.  A line "--- KEYWORD [ARG]"
# starts a section; its content is every line up to the next section line.
# Lines before the first section are a free comment.
#
#   --- name             one line: what the case shows (printed in ok/not ok)
#   --- args             one line of shell words after the program name; quotes
#                        work, and $TMP, $SRCDIR, $BUILDDIR, $VERSION, $SYSCONFDIR
#                        expand (the line is only eval'ed as "set -- ARGS")
#   --- argv0            optional: run through a symlink $TMP/bin/NAME found on
#                        PATH, so argv[0] is exactly NAME (busybox entry points)
#   --- file NAME        content written to $TMP/NAME before running
#   --- setup            optional bash script (-eu) run in $TMP first, for
#                        files a text section cannot hold (4 KiB lines, NULs);
#                        TMP, SRCDIR, BUILDDIR, SYSCONFDIR and LOCALSTATEDIR
#                        are in its environment
#   --- stdin            fed to the command (default: /dev/null)
#   --- stdout           exact expected stdout (absent: must be empty)
#   --- stderr           exact expected stderr (absent: must be empty)
#   --- stdout-match     instead of stdout: one extended regex per output line,
#                        each matched against the whole line; line counts must
#                        agree (for text that embeds library versions)
#   --- stderr-match     the same for stderr
#   --- exit             exact exit code (required)
#
# Placeholders $TMP (the case's temp dir, also the working directory),
# $SRCDIR, $BUILDDIR, $VERSION (PACKAGE_VERSION from config.h), $SYSCONFDIR and
# $LOCALSTATEDIR (the configured sysconfdir and localstatedir) are replaced literally in file, stdin, stdout and
# stderr content (regex-quoted in the -match sections).  Adding "nonewline"
# after file/stdin/stdout/stderr drops the newline ending the content.
# Section keywords are fixed: an unknown one fails the case, so a typo cannot
# silently disable a check.  The command runs with LC_ALL=C, HOME and TMPDIR
# set to $TMP, under a 30 s timeout.
#
# Output: "ok N - name" or "not ok N - name" per case, a unified diff ("# "
# prefixed) of each part that differed, then "N passed, N failed"; the exit
# status is 1 when any case failed.  Before the cases, embedded cases prove the
# runner passes a right case and fails wrong ones (not counted).
set -u

here=$(cd "$(dirname "$0")" && pwd)
top_srcdir=${top_srcdir:-$(cd "$here/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
prog="$top_builddir/spamgear"
export LC_ALL=C
# Mail-log cases hold local-time syslog stamps: one zone for every machine.
export TZ=UTC

if [ ! -x "$prog" ]; then
    echo "run-cases: $prog not built (run make first)"
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/spamgear-cases.XXXXXX") || exit 2
trap '[ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

# ------------------------------------------------------------ placeholders

VERSION=$(sed -n 's/^#define PACKAGE_VERSION "\(.*\)"$/\1/p' "$top_builddir/config.h" 2>/dev/null)
prefix=$(sed -n 's/^prefix = //p' "$top_builddir/Makefile" 2>/dev/null)
sysconfdir=$(sed -n 's/^sysconfdir = //p' "$top_builddir/Makefile" 2>/dev/null)
localstatedir=$(sed -n 's/^localstatedir = //p' "$top_builddir/Makefile" 2>/dev/null)
# Makefile holds sysconfdir as "${prefix}/etc" by default.
SYSCONFDIR=$(eval "echo \"$sysconfdir\"")
LOCALSTATEDIR=$(eval "echo \"$localstatedir\"")
SRCDIR=$top_srcdir
BUILDDIR=$top_builddir
if [ -z "$VERSION" ] || [ -z "$SYSCONFDIR" ] || [ -z "$LOCALSTATEDIR" ]; then
    echo "run-cases: cannot read PACKAGE_VERSION, sysconfdir or localstatedir from $top_builddir"
    exit 2
fi

regex_quote() {
    printf '%s' "$1" | sed 's/[][\.*^$+?(){}|]/\\&/g'
}

# Replaces the placeholders in file $1 in place; $2 = "re" quotes the values.
substitute() {
    local f=$1 mode=${2:-} tmp=$3 line out="" name value
    local names=(TMP SRCDIR BUILDDIR VERSION SYSCONFDIR LOCALSTATEDIR)
    local values=("$tmp" "$SRCDIR" "$BUILDDIR" "$VERSION" "$SYSCONFDIR" "$LOCALSTATEDIR")
    local i
    if [ "$mode" = re ]; then
        for i in "${!values[@]}"; do values[$i]=$(regex_quote "${values[$i]}"); done
    fi
    # Read the file whole (with a sentinel) so a missing final newline survives.
    out=$(cat "$f"; printf x)
    out=${out%x}
    for i in "${!names[@]}"; do
        name='$'${names[$i]}
        value=${values[$i]}
        out=${out//"$name"/"$value"}
    done
    printf '%s' "$out" > "$f"
}

# ------------------------------------------------------------ parsing

# Splits case file $1 into directory $2: name, args, argv0, exit, setup,
# stdin, stdout(.match), stderr(.match) and files/NAME.  Prints a problem and
# returns 1 when the file is malformed.
parse_case() {
    local src=$1 dir=$2 line kw arg target="" flags="" n=0
    mkdir -p "$dir/files"
    : > "$dir/sections"
    while IFS= read -r line || [ -n "$line" ]; do
        n=$((n + 1))
        if [[ $line == "--- "* ]]; then
            read -r kw arg <<< "${line#--- }"
            flags=""
            case "$kw" in
                name|args|argv0|exit|setup) target=$kw; [ -n "$arg" ] && { echo "line $n: '$kw' takes no argument"; return 1; } ;;
                stdin|stdout|stderr) target=$kw
                    case "$arg" in "") ;; nonewline) flags=nonewline ;;
                        *) echo "line $n: unknown flag '$arg'"; return 1 ;; esac ;;
                stdout-match|stderr-match) target=${kw%-match}.match
                    [ -n "$arg" ] && { echo "line $n: '$kw' takes no argument"; return 1; } ;;
                file) read -r arg flags <<< "$arg"
                    if [ -z "$arg" ] || [[ $arg == */* ]] || [[ $arg == .* ]]; then
                        echo "line $n: 'file' needs a plain NAME"; return 1
                    fi
                    case "$flags" in ""|nonewline) ;; *) echo "line $n: unknown flag '$flags'"; return 1 ;; esac
                    target=files/$arg ;;
                *) echo "line $n: unknown section '--- $kw'"; return 1 ;;
            esac
            if grep -qxF "$target" "$dir/sections"; then
                echo "line $n: section '--- $kw${arg:+ $arg}' given twice"; return 1
            fi
            echo "$target" >> "$dir/sections"
            [ -n "$flags" ] && echo "$target" >> "$dir/nonewline"
            : > "$dir/$target"
            continue
        fi
        if [ -n "$target" ]; then
            printf '%s\n' "$line" >> "$dir/$target"
        fi
    done < "$src"
    if [ -f "$dir/nonewline" ]; then
        while IFS= read -r target; do
            truncate -s -1 "$dir/$target" 2>/dev/null
        done < "$dir/nonewline"
    fi
    for kw in name args exit; do
        [ -f "$dir/$kw" ] || { echo "missing section '--- $kw'"; return 1; }
    done
    if [ -f "$dir/stdout" ] && [ -f "$dir/stdout.match" ]; then
        echo "both '--- stdout' and '--- stdout-match'"; return 1
    fi
    if [ -f "$dir/stderr" ] && [ -f "$dir/stderr.match" ]; then
        echo "both '--- stderr' and '--- stderr-match'"; return 1
    fi
    if ! [[ $(head -n 1 "$dir/exit") =~ ^[0-9]+$ ]]; then
        echo "'--- exit' must hold a number"; return 1
    fi
    return 0
}

# ------------------------------------------------------------ comparing

# Prints a "# "-prefixed unified diff of expected $2 and actual $3 for part $1.
show_diff() {
    diff -u --label "expected $1" --label "actual $1" "$2" "$3" | sed 's/^/# /'
}

# Compares actual file $2 line by line with the regexes in $1; 0 when all match.
match_lines() {
    local -a res got
    local i
    mapfile -t res < "$1"
    mapfile -t got < "$2"
    [ "${#res[@]}" -eq "${#got[@]}" ] || return 1
    for i in "${!res[@]}"; do
        [[ ${got[$i]} =~ ^(${res[$i]})$ ]] || return 1
    done
    # A final line without newline must be expected to be so too: never.
    [ ! -s "$2" ] || [ "$(tail -c 1 "$2" | od -An -c | tr -d ' ')" = '\n' ]
}

# Checks one output part ($1 = stdout|stderr) of case dir $2; prints its diff.
check_part() {
    local part=$1 dir=$2 tmp=$3
    if [ -f "$dir/$part.match" ]; then
        substitute "$dir/$part.match" re "$tmp"
        if ! match_lines "$dir/$part.match" "$dir/$part.actual"; then
            echo "# $part does not match (expected side: one regex per line)"
            show_diff "$part" "$dir/$part.match" "$dir/$part.actual"
            return 1
        fi
        return 0
    fi
    [ -f "$dir/$part" ] || : > "$dir/$part"
    substitute "$dir/$part" "" "$tmp"
    if ! cmp -s "$dir/$part" "$dir/$part.actual"; then
        show_diff "$part" "$dir/$part" "$dir/$part.actual"
        return 1
    fi
    return 0
}

# ------------------------------------------------------------ running

# Runs case file $1 in fresh directory $2; prints diagnostics; 0 when it passed.
run_case() {
    local src=$1 dir=$2 tmp="$2/tmp" args argv0="" f rc expected failed=0 problem
    local -a argv
    if ! problem=$(parse_case "$src" "$dir"); then
        echo "# malformed case $(basename "$src"): $problem"
        return 1
    fi
    mkdir -p "$tmp"
    for f in "$dir"/files/*; do
        [ -e "$f" ] || continue
        substitute "$f" "" "$tmp"
        cp "$f" "$tmp/$(basename "$f")"
    done
    if [ -f "$dir/stdin" ]; then
        substitute "$dir/stdin" "" "$tmp"
    else
        cp /dev/null "$dir/stdin"
    fi
    if [ -f "$dir/setup" ]; then
        if ! (cd "$tmp" && TMP=$tmp SRCDIR=$SRCDIR BUILDDIR=$BUILDDIR SYSCONFDIR=$SYSCONFDIR \
              LOCALSTATEDIR=$LOCALSTATEDIR bash -eu "$dir/setup") > "$dir/setup.log" 2>&1; then
            echo "# setup failed:"; sed 's/^/#   /' "$dir/setup.log"
            return 1
        fi
    fi
    args=$(tr '\n' ' ' < "$dir/args")
    if ! problem=$(TMP=$tmp; eval "set -- $args" 2>&1); then
        echo "# bad args line: $problem"
        return 1
    fi
    argv=("$prog")
    if [ -f "$dir/argv0" ]; then
        argv0=$(head -n 1 "$dir/argv0")
        mkdir -p "$tmp/bin"
        ln -s "$prog" "$tmp/bin/$argv0"
        argv=("$argv0")
    fi
    (
        TMP=$tmp
        eval "set -- $args"
        cd "$tmp" || exit 125
        export HOME="$tmp" TMPDIR="$tmp" PATH="$tmp/bin:$PATH"
        if [ -n "${VALGRIND:-}" ]; then
            # Errors go to the log, not stderr, and do not change the exit code.
            exec timeout 300 valgrind -q --tool=memcheck --trace-children=no \
                --leak-check=full --errors-for-leak-kinds=definite --track-origins=yes \
                --log-file="$dir/valgrind.log" "${argv[@]}" "$@"
        fi
        exec timeout 30 "${argv[@]}" "$@"
    ) < "$dir/stdin" > "$dir/stdout.actual" 2> "$dir/stderr.actual"
    rc=$?
    if [ -n "${VALGRIND:-}" ] && [ -s "$dir/valgrind.log" ]; then
        echo "# valgrind:"; sed 's/^/#   /' "$dir/valgrind.log" | head -n 60
        failed=1
    fi
    check_part stdout "$dir" "$tmp" || failed=1
    check_part stderr "$dir" "$tmp" || failed=1
    expected=$(head -n 1 "$dir/exit")
    if [ "$rc" != "$expected" ]; then
        echo "$expected" > "$dir/exit.expected"
        echo "$rc" > "$dir/exit.actual"
        show_diff exit "$dir/exit.expected" "$dir/exit.actual"
        failed=1
    fi
    return $failed
}

case_name() {
    local dir=$1
    if [ -f "$dir/name" ] && [ -s "$dir/name" ]; then
        head -n 1 "$dir/name"
    else
        basename "$2"
    fi
}

# ------------------------------------------------------------ self-check

# The runner must pass right cases and fail each kind of wrong one, or its
# "ok" lines prove nothing.  Edits are sed scripts applied to the right case.
self_check() {
    local d="$work/self" i out
    local -a right=(
        ""                                                     # as written
        's/^--- stdout$/--- stdout-match/; s/OK (2 keys set)/OK \\([0-9]+ keys set\\)/'
    )
    local -a wrong=(
        's/^mail-max 7/mail-max x7/'              # stdout, stderr and exit differ
        's/OK (2 keys/OK (3 keys/'                # stdout differs
        's/^0$/1/'                                # exit differs
        's/^--- stdout$/--- stderr/'              # output on the wrong stream
        's/^--- stdout$/--- stdout-match/; s/OK (2 keys set)/OK \\(3 keys set\\)/'
        's/^--- exit$/--- exti/'                  # malformed: unknown section
    )
    mkdir -p "$d"
    cat > "$d/base.case" <<'CASE'
--- name
self-check
--- file c.conf
mail-max 7
log-level info
--- args
check-config -c "$TMP/c.conf"
--- stdout
$TMP/c.conf: OK (2 keys set)
--- exit
0
CASE
    for i in "${!right[@]}"; do
        sed "${right[$i]}" "$d/base.case" > "$d/right$i.case"
        if ! out=$(run_case "$d/right$i.case" "$d/right$i"); then
            echo "not ok - runner self-check: right case $i (${right[$i]:-as written}) failed"
            printf '%s\n' "$out"
            return 1
        fi
    done
    for i in "${!wrong[@]}"; do
        sed "${wrong[$i]}" "$d/base.case" > "$d/wrong$i.case"
        if cmp -s "$d/base.case" "$d/wrong$i.case" ||
           run_case "$d/wrong$i.case" "$d/wrong$i" > "$d/wrong$i.out"; then
            echo "not ok - runner self-check: wrong case $i (${wrong[$i]}) was not reported"
            return 1
        fi
    done
    echo "# runner self-check: ${#right[@]} right cases passed, ${#wrong[@]} wrong cases failed"
    return 0
}

# ------------------------------------------------------------ main

self_check || exit 1

if [ $# -gt 0 ]; then
    cases=("$@")
else
    cases=("$top_srcdir"/t/cli/cases/*.case)
fi
if [ ! -f "${cases[0]}" ]; then
    echo "run-cases: no case files in $top_srcdir/t/cli/cases"
    exit 2
fi

echo "1..${#cases[@]}"
passed=0 failed=0 n=0
for c in "${cases[@]}"; do
    n=$((n + 1))
    dir="$work/case$n"
    if out=$(run_case "$c" "$dir"); then
        passed=$((passed + 1))
        echo "ok $n - $(case_name "$dir" "$c")"
    else
        failed=$((failed + 1))
        echo "not ok $n - $(case_name "$dir" "$c") ($(basename "$c"))"
    fi
    [ -n "$out" ] && printf '%s\n' "$out"
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
