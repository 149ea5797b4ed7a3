/* sg_accessmap.c: spamgear's entries in a Postfix access map, as text. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "sg_accessmap.h"

#define MARK "# spamgear: added "

/* Postfix reads "KEY whitespace VALUE": a key must not be empty nor hold a
 * space or control character, an action no control character (and must not
 * be empty). */
static int valid_key(const char *s)
{
    if (!*s) {
        return 0;   /* "\tACTION" would continue the line above it */
    }
    for (; *s; s++) {
        if ((unsigned char)*s <= ' ' || *s == 0x7f || *s == '#') {
            return 0;
        }
    }
    return 1;
}

static int valid_action(const char *s)
{
    if (!*s || *s == ' ') {
        return 0;
    }
    for (; *s; s++) {
        if ((unsigned char)*s < ' ' || *s == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* Seconds of an expiry: 12 digits reach the year 33658; more would overflow
 * apr_time_t (microseconds) and are read as no expiry. */
#define MAX_EXPIRY_DIGITS 12

/* The expiry in a spamgear mark line LINE[0..LEN) (not NUL-terminated: the
 * map's last line may end the buffer), 0 when it has none. */
static apr_time_t mark_expiry(const char *line, apr_size_t len)
{
    const char *e = memchr(line, '\n', len);
    const char *x, *end;
    char num[MAX_EXPIRY_DIGITS + 1];
    apr_size_t n;

    len = e ? (apr_size_t)(e - line) : len;
    end = line + len;
    x = memmem(line, len, " expires ", 9);
    if (!x) {
        return 0;
    }
    x += 9;
    for (n = 0; x + n < end && x[n] >= '0' && x[n] <= '9'; n++) {
    }
    if (n == 0 || n > MAX_EXPIRY_DIGITS) {
        return 0;
    }
    memcpy(num, x, n);
    num[n] = '\0';
    return apr_time_from_sec(apr_atoi64(num));
}

/* Length of the line at P (newline included). */
static apr_size_t line_len(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (apr_size_t)(end - p));

    return nl ? (apr_size_t)(nl + 1 - p) : (apr_size_t)(end - p);
}

/* Whether the map has a line whose first field is KEY. */
static int has_key(const char *text, apr_size_t len, const char *key)
{
    const char *p = text, *end = text + len;
    apr_size_t klen = strlen(key);

    while (p < end) {
        apr_size_t l = line_len(p, end);
        if (l > klen && !memcmp(p, key, klen) && (p[klen] == ' ' || p[klen] == '\t')) {
            return 1;
        }
        p += l;
    }
    return 0;
}

/* Copies OLD without expired spamgear entries (mark line plus the entry after it). */
static void drop_expired(const char *old, apr_size_t len, apr_time_t now, char *dst,
                         apr_size_t *dlen, int *expired)
{
    const char *p = old, *end = old + len;

    *dlen = 0;
    while (p < end) {
        apr_size_t l = line_len(p, end);
        apr_time_t exp = 0;
        if (l >= sizeof(MARK) - 1 && !memcmp(p, MARK, sizeof(MARK) - 1)) {
            exp = mark_expiry(p, l);
        }
        if (exp && exp <= now) {
            p += l;
            p += (p < end) ? line_len(p, end) : 0;
            (*expired)++;
            continue;
        }
        memcpy(dst + *dlen, p, l);
        *dlen += l;
        p += l;
    }
}

static const char *stamp(apr_pool_t *p, apr_time_t t)
{
    apr_time_exp_t e;

    apr_time_exp_gmt(&e, t);
    return apr_psprintf(p, "%04d-%02d-%02dT%02d:%02d:%02dZ", e.tm_year + 1900, e.tm_mon + 1,
                        e.tm_mday, e.tm_hour, e.tm_min, e.tm_sec);
}

apr_status_t sg_accessmap_update(const char *old, apr_size_t len,
                                 const apr_array_header_t *additions, apr_time_t now,
                                 apr_pool_t *p, sg_accessmap_change_t *out, sg_result_t *res)
{
    char *buf;
    apr_size_t blen, extra = 0;
    int i;

    memset(out, 0, sizeof(*out));
    out->refused = apr_array_make(p, 1, sizeof(const char *));
    if (len > SG_ACCESSMAP_MAX_BYTES) {
        return sg_result_set(res, p, APR_EINVAL, "access map larger than %d bytes",
                             SG_ACCESSMAP_MAX_BYTES);
    }
    for (i = 0; i < additions->nelts; i++) {
        const sg_accessmap_entry_t *e = &APR_ARRAY_IDX(additions, i, sg_accessmap_entry_t);
        if (valid_key(e->key) && valid_action(e->action)) {
            extra += strlen(e->key) + strlen(e->action) + 96;
        }
    }
    buf = apr_palloc(p, len + extra + 2);
    drop_expired(old, len, now, buf, &blen, &out->expired);
    if (blen > 0 && buf[blen - 1] != '\n') {
        buf[blen++] = '\n';
    }
    for (i = 0; i < additions->nelts; i++) {
        const sg_accessmap_entry_t *e = &APR_ARRAY_IDX(additions, i, sg_accessmap_entry_t);
        const char *lines;
        if (!valid_key(e->key) || !valid_action(e->action)) {
            APR_ARRAY_PUSH(out->refused, const char *) = e->key;
            continue;
        }
        if (has_key(buf, blen, e->key)) {
            out->already++;
            continue;
        }
        lines = e->expires
            ? apr_psprintf(p, MARK "%s expires %" APR_INT64_T_FMT "\n%s\t%s\n", stamp(p, now),
                           (apr_int64_t)apr_time_sec(e->expires), e->key, e->action)
            : apr_psprintf(p, MARK "%s\n%s\t%s\n", stamp(p, now), e->key, e->action);
        memcpy(buf + blen, lines, strlen(lines));
        blen += strlen(lines);
        out->added++;
    }
    buf[blen] = '\0';
    out->text = buf;
    out->len = blen;
    return APR_SUCCESS;
}
