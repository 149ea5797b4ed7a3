#ifndef SG_KV_H
#define SG_KV_H
/*
 * A tiny client for the shared ban stores, for the spamgear tool: redis
 * (RESP) and memcached (text protocol) over APR sockets with a time-out on
 * every connect, read and write.  Keys are written the way httpd's
 * mod_socache_redis and mod_socache_memcache write them for mod_spamgear
 * (namespace "spamgear:" + lower-case hex of the id), so the tool and the
 * module see the same records.  No hiredis: one connection, one command at
 * a time, every reply bounded.
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "sg_ban.h"
#include "sg_result.h"

/* Longest reply line, and longest value, the client accepts. */
#define SG_KV_LINE_MAX 4096
#define SG_KV_VALUE_MAX (64 * 1024)

typedef struct sg_kv_t sg_kv_t;

/* Connects to SPEC ("redis:HOST:PORT" or "memcache:HOST:PORT") with TIMEOUT
 * for each network step.  The connection belongs to P (closed by its
 * cleanup).  On failure says why in RES. */
apr_status_t sg_kv_open(const char *spec, apr_interval_time_t timeout, apr_pool_t *p,
                        sg_kv_t **kv, sg_result_t *res);

/* The store interface of KV, for the sg_ban_* functions. */
sg_ban_store_t *sg_kv_store(sg_kv_t *kv);

/* Appends every spamgear id (the decoded key, e.g. "sg1:b:1.2.3.4@*") in the
 * store to IDS (const char *).  redis: SCAN; memcached: lru_crawler metadump. */
apr_status_t sg_kv_list(sg_kv_t *kv, apr_array_header_t *ids, sg_result_t *res);

#endif /* SG_KV_H */
