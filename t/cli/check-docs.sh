#!/bin/sh
# check-docs.sh: the documentation names everything the code has, and the
# reference in doc/ says each thing once.
#  - every directive in mod_spamgear_config.c's command table appears in
#    conf/mod_spamgear.conf and man/mod_spamgear.8;
#  - every config key (sg_conf_keys), command (sg_cmds) and entry point
#    (entry_points, and Makefile.am's CLASSIC_NAMES) appears in man/spamgear.1;
#    every key in conf/spamgear.conf.sample;
#  - doc/*.md has exactly one defining entry for every directive, command
#    ("spamgear NAME"), config key, entry point and log line id (APLOGNO in
#    mod_spamgear/*.c): a heading (# to ####) or a list item ("- ") that
#    starts with the name in backticks, outside fenced code blocks.  None
#    missing, none twice, and none for a directive, command or log line id
#    the code does not have;
#  - each command's entry in doc/ (from its heading to the next heading of
#    the same or a higher level) defines each option of the command's table
#    exactly once, as a list item starting with the option's forms in
#    backticks ("- `-j N`, `--jobs N`: ..."), and no option the command does
#    not have; the options every command takes likewise under the heading
#    "Options every command takes";
#  - every doc/*.md is listed in Makefile.am (make distcheck ships it) and
#    named in the README, every doc/ file the README names exists, and the
#    README sections the module's messages and conf/*.conf point to exist;
#  - both man pages render without groff warnings (when groff is installed).
# Fails naming each problem.  Run with --self-test to prove it can fail.
set -u
srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
TAB=$(printf '\t')

# Words of a C table: the first string of each '{ "...' row from the line
# containing START (a fixed string) to the first "{ NULL" row, which may be
# on START's own line (an empty table).
table_names() {
    awk -v start="$1" '
        !on && index($0, start) { on = 1 }
        on && /^[ \t]*\{ "/ { s = $0; sub(/^[ \t]*\{ "/, "", s); sub(/".*/, "", s); print s }
        on && /\{ NULL/ { exit }' "$2"
}

directives() {
    grep -oE 'AP_INIT_[A-Z0-9_]+\("[A-Za-z0-9]+"' "$1" | sed 's/.*("//; s/"$//'
}

# "NAME TABLE" per command of sg_cmds: the option table its row names.
command_tables() {
    awk '
        !on && index($0, "sg_cmds[] = {") { on = 1; next }
        !on { next }
        /\{ NULL/ { exit }
        /^[ \t]*\{ "/ { cur = $0; sub(/^[ \t]*\{ "/, "", cur); sub(/".*/, "", cur); done = 0 }
        cur != "" && !done && match($0, /[a-z_]+_options/) {
            print cur, substr($0, RSTART, RLENGTH); done = 1
        }' "$1"
}

# Text of a documentation file with roff's \- and \& undone.
doc_text() {
    sed 's/\\-/-/g; s/\\&//g; s/\\(aq/'"'"'/g' "$1"
}

# doc_defs FILE...: "TOKEN<TAB>FILE:LINE" for every defining entry: a heading
# or list item starting with `TOKEN`, outside fenced code blocks.
doc_defs() {
    awk '
        FNR == 1 { fence = 0 }
        /^(```|~~~)/ { fence = !fence; next }
        fence { next }
        /^(#|##|###|####|-) `[^`]+`([ ,:.;]|$)/ {
            t = $0; sub(/^[^`]*`/, "", t); sub(/`.*/, "", t)
            print t "\t" FILENAME ":" FNR
        }' "$@"
}

# section_options WANT TITLE FILE...: the long options defined in the entry
# whose heading starts with `WANT` (or whose heading text is TITLE), one
# "NAME<TAB>FILE:LINE" per option and list item; first a "#section" line
# when the entry exists at all.
section_options() {
    want=$1 title=$2
    shift 2
    awk -v want="$want" -v title="$title" '
        FNR == 1 { fence = 0; on = 0 }
        /^(```|~~~)/ { fence = !fence; next }
        fence { next }
        /^#+ / {
            lvl = match($0, /[^#]/) - 1
            text = substr($0, lvl + 2)
            if (on && lvl <= level) on = 0
            head = "`" want "`"
            if (!on && ((title != "" && text == title) || (want != "" && index(text, head) == 1 \
                        && (text == head || substr(text, length(head) + 1, 1) == " ")))) {
                on = 1; level = lvl
                print "#section\t" FILENAME ":" FNR
            }
            next
        }
        on && /^- `-/ {
            rest = substr($0, 3)
            split("", seen)
            while (substr(rest, 1, 1) == "`") {
                span = substr(rest, 2)
                end = index(span, "`")
                if (!end) break
                opt = substr(span, 1, end - 1)
                rest = substr(span, end + 1)
                if (substr(opt, 1, 2) == "--") {
                    name = substr(opt, 3)
                    sub(/[ =[].*/, "", name)
                    if (!(name in seen)) print name "\t" FILENAME ":" FNR
                    seen[name] = 1
                }
                if (substr(rest, 1, 2) != ", ") break
                rest = substr(rest, 3)
            }
        }' "$@"
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

# once WHAT DEFS TOKEN...: each TOKEN has exactly one line in DEFS (doc_defs).
once() {
    what=$1 defs=$2
    shift 2
    for w in "$@"; do
        where=$(awk -F "$TAB" -v t="$w" '$1 == t { print $2 }' "$defs")
        n=$(printf '%s' "$where" | grep -c .)
        if [ "$n" -eq 0 ]; then
            echo "check-docs: $what '$w' has no entry in doc/ (a heading or list item starting with \`$w\`)"
            missing=$((missing + 1))
        elif [ "$n" -gt 1 ]; then
            echo "check-docs: $what '$w' has $n entries in doc/, keep one:" \
                 $(printf '%s\n' "$where" | sed "s|^$srcdir/||")
            missing=$((missing + 1))
        fi
    done
}

# unknown WHAT DEFS PATTERN KNOWN...: entries whose token matches the ERE
# PATTERN but is none of KNOWN (documentation of something the code lacks).
unknown() {
    what=$1 defs=$2 pattern=$3
    shift 3
    known=$(printf '%s\n' "$@")
    cut -f1 "$defs" | grep -E -- "$pattern" | sort -u | while read -r t; do
        if ! printf '%s\n' "$known" | grep -qxF -- "$t"; then
            echo "check-docs: doc/ has an entry for $what '$t', which the code does not have"
        fi
    done > "$defs.unknown"
    if [ -s "$defs.unknown" ]; then
        cat "$defs.unknown"
        missing=$((missing + $(grep -c . "$defs.unknown")))
    fi
}

# options LABEL WANT TITLE OPTION... -- FILE...: the entry of WANT (or TITLE)
# defines each OPTION exactly once and nothing else.
options() {
    label=$1 want=$2 title=$3
    shift 3
    expect=
    while [ $# -gt 0 ] && [ "$1" != -- ]; do expect="$expect $1"; shift; done
    shift
    found=$(section_options "$want" "$title" "$@")
    if ! printf '%s\n' "$found" | grep -q '^#section'; then
        if [ -n "$title" ]; then
            echo "check-docs: doc/ has no section '$title' for $label"
            missing=$((missing + 1))
        fi
        return      # a missing command entry is reported by once
    fi
    for o in $expect; do
        n=$(printf '%s\n' "$found" | cut -f1 | grep -cxF -- "$o")
        if [ "$n" -eq 0 ]; then
            echo "check-docs: option --$o of $label is not defined in its doc/ entry (a list item starting with \`--$o\`)"
            missing=$((missing + 1))
        elif [ "$n" -gt 1 ]; then
            echo "check-docs: option --$o of $label is defined $n times in its doc/ entry"
            missing=$((missing + 1))
        fi
    done
    for o in $(printf '%s\n' "$found" | grep -v '^#section' | cut -f1 | sort -u); do
        case " $expect " in
            *" $o "*) ;;
            *) echo "check-docs: doc/ defines option --$o for $label, which it does not have"
               missing=$((missing + 1)) ;;
        esac
    done
}

# nonempty WHAT WORDS: a table that yields nothing means the extraction broke.
nonempty() {
    if [ -z "$2" ]; then
        echo "check-docs: found no $1 in the sources (did the table's format change?)"
        missing=$((missing + 1))
    fi
}

# expect_problems N WHAT: the checks since the last reset found N problems.
expect_problems() {
    [ "$missing" -eq "$1" ] || { echo "self-test: $2 (found $missing problems, not $1)"; exit 1; }
    missing=0
}

if [ "${1:-}" = "--self-test" ]; then
    tmp=$(mktemp -d) || exit 1
    trap 'rm -rf "$tmp"' EXIT
    srcdir=$tmp
    printf 'const command_rec t[] = {\n    AP_INIT_FLAG("SpamGearOne", f, NULL, 0, ""),\n' > "$tmp/c.c"
    printf '    AP_INIT_TAKE1("SpamGearTwo", f, NULL, 0, ""),\n    { NULL }\n};\n' >> "$tmp/c.c"
    printf '.B SpamGearOne\n' > "$tmp/doc.8"
    [ "$(directives "$tmp/c.c" | tr '\n' ' ')" = "SpamGearOne SpamGearTwo " ] ||
        { echo "self-test: directives not extracted"; exit 1; }
    require directive "$tmp/doc.8" SpamGearOne SpamGearTwo > /dev/null
    expect_problems 1 "a missing directive was not caught"
    printf '.B check\\-config\n' > "$tmp/doc.1"
    require command "$tmp/doc.1" check-config > /dev/null
    expect_problems 0 "a roff-escaped word was not found"

    # Tables: an empty one on one line, then rows; commands and their tables.
    printf 'static const x no_options[] = { { NULL, 0, 0, NULL } };\n' > "$tmp/s.c"
    printf 'static const x scan_options[] = {\n    { "jobs", 1 },\n    { "json", 0 },\n' >> "$tmp/s.c"
    printf '    { NULL, 0 }\n};\nconst sg_cmd_t sg_cmds[] = {\n    { "help", "",\n' >> "$tmp/s.c"
    printf '      no_options, h },\n    { "scan", "[options]", "x", scan_options, s },\n' >> "$tmp/s.c"
    printf '    { NULL, NULL }\n};\n' >> "$tmp/s.c"
    [ -z "$(table_names 'no_options[] = {' "$tmp/s.c")" ] &&
        [ "$(table_names 'scan_options[] = {' "$tmp/s.c" | tr '\n' ' ')" = "jobs json " ] ||
        { echo "self-test: option tables not extracted"; exit 1; }
    [ "$(command_tables "$tmp/s.c" | tr '\n' ' ')" = "help no_options scan scan_options " ] ||
        { echo "self-test: command tables not extracted"; exit 1; }

    # Exactly once: SpamGearOne twice, SpamGearTwo only in a code block,
    # SpamGearGone not in the code, a key once with a trailing colon.
    mkdir "$tmp/doc"
    cat > "$tmp/doc/a.md" <<'EOF'
# `spamgear scan` [options]

### `SpamGearOne` On|Off

- `SpamGearOne`: said again
- `max-size`: a key
- `-j N`, `--jobs N`: threads
- `--json`: JSON
- `--json`: JSON again
- `--bogus`: not in the table
- plain item naming `--null`, not a definition

```
### `SpamGearTwo`
```
EOF
    cat > "$tmp/doc/b.md" <<'EOF'
## `SpamGearGone` X

## Options every command takes

- `-c FILE`, `--config FILE`, `--config=FILE`: one item, three forms
- `-h`, `--help`: help
EOF
    doc_defs "$tmp/doc/a.md" "$tmp/doc/b.md" > "$tmp/defs"
    once directive "$tmp/defs" SpamGearOne > "$tmp/out"
    expect_problems 1 "a directive defined twice was not caught"
    grep -q "has 2 entries" "$tmp/out" || { echo "self-test: duplicate not reported"; exit 1; }
    once directive "$tmp/defs" SpamGearTwo > "$tmp/out"
    expect_problems 1 "a directive defined only in a code block was not caught"
    grep -q "has no entry" "$tmp/out" || { echo "self-test: missing entry not reported"; exit 1; }
    once "config key" "$tmp/defs" max-size "spamgear scan" > /dev/null
    expect_problems 0 "a key or command defined once was not found"
    unknown directive "$tmp/defs" '^SpamGear' SpamGearOne SpamGearTwo > "$tmp/out"
    expect_problems 1 "an entry for a directive the code lacks was not caught"
    grep -q "SpamGearGone" "$tmp/out" || { echo "self-test: unknown entry not named"; exit 1; }
    options "spamgear scan" "spamgear scan" "" jobs json null -- \
        "$tmp/doc/a.md" "$tmp/doc/b.md" > "$tmp/out"
    expect_problems 3 "a duplicate, a missing and an unknown option were not all caught"
    grep -q -- "--json of spamgear scan is defined 2 times" "$tmp/out" &&
        grep -q -- "--null of spamgear scan is not defined" "$tmp/out" &&
        grep -q -- "defines option --bogus" "$tmp/out" ||
        { echo "self-test: option problems not named"; exit 1; }
    options "every command" "" "Options every command takes" config help -- \
        "$tmp/doc/a.md" "$tmp/doc/b.md" > /dev/null
    expect_problems 0 "an item with several forms of one option counted more than once"
    echo "self-test: ok"
    exit 0
fi

"$0" --self-test > /dev/null || { echo "check-docs: self-test failed"; exit 1; }

tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

dirs=$(directives "$srcdir/mod_spamgear/mod_spamgear_config.c")
keys=$(table_names 'sg_conf_keys[] = {' "$srcdir/mod_spamgear/sg_conf.c")
cmds=$(table_names 'sg_cmds[] = {' "$srcdir/cli/spamgear.c")
eps=$(table_names 'entry_points[] = {' "$srcdir/cli/spamgear.c")
classic=$(sed -n '/^CLASSIC_NAMES =/,/^$/p' "$srcdir/Makefile.am" |
          sed 's/^CLASSIC_NAMES =//; s/\\$//' | tr -s ' \t' '\n' | grep .)
logids=$(grep -oh 'APLOGNO([0-9]*)' "$srcdir"/mod_spamgear/*.c | sed 's/APLOGNO(\(.*\))/AH\1/' | sort -u)
cmdtables=$(command_tables "$srcdir/cli/spamgear.c")
nonempty directives "$dirs"
nonempty "config keys" "$keys"
nonempty commands "$cmds"
nonempty "entry points" "$eps"
nonempty "CLASSIC_NAMES" "$classic"
nonempty "log line ids" "$logids"
nonempty "command option tables" "$cmdtables"

# The man pages and the samples.
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

# doc/: one defining entry each.
docs=$(ls "$srcdir"/doc/*.md 2>/dev/null)
if [ -z "$docs" ]; then
    echo "check-docs: no doc/*.md in $srcdir"
    missing=$((missing + 1))
else
    doc_defs $docs > "$tmp/defs"
    cmd_tokens=$(printf 'spamgear %s\n' $cmds)
    once directive "$tmp/defs" $dirs
    # "spamgear NAME" holds a blank: split the list on newlines only.
    oldifs=$IFS
    IFS='
'
    once command "$tmp/defs" $cmd_tokens
    IFS=$oldifs
    once "config key" "$tmp/defs" $keys
    once "entry point" "$tmp/defs" $eps
    once "log line id" "$tmp/defs" $logids
    unknown directive "$tmp/defs" '^SpamGear' $dirs
    unknown "log line id" "$tmp/defs" '^AH[0-9]+$' $logids
    cut -f1 "$tmp/defs" | grep '^spamgear ' | sort -u | while read -r t; do
        printf '%s\n' "$cmd_tokens" | grep -qxF -- "$t" ||
            echo "check-docs: doc/ has an entry for command '$t', which the code does not have"
    done > "$tmp/unknown-cmds"
    cat "$tmp/unknown-cmds"
    missing=$((missing + $(grep -c . "$tmp/unknown-cmds")))

    # Each command's options in its entry, and the options every command takes.
    nopts=0
    printf '%s\n' "$cmdtables" > "$tmp/cmdtables"
    while read -r c table; do
        o=$(table_names "$table[] = {" "$srcdir/cli/spamgear.c")
        nopts=$((nopts + $(printf '%s' "$o" | grep -c .)))
        options "spamgear $c" "spamgear $c" "" $o -- $docs
    done < "$tmp/cmdtables"
    o=$(table_names 'common_options[] = {' "$srcdir/cli/spamgear.c")
    nonempty "common options" "$o"
    options "every command" "" "Options every command takes" $o -- $docs

    # Shipped and reachable: Makefile.am and the README name every doc file.
    for f in $docs; do
        rel=doc/${f##*/}
        grep -qwF -- "$rel" "$srcdir/Makefile.am" ||
            { echo "check-docs: $rel is not in Makefile.am (make distcheck would not ship it)"
              missing=$((missing + 1)); }
        grep -qF -- "$rel" "$srcdir/README" ||
            { echo "check-docs: $rel is not named in the README"; missing=$((missing + 1)); }
    done
    for rel in $(grep -o 'doc/[A-Za-z0-9_.-]*\.md' "$srcdir/README" | sort -u); do
        [ -f "$srcdir/$rel" ] ||
            { echo "check-docs: the README names $rel, which does not exist"; missing=$((missing + 1)); }
    done
fi

# README sections that messages and samples send admins to.
sections=$( { sed -n 's/.*see \\"\([^\\"]*\)\\" in the.*/\1/p' "$srcdir"/mod_spamgear/*.c
              sed -n 's/.*README "\([^"]*\)".*/\1/p' "$srcdir"/conf/*.conf; } | sort -u)
nonempty "README section references" "$sections"
printf '%s\n' "$sections" > "$tmp/sections"
while read -r s; do
    [ -n "$s" ] || continue
    awk -v s="$s" 'index($0, s) == 1 { found = 1 } END { exit !found }' "$srcdir/README" ||
        { echo "check-docs: the README has no section '$s' (the module's messages or conf/ point to it)"
          missing=$((missing + 1)); }
done < "$tmp/sections"

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
     "$(echo $cmds | wc -w) commands, $nopts options, $(echo $eps | wc -w) entry points," \
     "$(echo $logids | wc -w) log line ids documented"
exit 0
