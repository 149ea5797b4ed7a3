/* fuzz_feed.c: the vulnerability feed and end-of-life loaders of spamgear
 * sites (cli/sites_feed.c: files spamgear update downloads).  The input is
 * loaded as OSV, as Wordfence, sniffed, and as an end-of-life file; whatever
 * loaded is then matched, so that a range built from odd input is walked. */
#include <string.h>
#include <apr_strings.h>
#include "fuzz.h"
#include "sites_feed.h"

static void load_as(const char *name, const uint8_t *data, size_t size, apr_pool_t *p)
{
    const char *path = fuzz_write_file(name, data, size, p), *problem = NULL;
    sf_feeds_t *feeds = sf_feeds_create(p);
    apr_array_header_t *out = apr_array_make(p, 4, sizeof(sf_finding_t));
    static const char *const versions[] = { "0", "1.0", "1.0rc1", "2.10", "6.4.2", "*", "" };
    static const char *const products[] = { "wordpress", "wp-plugin:a", "wp-theme:a", "drupal" };
    int i, k;

    if (!path) return;
    if (sf_feeds_load(feeds, path, &problem, p) != APR_SUCCESS) {
        FUZZ_CHECK(problem && strncmp(problem, path, strlen(path)) == 0);
    }
    for (i = 0; i < 4; i++) {
        for (k = 0; k < 7; k++) {
            sf_feeds_match(feeds, products[i], versions[k], out, p);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    const char *path, *problem = NULL;
    char *dir;
    sf_eol_t *eol;

    load_as("f.osv.json", data, size, p);
    load_as("f.wordfence.json", data, size, p);
    load_as("f.json", data, size, p);
    if ((path = fuzz_write_file("wordpress.eol.json", data, size, p))) {
        dir = apr_pstrdup(p, path);
        *strrchr(dir, '/') = '\0';
        if (sf_eol_load_dir(&eol, dir, &problem, p) == APR_SUCCESS) {
            (void)sf_eol_date(eol, "wordpress", "6.4.2", "2026-12-05");
        }
    }
    apr_pool_destroy(p);
    return 0;
}
