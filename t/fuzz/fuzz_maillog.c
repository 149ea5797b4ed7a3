/* fuzz_maillog.c: the mail-log parsers.  The first byte picks the source
 * (every one of SG_MAILSRC_COUNT), the rest is fed as log text, whole and
 * then cut at a newline in two calls as the reader's buffer does. */
#include <string.h>
#include "fuzz.h"
#include "sg_maillog.h"

#define UNTIL APR_TIME_C(1718452800000000)            /* 2024-06-15 12:00 UTC */
#define PERIOD (APR_TIME_C(400) * 86400 * APR_USEC_PER_SEC)

/* Walks every table so whatever the parser stored is read once. */
static void read_back(const sg_maillog_t *ml, apr_pool_t *p)
{
    int kind;

    for (kind = 0; kind < SG_MK_COUNT; kind++) {
        apr_hash_t *t = sg_maillog_accounts(ml, (sg_mailkind_t)kind);
        apr_hash_index_t *hi;

        for (hi = t ? apr_hash_first(p, t) : NULL; hi; hi = apr_hash_next(hi)) {
            const sg_mailacct_t *a = apr_hash_this_val(hi);

            if (a->name == NULL || strlen(a->name) > SG_MAILLOG_MAX_FIELD * 4) {
                __builtin_trap();   /* an account without a name, or unbounded */
            }
        }
    }
    (void)sg_maillog_skipped(ml);
    (void)sg_maillog_matched(ml);
}

/* The kept lines must lie inside the fed text. */
static void keep(void *baton, const char *line, apr_size_t len)
{
    volatile char sink = 0;

    if (len > 0) {
        sink = line[0];
        sink = line[len - 1];
    }
    (void)sink;
    (void)baton;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    sg_maillog_t *ml;
    const char *text = (const char *)data + 1, *nl;
    size_t len;

    if (size < 1) {
        return 0;
    }
    p = fuzz_pool();
    len = size - 1;
    ml = sg_maillog_create(p, (sg_mailsrc_t)(data[0] % SG_MAILSRC_COUNT), UNTIL, PERIOD);
    sg_maillog_add_webmail(ml, "192.0.2.7");
    sg_maillog_set_keep(ml, keep, NULL);
    nl = memchr(text, '\n', len);
    if (nl && (data[0] & 0x80)) {
        sg_maillog_feed(ml, text, (apr_size_t)(nl + 1 - text));
        sg_maillog_feed(ml, nl + 1, (apr_size_t)(text + len - (nl + 1)));
    }
    else {
        sg_maillog_feed(ml, text, len);
    }
    read_back(ml, p);
    apr_pool_destroy(p);
    return 0;
}
