/* fuzz_multipart.c: the streaming multipart/form-data parser, fed in random
 * chunks.  Input: 4 bytes of PRNG seed for the chunk sizes, 1 byte of
 * options (small limits; a begin callback that stops the parser), a
 * Content-Type line ending in '\n' (sg_mp_boundary), then the body.
 *
 * Differential check: the body is parsed once in one chunk and once in
 * random chunks (each copied to a buffer of its exact size, so ASan sees a
 * read past a chunk); status, reason, part count and every completed part
 * (fields, offset, data length and hash) must agree.  Each data callback
 * must hand over exactly the body bytes at the part's offset. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "fuzz.h"
#include "sg_multipart.h"

#define MAX_KEPT 64                  /* completed parts compared */
#define STOPPED (APR_OS_START_USERERR + 4199)   /* the begin callback's stop */

typedef struct part_seen_t {
    sg_mp_part_t part;               /* fields (strings copied) */
    apr_size_t len;                  /* data bytes */
    apr_uint64_t hash;               /* FNV-1a of the data */
} part_seen_t;

typedef struct run_t {
    const char *body;                /* the whole body */
    apr_size_t body_len;             /* its length */
    const char *boundary;            /* its boundary */
    int stop_at;                     /* begin callback stops at this part; -1: never */
    apr_pool_t *pool;                /* for copies */
    part_seen_t cur;                 /* the part being read */
    int in_part;                     /* 1 between begin and end */
    part_seen_t kept[MAX_KEPT];      /* completed parts (the first MAX_KEPT) */
    int nkept;                       /* how many */
    int nended;                      /* parts ended, kept or not */
    apr_status_t rv;                 /* first non-success of feed or finish */
    const char *problem;             /* its reason */
} run_t;

static const char *dup_or_null(apr_pool_t *p, const char *s)
{
    return s ? apr_pstrdup(p, s) : NULL;
}

static apr_status_t on_begin(void *baton, const sg_mp_part_t *part)
{
    run_t *r = baton;
    const char *c;

    if (r->in_part || !part->name || part->offset < 0
        || (apr_size_t)part->offset > r->body_len) {
        abort();   /* begin twice, without a name or outside the body */
    }
    if (part->filename) {
        /* php_filename: the tail of filename after the last / or \ */
        c = part->php_filename;
        if (!c || c < part->filename || c > part->filename + strlen(part->filename)
            || strchr(c, '/') || strchr(c, '\\')) {
            abort();
        }
    }
    memset(&r->cur, 0, sizeof(r->cur));
    r->cur.part = *part;
    r->cur.part.name = dup_or_null(r->pool, part->name);
    r->cur.part.filename = dup_or_null(r->pool, part->filename);
    r->cur.part.php_filename = dup_or_null(r->pool, part->php_filename);
    r->cur.part.content_type = dup_or_null(r->pool, part->content_type);
    r->cur.hash = 14695981039346656037ULL;
    r->in_part = 1;
    return part->index == r->stop_at ? STOPPED : APR_SUCCESS;
}

static apr_status_t on_data(void *baton, const sg_mp_part_t *part, const char *buf,
                            apr_size_t len)
{
    run_t *r = baton;
    apr_size_t at = (apr_size_t)part->offset + r->cur.len, i;

    if (!r->in_part || !len || at + len > r->body_len || memcmp(r->body + at, buf, len)) {
        abort();   /* data outside a part, empty, or not the body's bytes */
    }
    for (i = 0; i < len; i++) {
        r->cur.hash = (r->cur.hash ^ (unsigned char)buf[i]) * 1099511628211ULL;
    }
    r->cur.len += len;
    return APR_SUCCESS;
}

static apr_status_t on_end(void *baton, const sg_mp_part_t *part)
{
    run_t *r = baton;
    apr_size_t after = (apr_size_t)part->offset + r->cur.len, blen = strlen(r->boundary);

    /* The data stops right before "\r\n--BOUNDARY". */
    if (!r->in_part || after + 4 + blen > r->body_len
        || memcmp(r->body + after, "\r\n--", 4) || memcmp(r->body + after + 4, r->boundary, blen)) {
        abort();
    }
    if (r->nkept < MAX_KEPT) r->kept[r->nkept++] = r->cur;
    r->nended++;
    r->in_part = 0;
    return APR_SUCCESS;
}

static const sg_mp_callbacks_t callbacks = { on_begin, on_data, on_end };

/* Next chunk size from the xorshift state *S: mostly small, sometimes large. */
static apr_size_t next_chunk(apr_uint32_t *s)
{
    apr_uint32_t x = *s;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *s = x ? x : 1;
    return (x & 0x300) ? 1 + (x & 15) : 1 + (x % 4096);
}

/* Parses R->body once; SEED 0: in one chunk, else in random chunks. */
static void run(run_t *r, const sg_mp_limits_t *limits, apr_uint32_t seed, apr_pool_t *p)
{
    sg_mp_t *mp = sg_mp_create(p, r->boundary, limits, &callbacks, r);
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_size_t pos = 0;

    r->pool = p;
    r->rv = APR_SUCCESS;
    while (r->rv == APR_SUCCESS && pos < r->body_len) {
        apr_size_t n = seed ? next_chunk(&seed) : r->body_len;
        char *chunk;

        n = n < r->body_len - pos ? n : r->body_len - pos;
        chunk = malloc(n);
        memcpy(chunk, r->body + pos, n);
        r->rv = sg_mp_feed(mp, chunk, n, &res);
        free(chunk);
        pos += n;
    }
    if (r->rv == APR_SUCCESS) r->rv = sg_mp_finish(mp, &res);
    r->problem = r->rv == SG_MP_EREFUSED ? dup_or_null(p, res.problem) : NULL;
    /* nended, not nkept: a body of more than MAX_KEPT parts is fine. */
    if (r->rv == APR_SUCCESS && (r->in_part || sg_mp_parts(mp) != r->nended)) {
        abort();   /* accepted with a part never ended */
    }
    if (sg_mp_parts(mp) < r->nended) abort();
}

static int same_str(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void compare(const run_t *a, const run_t *b)
{
    int i;

    if (a->rv != b->rv || !same_str(a->problem, b->problem) || a->nkept != b->nkept
        || a->nended != b->nended) {
        abort();   /* the chunking changed the verdict */
    }
    for (i = 0; i < a->nkept; i++) {
        const part_seen_t *x = &a->kept[i], *y = &b->kept[i];
        if (x->len != y->len || x->hash != y->hash || x->part.offset != y->part.offset
            || x->part.index != y->part.index || !same_str(x->part.name, y->part.name)
            || !same_str(x->part.filename, y->part.filename)
            || !same_str(x->part.php_filename, y->part.php_filename)
            || !same_str(x->part.content_type, y->part.content_type)) {
            abort();   /* the chunking changed a part */
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    const uint8_t *nl;
    run_t *one, *many;
    sg_mp_limits_t small, *limits = NULL;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *ct, *boundary;
    apr_uint32_t seed;
    uint8_t opt;

    if (size < 5 || !(nl = memchr(data + 5, '\n', size - 5))) return 0;
    seed = (apr_uint32_t)data[0] | (apr_uint32_t)data[1] << 8 | (apr_uint32_t)data[2] << 16
           | (apr_uint32_t)data[3] << 24;
    opt = data[4];
    p = fuzz_pool();
    ct = fuzz_strdup(data + 5, (size_t)(nl - data - 5), p);
    (void)sg_mp_is_form_data(ct);
    if (sg_mp_boundary(ct, p, &boundary, &res) != APR_SUCCESS) {
        if (res.status != SG_MP_EREFUSED || !res.problem) abort();
        goto cleanup;
    }
    if (!*boundary || strlen(boundary) > SG_MP_MAX_BOUNDARY) abort();
    if (opt & 1) {
        small.max_parts = 1 + (opt >> 4);
        small.max_header = 8 + ((opt >> 1) & 7) * 16;
        limits = &small;
    }
    one = apr_pcalloc(p, sizeof(*one));
    one->body = (const char *)nl + 1;
    one->body_len = size - (size_t)(nl + 1 - data);
    one->boundary = boundary;
    one->stop_at = (opt & 2) ? (opt >> 4) : -1;
    many = apr_pmemdup(p, one, sizeof(*one));
    run(one, limits, 0, p);
    run(many, limits, seed ? seed : 1, p);
    compare(one, many);
cleanup:
    apr_pool_destroy(p);
    return 0;
}
