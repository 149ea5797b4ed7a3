/* fuzz_conf.c: the config-file parser (sg_conf_read) on arbitrary file text. */
#include "fuzz.h"
#include "sg_conf.h"
#include "sg_result.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *path = fuzz_write_file("spamgear.conf", data, size, p);
    sg_conf_t *conf = sg_conf_create(p);
    sg_result_t res;

    sg_result_clear(&res);
    if (path && sg_conf_read(conf, path, 0, p, &res) == APR_SUCCESS) {
        /* Every key the file set must read back. */
        (void)sg_conf_get(conf, "mail-max");
        (void)sg_conf_get_all(conf, "dnsbl-list");
    }
    apr_pool_destroy(p);
    return 0;
}
