/* sg_multipart.c: strict streaming multipart/form-data parser (see sg_multipart.h). */
#include <string.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "sg_multipart.h"

#define MP_OUT 8192              /* bytes of part data batched per data callback */

typedef enum {
    MP_START,                    /* matching the first "--BOUNDARY" */
    MP_AFTER_BOUNDARY,           /* two bytes: CRLF (a part) or "--" (the end) */
    MP_HEADERS,                  /* a part's header block */
    MP_DATA,                     /* part data up to "\r\n--BOUNDARY" */
    MP_FINAL,                    /* after "--BOUNDARY--": one CRLF at most */
    MP_FAILED                    /* refused or stopped by a callback */
} mp_state_t;

struct sg_mp_t {
    apr_pool_t *pool;            /* the parser's */
    apr_pool_t *part_pool;       /* one part's strings, cleared per part */
    sg_mp_callbacks_t cb;        /* the host's callbacks */
    void *baton;                 /* passed to them */
    sg_mp_limits_t limits;       /* caps */
    mp_state_t state;            /* where we are */
    const char *delim;           /* "\n--BOUNDARY" */
    apr_size_t delim_len;        /* its length */
    apr_size_t match;            /* bytes of delim (or of "--BOUNDARY" at start) matched */
    int pend_cr;                 /* 1: a CR before the match is held back */
    char after[2];               /* bytes seen after a boundary */
    int after_len;               /* how many */
    char *hdr;                   /* header block being read */
    apr_size_t hdr_len;          /* bytes in it */
    apr_size_t line_start;       /* where its current line starts */
    int parts;                   /* parts begun */
    apr_off_t fed;               /* body bytes fed before the current chunk */
    const char *chunk;           /* the chunk being fed */
    sg_mp_part_t part;           /* the current part */
    char out[MP_OUT];            /* data waiting for the data callback */
    apr_size_t out_len;          /* bytes in it */
};

/* ---------------------------------------------------------------- content type */

int sg_mp_is_form_data(const char *ct)
{
    if (!ct) return 0;
    while (*ct == ' ' || *ct == '\t') ct++;
    /* PHP's SAPI cuts the media type at ';', ',' or ' ' (sapi_read_post_data):
     * "multipart/form-data,boundary=x" is a form to PHP, so it is one here
     * too, and sg_mp_boundary refuses its parameters. */
    return !strncasecmp(ct, "multipart/form-data", 19)
           && (!ct[19] || ct[19] == ';' || ct[19] == ',' || ct[19] == ' ' || ct[19] == '\t');
}

static int boundary_char(char c)
{
    return apr_isalnum(c) || (c && strchr("'()+_-./:=?", c));
}

static int token_char(char c);

/* Reads one Content-Type parameter at *S (after its ';'): key and value. */
static int ct_param(const char **s, const char **key, apr_size_t *klen, const char **val,
                    apr_size_t *vlen)
{
    const char *c = *s;

    while (*c == ' ' || *c == '\t') c++;
    for (*key = c; token_char(*c); c++) ;
    *klen = (apr_size_t)(c - *key);
    if (!*klen || *c++ != '=') return 0;
    if (*c == '"') {
        for (*val = ++c; *c && *c != '"' && *c != '\\'; c++) ;
        if (*c != '"') return 0;
        *vlen = (apr_size_t)(c++ - *val);
    }
    else {
        for (*val = c; *c && *c != ';' && *c != ' ' && *c != '\t'; c++) ;
        *vlen = (apr_size_t)(c - *val);
    }
    while (*c == ' ' || *c == '\t') c++;
    if (*c && *c != ';') return 0;
    *s = c;
    return 1;
}

apr_status_t sg_mp_boundary(const char *ct, apr_pool_t *p, const char **boundary,
                            sg_result_t *res)
{
    const char *s, *key, *val, *found = NULL, *b = NULL;
    apr_size_t klen, vlen, blen = 0, i;

    if (!sg_mp_is_form_data(ct)) {
        return sg_result_set(res, p, SG_MP_EREFUSED, "not multipart/form-data");
    }
    for (s = ct + strspn(ct, " \t") + 19; *s == ' ' || *s == '\t'; s++) ;
    while (*s) {
        if (*s++ != ';' || !ct_param(&s, &key, &klen, &val, &vlen)) {
            return sg_result_set(res, p, SG_MP_EREFUSED, "malformed Content-Type parameters");
        }
        if (klen != 8 || strncasecmp(key, "boundary", 8)) continue;
        if (found || strncmp(key, "boundary", 8)) {
            return sg_result_set(res, p, SG_MP_EREFUSED, "Content-Type must name one "
                                 "lower-case boundary parameter");
        }
        found = key;
        b = val;
        blen = vlen;
    }
    /* PHP takes the first "boundary" anywhere in the header (strstr). */
    if (!found || strstr(ct, "boundary") != found) {
        return sg_result_set(res, p, SG_MP_EREFUSED, "Content-Type must name one "
                             "lower-case boundary parameter");
    }
    for (i = 0; i < blen; i++) {
        if (!boundary_char(b[i])) {
            return sg_result_set(res, p, SG_MP_EREFUSED, "boundary: bad character");
        }
    }
    if (!blen || blen > SG_MP_MAX_BOUNDARY) {
        return sg_result_set(res, p, SG_MP_EREFUSED, "boundary must have 1 to %d characters",
                             SG_MP_MAX_BOUNDARY);
    }
    *boundary = apr_pstrmemdup(p, b, blen);
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- helpers */

static apr_status_t refuse(sg_mp_t *mp, sg_result_t *res, const char *why)
{
    mp->state = MP_FAILED;
    return sg_result_set(res, mp->pool, SG_MP_EREFUSED, "multipart: %s (part %d)", why,
                         mp->parts);
}

static apr_status_t flush_out(sg_mp_t *mp)
{
    apr_status_t rv = APR_SUCCESS;

    if (mp->out_len && mp->cb.data) {
        rv = mp->cb.data(mp->baton, &mp->part, mp->out, mp->out_len);
    }
    mp->out_len = 0;
    return rv;
}

static apr_status_t emit(sg_mp_t *mp, const char *buf, apr_size_t len)
{
    apr_status_t rv;

    while (len) {
        apr_size_t n = MP_OUT - mp->out_len < len ? MP_OUT - mp->out_len : len;
        memcpy(mp->out + mp->out_len, buf, n);
        mp->out_len += n;
        buf += n;
        len -= n;
        if (mp->out_len == MP_OUT && (rv = flush_out(mp)) != APR_SUCCESS) {
            return rv;
        }
    }
    return APR_SUCCESS;
}

sg_mp_t *sg_mp_create(apr_pool_t *p, const char *boundary, const sg_mp_limits_t *limits,
                      const sg_mp_callbacks_t *cb, void *baton)
{
    sg_mp_t *mp = apr_pcalloc(p, sizeof(*mp));

    mp->pool = p;
    apr_pool_create(&mp->part_pool, p);
    mp->cb = *cb;
    mp->baton = baton;
    mp->limits.max_parts = limits ? limits->max_parts : SG_MP_DEFAULT_MAX_PARTS;
    mp->limits.max_header = limits ? limits->max_header : SG_MP_DEFAULT_MAX_HEADER;
    mp->delim = apr_pstrcat(p, "\n--", boundary, NULL);
    mp->delim_len = strlen(mp->delim);
    mp->hdr = apr_palloc(p, mp->limits.max_header + 1);
    mp->state = MP_START;
    return mp;
}

int sg_mp_parts(const sg_mp_t *mp)
{
    return mp->parts;
}

/* ---------------------------------------------------------------- part headers */

static int token_char(char c)
{
    return apr_isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Reads one quoted parameter value at *S into *VALUE; NULL or a reason. */
static const char *quoted_value(const char **s, apr_pool_t *p, const char **value)
{
    const char *v = *s, *q;

    if (*v != '"') return "unquoted Content-Disposition parameter";
    for (q = v + 1; *q && *q != '"'; q++) {
        /* PHP un-escapes \\ and \" (substring_conf); other readers do not. */
        if (*q == '\\' && (q[1] == '\\' || q[1] == '"')) {
            return "escaped quote or backslash in Content-Disposition";
        }
        if ((unsigned char)*q < 0x20 || *q == 0x7f) {
            return "control character in Content-Disposition";
        }
    }
    if (*q != '"') return "unterminated quote in Content-Disposition";
    *value = apr_pstrmemdup(p, v + 1, (apr_size_t)(q - v - 1));
    *s = q + 1;
    return NULL;
}

/* Parses Content-Disposition: form-data; name="..."[; filename="..."]. */
static const char *parse_disposition(sg_mp_t *mp, const char *s)
{
    apr_pool_t *p = mp->part_pool;
    const char *why;

    if (strncasecmp(s, "form-data", 9) || (s[9] && s[9] != ';' && s[9] != ' ' && s[9] != '\t')) {
        return "Content-Disposition is not form-data";
    }
    for (s += 9;;) {
        const char *key = NULL, **slot;
        apr_size_t klen;

        while (*s == ' ' || *s == '\t') s++;
        if (!*s) break;
        if (*s++ != ';') return "odd Content-Disposition syntax";
        while (*s == ' ' || *s == '\t') s++;
        for (key = s; token_char(*s); s++) ;
        klen = (apr_size_t)(s - key);
        if (*s != '=') return "odd Content-Disposition syntax";
        s++;
        if (klen == 4 && !strncasecmp(key, "name", 4)) slot = &mp->part.name;
        else if (klen == 8 && !strncasecmp(key, "filename", 8)) slot = &mp->part.filename;
        else if (klen == 9 && !strncasecmp(key, "filename*", 9)) return "filename*= not allowed";
        else return "unknown Content-Disposition parameter";
        if (*slot) return "duplicate Content-Disposition parameter";
        if ((why = quoted_value(&s, p, slot))) return why;
    }
    if (!mp->part.name) return "Content-Disposition without name";
    if (mp->part.filename) {
        /* PHP keeps what follows the last / or \ (rfc1867.c). */
        const char *b = mp->part.filename, *c;
        for (c = b; *c; c++) {
            if (*c == '/' || *c == '\\') b = c + 1;
        }
        mp->part.php_filename = b;
    }
    return NULL;
}

/* Parses one "Name: value" line (no CRLF); NULL or a reason. */
static const char *parse_header(sg_mp_t *mp, char *line, int *seen)
{
    char *v, *e;

    if (*line == ' ' || *line == '\t') return "folded part header line";
    for (v = line; token_char(*v); v++) ;
    if (v == line || *v != ':') return "malformed part header line";
    *v++ = '\0';
    while (*v == ' ' || *v == '\t') v++;
    for (e = v + strlen(v); e > v && (e[-1] == ' ' || e[-1] == '\t'); e--) ;
    *e = '\0';
    if (!strcasecmp(line, "Content-Disposition")) {
        if (seen[0]++) return "duplicate Content-Disposition";
        return parse_disposition(mp, v);
    }
    if (!strcasecmp(line, "Content-Type")) {
        if (seen[1]++) return "duplicate part Content-Type";
        if (!strncasecmp(v, "multipart/", 10)) return "nested multipart";
        mp->part.content_type = apr_pstrdup(mp->part_pool, v);
    }
    else if (!strcasecmp(line, "Content-Transfer-Encoding")) {
        if (seen[2]++) return "duplicate Content-Transfer-Encoding";
        if (strcasecmp(v, "binary") && strcasecmp(v, "8bit") && strcasecmp(v, "7bit")) {
            return "Content-Transfer-Encoding other than binary, 8bit or 7bit";
        }
    }
    return NULL;
}

/* The header block is complete (ends with CRLF CRLF, or is one CRLF). */
static apr_status_t headers_done(sg_mp_t *mp, const char *pos, sg_result_t *res)
{
    int seen[3] = { 0, 0, 0 };
    char *line = mp->hdr, *crlf;
    const char *why = NULL;

    mp->hdr[mp->hdr_len] = '\0';
    while (!why && (crlf = strstr(line, "\r\n")) && crlf != line) {
        *crlf = '\0';
        why = parse_header(mp, line, seen);
        line = crlf + 2;
    }
    if (!why && !seen[0]) why = "part without Content-Disposition";
    if (why) return refuse(mp, res, why);
    mp->part.offset = mp->fed + (pos - mp->chunk);
    mp->state = MP_DATA;
    mp->match = 0;
    mp->pend_cr = 0;
    return mp->cb.begin ? mp->cb.begin(mp->baton, &mp->part) : APR_SUCCESS;
}

/* ---------------------------------------------------------------- states */

static apr_status_t st_start(sg_mp_t *mp, const char **pos, const char *end, sg_result_t *res)
{
    /* The body starts with "--BOUNDARY" (delim without its LF): no preamble. */
    for (; *pos < end && mp->match < mp->delim_len - 1; (*pos)++, mp->match++) {
        if (**pos != mp->delim[1 + mp->match]) {
            return refuse(mp, res, "body does not start with the boundary");
        }
    }
    if (mp->match == mp->delim_len - 1) {
        mp->state = MP_AFTER_BOUNDARY;
        mp->after_len = 0;
        mp->match = 0;
    }
    return APR_SUCCESS;
}

static apr_status_t st_after_boundary(sg_mp_t *mp, const char **pos, const char *end,
                                      sg_result_t *res)
{
    while (*pos < end && mp->after_len < 2) {
        mp->after[mp->after_len++] = *(*pos)++;
    }
    if (mp->after_len < 2) return APR_SUCCESS;
    if (mp->after[0] == '-' && mp->after[1] == '-') {
        mp->state = MP_FINAL;
        mp->after_len = 0;
        return APR_SUCCESS;
    }
    if (mp->after[0] != '\r' || mp->after[1] != '\n') {
        return refuse(mp, res, "boundary followed by something other than CRLF or --");
    }
    if (mp->parts >= mp->limits.max_parts) {
        return refuse(mp, res, apr_psprintf(mp->pool, "too many parts (limit %d)",
                                            mp->limits.max_parts));
    }
    apr_pool_clear(mp->part_pool);
    memset(&mp->part, 0, sizeof(mp->part));
    mp->part.index = mp->parts++;
    mp->hdr_len = 0;
    mp->line_start = 0;
    mp->state = MP_HEADERS;
    return APR_SUCCESS;
}

static apr_status_t st_headers(sg_mp_t *mp, const char **pos, const char *end, sg_result_t *res)
{
    while (*pos < end) {
        char c = *(*pos)++;
        char prev = mp->hdr_len ? mp->hdr[mp->hdr_len - 1] : '\0';

        if (mp->hdr_len >= mp->limits.max_header) {
            return refuse(mp, res, apr_psprintf(mp->pool, "part header block over %"
                                                APR_SIZE_T_FMT " bytes",
                                                mp->limits.max_header));
        }
        if ((c == '\n' && prev != '\r') || (prev == '\r' && c != '\n')) {
            return refuse(mp, res, "bare CR or LF in part headers (mixed line endings)");
        }
        if (c == '\0') return refuse(mp, res, "NUL in part headers");
        if (mp->hdr_len - mp->line_start >= SG_MP_MAX_HEADER_LINE) {
            return refuse(mp, res, apr_psprintf(mp->pool, "part header line over %d bytes",
                                                SG_MP_MAX_HEADER_LINE));
        }
        mp->hdr[mp->hdr_len++] = c;
        if (c == '\n') mp->line_start = mp->hdr_len;
        if ((mp->hdr_len == 2 && c == '\n')
            || (mp->hdr_len >= 4 && c == '\n' && !memcmp(mp->hdr + mp->hdr_len - 4, "\r\n\r\n", 4))) {
            return headers_done(mp, *pos, res);
        }
    }
    return APR_SUCCESS;
}

/* Held-back bytes (a CR, a partial delimiter) turned out to be data. */
static apr_status_t release_held(sg_mp_t *mp)
{
    apr_status_t rv = APR_SUCCESS;

    if (mp->pend_cr) rv = emit(mp, "\r", 1);
    if (rv == APR_SUCCESS && mp->match) rv = emit(mp, mp->delim, mp->match);
    mp->pend_cr = 0;
    mp->match = 0;
    return rv;
}

static apr_status_t part_done(sg_mp_t *mp)
{
    apr_status_t rv = flush_out(mp);

    mp->state = MP_AFTER_BOUNDARY;
    mp->after_len = 0;
    mp->match = 0;
    mp->pend_cr = 0;
    if (rv == APR_SUCCESS && mp->cb.end) rv = mp->cb.end(mp->baton, &mp->part);
    return rv;
}

static apr_status_t st_data(sg_mp_t *mp, const char **pos, const char *end, sg_result_t *res)
{
    apr_status_t rv = APR_SUCCESS;
    const char *q;

    while (*pos < end && rv == APR_SUCCESS) {
        char c = **pos;

        if (mp->match) {
            if (c != mp->delim[mp->match]) {
                rv = release_held(mp);            /* and look at C again */
                continue;
            }
            (*pos)++;
            if (++mp->match < mp->delim_len) continue;
            /* PHP ends the data at "\n--BOUNDARY" even without the CR. */
            if (!mp->pend_cr) return refuse(mp, res, "boundary after a bare LF");
            return part_done(mp);
        }
        if (c == '\n') {
            mp->match = 1;
            (*pos)++;
            continue;
        }
        if (mp->pend_cr && (rv = emit(mp, "\r", 1)) != APR_SUCCESS) break;
        mp->pend_cr = 0;
        if (c == '\r') {
            mp->pend_cr = 1;
            (*pos)++;
            continue;
        }
        for (q = *pos; q < end && *q != '\r' && *q != '\n'; q++) ;
        rv = emit(mp, *pos, (apr_size_t)(q - *pos));
        *pos = q;
    }
    if (rv == APR_SUCCESS) rv = flush_out(mp);
    return rv;
}

static apr_status_t st_final(sg_mp_t *mp, const char **pos, const char *end, sg_result_t *res)
{
    for (; *pos < end; (*pos)++, mp->after_len++) {
        if (mp->after_len >= 2 || **pos != "\r\n"[mp->after_len]) {
            return refuse(mp, res, "data after the final boundary");
        }
    }
    return APR_SUCCESS;
}

apr_status_t sg_mp_feed(sg_mp_t *mp, const char *buf, apr_size_t len, sg_result_t *res)
{
    const char *pos = buf, *end = buf + len;
    apr_status_t rv = APR_SUCCESS;

    mp->chunk = buf;
    while (rv == APR_SUCCESS && pos < end) {
        switch (mp->state) {
        case MP_START: rv = st_start(mp, &pos, end, res); break;
        case MP_AFTER_BOUNDARY: rv = st_after_boundary(mp, &pos, end, res); break;
        case MP_HEADERS: rv = st_headers(mp, &pos, end, res); break;
        case MP_DATA: rv = st_data(mp, &pos, end, res); break;
        case MP_FINAL: rv = st_final(mp, &pos, end, res); break;
        default:
            return sg_result_set(res, mp->pool, SG_MP_EREFUSED, "multipart: body already refused");
        }
    }
    mp->fed += (apr_off_t)len;
    if (rv != APR_SUCCESS) mp->state = MP_FAILED;
    return rv;
}

apr_status_t sg_mp_finish(sg_mp_t *mp, sg_result_t *res)
{
    if (mp->state == MP_FAILED) {
        return sg_result_set(res, mp->pool, SG_MP_EREFUSED, "multipart: body already refused");
    }
    if (mp->state != MP_FINAL || mp->after_len == 1) {
        return refuse(mp, res, "body ends before the final boundary");
    }
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- urlencoded */

int sg_form_is_urlencoded(const char *ct)
{
    if (!ct) return 0;
    while (*ct == ' ' || *ct == '\t') ct++;
    /* ',' ends the media type for PHP too (see sg_mp_is_form_data). */
    return !strncasecmp(ct, "application/x-www-form-urlencoded", 33)
           && (!ct[33] || ct[33] == ';' || ct[33] == ',' || ct[33] == ' ' || ct[33] == '\t');
}

static int form_hex(char c)
{
    return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}

/* Decodes IN[0..LEN) into OUT (room for LEN + 1); returns the length. */
static apr_size_t form_decode(const char *in, apr_size_t len, char *out)
{
    apr_size_t i, n = 0;

    for (i = 0; i < len; i++) {
        if (in[i] == '+') {
            out[n++] = ' ';
        }
        else if (in[i] == '%' && i + 2 < len && apr_isxdigit(in[i + 1])
                 && apr_isxdigit(in[i + 2])) {
            out[n++] = (char)(form_hex(in[i + 1]) * 16 + form_hex(in[i + 2]));
            i += 2;
        }
        else {
            out[n++] = in[i];
        }
    }
    out[n] = '\0';
    return n;
}

apr_status_t sg_form_parse(const char *buf, apr_size_t len, int max_fields, sg_form_field_fn fn,
                           void *baton, apr_pool_t *p, sg_result_t *res)
{
    char *out = apr_palloc(p, len + 2);   /* a field's name, NUL, value, NUL */
    const char *end = buf + len, *field = buf;
    int fields = 0;
    apr_status_t rv;

    if (max_fields <= 0) max_fields = SG_FORM_DEFAULT_MAX_FIELDS;
    while (field < end) {
        const char *amp = memchr(field, '&', (apr_size_t)(end - field)), *eq;
        const char *stop = amp ? amp : end;
        apr_size_t nlen, vlen;
        if (stop > field) {
            if (++fields > max_fields) {
                return sg_result_set(res, p, SG_MP_EREFUSED, "more than %d form fields",
                                     max_fields);
            }
            /* Name and value share OUT: the name first, then the value after its NUL. */
            eq = memchr(field, '=', (apr_size_t)(stop - field));
            nlen = form_decode(field, (apr_size_t)((eq ? eq : stop) - field), out);
            vlen = eq ? form_decode(eq + 1, (apr_size_t)(stop - eq - 1), out + nlen + 1) : 0;
            if (!eq) out[nlen + 1] = '\0';
            if ((rv = fn(baton, out, out + nlen + 1, vlen)) != APR_SUCCESS) return rv;
        }
        field = stop + 1;
    }
    return APR_SUCCESS;
}
