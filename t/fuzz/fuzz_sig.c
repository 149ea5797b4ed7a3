/* fuzz_sig.c: the signature-file loaders.  The first byte picks the format
 * by file name (native .sigs, fingerprints.txt, backdoors.re, shelldetect.db);
 * the rest is the file.  A set that loads is compiled and matched against the
 * file's own text, which exercises the prefilter built from it. */
#include "fuzz.h"
#include "sg_result.h"
#include "sg_sig.h"

static const char *const names[] = {
    "fuzz.sigs", "fingerprints.txt", "backdoors.re", "shelldetect.db"
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    sg_sigset_t *set;
    sg_result_t res;
    const char *path, *note = NULL;
    int loaded = 0;

    if (size < 1 || size > 65536) {
        return 0;
    }
    p = fuzz_pool();
    set = sg_sigset_create(p);
    sg_result_clear(&res);
    path = fuzz_write_file(names[data[0] % 4], data + 1, size - 1, p);
    if (path && sg_sigset_load_file(set, path, &loaded, &res) == APR_SUCCESS
        && sg_sigset_compile(set, &res) == APR_SUCCESS) {
        apr_array_header_t *hits = apr_array_make(p, 8, sizeof(sg_sig_hit_t));

        sg_sigset_match(set, (const char *)data + 1, size - 1,
                        SG_TARGET_PHP | SG_TARGET_HTML | SG_TARGET_HTACCESS, hits, 16, p, &note);
    }
    apr_pool_destroy(p);
    return 0;
}
