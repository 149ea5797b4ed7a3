/* sg_deobf.c: static de-obfuscation of PHP wrapper chains, with caps. */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_codec.h"
#include "sg_deobf.h"

static sg_inflate_fn *inflate_fn;   /* host's zlib, or NULL */

void sg_deobf_set_inflate(sg_inflate_fn *fn)
{
    inflate_fn = fn;
}

sg_inflate_fn *sg_deobf_inflate(void)
{
    return inflate_fn;
}

typedef struct deobf_t {
    apr_pool_t *pool;               /* layers live here */
    apr_array_header_t *layers;     /* of sg_deobf_layer_t */
    int max_depth;                  /* cap on nesting */
    apr_size_t budget;              /* bytes all layers may still add */
    const char *note;               /* the first cap hit */
} deobf_t;

/* A growing output buffer with a fixed capacity (never reallocated). */
typedef struct out_t {
    char *buf;          /* capacity cap + 1 */
    apr_size_t len;     /* bytes written */
    apr_size_t cap;     /* bytes it may hold */
    int decoded;        /* a literal had an escape decoded since last reset */
} out_t;

static void putc_(out_t *o, char c)
{
    if (o->len < o->cap) o->buf[o->len++] = c;
}

static int is_ident(int c)
{
    return apr_isalnum(c) || c == '_' || c >= 0x80;
}

/* ---------------------------------------------------------------- normalising */

static apr_size_t skip_ws(const char *s, apr_size_t i, apr_size_t len)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) i++;
    return i;
}

static void put_utf8(out_t *o, unsigned long cp)
{
    char u[4];
    apr_size_t i, n = sg_utf8_encode(cp, u);

    for (i = 0; i < n; i++) putc_(o, u[i]);
}

/* One escape after the backslash at S[I] in a double-quoted string; returns
 * the index after it. */
static apr_size_t dq_escape(const char *s, apr_size_t i, apr_size_t len, out_t *o)
{
    char c = i + 1 < len ? s[i + 1] : '\0';
    apr_size_t j;
    unsigned long v = 0;

    switch (c) {
    case 'n': putc_(o, '\n'); return i + 2;
    case 't': putc_(o, '\t'); return i + 2;
    case 'r': putc_(o, '\r'); return i + 2;
    case '\\': case '"': case '$': putc_(o, c); return i + 2;
    case 'x': case 'X':
        for (j = i + 2; j < len && j < i + 4 && sg_hex_value(s[j]) >= 0; j++) {
            v = v * 16 + (unsigned long)sg_hex_value(s[j]);
        }
        if (j == i + 2) break;
        putc_(o, (char)v);
        return j;
    case 'u':
        if (i + 2 < len && s[i + 2] == '{') {
            for (j = i + 3; j < len && j < i + 10 && sg_hex_value(s[j]) >= 0; j++) {
                v = v * 16 + (unsigned long)sg_hex_value(s[j]);
            }
            if (j < len && s[j] == '}' && v <= 0x10ffff) {
                put_utf8(o, v);
                return j + 1;
            }
        }
        break;
    default:
        if (c >= '0' && c <= '7') {
            for (j = i + 1; j < len && j < i + 4 && s[j] >= '0' && s[j] <= '7'; j++) {
                v = v * 8 + (unsigned long)(s[j] - '0');
            }
            putc_(o, (char)(v & 0xff));
            return j;
        }
    }
    putc_(o, '\\');
    return i + 1;
}

/* Parses the string literal at S[I] (a quote) into O; returns the index
 * after the closing quote, or 0 when it does not close.  Runs without
 * escapes are copied whole; a decoded escape sets O->decoded. */
static apr_size_t literal(const char *s, apr_size_t i, apr_size_t len, out_t *o)
{
    char q = s[i++];

    while (i < len && s[i] != q) {
        apr_size_t run = i;
        while (run < len && s[run] != q && s[run] != '\\') run++;
        if (run > i) {
            apr_size_t n = run - i;
            if (n > o->cap - o->len) n = o->cap - o->len;
            memcpy(o->buf + o->len, s + i, n);
            o->len += n;
            i = run;
            continue;
        }
        if (s[i] != '\\') break;
        if (q == '"') {
            apr_size_t after = dq_escape(s, i, len, o);
            o->decoded |= after != i + 1;   /* i + 1: an unknown escape, kept */
            i = after;
        }
        else if (i + 1 < len && (s[i + 1] == '\'' || s[i + 1] == '\\')) {
            putc_(o, s[i + 1]);
            o->decoded = 1;
            i += 2;
        }
        else {
            putc_(o, s[i++]);
        }
    }
    return i < len ? i + 1 : 0;
}

/* chr(N) / chr(0xN) at S[I] ("chr" case-insensitive): its byte into O;
 * returns the index after ')' or 0. */
static apr_size_t chr_call(const char *s, apr_size_t i, apr_size_t len, out_t *o)
{
    unsigned long v = 0;
    apr_size_t j;
    int digits = 0, hex = 0;

    if (i + 4 > len || strncasecmp(s + i, "chr", 3) || (i > 0 && is_ident((unsigned char)s[i - 1]))) {
        return 0;
    }
    j = skip_ws(s, i + 3, len);
    if (j >= len || s[j] != '(') return 0;
    j = skip_ws(s, j + 1, len);
    if (j + 1 < len && s[j] == '0' && (s[j + 1] == 'x' || s[j + 1] == 'X')) { hex = 1; j += 2; }
    for (; j < len && digits < 8; j++, digits++) {
        int d = hex ? sg_hex_value(s[j]) : (apr_isdigit(s[j]) ? s[j] - '0' : -1);
        if (d < 0) break;
        v = v * (hex ? 16 : 10) + (unsigned long)d;
    }
    j = skip_ws(s, j, len);
    if (!digits || j >= len || s[j] != ')') return 0;
    putc_(o, (char)(v & 0xff));
    return j + 1;
}

/* A string piece (literal or chr()) at S[I] into O; index after, or 0. */
static apr_size_t piece(const char *s, apr_size_t i, apr_size_t len, out_t *o)
{
    if (s[i] == '"' || s[i] == '\'') return literal(s, i, len, o);
    return chr_call(s, i, len, o);
}

/* Bytes that may start a string piece: quotes and the c of chr. */
static const unsigned char piece_first[256] = { ['"'] = 1, ['\''] = 1, ['c'] = 1, ['C'] = 1 };

/* Non-zero when S[I] may start a string piece: a quote, or "chr" (any case). */
static int may_start_piece(const char *s, apr_size_t i, apr_size_t len)
{
    char c = s[i];

    if (!piece_first[(unsigned char)c]) return 0;
    if (c == '"' || c == '\'') return 1;
    return i + 2 < len && (s[i + 1] | 0x20) == 'h' && (s[i + 2] | 0x20) == 'r';
}

/* Copies S[FROM..TO) to O as it is (up to O's capacity). */
static void put_span(out_t *o, const char *s, apr_size_t from, apr_size_t to)
{
    apr_size_t n = to - from;

    if (n > o->cap - o->len) n = o->cap - o->len;
    memcpy(o->buf + o->len, s + from, n);
    o->len += n;
}

/* Copies S to O with string pieces joined by '.' folded into one
 * "..." string (escapes decoded).  A lone literal that decodes to itself is
 * copied with its own quotes, so a file with nothing to fold normalises to
 * itself and yields no second layer to match (most of a PHP tree). */
static void normalise(const char *s, apr_size_t len, out_t *o)
{
    apr_size_t i = 0;

    while (i < len && o->len < o->cap) {
        apr_size_t start_len = o->len, next, run = i;
        int pieces = 1;
        while (run < len && !may_start_piece(s, run, len)) run++;
        if (run > i) {
            put_span(o, s, i, run);
            i = run;
            continue;
        }
        putc_(o, '"');
        o->decoded = 0;
        if ((next = piece(s, i, len, o)) != 0) {
            for (;;) {
                apr_size_t j = skip_ws(s, next, len), k;
                if (j >= len || s[j] != '.' || (j + 1 < len && s[j + 1] == '=')) break;
                k = skip_ws(s, j + 1, len);
                if (k >= len || !(k = piece(s, k, len, o))) break;
                next = k;
                pieces++;
            }
            putc_(o, '"');
            if (pieces == 1 && !o->decoded && s[i] != 'c' && s[i] != 'C'
                && o->len - start_len == next - i) {
                o->len = start_len;
                put_span(o, s, i, next);   /* nothing decoded: keep its own quotes */
            }
            i = next;
            continue;
        }
        o->len = start_len;
        putc_(o, s[i++]);
    }
}

/* ---------------------------------------------------------------- decoders */

typedef enum { D_BASE64, D_ROT13, D_STRREV, D_GZINFLATE, D_GZUNCOMPRESS, D_GZDECODE,
               D_HEX2BIN, D_URLDECODE, D_RAWURLDECODE, D_NONE } decoder_t;

static const char *const decoder_names[] = {
    "base64_decode", "str_rot13", "strrev", "gzinflate", "gzuncompress", "gzdecode",
    "hex2bin", "urldecode", "rawurldecode", NULL
};

/* The decoder whose name ends just before S[END] (skipping blanks), with
 * *START set to where the name begins; D_NONE when there is none. */
static decoder_t decoder_before(const char *s, apr_size_t end, apr_size_t *start)
{
    apr_size_t e = end, b;
    int i;

    while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\n')) e--;
    for (b = e; b > 0 && is_ident((unsigned char)s[b - 1]); b--);
    for (i = 0; decoder_names[i]; i++) {
        if (e - b == strlen(decoder_names[i]) && !strncasecmp(s + b, decoder_names[i], e - b)) {
            *start = b;
            return (decoder_t)i;
        }
    }
    return D_NONE;
}

static apr_status_t url_decode(const char *in, apr_size_t len, int plus, char *out,
                               apr_size_t *outlen)
{
    apr_size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (in[i] == '%' && i + 2 < len && sg_hex_value(in[i + 1]) >= 0
            && sg_hex_value(in[i + 2]) >= 0) {
            out[n++] = (char)(sg_hex_value(in[i + 1]) * 16 + sg_hex_value(in[i + 2]));
            i += 2;
        }
        else out[n++] = (plus && in[i] == '+') ? ' ' : in[i];
    }
    *outlen = n;
    return APR_SUCCESS;
}

/* Applies decoder D to IN[0..LEN); the result (from P, at most MAX bytes)
 * in *OUT.  Returns APR_ENOSPC when MAX is hit, other errors for bad input. */
static apr_status_t decode(decoder_t d, const char *in, apr_size_t len, apr_size_t max,
                           char **out, apr_size_t *outlen, apr_pool_t *p)
{
    apr_size_t i;

    switch (d) {
    case D_BASE64:
        *out = sg_base64_decode(in, len, max, outlen, NULL, p);
        return *out ? APR_SUCCESS : APR_ENOSPC;
    case D_GZINFLATE: case D_GZUNCOMPRESS: case D_GZDECODE:
        if (!inflate_fn) return APR_ENOTIMPL;
        return inflate_fn(d == D_GZINFLATE ? 0 : d == D_GZUNCOMPRESS ? 1 : 2, in, len, max,
                          out, outlen, p);
    default:
        break;
    }
    if (len > max) return APR_ENOSPC;
    *out = apr_palloc(p, len + 1);
    *outlen = len;
    switch (d) {
    case D_ROT13:
        for (i = 0; i < len; i++) {
            char c = in[i];
            if ((c >= 'a' && c <= 'm') || (c >= 'A' && c <= 'M')) c = (char)(c + 13);
            else if ((c >= 'n' && c <= 'z') || (c >= 'N' && c <= 'Z')) c = (char)(c - 13);
            (*out)[i] = c;
        }
        break;
    case D_STRREV:
        for (i = 0; i < len; i++) (*out)[i] = in[len - 1 - i];
        break;
    case D_HEX2BIN:
        for (i = 0; i + 1 < len && sg_hex_value(in[i]) >= 0 && sg_hex_value(in[i + 1]) >= 0; i += 2) {
            (*out)[i / 2] = (char)(sg_hex_value(in[i]) * 16 + sg_hex_value(in[i + 1]));
        }
        *outlen = i / 2;
        break;
    default:
        url_decode(in, len, d == D_URLDECODE, *out, outlen);
        break;
    }
    (*out)[*outlen] = '\0';
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- layers */

static void process(deobf_t *dc, const char *text, apr_size_t len, int depth, const char *how);

static void cap_hit(deobf_t *dc, const char *note)
{
    if (!dc->note) dc->note = note;
}

/* The literal argument of the call whose '(' is at S[I]: a quoted string,
 * or a $variable assigned a quoted string earlier in S.  Sets *ARG, *ALEN
 * (a view into S, quotes excluded) and *END (index after ')'). */
static int literal_arg(const char *s, apr_size_t len, apr_size_t i, const char **arg,
                       apr_size_t *alen, apr_size_t *end)
{
    apr_size_t j = skip_ws(s, i + 1, len), k;

    if (j < len && (s[j] == '"' || s[j] == '\'')) {   /* folded, or a lone literal kept */
        const char *close = memchr(s + j + 1, s[j], len - j - 1);
        if (!close) return 0;
        *arg = s + j + 1;
        *alen = (apr_size_t)(close - *arg);
        k = skip_ws(s, (apr_size_t)(close - s) + 1, len);
    }
    else if (j < len && s[j] == '$') {
        apr_size_t v = j + 1, vend;
        const char *at = s;
        while (v < len && is_ident((unsigned char)s[v])) v++;
        vend = v;
        k = skip_ws(s, vend, len);
        if (vend == j + 1) return 0;
        /* Find an earlier assignment: $name = "...". */
        *arg = NULL;
        while ((at = memchr(at, '$', (apr_size_t)(s + j - at))) != NULL) {
            apr_size_t a = (apr_size_t)(at - s), e;
            at++;
            if (a + (vend - j) > j || strncmp(s + a, s + j, vend - j)
                || is_ident((unsigned char)s[a + (vend - j)])) continue;
            e = skip_ws(s, a + (vend - j), len);
            if (e + 1 >= len || s[e] != '=' || s[e + 1] == '=') continue;
            e = skip_ws(s, e + 1, len);
            if (e < len && (s[e] == '"' || s[e] == '\'')) {
                const char *close = memchr(s + e + 1, s[e], len - e - 1);
                if (close) { *arg = s + e + 1; *alen = (apr_size_t)(close - *arg); break; }
            }
        }
        if (!*arg) return 0;
    }
    else {
        return 0;
    }
    if (k >= len || s[k] != ')') return 0;
    *end = k + 1;
    return 1;
}

/* Decodes the chain whose innermost call has its '(' at S[PAREN]. */
static void decode_chain(deobf_t *dc, const char *s, apr_size_t len, apr_size_t paren,
                         int depth)
{
    apr_size_t start, end, alen, vlen;
    const char *arg, *how = "";
    char *value = NULL;
    decoder_t d = decoder_before(s, paren, &start);
    apr_status_t rv;

    if (d == D_NONE || !literal_arg(s, len, paren, &arg, &alen, &end)) {
        return;
    }
    value = (char *)arg;
    vlen = alen;
    /* Innermost first, then each enclosing decoder while the call is its only argument. */
    for (;;) {
        char *next;
        apr_size_t nlen, outer_start, j;
        rv = decode(d, value, vlen, dc->budget, &next, &nlen, dc->pool);
        if (rv == APR_ENOSPC) {
            cap_hit(dc, apr_psprintf(dc->pool, "decoded size cap reached (%lu bytes left)",
                                     (unsigned long)dc->budget));
            return;
        }
        if (rv != APR_SUCCESS) break;
        value = next;
        vlen = nlen;
        how = apr_pstrcat(dc->pool, decoder_names[d], "(", how, ")", NULL);
        /* Is "outer(" right before START, and ")" right after END? */
        j = start;
        while (j > 0 && (s[j - 1] == ' ' || s[j - 1] == '\t' || s[j - 1] == '\n')) j--;
        if (j == 0 || s[j - 1] != '(') break;
        d = decoder_before(s, j - 1, &outer_start);
        end = skip_ws(s, end, len);
        if (d == D_NONE || end >= len || s[end] != ')') break;
        start = outer_start;
        end++;
    }
    if (value == arg || vlen == 0) {
        return;
    }
    dc->budget -= vlen;
    process(dc, value, vlen, depth + 1, how);
}

static void find_calls(deobf_t *dc, const char *s, apr_size_t len, int depth)
{
    const char *p = s, *end = s + len;
    int calls = 0;

    while ((p = memchr(p, '(', (apr_size_t)(end - p))) != NULL) {
        apr_size_t start;
        if (decoder_before(s, (apr_size_t)(p - s), &start) != D_NONE) {
            if (++calls > SG_DEOBF_MAX_CALLS) {
                cap_hit(dc, apr_psprintf(dc->pool, "more than %d decoder calls in one layer",
                                         SG_DEOBF_MAX_CALLS));
                return;
            }
            if (depth >= dc->max_depth) {
                cap_hit(dc, apr_psprintf(dc->pool, "decode depth %d reached", dc->max_depth));
                return;
            }
            decode_chain(dc, s, len, (apr_size_t)(p - s), depth);
        }
        p++;
    }
}

static void process(deobf_t *dc, const char *text, apr_size_t len, int depth, const char *how)
{
    out_t o;
    sg_deobf_layer_t *l;

    if (len + 16 > dc->budget) {
        cap_hit(dc, apr_psprintf(dc->pool, "decoded size cap reached (%lu bytes left)",
                                 (unsigned long)dc->budget));
        return;
    }
    o.cap = len + 16;
    o.buf = apr_palloc(dc->pool, o.cap + 1);
    o.len = 0;
    o.decoded = 0;
    normalise(text, len, &o);
    o.buf[o.len] = '\0';
    if (depth > 1 || o.len != len || memcmp(o.buf, text, len)) {
        dc->budget -= o.len;
        l = apr_array_push(dc->layers);
        l->buf = o.buf;
        l->len = o.len;
        l->depth = depth;
        l->how = how;
    }
    find_calls(dc, o.buf, o.len, depth);
}

void sg_deobf_run(const char *buf, apr_size_t len, int max_depth, apr_size_t max_bytes,
                  apr_pool_t *p, apr_array_header_t **layers, const char **note)
{
    deobf_t dc;

    dc.pool = p;
    dc.layers = apr_array_make(p, 2, sizeof(sg_deobf_layer_t));
    dc.max_depth = max_depth;
    dc.budget = max_bytes;
    dc.note = NULL;
    process(&dc, buf, len, 1, "normalised");
    *layers = dc.layers;
    *note = dc.note;
}
