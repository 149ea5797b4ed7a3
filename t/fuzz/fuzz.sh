#!/bin/sh
# t/fuzz/fuzz.sh SECONDS NAME...: runs each libFuzzer harness t/fuzz/fuzz_NAME
# (built with --enable-fuzzing) for SECONDS, from the committed seeds in
# $srcdir/t/fuzz/corpus/NAME, growing t/fuzz/work/NAME/corpus.  Stops at the
# first harness that finds a crash, leak or timeout (exit 1); the reproducer
# is left in t/fuzz/work/NAME/.  Prints one summary line per harness:
# executions, executions per second and libFuzzer's cov:/ft: figures.
set -u
seconds=$1; shift
here=$(cd "$(dirname "$0")" && pwd)
status=0
for name in "$@"; do
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
    else
        echo "fuzz $name: FAILED (exit $rc) after ${execs:-?} execs; log $work/fuzz.log"
        grep -E -A25 '^==[0-9]+==|ERROR: libFuzzer|runtime error|^artifact_prefix|Test unit written' "$work/fuzz.log" | head -n 60
        echo "fuzz $name: fix it, then commit the reproducer as t/fuzz/corpus/$name/crash-WHAT:"
        echo "  make check replays it from then on (t/fuzz/run.sh)"
        status=1
        break
    fi
done
exit $status
