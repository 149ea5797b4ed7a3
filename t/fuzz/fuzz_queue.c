/* fuzz_queue.c: the mail queue size readers (postqueue -j and exim -bpc
 * output, read from a pipe in whatever pieces arrive).  Input: 1 byte kind,
 * 4 bytes PRNG seed for the piece sizes, then the output.  Differential
 * check: fed whole and fed in random pieces, the verdict, count and reason
 * must be the same. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "sg_queue.h"

typedef struct verdict_t {
    apr_status_t rv;                 /* sg_queue_count_finish's */
    apr_uint64_t count;              /* messages, on success */
    const char *problem;             /* the reason, on failure */
} verdict_t;

/* Feeds BUF[0..LEN) in pieces (SEED 0: whole), each copied to a buffer of
 * its exact size so ASan sees a read past a piece. */
static verdict_t count(sg_queue_kind_t kind, const char *buf, apr_size_t len, apr_uint32_t seed,
                       apr_pool_t *p)
{
    sg_queue_count_t qc;
    verdict_t v = { APR_SUCCESS, 0, NULL };
    apr_size_t pos = 0;

    sg_queue_count_init(&qc, kind);
    while (pos < len) {
        apr_size_t n = len - pos;
        char *piece;

        if (seed) {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed = seed ? seed : 1;
            n = 1 + seed % ((seed & 0x100) ? 8 : 512);
            n = n < len - pos ? n : len - pos;
        }
        piece = malloc(n);
        memcpy(piece, buf + pos, n);
        sg_queue_count_feed(&qc, piece, n);
        free(piece);
        pos += n;
    }
    v.rv = sg_queue_count_finish(&qc, &v.count, &v.problem, p);
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    sg_queue_kind_t kind;
    apr_uint32_t seed;
    verdict_t a, b;
    const char *text;
    apr_size_t len, i, lines = 1;

    if (size < 5) return 0;
    kind = (data[0] & 1) ? SG_QUEUE_EXIM : SG_QUEUE_POSTFIX;
    seed = (apr_uint32_t)data[1] | (apr_uint32_t)data[2] << 8 | (apr_uint32_t)data[3] << 16
           | (apr_uint32_t)data[4] << 24;
    text = (const char *)data + 5;
    len = size - 5;
    p = fuzz_pool();
    a = count(kind, text, len, 0, p);
    b = count(kind, text, len, seed ? seed : 1, p);
    if (a.rv != b.rv || (a.rv == APR_SUCCESS && a.count != b.count)
        || (a.rv != APR_SUCCESS && (!a.problem || !b.problem || strcmp(a.problem, b.problem)))) {
        abort();   /* the pieces changed the verdict */
    }
    for (i = 0; i < len; i++) {
        lines += text[i] == '\n';
    }
    if (a.rv == APR_SUCCESS && kind == SG_QUEUE_POSTFIX && a.count > lines) {
        abort();   /* more messages than lines */
    }
    apr_pool_destroy(p);
    return 0;
}
