/* fuzz_xmlrpc.c: the XML-RPC login counter (system.multicall bodies). */
#include "fuzz.h"
#include "sg_xmlrpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int n = sg_xmlrpc_count_logins((const char *)data, size);

    if (n < 0 || (size_t)n > size) {
        __builtin_trap();   /* each login call takes bytes of the body */
    }
    (void)sg_xmlrpc_is_login_method((const char *)data, size);
    return 0;
}
