#!/bin/sh
# check-docs.sh: the documentation names everything the code has.
#  - every directive in mod_spamgear_config.c's command table appears in
#    README (when there is one), conf/mod_spamgear.conf and man/mod_spamgear.8;
#  - every config key (sg_conf_keys), command (sg_cmds) and entry point
#    (entry_points, and Makefile.am's CLASSIC_NAMES) appears in man/spamgear.1;
#    every key in conf/spamgear.conf.sample;
#  - both man pages render without groff warnings (when groff is installed).
# Fails naming each missing word.  Run with --self-test to prove it can fail.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}

# Words of a C table: the first string of each "{ "..." row between the line
# matching START and the next "{ NULL" row.
table_names() {
    sed -n "/$1/,/{ NULL/p" "$2" | sed -n 's/^[[:space:]]*{ "\([^"]*\)".*/\1/p'
}

directives() {
    grep -oE 'AP_INIT_[A-Z0-9_]+\("[A-Za-z0-9]+"' "$1" | sed 's/.*("//; s/"$//'
}

# Text of a documentation file with roff's \- and \& undone.
doc_text() {
    sed 's/\\-/-/g; s/\\&//g; s/\\(aq/'"'"'/g' "$1"
}

missing=0
# require WHAT FILE WORD...: each WORD must appear as a word in FILE.
require() {
    what=$1 file=$2
    shift 2
    if [ ! -f "$file" ]; then
        echo "check-docs: $file is missing"
        missing=$((missing + 1))
        return
    fi
    text=$(doc_text "$file")
    for w in "$@"; do
        if ! printf '%s\n' "$text" | grep -qwF -- "$w"; then
            echo "check-docs: $what '$w' is not in ${file#"$srcdir"/}"
            missing=$((missing + 1))
        fi
    done
}

# nonempty WHAT WORDS: a table that yields nothing means the extraction broke.
nonempty() {
    if [ -z "$2" ]; then
        echo "check-docs: found no $1 in the sources (did the table's format change?)"
        missing=$((missing + 1))
    fi
}

if [ "${1:-}" = "--self-test" ]; then
    tmp=$(mktemp -d) || exit 1
    trap 'rm -rf "$tmp"' EXIT
    printf 'const command_rec t[] = {\n    AP_INIT_FLAG("SpamGearOne", f, NULL, 0, ""),\n' > "$tmp/c.c"
    printf '    AP_INIT_TAKE1("SpamGearTwo", f, NULL, 0, ""),\n    { NULL }\n};\n' >> "$tmp/c.c"
    printf '.B SpamGearOne\n' > "$tmp/doc.8"
    [ "$(directives "$tmp/c.c" | tr '\n' ' ')" = "SpamGearOne SpamGearTwo " ] ||
        { echo "self-test: directives not extracted"; exit 1; }
    require directive "$tmp/doc.8" SpamGearOne SpamGearTwo > /dev/null
    [ "$missing" -eq 1 ] || { echo "self-test: a missing directive was not caught"; exit 1; }
    printf '.B check\\-config\n' > "$tmp/doc.1"
    missing=0
    require command "$tmp/doc.1" check-config > /dev/null
    [ "$missing" -eq 0 ] || { echo "self-test: a roff-escaped word was not found"; exit 1; }
    echo "self-test: ok"
    exit 0
fi

"$0" --self-test > /dev/null || { echo "check-docs: self-test failed"; exit 1; }

dirs=$(directives "$srcdir/mod_spamgear/mod_spamgear_config.c")
keys=$(table_names 'sg_conf_keys\[\] = {' "$srcdir/mod_spamgear/sg_conf.c")
cmds=$(table_names 'sg_cmds\[\] = {' "$srcdir/cli/spamgear.c")
eps=$(table_names 'entry_points\[\] = {' "$srcdir/cli/spamgear.c")
classic=$(sed -n '/^CLASSIC_NAMES =/,/^$/p' "$srcdir/Makefile.am" |
          sed 's/^CLASSIC_NAMES =//; s/\\$//' | tr -s ' \t' '\n' | grep .)
nonempty directives "$dirs"
nonempty "config keys" "$keys"
nonempty commands "$cmds"
nonempty "entry points" "$eps"
nonempty "CLASSIC_NAMES" "$classic"

if [ -f "$srcdir/README" ]; then
    require directive "$srcdir/README" $dirs
else
    echo "check-docs: note: no README yet, its directive check is skipped"
fi
require directive "$srcdir/conf/mod_spamgear.conf" $dirs
require directive "$srcdir/man/mod_spamgear.8" $dirs
require "config key" "$srcdir/man/spamgear.1" $keys
require "config key" "$srcdir/conf/spamgear.conf.sample" $keys
require command "$srcdir/man/spamgear.1" $cmds
require "entry point" "$srcdir/man/spamgear.1" $eps $classic
# The analyser's rules and the kinds of fact they read (sg_php_taint.h).
arules=$(sed -n 's/^\(PHP\.[A-Za-z0-9.]*\) .* facts .*/\1/p' "$srcdir/conf/signatures/php-analyser.sigs")
facts=$(sed -n 's/^ \*   \([a-z]*\) [A-Z].*/\1/p' "$srcdir/mod_spamgear/sg_php_taint.h" | sort -u)
nonempty "analyser rules" "$arules"
nonempty "fact kinds" "$facts"
require "analyser rule" "$srcdir/man/spamgear.1" $arules
require "fact" "$srcdir/man/spamgear.1" $facts
# Makefile.am installs the links the tool answers to: the two lists must agree.
if [ "$(printf '%s\n' $eps | sort)" != "$(printf '%s\n' $classic | sort)" ]; then
    echo "check-docs: Makefile.am CLASSIC_NAMES and cli/spamgear.c entry_points differ"
    missing=$((missing + 1))
fi

if command -v groff > /dev/null 2>&1; then
    for page in man/spamgear.1 man/mod_spamgear.8; do
        warnings=$(groff -ww -man -Tutf8 -z "$srcdir/$page" 2>&1)
        if [ -n "$warnings" ]; then
            echo "check-docs: $page: groff warns:"
            printf '%s\n' "$warnings" | sed 's/^/  /'
            missing=$((missing + 1))
        fi
    done
else
    echo "check-docs: note: groff not installed, man pages not rendered"
fi

if [ "$missing" -ne 0 ]; then
    echo "check-docs: $missing problem(s) above"
    exit 1
fi
echo "check-docs: $(echo $dirs | wc -w) directives, $(echo $keys | wc -w) keys," \
     "$(echo $cmds | wc -w) commands, $(echo $eps | wc -w) entry points documented"
exit 0
