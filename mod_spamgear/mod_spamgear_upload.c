/* mod_spamgear_upload.c: inline upload scanning.  The body is read and
 * spooled in fixups (memory up to SPOOL_MEM, then a temp file that a pool
 * cleanup removes), parsed (sg_multipart), every file scanned with the
 * engine loaded in the parent, and a clean body replayed unchanged to the
 * handler by the SPAMGEAR_REPLAY input filter. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/statvfs.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include <ap_mpm.h>
#include <util_filter.h>
#include <apr_mmap.h>
#include <apr_shm.h>
#include <apr_portable.h>
#include <apr_strings.h>
#include "mod_spamgear.h"
#include "sg_deobf.h"
#include "sg_engine.h"
#include "sg_inflate.h"
#include "sg_libarchive.h"
#include "sg_media.h"
#include "sg_multipart.h"
#include "sg_quarantine.h"
#include "sg_quota.h"
#include "sg_yara.h"

APLOG_USE_MODULE(spamgear);

#define SPOOL_MEM (1024 * 1024)           /* body bytes kept in memory per request */
#define READ_CHUNK (64 * 1024)            /* bytes asked of the input filters at once */
#define REPLAY_FILTER "SPAMGEAR_REPLAY"
#define SPOOL_QUOTA_FULL (APR_OS_START_USERERR + 4301)  /* spool_reserve: over the quota */
#define DENY_NAMES "(?:\\.(?:php\\d*|phtml|pht|phar|phps|inc|cgi|pl|py|sh|shtml|asp|aspx|jsp)" \
    "|^\\.htaccess|^\\.user\\.ini|^\\.htpasswd)$"

/* --------------------------------------------------------------- engine */

static struct {
    sg_engine_t *engine;          /* loaded in the parent; NULL before post_config */
    const char *clamav;           /* mode, for the status page */
    const char *sigs;             /* "N from DIR", for the status page */
    const char *yara;             /* "N rules from K files, compiled in T ms", or "none" */
    sg_regex_list_t *deny_names;  /* the built-in SpamGearUploadDenyNames */
    const char *spool_dir;        /* SpamGearSpoolDir or the temp dir */
    sg_quota_t *spool_quota;      /* spool file bytes of all children (SpamGearSpoolQuota) */
    const char *quarantine_dir;   /* SpamGearQuarantineDir or the CLI's default */
} g;

/* SpamGearSpoolQuota's default: a quarter of the spool directory's file
 * system (a 1 GB /tmp: 256 MB), at least 1M, at most 1G. */
static apr_off_t default_spool_quota(const char *dir)
{
    struct statvfs vfs;
    apr_off_t q = SG_SPOOL_QUOTA_MAX_DEFAULT;

    if (statvfs(dir, &vfs) == 0 && vfs.f_blocks) {
        apr_uint64_t fs = (apr_uint64_t)vfs.f_blocks * (vfs.f_frsize ? vfs.f_frsize : vfs.f_bsize);
        if (fs / 4 < (apr_uint64_t)q) q = (apr_off_t)(fs / 4);
    }
    return q < SG_SPOOL_QUOTA_MIN ? SG_SPOOL_QUOTA_MIN : q;
}

/* The shared spool quota, one slot per child process the MPM may run, times
 * two: after a graceful restart the old generation's children finish their
 * uploads beside the new ones (each generation has a segment of its own). */
static apr_status_t open_spool_quota(apr_pool_t *pconf, server_rec *s, apr_off_t limit)
{
    int daemons = 0, slots;
    apr_shm_t *shm;
    apr_status_t rv;

    if (ap_mpm_query(AP_MPMQ_HARD_LIMIT_DAEMONS, &daemons) != APR_SUCCESS || daemons < 1) {
        daemons = 256;
    }
    slots = daemons > 32768 ? 65536 : daemons * 2;
    if ((rv = apr_shm_create(&shm, sg_quota_shm_size(slots), NULL, pconf)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(53046)
                     "spamgear: upload: cannot create shared memory for the spool quota");
        return rv;
    }
    g.spool_quota = sg_quota_init(apr_shm_baseaddr_get(shm), slots, limit, pconf);
    return APR_SUCCESS;
}

void sg_upload_child_init(apr_pool_t *p, server_rec *s)
{
    if (g.spool_quota && sg_quota_join(g.spool_quota, (long)getpid()) != APR_SUCCESS) {
        /* still counted, on the total alone: only a crash's bytes stay held */
        ap_log_error(APLOG_MARK, APLOG_WARNING, 0, s, APLOGNO(53047)
                     "spamgear: upload: no free spool quota slot for child %ld",
                     (long)getpid());
    }
}

void sg_upload_spool_info(apr_off_t *used, apr_off_t *quota)
{
    *used = g.spool_quota ? sg_quota_used(g.spool_quota) : 0;
    *quota = g.spool_quota ? sg_quota_limit(g.spool_quota) : 0;
}

/* The YARA rules of SpamGearSignatures' directory and SpamGearYaraRules,
 * compiled here in the parent (children share them; a graceful restart
 * compiles them again with pconf) and added to the engine. */
static apr_status_t load_yara(apr_pool_t *pconf, server_rec *s, const sg_server_conf_t *conf)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_yara_t *y;
    apr_status_t rv;

    g.yara = "none";
    if ((rv = sg_yara_load(&y, conf->signatures, conf->yara_rules, pconf, &res)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(53050)
                     "spamgear: upload: cannot load the YARA rules: %s", res.problem);
        return rv;
    }
    if (!y) return APR_SUCCESS;
    sg_engine_add_matcher(g.engine, sg_yara_matcher(y));
    g.yara = apr_psprintf(pconf, "%d rules from %d files, compiled in %" APR_TIME_T_FMT " ms",
                          sg_yara_rule_count(y), sg_yara_file_count(y),
                          apr_time_as_msec(sg_yara_compile_time(y)));
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, APLOGNO(53051) "spamgear: upload: YARA: %s",
                 g.yara);
    return APR_SUCCESS;
}

apr_status_t sg_upload_post_config(apr_pool_t *pconf, server_rec *s)
{
    const sg_server_conf_t *conf = ap_get_module_config(s->module_config, &spamgear_module);
    sg_engine_options_t opts;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_status_t rv;

    memset(&g, 0, sizeof(g));
    /* httpd runs post_config twice at startup; the first pass serves no
     * request, and libclamav takes seconds to load: load on the second. */
    if (ap_state_query(AP_SQ_MAIN_STATE) == AP_SQ_MS_CREATE_PRE_CONFIG) {
        return APR_SUCCESS;
    }
    sg_deobf_set_inflate(sg_host_inflate);   /* gz* layers: host code (libdeflate, zlib) */
    /* Archive members (a plugin .zip) are scanned like the files they hold. */
    sg_archive_set_reader(sg_libarchive_reader());
    sg_engine_options_default(&opts);
    opts.clamav = conf->clamav ? conf->clamav : "off";
    /* clamd may be down at startup: requests then follow SpamGearUploadOnError. */
    opts.clamd_no_ping = 1;
    opts.clamd_timeout = apr_time_from_sec(conf->clamd_timeout ? conf->clamd_timeout : 10);
    if (conf->scan_budget != SG_UNSET) opts.budget = conf->scan_budget;
    /* A refusal needs one malicious finding; the log line names the first. */
    opts.first_malicious = 1;
    if ((rv = sg_engine_create(&g.engine, pconf, &opts, &res)) != APR_SUCCESS
        || (rv = sg_engine_load(g.engine, conf->signatures, &res)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(53040)
                     "spamgear: upload: cannot load the scan engine: %s", res.problem);
        g.engine = NULL;
        return rv;
    }
    g.clamav = opts.clamav;
    g.sigs = apr_psprintf(pconf, "%d from %s", sg_engine_sig_count(g.engine),
                          conf->signatures ? conf->signatures : "(none)");
    if ((rv = load_yara(pconf, s, conf)) != APR_SUCCESS) {
        g.engine = NULL;
        return rv;
    }
    g.deny_names = sg_regex_list_create(pconf);
    if ((rv = sg_regex_list_add(g.deny_names, DENY_NAMES, 1, &res)) != APR_SUCCESS) {
        ap_log_error(APLOG_MARK, APLOG_CRIT, rv, s, APLOGNO(53041)
                     "spamgear: upload: built-in deny names do not compile: %s", res.problem);
        return rv;
    }
    g.quarantine_dir = conf->quarantine_dir ? conf->quarantine_dir : SG_QUARANTINE_DEFAULT_DIR;
    g.spool_dir = conf->spool_dir;
    if (!g.spool_dir && (rv = apr_temp_dir_get(&g.spool_dir, pconf)) != APR_SUCCESS) {
        g.spool_dir = "/tmp";
    }
    return open_spool_quota(pconf, s, conf->spool_quota > 0 ? conf->spool_quota
                                                           : default_spool_quota(g.spool_dir));
}

const char *sg_upload_engine_info(apr_pool_t *p, const char **clamav, const char **yara)
{
    *clamav = g.clamav ? g.clamav : "off";
    *yara = g.yara ? g.yara : "none";
    return g.sigs ? g.sigs : "none";
}

/* --------------------------------------------------------------- the spool */

typedef struct spool_t {
    request_rec *r;               /* the request that read the body */
    char *mem;                    /* the body while it fits in SPOOL_MEM (no file) */
    apr_size_t mem_cap;           /* bytes allocated for mem */
    apr_file_t *file;             /* the whole body once over SPOOL_MEM */
    const char *path;             /* its name */
    apr_off_t len;                /* body bytes spooled */
    apr_off_t reserved;           /* of the spool quota, given back with r->pool */
    int complete;                 /* 1: EOS seen; 0: the rest is still in the connection */
    const char *view;             /* the whole body (memory or mapped file); NULL: not yet */
    apr_off_t served;             /* bytes the replay filter handed out */
    int eos_sent;                 /* the replay filter sent EOS */
} spool_t;

static apr_status_t spool_close(void *file)
{
    return apr_file_close(file);
}

/* Opens the spool file.  Linux O_TMPFILE: a file with no name, gone with its
 * last descriptor even if the child is killed, and no directory update
 * (unlink takes the directory lock that PHP's own upload files in the same
 * temp dir contend for).  Elsewhere a named temp file with DELONCLOSE: the
 * r->pool cleanup that closes it removes it, however the request ends. */
static apr_status_t spool_open(spool_t *sp)
{
    apr_pool_t *p = sp->r->pool;
    char *path;
#ifdef O_TMPFILE
    int fd = open(g.spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) {
        apr_status_t rv = apr_os_file_put(&sp->file, &fd, APR_FOPEN_READ | APR_FOPEN_WRITE, p);
        if (rv != APR_SUCCESS) {
            close(fd);
            return rv;
        }
        apr_pool_cleanup_register(p, sp->file, spool_close, apr_pool_cleanup_null);
        sp->path = g.spool_dir;
        return APR_SUCCESS;
    }
#endif
    path = apr_pstrcat(p, g.spool_dir, "/spamgear-upload-XXXXXX", NULL);
    sp->path = path;
    return apr_file_mktemp(&sp->file, path, 0, p);
}

static apr_status_t spool_unreserve(void *data)
{
    spool_t *sp = data;

    sg_quota_release(g.spool_quota, sp->reserved);
    sp->reserved = 0;
    return APR_SUCCESS;
}

/* Makes sure SP holds UPTO bytes of the spool quota; SPOOL_QUOTA_FULL when
 * all children together would hold more than SpamGearSpoolQuota. */
static apr_status_t spool_reserve(spool_t *sp, apr_off_t upto)
{
    if (!g.spool_quota || upto <= sp->reserved) return APR_SUCCESS;
    if (!sg_quota_reserve(g.spool_quota, upto - sp->reserved)) return SPOOL_QUOTA_FULL;
    if (!sp->reserved) {
        apr_pool_cleanup_register(sp->r->pool, sp, spool_unreserve, apr_pool_cleanup_null);
    }
    sp->reserved = upto;
    return APR_SUCCESS;
}

static apr_status_t spool_write(spool_t *sp, const char *buf, apr_size_t len)
{
    apr_status_t rv;
    apr_size_t n;

    if (len == 0) {
        return APR_SUCCESS;   /* an empty bucket (HTTP/2 streams send them): nothing to keep */
    }
    if (!sp->file && sp->len + (apr_off_t)len <= SPOOL_MEM) {
        if ((apr_size_t)sp->len + len > sp->mem_cap) {
            /* Grown by doubling: all copies together stay under 2 * SPOOL_MEM. */
            apr_size_t cap = sp->mem_cap ? sp->mem_cap : 16384;
            char *mem;
            while (cap < (apr_size_t)sp->len + len) cap *= 2;
            if (cap > SPOOL_MEM) cap = SPOOL_MEM;
            mem = apr_palloc(sp->r->pool, cap);
            if (sp->len) memcpy(mem, sp->mem, (apr_size_t)sp->len);
            sp->mem = mem;
            sp->mem_cap = cap;
        }
        memcpy(sp->mem + sp->len, buf, len);
        sp->len += (apr_off_t)len;
        return APR_SUCCESS;
    }
    /* On disk from here: every byte counts against the spool quota. */
    if ((rv = spool_reserve(sp, sp->len + (apr_off_t)len)) != APR_SUCCESS) {
        return rv;
    }
    if (!sp->file) {
        if ((rv = spool_open(sp)) != APR_SUCCESS) {
            return rv;
        }
        n = (apr_size_t)sp->len;
        if (n && (rv = apr_file_write_full(sp->file, sp->mem, n, NULL)) != APR_SUCCESS) {
            return rv;
        }
    }
    if ((rv = apr_file_write_full(sp->file, buf, len, NULL)) == APR_SUCCESS) {
        sp->len += (apr_off_t)len;
    }
    return rv;
}

/* Reads the body into SP until EOS or MAX bytes; *OVER set when MAX was
 * passed.  *READ_ERR set when the client (not the spool) failed. */
static apr_status_t spool_body(spool_t *sp, apr_off_t max, int *over, int *read_err)
{
    request_rec *r = sp->r;
    apr_bucket_brigade *bb = apr_brigade_create(r->pool, r->connection->bucket_alloc);
    apr_status_t rv = APR_SUCCESS;

    *over = *read_err = 0;
    while (!sp->complete && !*over && rv == APR_SUCCESS) {
        apr_bucket *b;
        if ((rv = ap_get_brigade(r->input_filters, bb, AP_MODE_READBYTES, APR_BLOCK_READ,
                                 READ_CHUNK)) != APR_SUCCESS) {
            *read_err = 1;
            break;
        }
        for (b = APR_BRIGADE_FIRST(bb); b != APR_BRIGADE_SENTINEL(bb) && rv == APR_SUCCESS;
             b = APR_BUCKET_NEXT(b)) {
            const char *data;
            apr_size_t n;
            if (APR_BUCKET_IS_EOS(b)) {
                sp->complete = 1;
                break;
            }
            if (APR_BUCKET_IS_METADATA(b)) continue;
            if ((rv = apr_bucket_read(b, &data, &n, APR_BLOCK_READ)) != APR_SUCCESS) {
                *read_err = 1;
                break;
            }
            rv = spool_write(sp, data, n);
        }
        apr_brigade_cleanup(bb);
        *over = sp->len > max;
    }
    return rv;
}

/* A contiguous view of the spooled body (the file mapped read-only). */
static apr_status_t spool_view(spool_t *sp, const char **buf)
{
    apr_mmap_t *mm;
    apr_status_t rv;

    if (!sp->file || !sp->len) {
        *buf = sp->view = sp->mem;
        return APR_SUCCESS;
    }
    if ((rv = apr_mmap_create(&mm, sp->file, 0, (apr_size_t)sp->len, APR_MMAP_READ,
                              sp->r->pool)) == APR_SUCCESS) {
        *buf = sp->view = mm->mm;
    }
    return rv;
}

/* --------------------------------------------------------------- replay filter */

/* Points *DATA at up to N spooled bytes from sp->served: the view or the
 * memory spool in place (*HEAP NULL), else a copy read from the spool file
 * into a bucket buffer (*HEAP, which the caller turns into a heap bucket). */
static apr_status_t replay_chunk(spool_t *sp, ap_filter_t *f, apr_size_t n, const char **data,
                                 char **heap)
{
    apr_off_t off = sp->served;
    apr_status_t rv;

    *heap = NULL;
    if (sp->view || !sp->file) {
        *data = (sp->view ? sp->view : sp->mem) + sp->served;
        return APR_SUCCESS;
    }
    *heap = apr_bucket_alloc(n, f->c->bucket_alloc);
    if ((rv = apr_file_seek(sp->file, APR_SET, &off)) != APR_SUCCESS
        || (rv = apr_file_read_full(sp->file, *heap, n, NULL)) != APR_SUCCESS) {
        apr_bucket_free(*heap);
        return rv;
    }
    *data = *heap;
    return APR_SUCCESS;
}

/* AP_MODE_EATCRLF: drops the CR and LF bytes at the read position (what the
 * core filter does between pipelined requests); hands out nothing. */
static apr_status_t replay_eat_crlf(spool_t *sp, ap_filter_t *f)
{
    const char *data;
    char *heap;
    apr_size_t n = (apr_size_t)(sp->len - sp->served), i;
    apr_status_t rv;

    if (n > READ_CHUNK) n = READ_CHUNK;
    if ((rv = replay_chunk(sp, f, n, &data, &heap)) != APR_SUCCESS) return rv;
    for (i = 0; i < n && (data[i] == '\r' || data[i] == '\n'); i++) continue;
    sp->served += (apr_off_t)i;
    if (heap) apr_bucket_free(heap);
    return APR_SUCCESS;
}

/* Serves the spooled body, then (when the spool stopped early) the rest of
 * the connection's, to whatever reads r->input_filters, in every mode a
 * reader may ask for: READBYTES, SPECULATIVE (nothing consumed), EXHAUSTIVE,
 * GETLINE (up to and including the next LF, at most READ_CHUNK bytes, as
 * the core filter caps a line) and EATCRLF. */
static apr_status_t replay_filter(ap_filter_t *f, apr_bucket_brigade *bb, ap_input_mode_t mode,
                                  apr_read_type_e block, apr_off_t readbytes)
{
    spool_t *sp = f->ctx;
    const char *data, *lf;
    char *heap;
    apr_size_t n;
    apr_status_t rv;

    if (mode == AP_MODE_INIT) return ap_get_brigade(f->next, bb, mode, block, readbytes);
    if (sp->served >= sp->len) {
        if (!sp->complete) return ap_get_brigade(f->next, bb, mode, block, readbytes);
        if (mode == AP_MODE_EATCRLF) return APR_SUCCESS;
        APR_BRIGADE_INSERT_TAIL(bb, apr_bucket_eos_create(f->c->bucket_alloc));
        sp->eos_sent = 1;
        return APR_SUCCESS;
    }
    if (mode == AP_MODE_EATCRLF) return replay_eat_crlf(sp, f);
    n = (apr_size_t)(sp->len - sp->served);
    if ((mode == AP_MODE_READBYTES || mode == AP_MODE_SPECULATIVE) && readbytes > 0
        && (apr_off_t)n > readbytes) {
        n = (apr_size_t)readbytes;
    }
    if (n > READ_CHUNK) n = READ_CHUNK;
    if ((rv = replay_chunk(sp, f, n, &data, &heap)) != APR_SUCCESS) return rv;
    if (mode == AP_MODE_GETLINE && (lf = memchr(data, '\n', n))) {
        n = (apr_size_t)(lf - data) + 1;
    }
    /* In place, the bytes live as long as r->pool (memory, or the mapping
     * whose cleanup runs with it): no copy. */
    APR_BRIGADE_INSERT_TAIL(bb, heap ? apr_bucket_heap_create(heap, n, apr_bucket_free,
                                                              f->c->bucket_alloc)
                                     : apr_bucket_immortal_create(data, n, f->c->bucket_alloc));
    if (mode != AP_MODE_SPECULATIVE) sp->served += (apr_off_t)n;
    return APR_SUCCESS;
}

void sg_upload_register_filter(void)
{
    ap_register_input_filter(REPLAY_FILTER, replay_filter, NULL, AP_FTYPE_RESOURCE);
}

/* --------------------------------------------------------------- scanning */

typedef enum { V_CLEAN, V_INFECTED, V_NAME, V_BAD, V_ERROR } verdict_t;

typedef struct scan_t {
    request_rec *r;
    const sg_dir_conf_t *dc;      /* the directory's settings */
    int bodies;                   /* SpamGearUploadBodies bits */
    const char *view;             /* the whole body */
    apr_off_t data_len;           /* bytes of the current part's data */
    verdict_t verdict;            /* the first refusal found */
    const char *error;            /* the first scan failure (its problem), or NULL */
    const char *part;             /* form field of the refused part ("-": raw body) */
    const char *file;             /* its client file name (NULL: a form field) */
    const char *why;              /* signature, pattern or problem */
    const char *member;           /* the archive member it was found in, or NULL */
    const char *hit;              /* the refused bytes (part data, field value or body) */
    apr_size_t hit_len;           /* their length */
    apr_array_header_t *hit_findings; /* sg_qfinding_t: why, for the quarantine record */
    int files;                    /* files scanned */
    const char *scanned;          /* "field=name/..." of the files scanned, for the handler */
} scan_t;

/* Remembers the refused bytes and one finding for the quarantine. */
static void set_hit(scan_t *sc, const char *buf, apr_size_t len, const char *engine,
                    const char *signature, const char *member)
{
    sg_qfinding_t *f;

    sc->hit = buf;
    sc->hit_len = len;
    if (!sc->hit_findings) sc->hit_findings = apr_array_make(sc->r->pool, 2, sizeof(*f));
    f = apr_array_push(sc->hit_findings);
    f->engine = apr_pstrdup(sc->r->pool, engine);
    f->signature = apr_pstrdup(sc->r->pool, signature);
    f->severity = "malicious";
    f->member = member ? apr_pstrdup(sc->r->pool, member) : NULL;
}

/* Refuses file NAME of field PART, data BUF[0..LEN), when its name is denied. */
static int deny_name(scan_t *sc, const char *part, const char *name, const char *buf,
                     apr_size_t len)
{
    const sg_regex_list_t *list = sc->dc->upload_deny_names ? sc->dc->upload_deny_names
                                                            : g.deny_names;
    const char *hit = name && *name ? sg_regex_list_match(list, name, strlen(name)) : NULL;

    if (!hit && name && *name) {
        hit = sg_regex_list_match(sc->dc->deny_more, name, strlen(name));
    }

    if (hit) {
        sc->verdict = V_NAME;
        sc->part = apr_pstrdup(sc->r->pool, part);
        sc->file = apr_pstrdup(sc->r->pool, name);
        sc->why = hit;
        set_hit(sc, buf, len, "NAME", hit, NULL);
    }
    return hit != NULL;
}

/* SpamGearUploadMediaCode Refuse: an image, audio, video or document file
 * NAME with PHP code in it is refused, whatever the scan said (sg_media.h). */
static void media_code(scan_t *sc, const char *name, const char *buf, apr_size_t len)
{
    const char *how = NULL;
    apr_size_t at = 0;
    sg_media_kind_t kind;

    if (sc->dc->upload_media_code_scan == 1
        || (kind = sg_media_php_code(name, buf, len, &at, &how)) == SG_MEDIA_NONE) {
        return;
    }
    sc->verdict = V_INFECTED;
    sc->why = apr_psprintf(sc->r->pool, "SPAMGEAR " SG_MEDIA_CODE_SIGNATURE " (%s by %s, PHP at "
                           "byte %" APR_SIZE_T_FMT ")", sg_media_kind_name(kind), how, at);
    set_hit(sc, buf, len, "SPAMGEAR", SG_MEDIA_CODE_SIGNATURE, NULL);
}

/* Scans BUF[0..LEN), the file NAME (NULL: a form field or body) of field
 * PART; 0 when it passed, or when it could not be scanned and
 * SpamGearUploadOnError Allow has the other parts scanned still (so that a
 * part made to fail the scan, e.g. to spend its budget, cannot carry
 * another past the scan).  Only files are listed in sc->scanned. */
static int scan_buf(scan_t *sc, const char *part, const char *name, const char *buf,
                    apr_size_t len)
{
    apr_pool_t *p;
    apr_array_header_t *found = NULL;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_status_t rv;
    int i;

    apr_pool_create(&p, sc->r->pool);
    rv = sg_engine_scan_buffer(g.engine, name, buf, len, -1, p, &found, &res);
    if (name) {
        sc->files++;
        sc->scanned = apr_pstrcat(sc->r->pool, sc->scanned ? sc->scanned : "",
                                  sc->scanned ? "/" : "", part, "=", name, NULL);
    }
    for (i = 0; found && i < found->nelts; i++) {
        const sg_finding_t *fd = &APR_ARRAY_IDX(found, i, sg_finding_t);
        if (fd->severity != SG_SEV_MALICIOUS) continue;
        if (sc->verdict == V_CLEAN) {
            sc->verdict = V_INFECTED;
            sc->why = apr_psprintf(sc->r->pool, "%s %s", fd->engine, fd->signature);
            sc->member = fd->member ? apr_pstrdup(sc->r->pool, fd->member) : NULL;
        }
        set_hit(sc, buf, len, fd->engine, fd->signature, fd->member);
    }
    if (sc->verdict == V_CLEAN && name) {
        media_code(sc, name, buf, len);
    }
    if (sc->verdict == V_CLEAN && rv != APR_SUCCESS && !sc->error) {
        /* APR_TIMEUP (the budget spent) and ClamAV failures alike. */
        sc->error = apr_pstrdup(sc->r->pool, res.problem ? res.problem : "scan failed");
    }
    if (sc->verdict != V_CLEAN) {
        sc->part = apr_pstrdup(sc->r->pool, part);
        sc->file = name ? apr_pstrdup(sc->r->pool, name) : NULL;
    }
    apr_pool_destroy(p);
    return sc->verdict != V_CLEAN || (sc->error && sc->dc->upload_onerror_allow != 1);
}

static apr_status_t part_begin(void *baton, const sg_mp_part_t *part)
{
    ((scan_t *)baton)->data_len = 0;
    return APR_SUCCESS;
}

static apr_status_t part_data(void *baton, const sg_mp_part_t *part, const char *buf,
                              apr_size_t len)
{
    ((scan_t *)baton)->data_len += (apr_off_t)len;
    return APR_SUCCESS;
}

static apr_status_t part_end(void *baton, const sg_mp_part_t *part)
{
    scan_t *sc = baton;
    const char *data = sc->view + part->offset;
    apr_size_t len = (apr_size_t)sc->data_len;

    /* File parts always; fields (they go to $_POST, not to disk) when asked. */
    if (part->filename) {
        if (deny_name(sc, part->name, part->php_filename, data, len)
            || scan_buf(sc, part->name, part->php_filename, data, len)) {
            return APR_EGENERAL;
        }
    }
    else if ((sc->bodies & SG_BODY_FIELDS) && len && scan_buf(sc, part->name, NULL, data, len)) {
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

static void scan_multipart(scan_t *sc, const char *ctype, apr_off_t len)
{
    static const sg_mp_callbacks_t cb = { part_begin, part_data, part_end };
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *boundary;
    sg_mp_t *mp;
    apr_status_t rv;

    if ((rv = sg_mp_boundary(ctype, sc->r->pool, &boundary, &res)) == APR_SUCCESS) {
        mp = sg_mp_create(sc->r->pool, boundary, NULL, &cb, sc);
        rv = sg_mp_feed(mp, sc->view, (apr_size_t)len, &res);
        if (rv == APR_SUCCESS) rv = sg_mp_finish(mp, &res);
    }
    if (rv == SG_MP_EREFUSED) {
        sc->verdict = V_BAD;
        sc->part = sc->file = "-";
        sc->why = res.problem;
    }
}

/* One decoded urlencoded field: its value scanned (the copy outlives the
 * call when it is kept for the quarantine). */
static apr_status_t form_field(void *baton, const char *name, const char *value, apr_size_t len)
{
    scan_t *sc = baton;

    if (len && scan_buf(sc, name, NULL, value, len)) {
        if (sc->hit == value) sc->hit = apr_pstrmemdup(sc->r->pool, value, len);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

/* SpamGearUploadBodies form: every decoded value, then the raw body (a
 * payload split over fields, or PHP-decoded differently, is still seen). */
static void scan_form(scan_t *sc, apr_off_t len)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_pool_t *p;

    apr_pool_create(&p, sc->r->pool);
    if (sg_form_parse(sc->view, (apr_size_t)len, 0, form_field, sc, p, &res) == SG_MP_EREFUSED) {
        sc->verdict = V_BAD;
        sc->part = sc->file = "-";
        sc->why = apr_pstrdup(sc->r->pool, res.problem);
    }
    apr_pool_destroy(p);
    if (sc->verdict == V_CLEAN) scan_buf(sc, "-", NULL, sc->view, (apr_size_t)len);
}

/* The name a raw body is stored under: X-File-Name, else (for a PUT that
 * creates a file, as WebDAV does) the last URI segment; NULL when unknown. */
static const char *raw_name(request_rec *r)
{
    const char *name = apr_table_get(r->headers_in, "X-File-Name"), *slash;

    if (!name && r->method_number == M_PUT && r->finfo.filetype != APR_REG) {
        name = r->uri;
    }
    if (name && ((slash = strrchr(name, '/')) || (slash = strrchr(name, '\\')))) {
        name = slash + 1;
    }
    return name;
}

/* --------------------------------------------------------------- the fixup */

typedef enum { K_NONE, K_MULTIPART, K_RAW_FILE, K_FORM, K_OTHER } body_kind_t;

/* Which body this is, and whether BODIES (SpamGearUploadBodies) has it
 * scanned: K_NONE when not. */
static body_kind_t body_kind(request_rec *r, const char *ctype, int bodies)
{
    if (r->method_number != M_POST && r->method_number != M_PUT
        && r->method_number != M_PATCH) {
        return 0;
    }
    if (!apr_table_get(r->headers_in, "Transfer-Encoding")) {
        const char *cl = apr_table_get(r->headers_in, "Content-Length");
        if (!cl || !strcmp(cl, "0")) return 0;
    }
    if (sg_mp_is_form_data(ctype)) return K_MULTIPART;
    if (r->method_number == M_PUT || apr_table_get(r->headers_in, "X-File-Name")
        || (ctype && !strncasecmp(ctype, "application/octet-stream", 24))) {
        return K_RAW_FILE;
    }
    if (sg_form_is_urlencoded(ctype)) return (bodies & SG_BODY_FORM) ? K_FORM : K_NONE;
    return (bodies & SG_BODY_OTHER) ? K_OTHER : K_NONE;
}

/* SpamGearUploadKeep On: the refused bytes into the quarantine; the entry's
 * id, or NULL (and an AH53048 line) when it could not be written. */
static const char *keep(request_rec *r, const scan_t *sc)
{
    sg_qrecord_t from;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *id = NULL;
    apr_status_t rv;

    memset(&from, 0, sizeof(from));
    from.vhost = apr_psprintf(r->pool, "%s:%u", r->server->server_hostname,
                              ap_get_server_port(r));
    from.client = r->useragent_ip;
    from.uri = r->uri;
    from.part = sc->part;
    from.filename = sc->file;
    rv = sg_quarantine_buffer(g.quarantine_dir, sc->hit ? sc->hit : "", sc->hit_len, &from,
                              sc->hit_findings, &id, r->pool, &res);
    if (rv != APR_SUCCESS) {
        ap_log_rerror(APLOG_MARK, APLOG_ERR, rv, r, APLOGNO(53048)
                      "spamgear: upload: refused, but not kept in the quarantine (%s must be "
                      "writable by the server's user): %s: URI %s", g.quarantine_dir,
                      res.problem, r->uri);
        return NULL;
    }
    return id;
}

static int refuse(request_rec *r, const scan_t *sc)
{
    int status = sc->dc->upload_status != SG_UNSET ? sc->dc->upload_status : HTTP_FORBIDDEN;
    const char *kept = sc->dc->upload_keep == 1 ? keep(r, sc) : NULL;
    const char *what = sc->verdict == V_INFECTED ? "infected" : "file name denied";

    sg_stats_upload(1);
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(53042)
                  "spamgear: upload: %s: vhost %s:%u, client %s, URI %s, part %s, file %s, "
                  "%s %s%s%s%s%s", what, r->server->server_hostname, ap_get_server_port(r),
                  r->useragent_ip, r->uri, sc->part ? sc->part : "-",
                  sc->file && *sc->file ? sc->file : "-",
                  sc->verdict == V_INFECTED ? "signature" : "pattern", sc->why,
                  sc->member ? ", member " : "",
                  sc->member ? ap_escape_logitem(r->pool, sc->member) : "",
                  kept ? ", quarantined as " : "", kept ? kept : "");
    return status;
}

/* A scan that could not be done: SpamGearUploadOnError decides. */
static int on_error(request_rec *r, const sg_dir_conf_t *dc, const char *why)
{
    int allow = dc->upload_onerror_allow == 1;

    ap_log_rerror(APLOG_MARK, allow ? APLOG_WARNING : APLOG_ERR, 0, r, APLOGNO(53043)
                  "spamgear: upload: not scanned (%s), %s: vhost %s:%u, client %s, URI %s",
                  why, allow ? "allowed" : "refused", r->server->server_hostname,
                  ap_get_server_port(r), r->useragent_ip, r->uri);
    if (!allow) sg_stats_upload(1);
    return allow ? DECLINED : HTTP_SERVICE_UNAVAILABLE;
}

static int oversize(request_rec *r, const sg_dir_conf_t *dc, apr_off_t max)
{
    if (dc->upload_oversize_allow == 1) return DECLINED;
    ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(53044)
                  "spamgear: upload: body over SpamGearUploadMaxSize %" APR_OFF_T_FMT
                  "%s refused: URI %s", max, dc->upload_max > 0 ? "" : " (LimitRequestBody)",
                  r->uri);
    sg_stats_upload(1);
    return HTTP_REQUEST_ENTITY_TOO_LARGE;
}

/* The spool quota is full: 503 (try again later) for a body of at least
 * BODY bytes, said once per request. */
static int spool_full(request_rec *r, apr_off_t body)
{
    apr_off_t used, quota;

    sg_upload_spool_info(&used, &quota);
    ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(53049)
                  "spamgear: upload: spool quota full (%" APR_OFF_T_FMT " of SpamGearSpoolQuota %"
                  APR_OFF_T_FMT " bytes in use), a body of %" APR_OFF_T_FMT " bytes or more "
                  "refused (503): client %s, URI %s", used, quota, body, r->useragent_ip, r->uri);
    sg_stats_upload(1);
    apr_table_setn(r->err_headers_out, "Retry-After", "60");
    return HTTP_SERVICE_UNAVAILABLE;
}

/* SpamGearUploadMaxSize, else the LimitRequestBody that applies here (httpd
 * refuses a larger body anyway), else 64M.  An unset LimitRequestBody reads
 * as -1 in the core's config (ap_get_limit_req_body() would say 1G). */
static apr_off_t upload_max(request_rec *r, const sg_dir_conf_t *dc)
{
    const core_dir_config *core = ap_get_core_module_config(r->per_dir_config);

    if (dc->upload_max > 0) return dc->upload_max;
    if (core && core->limit_req_body > 0) return core->limit_req_body;
    return SG_UPLOAD_DEFAULT_MAX;
}

/* An internal redirect (mod_rewrite, ErrorDocument) gets a new filter chain:
 * the body its first request spooled is served to it too (1).  A first
 * request that spooled nothing left the body unread: scan it here (0). */
static int follow_redirect(request_rec *r)
{
    request_rec *first = r;
    spool_t *sp;

    while (first->prev) first = first->prev;
    if (first == r || !(sp = ap_get_module_config(first->request_config, &spamgear_module))) {
        return 0;
    }
    if (!sp->eos_sent) {
        ap_add_input_filter(REPLAY_FILTER, sp, r, r->connection);
    }
    return 1;
}

int sg_upload_fixups(request_rec *r)
{
    const sg_dir_conf_t *dc = ap_get_module_config(r->per_dir_config, &spamgear_module);
    const char *ctype = apr_table_get(r->headers_in, "Content-Type"), *cl;
    apr_off_t max = upload_max(r, dc), clen = 0;
    int bodies = dc->upload_bodies != SG_UNSET ? dc->upload_bodies : 0;
    scan_t sc;
    spool_t *sp;
    body_kind_t kind;
    int over, read_err;
    apr_status_t rv;

    if (r->main || follow_redirect(r) || dc->upload_scan == 0 || !g.engine
        || (kind = body_kind(r, ctype, bodies)) == K_NONE) {
        return DECLINED;
    }
    if ((cl = apr_table_get(r->headers_in, "Content-Length"))
        && !apr_table_get(r->headers_in, "Transfer-Encoding")) {
        clen = apr_atoi64(cl);
    }
    if (clen > max) {
        return oversize(r, dc, max);
    }
    sp = apr_pcalloc(r->pool, sizeof(*sp));
    sp->r = r;
    if (clen > 0 && clen <= SPOOL_MEM) {
        sp->mem_cap = (apr_size_t)clen;
        sp->mem = apr_palloc(r->pool, sp->mem_cap);
    }
    else if (clen > SPOOL_MEM && spool_reserve(sp, clen) != APR_SUCCESS) {
        /* refused before a byte is read: the quota is for what will be kept */
        return spool_full(r, clen);
    }
    rv = spool_body(sp, max, &over, &read_err);
    if (read_err) {
        return ap_map_http_request_error(rv, HTTP_BAD_REQUEST);
    }
    if (rv == SPOOL_QUOTA_FULL) {
        return spool_full(r, sp->len);
    }
    if (rv != APR_SUCCESS) {
        return on_error(r, dc, apr_psprintf(r->pool, "spool: %pm", &rv));
    }
    ap_set_module_config(r->request_config, &spamgear_module, sp);
    if (over) {
        int st = oversize(r, dc, max);
        if (st == DECLINED) ap_add_input_filter(REPLAY_FILTER, sp, r, r->connection);
        return st;
    }
    memset(&sc, 0, sizeof(sc));
    sc.r = r;
    sc.dc = dc;
    sc.bodies = bodies;
    if ((rv = spool_view(sp, &sc.view)) != APR_SUCCESS) {
        return on_error(r, dc, apr_psprintf(r->pool, "mmap: %pm", &rv));
    }
    if (kind == K_MULTIPART) {
        scan_multipart(&sc, ctype, sp->len);
    }
    else if (kind == K_FORM) {
        scan_form(&sc, sp->len);
    }
    else if (kind == K_OTHER) {
        scan_buf(&sc, "-", NULL, sc.view, (apr_size_t)sp->len);
    }
    else if (!deny_name(&sc, "-", raw_name(r), sc.view, (apr_size_t)sp->len)) {
        scan_buf(&sc, "-", raw_name(r) ? raw_name(r) : "", sc.view, (apr_size_t)sp->len);
    }
    if (sc.verdict == V_CLEAN && sc.error) {
        sc.verdict = V_ERROR;
        sc.why = sc.error;
    }
    sg_stats_upload(0);
    switch (sc.verdict) {
    case V_CLEAN:
        /* What was scanned, for the handler (SPAMGEAR_UPLOAD_SCANNED). */
        apr_table_setn(r->subprocess_env, "SPAMGEAR_UPLOAD_SCANNED",
                       sc.scanned ? sc.scanned : "");
        ap_add_input_filter(REPLAY_FILTER, sp, r, r->connection);
        return DECLINED;
    case V_BAD:
        sg_stats_upload(1);
        ap_log_rerror(APLOG_MARK, APLOG_INFO, 0, r, APLOGNO(53045)
                      "spamgear: upload: refused (400): %s: URI %s", sc.why, r->uri);
        return HTTP_BAD_REQUEST;
    case V_ERROR:
        if (on_error(r, dc, sc.why) == DECLINED) {
            ap_add_input_filter(REPLAY_FILTER, sp, r, r->connection);
            return DECLINED;
        }
        return HTTP_SERVICE_UNAVAILABLE;
    default:
        return refuse(r, &sc);
    }
}
