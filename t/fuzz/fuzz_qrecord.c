/* fuzz_qrecord.c: the quarantine record reader (records are read back as
 * root, from a directory a bug or an attacker may have written to).  A
 * record that parses must format to text that parses to the same record. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "sg_quarantine.h"

static int same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Aborts unless A and B hold the same fields and findings. */
static void compare(const sg_qrecord_t *a, const sg_qrecord_t *b)
{
    int i;

    if (!same(a->id, b->id) || !same(a->path, b->path) || a->uid != b->uid || a->gid != b->gid
        || !same(a->owner, b->owner) || !same(a->group, b->group) || a->mode != b->mode
        || a->mtime_sec != b->mtime_sec || a->mtime_nsec != b->mtime_nsec || a->size != b->size
        || !same(a->sha256, b->sha256) || a->time != b->time || !same(a->action, b->action)
        || a->findings->nelts != b->findings->nelts) {
        abort();
    }
    for (i = 0; i < a->findings->nelts; i++) {
        const sg_qfinding_t *x = &APR_ARRAY_IDX(a->findings, i, sg_qfinding_t);
        const sg_qfinding_t *y = &APR_ARRAY_IDX(b->findings, i, sg_qfinding_t);
        if (!same(x->engine, y->engine) || !same(x->signature, y->signature)
            || !same(x->severity, y->severity)) {
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    sg_qrecord_t *rec = NULL, *again = NULL;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *text;

    if (sg_qrecord_parse((const char *)data, size, &rec, p, &res) == APR_SUCCESS) {
        if (!sg_quarantine_id_ok(rec->id) || rec->path[0] != '/') abort();
        text = sg_qrecord_format(rec, p);
        if (sg_qrecord_parse(text, strlen(text), &again, p, &res) != APR_SUCCESS) {
            abort();   /* what we write must read back */
        }
        compare(rec, again);
    }
    else if (!res.problem) {
        abort();   /* a refusal says why */
    }
    apr_pool_destroy(p);
    return 0;
}
