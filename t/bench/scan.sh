#!/bin/bash
# t/bench/scan.sh: figures for `spamgear scan` (issue 3, Performance); not a
# timed test, make check does not run it.
#
# Tree: the Debian 12 PHP packages wordpress, mediawiki, roundcube-core,
# phpmyadmin, dokuwiki and zabbix-frontend-php, fetched with apt-get download
# and unpacked with dpkg -x under DIR/tree (built once, kept; never commit it).
#
# One run, side by side, ROUNDS rounds in turn (the machine is shared: the
# median of each is printed), warm cache (one untimed cat first):
#   cat          find DIR/tree -type f -print0 | xargs -0 cat > /dev/null
#   sg-off-j1    spamgear scan -j 1 --clamav off --signatures SIGS DIR/tree
#   sg-off-j2    the same with -j 2
#   sg-clam-j2   spamgear scan -j 2 --clamav "engine EMPTY" --signatures SIGS DIR/tree
#                (libclamav in-process; its databases are EMPTY, an empty
#                directory, plus the ClamAV-format files of SIGS)
#   clamscan     clamscan -r --no-summary --infected -d CLAMDB DIR/tree
#                (CLAMDB holds exactly the ClamAV-format files of SIGS;
#                clamscan's defaults otherwise: every parser, heuristic alerts on)
#   clamscan-eq  the same with --heuristic-alerts=no, which is what spamgear
#                asks of libclamav (its scan options say below)
#   sg-yara-j2   sg-off-j2 with --yara RULES: 300 YARA rules written for the
#                benchmark by t/bench/yara-rules.py (web-shell shaped: calls
#                near request sources, shell UI strings, decoder chains)
#   yara-p2      yara -w -r -p 2 RULES DIR/tree: the yara tool (Debian package
#                yara; skipped when missing) with the same rules, 2 threads
#                (it reads each file once more: what running it beside
#                spamgear costs)
# libclamav makes a directory for every file it scans (and files for the
# HTML it normalises) under TMPDIR; both are given the same one: BENCH_TMPDIR,
# default /dev/shm (tmpfs) when writable, else /tmp (clamscan: --tempdir).
# SIGS is conf/signatures/ plus the test files of t/scan/run.sh (.ndb .hdb
# .ldb for libclamav; .yar, which spamgear matches with libyara and clamscan
# with ClamAV's YARA subset: the project ships no others).  clamscan is
# single-threaded, so its files/s is compared with sg-clam-j2 and sg-clam-j1.
#
# Prints files/s, ratios, peak RSS (/usr/bin/time -f %M) and the files that
# the project signatures flag on the tree (false positives: every one of
# them is a pristine Debian file).
#
# Usage: t/bench/scan.sh [DIR] (default /tmp/sg-debphp); ROUNDS=3 by default.
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
sg=${SPAMGEAR:-$top_builddir/spamgear}
dir=${1:-/tmp/sg-debphp}
ROUNDS=${ROUNDS:-3}
pkgs="wordpress mediawiki roundcube-core phpmyadmin dokuwiki zabbix-frontend-php"

tree=$dir/tree
if [ ! -d "$tree" ]; then
    mkdir -p "$dir/debs" || exit 2
    (cd "$dir/debs" && apt-get download $pkgs) >&2 || { echo "scan.sh: apt-get download failed" >&2; exit 2; }
    for d in "$dir"/debs/*.deb; do dpkg -x "$d" "$tree.part" || exit 2; done
    mv "$tree.part" "$tree"
fi

tmp=$(mktemp -d /tmp/sg-scanbench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
mkdir -p "$tmp/sigs" "$tmp/clamdb" "$tmp/empty"
cp "$top_srcdir"/conf/signatures/* "$tmp/sigs/"
echo "SG.Test.Ndb:0:*:$(hex 'sg-ndb-marker-4711')" > "$tmp/sigs/test.ndb"
printf 'sg hdb sample file\n' > "$tmp/hdb.bin"
echo "$(md5sum < "$tmp/hdb.bin" | cut -d' ' -f1):$(stat -c %s "$tmp/hdb.bin"):SG.Test.Hdb" > "$tmp/sigs/test.hdb"
echo "SG.Test.Ldb;Target:0;0&1;$(hex 'ldb-part-one');$(hex 'ldb-part-two')" > "$tmp/sigs/test.ldb"
printf 'rule SG_Test_Yara\n{\n    strings:\n        $a = "sg-yara-marker-0815"\n    condition:\n        $a\n}\n' \
    > "$tmp/sigs/test.yar"
cp "$tmp"/sigs/test.* "$tmp/clamdb/"
python3 "$top_srcdir/t/bench/yara-rules.py" 300 > "$tmp/bench.yar" || exit 2
have_yara=; command -v yara >/dev/null && have_yara=1

if [ -n "${BENCH_TMPDIR:-}" ]; then TMPDIR=$BENCH_TMPDIR
elif [ -d /dev/shm ] && [ -w /dev/shm ]; then TMPDIR=/dev/shm
else TMPDIR=/tmp; fi
export TMPDIR
files=$(find "$tree" -type f | wc -l)
echo "tree: $tree: $files files, $(du -sm "$tree" | cut -f1) MB; $(nproc) CPUs; rounds: $ROUNDS; TMPDIR=$TMPDIR"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
find "$tree" -type f -print0 | xargs -0 cat > /dev/null   # warm the cache

# run NAME CMD...: one timed run; appends "SECONDS KB" to $tmp/NAME.
run() {
    local name=$1; shift
    /usr/bin/time -f '%e %M' -o "$tmp/t" "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
    tail -1 "$tmp/t" >> "$tmp/$name"   # after "Command exited with non-zero status 1"
}
for r in $(seq "$ROUNDS"); do
    run cat sh -c 'find "$1" -type f -print0 | xargs -0 cat > /dev/null' sh "$tree"
    run sg-off-j1 "$sg" scan --quiet -j 1 --clamav off --signatures "$tmp/sigs" "$tree"
    run sg-off-j2 "$sg" scan --quiet -j 2 --clamav off --signatures "$tmp/sigs" "$tree"
    run sg-clam-j1 "$sg" scan --quiet -j 1 --clamav "engine $tmp/empty" --signatures "$tmp/sigs" "$tree"
    run sg-clam-j2 "$sg" scan --quiet -j 2 --clamav "engine $tmp/empty" --signatures "$tmp/sigs" "$tree"
    run clamscan clamscan -r --no-summary --infected --tempdir="$TMPDIR" -d "$tmp/clamdb" "$tree"
    run clamscan-eq clamscan -r --no-summary --infected --heuristic-alerts=no --tempdir="$TMPDIR" \
        -d "$tmp/clamdb" "$tree"
    run sg-yara-j2 "$sg" scan --quiet -j 2 --clamav off --signatures "$tmp/sigs" \
        --yara "$tmp/bench.yar" "$tree"
    [ -n "$have_yara" ] && run yara-p2 yara -w -r -p 2 "$tmp/bench.yar" "$tree"
done

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
secs() { cut -d' ' -f1 "$tmp/$1" | median; }
rss() { cut -d' ' -f2 "$tmp/$1" | sort -n | tail -1; }
printf '%-12s %8s %10s %9s   (all rounds, s)\n' run seconds files/s 'RSS MB'
for n in cat sg-off-j1 sg-off-j2 sg-clam-j1 sg-clam-j2 clamscan clamscan-eq sg-yara-j2 \
    ${have_yara:+yara-p2}; do
    s=$(secs $n)
    printf '%-12s %8.2f %10.0f %9.1f   (%s)\n' "$n" "$s" "$(echo "$files / $s" | bc -l)" \
        "$(echo "$(rss $n) / 1024" | bc -l)" "$(cut -d' ' -f1 "$tmp/$n" | tr '\n' ' ')"
done
ratio() { printf '%.2f' "$(echo "$(secs "$2") / $(secs "$1")" | bc -l)"; }
echo "(b) sg-off-j2 time / cat time:          $(ratio cat sg-off-j2)x (goal: >= 15000 files/s)"
echo "(a) clamscan / sg-clam-j2 (files/s):    $(ratio sg-clam-j2 clamscan)x default, $(ratio sg-clam-j2 clamscan-eq)x --heuristic-alerts=no (goal: >= 2x)"
echo "    clamscan / sg-clam-j1 (files/s):    $(ratio sg-clam-j1 clamscan)x default, $(ratio sg-clam-j1 clamscan-eq)x --heuristic-alerts=no"
if [ -n "$have_yara" ]; then
    echo "(d) yara-p2 time / sg-yara-j2 time:      $(ratio sg-yara-j2 yara-p2)x (goal: >= 1: spamgear with the 300 rules at least as fast as the yara tool)"
    echo "    YARA findings (files): spamgear $(grep '\[YARA\]' "$tmp/sg-yara-j2.out" | grep -v '!' | sed 's/ \[YARA\].*//' | sort -u | wc -l) (plus $(grep '\[YARA\]' "$tmp/sg-yara-j2.out" | grep -c '!') in archive members, which yara does not open), yara $(cut -d' ' -f2- "$tmp/yara-p2.out" | sort -u | wc -l)"
else
    echo "(d) yara tool not installed (apt-get install yara): sg-yara-j2 alone"
fi
echo "    the rules' cost in spamgear: sg-yara-j2 / sg-off-j2 time: $(ratio sg-off-j2 sg-yara-j2)x"
echo "(c) peak RSS, project signatures only:  $(echo "$(rss sg-off-j2) / 1024" | bc -l | xargs printf '%.1f') MB (goal: < 100 MB)"
for n in sg-off-j2 sg-clam-j2 clamscan clamscan-eq; do
    grep -q . "$tmp/$n.err" && { echo "$n stderr:"; head -5 "$tmp/$n.err"; }
done
# a line: PATH [ENGINE] [SIGNATURE] [SUSPICIOUS] [detail] (the last two optional)
path_of() { sed 's/ \[[A-Z]*\] \[.*//' | sort -u; }
malfiles=$(grep -v '\] \[SUSPICIOUS\]' "$tmp/sg-off-j2.out" | path_of)
mal=$(printf '%s' "$malfiles" | grep -c .)
sus=$(grep '\] \[SUSPICIOUS\]' "$tmp/sg-off-j2.out" | path_of | grep -vxF "$malfiles" | grep -c .)
echo "false positives (project signatures, ClamAV off): $mal files malicious (goal <= $((files / 2000))), $sus more suspicious only (goal <= $((files / 100)))"
sed "s|^$tree/||" "$tmp/sg-off-j2.out" | sort
echo "ClamAV findings: spamgear $(grep -c CLAMAV "$tmp/sg-clam-j2.out"), clamscan $(grep -c FOUND "$tmp/clamscan.out")"
