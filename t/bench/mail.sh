#!/bin/bash
# Benchmark: spamgear mail postfix against the classic bash postfix-spam-check,
# on the same synthetic log, warm cache, in one run.  Prints figures; it is not
# a test and asserts nothing about time (the truth check does fail loudly).
#
# usage: t/bench/mail.sh [--classic PATH] [--messages N] [--format classic|rfc3339]
#   --classic PATH  a copy of the classic postfix-spam-check (not shipped: it is
#                   someone else's script); its hard-coded /var/log/mail.log is
#                   pointed at the generated log in a scratch copy.
# Needs ../shared/bench/gen_maillog.py (the project's shared data) and a built
# ./spamgear.  Env: SPAMGEAR (binary), GEN (generator path).
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
spamgear=${SPAMGEAR:-$top/spamgear}
gen=${GEN:-$top/../shared/bench/gen_maillog.py}
classic="" messages=200000 format=classic
while [ $# -gt 0 ]; do
    case $1 in
        --classic) classic=$2; shift 2 ;;
        --messages) messages=$2; shift 2 ;;
        --format) format=$2; shift 2 ;;
        *) echo "usage: $0 [--classic PATH] [--messages N] [--format classic|rfc3339]" >&2; exit 2 ;;
    esac
done
[ -x "$spamgear" ] || { echo "bench: build spamgear first ($spamgear)" >&2; exit 2; }
[ -f "$gen" ] || { echo "bench: generator not found: $gen" >&2; exit 2; }

work=$(mktemp -d /tmp/spamgear-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
export TZ=UTC LC_ALL=C
end=$(date +%s)
python3 "$gen" --messages "$messages" --end "$end" --format "$format" \
    -o "$work/mail.log" --truth "$work/truth.json"
bytes=$(stat -c %s "$work/mail.log")
lines=$(wc -l < "$work/mail.log")
cat "$work/mail.log" > /dev/null   # warm the page cache

# Best of N wall-clock runs of a command, in seconds.
best_of() {
    local n=$1 best="" t0 t1 t; shift
    for _ in $(seq "$n"); do
        t0=$(date +%s.%N); "$@" > /dev/null; t1=$(date +%s.%N)
        t=$(echo "$t1 - $t0" | bc)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

run_spamgear() { "$spamgear" mail postfix --until "@$end" --period 1hour --max "$@" "$work/mail.log" || [ $? = 1 ]; }

echo "log: $messages messages, $lines lines, $bytes bytes ($format stamps)"
"$spamgear" mail postfix --until "@$end" --json --all "$work/mail.log" > "$work/all.json" || true
python3 "$top/t/bench/mail-truth.py" "$work/truth.json" "$work/all.json" | tail -n 1

for max in 90 12; do
    t=$(best_of 5 run_spamgear "$max")
    rss=$( { /usr/bin/time -f %M "$spamgear" mail postfix --until "@$end" --max "$max" \
             "$work/mail.log" > /dev/null; } 2>&1 | tail -n 1 ) || true
    printf 'spamgear mail postfix --max %s: %.3f s, %.0f MB/s of log, peak RSS %s kB\n' "$max" "$t" \
        "$(echo "$bytes / $t / 1000000" | bc -l)" "$rss"
    eval "sg_$max=$t"
done

# spamgear seeks to the window (the log spans 6 hours, the window is the last
# one); --read-all reads every byte: the full-read throughput.
t=$(best_of 5 run_spamgear 90 --read-all)
printf 'spamgear mail postfix --max 90 --read-all: %.3f s, %.0f MB/s (every byte read)\n' "$t" \
    "$(echo "$bytes / $t / 1000000" | bc -l)"
seeked=$("$spamgear" mail postfix --until "@$end" --period 1hour --json "$work/mail.log" |
         python3 -c 'import json,sys; r = json.load(sys.stdin)["read"]; print("%d of %d bytes" % (r["seeked"], r["bytes"]))') || true
echo "seek to the window passed over $seeked"

if [ -z "$classic" ]; then
    echo "classic postfix-spam-check: not measured (give --classic PATH)"
    exit 0
fi
sed "s|/var/log/mail.log|$work/mail.log|g" "$classic" > "$work/classic"
chmod +x "$work/classic"
for max in 90 12; do
    t0=$(date +%s.%N); "$work/classic" -p 1hour -m "$max" > "$work/classic-$max.txt"; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc)
    sg=$(eval echo "\$sg_$max")
    printf 'classic postfix-spam-check -m %s: %.2f s, %d suspects; spamgear is %.0fx faster\n' \
        "$max" "$t" "$(grep -c ' -- ' "$work/classic-$max.txt" || true)" "$(echo "$t / $sg" | bc -l)"
done
