/* sg_engine.c: every detector over one buffer; findings out. */
#include <clamav.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "sg_archive.h"
#include "sg_clamav.h"
#include "sg_codec.h"
#include "sg_deobf.h"
#include "sg_engine.h"
#include "sg_log.h"

struct sg_engine_t {
    apr_pool_t *pool;             /* owns everything below */
    sg_engine_options_t opts;     /* copy of the caller's */
    sg_sigset_t *sigs;            /* project and legacy rules */
    sg_av_t *av;                  /* ClamAV backend, or NULL when off */
    apr_hash_t *whitelist;        /* sha256 hex -> "" (known-good files) */
    int loaded;                   /* sg_engine_load ran */
};

void sg_engine_options_default(sg_engine_options_t *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->clamav = "off";
    opts->clamd_timeout = SG_CLAMD_DEFAULT_TIMEOUT;
    opts->decode = 1;
    opts->decode_depth = 8;
    opts->decode_max = 8 * 1024 * 1024;
    opts->analyse = 1;
    opts->budget = SG_ENGINE_DEFAULT_BUDGET;
}

apr_status_t sg_engine_create(sg_engine_t **engine, apr_pool_t *p,
                              const sg_engine_options_t *opts, sg_result_t *res)
{
    sg_engine_t *e = apr_pcalloc(p, sizeof(*e));
    const char *mode = opts->clamav ? opts->clamav : "off";

    if (strcmp(mode, "off") && strncmp(mode, "engine", 6) && strncmp(mode, "socket ", 7)
        && strncmp(mode, "tcp ", 4)) {
        return sg_result_set(res, p, APR_EINVAL,
                             "unknown ClamAV mode '%s' (expected off, engine [DBDIR], "
                             "socket PATH or tcp HOST:PORT)", mode);
    }
    e->pool = p;
    e->opts = *opts;
    e->opts.clamav = apr_pstrdup(p, mode);
    e->sigs = sg_sigset_create(p);
    e->whitelist = apr_hash_make(p);
    *engine = e;
    return APR_SUCCESS;
}

static apr_status_t open_av(sg_engine_t *e, const char *sigdir, sg_result_t *res)
{
    const char *mode = e->opts.clamav;

    if (!strcmp(mode, "off")) {
        return APR_SUCCESS;
    }
    if (!strncmp(mode, "engine", 6)) {
        const char *db = mode + 6;
        db += strspn(db, " \t");
        return sg_clamav_open_engine(&e->av, e->pool, *db ? db : SG_ENGINE_DEFAULT_CLAMAV_DB,
                                     *db != '\0', sigdir, res);
    }
    return sg_clamav_open_clamd(&e->av, e->pool, strchr(mode, ' ') + 1, e->opts.clamd_fildes,
                                e->opts.clamd_timeout, !e->opts.clamd_no_ping, res);
}

apr_status_t sg_engine_load(sg_engine_t *e, const char *sigdir, sg_result_t *res)
{
    int n = 0;
    apr_status_t rv;

    if (sigdir && (rv = sg_sigset_load_dir(e->sigs, sigdir, &n, res)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = sg_sigset_compile(e->sigs, res)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = open_av(e, sigdir, res)) != APR_SUCCESS) {
        return rv;
    }
    e->loaded = 1;
    sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, e->pool,
                  "engine: %d project signatures from %s; ClamAV %s (%u signatures)", n,
                  sigdir ? sigdir : "(none)", e->av ? e->av->name : "off",
                  e->av ? e->av->sigs : 0);
    return APR_SUCCESS;
}

apr_status_t sg_engine_add_rules(sg_engine_t *e, const char *origin, const char *text,
                                 sg_result_t *res)
{
    return sg_sigset_add_text(e->sigs, origin, text, strlen(text), res);
}

apr_status_t sg_engine_load_whitelist(sg_engine_t *e, const char *path, sg_result_t *res)
{
    apr_file_t *f;
    char line[1024];
    int n = 0;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED, 0, e->pool);

    if (rv != APR_SUCCESS) {
        return sg_result_set(res, e->pool, rv, "%s: cannot open the whitelist", path);
    }
    while ((rv = apr_file_gets(line, sizeof(line), f)) == APR_SUCCESS) {
        apr_size_t hex = strspn(line, "0123456789abcdef");
        n++;
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        if (hex != 64 || (line[64] != ' ' && line[64] != '\t' && line[64] != '\n')) {
            apr_file_close(f);
            return sg_result_set(res, e->pool, APR_EINVAL,
                                 "%s:%d: expected a lower-case SHA-256 in hex", path, n);
        }
        apr_hash_set(e->whitelist, apr_pstrmemdup(e->pool, line, 64), 64, "");
    }
    apr_file_close(f);
    return APR_SUCCESS;
}

const char *sg_sha256_hex(const char *buf, apr_size_t len, apr_pool_t *p)
{
    unsigned char digest[32];
    unsigned int olen = sizeof(digest);

    if (!cl_hash_data("sha256", buf, len, digest, &olen) || olen != 32) {
        return "";
    }
    return sg_hex_encode(digest, 32, p);
}

int sg_engine_sig_count(const sg_engine_t *e)
{
    return sg_sigset_count(e->sigs);
}

unsigned sg_engine_clamav_count(const sg_engine_t *e)
{
    return e->av ? e->av->sigs : 0;
}

/* ---------------------------------------------------------------- scanning */

static int already(apr_array_header_t *findings, const char *engine, const char *signature)
{
    int i;

    for (i = 0; i < findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(findings, i, sg_finding_t);
        if (!strcmp(f->signature, signature) && !strcmp(f->engine, engine)) {
            return 1;
        }
    }
    return 0;
}

static void match_layer(sg_engine_t *e, const char *name, const char *buf, apr_size_t len,
                        int targets, int layer, apr_array_header_t *findings, apr_pool_t *p)
{
    apr_array_header_t *hits = apr_array_make(p, 4, sizeof(sg_sig_hit_t));
    const char *note;
    int i;

    sg_sigset_match(e->sigs, buf, len, targets, hits,
                    SG_ENGINE_MAX_FINDINGS - findings->nelts, p, &note);
    if (note) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, p, "%s: %s",
                      name ? name : "(buffer)", note);
    }
    for (i = 0; i < hits->nelts; i++) {
        const sg_sig_hit_t *h = &APR_ARRAY_IDX(hits, i, sg_sig_hit_t);
        sg_finding_t *f;
        if (already(findings, sg_sig_engine(h->sig), sg_sig_name(h->sig))) {
            continue;
        }
        f = apr_array_push(findings);
        f->engine = sg_sig_engine(h->sig);
        f->signature = sg_sig_name(h->sig);
        f->severity = sg_sig_severity(h->sig);
        f->layer = layer;
        f->hit = *h;
    }
}

static void decode_and_match(sg_engine_t *e, const char *name, const char *buf,
                             apr_size_t len, int targets, apr_array_header_t *findings,
                             apr_pool_t *p)
{
    apr_array_header_t *layers;
    const char *note;
    int i;

    sg_deobf_run(buf, len, e->opts.decode_depth, e->opts.decode_max, p, &layers, &note);
    if (note) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, p, "%s: %s",
                      name ? name : "(buffer)", note);
    }
    for (i = 0; i < layers->nelts && findings->nelts < SG_ENGINE_MAX_FINDINGS; i++) {
        const sg_deobf_layer_t *l = &APR_ARRAY_IDX(layers, i, sg_deobf_layer_t);
        /* Decoded payloads are PHP whatever the file's name says. */
        match_layer(e, name, l->buf, l->len, targets | SG_TARGET_PHP | SG_TARGET_HTML,
                    l->depth, findings, p);
    }
}

static void scan_archive(sg_engine_t *e, const char *name, const char *buf, apr_size_t len,
                         sg_archive_walk_t *inside, apr_array_header_t *out, apr_pool_t *p);

/* sg_engine_scan_buffer; INSIDE is the archive walk a member comes from
 * (NULL: a file). */
static apr_status_t scan_buffer(sg_engine_t *e, const char *name, const char *buf,
                                apr_size_t len, int fd, sg_archive_walk_t *inside,
                                apr_pool_t *p, apr_array_header_t **findings, sg_result_t *res)
{
    apr_array_header_t *out = apr_array_make(p, 2, sizeof(sg_finding_t));
    int targets = sg_sig_target_of(name, buf, len);
    apr_status_t rv = APR_SUCCESS;

    *findings = out;
    match_layer(e, name, buf, len, targets, 0, out, p);
    if (e->opts.decode && (targets & (SG_TARGET_PHP | SG_TARGET_HTML))) {
        decode_and_match(e, name, buf, len, targets, out, p);
    }
    if (e->av && !inside) {
        const char *virname = NULL;
        rv = e->av->scan(e->av, name, buf, len, fd, p, &virname, res);
        if (rv == APR_SUCCESS && virname && out->nelts < SG_ENGINE_MAX_FINDINGS) {
            sg_finding_t *f = apr_array_push(out);
            memset(f, 0, sizeof(*f));
            f->engine = "CLAMAV";
            f->signature = virname;
            f->severity = strncmp(virname, "Heuristics.", 11) ? SG_SEV_MALICIOUS
                                                              : SG_SEV_SUSPICIOUS;
        }
    }
    scan_archive(e, name, buf, len, inside, out, p);
    if (out->nelts > 0 && apr_hash_count(e->whitelist) > 0
        && apr_hash_get(e->whitelist, sg_sha256_hex(buf, len, p), 64)) {
        apr_array_clear(out);
    }
    return rv;
}

/* ---------------------------------------------------------------- archives */

typedef struct member_scan_t {
    sg_engine_t *engine;
    const char *name;             /* the file's name, for targets and messages */
    apr_array_header_t *out;      /* where the members' findings go */
    apr_pool_t *pool;             /* out's pool */
} member_scan_t;

/* sg_archive_member_fn: one member scanned as a file; stops when the
 * findings are full or a nested walk hit a limit. */
static int scan_member(void *baton, const char *path, const char *buf, apr_size_t len,
                       sg_archive_walk_t *walk, apr_pool_t *p)
{
    member_scan_t *ms = baton;
    apr_array_header_t *found;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *prefix = walk->prefix;
    int i;

    walk->prefix = path;   /* a nested archive's members are "PATH!..." */
    scan_buffer(ms->engine, apr_pstrcat(p, ms->name ? ms->name : "", "!", path, NULL), buf, len,
                -1, walk, p, &found, &res);
    walk->prefix = prefix;
    for (i = 0; i < found->nelts && ms->out->nelts < SG_ENGINE_MAX_FINDINGS; i++) {
        sg_finding_t *f = apr_array_push(ms->out);
        *f = APR_ARRAY_IDX(found, i, sg_finding_t);
        memset(&f->hit, 0, sizeof(f->hit));   /* offsets in the member: not for cleaning */
        f->member = apr_pstrdup(ms->pool, f->member ? f->member : path);
        f->signature = apr_pstrdup(ms->pool, f->signature);
        if (f->detail) f->detail = apr_pstrdup(ms->pool, f->detail);
    }
    return ms->out->nelts >= SG_ENGINE_MAX_FINDINGS || walk->limit != NULL;
}

static void archive_finding(apr_array_header_t *out, const char *signature, const char *member,
                            const char *detail)
{
    sg_finding_t *f;

    if (out->nelts >= SG_ENGINE_MAX_FINDINGS) return;
    f = apr_array_push(out);
    f->engine = "SPAMGEAR";
    f->signature = signature;
    f->severity = SG_SEV_SUSPICIOUS;
    f->member = member;
    f->detail = detail;
}

/* Drops the archive's own findings (before N0: a stored member's bytes
 * matched in the archive) that a member's finding (from N0) names better. */
static void drop_explained(apr_array_header_t *out, int n0)
{
    int i, j, kept = 0;

    for (i = 0; i < out->nelts; i++) {
        sg_finding_t *f = &APR_ARRAY_IDX(out, i, sg_finding_t);
        int dup = 0;
        for (j = n0; i < n0 && j < out->nelts && !dup; j++) {
            const sg_finding_t *m = &APR_ARRAY_IDX(out, j, sg_finding_t);
            dup = !strcmp(m->signature, f->signature) && !strcmp(m->engine, f->engine);
        }
        if (!dup) APR_ARRAY_IDX(out, kept++, sg_finding_t) = *f;
    }
    out->nelts = kept;
}

/* Scans the members of BUF when it is an archive and a reader is installed.
 * The walk's limit is reported once, by the outermost call (INSIDE NULL):
 * a limit hit deep down stops every level above it. */
static void scan_archive(sg_engine_t *e, const char *name, const char *buf, apr_size_t len,
                         sg_archive_walk_t *inside, apr_array_header_t *out, apr_pool_t *p)
{
    sg_archive_walk_t top;
    sg_archive_walk_t *walk = inside ? inside : &top;
    member_scan_t ms = { e, name, out, p };
    const char *err, *err_at;
    int n0;

    if (!sg_archive_enabled() || out->nelts >= SG_ENGINE_MAX_FINDINGS
        || !sg_archive_sniff(buf, len)) {
        return;
    }
    memset(&top, 0, sizeof(top));
    n0 = out->nelts;
    sg_archive_walk(buf, len, walk, scan_member, &ms, p, &err, &err_at);
    drop_explained(out, n0);
    if (err) {
        archive_finding(out, SG_ENGINE_ARCHIVE_UNREADABLE, err_at, err);
    }
    if (!inside && walk->limit) {
        archive_finding(out, apr_pstrcat(p, SG_ENGINE_ARCHIVE_LIMIT ".", walk->limit, NULL),
                        walk->limit_at, walk->limit_detail);
        sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, p, "%s: archive limit %s hit at "
                      "%s: %s", name ? name : "(buffer)", walk->limit, walk->limit_at,
                      walk->limit_detail);
    }
}

apr_status_t sg_engine_scan_buffer(sg_engine_t *e, const char *name, const char *buf,
                                   apr_size_t len, int fd, apr_pool_t *p,
                                   apr_array_header_t **findings, sg_result_t *res)
{
    return scan_buffer(e, name, buf, len, fd, NULL, p, findings, res);
}
