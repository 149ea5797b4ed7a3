#!/bin/sh
# t/unit/php_lex_diff.sh [DIR|FILE...]: the differential test of sg_php_lex
# against PHP's own tokenizer.  Every .php/.inc/.phtml file under the DIRs is
# lexed by t/unit/php_lex_dump (our boundaries) and by token_get_all() with
# short_open_tag=1 and TOKEN_PARSE off (t/unit/php_lex_tokens.php); token
# offsets, lengths and kinds must be equal, and our line numbers must be
# 1 + the newlines before each token.
#
# Without arguments (make check) it compares t/scan/samples, the repository's
# PHP fixtures (t/apache/htdocs, tools/demo) and the hand-written tricky files
# in t/unit/php-lex/.  SG_BENIGN_DIR, when set, is compared too (the benign
# Debian PHP tree, /var/tmp/spamgear-benign, by hand:
# SG_BENIGN_DIR=/var/tmp/spamgear-benign make check TESTS=t/unit/php_lex_diff.sh
# or t/unit/php_lex_diff.sh /var/tmp/spamgear-benign).
#
# Any difference fails the test, except the differences listed here.  Each is a
# normalisation of one side, applied before comparing (php_lex_tokens.php):
#
#   interp  A double-quoted string, backtick string, heredoc or nowdoc is one
#           token here; PHP splits them ('"', T_ENCAPSED_AND_WHITESPACE,
#           T_VARIABLE, T_CURLY_OPEN ..., T_START_HEREDOC ... T_END_HEREDOC).
#           The analyser wants a string as one fact (SG_TK_INTERP says it
#           interpolates); PHP's parts are merged into one span, nested
#           strings inside {$...} included, an unterminated one to the end.
#   xml     "<?xml" is inline HTML here.  With short_open_tag on, PHP takes
#           "<?" as an open tag and lexes the XML declaration as code up to
#           "?>"; no server runs XML declarations as PHP, and templates are
#           full of them.  PHP's tokens from such a "<?" to its next open tag
#           count as HTML.
#   script  <script language="php"> ... </script> is PHP code here (PHP 5 ran
#           it; malware aimed at old servers still uses it); PHP 7 removed
#           these tags, so to token_get_all it is HTML.  Our tokens from such
#           an open tag through its close tag count as HTML.
#
# Environment (make check): top_srcdir top_builddir; PHP (default php).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}" "${top_builddir:=$top_srcdir}"
PHP=${PHP:-php}
EXCEPTIONS="interp xml script"
dump=$top_builddir/t/unit/php_lex_dump

command -v "$PHP" >/dev/null 2>&1 || { echo "SKIP: no php-cli (apt-get install php-cli)"; exit 77; }
"$PHP" -r 'exit(function_exists("token_get_all") ? 0 : 1);' ||
    { echo "SKIP: php has no tokenizer extension"; exit 77; }
[ -x "$dump" ] || { echo "t/unit/php_lex_diff.sh: $dump not built"; exit 99; }

if [ $# -eq 0 ]; then
    set -- "$top_srcdir/t/unit/php-lex" "$top_srcdir/t/scan/samples" \
        "$top_srcdir/t/apache/htdocs" "$top_srcdir/tools/demo"
    [ -n "${SG_BENIGN_DIR:-}" ] && set -- "$@" "$SG_BENIGN_DIR"
fi
# -size -8M: token_get_all of a larger file needs more than PHP's memory limit.
find "$@" -type f \( -name '*.php' -o -name '*.inc' -o -name '*.phtml' \) -size -8M |
    LC_ALL=C sort | "$dump" -l |
    "$PHP" -d short_open_tag=1 -d memory_limit=2G \
        "$top_srcdir/t/unit/php_lex_tokens.php" compare $EXCEPTIONS 2>&1
