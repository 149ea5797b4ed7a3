/* fuzz_dnsbl.c: DNSBL answer decoding.  The input's first line is a lists
 * file line (sg_dnsbl_parse_line), its second an address (sg_dnsbl_addr_parse
 * and sg_dnsbl_query_name); the rest is the answer: a count byte, that many A
 * records (4 bytes each) for sg_dnsbl_classify, then TXT bytes for
 * sg_dnsbl_clean_text. */
#include <string.h>
#include "fuzz.h"
#include "sg_dnsbl.h"

/* Cuts the next line off *S (at most *LEN bytes) as a NUL-terminated copy. */
static char *next_line(const uint8_t **s, size_t *len, apr_pool_t *p)
{
    const uint8_t *nl = memchr(*s, '\n', *len);
    size_t n = nl ? (size_t)(nl - *s) : *len;
    char *line = fuzz_strdup(*s, n, p);

    *s += nl ? n + 1 : n;
    *len -= nl ? n + 1 : n;
    return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const uint8_t *s = data;
    size_t len = size;
    char *line = next_line(&s, &len, p), *addr_text = next_line(&s, &len, p);
    sg_dnsbl_list_t list;
    sg_dnsbl_addr_t addr;
    const char *problem = NULL, *what = NULL;
    char qname[SG_DNSBL_MAX_NAME + 2];
    apr_uint32_t codes[SG_DNSBL_MAX_ANSWERS];
    int n = 0, i;

    memset(&list, 0, sizeof(list));
    if (sg_dnsbl_parse_line(line, &list, p, &problem) == 1) {
        if (sg_dnsbl_addr_parse(&addr, addr_text) == APR_SUCCESS) {
            (void)sg_dnsbl_query_name(&addr, list.zone, qname, sizeof(qname));
        }
        if (len > 0) {
            n = s[0] % (SG_DNSBL_MAX_ANSWERS + 1);
            s++, len--;
        }
        for (i = 0; i < n && len >= 4; i++, s += 4, len -= 4) {
            codes[i] = (apr_uint32_t)s[0] << 24 | (apr_uint32_t)s[1] << 16
                       | (apr_uint32_t)s[2] << 8 | s[3];
        }
        (void)sg_dnsbl_classify(&list, codes, i, p, &what);
    }
    (void)sg_dnsbl_clean_text(p, s, len, SG_DNSBL_MAX_TXT);
    apr_pool_destroy(p);
    return 0;
}
