<?php
/*
 * php_lex_tokens.php: PHP's own token boundaries (token_get_all, TOKEN_PARSE
 * off), in the format of t/unit/php_lex_dump.c, and the comparison of the two.
 * Run by t/unit/php_lex_diff.sh with php -d short_open_tag=1.
 *
 *   php_lex_tokens.php dump FILE [EXCEPTION...]
 *       PHP's tokens of FILE as "OFFSET LENGTH KIND LINE" lines.
 *   php_lex_tokens.php compare [EXCEPTION...] < php_lex_dump output
 *       compares sg_php_lex's tokens of every file in the dump with PHP's;
 *       prints one "DIFF" line per difference and a summary line; exit 1 on
 *       any difference, 2 on a broken dump.
 *
 * EXCEPTION names a difference the diff script lists and explains; each one
 * is a normalisation of one side applied before comparing (see
 * php_lex_diff.sh for why each exists):
 *   interp    PHP's split "...", `...`, heredoc and nowdoc become one span
 *   xml       "<?xml ... ?>" read as a short open tag by PHP becomes HTML
 *   script    our <script language="php"> ... </script> code becomes HTML
 */

/* How often each exception changed a token list (for the summary line). */
$used = ['interp' => 0, 'xml' => 0, 'script' => 0];

const KINDS = ['HTML', 'OPEN', 'OPEN_ECHO', 'CLOSE', 'WS', 'COMMENT', 'DOC_COMMENT', 'VAR',
               'NAME', 'NUM', 'SQ', 'DQ', 'BACKTICK', 'HEREDOC', 'NOWDOC', 'CAST', 'OP', 'ATTR'];

/* Our kind of one PHP token (after the 'interp' merge). */
function kind_of($id, $text)
{
    switch ($id) {
    case T_INLINE_HTML: return 'HTML';
    case T_OPEN_TAG: return 'OPEN';
    case T_OPEN_TAG_WITH_ECHO: return 'OPEN_ECHO';
    case T_CLOSE_TAG: return 'CLOSE';
    case T_WHITESPACE: return 'WS';
    case T_COMMENT: return 'COMMENT';
    case T_DOC_COMMENT: return 'DOC_COMMENT';
    case T_VARIABLE: return 'VAR';
    case T_LNUMBER: case T_DNUMBER: return 'NUM';
    case T_INT_CAST: case T_DOUBLE_CAST: case T_STRING_CAST: case T_ARRAY_CAST:
    case T_OBJECT_CAST: case T_BOOL_CAST: case T_UNSET_CAST: return 'CAST';
    case T_ATTRIBUTE: return 'ATTR';
    case T_CONSTANT_ENCAPSED_STRING: case T_ENCAPSED_AND_WHITESPACE:
        /* the latter at top level: a ' string running to the end */
        return ltrim($text, 'bB')[0] === '"' ? 'DQ' : 'SQ';
    }
    if (preg_match('/^\\\\?[A-Za-z_\x80-\xff]/', $text)) return 'NAME';
    return 'OP';
}

/* PHP's tokens of SRC as [offset, length, kind] with the 'interp' merge: a
 * string PHP splits into parts is one span from its opening quote (or <<<)
 * to its closing quote (or label), nested strings inside {$...} included. */
function php_spans($src, $ex)
{
    global $used;
    $spans = [];
    $off = 0;
    $stack = [];          /* 's' + closer: in a string; 'b': in braces; 'o': in "$a[...]" */
    $start = 0;
    $kind = '';
    foreach (token_get_all($src) as $t) {
        [$id, $text] = is_array($t) ? [$t[0], $t[1]] : [0, $t];
        $len = strlen($text);
        $top = $stack ? end($stack) : null;
        $char = $id === 0 ? $text : null;   /* one-character tokens only ('"' may be HTML) */
        $opener = $id === T_START_HEREDOC ? 'H'
                : (($char === '"' || strcasecmp((string)$char, 'b"') === 0) ? '"' : ($char === '`' ? '`' : null));
        if (!isset($ex['interp'])) {
            $spans[] = [$off, $len, $id ? kind_of($id, $text) : 'OP'];
        }
        elseif ($top === null && $opener !== null) {
            $start = $off;
            $kind = $opener === '"' ? 'DQ' : ($opener === '`' ? 'BACKTICK'
                  : (strpos($text, "'") !== false ? 'NOWDOC' : 'HEREDOC'));
            $stack[] = 's' . $opener;
        }
        elseif ($top === null) {
            $spans[] = [$off, $len, $id ? kind_of($id, $text) : 'OP'];
        }
        elseif ($top[0] === 's') {
            $closes = ($top === 'sH' && $id === T_END_HEREDOC) || ($top === 's"' && $char === '"')
                   || ($top === 's`' && $char === '`');
            if ($closes) array_pop($stack);
            elseif ($id === T_CURLY_OPEN || $id === T_DOLLAR_OPEN_CURLY_BRACES) $stack[] = 'b';
            elseif ($char === '[') $stack[] = 'o';
            if (!$stack) {
                $spans[] = [$start, $off + $len - $start, $kind];
                $used['interp']++;
            }
        }
        elseif ($top === 'o') {
            /* PHP leaves an offset at ']' or with an empty T_ENCAPSED_AND_WHITESPACE */
            if ($char === ']' || $id === T_ENCAPSED_AND_WHITESPACE) array_pop($stack);
        }
        else {
            if ($char === '{' || $id === T_CURLY_OPEN || $id === T_DOLLAR_OPEN_CURLY_BRACES) $stack[] = 'b';
            elseif ($char === '}') array_pop($stack);
            elseif ($opener !== null) $stack[] = 's' . $opener;
        }
        $off += $len;
    }
    if ($stack) {
        $spans[] = [$start, $off - $start, $kind];
        $used['interp']++;
    }
    if ($off !== strlen($src)) fwrite(STDERR, "php_lex_tokens: PHP's tokens do not cover the input\n");
    if (isset($ex['xml'])) $spans = xml_as_html($src, $spans);
    return $spans;
}

/* 'xml': from a "<?" open tag followed by "xml" up to PHP's next open tag is
 * HTML (as the lexer reads it). */
function xml_as_html($src, $spans)
{
    global $used;
    $in = false;
    foreach ($spans as &$s) {
        if ($s[2] === 'OPEN' || $s[2] === 'OPEN_ECHO') {
            $in = $s[1] === 2 && strncasecmp(substr($src, $s[0] + 2, 3), 'xml', 3) === 0;
            $used['xml'] += $in;
        }
        if ($in) $s[2] = 'HTML';
    }
    return $spans;
}

/* 'script': our <script language="php"> ... </script> is HTML to PHP 7+. */
function script_as_html($src, $spans)
{
    global $used;
    $in = false;
    foreach ($spans as &$s) {
        if ($s[2] === 'OPEN' && $src[$s[0] + 1] !== '?') {
            $in = true;
            $used['script']++;
        }
        $was = $in;
        if ($s[2] === 'CLOSE') $in = false;
        if ($was) $s[2] = 'HTML';
    }
    return $spans;
}

/* Adjacent HTML spans become one (both sides; the normalisations make them). */
function join_html($spans)
{
    $out = [];
    foreach ($spans as $s) {
        $n = count($out);
        if ($n && $s[2] === 'HTML' && $out[$n - 1][2] === 'HTML') $out[$n - 1][1] += $s[1];
        else $out[] = $s;
    }
    return $out;
}

function show($src, $s)
{
    return sprintf('%d+%d %s %s', $s[0], $s[1], $s[2], json_encode(substr($src, $s[0], min($s[1], 40)),
                   JSON_INVALID_UTF8_SUBSTITUTE | JSON_UNESCAPED_SLASHES));
}

/* Compares one file; returns the number of differences (each printed). */
function compare_file($path, $ours, $ex, &$ntok)
{
    $src = file_get_contents($path);
    $theirs = join_html(php_spans($src, $ex));
    $line = 1;
    $off = 0;
    foreach ($ours as $s) {
        if ($s[0] !== $off || $s[3] !== $line) {
            echo "DIFF $path: our token at $s[0] (line $s[3]) should be at $off (line $line)\n";
            return 1;
        }
        $off += $s[1];
        $line += substr_count($src, "\n", $s[0], $s[1]);
    }
    if ($off !== strlen($src)) {
        echo "DIFF $path: our tokens end at $off of " . strlen($src) . "\n";
        return 1;
    }
    if (isset($ex['script'])) $ours = script_as_html($src, $ours);
    $ours = join_html($ours);
    $ntok += count($theirs);
    $diffs = 0;
    for ($i = 0, $j = 0; $i < count($ours) && $j < count($theirs); $i++, $j++) {
        $a = $ours[$i];
        $b = $theirs[$j];
        if ($a[0] === $b[0] && $a[1] === $b[1] && $a[2] === $b[2]) continue;
        if ($diffs++ < 3) echo "DIFF $path: ours ", show($src, $a), " php ", show($src, $b), "\n";
        /* resynchronise at the next common token end */
        $ea = $a[0] + $a[1];
        $eb = $b[0] + $b[1];
        while ($ea !== $eb) {
            if ($ea < $eb) { $a = $ours[++$i] ?? [$ea, 0]; $ea = $a[0] + $a[1]; if ($a[1] === 0) break; }
            else { $b = $theirs[++$j] ?? [$eb, 0]; $eb = $b[0] + $b[1]; if ($b[1] === 0) break; }
        }
    }
    return $diffs;
}

function read_dump($in, $ex)
{
    global $used;
    $files = $tokens = $bad = $diffs = 0;
    $path = null;
    $ours = [];
    while (($l = fgets($in)) !== false) {
        $l = rtrim($l, "\n");
        if (strncmp($l, 'F ', 2) === 0) { $path = substr($l, 2); $ours = []; continue; }
        if ($l === 'E') {
            $files++;
            $n = compare_file($path, $ours, $ex, $tokens);
            $diffs += $n;
            $bad += $n > 0;
            continue;
        }
        $f = explode(' ', $l);
        if (count($f) !== 4) { fwrite(STDERR, "php_lex_tokens: bad dump line: $l\n"); exit(2); }
        $ours[] = [(int)$f[0], (int)$f[1], $f[2], (int)$f[3]];
    }
    echo "php-lex: $files files, $tokens PHP tokens compared, $diffs differences in $bad files\n";
    $u = [];
    foreach ($used as $k => $v) $u[] = "$k $v";
    echo 'php-lex: exceptions applied: ', implode(', ', $u), "\n";
    return $diffs ? 1 : 0;
}

$ex = array_fill_keys(array_slice($argv, $argv[1] === 'dump' ? 3 : 2), true);
if ($argv[1] === 'dump') {
    $src = file_get_contents($argv[2]);
    $line = 1;
    foreach (join_html(php_spans($src, $ex)) as $s) {
        echo "$s[0] $s[1] $s[2] $line\n";
        $line += substr_count($src, "\n", $s[0], $s[1]);
    }
    exit(0);
}
exit(read_dump(STDIN, $ex));
