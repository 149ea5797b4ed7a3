/* fuzz_accessmap.c: the Postfix access map editor (the map is an admin's
 * file, other tools and people write it too).  Input: 4 bytes of "now" (unix
 * seconds), the map up to the first NUL, then additions, one a line:
 * KEY TAB ACTION [TAB EXPIRES].  Each addition is added, already there or
 * refused (a key Postfix cannot hold), never lost; an update must be
 * idempotent: applied again at the same time it adds and drops nothing,
 * refuses the same entries and changes no byte. */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "fuzz.h"
#include "sg_accessmap.h"

#define MAX_ADDITIONS 8

/* Splits TEXT (NUL-terminated, from P) into additions. */
static apr_array_header_t *additions(char *text, apr_pool_t *p, int *expiring, apr_time_t now)
{
    apr_array_header_t *a = apr_array_make(p, 4, sizeof(sg_accessmap_entry_t));
    char *line, *last;

    for (line = apr_strtok(text, "\n", &last); line && a->nelts < MAX_ADDITIONS;
         line = apr_strtok(NULL, "\n", &last)) {
        sg_accessmap_entry_t *e = apr_array_push(a);
        char *tab = strchr(line, '\t'), *tab2;

        e->key = line;
        e->action = "REJECT";
        e->expires = 0;
        if (tab) {
            *tab = '\0';
            e->action = tab + 1;
            if ((tab2 = strchr(tab + 1, '\t'))) {
                *tab2 = '\0';
                /* at most 9 digits: seconds the host could be asked for */
                e->expires = apr_time_from_sec(strtol(apr_pstrndup(p, tab2 + 1, 9), NULL, 10));
            }
        }
        if (e->expires && e->expires <= now) *expiring = 1;
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    char *map;
    const uint8_t *nul;
    apr_size_t len;
    apr_array_header_t *adds;
    apr_time_t now;
    sg_accessmap_change_t out, again;
    sg_result_t res = { APR_SUCCESS, NULL };
    int expiring = 0;

    if (size < 4) return 0;
    now = apr_time_from_sec((apr_time_t)((apr_uint32_t)data[0] | (apr_uint32_t)data[1] << 8
                                         | (apr_uint32_t)data[2] << 16
                                         | (apr_uint32_t)data[3] << 24));
    data += 4;
    size -= 4;
    p = fuzz_pool();
    nul = memchr(data, '\0', size);
    len = nul ? (apr_size_t)(nul - data) : size;
    /* The map is not NUL-terminated: a malloc'd copy of exactly its size, so
     * ASan sees a read past its end (pool memory would hide it). */
    map = malloc(len + !len);
    memcpy(map, data, len);
    adds = additions(nul ? fuzz_strdup(nul + 1, size - len - 1, p) : apr_pstrdup(p, ""), p,
                     &expiring, now);
    if (sg_accessmap_update(map, len, adds, now, p, &out, &res) != APR_SUCCESS) {
        if (!res.problem) abort();
        goto cleanup;
    }
    /* every addition is added, already there, or refused (and listed) */
    if (out.added + out.already + out.refused->nelts != adds->nelts
        || out.text[out.len] != '\0') {
        abort();
    }
    if (!expiring) {
        if (sg_accessmap_update(out.text, out.len, adds, now, p, &again, &res) != APR_SUCCESS
            || again.added || again.expired
            || again.already != adds->nelts - out.refused->nelts
            || again.refused->nelts != out.refused->nelts
            || again.len != out.len || memcmp(again.text, out.text, out.len)) {
            abort();   /* not idempotent */
        }
    }
cleanup:
    free(map);
    apr_pool_destroy(p);
    return 0;
}
