#!/bin/bash
# t/bench/detect.sh: detection, false positives and speed of `spamgear scan`
# with the project signatures (issue 12, detection); not a timed test, make
# check does not run it.
#
# Corpora (outside the repository, never commit them):
#   MALDIR   web shells, one first-level subdirectory per collection (files
#            directly in MALDIR count as the collection "(top level)");
#   BENDIR   benign PHP, e.g. unpacked Debian PHP packages; more than one may
#            be given (each is reported apart, then all together).
# Every regular file of a tree counts, whatever its extension: the trees are
# handed to spamgear scan, which walks them as it would a web root.
#
# One run per tree, warm cache (one untimed cat first), no other run at the
# same time:
#   spamgear scan -j JOBS --json --timing --clamav off --signatures SIGS -c EMPTY TREE
# JOBS is 2 unless set; SIGS is conf/signatures unless SIGNATURES is set;
# EMPTY is an empty config file (built-in defaults: max-file-size 16M, no
# whitelist), so /etc/spamgear does not change the figures.  Wall time, user
# and sys CPU and peak RSS come from /usr/bin/time; cpu_us of each record is
# the thread CPU time of one file (open, read, scan).  MB are 2^20 bytes.
#
# Prints, per tree: files (found by find / scanned / not scanned, as stderr
# lines), files/s, MB/s, wall, user+sys, peak RSS, the mean and 99th
# percentile of cpu_us, the ten costliest files; for MALDIR the files flagged
# malicious, flagged at any severity and clean, in all and per collection; for
# each BENDIR the false positives, malicious and suspicious (a file with both
# counts as malicious), with their signatures: every one when there are at
# most 50, else the first 50 by path and a count per signature; last the ten
# costliest benign files of all BENDIRs.
#
# Usage: t/bench/detect.sh MALDIR BENDIR [BENDIR...]
set -u
top_builddir=${top_builddir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_srcdir=${top_srcdir:-$top_builddir}
sg=${SPAMGEAR:-$top_builddir/spamgear}
sigs=${SIGNATURES:-$top_srcdir/conf/signatures}
JOBS=${JOBS:-2}

if [ $# -lt 2 ]; then
    echo "usage: t/bench/detect.sh MALDIR BENDIR [BENDIR...]" >&2
    exit 2
fi
for d in "$@"; do
    [ -d "$d" ] || { echo "detect.sh: $d: not a directory" >&2; exit 2; }
done
[ -x "$sg" ] || { echo "detect.sh: $sg not built (run make first)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/sg-detectbench.XXXXXX) || exit 2
trap 'rm -rf "$tmp"' EXIT
: > "$tmp/empty.conf"

rev=$(git -C "$top_srcdir" describe --always --dirty 2> /dev/null || echo unknown)
echo "$("$sg" version), source $rev; signatures: $sigs; -j $JOBS; ClamAV off; $(nproc) CPUs"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
i=0
for d in "$@"; do
    d=${d%/}
    [ -n "$d" ] || d=/
    find "$d" -type f -print0 | xargs -0 cat > /dev/null 2>&1   # warm the cache (scan reports errors)
    find "$d" -type f | wc -l > "$tmp/$i.found"
    /usr/bin/time -f '%e %U %S %M' -o "$tmp/$i.time" \
        "$sg" scan --quiet -c "$tmp/empty.conf" -j "$JOBS" --json --timing --clamav off \
        --signatures "$sigs" "$d" > "$tmp/$i.json" 2> "$tmp/$i.err"
    rc=$?
    # Exit 0 or 1 is a scan; 2 may be files not scanned (counted below) or a
    # setup error, which leaves no record at all.
    if [ "$rc" -gt 2 ] || { [ "$rc" -eq 2 ] && [ ! -s "$tmp/$i.json" ]; }; then
        echo "detect.sh: spamgear scan of $d failed (exit $rc):" >&2
        head -5 "$tmp/$i.err" >&2
        exit 2
    fi
    printf '%s\n' "$d" > "$tmp/$i.dir"
    i=$((i + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$tmp" "$i" <<'EOF'
import collections, json, os, sys

tmp, ntrees = sys.argv[1], int(sys.argv[2])
MB = 1 << 20

def size_of(p):
    """Size of the file named P in a record, None when it is gone.  The
    scanner writes a name's valid UTF-8 as is and a byte that is not as
    \\u00XX (its Latin-1 reading): try both."""
    names = [p.encode('utf-8')]
    if any(0x80 <= ord(c) <= 0xff for c in p) and all(ord(c) <= 0xff for c in p):
        names.append(p.encode('latin-1'))
    for b in names:
        try:
            return os.stat(b).st_size
        except OSError:
            pass
    return None

def load(i):
    root = open(f'{tmp}/{i}.dir').read().rstrip('\n')
    files = {}   # path -> [cpu_us, set of (severity, signature)]
    with open(f'{tmp}/{i}.json', encoding='utf-8') as fp:
        for line in fp:
            r = json.loads(line)
            f = files.setdefault(r['path'], [r['cpu_us'], set()])
            if r['severity']:
                f[1].add((r['severity'], r['signature']))
    wall, user, sys_, rss = open(f'{tmp}/{i}.time').read().split('\n')[-2].split()
    errs = [l for l in open(f'{tmp}/{i}.err', errors='replace') if l.startswith('spamgear: ')]
    return dict(root=root, files=files, wall=float(wall), cpu=float(user) + float(sys_),
                user=float(user), sys=float(sys_), rss=int(rss),
                found=int(open(f'{tmp}/{i}.found').read()), errs=errs)

def verdict(hits):
    sev = {s for s, _ in hits}
    return 'malicious' if 'malicious' in sev else 'suspicious' if sev else 'clean'

def rel(t, p):
    return p[len(t['root']) + 1:] if p.startswith(t['root'] + '/') else p

def pct(n, total, width=6):
    """N and its share of TOTAL, in columns of WIDTH (0: inline)."""
    share = f'{100.0 * n / total:.2f}%' if total else '-'
    return f'{n:{width}d} {share:>{width + 1}}' if width else f'{n} ({share})'

def speed(name, t):
    files = t['files']
    sizes = [size_of(p) for p in files]
    nbytes = sum(s for s in sizes if s is not None)
    cpus = sorted(f[0] for f in files.values())
    n = len(files)
    print(f'== {name}: {t["root"]}')
    print(f'files: {t["found"]} found, {n} scanned, {len(t["errs"])} not scanned'
          f' (stderr lines); {nbytes / MB:.1f} MB scanned'
          + (f' ({sizes.count(None)} sizes unknown)' if None in sizes else ''))
    w = t['wall'] or 0.01
    print(f'speed: {n / w:.0f} files/s, {nbytes / MB / w:.1f} MB/s; wall {t["wall"]:.2f} s,'
          f' user+sys {t["cpu"]:.2f} s ({t["user"]:.2f} + {t["sys"]:.2f}),'
          f' peak RSS {t["rss"] / 1024:.1f} MB')
    if n:
        print(f'per-file CPU: mean {sum(cpus) / n / 1000:.3f} ms,'
              f' p99 {cpus[min(n - 1, int(n * 0.99))] / 1000:.3f} ms,'
              f' sum {sum(cpus) / 1e6:.2f} s')
    for e in t['errs'][:5]:
        print('  not scanned: ' + e.rstrip('\n')[len('spamgear: '):])
    if len(t['errs']) > 5:
        print(f'  ... and {len(t["errs"]) - 5} more')
    print('ten slowest files (per-file CPU ms, bytes, path under the tree):')
    costliest([(p, f[0], rel(t, p)) for p, f in files.items()])

def costliest(rows):
    """ROWS: (path, cpu_us, name shown); prints the ten largest cpu_us."""
    for p, us, shown in sorted(rows, key=lambda r: -r[1])[:10]:
        s = size_of(p)
        print(f'  {us / 1000:9.2f} ms  {s if s is not None else "?":>9} B  {shown}')

def detection(t):
    coll = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    for p, f in t['files'].items():
        r = rel(t, p)
        v = verdict(f[1])
        coll[r.split('/', 1)[0] if '/' in r else '(top level)'][v] += 1
        total[v] += 1
    print('detection (files; % of scanned):')
    print(f'  {"collection":<20} {"scanned":>7} {"malicious":>14} {"any severity":>14}'
          f' {"clean":>14}')
    for c, k in [('all', total)] + sorted(coll.items()):
        n = sum(k.values())
        print(f'  {c:<20} {n:7d} {pct(k["malicious"], n)} '
              f'{pct(k["malicious"] + k["suspicious"], n)} {pct(k["clean"], n)}')

def false_positives(t, label):
    files = t['files']
    n = len(files)
    for sev in ('malicious', 'suspicious'):
        hit = sorted(p for p, f in files.items() if verdict(f[1]) == sev)
        print(f'false positives, {sev}: {pct(len(hit), n, 0)} of {n} files ({label})')
        for p in hit[:50]:
            names = sorted({s for v, s in files[p][1] if v == sev})
            print(f'  {rel(t, p)}: {" ".join(names)}')
        if len(hit) > 50:
            print(f'  ... {len(hit) - 50} more; files per signature:')
            per = collections.Counter(s for p in hit for s in {s for v, s in files[p][1] if v == sev})
            for s, c in per.most_common():
                print(f'  {c:6d}  {s}')

trees = [load(i) for i in range(ntrees)]
speed('MALDIR', trees[0])
detection(trees[0])
for i, t in enumerate(trees[1:], 1):
    print()
    speed(f'BENDIR {i}', t)
    false_positives(t, f'BENDIR {i}')
if ntrees > 2:
    ben = trees[1:]
    n = sum(len(t['files']) for t in ben)
    mal = sum(1 for t in ben for f in t['files'].values() if verdict(f[1]) == 'malicious')
    sus = sum(1 for t in ben for f in t['files'].values() if verdict(f[1]) == 'suspicious')
    print(f'\nall BENDIRs: {n} files; false positives malicious {pct(mal, n, 0)},'
          f' suspicious {pct(sus, n, 0)}')
print('\nper-file CPU time of the ten costliest benign files (all BENDIRs):')
costliest([(p, f[0], p) for t in trees[1:] for p, f in t['files'].items()])
EOF
