#!/bin/bash
# t/archive/run.sh: archive members scanned by spamgear scan and inspect.
# Every archive is made here at run time (t/archive/mkarchive.py, zip, tar,
# php -d phar.readonly=0): zip, tar.gz/bz2/xz and phar members with a backdoor
# are found and named "archive!member", nested ones "a.zip!b.tar.gz!x.php";
# clean archives are clean; a 2 GiB zip bomb, a gzip bomb with no size up
# front, a 42.zip-like fan-out and ten levels of nesting are each reported as
# the limit they hit, within seconds and a bounded RSS (printed).
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
builddir=${top_builddir:-$srcdir}
sg=$builddir/spamgear
. "$srcdir/t/tap.sh"

die() { echo "t/archive/run.sh: $*" >&2; exit 99; }
[ -x "$sg" ] || die "$sg not built: run make first"
py=$(python_with "zipfile, zlib")
[ -n "$py" ] || die "no python3 with zipfile and zlib"
TIME=${TIME:-/usr/bin/time}
[ -x "$TIME" ] || die "GNU time is missing: apt-get install time"

tmp=$(mktemp -d) || die "mktemp -d failed"
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || die "cd $tmp"
mk() { "$py" "$srcdir/t/archive/mkarchive.py" "$@"; }
scan() { "$sg" -c /dev/null scan --quiet -j 1 --clamav off --signatures "$srcdir/conf/signatures" "$@"; }
show_failure() { printf '#   exit %s\n' "$rc"; sed 's/^/#   /' out err 2>/dev/null; }
# run CMD...: CMD's stdout in out, stderr in err, exit code in rc.
run() { "$@" > out 2> err; rc=$?; }

mkdir -p src/myplugin src/clean
printf '<?php eval($_POST["x"]);\n' > src/myplugin/shell.php
printf '<?php\n/* Plugin Name: My plugin */\nadd_action("init", "my_init");\n' > src/myplugin/myplugin.php
cp src/myplugin/myplugin.php src/clean/clean.php
printf 'readme\n' > src/clean/readme.txt

# ------------------------------------------------------------------ members found
mk zip plugin.zip myplugin/myplugin.php=src/myplugin/myplugin.php myplugin/shell.php=src/myplugin/shell.php
run scan plugin.zip
check "zip: the backdoor member is found, named plugin.zip!myplugin/shell.php" '[ $rc = 1 ]' \
    'grep -qx "plugin.zip!myplugin/shell.php \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\]" out' \
    '! grep -v "^plugin.zip!myplugin/shell.php " out'
cp plugin.zip avatar.jpg
run scan avatar.jpg
check "zip named avatar.jpg: known by its bytes, not its name" '[ $rc = 1 ]' \
    'grep -qx "avatar.jpg!myplugin/shell.php \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\]" out'
for z in gz bz2 xz; do
    case $z in gz) f=-z ;; bz2) f=-j ;; xz) f=-J ;; esac
    tar -C src $f -cf "plugin.tar.$z" myplugin
    run scan "plugin.tar.$z"
    check "tar.$z: the backdoor member is found" '[ $rc = 1 ]' \
        "grep -qx 'plugin.tar.$z!myplugin/shell.php \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\]' out"
done
tar -C . -czf b.tar.gz plugin.zip
mk zip a.zip b.tar.gz=b.tar.gz
run scan --json a.zip
check "nested: a.zip!b.tar.gz!plugin.zip!myplugin/shell.php, the member in --json" '[ $rc = 1 ]' \
    'grep -q "^{\"path\":\"a.zip\",\"member\":\"b.tar.gz!plugin.zip!myplugin/shell.php\",\"engine\":\"SPAMGEAR\",\"signature\":\"PHP.Backdoor.EvalRequest\"," out'
gzip -c src/myplugin/shell.php > shell.php.gz
run scan shell.php.gz
check "a gzip-compressed PHP file: its content is scanned" '[ $rc = 1 ]' \
    'grep -qx "shell.php.gz!shell.php \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\]" out'
printf 'signatures %s\nclamav off\n' "$srcdir/conf/signatures" > inspect.conf
run "$sg" -c inspect.conf inspect plugin.zip
check "inspect: the member is named" '[ $rc = 1 ]' \
    'grep -q "^0 spamgear: found in plugin.zip \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\] \[in myplugin/shell.php\]" out'
run scan --quarantine="$tmp/q" plugin.zip
run "$sg" -c /dev/null quarantine --dir "$tmp/q" list
check "quarantine: the record keeps the member" '[ $rc = 0 ]' \
    'grep -q " \[PHP.Backdoor.EvalRequest in myplugin/shell.php\]" out' \
    'grep -q "^finding SPAMGEAR PHP.Backdoor.EvalRequest malicious myplugin/shell.php$" q/*.rec'

# ------------------------------------------------------------------ phar
if php -r 'exit(class_exists("Phar") ? 0 : 1);' 2>/dev/null; then
    cat > mkphar.php <<'PHP'
<?php
// mkphar.php OUT FORMAT NAME=FILE...: FORMAT native (members gzip-compressed), zip or tar.
[$_, $out, $fmt] = $argv;
$made = $out . ['native' => '.phar', 'zip' => '.phar.zip', 'tar' => '.phar.tar'][$fmt];
$p = new Phar($made);
foreach (array_slice($argv, 3) as $a) { [$n, $f] = explode('=', $a, 2); $p[$n] = file_get_contents($f); }
$p->setStub("<?php __HALT_COMPILER();");
if ($fmt === 'native') $p->compressFiles(Phar::GZ);
rename($made, $out);
PHP
    for fmt in native zip tar; do
        php -d phar.readonly=0 mkphar.php "$fmt.phar" "$fmt" lib/a.php=src/myplugin/myplugin.php \
            lib/shell.php=src/myplugin/shell.php
        run scan "$fmt.phar"
        check "phar ($fmt): the backdoor member is found" '[ $rc = 1 ]' \
            "grep -qx '$fmt.phar!lib/shell.php \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\]' out"
    done
    php -d phar.readonly=0 mkphar.php clean.phar native lib/a.php=src/clean/clean.php
    run scan clean.phar
    check "phar (native, gzip members): a clean one is clean" '[ $rc = 0 ]' '[ ! -s out ]'
else
    ok "# SKIP php-cli with Phar is missing: no phar made"
fi

# A NUL in a native phar member's name (made here, no php needed): the name
# is not cut short at it (nor left empty) but shows it as '?'.
mk phar nul.phar 'lib/x%00.php=src/myplugin/shell.php'
run scan nul.phar
check "native phar, a NUL in a member's name: named lib/x?.php" '[ $rc = 1 ]' \
    'grep -qx "nul.phar!lib/x?.php \[SPAMGEAR\] \[PHP.Backdoor.EvalRequest\]" out'

# ------------------------------------------------------------------ clean
mk zip clean.zip clean/clean.php=src/clean/clean.php clean/readme.txt=src/clean/readme.txt
tar -C src -cJf clean.tar.xz clean
run scan clean.zip clean.tar.xz
check "clean zip and tar.xz: clean, exit 0" '[ $rc = 0 ]' '[ ! -s out ]' '[ ! -s err ]'

# ------------------------------------------------------------------ limits
# limit NAME FILE LIMIT MEMBER DETAIL: FILE is reported as LIMIT hit at MEMBER
# with a finding detail that starts with DETAIL, in under 5 s and 200 MB of RSS
# (both printed).
limit() {
    local name=$1 file=$2 lim=$3 member=$4 detail=$5 secs kb
    "$TIME" -f '%e %M' -o time.out "$sg" -c /dev/null scan --quiet -j 1 --clamav off \
        --signatures "$srcdir/conf/signatures" "$file" > out 2> err
    rc=$?
    read -r secs kb < <(tail -n 1 time.out)
    echo "# $file: $secs s, $((kb / 1024)) MB RSS"
    printf '%s\n' "$file!$member [SPAMGEAR] [Archive.LimitExceeded.$lim] [SUSPICIOUS] [$detail" > want
    check "$name" '[ $rc = 1 ]' 'grep -qFf want out' \
        "awk -v s=$secs 'BEGIN { exit !(s < 5) }'" "[ $kb -lt 204800 ]"
}
mk bomb zip bomb.zip 2
limit "zip bomb, a 2 GiB member declared: MemberSize, nothing expanded" bomb.zip MemberSize zeros.bin \
    '2147483648 bytes declared]'
mk bomb zip-lie lie.zip 2
limit "zip bomb declaring 1000 bytes for 2 GiB: MemberSize while reading" lie.zip MemberSize zeros.bin \
    'more than 16777216 bytes]'
mk bomb gz bomb.gz 2
limit "gzip bomb, no size up front: MemberSize while reading" bomb.gz MemberSize data \
    'more than 16777216 bytes]'
mk wide wide.zip 3 16
limit "42.zip-like fan-out (16 x 16 x 16 MiB of zeros): Ratio" wide.zip Ratio '0-l2.zip!0-l1.zip!7-zeros.bin' \
    "more than 200 times the archive's "
mk nest deep.zip 10 src/myplugin/shell.php
limit "ten levels of nesting: Depth, at the fourth archive" deep.zip Depth 'l9.zip!l8.zip!l7.zip' \
    'more than 3 archives inside each other]'
run scan --json deep.zip
check "--json gives the limit's detail" '[ $rc = 1 ]' \
    'grep -q "\"member\":\"l9.zip!l8.zip!l7.zip\",.*\"detail\":\"more than 3 archives inside each other\"" out'

echo "t/archive: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
