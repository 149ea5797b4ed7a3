/* mod_spamgear_ban.c: count failed logins, ban brute-forcers, refuse them early. */
#include <apr_strings.h>
#include <apr_shm.h>
#include <apr_atomic.h>
#include <apr_global_mutex.h>
#include <apr_buckets.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_main.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_provider.h>
#include <ap_socache.h>
#include <ap_mpm.h>
#include <util_filter.h>
#include <util_mutex.h>
#include "mod_spamgear.h"
#include "sg_ban.h"
#include "sg_xmlrpc.h"

APLOG_USE_MODULE(spamgear);

#define MUTEX_TYPE "spamgear-ban"
#define PEEK_FILTER "SPAMGEAR_XMLRPC_PEEK"
#define BANNED_NOTE "spamgear-banned"
/* Set on the first request of a login POST that reserved its attempt. */
#define RESERVED_NOTE "spamgear-login-reserved"
#define NAMESPACE "spamgear"
/* After a shared-store failure this process leaves the store alone this long. */
#define STORE_RETRY_SECONDS 10
/* At most one store warning per process this often. */
#define STORE_WARN_SECONDS 60

/* A socache instance seen through the core's store interface. */
typedef struct sg_socache_t {
    sg_ban_store_t st;                      /* what the core calls */
    const ap_socache_provider_t *provider;  /* shmcb, redis, memcache */
    ap_socache_instance_t *inst;            /* owned by pconf (cleanup destroys it) */
    server_rec *s;                          /* for the provider's own logging */
    const char *name;                       /* as configured, for messages */
} sg_socache_t;

/* Counters since start, in anonymous shared memory so every child adds up. */
typedef struct sg_stats_t {
    apr_uint32_t noexec_refused;    /* no-exec refusals */
    apr_uint32_t bans_made;         /* bans this server made */
    apr_uint32_t requests_refused;  /* requests refused because of a ban */
    apr_uint32_t logins_failed;     /* failed logins counted */
    apr_uint32_t upload_scans;      /* upload requests scanned */
    apr_uint32_t upload_blocks;     /* upload requests refused */
    /* .htaccess files seen with spamgear lines: a ring, written under the
     * mutex, the oldest entry replaced once it is full */
    sg_htaccess_note_t htaccess[SG_HTACCESS_NOTES];
    apr_uint32_t htaccess_next;     /* slot the next new file takes */
} sg_stats_t;

/* The xmlrpc.php body prefix seen by the peek filter. */
typedef struct sg_peek_t {
    char *buf;          /* up to limit bytes */
    apr_size_t len;     /* bytes in buf */
    apr_size_t limit;   /* SpamGearLoginBodyLimit */
} sg_peek_t;

static struct {
    sg_socache_t *local;          /* shmcb: bans cached here, and counters without remote */
    sg_socache_t *remote;         /* redis/memcache shared by the fleet; NULL: none */
    apr_global_mutex_t *mutex;    /* serialises every local store call and each count */
    sg_stats_t *stats;            /* shared counters */
    char token[33];               /* the unban form's CSRF token (hex) */
} g;

/* Per process: the shared store is skipped until then; last warning. */
static volatile apr_time_t remote_down_until;
static volatile apr_time_t last_warning;

/* --------------------------------------------------------------- socache as a store */

static apr_status_t sc_get(sg_ban_store_t *st, const char *key, char *buf, apr_size_t *len,
                           apr_pool_t *p)
{
    sg_socache_t *sc = st->baton;
    unsigned int n = (unsigned int)*len;
    apr_status_t rv = sc->provider->retrieve(sc->inst, sc->s, (const unsigned char *)key,
                                             (unsigned int)strlen(key), (unsigned char *)buf,
                                             &n, p);
    *len = n;
    return rv;
}

static apr_status_t sc_set(sg_ban_store_t *st, const char *key, const char *value,
                           apr_int64_t expires, apr_pool_t *p)
{
    sg_socache_t *sc = st->baton;

    return sc->provider->store(sc->inst, sc->s, (const unsigned char *)key,
                               (unsigned int)strlen(key), apr_time_from_sec(expires),
                               (unsigned char *)value, (unsigned int)strlen(value), p);
}

static apr_status_t sc_del(sg_ban_store_t *st, const char *key, apr_pool_t *p)
{
    sg_socache_t *sc = st->baton;

    return sc->provider->remove(sc->inst, sc->s, (const unsigned char *)key,
                                (unsigned int)strlen(key), p);
}

static apr_status_t sc_cleanup(void *data)
{
    sg_socache_t *sc = data;

    sc->provider->destroy(sc->inst, sc->s);
    return APR_SUCCESS;
}

/* Creates and initialises socache PROVIDER with ARG (may be NULL). */
static apr_status_t sc_open(const char *provider, const char *arg, const char *name,
                            apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                            sg_socache_t **out)
{
    static const struct ap_socache_hints hints = { 48, 64, 60 };
    sg_socache_t *sc = apr_pcalloc(pconf, sizeof(*sc));
    const char *err;
    apr_status_t rv;

    sc->provider = ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, provider,
                                      AP_SOCACHE_PROVIDER_VERSION);
    if (!sc->provider) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(53030)
                     "spamgear: SpamGearBanStore %s needs the socache provider %s: "
                     "LoadModule socache_%s_module", name, provider, provider);
        return APR_EGENERAL;
    }
    err = sc->provider->create(&sc->inst, arg, ptemp, pconf);
    if (err) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(53031)
                     "spamgear: SpamGearBanStore %s: %s", name, err);
        return APR_EGENERAL;
    }
    rv = sc->provider->init(sc->inst, NAMESPACE, &hints, s, pconf);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(53032)
                     "spamgear: SpamGearBanStore %s: cannot initialise it", name);
        return rv;
    }
    apr_pool_cleanup_register(pconf, sc, sc_cleanup, apr_pool_cleanup_null);
    sc->st.get = sc_get;
    sc->st.set = sc_set;
    sc->st.del = sc_del;
    sc->st.baton = sc;
    sc->s = s;
    sc->name = name;
    *out = sc;
    return APR_SUCCESS;
}

/* --------------------------------------------------------------- the shared store's health */

static int remote_up(void)
{
    return g.remote && apr_time_now() >= remote_down_until;
}

static void remote_failed(server_rec *s, apr_status_t rv, const char *what)
{
    apr_time_t now = apr_time_now();

    remote_down_until = now + apr_time_from_sec(STORE_RETRY_SECONDS);
    if (now - last_warning >= apr_time_from_sec(STORE_WARN_SECONDS)) {
        last_warning = now;
        ap_log_error(APLOG_MARK, APLOG_WARNING, rv, s, APLOGNO(53021)
                     "spamgear: ban store %s failed (%s): counting in the local cache "
                     "for %ds; local bans still apply", g.remote->name, what,
                     STORE_RETRY_SECONDS);
    }
}

/* The socache providers answer "not found" when their server is down; a
 * write tells the two apart. */
static int remote_alive(server_rec *s, apr_pool_t *p)
{
    apr_status_t rv = g.remote->st.set(&g.remote->st, "sg1:alive", "1",
                                       apr_time_sec(apr_time_now()) + 60, p);

    if (rv != APR_SUCCESS) {
        remote_failed(s, rv, "write");
    }
    return rv == APR_SUCCESS;
}

/* --------------------------------------------------------------- setup */

apr_status_t sg_ban_pre_config(apr_pool_t *pconf)
{
    return ap_mutex_register(pconf, MUTEX_TYPE, NULL, APR_LOCK_DEFAULT, 0);
}

static apr_status_t open_stats(apr_pool_t *pconf, server_rec *s)
{
    apr_shm_t *shm;
    apr_status_t rv = apr_shm_create(&shm, sizeof(sg_stats_t), NULL, pconf);

    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(53033)
                     "spamgear: cannot create shared memory for the status counters");
        return rv;
    }
    g.stats = apr_shm_baseaddr_get(shm);
    memset(g.stats, 0, sizeof(*g.stats));
    return APR_SUCCESS;
}

static apr_status_t open_stores(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s,
                                const char *spec)
{
    const char *colon = strchr(spec, ':');
    const char *local_arg = NULL;
    apr_status_t rv;

    if (!strncmp(spec, "shmcb:", 6)) {
        local_arg = spec + 6;
    }
    rv = sc_open("shmcb", local_arg, "shmcb", pconf, ptemp, s, &g.local);
    if (rv != APR_SUCCESS || !strncmp(spec, "shmcb", 5)) {
        return rv;
    }
    return sc_open(apr_pstrmemdup(ptemp, spec, (apr_size_t)(colon - spec)), colon + 1,
                   spec, pconf, ptemp, s, &g.remote);
}

/* 0 when PROVIDER (its name is the N bytes at NAME) is not loaded, after
 * saying so as post_config would. */
static int provider_loaded(const char *name, apr_size_t n, const char *spec, apr_pool_t *ptemp,
                           server_rec *s)
{
    const char *provider = apr_pstrmemdup(ptemp, name, n);

    if (ap_lookup_provider(AP_SOCACHE_PROVIDER_GROUP, provider, AP_SOCACHE_PROVIDER_VERSION)) {
        return 1;
    }
    ap_log_error(APLOG_MARK, APLOG_CRIT, 0, s, APLOGNO(53030)
                 "spamgear: SpamGearBanStore %s needs the socache provider %s: "
                 "LoadModule socache_%s_module", spec, provider, provider);
    return 0;
}

/* check_config (also "apachectl configtest", -t): the socache providers
 * the ban store needs are loaded, so that a configtest that says "Syntax
 * OK" is followed by a start that works (Debian does not enable
 * socache_shmcb by default). */
apr_status_t sg_ban_check_config(apr_pool_t *ptemp, server_rec *s)
{
    const sg_server_conf_t *conf = ap_get_module_config(s->module_config, &spamgear_module);
    const char *spec = conf->ban_store ? conf->ban_store : "shmcb";
    const char *colon = strchr(spec, ':');
    int ok = provider_loaded("shmcb", 5, spec, ptemp, s);

    if (ok && colon && strncmp(spec, "shmcb", 5)) {
        ok = provider_loaded(spec, (apr_size_t)(colon - spec), spec, ptemp, s);
    }
    return ok ? APR_SUCCESS : APR_EGENERAL;
}

apr_status_t sg_ban_post_config(apr_pool_t *pconf, apr_pool_t *ptemp, server_rec *s)
{
    const sg_server_conf_t *conf = ap_get_module_config(s->module_config, &spamgear_module);
    unsigned char secret[16];
    apr_status_t rv;

    memset(&g, 0, sizeof(g));
    if ((rv = open_stats(pconf, s)) != APR_SUCCESS
        || (rv = open_stores(pconf, ptemp, s, conf->ban_store ? conf->ban_store : "shmcb"))
           != APR_SUCCESS) {
        return rv;
    }
    rv = ap_global_mutex_create(&g.mutex, NULL, MUTEX_TYPE, NULL, s, pconf, 0);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_generate_random_bytes(secret, sizeof(secret))) != APR_SUCCESS) {
        return rv;
    }
    ap_bin2hex(secret, sizeof(secret), g.token);
    return APR_SUCCESS;
}

void sg_ban_child_init(apr_pool_t *p, server_rec *s)
{
    apr_status_t rv;

    if (!g.mutex) {
        return;
    }
    rv = apr_global_mutex_child_init(&g.mutex, apr_global_mutex_lockfile(g.mutex), p);
    if (rv != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(53034)
                     "spamgear: cannot re-open the ban mutex in a child");
    }
}

/* --------------------------------------------------------------- who and where */

static void lock(void)
{
    apr_global_mutex_lock(g.mutex);
}

static void unlock(void)
{
    apr_global_mutex_unlock(g.mutex);
}

/* The client key of R, or NULL when R's client is exempt or not an address. */
static const char *client_of(request_rec *r, const sg_login_conf_t *c)
{
    unsigned char ip[16];

    if (sg_ip_parse(r->useragent_ip, ip) != APR_SUCCESS || sg_cidr_list_match(c->exempt, ip)) {
        return NULL;
    }
    return sg_ban_client(ip, c->v6_prefix, r->pool);
}

/* The scope name bans and counters of R's vhost use: its ServerName and port,
 * else the port the connection came in on.  Never ap_get_server_port(): under
 * UseCanonicalName Off that is the Host header's port, which the client picks,
 * and "Host: name:1" would start a fresh count and escape a ban. */
static const char *scope_of(request_rec *r, const sg_login_conf_t *c)
{
    if (c->scope == SG_SCOPE_GLOBAL) {
        return SG_BAN_SCOPE_GLOBAL;
    }
    return apr_psprintf(r->pool, "%s:%u", r->server->server_hostname,
                        r->server->port ? r->server->port : r->connection->local_addr->port);
}

/* --------------------------------------------------------------- refusing */

/* The local cache's answer, checked against the shared store when it is up:
 * a ban lifted there is lifted here; a ban made here while the store was
 * down is written to it. */
static int revalidate(request_rec *r, sg_ban_rec_t *ban)
{
    sg_ban_rec_t *shared;
    apr_status_t rv = sg_ban_lookup(&g.remote->st, ban->client, ban->scope,
                                    apr_time_sec(r->request_time), &shared, r->pool);

    if (rv == APR_SUCCESS) {
        return 1;
    }
    if (rv != APR_NOTFOUND) {
        remote_failed(r->server, rv, "read");
        return 1;
    }
    if (!remote_alive(r->server, r->pool)) {
        return 1;
    }
    if (ban->local_only) {
        ban->local_only = 0;
        sg_ban_store_ban(&g.remote->st, ban, r->pool);
        lock();
        sg_ban_store_ban(&g.local->st, ban, r->pool);
        unlock();
        return 1;
    }
    lock();
    sg_ban_remove(&g.local->st, ban->client, ban->scope, r->pool);
    unlock();
    return 0;
}

/* Non-zero when CLIENT is banned in SCOPE; *UNTIL gets the ban's end. */
static int is_banned(request_rec *r, const char *client, const char *scope, apr_int64_t *until)
{
    apr_int64_t now = apr_time_sec(r->request_time);
    sg_ban_rec_t *ban;
    apr_status_t rv;

    lock();
    rv = sg_ban_lookup(&g.local->st, client, scope, now, &ban, r->pool);
    unlock();
    if (rv == APR_SUCCESS) {
        *until = ban->until;
        return !remote_up() || revalidate(r, ban);
    }
    if (!remote_up()) {
        return 0;
    }
    rv = sg_ban_lookup(&g.remote->st, client, scope, now, &ban, r->pool);
    if (rv == APR_SUCCESS) {
        lock();
        sg_ban_store_ban(&g.local->st, ban, r->pool);
        unlock();
        *until = ban->until;
        return 1;
    }
    if (rv != APR_NOTFOUND) {
        remote_failed(r->server, rv, "read");
    }
    return 0;
}

int sg_ban_post_read_request(request_rec *r)
{
    const sg_server_conf_t *sconf = ap_get_module_config(r->server->module_config,
                                                         &spamgear_module);
    const sg_login_conf_t *c = &sconf->login;
    const char *client;
    apr_int64_t until = 0;
    int banned;

    if (!g.local || !c->on || r->main || r->prev || !(client = client_of(r, c))) {
        return DECLINED;
    }
    banned = is_banned(r, client, SG_BAN_SCOPE_GLOBAL, &until)
        || (c->scope == SG_SCOPE_SERVER && is_banned(r, client, scope_of(r, c), &until));
    if (!banned) {
        return DECLINED;
    }
    apr_atomic_inc32(&g.stats->requests_refused);
    apr_table_setn(r->notes, BANNED_NOTE, "1");
    if (c->status == HTTP_TOO_MANY_REQUESTS) {
        apr_int64_t left = until - apr_time_sec(r->request_time);
        apr_table_setn(r->err_headers_out, "Retry-After",
                       apr_psprintf(r->pool, "%" APR_INT64_T_FMT, left > 0 ? left : 1));
    }
    ap_log_rerror(APLOG_MARK, APLOG_DEBUG, 0, r, APLOGNO(53022)
                  "spamgear: ban: refused %s %s: client %s is banned", r->method, r->uri,
                  client);
    return c->status;
}

/* --------------------------------------------------------------- the xmlrpc body */

/* The URI of the script R runs: its URI without the path info PHP and CGI
 * accept after a script's name (POST /wp-login.php/x runs /wp-login.php).
 * Decided on what httpd mapped the request to, not on the URI text. */
static const char *script_uri(request_rec *r)
{
    apr_size_t n, pn;

    if (!r->uri) return NULL;
    n = strlen(r->uri);
    pn = r->path_info ? strlen(r->path_info) : 0;
    if (pn && pn < n && !strcmp(r->uri + n - pn, r->path_info)) {
        return apr_pstrmemdup(r->pool, r->uri, n - pn);
    }
    return r->uri;
}

static int is_xmlrpc(request_rec *r)
{
    const char *uri = script_uri(r);
    apr_size_t n = uri ? strlen(uri) : 0;

    return n >= 11 && !strcasecmp(uri + n - 11, "/xmlrpc.php");
}

/* URI (of request R) matches the vhost's login patterns or those that R's
 * directory contexts and .htaccess files added. */
static int login_uri(request_rec *r, const char *uri, const sg_login_conf_t *c)
{
    const sg_dir_conf_t *dc = r->per_dir_config
                              ? ap_get_module_config(r->per_dir_config, &spamgear_module) : NULL;
    apr_size_t n = uri ? strlen(uri) : 0;

    return uri && (sg_regex_list_match(c->match, uri, n) != NULL
                   || (dc && sg_regex_list_match(dc->login_more, uri, n) != NULL));
}

/* ORIG (the first request of the chain) is a login POST when its URI, the
 * script it maps to, or the script LAST (the final internal redirect, a
 * RewriteRule to wp-login.php) runs matches a login pattern. */
static int is_login(request_rec *orig, request_rec *last, const sg_login_conf_t *c)
{
    if (orig->method_number != M_POST) return 0;
    return login_uri(orig, orig->uri, c) || login_uri(orig, script_uri(orig), c)
        || (last != orig && login_uri(last, script_uri(last), c));
}

/* Copies up to limit bytes of what passes; the body itself is not changed. */
static apr_status_t peek_filter(ap_filter_t *f, apr_bucket_brigade *bb, ap_input_mode_t mode,
                                apr_read_type_e block, apr_off_t readbytes)
{
    sg_peek_t *pk = f->ctx;
    apr_status_t rv = ap_get_brigade(f->next, bb, mode, block, readbytes);
    apr_bucket *b;

    if (rv != APR_SUCCESS || mode != AP_MODE_READBYTES) {
        return rv;
    }
    for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb) && pk->len < pk->limit;
         b = APR_BUCKET_NEXT(b)) {
        const char *data;
        apr_size_t n;
        if (APR_BUCKET_IS_METADATA(b) || apr_bucket_read(b, &data, &n, APR_BLOCK_READ)) {
            continue;
        }
        n = n > pk->limit - pk->len ? pk->limit - pk->len : n;
        memcpy(pk->buf + pk->len, data, n);
        pk->len += n;
    }
    if (pk->len >= pk->limit) {
        ap_remove_input_filter(f);
    }
    return APR_SUCCESS;
}

void sg_ban_register_filter(void)
{
    ap_register_input_filter(PEEK_FILTER, peek_filter, NULL, AP_FTYPE_RESOURCE);
}

void sg_ban_insert_filter(request_rec *r)
{
    const sg_server_conf_t *sconf = ap_get_module_config(r->server->module_config,
                                                         &spamgear_module);
    const sg_login_conf_t *c = &sconf->login;
    request_rec *orig = r;
    sg_peek_t *pk;

    while (orig->prev) {
        orig = orig->prev;
    }
    if (!g.local || !c->on || r->main || !c->body_limit || !(is_xmlrpc(orig) || is_xmlrpc(r))
        || !is_login(orig, r, c) || ap_get_module_config(orig->request_config, &spamgear_module)) {
        return;
    }
    pk = apr_pcalloc(r->pool, sizeof(*pk));
    pk->limit = (apr_size_t)c->body_limit;
    pk->buf = apr_palloc(r->pool, pk->limit);
    ap_set_module_config(orig->request_config, &spamgear_module, pk);
    ap_add_input_filter(PEEK_FILTER, pk, r, r->connection);
}

/* --------------------------------------------------------------- counting */

static int in_list(const apr_array_header_t *codes, int status)
{
    int i;

    for (i = 0; codes && i < codes->nelts; i++) {
        if (APR_ARRAY_IDX(codes, i, int) == status) {
            return 1;
        }
    }
    return 0;
}

/* How many failed logins ORIG (LAST: its final request) was; 0: none. */
static int failures_of(request_rec *orig, request_rec *last, const sg_login_conf_t *c)
{
    int status = last->status, xmlrpc = is_xmlrpc(orig) || is_xmlrpc(last);
    sg_peek_t *pk;

    if (in_list(c->success, status) || (xmlrpc && in_list(c->xmlrpc_success, status))) {
        return 0;
    }
    if (!xmlrpc) {
        return 1;
    }
    pk = ap_get_module_config(orig->request_config, &spamgear_module);
    /* A body nobody read (refused early, or no body limit) counts once. */
    return pk && pk->len ? sg_xmlrpc_count_logins(pk->buf, pk->len) : 1;
}

/* Settles the reservation of an attempt (when RESERVED) and counts its N
 * failures in one store, so that no other attempt slips in between. */
static apr_status_t settle_in(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                              const char *client, const char *scope, int reserved, int n,
                              apr_int64_t now, const char *reason, sg_ban_rec_t **ban,
                              apr_pool_t *p)
{
    apr_status_t rv = reserved ? sg_ban_settle(st, pol, client, scope, now, p) : APR_SUCCESS;

    *ban = NULL;
    if (rv == APR_SUCCESS && n > 0) {
        rv = sg_ban_record_failures(st, pol, client, scope, n, now, reason, ban, NULL, p);
    }
    return rv;
}

/* Settles and counts under the mutex: in the shared store when it is up,
 * else (or when it fails now) in the local cache.  Returns a new ban. */
static sg_ban_rec_t *count_failures(request_rec *r, const sg_login_conf_t *c,
                                    const char *client, const char *scope, int reserved,
                                    int n, const char *reason)
{
    sg_ban_policy_t pol = { c->limit, c->window, c->ban_time, c->growth };
    apr_int64_t now = apr_time_sec(apr_time_now());
    sg_ban_rec_t *ban = NULL;
    apr_status_t rv = APR_EGENERAL;

    lock();
    if (remote_up()) {
        rv = settle_in(&g.remote->st, &pol, client, scope, reserved, n, now, reason, &ban,
                       r->pool);
        if (rv != APR_SUCCESS) {
            remote_failed(r->server, rv, "count");
        }
        else if (ban) {
            sg_ban_store_ban(&g.local->st, ban, r->pool);
        }
    }
    if (rv != APR_SUCCESS) {
        rv = settle_in(&g.local->st, &pol, client, scope, reserved, n, now, reason, &ban,
                       r->pool);
        if (rv == APR_SUCCESS && ban && g.remote) {
            ban->local_only = 1;
            sg_ban_store_ban(&g.local->st, ban, r->pool);
        }
    }
    unlock();
    return rv == APR_SUCCESS ? ban : NULL;
}

/* Reserves one login attempt under the mutex, where count_failures() will
 * count it.  1: go on; 0: the client has as many attempts counted and in
 * flight as the limit allows.  A store that fails both ways lets it go
 * (fail open, as counting does). */
static int reserve_attempt(request_rec *r, const sg_login_conf_t *c, const char *client,
                           const char *scope)
{
    sg_ban_policy_t pol = { c->limit, c->window, c->ban_time, c->growth };
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_status_t rv = APR_EGENERAL;
    int granted = 1;

    lock();
    if (remote_up()) {
        rv = sg_ban_reserve(&g.remote->st, &pol, client, scope, now, &granted, r->pool);
        if (rv != APR_SUCCESS) {
            remote_failed(r->server, rv, "reserve");
        }
    }
    if (rv != APR_SUCCESS) {
        rv = sg_ban_reserve(&g.local->st, &pol, client, scope, now, &granted, r->pool);
    }
    unlock();
    return rv != APR_SUCCESS || granted;
}

int sg_ban_fixups(request_rec *r)
{
    const sg_server_conf_t *sconf = ap_get_module_config(r->server->module_config,
                                                         &spamgear_module);
    const sg_login_conf_t *c = &sconf->login;
    request_rec *orig = r;
    const char *client, *scope;

    while (orig->prev) {
        orig = orig->prev;
    }
    if (!g.local || !c->on || r->main || apr_table_get(orig->notes, RESERVED_NOTE)
        || apr_table_get(orig->notes, BANNED_NOTE) || !is_login(orig, r, c)
        || !(client = client_of(orig, c))) {
        return DECLINED;
    }
    scope = scope_of(orig, c);
    if (reserve_attempt(orig, c, client, scope)) {
        apr_table_setn(orig->notes, RESERVED_NOTE, "1");
        return DECLINED;
    }
    apr_atomic_inc32(&g.stats->requests_refused);
    apr_table_setn(orig->notes, BANNED_NOTE, "1");
    if (c->status == HTTP_TOO_MANY_REQUESTS) {
        apr_table_setn(r->err_headers_out, "Retry-After", apr_itoa(r->pool, c->window));
    }
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(53025)
                  "spamgear: ban: refused %s %s: client %s has the limit of %d login "
                  "attempts counted or in flight", r->method, r->uri, client, c->limit);
    return c->status;
}

int sg_ban_log_transaction(request_rec *r)
{
    const sg_server_conf_t *sconf = ap_get_module_config(r->server->module_config,
                                                         &spamgear_module);
    const sg_login_conf_t *c = &sconf->login;
    request_rec *orig = r, *last = r;
    const char *client, *scope, *reason;
    sg_ban_rec_t *ban;
    int n, reserved;

    while (orig->prev) {
        orig = orig->prev;
    }
    while (last->next) {
        last = last->next;
    }
    if (!g.local || !c->on || r->main || apr_table_get(orig->notes, BANNED_NOTE)
        || !(client = client_of(orig, c))) {
        return DECLINED;
    }
    reserved = apr_table_get(orig->notes, RESERVED_NOTE) != NULL;
    n = is_login(orig, last, c) ? failures_of(orig, last, c) : 0;
    if (n <= 0 && !reserved) {
        return DECLINED;
    }
    if (n > 0) {
        apr_atomic_add32(&g.stats->logins_failed, (apr_uint32_t)n);
    }
    scope = scope_of(orig, c);
    reason = apr_psprintf(r->pool, "last POST %s status %d", orig->uri, last->status);
    ban = count_failures(orig, c, client, scope, reserved, n > 0 ? n : 0, reason);
    if (ban) {
        apr_atomic_inc32(&g.stats->bans_made);
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, orig, APLOGNO(53020)
                      "spamgear: ban: client %s banned for %" APR_INT64_T_FMT "s (key %s, "
                      "scope %s, ban %d): %d failed logins within %ds, %s",
                      orig->useragent_ip, ban->until - ban->start, client,
                      strcmp(scope, SG_BAN_SCOPE_GLOBAL) ? scope : "global", ban->nth,
                      ban->count, c->window, reason);
    }
    return DECLINED;
}

/* --------------------------------------------------------------- status page support */

void sg_stats_noexec_refused(void)
{
    if (g.stats) {
        apr_atomic_inc32(&g.stats->noexec_refused);
    }
}

void sg_stats_upload(int blocked)
{
    if (g.stats) {
        apr_atomic_inc32(blocked ? &g.stats->upload_blocks : &g.stats->upload_scans);
    }
}

/* The slot holding FILE, or -1.  Read without the lock: a slot being
 * rewritten at that moment reads as no match, and the caller then looks
 * again under the lock. */
static int htaccess_slot(const char *file)
{
    int i;

    for (i = 0; i < SG_HTACCESS_NOTES; i++) {
        if (!strncmp(g.stats->htaccess[i].path, file, SG_HTACCESS_PATH)) return i;
    }
    return -1;
}

void sg_stats_htaccess(const char *file, int refused)
{
    int i;

    if (!g.stats || !g.mutex || !file || !*file) {
        return;
    }
    if ((i = htaccess_slot(file)) < 0) {
        lock();
        if ((i = htaccess_slot(file)) < 0) {
            i = (int)(g.stats->htaccess_next++ % SG_HTACCESS_NOTES);
            memset(&g.stats->htaccess[i], 0, sizeof(g.stats->htaccess[i]));
            apr_cpystrn(g.stats->htaccess[i].path, file, SG_HTACCESS_PATH);
        }
        unlock();
    }
    apr_atomic_inc32(refused ? &g.stats->htaccess[i].refused : &g.stats->htaccess[i].read);
}

apr_array_header_t *sg_stats_htaccess_list(apr_pool_t *p)
{
    apr_array_header_t *list = apr_array_make(p, SG_HTACCESS_NOTES, sizeof(sg_htaccess_note_t));
    int i;

    if (!g.stats || !g.mutex) {
        return list;
    }
    lock();
    for (i = 0; i < SG_HTACCESS_NOTES; i++) {
        if (g.stats->htaccess[i].path[0]) {
            APR_ARRAY_PUSH(list, sg_htaccess_note_t) = g.stats->htaccess[i];
        }
    }
    unlock();
    return list;
}

void sg_ban_status_info(sg_status_info_t *info)
{
    const sg_server_conf_t *conf = ap_get_module_config(ap_server_conf->module_config,
                                                        &spamgear_module);

    info->store = conf->ban_store ? conf->ban_store : "shmcb";
    info->store_up = !g.remote || remote_up();
    info->noexec_refused = g.stats ? apr_atomic_read32(&g.stats->noexec_refused) : 0;
    info->bans_made = g.stats ? apr_atomic_read32(&g.stats->bans_made) : 0;
    info->requests_refused = g.stats ? apr_atomic_read32(&g.stats->requests_refused) : 0;
    info->logins_failed = g.stats ? apr_atomic_read32(&g.stats->logins_failed) : 0;
    info->upload_scans = g.stats ? apr_atomic_read32(&g.stats->upload_scans) : 0;
    info->upload_blocks = g.stats ? apr_atomic_read32(&g.stats->upload_blocks) : 0;
    info->token = g.token;
}

typedef struct each_ctx_t {
    sg_ban_each_cb *cb;    /* the caller's */
    void *baton;           /* the caller's */
} each_ctx_t;

static apr_status_t each_one(ap_socache_instance_t *inst, server_rec *s, void *userctx,
                             const unsigned char *id, unsigned int idlen,
                             const unsigned char *data, unsigned int datalen, apr_pool_t *p)
{
    each_ctx_t *ctx = userctx;
    sg_ban_rec_t rec;

    if (sg_ban_rec_decode(apr_pstrmemdup(p, (const char *)id, idlen), (const char *)data,
                          datalen, &rec, p) == APR_SUCCESS) {
        ctx->cb(ctx->baton, &rec);
    }
    return APR_SUCCESS;
}

apr_status_t sg_ban_each_local(request_rec *r, sg_ban_each_cb *cb, void *baton)
{
    each_ctx_t ctx = { cb, baton };
    apr_status_t rv;

    if (!g.local) {
        return APR_ENOTIMPL;
    }
    lock();
    rv = g.local->provider->iterate(g.local->inst, r->server, &ctx, each_one, r->pool);
    unlock();
    return rv;
}

apr_status_t sg_ban_unban(request_rec *r, const char *client, const char *scope)
{
    apr_status_t rv = APR_SUCCESS;

    if (!g.local) {
        return APR_ENOTIMPL;
    }
    if (g.remote) {
        rv = sg_ban_remove(&g.remote->st, client, scope, r->pool);
        if (rv != APR_SUCCESS) {
            remote_failed(r->server, rv, "unban");
        }
    }
    lock();
    sg_ban_remove(&g.local->st, client, scope, r->pool);
    unlock();
    ap_log_rerror(APLOG_MARK, APLOG_NOTICE, 0, r, APLOGNO(53023)
                  "spamgear: ban: %s unbanned in scope %s from the status page", client,
                  strcmp(scope, SG_BAN_SCOPE_GLOBAL) ? scope : "global");
    return rv;
}
