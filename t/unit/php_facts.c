/* php_facts.c: prints what the PHP analyser (sg_php_taint.h) says of files,
 * the text that signature rules of target "facts" match: a development aid
 * for writing and checking such rules (doc/signatures.md), not a test.
 *
 *   php_facts [-c] FILE...   "F PATH", the facts of the file, then one
 *                            "P SINK LINE BYTES" line per payload
 *
 * -c analyses each FILE as code (as an eval'd payload is).  Exit 2 when a
 * file cannot be read, else 0. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_pools.h>
#include <apr_file_io.h>
#include "sg_php_taint.h"

static int print_facts(const char *path, int code, apr_pool_t *p)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n;
    char *buf;
    sg_php_facts_t facts;
    const char *text;
    apr_size_t len;
    int i;

    if (apr_file_open(&f, path, APR_READ | APR_BINARY, 0, p) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        fprintf(stderr, "php_facts: %s: cannot read\n", path);
        return 2;
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(p, n + 1);
    if (n && apr_file_read_full(f, buf, n, &n) != APR_SUCCESS) {
        fprintf(stderr, "php_facts: %s: cannot read\n", path);
        return 2;
    }
    buf[n] = '\0';
    apr_file_close(f);
    sg_php_analyse(buf, n, code, NULL, p, &facts);
    text = sg_php_facts_text(&facts, &len, p);
    printf("F %s\n%s", path, text);
    for (i = 0; i < facts.payloads->nelts; i++) {
        const sg_php_payload_t *pl = &APR_ARRAY_IDX(facts.payloads, i, sg_php_payload_t);
        printf("P %s %d %lu\n", pl->sink ? pl->sink : "-", pl->line, (unsigned long)pl->len);
    }
    return 0;
}

int main(int argc, char **argv)
{
    apr_pool_t *p;
    int i, code = 0, rc = 0;

    apr_initialize();
    apr_pool_create(&p, NULL);
    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-c")) { code = 1; continue; }
        if (print_facts(argv[i], code, p)) rc = 2;
        apr_pool_clear(p);
    }
    apr_terminate();
    return rc;
}
