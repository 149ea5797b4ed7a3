/* scan_fleet.c: content-keyed verdicts in the ban store (see scan_fleet.h). */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "scan_fleet.h"
#include "sg_codec.h"
#include "sg_cli.h"
#include "sg_kv.h"
#include "sg_sig.h"

#define FLEET_TIMEOUT apr_time_from_sec(1)     /* per connect, read and write */
#define FLEET_TTL (30 * 86400)                 /* seconds a verdict is kept */

struct scan_fleet_t {
    const char *spec, *version;   /* not owned */
    apr_pool_t *pool;             /* the connection's */
    sg_kv_t *kv;                  /* NULL until connected */
    int down;                     /* the store failed: no more tries this run */
    scan_fleet_stats_t n;
};

/* One warning per run, whichever worker meets the failure first. */
static int warned;

static void fail(scan_fleet_t *f, const char *problem)
{
    f->down = 1;
    f->n.down = 1;
    if (__sync_bool_compare_and_swap(&warned, 0, 1)) {
        sg_cli_error("scan: warning: %s: the fleet verdict cache is off for this run: %s",
                     f->spec, problem);
    }
}

scan_fleet_t *scan_fleet_open(const char *spec, const char *version)
{
    scan_fleet_t *f = calloc(1, sizeof(*f));

    if (!f) return NULL;
    f->spec = spec;
    f->version = version;
    if (apr_pool_create_unmanaged_ex(&f->pool, NULL, NULL) != APR_SUCCESS) {
        free(f);
        return NULL;
    }
    return f;
}

static int connected(scan_fleet_t *f)
{
    sg_result_t res = { APR_SUCCESS, NULL };

    if (f->down) return 0;
    if (f->kv) return 1;
    if (sg_kv_open(f->spec, FLEET_TIMEOUT, f->pool, &f->kv, &res) != APR_SUCCESS) {
        f->kv = NULL;
        fail(f, res.problem);
        return 0;
    }
    return 1;
}

/* "sg1:v:VERSION:SHA256", the store's id of a content's verdict. */
static const char *verdict_id(const scan_fleet_t *f, const unsigned char *sha256, apr_pool_t *p)
{
    return apr_pstrcat(p, "sg1:v:", f->version, ":", sg_hex_encode(sha256, 32, p), NULL);
}

int scan_fleet_clean(scan_fleet_t *f, const unsigned char *sha256)
{
    sg_ban_store_t *st;
    char value[32];
    apr_size_t len = sizeof(value) - 1;
    apr_pool_t *p;
    apr_status_t rv;

    if (!f || !connected(f)) return 0;
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    st = sg_kv_store(f->kv);
    rv = st->get(st, verdict_id(f, sha256, p), value, &len, p);
    apr_pool_destroy(p);
    f->n.lookups++;
    if (rv == APR_NOTFOUND) return 0;
    if (rv != APR_SUCCESS) {
        fail(f, "a lookup failed");
        return 0;
    }
    value[len] = '\0';
    if (strcmp(value, "clean") != 0) return 0;
    f->n.hits++;
    return 1;
}

void scan_fleet_put(scan_fleet_t *f, const unsigned char *sha256, int severity)
{
    sg_ban_store_t *st;
    apr_pool_t *p;
    apr_status_t rv;

    if (!f || !connected(f)) return;
    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    st = sg_kv_store(f->kv);
    rv = st->set(st, verdict_id(f, sha256, p),
                 severity < 0 ? "clean" : severity == SG_SEV_SUSPICIOUS ? "suspicious" : "malicious",
                 apr_time_sec(apr_time_now()) + FLEET_TTL, p);
    apr_pool_destroy(p);
    if (rv != APR_SUCCESS) fail(f, "a write failed");
    else f->n.stored++;
}

void scan_fleet_close(scan_fleet_t *f, scan_fleet_stats_t *stats)
{
    if (!f) return;
    stats->lookups += f->n.lookups;
    stats->hits += f->n.hits;
    stats->stored += f->n.stored;
    stats->down |= f->n.down;
    apr_pool_destroy(f->pool);
    free(f);
}
