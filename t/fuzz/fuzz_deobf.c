/* fuzz_deobf.c: the static de-obfuscator on arbitrary file text, with the
 * CLI's zlib inflate installed (cli/sg_zinflate.c), as spamgear scan runs it. */
#include <string.h>
#include "fuzz.h"
#include "sg_deobf.h"

#include "sg_inflate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    apr_array_header_t *layers = NULL;
    const char *note = NULL;
    int i;

    sg_deobf_set_inflate(sg_host_inflate);
    sg_deobf_run((const char *)data, size, 8, 1 << 20, p, &layers, &note);
    for (i = 0; layers && i < layers->nelts; i++) {
        const sg_deobf_layer_t *l = &APR_ARRAY_IDX(layers, i, sg_deobf_layer_t);

        if (l->buf[l->len] != '\0' || strlen(l->how) > 4096) {
            __builtin_trap();   /* layers are NUL-terminated at len */
        }
    }
    apr_pool_destroy(p);
    return 0;
}
