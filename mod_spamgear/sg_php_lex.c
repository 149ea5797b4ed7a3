/* sg_php_lex.c: a linear, allocation-free PHP lexer (token boundaries as
 * PHP 8's token_get_all(), see sg_php_lex.h for the two differences). */
#include <string.h>
#include "sg_php_lex.h"

#define IS_LABEL_START(c) \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || (c) == '_' || (c) >= 0x80)
#define IS_LABEL(c) (IS_LABEL_START(c) || ((c) >= '0' && (c) <= '9'))
#define IS_WS(c) ((c) == ' ' || (c) == '\t' || (c) == '\n' || (c) == '\r')

/* Operators of three and two bytes (lex_op()); anything else is one byte:
 * <<= >>= **= ... <=> === !== ?\?= ?->, == != <> <= >= && || ++ -- += -= *=
 * /= .= %= &= |= ^= -> => :: << >> ?? ** */
static const char *const casts[] = { "int", "integer", "bool", "boolean", "float", "double",
                                     "real", "string", "binary", "array", "object", "unset",
                                     NULL };

void sg_php_lex_init(sg_php_lexer_t *lx, const char *buf, apr_size_t len)
{
    memset(lx, 0, sizeof(*lx));
    lx->buf = buf;
    lx->len = len;
    lx->line = 1;
}

void sg_php_lex_init_code(sg_php_lexer_t *lx, const char *buf, apr_size_t len)
{
    sg_php_lex_init(lx, buf, len);
    lx->in_php = 1;
}

static unsigned pack(const unsigned char *s, apr_size_t n);

int sg_tok_is_op(const sg_tok_t *tok, const char *op)
{
    apr_size_t n = strlen(op);

    return tok->kind == SG_TK_OP && n <= 3 && tok->op == pack((const unsigned char *)op, n);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* 1 when S[0..N) starts with the lower-case WORD, ignoring case. */
static int starts_ci(const unsigned char *s, apr_size_t n, const char *word)
{
    apr_size_t i, w = strlen(word);

    if (n < w) return 0;
    for (i = 0; i < w; i++) {
        if (lower(s[i]) != word[i]) return 0;
    }
    return 1;
}

static apr_size_t count_lines(const char *s, apr_size_t n)
{
    apr_size_t lines = 0;
    const char *end = s + n, *nl;

    if (n < 16) {
        /* most tokens: a plain loop beats a call */
        for (; s < end; s++) lines += *s == '\n';
        return lines;
    }
    while (s < end && (nl = memchr(s, '\n', (apr_size_t)(end - s))) != NULL) {
        lines++;
        s = nl + 1;
    }
    return lines;
}

/* ---------------------------------------------------------------- open tags */

/* Length of the open tag at S[0..N) ("<?" already seen), 0 when none.
 * Sets *ECHO for "<?=".  Short tags count unless they read "<?xml". */
static apr_size_t open_tag_len(const unsigned char *s, apr_size_t n, int *echo)
{
    *echo = 0;
    if (n >= 5 && starts_ci(s + 2, n - 2, "php") && (n == 5 || IS_WS(s[5]))) {
        if (n == 5) return 5;
        return (s[5] == '\r' && n > 6 && s[6] == '\n') ? 7 : 6;
    }
    if (n >= 3 && s[2] == '=') {
        *echo = 1;
        return 3;
    }
    if (starts_ci(s + 2, n - 2, "xml")) return 0;
    return 2;
}

/* Length of "<script language="php">" (any quoting, any case) at S, or 0. */
static apr_size_t script_tag_len(const unsigned char *s, apr_size_t n)
{
    apr_size_t i = 7;

    if (!starts_ci(s, n, "<script")) return 0;
    while (i < n && IS_WS(s[i])) i++;
    if (!starts_ci(s + i, n - i, "language")) return 0;
    i += 8;
    while (i < n && IS_WS(s[i])) i++;
    if (i >= n || s[i] != '=') return 0;
    i++;
    while (i < n && IS_WS(s[i])) i++;
    if (i < n && (s[i] == '"' || s[i] == '\'')) i++;
    if (!starts_ci(s + i, n - i, "php")) return 0;
    i += 3;
    if (i < n && (s[i] == '"' || s[i] == '\'')) i++;
    while (i < n && IS_WS(s[i])) i++;
    return i < n && s[i] == '>' ? i + 1 : 0;
}

/* Inline HTML up to the next open tag. */
static void lex_html(sg_php_lexer_t *lx, sg_tok_t *t)
{
    const unsigned char *s = (const unsigned char *)lx->buf;
    apr_size_t i = lx->pos, tag = 0;
    int echo = 0;

    while (i < lx->len) {
        const unsigned char *lt = memchr(s + i, '<', lx->len - i);
        if (!lt) { i = lx->len; break; }
        i = (apr_size_t)(lt - s);
        if (i + 1 < lx->len && s[i + 1] == '?'
            && (tag = open_tag_len(s + i, lx->len - i, &echo)) > 0) break;
        if (i + 1 < lx->len && (s[i + 1] == 's' || s[i + 1] == 'S')
            && (tag = script_tag_len(s + i, lx->len - i)) > 0) break;
        tag = 0;
        i++;
    }
    if (i > lx->pos) {
        t->kind = SG_TK_HTML;
        t->len = i - lx->pos;
        return;
    }
    t->kind = echo ? SG_TK_OPEN_ECHO : SG_TK_OPEN;
    t->len = tag;
    lx->in_php = 1;
    lx->script_tag = s[i + 1] != '?';
}

/* ---------------------------------------------------------------- code */

static apr_size_t skip_label(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    while (i < n && IS_LABEL(s[i])) i++;
    return i;
}

/* A name with namespace separators: Foo\Bar, \Foo, namespace\Foo. */
static apr_size_t lex_name(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    if (s[i] == '\\') i++;
    i = skip_label(s, i, n);
    while (i + 1 < n && s[i] == '\\' && IS_LABEL_START(s[i + 1])) {
        i = skip_label(s, i + 1, n);
    }
    return i;
}

static apr_size_t digits(const unsigned char *s, apr_size_t i, apr_size_t n, const char *set)
{
    apr_size_t start = i;

    for (;;) {
        while (i < n && s[i] && strchr(set, s[i])) i++;
        /* '_' only between two digits */
        if (i > start && i + 1 < n && s[i] == '_' && s[i + 1] && strchr(set, s[i + 1])) {
            i++;
            continue;
        }
        return i;
    }
}

static apr_size_t lex_number(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    static const char dec[] = "0123456789";
    apr_size_t j;

    if (s[i] == '0' && i + 2 < n) {
        int b = lower(s[i + 1]);
        const char *set = b == 'x' ? "0123456789abcdefABCDEF" : b == 'b' ? "01"
                        : b == 'o' ? "01234567" : NULL;
        if (set && (j = digits(s, i + 2, n, set)) > i + 2) return j;
    }
    i = digits(s, i, n, dec);
    if (i < n && s[i] == '.') {
        i = digits(s, i + 1, n, dec);   /* "1." is a float, "1..2" is "1." ".2" */
    }
    if (i + 1 < n && lower(s[i]) == 'e') {
        j = i + 1;
        if (j < n && (s[j] == '+' || s[j] == '-')) j++;
        if (j < n && s[j] >= '0' && s[j] <= '9') i = digits(s, j, n, dec);
    }
    return i;
}

/* Strings nest inside "{$...}" ("{$a["{$b}"]}"); deeper than this, "{$" is
 * read as text, which keeps the recursion (and the stack) bounded. */
#define MAX_NEST 32

static apr_size_t lex_quoted(const unsigned char *s, apr_size_t i, apr_size_t n, sg_tok_t *t,
                             int depth);
static apr_size_t lex_heredoc(const unsigned char *s, apr_size_t i, apr_size_t n, sg_tok_t *t,
                              int depth);
static apr_size_t lex_line_comment(const unsigned char *s, apr_size_t i, apr_size_t n);
static const unsigned char *find_comment_end(const unsigned char *s, apr_size_t i, apr_size_t n);

/* Interpolation at S[I] in a string: sets SG_TK_INTERP for "$name", "${"
 * and "{$"; returns the offset after "$name[...]" or after the '}' that
 * closes "${" or "{$" (PHP code), else 0. */
static apr_size_t interp(const unsigned char *s, apr_size_t i, apr_size_t n, sg_tok_t *t,
                         int depth);

/* PHP code inside "{$...}" or "${...}" from S[I], one brace open: the
 * offset after the brace that closes it (N when none does).  Only strings,
 * comments and braces matter to find it. */
static apr_size_t skip_braced_code(const unsigned char *s, apr_size_t i, apr_size_t n, int depth)
{
    apr_size_t open = 1, j;
    sg_tok_t inner;
    const unsigned char *end;

    while (i < n) {
        unsigned char c = s[i];
        memset(&inner, 0, sizeof(inner));
        if (c == '{') { open++; i++; }
        else if (c == '}') { i++; if (--open == 0) return i; }
        else if (c == '\'' || c == '"' || c == '`') i = lex_quoted(s, i, n, &inner, depth + 1);
        else if (c == '<' && i + 3 < n && s[i + 1] == '<' && s[i + 2] == '<'
                 && (j = lex_heredoc(s, i, n, &inner, depth + 1)) > 0) i = j;
        else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
            end = find_comment_end(s, i + 2, n);
            i = end ? (apr_size_t)(end - s) + 2 : n;
        }
        else if ((c == '#' && !(i + 1 < n && s[i + 1] == '[')) || (c == '/' && i + 1 < n && s[i + 1] == '/')) {
            i = lex_line_comment(s, i + 1, n);
        }
        else i++;
    }
    return n;
}

/* The end of "$name[...]" in a string from S[I] (after the '['): PHP reads
 * the offset as code bytes up to ']' (taken) or a blank, '\\', '\'', '#' or
 * any other byte (not taken); a quote there does not end the string. */
static apr_size_t var_offset(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    while (i < n && (IS_LABEL(s[i]) || (s[i] != ']' && strchr(";:,.|^&+-/*=%!~$<>?@[(){}\"`", s[i])
                                        && s[i]))) {
        i++;
    }
    return i < n && s[i] == ']' ? i + 1 : i;
}

static apr_size_t interp(const unsigned char *s, apr_size_t i, apr_size_t n, sg_tok_t *t,
                         int depth)
{
    apr_size_t j;

    if (i + 1 >= n) return 0;
    if (s[i] == '$' && IS_LABEL_START(s[i + 1])) {
        t->flags |= SG_TK_INTERP;
        j = skip_label(s, i + 1, n);
        return j < n && s[j] == '[' ? var_offset(s, j + 1, n) : 0;
    }
    if ((s[i] == '$' && s[i + 1] == '{') || (s[i] == '{' && s[i + 1] == '$')) {
        t->flags |= SG_TK_INTERP;
        if (depth < MAX_NEST) return skip_braced_code(s, i + 2 - (s[i] == '{'), n, depth);
    }
    return 0;
}

/* A quoted string from S[I] (the quote) to its closing quote. */
static apr_size_t lex_quoted(const unsigned char *s, apr_size_t i, apr_size_t n, sg_tok_t *t,
                             int depth)
{
    unsigned char q = s[i++];

    if (q == '\'') {
        /* Single quotes: only \' and \\ escape; memchr runs through the
         * long base64 literals of packed shells at memory speed. */
        const unsigned char *end = NULL;
        while (i < n) {
            const unsigned char *bs;
            /* END is searched again only once I has passed it (an escaped
             * quote): each byte is looked at a bounded number of times. */
            if (!end || end < s + i) end = memchr(s + i, '\'', n - i);
            bs = memchr(s + i, '\\', (end ? (apr_size_t)(end - s) : n) - i);
            if (!bs) {
                if (end) return (apr_size_t)(end - s) + 1;
                break;
            }
            i = (apr_size_t)(bs - s) + 2;
        }
        t->flags |= SG_TK_UNTERMINATED;
        return n;
    }
    while (i < n) {
        apr_size_t j = i, k;
        while (j < n && s[j] != q && s[j] != '\\' && s[j] != '$' && s[j] != '{') j++;
        if (j >= n) break;
        if (s[j] == q) return j + 1;
        if (s[j] == '\\') { i = j + 2; continue; }
        if (q != '\'' && (k = interp(s, j, n, t, depth)) > 0) { i = k; continue; }
        i = j + 1;
    }
    t->flags |= SG_TK_UNTERMINATED;
    return n;
}

/* The end of a heredoc's closing label when the line at S[I] holds one:
 * blanks, the label LAB[0..LABN), then a byte that is not a label byte (PHP
 * wants one: a label that ends the buffer closes nothing); else 0. */
static apr_size_t closing_label(const unsigned char *s, apr_size_t i, apr_size_t n,
                                const unsigned char *lab, apr_size_t labn)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t')) i++;
    if (labn < n - i && !memcmp(s + i, lab, labn) && !IS_LABEL(s[i + labn])) return i + labn;
    return 0;
}

/* Heredoc/nowdoc from "<<<" at S[I]; 0 when it is not one (then "<<" "<"). */
static apr_size_t lex_heredoc(const unsigned char *s, apr_size_t i, apr_size_t n, sg_tok_t *t,
                              int depth)
{
    apr_size_t j = i + 3, lab, labn, k;
    unsigned char q = 0;

    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    if (j < n && (s[j] == '\'' || s[j] == '"')) q = s[j++];
    if (j >= n || !IS_LABEL_START(s[j])) return 0;
    lab = j;
    j = skip_label(s, j, n);
    labn = j - lab;
    if (q) {
        if (j >= n || s[j] != q) return 0;
        j++;
    }
    if (j < n && s[j] == '\r') j++;
    else if (j < n && s[j] == '\n') j++;
    else return 0;
    if (s[j - 1] == '\r' && j < n && s[j] == '\n') j++;
    t->kind = q == '\'' ? SG_TK_NOWDOC : SG_TK_HEREDOC;
    /* The body ends at a line (the first included) that holds the closing label. */
    if ((k = closing_label(s, j, n, s + lab, labn)) > 0) return k;
    for (k = j; k < n;) {
        unsigned char c = s[k++];
        apr_size_t e;
        if (c == '\r' || c == '\n') {
            if (c == '\r' && k < n && s[k] == '\n') k++;
            if ((e = closing_label(s, k, n, s + lab, labn)) > 0) return e;
        }
        else if (q == '\'') continue;                /* nowdoc: no escapes, no code */
        else if (c == '\\' && k < n && s[k] != '\n' && s[k] != '\r') k++;
        else if ((c == '$' || c == '{') && (e = interp(s, k - 1, n, t, depth)) > 0) k = e;
    }
    t->flags |= SG_TK_UNTERMINATED;
    return n;
}

/* "(int)" and the other casts, blanks allowed inside the parentheses. */
static apr_size_t lex_cast(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    apr_size_t j = i + 1, w;
    int c;

    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    w = j;
    while (j < n && ((lower(s[j]) >= 'a' && lower(s[j]) <= 'z'))) j++;
    if (j == w) return 0;
    for (c = 0; casts[c]; c++) {
        if (strlen(casts[c]) == j - w && starts_ci(s + w, j - w, casts[c])) break;
    }
    if (!casts[c]) return 0;
    while (j < n && (s[j] == ' ' || s[j] == '\t')) j++;
    return j < n && s[j] == ')' ? j + 1 : 0;
}

/* A line comment ends before its newline (PHP 8: the newline is whitespace)
 * or before "?>". */
static apr_size_t lex_line_comment(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    for (; i < n; i++) {
        if (s[i] == '\n' || s[i] == '\r') return i;
        if (s[i] == '?' && i + 1 < n && s[i + 1] == '>') return i;
    }
    return n;
}

static const unsigned char *find_comment_end(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    while (i + 1 < n) {
        const unsigned char *star = memchr(s + i, '*', n - i - 1);
        if (!star) return NULL;
        if (star[1] == '/') return star;
        i = (apr_size_t)(star - s) + 1;
    }
    return NULL;
}

static unsigned pack(const unsigned char *s, apr_size_t n)
{
    unsigned v = 0;
    apr_size_t i;

    for (i = 0; i < n && i < 3; i++) v |= (unsigned)s[i] << (8 * i);
    return v;
}

/* The operator at S[I]: the longest of ops3, ops2, else one byte; sets *OP. */
static apr_size_t lex_op(const unsigned char *s, apr_size_t i, apr_size_t n, unsigned *op)
{
    /* ops3 and ops2 as SG_OP() packs them (little end first). */
    static const unsigned packed3[] = { 0x3d3c3c, 0x3d3e3e, 0x3d2a2a, 0x2e2e2e, 0x3e3d3c, 0x3d3d3d, 0x3d3d21, 0x3d3f3f, 0x3e2d3f, 0 };
    static const unsigned packed2[] = { 0x003d3d, 0x003d21, 0x003e3c, 0x003d3c, 0x003d3e, 0x002626, 0x007c7c, 0x002b2b, 0x002d2d, 0x003d2b, 0x003d2d, 0x003d2a, 0x003d2f, 0x003d2e, 0x003d25, 0x003d26, 0x003d7c, 0x003d5e, 0x003e2d, 0x003e3d, 0x003a3a, 0x003c3c, 0x003e3e, 0x003f3f, 0x002a2a, 0 };
    /* The second bytes of ops3 and ops2: an operator followed by anything
     * else ("(", ")", ";", "," before a blank, a name or '$': most of them)
     * is one byte long, without a look through the tables. */
    static const unsigned char second[256] = { ['&'] = 1, ['*'] = 1, ['+'] = 1, ['-'] = 1,
        ['.'] = 1, [':'] = 1, ['<'] = 1, ['='] = 1, ['>'] = 1, ['?'] = 1, ['|'] = 1 };
    unsigned v3, v2;
    int k;

    if (i + 1 >= n || !second[s[i + 1]]) {
        *op = s[i];
        return i + 1;
    }
    v3 = i + 3 <= n ? pack(s + i, 3) : 0;
    v2 = pack(s + i, 2);
    for (k = 0; v3 && packed3[k]; k++) {
        if (v3 == packed3[k]) { *op = v3; return i + 3; }
    }
    for (k = 0; v2 && packed2[k]; k++) {
        if (v2 == packed2[k]) { *op = v2; return i + 2; }
    }
    *op = s[i];
    return i + 1;
}

static int lex_close(sg_php_lexer_t *lx, const unsigned char *s, apr_size_t i, sg_tok_t *t)
{
    apr_size_t n = lx->len, j;

    if (s[i] == '?' && i + 1 < n && s[i + 1] == '>') {
        j = i + 2;
        if (j < n && s[j] == '\n') j++;
        else if (j < n && s[j] == '\r') j += (j + 1 < n && s[j + 1] == '\n') ? 2 : 1;
    }
    else if (lx->script_tag && s[i] == '<' && starts_ci(s + i, n - i, "</script")) {
        j = i + 8;
        while (j < n && s[j] != '>') j++;
        j = j < n ? j + 1 : n;
    }
    else {
        return 0;
    }
    t->kind = SG_TK_CLOSE;
    t->len = j - i;
    lx->in_php = 0;
    lx->script_tag = 0;
    return 1;
}

/* "yield" at S[..I) followed by blanks and "from" and a byte that is not a
 * label byte is one token, as in PHP 8.2; returns its end (else I). */
static apr_size_t yield_from(const unsigned char *s, apr_size_t i, apr_size_t n)
{
    apr_size_t j = i;

    while (j < n && IS_WS(s[j])) j++;
    /* at the end of the buffer PHP sees its NUL padding: not a label byte */
    if (j == i || !starts_ci(s + j, n - j, "from") || (j + 4 < n && IS_LABEL(s[j + 4]))) return i;
    return j + 4;
}

/* The token starting with a letter, '\\' or a b-prefixed string. */
static apr_size_t lex_word(const unsigned char *s, apr_size_t i, apr_size_t n, sg_tok_t *t)
{
    apr_size_t j;

    if ((s[i] == 'b' || s[i] == 'B') && i + 1 < n) {
        if (s[i + 1] == '\'' || s[i + 1] == '"') {
            t->kind = s[i + 1] == '"' ? SG_TK_DQ : SG_TK_SQ;
            return lex_quoted(s, i + 1, n, t, 0);
        }
        if (i + 3 < n && !memcmp(s + i + 1, "<<<", 3) && (j = lex_heredoc(s, i + 1, n, t, 0)) > 0) {
            return j;
        }
    }
    t->kind = SG_TK_NAME;
    j = lex_name(s, i, n);
    return j == i + 5 && starts_ci(s + i, n - i, "yield") ? yield_from(s, j, n) : j;
}

static void lex_code(sg_php_lexer_t *lx, sg_tok_t *t)
{
    const unsigned char *s = (const unsigned char *)lx->buf;
    apr_size_t i = lx->pos, n = lx->len, j = i + 1;
    unsigned char c = s[i];

    if (lex_close(lx, s, i, t)) return;
    if (IS_WS(c)) {
        for (j = i; j < n && IS_WS(s[j]); j++) {}
        t->kind = SG_TK_WS;
    }
    else if (c == '#' && i + 1 < n && s[i + 1] == '[') {
        t->kind = SG_TK_ATTR;
        j = i + 2;
    }
    else if (c == '#' || (c == '/' && i + 1 < n && s[i + 1] == '/')) {
        t->kind = SG_TK_COMMENT;
        j = lex_line_comment(s, i + 1, n);
    }
    else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
        const unsigned char *end = find_comment_end(s, i + 2, n);
        t->kind = (i + 3 < n && s[i + 2] == '*' && IS_WS(s[i + 3])) ? SG_TK_DOC_COMMENT
                                                                     : SG_TK_COMMENT;
        if (end) j = (apr_size_t)(end - s) + 2;
        else { j = n; t->flags |= SG_TK_UNTERMINATED; }
    }
    else if (c == '$' && i + 1 < n && IS_LABEL_START(s[i + 1])) {
        t->kind = SG_TK_VAR;
        j = skip_label(s, i + 1, n);
    }
    else if (lx->property && IS_LABEL_START(c)) {
        t->kind = SG_TK_NAME;   /* "$a->b\\c" is "b" then "\\c", as in PHP */
        j = skip_label(s, i, n);
    }
    else if (IS_LABEL_START(c) || (c == '\\' && i + 1 < n && IS_LABEL_START(s[i + 1]))) {
        j = lex_word(s, i, n, t);
        if (t->kind == SG_TK_NAME && j - i == 15 && starts_ci(s + i, 15, "__halt_compiler")) {
            lx->halt = 4;   /* count_halt() counts this token too */
        }
    }
    else if ((c >= '0' && c <= '9') || (c == '.' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9')) {
        t->kind = SG_TK_NUM;
        j = lex_number(s, i, n);
    }
    else if (c == '\'' || c == '"' || c == '`') {
        t->kind = c == '\'' ? SG_TK_SQ : c == '"' ? SG_TK_DQ : SG_TK_BACKTICK;
        j = lex_quoted(s, i, n, t, 0);
    }
    else if (c == '<' && i + 3 < n && s[i + 1] == '<' && s[i + 2] == '<'
             && (j = lex_heredoc(s, i, n, t, 0)) > 0) {
        /* heredoc or nowdoc */
    }
    else if (c == '(' && (j = lex_cast(s, i, n)) > 0) {
        t->kind = SG_TK_CAST;
    }
    else {
        t->kind = SG_TK_OP;
        if (c < 0x20 || c == 0x7f) {
            /* a control byte in code: PHP 8 refuses the file */
            if (!lx->junk++) lx->junk_line = lx->line;
        }
        j = lex_op(s, i, n, &t->op);
    }
    t->len = j - i;
    if (t->kind != SG_TK_WS) {
        lx->property = t->kind == SG_TK_OP && (t->op == SG_OP("->") || t->op == SG_OP("?->"));
    }
}

/* After __halt_compiler, PHP reads three more tokens (blanks, comments and
 * open tags not counted) and hands the rest over as data. */
static void count_halt(sg_php_lexer_t *lx, const sg_tok_t *t)
{
    if (lx->halt > 0 && t->kind != SG_TK_WS && t->kind != SG_TK_COMMENT
             && t->kind != SG_TK_DOC_COMMENT && t->kind != SG_TK_OPEN && --lx->halt == 0) {
        lx->halted = 1;
    }
}

sg_tk_kind_t sg_php_lex_next(sg_php_lexer_t *lx, sg_tok_t *t)
{
    memset(t, 0, sizeof(*t));
    t->line = lx->line;
    if (lx->pos >= lx->len) {
        t->kind = SG_TK_END;
        t->text = lx->buf + lx->len;
        return SG_TK_END;
    }
    t->text = lx->buf + lx->pos;
    if (lx->halted) {
        t->kind = SG_TK_HTML;
        t->len = lx->len - lx->pos;
    }
    else if (lx->in_php) lex_code(lx, t);
    else lex_html(lx, t);
    count_halt(lx, t);
    lx->pos += t->len;
    lx->line += count_lines(t->text, t->len);
    return t->kind;
}

void sg_php_lex_skip_blanks(sg_php_lexer_t *lx)
{
    const unsigned char *s = (const unsigned char *)lx->buf;
    apr_size_t i = lx->pos, n = lx->len, lines = 0;

    if (!lx->in_php || lx->halted) return;
    for (; i < n; i++) {
        if (s[i] == '\n') lines++;
        else if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') break;
    }
    lx->pos = i;
    lx->line += lines;
}

/* ---------------------------------------------------------------- finding code */

/* 1 when S[0..N) after a short tag reads like PHP: a blank, variable or word
 * first (after "<?=", an expression: anything), printable for 16 bytes (or up to a "?>"), with a variable, a call
 * or a statement end in it. */
/* 1 when S starts with a PHP statement keyword and a blank, quote or '(':
 * "<?\necho \"<b>...\";" is code even before its first variable. */
static int starts_with_keyword(const unsigned char *s, apr_size_t n)
{
    static const char *const kw[] = { "echo", "print", "if", "function", "include",
                                      "include_once", "require", "require_once", "class",
                                      "foreach", "while", "global", "switch", "session_start",
                                      "exit", "die", "error_reporting", "set_time_limit",
                                      "ini_set", "define", "header", NULL };
    apr_size_t w = 0;
    int i;

    while (w < n && w < 16 && IS_LABEL(s[w])) w++;
    if (w == 0 || w >= n || !(IS_WS(s[w]) || s[w] == '(' || s[w] == '"' || s[w] == '\'')) {
        return 0;
    }
    for (i = 0; kw[i]; i++) {
        if (strlen(kw[i]) == w && !strncasecmp((const char *)s, kw[i], w)) return 1;
    }
    return 0;
}

static int looks_like_code(const unsigned char *s, apr_size_t n, int echo)
{
    apr_size_t i, lim = n < 64 ? n : 64;
    int code = 0;

    /* Code after a short tag starts with a blank, a variable or a word:
     * "<?'" and "<?\"" are quoted tags in other languages' sources. */
    if (n == 0 || (!echo && !(IS_WS(s[0]) || s[0] == '$' || IS_LABEL_START(s[0])))) return 0;
    /* A licence block or comment first: the code after it decides. */
    for (i = 0; i < n && i < 8192;) {
        if (IS_WS(s[i])) { i++; continue; }
        if (s[i] == '/' && i + 1 < n && s[i + 1] == '*') {
            const unsigned char *end = find_comment_end(s, i + 2, n < 8192 ? n : 8192);
            if (!end) break;
            i = (apr_size_t)(end - s) + 2;
            continue;
        }
        if ((s[i] == '/' && i + 1 < n && s[i + 1] == '/') || s[i] == '#') {
            const unsigned char *nl = memchr(s + i, '\n', n - i);
            if (!nl) break;
            i = (apr_size_t)(nl - s) + 1;
            continue;
        }
        break;
    }
    if (i > 0 && i < n) {
        s += i;
        n -= i;
        lim = n < 64 ? n : 64;
    }
    code = starts_with_keyword(s, n);
    for (i = 0; i < lim; i++) {
        unsigned char c = s[i];
        if (c == '?' && i + 1 < n && s[i + 1] == '>') return code && i >= 3;
        if (!(c >= 0x20 && c < 0x7f) && c != '\t' && c != '\n' && c != '\r') break;
        if (c == '$' && i + 1 < n && IS_LABEL_START(s[i + 1])) code = 1;
        if ((c == '(' || c == ';') && i > 0 && IS_LABEL(s[i - 1])) code = 1;
    }
    /* 16 printable bytes, or all there is: "<?=`$_GET[1]`;" is a whole file */
    return code && (i >= 16 || i == n);
}

apr_ssize_t sg_php_find_open_tag(const char *buf, apr_size_t len)
{
    const unsigned char *s = (const unsigned char *)buf;
    apr_size_t i = 0;
    int echo;

    while (i + 1 < len) {
        const unsigned char *lt = memchr(s + i, '<', len - i - 1);
        apr_size_t tag;
        if (!lt) break;
        i = (apr_size_t)(lt - s);
        if (s[i + 1] == '?' && (tag = open_tag_len(s + i, len - i, &echo)) > 0
            && (tag >= 5 || looks_like_code(s + i + tag, len - i - tag, echo))) {
            return (apr_ssize_t)i;
        }
        if ((s[i + 1] == 's' || s[i + 1] == 'S') && script_tag_len(s + i, len - i) > 0) {
            return (apr_ssize_t)i;
        }
        i++;
    }
    return -1;
}
