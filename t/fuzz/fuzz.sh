#!/bin/sh
# t/fuzz/fuzz.sh SECONDS NAME...: runs each libFuzzer harness t/fuzz/fuzz_NAME
# (built with --enable-fuzzing) for SECONDS, from the committed seeds in
# $srcdir/t/fuzz/corpus/NAME, growing t/fuzz/work/NAME/corpus.  FUZZ_JOBS
# harnesses run at once (default: the number of CPUs; each is one process).
# Prints one summary line per harness as it ends: executions, executions per
# second and libFuzzer's cov:/ft: figures.  A harness that finds a crash,
# leak or timeout fails the run (exit 1) after the others end; its reproducer
# is left in t/fuzz/work/NAME/.
#
# t/fuzz/fuzz.sh --merge NAME...: adds to the committed corpus
# $srcdir/t/fuzz/corpus/NAME the inputs of t/fuzz/work/NAME/corpus that reach
# code it does not (libFuzzer -set_cover_merge=1: an approximate smallest set
# with the same coverage): what a long run found stays for the
# next run and for make check's replay once committed.
set -u
here=$(cd "$(dirname "$0")" && pwd)

# one NAME SECONDS: one harness; its summary line; exit 0, or 1 on a finding.
one() {
    name=$1 seconds=$2
    work="t/fuzz/work/$name"
    mkdir -p "$work/corpus"
    # A dictionary, when the harness has one (t/fuzz/NAME.dict).
    dict=
    [ -f "$here/$name.dict" ] && dict="-dict=$here/$name.dict"
    # -timeout: one input taking 10 s is a hang; -rss_limit_mb: a blow-up.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
    "t/fuzz/fuzz_$name" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
        -max_len=65536 -print_final_stats=1 -artifact_prefix="$work/" ${dict:+"$dict"} \
        "$work/corpus" "$here/corpus/$name" > "$work/fuzz.log" 2>&1
    rc=$?
    last=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -n 1)
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/fuzz.log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/fuzz.log")
    cov=$(printf '%s\n' "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
    ft=$(printf '%s\n' "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
    corp=$(printf '%s\n' "$last" | sed -n 's/.* corp: \([0-9]*\).*/\1/p')
    if [ $rc -eq 0 ]; then
        echo "fuzz $name: ${seconds}s, ${execs:-?} execs, ${rate:-?} exec/s, cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?}"
        return 0
    fi
    # One block, written at once, so that parallel harnesses do not interleave.
    {
        echo "fuzz $name: FAILED (exit $rc) after ${execs:-?} execs; log $work/fuzz.log"
        grep -E -A25 '^==[0-9]+==|ERROR: libFuzzer|runtime error|^artifact_prefix|Test unit written' "$work/fuzz.log" | head -n 60
        echo "fuzz $name: fix it, then commit the reproducer as t/fuzz/corpus/$name/crash-WHAT:"
        echo "  make check replays it from then on (t/fuzz/run.sh)"
    } > "$work/summary"
    cat "$work/summary"
    return 1
}

# merge NAME: the work corpus's new coverage into the committed corpus.
merge() {
    name=$1
    work="t/fuzz/work/$name"
    [ -d "$work/corpus" ] || { echo "fuzz $name: no $work/corpus to merge (run make fuzz first)"; return 1; }
    before=$(ls "$here/corpus/$name" | wc -l)
    "t/fuzz/fuzz_$name" -set_cover_merge=1 -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        "$here/corpus/$name" "$work/corpus" > "$work/merge.log" 2>&1 ||
        { echo "fuzz $name: merge failed; log $work/merge.log"; return 1; }
    echo "fuzz $name: committed corpus $before -> $(ls "$here/corpus/$name" | wc -l) inputs"
}

case "${1:-}" in
--one) shift; one "$2" "$1"; exit $? ;;
--merge)
    shift
    status=0
    for name in "$@"; do merge "$name" || status=1; done
    exit $status ;;
esac

seconds=$1; shift
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 1)}
# xargs -P runs FUZZ_JOBS harnesses at a time; its status is 123 when one failed.
printf '%s\n' "$@" | xargs -P "$jobs" -n 1 sh "$0" --one "$seconds"
[ $? -eq 0 ] || exit 1
