/* sg_regex.c: compiled PCRE2 pattern lists owned by APR pools. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>
#include <apr_tables.h>
#include <apr_strings.h>
#include "sg_regex.h"

typedef struct sg_regex_t {
    const char *pattern;   /* source text, for messages and verdicts */
    pcre2_code *code;      /* compiled; freed by the pool cleanup */
} sg_regex_t;

struct sg_regex_list_t {
    apr_pool_t *pool;           /* owns the list and the compiled code */
    apr_array_header_t *items;  /* of sg_regex_t */
};

static apr_status_t regex_free(void *data)
{
    pcre2_code_free((pcre2_code *)data);
    return APR_SUCCESS;
}

sg_regex_list_t *sg_regex_list_create(apr_pool_t *p)
{
    sg_regex_list_t *list = apr_pcalloc(p, sizeof(*list));

    list->pool = p;
    list->items = apr_array_make(p, 8, sizeof(sg_regex_t));
    return list;
}

apr_status_t sg_regex_list_add(sg_regex_list_t *list, const char *pattern,
                               int caseless, sg_result_t *res)
{
    int errcode;
    PCRE2_SIZE erroffset;
    PCRE2_UCHAR msg[160];
    pcre2_code *code;
    sg_regex_t *item;
    apr_size_t len = strlen(pattern);

    if (len == 0 || len > SG_REGEX_MAX_PATTERN) {
        return sg_result_set(res, list->pool, APR_EINVAL,
                             "pattern is empty or longer than %d bytes", SG_REGEX_MAX_PATTERN);
    }
    code = pcre2_compile((PCRE2_SPTR)pattern, len,
                         PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | (caseless ? PCRE2_CASELESS : 0),
                         &errcode, &erroffset, NULL);
    if (!code) {
        pcre2_get_error_message(errcode, msg, sizeof(msg));
        return sg_result_set(res, list->pool, APR_EINVAL, "bad regex '%s' at offset %lu: %s",
                             pattern, (unsigned long)erroffset, (const char *)msg);
    }
    /* JIT is an optimisation: a platform without it still matches correctly. */
    (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    apr_pool_cleanup_register(list->pool, code, regex_free, apr_pool_cleanup_null);
    item = apr_array_push(list->items);
    item->pattern = apr_pstrdup(list->pool, pattern);
    item->code = code;
    return APR_SUCCESS;
}

sg_regex_list_t *sg_regex_list_join(const sg_regex_list_t *a, const sg_regex_list_t *b,
                                    apr_pool_t *p)
{
    sg_regex_list_t *list = sg_regex_list_create(p);

    if (a) apr_array_cat(list->items, a->items);
    if (b) apr_array_cat(list->items, b->items);
    return list;
}

int sg_regex_list_count(const sg_regex_list_t *list)
{
    return list ? list->items->nelts : 0;
}

const char *sg_regex_list_pattern(const sg_regex_list_t *list, int i)
{
    if (!list || i < 0 || i >= list->items->nelts) {
        return NULL;
    }
    return APR_ARRAY_IDX(list->items, i, sg_regex_t).pattern;
}

const char *sg_regex_list_match(const sg_regex_list_t *list, const char *subject,
                                apr_size_t len)
{
    const char *hit = NULL;
    pcre2_match_data *md;
    int i;

    if (!list || list->items->nelts == 0) {
        return NULL;
    }
    md = pcre2_match_data_create(1, NULL);
    if (!md) {
        return NULL;
    }
    for (i = 0; i < list->items->nelts && !hit; i++) {
        const sg_regex_t *item = &APR_ARRAY_IDX(list->items, i, sg_regex_t);
        if (pcre2_match(item->code, (PCRE2_SPTR)subject, len, 0, 0, md, NULL) >= 0) {
            hit = item->pattern;
        }
    }
    pcre2_match_data_free(md);
    return hit;
}

const char *sg_regex_version(void)
{
    static char version[64];

    if (!version[0]) {
        pcre2_config(PCRE2_CONFIG_VERSION, version);
    }
    return version;
}
