/* fuzz_logtime.c: timestamp detection (sg_logtime_parse, line by line with
 * its one-hour cache as the mail-log reader uses it) and --until parsing. */
#include <string.h>
#include "fuzz.h"
#include "sg_logtime.h"

/* 2024-06-15 12:00:00 UTC: a fixed reference keeps runs reproducible. */
#define REFERENCE APR_TIME_C(1718452800000000)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *s = (const char *)data, *end = s + size;
    char *text = fuzz_strdup(data, size < 256 ? size : 256, p);
    sg_logtime_t lt;
    apr_time_t when, until;

    sg_logtime_init(&lt, REFERENCE);
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        apr_size_t len = (apr_size_t)((nl ? nl : end) - s);

        if (sg_logtime_parse(&lt, s, len, &when) > len) {
            __builtin_trap();   /* a stamp cannot span more than its line */
        }
        s = nl ? nl + 1 : end;
    }
    (void)sg_logtime_parse_until(text, REFERENCE, &until);
    apr_pool_destroy(p);
    return 0;
}
