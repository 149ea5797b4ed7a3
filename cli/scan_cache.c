/* scan_cache.c: spamgear scan's verdict cache in LMDB (see scan_cache.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <clamav.h>
#include <lmdb.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include <apr_tables.h>
#include <apr_thread_mutex.h>
#include "scan_cache.h"
#include "sg_codec.h"
#include "sg_yara.h"

/* The map is a sparse file: this is the most it may grow to, not what it
 * takes.  An entry is about 150 bytes with LMDB's overhead, so 4 GiB holds
 * some 25 million files; a full map empties the cache (scan_cache_flush). */
#define CACHE_MAP_SIZE ((size_t)4 << 30)
#define SCAN_CACHE_BATCH 16384           /* puts per write transaction */
#define CACHE_READERS 128                /* LMDB reader slots (workers + a margin) */
#define HASH_CHUNK 65536                 /* bytes read at a time for the set version */
#define HASH_MAX_FILES 100000            /* files of one directory folded in */

/* The meta key cannot collide with an entry: entries have 16-byte keys. */
static const char version_key[] = "spamgear-signature-set";

typedef struct entry_key_t {
    apr_uint64_t dev, ino;
} entry_key_t;

typedef struct entry_value_t {
    apr_int64_t size, mtime_ns, ctime_ns;
    apr_int32_t severity;     /* -1: clean */
    apr_int32_t reserved;     /* 0 */
    unsigned char sha256[32];
} entry_value_t;

/* The findings kept with a suspicious verdict: key, the entry's key and a
 * tag (24 bytes: no entry or meta key has that length); value, the SHA-256
 * of the content they were found in, then the caller's blob. */
typedef struct findings_key_t {
    entry_key_t entry;
    char tag[8];                      /* "findings" */
} findings_key_t;

typedef struct pending_t {
    entry_key_t key;
    entry_value_t value;
    void *findings;                   /* NULL, or malloc'ed: sha256 + blob */
    apr_size_t findings_len;
} pending_t;

struct scan_cache_t {
    MDB_env *env;
    MDB_dbi dbi;
    apr_thread_mutex_t *lock;        /* guards pending, npending, stats, failed */
    pending_t pending[SCAN_CACHE_BATCH];
    int npending;
    int failed;                      /* a write failed: stop writing (said once) */
    sg_result_t write_error;
    apr_pool_t *pool;
    scan_cache_stats_t stats;
};

struct scan_cache_reader_t {
    scan_cache_t *cache;
    MDB_txn *txn;                    /* reset between lookups, renewed for each */
    unsigned long hits, misses;
};

/* ---------------------------------------------------------------- set version */

static int hash_file(void *ctx, const char *path)
{
    char buf[HASH_CHUNK];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0) return errno;
    while ((n = read(fd, buf, sizeof(buf))) > 0) cl_update_hash(ctx, buf, (size_t)n);
    close(fd);
    return n < 0 ? errno : 0;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The sorted names of DIR's regular files (not dot files) that end in one
 * of SUFFIXES (NULL: every name); NULL when DIR cannot be read. */
static apr_array_header_t *dir_names(const char *dir, const char *const *suffixes,
                                     apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 16, sizeof(const char *));
    apr_finfo_t fi;
    apr_dir_t *d;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) return NULL;
    while (names->nelts < HASH_MAX_FILES
           && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        const char *const *s;
        apr_size_t len = strlen(fi.name);
        int wanted = suffixes == NULL;
        if (fi.name[0] == '.' || fi.filetype != APR_REG) continue;
        for (s = suffixes; s && *s; s++) {
            apr_size_t sl = strlen(*s);
            if (len > sl && !strcasecmp(fi.name + len - sl, *s)) wanted = 1;
        }
        if (wanted) APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, fi.name);
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), cmp_names);
    return names;
}

/* Folds the names and contents of DIR's files (SUFFIXES as dir_names). */
static apr_status_t hash_dir(void *ctx, const char *dir, const char *const *suffixes,
                             apr_pool_t *p, sg_result_t *res)
{
    apr_array_header_t *names = dir_names(dir, suffixes, p);
    int i, err;

    if (!names) return sg_result_set(res, p, APR_ENOENT, "%s: cannot read the directory", dir);
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        const char *path = apr_pstrcat(p, dir, "/", name, NULL);
        cl_update_hash(ctx, name, strlen(name) + 1);
        if ((err = hash_file(ctx, path)) != 0) {
            return sg_result_set(res, p, APR_FROM_OS_ERROR(err), "%s: cannot read: %s", path,
                                 strerror(err));
        }
    }
    return APR_SUCCESS;
}

/* Folds a YARA source: a file's contents, or a directory's rule files. */
static apr_status_t hash_yara_source(void *ctx, const char *source, apr_pool_t *p,
                                     sg_result_t *res)
{
    static const char *const rule_suffixes[] = { ".yar", ".yara", NULL };
    const char *ns, *path = sg_yara_split_namespace(source, &ns, p);
    apr_finfo_t fi;
    int err;

    cl_update_hash(ctx, source, strlen(source) + 1);
    if (apr_stat(&fi, path, APR_FINFO_TYPE, p) == APR_SUCCESS && fi.filetype == APR_DIR) {
        return hash_dir(ctx, path, rule_suffixes, p, res);
    }
    if ((err = hash_file(ctx, path)) != 0) {
        return sg_result_set(res, p, APR_FROM_OS_ERROR(err), "%s: cannot read: %s", path,
                             strerror(err));
    }
    return APR_SUCCESS;
}

/* ClamAV's databases change every few hours (freshclam): their names,
 * sizes and mtimes say when, without reading hundreds of megabytes. */
static void hash_clamav_db(void *ctx, const char *dir, apr_pool_t *p)
{
    apr_array_header_t *names = dir_names(dir, NULL, p);
    apr_finfo_t fi;
    int i;

    cl_update_hash(ctx, dir, strlen(dir) + 1);
    for (i = 0; names && i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        char line[256];
        if (apr_stat(&fi, apr_pstrcat(p, dir, "/", name, NULL), APR_FINFO_SIZE | APR_FINFO_MTIME,
                     p) != APR_SUCCESS) {
            continue;
        }
        apr_snprintf(line, sizeof(line), "%s %" APR_OFF_T_FMT " %" APR_TIME_T_FMT, name, fi.size,
                     fi.mtime);
        cl_update_hash(ctx, line, strlen(line) + 1);
    }
}

apr_status_t scan_cache_set_version(const char *recipe, const char *sigdir,
                                    const apr_array_header_t *sources,
                                    const char *whitelist, const char *clamav_db,
                                    const char **version, apr_pool_t *p, sg_result_t *res)
{
    unsigned char digest[32];
    apr_status_t rv = APR_SUCCESS;
    void *ctx = cl_hash_init("sha256");
    int i, err;

    if (!ctx) return sg_result_set(res, p, APR_ENOMEM, "cannot start a SHA-256");
    cl_update_hash(ctx, recipe, strlen(recipe) + 1);
    if ((rv = hash_dir(ctx, sigdir, NULL, p, res)) != APR_SUCCESS) goto cleanup;
    for (i = 0; sources && i < sources->nelts; i++) {
        rv = hash_yara_source(ctx, APR_ARRAY_IDX(sources, i, const char *), p, res);
        if (rv != APR_SUCCESS) goto cleanup;
    }
    if (whitelist && (err = hash_file(ctx, whitelist)) != 0) {
        rv = sg_result_set(res, p, APR_FROM_OS_ERROR(err), "%s: cannot read: %s", whitelist,
                           strerror(err));
        goto cleanup;
    }
    if (clamav_db) hash_clamav_db(ctx, clamav_db, p);
cleanup:
    cl_finish_hash(ctx, digest);   /* frees the context */
    if (rv == APR_SUCCESS) *version = sg_hex_encode(digest, sizeof(digest), p);
    return rv;
}

/* ---------------------------------------------------------------- open, close */

static apr_status_t lmdb_error(sg_result_t *res, apr_pool_t *p, const char *dir,
                               const char *what, int rc)
{
    return sg_result_set(res, p, APR_EGENERAL, "%s: %s: %s", dir, what, mdb_strerror(rc));
}

/* Empties the cache when it holds another set's verdicts, and records
 * VERSION; one write transaction. */
static int adopt_version(scan_cache_t *c, const char *version)
{
    MDB_txn *txn;
    MDB_val key = { sizeof(version_key) - 1, (void *)version_key }, val;
    int rc;

    if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0) return rc;
    if ((rc = mdb_dbi_open(txn, NULL, 0, &c->dbi)) != 0) goto abort;
    rc = mdb_get(txn, c->dbi, &key, &val);
    if (rc == 0 && val.mv_size == strlen(version) && !memcmp(val.mv_data, version, val.mv_size)) {
        return mdb_txn_commit(txn);   /* not abort: that would close the new dbi handle */
    }
    if (rc != 0 && rc != MDB_NOTFOUND) goto abort;
    if (rc == 0) c->stats.dropped = 1;
    if ((rc = mdb_drop(txn, c->dbi, 0)) != 0) goto abort;
    val.mv_size = strlen(version);
    val.mv_data = (void *)version;
    if ((rc = mdb_put(txn, c->dbi, &key, &val, 0)) != 0) goto abort;
    return mdb_txn_commit(txn);
abort:
    mdb_txn_abort(txn);
    return rc;
}

static apr_status_t close_env(void *data)
{
    scan_cache_t *c = data;

    if (c->env) mdb_env_close(c->env);
    c->env = NULL;
    return APR_SUCCESS;
}

apr_status_t scan_cache_open(scan_cache_t **cache, const char *dir, const char *version,
                             apr_pool_t *p, sg_result_t *res)
{
    scan_cache_t *c = apr_pcalloc(p, sizeof(*c));
    int rc;

    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        return sg_result_set(res, p, APR_FROM_OS_ERROR(errno), "%s: cannot create: %s", dir,
                             strerror(errno));
    }
    c->pool = p;
    apr_thread_mutex_create(&c->lock, APR_THREAD_MUTEX_DEFAULT, p);
    if ((rc = mdb_env_create(&c->env)) != 0) return lmdb_error(res, p, dir, "LMDB", rc);
    apr_pool_cleanup_register(p, c, close_env, apr_pool_cleanup_null);
    mdb_env_set_mapsize(c->env, CACHE_MAP_SIZE);
    mdb_env_set_maxreaders(c->env, CACHE_READERS);
    /* NOMETASYNC: a system crash may undo the last batch, never corrupt the
     * file.  NOTLS: a worker's read transaction is its own, not its thread's. */
    rc = mdb_env_open(c->env, dir, MDB_NOMETASYNC | MDB_NOTLS, 0600);
    if (rc != 0) return lmdb_error(res, p, dir, "cannot open the verdict cache", rc);
    if ((rc = adopt_version(c, version)) != 0) {
        return lmdb_error(res, p, dir, "cannot use the verdict cache", rc);
    }
    *cache = c;
    return APR_SUCCESS;
}

/* Writes the pending entries in one transaction; called holding c->lock.
 * A full map empties the cache (it refills) rather than failing the scan. */
static void findings_key(findings_key_t *k, const entry_key_t *entry)
{
    memset(k, 0, sizeof(*k));
    k->entry = *entry;
    memcpy(k->tag, "findings", sizeof(k->tag));
}

/* Puts pending entry E (and its findings) in TXN. */
static int put_pending(scan_cache_t *c, MDB_txn *txn, pending_t *e)
{
    MDB_val key = { sizeof(entry_key_t), &e->key };
    MDB_val val = { sizeof(entry_value_t), &e->value };
    findings_key_t fk;
    int rc;

    if ((rc = mdb_put(txn, c->dbi, &key, &val, 0)) != 0 || !e->findings) return rc;
    findings_key(&fk, &e->key);
    key.mv_size = sizeof(fk);
    key.mv_data = &fk;
    val.mv_size = e->findings_len;
    val.mv_data = e->findings;
    return mdb_put(txn, c->dbi, &key, &val, 0);
}

static void free_pending(scan_cache_t *c)
{
    int i;

    for (i = 0; i < c->npending; i++) free(c->pending[i].findings);
    c->npending = 0;
}

static void flush_pending(scan_cache_t *c)
{
    MDB_txn *txn;
    int i, rc = 0;

    if (c->failed || c->npending == 0) {
        free_pending(c);
        return;
    }
    if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0) goto failed;
    for (i = 0; i < c->npending; i++) {
        if ((rc = put_pending(c, txn, &c->pending[i])) != 0) break;
    }
    if (rc == MDB_MAP_FULL) {
        mdb_txn_abort(txn);
        if ((rc = mdb_txn_begin(c->env, NULL, 0, &txn)) != 0) goto failed;
        /* keep the set version: drop the entries only */
        if ((rc = mdb_drop(txn, c->dbi, 0)) != 0) { mdb_txn_abort(txn); goto failed; }
        free_pending(c);
        if ((rc = mdb_txn_commit(txn)) != 0) goto failed;
        c->stats.dropped = 1;
        return;
    }
    if (rc != 0) { mdb_txn_abort(txn); goto failed; }
    if ((rc = mdb_txn_commit(txn)) != 0) goto failed;
    c->stats.stored += (unsigned long)c->npending;
    free_pending(c);
    return;
failed:
    c->failed = 1;
    free_pending(c);
    sg_result_set(&c->write_error, c->pool, APR_EGENERAL, "cannot write the verdict cache: %s",
                  mdb_strerror(rc));
}

apr_status_t scan_cache_close(scan_cache_t *c, scan_cache_stats_t *stats, sg_result_t *res)
{
    apr_status_t rv = APR_SUCCESS;

    apr_thread_mutex_lock(c->lock);
    flush_pending(c);
    if (c->failed) rv = sg_result_set(res, c->pool, APR_EGENERAL, "%s", c->write_error.problem);
    *stats = c->stats;
    apr_thread_mutex_unlock(c->lock);
    apr_pool_cleanup_run(c->pool, c, close_env);
    return rv;
}

/* ---------------------------------------------------------------- lookups */

scan_cache_reader_t *scan_cache_reader(scan_cache_t *cache)
{
    scan_cache_reader_t *r = calloc(1, sizeof(*r));

    if (r) r->cache = cache;
    return r;
}

void scan_cache_reader_done(scan_cache_reader_t *r)
{
    if (!r) return;
    if (r->txn) mdb_txn_abort(r->txn);
    r->txn = NULL;
    apr_thread_mutex_lock(r->cache->lock);
    r->cache->stats.hits += r->hits;
    r->cache->stats.misses += r->misses;
    apr_thread_mutex_unlock(r->cache->lock);
    free(r);
}

static apr_int64_t ns_of(const struct timespec *ts)
{
    return (apr_int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

static void fill_entry(pending_t *e, const struct stat *st)
{
    memset(e, 0, sizeof(*e));
    e->key.dev = (apr_uint64_t)st->st_dev;
    e->key.ino = (apr_uint64_t)st->st_ino;
    e->value.size = (apr_int64_t)st->st_size;
    e->value.mtime_ns = ns_of(&st->st_mtim);
    e->value.ctime_ns = ns_of(&st->st_ctim);
}

/* The entry for ST when there is one whose size, mtime and ctime match:
 * 1 with *SEVERITY set, else 0. */
static int lookup(scan_cache_reader_t *r, const struct stat *st, int *severity)
{
    pending_t want;
    MDB_val key = { sizeof(entry_key_t), &want.key }, val;
    entry_value_t got;
    int found = 0;

    fill_entry(&want, st);
    if (r->txn ? mdb_txn_renew(r->txn) != 0
               : mdb_txn_begin(r->cache->env, NULL, MDB_RDONLY, &r->txn) != 0) {
        if (r->txn) mdb_txn_abort(r->txn);
        r->txn = NULL;
        return 0;
    }
    if (mdb_get(r->txn, r->cache->dbi, &key, &val) == 0 && val.mv_size == sizeof(got)) {
        memcpy(&got, val.mv_data, sizeof(got));   /* LMDB's data is not aligned for us */
        found = got.size == want.value.size && got.mtime_ns == want.value.mtime_ns
                && got.ctime_ns == want.value.ctime_ns;
        *severity = got.severity;
    }
    mdb_txn_reset(r->txn);
    return found;
}

/* The findings kept for the entry of ST (whose verdict is not clean and
 * whose content hash is SHA256), copied from P with the hash stripped:
 * else NULL.  R's transaction is live. */
static const void *kept_findings(scan_cache_reader_t *r, const pending_t *want,
                                 const unsigned char *sha256, apr_pool_t *p, apr_size_t *len)
{
    findings_key_t fk;
    MDB_val key = { sizeof(fk), &fk }, val;

    findings_key(&fk, &want->key);
    if (mdb_get(r->txn, r->cache->dbi, &key, &val) != 0 || val.mv_size <= 32
        || val.mv_size > 32 + SCAN_CACHE_MAX_FINDINGS || memcmp(val.mv_data, sha256, 32)) {
        return NULL;
    }
    *len = val.mv_size - 32;
    return apr_pmemdup(p, (const char *)val.mv_data + 32, *len);
}

int scan_cache_vouch(scan_cache_reader_t *r, const struct stat *st, apr_pool_t *p,
                     const void **findings, apr_size_t *len, unsigned char *sha256)
{
    pending_t want;
    MDB_val key = { sizeof(entry_key_t), &want.key }, val;
    entry_value_t got;
    int vouched = 0;

    *findings = NULL;
    if (!r) return 0;
    fill_entry(&want, st);
    if (r->txn ? mdb_txn_renew(r->txn) != 0
               : mdb_txn_begin(r->cache->env, NULL, MDB_RDONLY, &r->txn) != 0) {
        if (r->txn) mdb_txn_abort(r->txn);
        r->txn = NULL;
        r->misses++;
        return 0;
    }
    if (mdb_get(r->txn, r->cache->dbi, &key, &val) == 0 && val.mv_size == sizeof(got)) {
        memcpy(&got, val.mv_data, sizeof(got));
        if (got.size == want.value.size && got.mtime_ns == want.value.mtime_ns
            && got.ctime_ns == want.value.ctime_ns) {
            memcpy(sha256, got.sha256, 32);
            if (got.severity < 0) vouched = 1;
            else if ((*findings = kept_findings(r, &want, got.sha256, p, len)) != NULL) vouched = 1;
        }
    }
    mdb_txn_reset(r->txn);
    if (vouched) r->hits++;
    else r->misses++;
    return vouched;
}

int scan_cache_clean(scan_cache_reader_t *r, const struct stat *st)
{
    int severity = -1, clean;

    if (!r) return 0;
    clean = lookup(r, st, &severity) && severity < 0;
    if (clean) r->hits++;
    else r->misses++;
    return clean;
}

int scan_cache_verdict(scan_cache_reader_t *r, const struct stat *st, int *severity)
{
    return r && lookup(r, st, severity);
}

void scan_cache_sync(scan_cache_t *c)
{
    apr_thread_mutex_lock(c->lock);
    flush_pending(c);
    apr_thread_mutex_unlock(c->lock);
}

void scan_cache_put(scan_cache_t *c, const struct stat *st, const unsigned char *sha256,
                    int severity)
{
    scan_cache_put_findings(c, st, sha256, severity, NULL, 0);
}

void scan_cache_put_findings(scan_cache_t *c, const struct stat *st,
                             const unsigned char *sha256, int severity, const void *blob,
                             apr_size_t len)
{
    pending_t *e;
    char *kept = NULL;

    if (blob && len > 0 && len <= SCAN_CACHE_MAX_FINDINGS && severity >= 0
        && (kept = malloc(32 + len)) != NULL) {
        memcpy(kept, sha256, 32);
        memcpy(kept + 32, blob, len);
    }
    apr_thread_mutex_lock(c->lock);
    if (c->npending == SCAN_CACHE_BATCH) flush_pending(c);
    if (!c->failed) {
        e = &c->pending[c->npending++];
        fill_entry(e, st);
        e->value.severity = severity < 0 ? -1 : severity;
        memcpy(e->value.sha256, sha256, sizeof(e->value.sha256));
        e->findings = kept;
        e->findings_len = kept ? 32 + len : 0;
        kept = NULL;
    }
    apr_thread_mutex_unlock(c->lock);
    free(kept);
}
