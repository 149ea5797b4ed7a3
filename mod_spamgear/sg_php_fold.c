/* sg_php_fold.c: values of PHP literals and of builtin string functions
 * applied to constants, reimplemented without running anything. */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <apr_lib.h>
#include <apr_md5.h>
#include <apr_sha1.h>
#include <apr_strings.h>
#include "sg_codec.h"
#include "sg_deobf.h"
#include "sg_php_fold.h"

/* ---------------------------------------------------------------- literals */

/* One escape at S[I] (a backslash) of a double-quoted or heredoc body into
 * O; returns the index after it.  QUOTE: the byte "\"" escapes, or 0. */
static apr_size_t dq_escape(const char *s, apr_size_t i, apr_size_t len, char quote, char *o,
                            apr_size_t *n, int *escaped)
{
    char c = i + 1 < len ? s[i + 1] : '\0';
    apr_size_t j;
    unsigned long v = 0;

    switch (c) {
    case 'n': o[(*n)++] = '\n'; return i + 2;
    case 't': o[(*n)++] = '\t'; return i + 2;
    case 'r': o[(*n)++] = '\r'; return i + 2;
    case 'v': o[(*n)++] = '\v'; return i + 2;
    case 'e': o[(*n)++] = 27; return i + 2;
    case 'f': o[(*n)++] = '\f'; return i + 2;
    case '\\': case '$': o[(*n)++] = c; return i + 2;
    case 'x': case 'X':
        for (j = i + 2; j < len && j < i + 4 && sg_hex_value(s[j]) >= 0; j++) {
            v = v * 16 + (unsigned long)sg_hex_value(s[j]);
        }
        if (j == i + 2) break;
        o[(*n)++] = (char)v;
        *escaped = 1;
        return j;
    case 'u':
        if (i + 2 < len && s[i + 2] == '{') {
            for (j = i + 3; j < len && j < i + 10 && sg_hex_value(s[j]) >= 0; j++) {
                v = v * 16 + (unsigned long)sg_hex_value(s[j]);
            }
            if (j < len && s[j] == '}' && v <= 0x10ffff) {
                *n += sg_utf8_encode(v, o + *n);
                *escaped = 1;
                return j + 1;
            }
        }
        break;
    default:
        if (c && c == quote) { o[(*n)++] = c; return i + 2; }
        if (c >= '0' && c <= '7') {
            for (j = i + 1; j < len && j < i + 4 && s[j] >= '0' && s[j] <= '7'; j++) {
                v = v * 8 + (unsigned long)(s[j] - '0');
            }
            o[(*n)++] = (char)(v & 0xff);
            *escaped = 1;
            return j;
        }
    }
    o[(*n)++] = '\\';
    return i + 1;
}

static void unescape_dq(const char *s, apr_size_t len, char quote, apr_pool_t *p,
                        sg_php_str_t *out, int *escaped)
{
    char *o = apr_palloc(p, len + 1);
    apr_size_t i = 0, n = 0;

    while (i < len) {
        const char *bs = memchr(s + i, '\\', len - i);
        apr_size_t run = bs ? (apr_size_t)(bs - s) - i : len - i;
        memcpy(o + n, s + i, run);
        n += run;
        i += run;
        if (i < len) i = dq_escape(s, i, len, quote, o, &n, escaped);
    }
    o[n] = '\0';
    out->s = o;
    out->n = n;
}

void sg_php_unescape_dq(const char *s, apr_size_t len, apr_pool_t *p, sg_php_str_t *out,
                        int *escaped)
{
    unescape_dq(s, len, '"', p, out, escaped);
}

static void unescape_sq(const char *s, apr_size_t len, apr_pool_t *p, sg_php_str_t *out)
{
    char *o;
    apr_size_t i, n = 0;

    if (!memchr(s, '\\', len)) {
        out->s = apr_pstrmemdup(p, s, len);
        out->n = len;
        return;
    }
    o = apr_palloc(p, len + 1);
    for (i = 0; i < len; i++) {
        if (s[i] == '\\' && i + 1 < len && (s[i + 1] == '\'' || s[i + 1] == '\\')) i++;
        o[n++] = s[i];
    }
    o[n] = '\0';
    out->s = o;
    out->n = n;
}

/* The body of a heredoc/nowdoc token, its closing indentation removed. */
static int heredoc_body(const sg_tok_t *t, apr_pool_t *p, sg_php_str_t *out, int *escaped)
{
    const char *s = t->text, *end = s + t->len, *nl = memchr(s, '\n', t->len), *lab, *line;
    apr_size_t indent = 0, labn = 0;
    char *o;
    apr_size_t n = 0;

    if (!nl || (t->flags & SG_TK_UNTERMINATED)) return 0;
    /* The closing label is the trailing identifier; its indentation the blanks before it. */
    lab = end;
    while (lab > nl && (apr_isalnum(lab[-1]) || lab[-1] == '_' || (unsigned char)lab[-1] >= 0x80)) lab--;
    labn = (apr_size_t)(end - lab);
    line = lab;
    while (line > nl + 1 && (line[-1] == ' ' || line[-1] == '\t')) line--;
    indent = (apr_size_t)(lab - line);
    (void)labn;
    /* Body: after the opening line, before the newline that ends the last body line. */
    s = nl + 1;
    end = line > s ? line - 1 : s;
    if (end > s && end[-1] == '\r') end--;
    o = apr_palloc(p, (apr_size_t)(end - s) + 1);
    while (s < end) {
        const char *eol = memchr(s, '\n', (apr_size_t)(end - s));
        apr_size_t k = 0, ln;
        eol = eol ? eol + 1 : end;
        while (k < indent && s + k < eol && (s[k] == ' ' || s[k] == '\t')) k++;
        ln = (apr_size_t)(eol - s) - k;
        memcpy(o + n, s + k, ln);
        n += ln;
        s = eol;
    }
    o[n] = '\0';
    if (t->kind == SG_TK_HEREDOC && memchr(o, '\\', n)) {
        unescape_dq(o, n, 0, p, out, escaped);
        return 1;
    }
    out->s = o;
    out->n = n;
    return 1;
}

static void number_literal(const sg_tok_t *t, apr_pool_t *p, sg_php_str_t *out)
{
    char buf[64];
    apr_size_t i, n = 0;
    int base = 10;
    const char *s = t->text;
    apr_size_t len = t->len;

    for (i = 0; i < len && n < sizeof(buf) - 1; i++) {
        if (s[i] != '_') buf[n++] = s[i];
    }
    buf[n] = '\0';
    /* A plain decimal integer (most numbers: array keys, widths in font
     * tables) is its own value's text: strtoll and printing it back would
     * give the same bytes.  18 digits cannot overflow. */
    if (n > 0 && n <= 18 && (buf[0] != '0' || n == 1) && strspn(buf, "0123456789") == n) {
        out->s = apr_pstrmemdup(p, buf, n);
        out->n = n;
        return;
    }
    if (n > 2 && buf[0] == '0' && (buf[1] == 'x' || buf[1] == 'X')) base = 16;
    else if (n > 2 && buf[0] == '0' && (buf[1] == 'b' || buf[1] == 'B')) base = 2;
    else if (n > 2 && buf[0] == '0' && (buf[1] == 'o' || buf[1] == 'O')) base = 8;
    else if (n > 1 && buf[0] == '0' && !strpbrk(buf, ".eE")) base = 8;
    if (base != 10 || !strpbrk(buf, ".eE")) {
        long long v = strtoll(base == 10 || base == 8 ? buf : buf + 2, NULL,
                              base == 8 && buf[1] != 'o' && buf[1] != 'O' ? 8 : base);
        if (base == 8 && (buf[1] == 'o' || buf[1] == 'O')) v = strtoll(buf + 2, NULL, 8);
        out->s = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)v);
    }
    else {
        out->s = apr_pstrdup(p, buf);
    }
    out->n = strlen(out->s);
}

int sg_php_literal(const sg_tok_t *t, apr_pool_t *p, sg_php_str_t *out, int *escaped)
{
    const char *s = t->text;
    apr_size_t len = t->len;

    *escaped = 0;
    if (t->kind == SG_TK_NUM) {
        number_literal(t, p, out);
        return 1;
    }
    if (t->kind == SG_TK_HEREDOC || t->kind == SG_TK_NOWDOC) {
        if (t->flags & SG_TK_INTERP) return 0;
        return heredoc_body(t, p, out, escaped);
    }
    if (t->kind != SG_TK_SQ && t->kind != SG_TK_DQ) return 0;
    if ((t->flags & SG_TK_INTERP) || len < 2) return 0;
    if (*s == 'b' || *s == 'B') { s++; len--; }
    len -= (t->flags & SG_TK_UNTERMINATED) ? 1 : 2;
    if (t->kind == SG_TK_SQ) unescape_sq(s + 1, len, p, out);
    else unescape_dq(s + 1, len, '"', p, out, escaped);
    return 1;
}

/* ---------------------------------------------------------------- functions */

/* Largest str_repeat() result folded (bytes). */
#define MAX_REPEAT 65536

typedef enum {
    F_B64, F_ROT13, F_REV, F_GZINFLATE, F_GZUNCOMPRESS, F_GZDECODE, F_HEX2BIN, F_URLDECODE,
    F_RAWURLDECODE, F_LOWER, F_UPPER, F_UCFIRST, F_LCFIRST, F_STR_REPLACE, F_STR_IREPLACE,
    F_SUBSTR, F_STRTR, F_IMPLODE, F_CHR, F_ORD, F_REPEAT, F_TRIM, F_LTRIM, F_RTRIM, F_PACK,
    F_UUDECODE, F_STRVAL, F_HEXDEC, F_OCTDEC, F_BINDEC, F_DECHEX, F_BIN2HEX, F_STRIPSLASHES,
    F_SPRINTF, F_SUBSTR_REPLACE, F_MD5, F_SHA1, F_HTMLDECODE, F_NONE
} fold_fn_t;

static const struct { const char *name; fold_fn_t fn; int decoder; } fold_table[] = {
    { "base64_decode", F_B64, 1 }, { "str_rot13", F_ROT13, 1 }, { "strrev", F_REV, 1 },
    { "gzinflate", F_GZINFLATE, 1 }, { "gzuncompress", F_GZUNCOMPRESS, 1 },
    { "gzdecode", F_GZDECODE, 1 }, { "hex2bin", F_HEX2BIN, 1 }, { "urldecode", F_URLDECODE, 1 },
    { "rawurldecode", F_RAWURLDECODE, 1 }, { "strtolower", F_LOWER, 0 },
    { "strtoupper", F_UPPER, 0 }, { "ucfirst", F_UCFIRST, 0 }, { "lcfirst", F_LCFIRST, 0 },
    { "str_replace", F_STR_REPLACE, 0 }, { "str_ireplace", F_STR_IREPLACE, 0 },
    { "substr", F_SUBSTR, 0 }, { "strtr", F_STRTR, 0 }, { "implode", F_IMPLODE, 0 },
    { "join", F_IMPLODE, 0 }, { "chr", F_CHR, 0 }, { "ord", F_ORD, 0 },
    { "str_repeat", F_REPEAT, 0 }, { "trim", F_TRIM, 0 }, { "ltrim", F_LTRIM, 0 },
    { "rtrim", F_RTRIM, 0 }, { "chop", F_RTRIM, 0 }, { "pack", F_PACK, 1 },
    { "convert_uudecode", F_UUDECODE, 1 }, { "strval", F_STRVAL, 0 }, { "hexdec", F_HEXDEC, 0 },
    { "octdec", F_OCTDEC, 0 }, { "bindec", F_BINDEC, 0 }, { "dechex", F_DECHEX, 0 },
    { "bin2hex", F_BIN2HEX, 0 }, { "stripslashes", F_STRIPSLASHES, 0 },
    { "sprintf", F_SPRINTF, 0 }, { "substr_replace", F_SUBSTR_REPLACE, 0 },
    { "md5", F_MD5, 0 }, { "sha1", F_SHA1, 0 },
    { "htmlspecialchars_decode", F_HTMLDECODE, 0 }, { "html_entity_decode", F_HTMLDECODE, 0 },
    { NULL, F_NONE, 0 }
};

static fold_fn_t lookup(const char *name, int *decoder)
{
    int i;

    for (i = 0; fold_table[i].name; i++) {
        if (!strcmp(fold_table[i].name, name)) {
            *decoder = fold_table[i].decoder;
            return fold_table[i].fn;
        }
    }
    return F_NONE;
}

int sg_php_fold_known(const char *name)
{
    int d;

    return lookup(name, &d) != F_NONE;
}

static int set_out(sg_php_str_t *out, char *s, apr_size_t n)
{
    s[n] = '\0';
    out->s = s;
    out->n = n;
    return 1;
}

static long long num_of(const sg_php_str_t *v)
{
    return v->s ? strtoll(v->s, NULL, 10) : 0;
}

static int set_num(sg_php_str_t *out, long long v, apr_pool_t *p)
{
    out->s = apr_psprintf(p, "%" APR_INT64_T_FMT, (apr_int64_t)v);
    out->n = strlen(out->s);
    return 1;
}

/* str_rot13 of every byte value (letters rotated, the rest as is). */
static const unsigned char rot13_table[256] = {
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
    16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31,
    32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44, 45, 46, 47,
    48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
    64, 78, 79, 80, 81, 82, 83, 84, 85, 86, 87, 88, 89, 90, 65, 66,
    67, 68, 69, 70, 71, 72, 73, 74, 75, 76, 77, 91, 92, 93, 94, 95,
    96, 110, 111, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 97, 98,
    99, 100, 101, 102, 103, 104, 105, 106, 107, 108, 109, 123, 124, 125, 126, 127,
    128, 129, 130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 140, 141, 142, 143,
    144, 145, 146, 147, 148, 149, 150, 151, 152, 153, 154, 155, 156, 157, 158, 159,
    160, 161, 162, 163, 164, 165, 166, 167, 168, 169, 170, 171, 172, 173, 174, 175,
    176, 177, 178, 179, 180, 181, 182, 183, 184, 185, 186, 187, 188, 189, 190, 191,
    192, 193, 194, 195, 196, 197, 198, 199, 200, 201, 202, 203, 204, 205, 206, 207,
    208, 209, 210, 211, 212, 213, 214, 215, 216, 217, 218, 219, 220, 221, 222, 223,
    224, 225, 226, 227, 228, 229, 230, 231, 232, 233, 234, 235, 236, 237, 238, 239,
    240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250, 251, 252, 253, 254, 255,
};

static int rot13(const sg_php_str_t *a, apr_pool_t *p, sg_php_str_t *out)
{
    char *o = apr_palloc(p, a->n + 1);
    apr_size_t i;

    for (i = 0; i < a->n; i++) o[i] = (char)rot13_table[(unsigned char)a->s[i]];
    return set_out(out, o, a->n);
}

static int case_map(const sg_php_str_t *a, int up, int first_only, apr_pool_t *p,
                    sg_php_str_t *out)
{
    char *o = apr_pmemdup(p, a->s, a->n + 1);
    apr_size_t i, n = first_only ? (a->n > 0) : a->n;

    for (i = 0; i < n; i++) {
        o[i] = (char)(up ? apr_toupper(o[i]) : apr_tolower(o[i]));
    }
    return set_out(out, o, a->n);
}

static int url_decode(const sg_php_str_t *a, int plus, apr_pool_t *p, sg_php_str_t *out)
{
    char *o = apr_palloc(p, a->n + 1);
    apr_size_t i, n = 0;

    for (i = 0; i < a->n; i++) {
        if (a->s[i] == '%' && i + 2 < a->n && sg_hex_value(a->s[i + 1]) >= 0
            && sg_hex_value(a->s[i + 2]) >= 0) {
            o[n++] = (char)(sg_hex_value(a->s[i + 1]) * 16 + sg_hex_value(a->s[i + 2]));
            i += 2;
        }
        else {
            o[n++] = (plus && a->s[i] == '+') ? ' ' : a->s[i];
        }
    }
    return set_out(out, o, n);
}

static int hex_decode(const char *s, apr_size_t len, apr_pool_t *p, sg_php_str_t *out)
{
    char *o = apr_palloc(p, len / 2 + 1);
    apr_size_t i, n = 0;

    if (len % 2) return 0;
    for (i = 0; i + 1 < len; i += 2) {
        int h = sg_hex_value(s[i]), l = sg_hex_value(s[i + 1]);
        if (h < 0 || l < 0) return 0;
        o[n++] = (char)(h * 16 + l);
    }
    return set_out(out, o, n);
}

/* Replaces every SEARCH by REPL in SUBJ (caseless when ICASE). */
static int replace_one(const sg_php_str_t *subj, const sg_php_str_t *search,
                       const sg_php_str_t *repl, int icase, apr_size_t max, apr_pool_t *p,
                       sg_php_str_t *out)
{
    apr_size_t i = 0, n = 0, cap;
    char *o;

    if (search->n == 0) { *out = *subj; return 1; }
    cap = repl->n > search->n ? subj->n / search->n * repl->n + subj->n : subj->n;
    if (cap > max) return 0;
    o = apr_palloc(p, cap + 1);
    while (i < subj->n) {
        if (i + search->n <= subj->n
            && (icase ? !strncasecmp(subj->s + i, search->s, search->n)
                      : !memcmp(subj->s + i, search->s, search->n))) {
            memcpy(o + n, repl->s, repl->n);
            n += repl->n;
            i += search->n;
        }
        else {
            o[n++] = subj->s[i++];
        }
    }
    return set_out(out, o, n);
}

static int str_replace(const sg_php_arg_t *a, int nargs, int icase, apr_size_t max,
                       apr_pool_t *p, sg_php_str_t *out)
{
    sg_php_str_t cur;
    int k, ns;

    if (nargs < 3 || !a[2].v.s) return 0;
    cur = a[2].v;
    ns = a[0].items ? a[0].nitems : 1;
    for (k = 0; k < ns; k++) {
        const sg_php_str_t *search = a[0].items ? &a[0].items[k] : &a[0].v;
        sg_php_str_t empty = { "", 0 };
        const sg_php_str_t *repl = a[1].items ? (k < a[1].nitems ? &a[1].items[k] : &empty)
                                              : &a[1].v;
        if (!search->s || !repl->s || !replace_one(&cur, search, repl, icase, max, p, &cur)) {
            return 0;
        }
    }
    *out = cur;
    return 1;
}

static int substr_(const sg_php_arg_t *a, int nargs, apr_pool_t *p, sg_php_str_t *out)
{
    long long n = (long long)a[0].v.n, start, len;

    if (nargs < 2 || !a[0].v.s || !a[1].v.s) return 0;
    start = num_of(&a[1].v);
    if (start < 0) start = start + n < 0 ? 0 : start + n;
    if (start > n) start = n;
    len = nargs > 2 && a[2].v.s ? num_of(&a[2].v) : n - start;
    if (len < 0) len = n - start + len;
    if (len < 0) len = 0;
    if (len > n - start) len = n - start;
    out->s = apr_pstrmemdup(p, a[0].v.s + start, (apr_size_t)len);
    out->n = (apr_size_t)len;
    return 1;
}

/* substr_replace(STRING, REPLACEMENT, START[, LENGTH]) of strings, as PHP
 * counts START and LENGTH (negative: from the end). */
static int substr_replace_(const sg_php_arg_t *a, int nargs, apr_size_t max, apr_pool_t *p,
                           sg_php_str_t *out)
{
    long long n, start, len;
    char *o;

    if (nargs < 3 || !a[0].v.s || !a[1].v.s || !a[2].v.s || (nargs > 3 && !a[3].v.s)) return 0;
    n = (long long)a[0].v.n;
    start = num_of(&a[2].v);
    if (start < 0) start = start + n < 0 ? 0 : start + n;
    if (start > n) start = n;
    len = nargs > 3 ? num_of(&a[3].v) : n;
    if (len < 0) len = n - start + len;
    if (len < 0) len = 0;
    if (len > n - start) len = n - start;
    if ((apr_size_t)(n - len) + a[1].v.n > max) return 0;
    out->n = (apr_size_t)(n - len) + a[1].v.n;
    o = apr_palloc(p, out->n + 1);
    memcpy(o, a[0].v.s, (apr_size_t)start);
    memcpy(o + start, a[1].v.s, a[1].v.n);
    memcpy(o + start + a[1].v.n, a[0].v.s + start + len, (apr_size_t)(n - start - len));
    o[out->n] = '\0';
    out->s = o;
    return 1;
}

static int strtr3(const sg_php_arg_t *a, int nargs, apr_pool_t *p, sg_php_str_t *out)
{
    unsigned char map[256];
    char *o;
    apr_size_t i, k, m;

    if (nargs != 3 || !a[0].v.s || !a[1].v.s || !a[2].v.s) return 0;
    o = apr_palloc(p, a[0].v.n + 1);
    m = a[1].v.n < a[2].v.n ? a[1].v.n : a[2].v.n;
    /* One table, filled from the end so a byte listed twice in FROM takes
     * its first replacement (a loop over FROM per byte took O(n * m)). */
    for (i = 0; i < 256; i++) map[i] = (unsigned char)i;
    for (k = m; k-- > 0;) map[(unsigned char)a[1].v.s[k]] = (unsigned char)a[2].v.s[k];
    for (i = 0; i < a[0].v.n; i++) o[i] = (char)map[(unsigned char)a[0].v.s[i]];
    return set_out(out, o, a[0].v.n);
}

static int implode(const sg_php_arg_t *a, int nargs, apr_size_t max, apr_pool_t *p,
                   sg_php_str_t *out)
{
    const sg_php_arg_t *arr = nargs == 1 ? &a[0] : a[1].items ? &a[1] : &a[0];
    const sg_php_str_t *sep = nargs == 1 ? NULL : a[1].items ? &a[0].v : &a[1].v;
    apr_size_t total = 0, n = 0;
    char *o;
    int i;

    if (!arr->items || (sep && !sep->s)) return 0;
    for (i = 0; i < arr->nitems; i++) {
        if (!arr->items[i].s) return 0;
        total += arr->items[i].n + (sep ? sep->n : 0);
    }
    if (total > max) return 0;
    o = apr_palloc(p, total + 1);
    for (i = 0; i < arr->nitems; i++) {
        if (i && sep) { memcpy(o + n, sep->s, sep->n); n += sep->n; }
        memcpy(o + n, arr->items[i].s, arr->items[i].n);
        n += arr->items[i].n;
    }
    return set_out(out, o, n);
}

static int trim_(const sg_php_arg_t *a, int nargs, int left, int right, apr_pool_t *p,
                 sg_php_str_t *out)
{
    const char *set = " \t\n\r\v";
    apr_size_t setn = 6, b = 0, e = a[0].v.n;

    if (!a[0].v.s) return 0;
    if (nargs > 1) {
        if (!a[1].v.s || memchr(a[1].v.s, '.', a[1].v.n)) return 0;   /* ranges: not folded */
        set = a[1].v.s;
        setn = a[1].v.n;
    }
    while (left && b < e && memchr(set, a[0].v.s[b], setn)) b++;
    while (right && e > b && memchr(set, a[0].v.s[e - 1], setn)) e--;
    out->s = apr_pstrmemdup(p, a[0].v.s + b, e - b);
    out->n = e - b;
    return 1;
}

/* pack('H*', hex), pack('A*'|'a*', s) and pack('C*', n, ...) / pack('c*'). */
static int pack_(const sg_php_arg_t *a, int nargs, apr_pool_t *p, sg_php_str_t *out)
{
    char *o;
    int i;

    if (nargs < 2 || !a[0].v.s || a[0].v.n < 1) return 0;
    switch (a[0].v.s[0]) {
    case 'H':
        return a[1].v.s ? hex_decode(a[1].v.s, a[1].v.n, p, out) : 0;
    case 'A': case 'a':
        if (!a[1].v.s) return 0;
        *out = a[1].v;
        return 1;
    case 'C': case 'c':
        o = apr_palloc(p, (apr_size_t)nargs);
        for (i = 1; i < nargs; i++) {
            if (!a[i].v.s) return 0;
            o[i - 1] = (char)num_of(&a[i].v);
        }
        return set_out(out, o, (apr_size_t)nargs - 1);
    }
    return 0;
}

static int uudecode(const sg_php_str_t *a, apr_pool_t *p, sg_php_str_t *out)
{
    char *o = apr_palloc(p, a->n + 1);
    apr_size_t i = 0, n = 0;

    while (i < a->n) {
        int len = (a->s[i] - 32) & 63, k;
        if (len == 0) break;
        i++;
        for (k = 0; k < len && i + 3 < a->n + 1; k += 3, i += 4) {
            unsigned c0 = (unsigned)(a->s[i] - 32) & 63, c1 = i + 1 < a->n ? (unsigned)(a->s[i + 1] - 32) & 63 : 0;
            unsigned c2 = i + 2 < a->n ? (unsigned)(a->s[i + 2] - 32) & 63 : 0;
            unsigned c3 = i + 3 < a->n ? (unsigned)(a->s[i + 3] - 32) & 63 : 0;
            if (k < len) o[n++] = (char)((c0 << 2) | (c1 >> 4));
            if (k + 1 < len) o[n++] = (char)((c1 << 4) | (c2 >> 2));
            if (k + 2 < len) o[n++] = (char)((c2 << 6) | c3);
        }
        while (i < a->n && a->s[i] != '\n') i++;
        i++;
    }
    return set_out(out, o, n);
}

/* sprintf with %s, %c, %d and %% only. */
static int sprintf_(const sg_php_arg_t *a, int nargs, apr_size_t max, apr_pool_t *p,
                    sg_php_str_t *out)
{
    apr_size_t i, n = 0, cap = 0;
    int k = 1;
    char *o;

    if (!a[0].v.s) return 0;
    for (i = 1; i < (apr_size_t)nargs; i++) {
        if (!a[i].v.s) return 0;
        cap += a[i].v.n + 24;
    }
    cap += a[0].v.n;
    if (cap > max) return 0;
    o = apr_palloc(p, cap + 1);
    for (i = 0; i < a[0].v.n; i++) {
        char c = a[0].v.s[i];
        if (c != '%') { o[n++] = c; continue; }
        c = i + 1 < a[0].v.n ? a[0].v.s[++i] : '\0';
        if (c == '%') { o[n++] = '%'; continue; }
        if (k >= nargs) return 0;
        if (c == 's') { memcpy(o + n, a[k].v.s, a[k].v.n); n += a[k].v.n; }
        else if (c == 'c') { o[n++] = (char)num_of(&a[k].v); }
        else if (c == 'd') { n += (apr_size_t)apr_snprintf(o + n, 24, "%" APR_INT64_T_FMT, (apr_int64_t)num_of(&a[k].v)); }
        else return 0;
        k++;
    }
    return set_out(out, o, n);
}

static int inflate(int zlib, const sg_php_str_t *a, apr_size_t max, apr_pool_t *p,
                   sg_php_str_t *out)
{
    sg_inflate_fn *fn = sg_deobf_inflate();
    char *o;
    apr_size_t n;

    if (!fn || fn(zlib, a->s, a->n, max, &o, &n, p) != APR_SUCCESS) return 0;
    out->s = o;
    out->n = n;
    return 1;
}


/* One HTML entity at S[0..N) (S[0] is '&'): its byte or UTF-8 bytes into
 * O, returning how many input bytes it took; 0 when it is none of the five
 * htmlspecialchars() writes or a numeric reference. */
static apr_size_t html_entity(const char *s, apr_size_t n, char *o, apr_size_t *olen)
{
    static const struct { const char *name; char c; } named[] = {
        { "&lt;", '<' }, { "&gt;", '>' }, { "&amp;", '&' }, { "&quot;", '"' },
        { "&#039;", '\'' }, { "&apos;", '\'' }, { NULL, 0 }
    };
    unsigned long cp = 0;
    apr_size_t i, k;
    int hex;

    for (k = 0; named[k].name; k++) {
        apr_size_t m = strlen(named[k].name);
        if (n >= m && !memcmp(s, named[k].name, m)) {
            o[0] = named[k].c;
            *olen = 1;
            return m;
        }
    }
    if (n < 4 || s[1] != '#') return 0;
    hex = s[2] == 'x' || s[2] == 'X';
    for (i = hex ? 3 : 2; i < n && i < 12 && s[i] != ';'; i++) {
        int d = apr_isdigit(s[i]) ? s[i] - '0'
                : hex && apr_isxdigit(s[i]) ? (apr_tolower(s[i]) - 'a' + 10) : -1;
        if (d < 0) return 0;
        cp = cp * (hex ? 16 : 10) + (unsigned long)d;
    }
    if (i >= n || s[i] != ';' || i == (hex ? 3u : 2u) || cp == 0 || cp > 0x10FFFF) return 0;
    if (cp < 0x80) { o[0] = (char)cp; *olen = 1; }
    else if (cp < 0x800) { o[0] = (char)(0xC0 | (cp >> 6)); o[1] = (char)(0x80 | (cp & 0x3F)); *olen = 2; }
    else if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12)); o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F)); *olen = 3;
    }
    else {
        o[0] = (char)(0xF0 | (cp >> 18)); o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); o[3] = (char)(0x80 | (cp & 0x3F)); *olen = 4;
    }
    return i + 1;
}

/* htmlspecialchars_decode() and html_entity_decode() for what obfuscators
 * feed them: the five special characters and numeric references (named
 * entities beyond those stay as they are).  Never longer than S: the
 * shortest reference ("&#1;") is longer than the longest UTF-8 sequence. */
static int html_decode(const sg_php_str_t *s, apr_pool_t *p, sg_php_str_t *out)
{
    char *o = apr_palloc(p, s->n + 1);
    apr_size_t i = 0, n = 0, used, olen;

    while (i < s->n) {
        if (s->s[i] == '&' && (used = html_entity(s->s + i, s->n - i, o + n, &olen)) > 0) {
            n += olen;
            i += used;
        }
        else o[n++] = s->s[i++];
    }
    return set_out(out, o, n);
}

static int fold_scalar(fold_fn_t fn, const sg_php_arg_t *a, int nargs, apr_size_t max,
                       apr_pool_t *p, sg_php_str_t *out)
{
    const sg_php_str_t *s = &a[0].v;
    char *o;
    apr_size_t i, n;

    switch (fn) {
    case F_B64:
        o = sg_base64_decode(s->s, s->n, max, &n, NULL, p);
        return o ? (out->s = o, out->n = n, 1) : 0;
    case F_ROT13: return rot13(s, p, out);
    case F_REV:
        o = apr_palloc(p, s->n + 1);
        for (i = 0; i < s->n; i++) o[i] = s->s[s->n - 1 - i];
        return set_out(out, o, s->n);
    case F_GZINFLATE: return inflate(0, s, max, p, out);
    case F_GZUNCOMPRESS: return inflate(1, s, max, p, out);
    case F_GZDECODE: return inflate(2, s, max, p, out);
    case F_HEX2BIN: return hex_decode(s->s, s->n, p, out);
    case F_URLDECODE: return url_decode(s, 1, p, out);
    case F_RAWURLDECODE: return url_decode(s, 0, p, out);
    case F_LOWER: return case_map(s, 0, 0, p, out);
    case F_UPPER: return case_map(s, 1, 0, p, out);
    case F_UCFIRST: return case_map(s, 1, 1, p, out);
    case F_LCFIRST: return case_map(s, 0, 1, p, out);
    case F_CHR:
        o = apr_palloc(p, 2);
        o[0] = (char)(((num_of(s) % 256) + 256) % 256);
        return set_out(out, o, 1);
    case F_ORD: return set_num(out, s->n ? (unsigned char)s->s[0] : 0, p);
    case F_REPEAT: {
        /* Padding and filler (str_repeat("A", 34438013) in a flooder) say
         * nothing folded: over MAX_REPEAT it stays unknown.  The copy
         * doubles what is written, so a one-byte string costs no more than
         * a long one. */
        long long k = nargs > 1 && a[1].v.s ? num_of(&a[1].v) : -1;
        apr_size_t total;
        if (k < 0 || (unsigned long long)k > max || (s->n && (apr_size_t)k > max / s->n)) return 0;
        total = (apr_size_t)k * s->n;
        if (total > MAX_REPEAT) return 0;
        o = apr_palloc(p, total + 1);
        n = total ? s->n : 0;
        if (n) memcpy(o, s->s, n);
        while (n < total) {
            apr_size_t chunk = n < total - n ? n : total - n;
            memcpy(o + n, o, chunk);
            n += chunk;
        }
        return set_out(out, o, total);
    }
    case F_UUDECODE: return uudecode(s, p, out);
    case F_STRVAL: *out = *s; return 1;
    case F_HEXDEC: return set_num(out, strtoll(s->s, NULL, 16), p);
    case F_OCTDEC: return set_num(out, strtoll(s->s, NULL, 8), p);
    case F_BINDEC: return set_num(out, strtoll(s->s, NULL, 2), p);
    case F_DECHEX:
        out->s = apr_psprintf(p, "%" APR_UINT64_T_HEX_FMT, (apr_uint64_t)num_of(s));
        out->n = strlen(out->s);
        return 1;
    case F_BIN2HEX:
        if (s->n > max / 2) return 0;
        out->s = sg_hex_encode((const unsigned char *)s->s, s->n, p);
        out->n = s->n * 2;
        return 1;
    case F_MD5: case F_SHA1: {
        /* hex digests of constants: obfuscators pick letters out of
         * md5('a'); only the hex form (no raw second argument) */
        unsigned char d[APR_SHA1_DIGESTSIZE];
        apr_size_t dn = fn == F_MD5 ? APR_MD5_DIGESTSIZE : APR_SHA1_DIGESTSIZE;
        if (nargs > 1 || max < dn * 2) return 0;
        if (fn == F_MD5) apr_md5(d, s->s, s->n);
        else {
            apr_sha1_ctx_t c;
            apr_sha1_init(&c);
            apr_sha1_update_binary(&c, (const unsigned char *)s->s, (unsigned int)s->n);
            apr_sha1_final(d, &c);
        }
        out->s = sg_hex_encode(d, dn, p);
        out->n = dn * 2;
        return 1;
    }
    case F_HTMLDECODE:
        return html_decode(s, p, out);
    case F_STRIPSLASHES:
        o = apr_palloc(p, s->n + 1);
        for (i = 0, n = 0; i < s->n; i++) {
            if (s->s[i] == '\\' && i + 1 < s->n) i++;
            o[n++] = s->s[i];
        }
        return set_out(out, o, n);
    default:
        return 0;
    }
}

int sg_php_fold_call(const char *name, const sg_php_arg_t *a, int nargs, apr_size_t max,
                     apr_pool_t *p, sg_php_str_t *out, int *decoder)
{
    fold_fn_t fn = lookup(name, decoder);

    if (fn == F_NONE || nargs < 1) return 0;
    switch (fn) {
    case F_STR_REPLACE: return str_replace(a, nargs, 0, max, p, out);
    case F_STR_IREPLACE: return str_replace(a, nargs, 1, max, p, out);
    case F_SUBSTR: return substr_(a, nargs, p, out);
    case F_SUBSTR_REPLACE: return substr_replace_(a, nargs, max, p, out);
    case F_STRTR: return strtr3(a, nargs, p, out);
    case F_IMPLODE: return implode(a, nargs, max, p, out);
    case F_TRIM: return trim_(a, nargs, 1, 1, p, out);
    case F_LTRIM: return trim_(a, nargs, 1, 0, p, out);
    case F_RTRIM: return trim_(a, nargs, 0, 1, p, out);
    case F_PACK: return pack_(a, nargs, p, out);
    case F_SPRINTF: return sprintf_(a, nargs, max, p, out);
    default:
        if (!a[0].v.s || a[0].v.n > max) return 0;
        return fold_scalar(fn, a, nargs, max, p, out);
    }
}

/* ---------------------------------------------------------------- operators */

static int is_numeric(const sg_php_str_t *v)
{
    apr_size_t i = 0;

    if (v->n == 0) return 0;
    if (v->s[0] == '-' || v->s[0] == '+') i++;
    if (i >= v->n) return 0;
    for (; i < v->n; i++) {
        if (v->s[i] < '0' || v->s[i] > '9') return 0;
    }
    return 1;
}

static int bitwise(char op, const sg_php_str_t *a, const sg_php_str_t *b, apr_pool_t *p,
                   sg_php_str_t *out)
{
    apr_size_t n = op == '|' ? (a->n > b->n ? a->n : b->n) : (a->n < b->n ? a->n : b->n), i;
    char *o;

    if (is_numeric(a) && is_numeric(b)) {
        long long x = num_of(a), y = num_of(b);
        return set_num(out, op == '^' ? x ^ y : op == '|' ? x | y : x & y, p);
    }
    o = apr_palloc(p, n + 1);
    for (i = 0; i < n; i++) {
        unsigned char x = i < a->n ? (unsigned char)a->s[i] : 0;
        unsigned char y = i < b->n ? (unsigned char)b->s[i] : 0;
        o[i] = (char)(op == '^' ? x ^ y : op == '|' ? x | y : x & y);
    }
    return set_out(out, o, n);
}

static int arith(char op, char op2, const sg_php_str_t *a, const sg_php_str_t *b, apr_pool_t *p,
                 sg_php_str_t *out)
{
    long long x = num_of(a), y = num_of(b), r;

    if (!is_numeric(a) || !is_numeric(b)) return 0;
    /* PHP turns an overflowing int into a float: not folded here. */
    switch (op) {
    case '+': return __builtin_add_overflow(x, y, &r) ? 0 : set_num(out, r, p);
    case '-': return __builtin_sub_overflow(x, y, &r) ? 0 : set_num(out, r, p);
    case '*': return __builtin_mul_overflow(x, y, &r) ? 0 : set_num(out, r, p);
    case '/': return y && !(y == -1 && x == LLONG_MIN) && x % y == 0 ? set_num(out, x / y, p) : 0;
    case '%': return y && !(y == -1 && x == LLONG_MIN) ? set_num(out, x % y, p) : 0;
    case '<': return op2 == '<' && x >= 0 && y >= 0 && y < 63 && x <= (LLONG_MAX >> y)
                     ? set_num(out, x << y, p) : 0;
    case '>': return op2 == '>' && y >= 0 && y < 63 ? set_num(out, x >> y, p) : 0;
    }
    return 0;
}

int sg_php_fold_op(const char *op, apr_size_t oplen, const sg_php_str_t *a,
                   const sg_php_str_t *b, apr_size_t max, apr_pool_t *p, sg_php_str_t *out)
{
    char *o;
    apr_size_t i;

    if (!a->s) return 0;
    if (oplen == 1 && op[0] == '~') {
        if (is_numeric(a)) return set_num(out, ~num_of(a), p);
        o = apr_palloc(p, a->n + 1);
        for (i = 0; i < a->n; i++) o[i] = (char)~a->s[i];
        return set_out(out, o, a->n);
    }
    if (!b || !b->s) return 0;
    if (oplen == 1 && op[0] == '.') {
        if (a->n + b->n > max) return 0;
        o = apr_palloc(p, a->n + b->n + 1);
        memcpy(o, a->s, a->n);
        memcpy(o + a->n, b->s, b->n);
        return set_out(out, o, a->n + b->n);
    }
    if (oplen == 1 && (op[0] == '^' || op[0] == '|' || op[0] == '&')) {
        return bitwise(op[0], a, b, p, out);
    }
    if (oplen == 1 || (oplen == 2 && (op[0] == '<' || op[0] == '>') && op[1] == op[0])) {
        return arith(op[0], oplen == 2 ? op[1] : 0, a, b, p, out);
    }
    return 0;
}
