/* sg_archive.c: archive members out, through the host's reader, under limits. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "sg_archive.h"
#include "sg_memfind.h"

#define CHUNK 65536   /* bytes asked of the reader at once */

static const sg_archive_reader_t *reader;   /* installed by the host, or NULL */

void sg_archive_set_reader(const sg_archive_reader_t *r)
{
    reader = r;
}

int sg_archive_enabled(void)
{
    return reader != NULL;
}

/* 1 when a zip end-of-central-directory record sits in the last 64 KiB + 22
 * bytes (its comment is at most 65535 bytes). */
static int zip_end_record(const char *buf, apr_size_t len)
{
    apr_size_t from = len > 65535 + 22 ? len - 65535 - 22 : 0;

    /* Any "PK\5\6" in the window will do: one vector search, not a byte
     * loop over the last 64 KB of every file scanned. */
    return len >= 22 && sg_memfind(buf + from, len - from - 22 + 4, "PK\005\006", 4) != NULL;
}

const char *sg_archive_sniff(const char *buf, apr_size_t len)
{
    const unsigned char *u = (const unsigned char *)buf;

    if (len >= 4 && u[0] == 'P' && u[1] == 'K'
        && ((u[2] == 3 && u[3] == 4) || (u[2] == 5 && u[3] == 6) || (u[2] == 7 && u[3] == 8))) {
        return "zip";
    }
    if (len >= 3 && u[0] == 0x1f && u[1] == 0x8b && u[2] == 8) return "gzip";
    if (len >= 4 && !memcmp(buf, "BZh", 3) && u[3] >= '1' && u[3] <= '9') return "bzip2";
    if (len >= 6 && !memcmp(buf, "\xfd" "7zXZ\0", 6)) return "xz";
    if (len >= 262 && !memcmp(buf + 257, "ustar", 5)) return "tar";
    if (len >= 22 && zip_end_record(buf, len)) return "zip";
    /* A phar is PHP code (or a #! line) that halts before its manifest. */
    if (len >= 18 && (buf[0] == '<' || buf[0] == '#')
        && sg_memfind(buf, len, "__HALT_COMPILER();", 18)) {
        return "phar";
    }
    return NULL;
}

/* Records limit LIMIT hit at member AT; returns APR_ENOSPC. */
static apr_status_t hit(sg_archive_walk_t *w, const char *limit, const char *at,
                        const char *detail)
{
    w->limit = limit;
    w->limit_at = at;
    w->limit_detail = detail;
    return APR_ENOSPC;
}

/* A member's bytes: grown by doubling up to the member limit + 1 (so "over
 * the limit" is seen), freed by a cleanup on the walk's pool. */
typedef struct membuf_t {
    char *buf;       /* malloc'ed */
    apr_size_t cap;  /* bytes allocated */
} membuf_t;

static apr_status_t membuf_free(void *data)
{
    free(((membuf_t *)data)->buf);
    return APR_SUCCESS;
}

/* Makes room for WANT bytes plus a NUL; 0 when memory is short. */
static int membuf_grow(membuf_t *m, apr_size_t want)
{
    apr_size_t cap = m->cap ? m->cap : CHUNK;
    char *nb;

    while (cap < want + 1) cap *= 2;
    if (cap > (apr_size_t)SG_ARCHIVE_MAX_MEMBER + 2) cap = (apr_size_t)SG_ARCHIVE_MAX_MEMBER + 2;
    if (cap <= m->cap) return 1;
    if (!(nb = realloc(m->buf, cap))) return 0;
    /* Zeroed: PCRE2's JIT reads whole vectors past a member's end, inside
     * this buffer (valgrind's memcheck reported the uninitialised bytes). */
    memset(nb + m->cap, 0, cap - m->cap);
    m->buf = nb;
    m->cap = cap;
    return 1;
}

/* Reads the current member into M, counting every byte against the walk's
 * limits.  PATH names the member in a limit hit. */
static apr_status_t read_member(void *h, sg_archive_walk_t *w, const char *path, membuf_t *m,
                                apr_size_t *len, apr_pool_t *p)
{
    apr_status_t rv;
    apr_size_t got;

    *len = 0;
    do {
        if (*len > (apr_size_t)SG_ARCHIVE_MAX_MEMBER) {
            return hit(w, "MemberSize", path, apr_psprintf(p, "more than %" APR_INT64_T_FMT
                                                           " bytes", SG_ARCHIVE_MAX_MEMBER));
        }
        if (!membuf_grow(m, *len + CHUNK < (apr_size_t)SG_ARCHIVE_MAX_MEMBER + 1
                                ? *len + CHUNK : (apr_size_t)SG_ARCHIVE_MAX_MEMBER + 1)) {
            return APR_ENOMEM;
        }
        /* CHUNK at a time: the limits are checked between reads. */
        if ((rv = reader->read(h, m->buf + *len, m->cap - 1 - *len < CHUNK ? m->cap - 1 - *len
                                                                          : CHUNK,
                               &got)) != APR_SUCCESS) {
            return rv;
        }
        *len += got;
        w->expanded += (apr_int64_t)got;
        if (w->expanded > SG_ARCHIVE_MAX_TOTAL) {
            return hit(w, "Size", path, apr_psprintf(p, "more than %" APR_INT64_T_FMT
                                                     " bytes expanded", SG_ARCHIVE_MAX_TOTAL));
        }
        if (w->expanded > SG_ARCHIVE_RATIO_FLOOR
            && w->expanded / SG_ARCHIVE_MAX_RATIO > (apr_int64_t)w->outer_len) {
            return hit(w, "Ratio", path, apr_psprintf(p, "more than %d times the archive's "
                                                      "%" APR_SIZE_T_FMT " bytes",
                                                      SG_ARCHIVE_MAX_RATIO, w->outer_len));
        }
    } while (got > 0);
    m->buf[*len] = '\0';
    return APR_SUCCESS;
}

/* Copies the limit strings into P (the pool they were in goes first). */
static void keep_limit(sg_archive_walk_t *w, apr_pool_t *p)
{
    if (w->limit) {
        w->limit_at = apr_pstrdup(p, w->limit_at);
        w->limit_detail = apr_pstrdup(p, w->limit_detail);
    }
}

/* Walks the members of the open archive H; see sg_archive_walk. */
static apr_status_t walk_members(void *h, sg_archive_walk_t *w, sg_archive_member_fn *fn,
                                 void *baton, apr_pool_t *p, const char **err,
                                 const char **err_at)
{
    membuf_t *m = apr_pcalloc(p, sizeof(*m));
    apr_pool_t *sub;
    apr_status_t rv;

    apr_pool_cleanup_register(p, m, membuf_free, apr_pool_cleanup_null);
    apr_pool_create(&sub, p);
    for (;;) {
        const char *name, *path;
        apr_int64_t size;
        apr_size_t len;
        int regular;
        apr_pool_clear(sub);
        if ((rv = reader->next(h, &name, &regular, &size)) != APR_SUCCESS) {
            if (rv == APR_EOF) rv = APR_SUCCESS;
            else *err = apr_pstrcat(p, "unreadable: ", reader->error(h), NULL);
            break;
        }
        path = *w->prefix ? apr_pstrcat(sub, w->prefix, "!", name, NULL)
                          : apr_pstrdup(sub, name);
        if (++w->members > SG_ARCHIVE_MAX_MEMBERS) {
            rv = hit(w, "Members", apr_pstrdup(p, path),
                     apr_psprintf(p, "more than %d members", SG_ARCHIVE_MAX_MEMBERS));
            break;
        }
        if (!regular) continue;
        if (size > SG_ARCHIVE_MAX_MEMBER) {
            /* Declared too big: said before a byte is expanded. */
            rv = hit(w, "MemberSize", apr_pstrdup(p, path),
                     apr_psprintf(p, "%" APR_INT64_T_FMT " bytes declared", size));
            break;
        }
        rv = read_member(h, w, path, m, &len, sub);
        if (rv == APR_ENOSPC) break;
        if (rv != APR_SUCCESS) {
            *err = apr_pstrcat(p, "unreadable: ", reader->error(h), NULL);
            *err_at = apr_pstrdup(p, path);
            break;
        }
        if (fn(baton, path, m->buf, len, w, sub)) {
            rv = w->limit ? APR_ENOSPC : APR_EOF;
            break;
        }
    }
    keep_limit(w, p);
    apr_pool_destroy(sub);
    return rv;
}

apr_status_t sg_archive_walk(const char *buf, apr_size_t len, sg_archive_walk_t *w,
                             sg_archive_member_fn *fn, void *baton, apr_pool_t *p,
                             const char **err, const char **err_at)
{
    const char *prefix = w->prefix ? w->prefix : "";
    apr_pool_t *ap;
    void *h = NULL;
    apr_status_t rv;

    *err = *err_at = NULL;
    if (w->depth >= SG_ARCHIVE_MAX_DEPTH) {
        return hit(w, "Depth", prefix, apr_psprintf(p, "more than %d archives inside each other",
                                                    SG_ARCHIVE_MAX_DEPTH));
    }
    if (w->depth == 0) w->outer_len = len;
    apr_pool_create(&ap, p);
    if ((rv = reader->open(buf, len, ap, &h)) == APR_ENOTIMPL) {
        rv = APR_SUCCESS;   /* sniffed, but not one: PHP code that halts, without a phar */
    }
    else if (rv != APR_SUCCESS) {
        *err = apr_pstrcat(p, "unreadable: ", h ? reader->error(h) : "cannot open", NULL);
        *err_at = *prefix ? prefix : NULL;
    }
    else {
        w->depth++;
        w->prefix = prefix;
        rv = walk_members(h, w, fn, baton, ap, err, err_at);
        if (*err) *err = apr_pstrdup(p, *err);
        if (*err_at) *err_at = apr_pstrdup(p, *err_at);
        else if (*err && *prefix) *err_at = prefix;
        keep_limit(w, p);
        w->depth--;
    }
    if (h) reader->close(h);
    apr_pool_destroy(ap);
    return rv;
}
