#!/bin/bash
# t/bench/sites.sh: figures for `spamgear sites` (issue 18, Benchmark); not a
# timed test, make check does not run it.
#
# Generates under DIR (default: a mktemp -d under /tmp, removed at the end;
# BENCH_KEEP=1 keeps it) N_SITES WordPress installs (default 1000) as
# DIR/home/userNNNN/public_html, each with 20 plugins picked from a pool of
# 400 slugs (main file with a plugin header and 2-12 KiB of PHP, an includes/
# file, a readme.txt, sometimes a second top-level file; one in ten sites also
# has a single-file plugin) and 2 themes (style.css with a theme header,
# functions.php), plus a Wordfence-format feed of 3000 vulnerabilities and an
# OSV feed of 1000 over those slugs and WordPress core.
#
# Then, warm cache (one untimed run of each first), ROUNDS rounds (default 3,
# median printed) side by side:
#   spamgear     spamgear sites --json --feed WF --feed OSV DIR/home > /dev/null
#   find+grep    what an admin would script without it: find the
#                wp-includes/version.php files and grep $wp_version, grep the
#                Version: header of every top-level plugin .php file and
#                every theme's style.css (xargs grep, no vulnerability matching
#                at all: a lower bound for the alternative)
# Prints wall time, CPU (user+sys), peak RSS (/usr/bin/time -f), sites/s and
# checks that spamgear found every site and plugin.  Needs python3 and
# /usr/bin/time (apt-get install time).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
N_SITES=${N_SITES:-1000}
ROUNDS=${ROUNDS:-3}

die() { echo "t/bench/sites.sh: $*" >&2; exit 99; }
[ -x "$sg" ] || die "$sg not built: run make first"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing: apt-get install time"
command -v python3 >/dev/null || die "python3 is missing"

dir=${1:-}
if [ -z "$dir" ]; then
    dir=$(mktemp -d /tmp/spamgear-bench-sites.XXXXXX) || die "mktemp failed"
    [ -n "${BENCH_KEEP:-}" ] || trap 'rm -rf "$dir"' EXIT
fi

echo "generating $N_SITES WordPress installs x 20 plugins + 2 themes under $dir ..."
python3 - "$dir" "$N_SITES" <<'PY' || die "generation failed"
import json, os, random, sys
root, n_sites = sys.argv[1], int(sys.argv[2])
rnd = random.Random(18)
words = ("contact form seo cache gallery slider backup security social share "
         "analytics forms shop cart mail popup table chart calendar events maps "
         "booking login member review rating faq menu widget import export "
         "redirect sitemap spam captcha cookie consent pdf video audio").split()
slugs = sorted({"-".join(rnd.sample(words, rnd.choice((1, 2, 3)))) for _ in range(2000)})[:400]
def ver():
    return ".".join(str(rnd.randint(0, 12)) for _ in range(rnd.choice((2, 3, 3))))
code_line = ("    $value = isset( $_POST['%s'] ) ? sanitize_text_field( wp_unslash( $_POST['%s'] ) ) : '';\n"
             "    update_option( '%s_setting', $value );\n")
def php_body(slug, size):
    out, fn = [], slug.replace("-", "_")
    while sum(map(len, out)) < size:
        k = len(out)
        out.append("function %s_f%d( $args = array() ) {\n" % (fn, k) + code_line % (fn, fn, fn)
                   + "    return apply_filters( '%s_f%d', $args );\n}\n\n" % (fn, k))
    return "".join(out)
def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
core_versions = ["6.4.2", "6.4.3", "6.3.2", "6.2.3", "6.1.1", "5.9.8", "6.5"]
for i in range(n_sites):
    wp = os.path.join(root, "home", "user%04d" % i, "public_html")
    write(os.path.join(wp, "wp-includes", "version.php"),
          "<?php\n/**\n * WordPress Version\n *\n * @global string $wp_version\n */\n"
          "$wp_version = '%s';\n$wp_db_version = 56657;\n$tinymce_version = '49110-20201110';\n"
          "$required_php_version = '7.0.0';\n" % rnd.choice(core_versions))
    write(os.path.join(wp, "index.php"), "<?php\ndefine( 'WP_USE_THEMES', true );\nrequire __DIR__ . '/wp-blog-header.php';\n")
    for slug in rnd.sample(slugs, 20):
        pd = os.path.join(wp, "wp-content", "plugins", slug)
        head = ("<?php\n/**\n * Plugin Name: %s\n * Plugin URI: https://example.org/%s\n"
                " * Description: Does %s things.\n * Version: %s\n * Requires at least: 5.0\n"
                " * Author: Example\n * License: GPLv2 or later\n * Text Domain: %s\n */\n\n"
                "defined( 'ABSPATH' ) || exit;\n\n") % (slug.title(), slug, slug, ver(), slug)
        write(os.path.join(pd, slug + ".php"), head + php_body(slug, rnd.randint(2048, 12288)))
        write(os.path.join(pd, "includes", "class-%s.php" % slug), "<?php\n" + php_body(slug + "-c", rnd.randint(1024, 8192)))
        write(os.path.join(pd, "readme.txt"), "=== %s ===\nStable tag: 1.0\n\n%s\n" % (slug, "Lorem ipsum. " * 100))
        if rnd.random() < 0.3:
            write(os.path.join(pd, "uninstall.php"), "<?php\ndefined( 'WP_UNINSTALL_PLUGIN' ) || exit;\ndelete_option( 'x' );\n")
    if i % 10 == 0:
        write(os.path.join(wp, "wp-content", "plugins", "hello.php"),
              "<?php\n/*\nPlugin Name: Hello Dolly\nVersion: 1.7.2\n*/\nfunction hello_dolly() {}\n")
    write(os.path.join(wp, "wp-content", "plugins", "index.php"), "<?php\n// Silence is golden.\n")
    for t in ("twentytwentythree", "twentytwentyfour"):
        td = os.path.join(wp, "wp-content", "themes", t)
        write(os.path.join(td, "style.css"), "/*\nTheme Name: %s\nAuthor: the WordPress team\nVersion: %s\n"
              "Requires at least: 6.1\n*/\n%s" % (t.title(), ver(), "body { margin: 0; }\n" * 50))
        write(os.path.join(td, "functions.php"), "<?php\n" + php_body(t, 4096))
wf, osv = {}, []
def rng():
    # most installed versions are above a published range, as on a real host
    hi = "%d.%d.%d" % (rnd.randint(0, 2), rnd.randint(0, 12), rnd.randint(0, 9))
    return hi, hi + ".1"
for k in range(3000):
    slug = rnd.choice(slugs)
    hi, fix = rng()
    incl = rnd.random() < 0.5
    wf["wf-%05d" % k] = {"id": "wf-%05d" % k, "title": "Issue %d in %s" % (k, slug),
        "software": [{"type": "plugin", "slug": slug, "affected_versions": {
            "* - " + hi: {"from_version": "*", "from_inclusive": True, "to_version": hi,
                          "to_inclusive": incl}},
            "patched": True, "patched_versions": [fix if incl else hi]}],
        "cve": "CVE-2024-%05d" % k,
        "cvss": {"vector": "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", "score": 6.4, "rating": "Medium"}}
for k in range(1000):
    slug = rnd.choice(slugs)
    lo = "%d.%d" % (rnd.randint(0, 3), rnd.randint(0, 12))
    hi = "%s.%d" % (lo, rnd.randint(1, 9))
    osv.append({"id": "GHSA-%04d" % k, "aliases": ["CVE-2023-%05d" % k], "summary": "Bug %d" % k,
        "affected": [{"package": {"ecosystem": "Packagist", "name": "wpackagist-plugin/" + slug},
            "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": lo}, {"fixed": hi}]}]}]})
osv.append({"id": "GHSA-core", "aliases": ["CVE-2023-99999"], "summary": "Core",
    "affected": [{"package": {"ecosystem": "Packagist", "name": "roots/wordpress"},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "6.1"}, {"fixed": "6.1.2"}]}]}]})
with open(os.path.join(root, "feed.wordfence.json"), "w") as f:
    json.dump(wf, f)
with open(os.path.join(root, "feed.osv.json"), "w") as f:
    json.dump(osv, f)
PY

home=$dir/home
files=$(find "$home" -type f | wc -l)
bytes=$(du -sb "$home" | cut -f1)
echo "tree: $files files, $((bytes / 1048576)) MiB; feeds: $(du -k "$dir/feed.wordfence.json" | cut -f1) KiB Wordfence, $(du -k "$dir/feed.osv.json" | cut -f1) KiB OSV"

baseline() {
    find "$1" -maxdepth 5 -path '*/wp-includes/version.php' -print0 |
        xargs -0 grep -H "^\$wp_version"
    find "$1" -maxdepth 7 \( -path '*/wp-content/plugins/*.php' -a ! -path '*/wp-content/plugins/*/*/*' \) -print0 |
        xargs -0 grep -H -m1 -i '^[ \t/*#@]*Version:'
    find "$1" -maxdepth 7 -path '*/wp-content/themes/*/style.css' -print0 |
        xargs -0 grep -H -m1 -i '^[ \t/*#@]*Version:'
}

# run NAME CMD...: one timed run; appends "wall cpu rss_kib" to $dir/NAME.times
run() {
    local name=$1
    shift
    /usr/bin/time -f "%e %U %S %M" -o "$dir/time.out" "$@" > "$dir/$name.out" 2> "$dir/$name.err"
    echo "$? $(tail -n 1 "$dir/time.out")" | awk '{ printf "%s %.2f %.2f %d\n", $1, $2, $3 + $4, $5 }' >> "$dir/$name.times"
}
sg_cmd() { "$sg" sites --json --feed "$dir/feed.wordfence.json" --feed "$dir/feed.osv.json" "$home"; }
bl_cmd() { baseline "$home"; }
export -f baseline
export sg dir home

# warm the cache, untimed
sg_cmd > /dev/null 2>&1
bash -c bl_cmd > /dev/null 2>&1 || true
rm -f "$dir"/*.times
for r in $(seq "$ROUNDS"); do
    run spamgear "$sg" sites --json --feed "$dir/feed.wordfence.json" --feed "$dir/feed.osv.json" "$home"
    run findgrep bash -c "$(declare -f baseline); baseline '$home'"
done

median() { sort -n -k2 "$1" | awk -v n="$ROUNDS" 'NR == int((n + 1) / 2)'; }
read -r sg_rc sg_wall sg_cpu sg_rss < <(median "$dir/spamgear.times")
read -r bl_rc bl_wall bl_cpu bl_rss < <(median "$dir/findgrep.times")

sites=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["summary"]["sites"], d["summary"]["components"], d["summary"]["vulnerable"])' "$dir/spamgear.out")
set -- $sites
printf '\n%-10s %8s %8s %10s %10s  %s\n' "" wall_s cpu_s peak_rss sites/s exit
printf '%-10s %8s %8s %8d K %10.0f  %s\n' spamgear "$sg_wall" "$sg_cpu" "$sg_rss" "$(echo "$N_SITES / $sg_wall" | bc -l 2>/dev/null || echo 0)" "$sg_rc"
printf '%-10s %8s %8s %8d K %10.0f  %s\n' find+grep "$bl_wall" "$bl_cpu" "$bl_rss" "$(echo "$N_SITES / $bl_wall" | bc -l 2>/dev/null || echo 0)" "$bl_rc"
echo
echo "spamgear: $1 sites, $2 components, $3 vulnerable ($(tail -n 1 "$dir/spamgear.err"))"
echo "find+grep: $(grep -c . "$dir/findgrep.out") lines (versions only, no matching)"
want=$((N_SITES * 22 + (N_SITES + 9) / 10))
[ "$2" = "$want" ] || { echo "FAIL: spamgear found $2 plugins and themes, not $want"; exit 1; }
[ "$1" = "$N_SITES" ] || { echo "FAIL: spamgear found $1 sites, not $N_SITES"; exit 1; }
awk -v w="$sg_wall" 'BEGIN { exit !(w < 30) }' || { echo "FAIL: over 30 s"; exit 1; }
echo "goal (under 30 s for $N_SITES installs): met"
