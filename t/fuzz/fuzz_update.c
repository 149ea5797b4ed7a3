/* fuzz_update.c: the update manifest parser and the state file parser (both
 * read text a server or a previous run wrote).  A state that parses must
 * format and parse back to as many records. */
#include <string.h>
#include "fuzz.h"
#include "sg_update.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_array_header_t *files = NULL, *records = NULL, *again = NULL;
    const char *problem = NULL, *text;

    (void)sg_update_manifest_parse((const char *)data, size, p, &files, &problem);
    if (sg_update_state_parse((const char *)data, size, p, &records, &problem) == APR_SUCCESS) {
        text = sg_update_state_format(records, p);
        if (sg_update_state_parse(text, strlen(text), p, &again, &problem) != APR_SUCCESS
            || again->nelts != records->nelts) {
            __builtin_trap();   /* what we write must read back */
        }
    }
    apr_pool_destroy(p);
    return 0;
}
