/* cmd_scan.c: spamgear scan and inspect: files in, findings out. */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include <apr_thread_mutex.h>
#include <apr_thread_cond.h>
#include "sg_archive.h"
#include <clamav.h>
#include "sg_clamav.h"
#include "sg_codec.h"
#include "sg_cli.h"
#include "sg_deobf.h"
#include "sg_engine.h"
#include "sg_inflate.h"
#include "sg_libarchive.h"
#include "sg_yara.h"
#include "sg_log.h"
#include "sg_quarantine.h"
#include "scan_cache.h"
#include "scan_fleet.h"
#include "scan_notify.h"
#include "scan_run.h"
#include "scan_stats.h"
#include "sg_units.h"
#include "sg_version.h"

#define SCAN_MAX_PATH 4096        /* bytes of one path (stdin lists) */
#define SCAN_QUEUE 256            /* paths waiting for a worker */
#define SCAN_MAX_JOBS 64          /* worker threads */
#define SCAN_MAX_DEPTH 256        /* directory nesting followed */
#define SCAN_DIR_LEVELS 32        /* directory fds a worker holds, one per path component */
#define SCAN_HUGE_BUF (2 << 20)   /* read buffers this big are mapped for huge pages */
#define SCAN_FLEET_MIN (16 << 10) /* bytes below which the fleet store is not asked (ClamAV off) */
#define SCAN_DIR_QUEUE 64         /* opened directories waiting for a walker (par_walk) */

/* A directory one walker opened (openat, O_NOFOLLOW, from its parent's fd)
 * and left for another: the parallel walk of scan -j N with a verdict
 * cache (see walk_dir). */
typedef struct dir_item_t {
    struct dir_item_t *next;
    int fd;
    dev_t dev;
    int depth;
    char path[];
} dir_item_t;

struct scan_run_t {
    sg_cli_t *cli;
    sg_engine_t *engine;
    int json, null_sep, one_fs, jobs;
    int timing;                      /* --timing: cpu_us in every record, clean files too */
    apr_int64_t max_size;            /* bytes; larger files are skipped */
    apr_time_t since;                /* 0, or only files changed after this */
    apr_array_header_t *excludes;    /* const char * globs */
    const char *qdir;                /* --quarantine: move infected files here, else NULL */
    int clean;                       /* --clean: cut cleanable injections out */
    const char *keepdir;             /* --clean: originals kept here (qdir or the key) */
    scan_notify_t *notify;           /* --notify-user, or NULL */
    scan_cache_t *cache;             /* the scan-cache key's verdict cache, or NULL */
    int cache_writes;                /* 0: ClamAV was down, verdicts are not kept */
    const char *fleet_spec;          /* the cache-store key, or NULL */
    apr_size_t fleet_min;            /* smaller contents: analysed, the store not asked */
    const char *set_version;         /* the signature set's, for both caches */
    scan_fleet_stats_t fleet_stats;  /* added up by workers under out_lock */
    scan_cache_reader_t *walk_cache; /* the walking thread's lookups, or NULL */
    apr_thread_mutex_t *out_lock;    /* one finding line at a time */
    /* the work queue (jobs > 1) */
    apr_thread_mutex_t *lock;
    apr_thread_cond_t *more, *room;
    char *queue[SCAN_QUEUE];         /* malloc'ed paths */
    unsigned char follow[SCAN_QUEUE];/* SCAN_FOLLOW, SCAN_LOOKED_UP bits */
    int head, count, done;
    /* the parallel walk (scan -j N with a verdict cache): directories the
     * workers walk too, under LOCK */
    int par_walk;
    dir_item_t *dirs;                /* waiting, newest first (depth first) */
    int dirs_queued;                 /* on DIRS (each holds an fd) */
    int dirs_pending;                /* queued or being walked */
    apr_thread_cond_t *idle;         /* dirs_pending dropped to 0 */
    /* results */
    volatile int found, errors;
    int summary;                     /* print the summary at the end (no --quiet) */
    const char *cmd;                 /* "scan" or "watch", for messages */
    int syslog_findings;             /* watch: one syslog line per finding too */
    apr_thread_t *threads[SCAN_MAX_JOBS];
    scan_stats_t stats;              /* figures: workers' under out_lock, see scan_stats.h */
};

/* ---------------------------------------------------------------- output */

/* Human output: control bytes as \xNN so a name cannot forge lines. */
void sg_cli_put_path(FILE *fp, const char *path)
{
    const unsigned char *c;

    for (c = (const unsigned char *)path; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) fprintf(fp, "\\x%02x", *c);
        else fputc(*c, fp);
    }
}

/* Writes S as a JSON string.  Bytes that need no escape go out in runs,
 * one fwrite each: fputc per byte took the stream's lock per byte, 1.5 %
 * of a --json --timing scan's CPU. */
static void put_json_string(FILE *fp, const char *s)
{
    const unsigned char *c = (const unsigned char *)s, *run = c;

    fputc('"', fp);
    while (*c) {
        int n = 0, i;
        if (*c >= 0x20 && *c < 0x7f && *c != '"' && *c != '\\') { c++; continue; }
        if (*c >= 0xc2 && *c <= 0xdf) n = 1;
        else if (*c >= 0xe0 && *c <= 0xef) n = 2;
        else if (*c >= 0xf0 && *c <= 0xf4) n = 3;
        for (i = 1; i <= n; i++) {
            if ((c[i] & 0xc0) != 0x80) { n = -1; break; }
        }
        if (n > 0) { c += n + 1; continue; }   /* valid UTF-8: part of the run */
        if (c > run) fwrite(run, 1, (size_t)(c - run), fp);
        if (*c >= 0x80) fprintf(fp, "\\u%04x", *c);   /* not UTF-8: its Latin-1 reading */
        else if (*c == '"' || *c == '\\') fprintf(fp, "\\%c", *c);
        else fprintf(fp, "\\u%04x", *c);
        run = ++c;
    }
    if (c > run) fwrite(run, 1, (size_t)(c - run), fp);
    fputc('"', fp);
}

/* One --json record: F NULL is a clean file (--timing), whose finding keys
 * are null; CPU_US < 0 leaves cpu_us out. */
static void put_json_record(FILE *fp, const char *path, const sg_finding_t *f,
                            const char *sha256, const char *action, const char *qid,
                            apr_int64_t cpu_us)
{
    fputs("{\"path\":", fp); put_json_string(fp, path);
    if (f && f->member) { fputs(",\"member\":", fp); put_json_string(fp, f->member); }
    if (f) {
        fputs(",\"engine\":", fp); put_json_string(fp, f->engine);
        fputs(",\"signature\":", fp); put_json_string(fp, f->signature);
        fprintf(fp, ",\"severity\":\"%s\",\"layer\":%d,", sg_severity_name(f->severity),
                f->layer);
        if (f->detail) {
            if (f->line > 0) fprintf(fp, "\"line\":%d,", f->line);
            fputs("\"detail\":", fp);
            put_json_string(fp, f->detail);
            fputc(',', fp);
        }
        fprintf(fp, "\"sha256\":\"%s\",\"action\":", sha256);
    }
    else {
        fputs(",\"engine\":null,\"signature\":null,\"severity\":null,\"layer\":null"
              ",\"sha256\":null,\"action\":", fp);
    }
    if (action) {
        char low[32];
        apr_size_t k;
        for (k = 0; action[k] && k < sizeof(low) - 1; k++) {
            low[k] = (char)apr_tolower(action[k]);
        }
        low[k] = '\0';
        put_json_string(fp, low);
    }
    else fputs("null", fp);
    if (qid) { fputs(",\"quarantine_id\":", fp); put_json_string(fp, qid); }
    if (cpu_us >= 0) fprintf(fp, ",\"cpu_us\":%" APR_INT64_T_FMT, cpu_us);
    fputs("}\n", fp);
}

/* The analyser's account of a finding, for people: " [line N: $_POST['x']
 * (line 3) -> system() (line 5)]" (the chain, else the whole fact). */
static void put_detail(FILE *fp, const sg_finding_t *f)
{
    const char *via;

    if (!f->detail) return;
    via = strstr(f->detail, " via=");
    fputs(" [", fp);
    if (f->line > 0) fprintf(fp, "line %d: ", f->line);
    sg_cli_put_path(fp, via ? via + 5 : f->detail);
    fputc(']', fp);
}

/* One syslog line (through sg_log: the tool's log target) per finding. */
static void log_finding(const char *path, const sg_finding_t *f, const char *action)
{
    apr_pool_t *p;

    apr_pool_create_unmanaged_ex(&p, NULL, NULL);
    sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, p, "found in %s%s%s [%s] [%s]%s%s%s",
                  path, f->member ? "!" : "", f->member ? f->member : "", f->engine,
                  f->signature, f->severity == SG_SEV_SUSPICIOUS ? " [SUSPICIOUS]" : "",
                  action ? " " : "", action ? action : "");
    apr_pool_destroy(p);
}

/* ACTION: NULL, or the tag (QUARANTINED...) printed as is, lower-cased in
 * JSON; QID: the quarantine id, or NULL; CPU_US: the file's scan time
 * (--timing), else -1.  With --timing a file without findings gets one
 * record too. */
static void report(scan_run_t *run, const char *path, apr_array_header_t *findings,
                   const char *sha256, const char *action, const char *qid, apr_int64_t cpu_us)
{
    FILE *fp = run->cli->out;
    int i;

    apr_thread_mutex_lock(run->out_lock);
    scan_stats_clear(&run->stats);
    if (findings->nelts == 0 && run->json) {
        put_json_record(fp, path, NULL, NULL, NULL, NULL, cpu_us);
    }
    for (i = 0; i < findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(findings, i, sg_finding_t);
        if (run->json) {
            put_json_record(fp, path, f, sha256, action, qid, cpu_us);
        }
        else {
            sg_cli_put_path(fp, path);
            if (f->member) {
                fputc('!', fp);
                sg_cli_put_path(fp, f->member);
            }
            fprintf(fp, " [%s] [%s]", f->engine, f->signature);
            if (f->severity == SG_SEV_SUSPICIOUS) fputs(" [SUSPICIOUS]", fp);
            if (action) fprintf(fp, " [%s]", action);
            put_detail(fp, f);
            fputc('\n', fp);
        }
        if (run->syslog_findings) log_finding(path, f, action);
    }
    /* A finding is out at once (a reader may act on it); a clean file's
     * --timing record waits in the buffer: one write per record was a
     * system call per file, made holding the lock the other workers wait on. */
    if (findings->nelts) fflush(fp);
    apr_thread_mutex_unlock(run->out_lock);
}

static void file_error(scan_run_t *run, const char *path, const char *what, int err)
{
    apr_thread_mutex_lock(run->out_lock);
    scan_stats_clear(&run->stats);
    fputs("spamgear: ", stderr);
    sg_cli_put_path(stderr, path);
    if (err) fprintf(stderr, ": %s: %s\n", what, strerror(err));
    else fprintf(stderr, ": %s\n", what);
    run->errors++;
    apr_thread_mutex_unlock(run->out_lock);
}

/* A core problem line (which names the path itself), control bytes escaped. */
static void problem_error(scan_run_t *run, const char *problem)
{
    apr_thread_mutex_lock(run->out_lock);
    scan_stats_clear(&run->stats);
    fputs("spamgear: ", stderr);
    sg_cli_put_path(stderr, problem);
    fputc('\n', stderr);
    run->errors++;
    apr_thread_mutex_unlock(run->out_lock);
}

/* ---------------------------------------------------------------- one file */

typedef struct worker_t {
    scan_run_t *run;
    char *buf;           /* reused read buffer */
    apr_size_t cap;      /* its size */
    apr_pool_t *pool;    /* cleared after every file */
    char dir[PATH_MAX];  /* the directory dir_fd was opened safely for... */
    int dir_known;       /* ...when 1 */
    int dir_fd;          /* kept: the files of one directory come one after another */
    char lvl_dir[PATH_MAX];            /* the directory the levels lead to */
    int levels;                        /* lvl_fd entries this worker may hold */
    int nlvl;                          /* held: lvl_fd[i] is lvl_dir[0..lvl_end[i]) */
    int lvl_fd[SCAN_DIR_LEVELS];       /* [0]: "/" or "."; [i]: its i-th component */
    apr_size_t lvl_end[SCAN_DIR_LEVELS];
    scan_cache_reader_t *cache;        /* this worker's lookups, or NULL */
    scan_fleet_t *fleet;               /* this worker's store connection, or NULL */
    apr_pool_t *walk_pool;             /* directories it walks (par_walk), cleared after each */
} worker_t;

/* submit()'s FOLLOW bits. */
#define SCAN_FOLLOW 1       /* named by the user: opened as given, symlinks followed */
#define SCAN_LOOKED_UP 2    /* the walker asked the verdict cache already (a miss) */

/* CAP zeroed bytes for a read buffer, NULL when out of memory.  One of
 * SCAN_HUGE_BUF or more is a mapping of its own marked for transparent
 * huge pages: its first fill then faults in 2 MB pages, not 4 KB ones (a
 * fault costs 10-15 us on a paravirtualised VM: 3,000 of them were 44 ms
 * of the 46 ms zabbix's 12 MB top_passwords.txt took). */
static char *buf_alloc(apr_size_t cap)
{
    void *m;

    if (cap < SCAN_HUGE_BUF) return calloc(1, cap);
    m = mmap(NULL, cap, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return NULL;
#ifdef MADV_HUGEPAGE
    madvise(m, cap, MADV_HUGEPAGE);   /* a hint: no huge pages is no error */
#endif
    return m;
}

static void buf_free(worker_t *w)
{
    if (w->buf && w->cap >= SCAN_HUGE_BUF) munmap(w->buf, w->cap);
    else free(w->buf);
    w->buf = NULL;
}

#define READ_PAD 65                   /* the NUL and 64 zero bytes after a file */

static int read_fd(worker_t *w, int fd, apr_size_t size, apr_size_t *len)
{
    apr_size_t have = 0;

    if (size + READ_PAD > w->cap) {
        /* Doubled at least: a tree's files come in every size, and growing
         * to each larger one in turn cost an munmap (a TLB shootdown on
         * every CPU) and fresh page faults per step. */
        apr_size_t cap = w->cap * 2 > 65536 ? w->cap * 2 : 65536;
        buf_free(w);
        w->cap = size + READ_PAD > cap ? size + READ_PAD : cap;
        /* calloc: PCRE2's JIT reads whole vectors past the subject's end,
         * inside this buffer; zeroed, those bytes are never uninitialised
         * (valgrind's memcheck reported them under VALGRIND=1 run-cases),
         * and READ_PAD keeps them inside it for a file of any size. */
        if (!(w->buf = buf_alloc(w->cap))) { w->cap = 0; return ENOMEM; }
    }
    while (have < size) {
        ssize_t n = read(fd, w->buf + have, size - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) break;   /* shrank while we read: scan what is there */
        have += (apr_size_t)n;
    }
    w->buf[have] = '\0';
    *len = have;
    return 0;
}

/* The findings as the quarantine records them. */
static apr_array_header_t *qfindings(const apr_array_header_t *findings, apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, findings->nelts, sizeof(sg_qfinding_t));
    int i;

    for (i = 0; i < findings->nelts && i < SG_QREC_MAX_FINDINGS; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(findings, i, sg_finding_t);
        sg_qfinding_t *q = apr_array_push(out);
        q->engine = f->engine;
        q->signature = f->signature;
        q->severity = sg_severity_name(f->severity);
        q->member = f->member;
    }
    return out;
}

/* The highest severity among FINDINGS, -1 when there is none. */
static int worst_severity(const apr_array_header_t *findings)
{
    int i, worst = -1;

    for (i = 0; i < findings->nelts; i++) {
        int sev = (int)APR_ARRAY_IDX(findings, i, sg_finding_t).severity;
        if (sev > worst) worst = sev;
    }
    return worst;
}

/* ---------------------------------------------------------------- kept findings */

/* A suspicious file's findings as the verdict cache keeps them, so that an
 * unchanged file is reported again without being read: per finding, its
 * severity, a flags byte (1: a detail, 2: a member), layer and line (4
 * bytes each), then engine, signature, [detail], [member], NUL-ended.
 * (The cleaning hit is not kept: suspicious files are never cleaned.)
 * NULL when they do not fit in SCAN_CACHE_MAX_FINDINGS. */
static const char *findings_blob(const apr_array_header_t *findings, apr_size_t *len,
                                 apr_pool_t *p)
{
    apr_size_t n = 0, cap = 0;
    char *b;
    int i;

    for (i = 0; i < findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(findings, i, sg_finding_t);
        cap += 10 + strlen(f->engine) + strlen(f->signature) + 4
               + (f->detail ? strlen(f->detail) : 0) + (f->member ? strlen(f->member) : 0);
    }
    if (cap == 0 || cap > SCAN_CACHE_MAX_FINDINGS) return NULL;
    b = apr_palloc(p, cap);
    for (i = 0; i < findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(findings, i, sg_finding_t);
        apr_int32_t layer = f->layer, line = f->line;
        const char *strs[4] = { f->engine, f->signature, f->detail, f->member };
        int k;
        b[n++] = (char)f->severity;
        b[n++] = (char)((f->detail ? 1 : 0) | (f->member ? 2 : 0));
        memcpy(b + n, &layer, 4);
        memcpy(b + n + 4, &line, 4);
        n += 8;
        for (k = 0; k < 4; k++) {
            apr_size_t sl;
            if (!strs[k]) continue;
            sl = strlen(strs[k]) + 1;
            memcpy(b + n, strs[k], sl);
            n += sl;
        }
    }
    *len = n;
    return b;
}

/* The NUL-ended string at B[*AT] (within LEN): it, else NULL. */
static const char *blob_string(const char *b, apr_size_t len, apr_size_t *at)
{
    const char *s = b + *at, *nul;

    if (*at >= len || !(nul = memchr(s, '\0', len - *at))) return NULL;
    *at += (apr_size_t)(nul - s) + 1;
    return s;
}

/* findings_blob() read back into FINDINGS (from P); 0 when the blob is
 * damaged (the file is scanned instead). */
static int blob_findings(const char *b, apr_size_t len, apr_array_header_t *findings,
                         apr_pool_t *p)
{
    apr_size_t at = 0;

    while (at < len) {
        sg_finding_t *f = apr_array_push(findings);
        int flags;
        apr_int32_t v;
        memset(f, 0, sizeof(*f));
        if (len - at < 10) return 0;
        f->severity = (sg_severity_t)(unsigned char)b[at];
        flags = (unsigned char)b[at + 1];
        memcpy(&v, b + at + 2, 4);
        f->layer = v;
        memcpy(&v, b + at + 6, 4);
        f->line = v;
        at += 10;
        if (f->severity != SG_SEV_SUSPICIOUS
            || !(f->engine = blob_string(b, len, &at))
            || !(f->signature = blob_string(b, len, &at))
            || ((flags & 1) && !(f->detail = blob_string(b, len, &at)))
            || ((flags & 2) && !(f->member = blob_string(b, len, &at)))) {
            return 0;
        }
        f->engine = apr_pstrdup(p, f->engine);
        f->signature = apr_pstrdup(p, f->signature);
        if (f->detail) f->detail = apr_pstrdup(p, f->detail);
        if (f->member) f->member = apr_pstrdup(p, f->member);
    }
    return findings->nelts > 0;
}

static int malicious(const apr_array_header_t *findings)
{
    return worst_severity(findings) == SG_SEV_MALICIOUS;
}

/* Applies every cleaning rule of FINDINGS' file-level hits to BUF, rescanning
 * after each round (at most 8: a rule may uncover another injection); sets
 * *OUT, *OUTLEN and *AFTER (the last scan).  0 when no rule applied. */
static int clean_buffer(scan_run_t *run, const char *path, const char *buf, apr_size_t len,
                        const apr_array_header_t *findings, char **out, apr_size_t *outlen,
                        apr_array_header_t **after, apr_pool_t *p)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    int round, i, applied = 0;

    *after = (apr_array_header_t *)findings;
    for (round = 0; round < 8; round++) {
        int changed = 0;
        for (i = 0; i < (*after)->nelts; i++) {
            const sg_finding_t *f = &APR_ARRAY_IDX(*after, i, sg_finding_t);
            char *o;
            apr_size_t n;
            if (f->layer != 0 || !f->hit.sig || !sg_sig_cleanable(f->hit.sig)
                || sg_sig_clean(&f->hit, buf, len, &o, &n, p) != APR_SUCCESS || n == len) {
                continue;
            }
            buf = o;
            len = n;
            changed = applied = 1;
        }
        if (!changed) break;
        /* A failing ClamAV leaves *AFTER with the signatures' findings: if it
         * shows nothing malicious the file still is not called clean. */
        if (sg_engine_scan_buffer(run->engine, path, buf, len, -1, p, after, &res)
            != APR_SUCCESS) {
            return 0;
        }
    }
    *out = (char *)buf;
    *outlen = len;
    return applied;
}

/* --clean: keeps the original in the quarantine, then writes the cleaned
 * file in place; returns 1 when it did, 0 (after saying why, if it tried)
 * when the file is still infected or a step failed. */
static int clean_file(scan_run_t *run, const char *path, const struct stat *st, const char *buf,
                      apr_size_t len, const apr_array_header_t *findings, const char **qid,
                      apr_pool_t *p)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *after;
    char *out;
    apr_size_t outlen;

    if (!clean_buffer(run, path, buf, len, findings, &out, &outlen, &after, p)
        || malicious(after)) {
        return 0;
    }
    if (sg_quarantine_file(run->keepdir, path, st, qfindings(findings, p), "cleaned", 0, qid, p,
                           &res) != APR_SUCCESS
        || sg_quarantine_replace(path, st, out, outlen, p, &res) != APR_SUCCESS) {
        problem_error(run, res.problem);
        if (*qid) sg_quarantine_drop(run->keepdir, *qid, p, NULL);
        *qid = NULL;
        return -1;
    }
    return 1;
}

/* Applies --clean and --quarantine to a file with FINDINGS (ST: the stat of
 * what was scanned, BUF its content); returns the action tag, or NULL when
 * nothing was done.  Only malicious findings act: a suspicious one alone is
 * for a human.  A file --clean cannot make clean is quarantined instead. */
static const char *act_on(scan_run_t *run, const char *path, const struct stat *st,
                          const char *buf, apr_size_t len, const apr_array_header_t *findings,
                          const char **qid, apr_pool_t *p)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *qdir = run->qdir;
    int rc;

    *qid = NULL;
    if (!malicious(findings)) return NULL;
    if (run->clean) {
        if ((rc = clean_file(run, path, st, buf, len, findings, qid, p)) != 0) {
            return rc > 0 ? "CLEANED" : NULL;
        }
        qdir = run->keepdir;
    }
    if (!qdir) return NULL;
    if (sg_quarantine_file(qdir, path, st, qfindings(findings, p), "quarantined", 1, qid,
                           p, &res) != APR_SUCCESS) {
        problem_error(run, res.problem);
        *qid = NULL;
        return NULL;
    }
    return "QUARANTINED";
}

/* Closes the level fds from level FROM on. */
static void levels_drop(worker_t *w, int from)
{
    while (w->nlvl > from) close(w->lvl_fd[--w->nlvl]);
}

/* An fd of the directory PATH[0..DLEN), reached as open_dir_safe (in
 * sg_quarantine.c) reaches it: from "/" or ".", one openat per component,
 * O_NOFOLLOW.  The fds of the components it shares with the last directory
 * are kept and reused, so a walk that moves from one directory to the next
 * opens the components that differ, not the whole path again (the benign
 * tree's 25,000 directories took 250,000 openat and close).  -1 when a
 * component is not a directory one can open without following a link, or
 * there are more than W->levels: the caller then goes the long way, which
 * follows a trusted symlink or says what is wrong. */
static int open_levels(worker_t *w, const char *path, apr_size_t dlen)
{
    char comp[NAME_MAX + 1];
    apr_size_t at;
    int i, fd = 0;

    if (w->nlvl > 0 && (w->lvl_dir[0] == '/') != (path[0] == '/')) levels_drop(w, 0);
    if (w->nlvl == 0) {
        if (w->levels < 1) return -1;
        fd = open(path[0] == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) return -1;
        w->lvl_fd[0] = fd;
        w->lvl_end[0] = 0;
        w->nlvl = 1;
    }
    for (i = 1; i < w->nlvl; i++) {
        apr_size_t e = w->lvl_end[i];
        if (e > dlen || memcmp(w->lvl_dir, path, e) || (e < dlen && path[e] != '/')) break;
    }
    levels_drop(w, i);
    for (at = w->lvl_end[w->nlvl - 1];;) {
        apr_size_t start;
        while (at < dlen && path[at] == '/') at++;
        if (at >= dlen) break;
        for (start = at; at < dlen && path[at] != '/'; at++) {}
        if (w->nlvl >= w->levels || at - start > NAME_MAX) { fd = -1; break; }
        memcpy(comp, path + start, at - start);
        comp[at - start] = '\0';
        fd = openat(w->lvl_fd[w->nlvl - 1], comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) break;
        w->lvl_fd[w->nlvl] = fd;
        w->lvl_end[w->nlvl++] = at;
    }
    if (fd < 0) {
        levels_drop(w, 0);   /* LVL_DIR no longer says what the fds are */
        return -1;
    }
    memcpy(w->lvl_dir, path, dlen);
    w->lvl_dir[dlen] = '\0';
    return w->lvl_fd[w->nlvl - 1];
}

/* An fd of PATH's directory, reached as sg_quarantine_open_parent does, and
 * PATH's last component in *BASE; -1 (RES says why) when refused.  The fd is
 * the worker's, kept for the next file of the same directory: a held fd
 * stays the directory it was opened as, whatever is renamed or swapped
 * afterwards, so reusing it is as safe as reopening (and one openat per
 * file instead of one per path component).  A new directory is reached
 * through the worker's levels (open_levels); only a path they refuse goes
 * the long way, through sg_quarantine_open_parent, whose fd is kept too. */
static int parent_fd(worker_t *w, const char *path, const char **base, sg_result_t *res)
{
    const char *slash = strrchr(path, '/');
    apr_size_t dlen = slash ? (apr_size_t)(slash - path) : 0;
    int dfd;

    if (slash && slash[1] && w->dir_known && strlen(w->dir) == dlen
        && !memcmp(w->dir, path, dlen)) {
        *base = slash + 1;
        return w->dir_fd;
    }
    if (slash && slash[1] && dlen > 0 && dlen < sizeof(w->lvl_dir)
        && strcmp(slash + 1, ".") && strcmp(slash + 1, "..")
        && (dfd = open_levels(w, path, dlen)) >= 0) {
        *base = slash + 1;
        return dfd;
    }
    if (sg_quarantine_open_parent(path, &dfd, base, w->pool, res) != APR_SUCCESS) {
        return -1;
    }
    if (w->dir_fd >= 0) close(w->dir_fd);
    w->dir_fd = dfd;   /* closed by the next call or worker_done */
    w->dir_known = slash && dlen < sizeof(w->dir);
    if (w->dir_known) {
        memcpy(w->dir, path, dlen);
        w->dir[dlen] = '\0';
    }
    return dfd;
}

/* Opens PATH for reading; -1 after saying why not.  A path the user named
 * (FOLLOW) is opened as given.  One the walk found is opened from its
 * directory, reached component by component without following a symlink in
 * a directory others can write: a user who swaps a directory of the tree for
 * a symlink between the walk and this open cannot make root read (and report
 * on) a file outside the tree. */
static int open_scanned(worker_t *w, const char *path, int follow)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *base;
    int dfd, fd;

    if (follow & SCAN_FOLLOW) {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    }
    else if ((dfd = parent_fd(w, path, &base, &res)) < 0) {
        file_error(w->run, path, res.problem, 0);
        return -1;
    }
    else {
        fd = openat(dfd, base, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
    }
    if (fd < 0) {
        file_error(w->run, path, "cannot open", errno);
    }
    return fd;
}

/* CPU time of the calling thread in microseconds (--timing): a worker's
 * own, so the other workers' files are not counted in. */
static apr_int64_t thread_cpu_us(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (apr_int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* 1 when the verdict cache vouches for PATH (unchanged since a clean
 * verdict of this signature set): it is not opened.  The stat is taken the
 * way open_scanned would reach the file, so the cache never vouches for
 * what a symlink swapped in points to. */
static int cache_vouches(worker_t *w, const char *path, int follow)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *base;
    struct stat st;
    int dfd;

    if (!w->cache || (follow & SCAN_LOOKED_UP)) return 0;
    if (follow & SCAN_FOLLOW) {
        if (stat(path, &st) != 0) return 0;
    }
    else if ((dfd = parent_fd(w, path, &base, &res)) < 0
             || fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return 0;   /* open_scanned reports it */
    }
    return S_ISREG(st.st_mode) && st.st_size <= w->run->max_size
           && scan_cache_clean(w->cache, &st);
}

/* The SHA-256 of what was read into DIGEST when a cache will use it:
 * 1, else 0. */
static int cache_digest(worker_t *w, const char *buf, apr_size_t len, unsigned char *digest)
{
    unsigned int dlen = 32;

    if (!w->run->cache_writes || (!w->run->cache && !w->fleet)) return 0;
    return cl_hash_data("sha256", buf, len, digest, &dlen) && dlen == 32;
}

/* Keeps the verdict SEVERITY (-1: clean) of a file scanned whole (not one
 * over its budget or one that failed), whose stat before reading was ST and
 * content DIGEST, in the local cache and, when FLEET_TOO, the fleet's. */
static void cache_verdict(worker_t *w, const struct stat *st, const unsigned char *digest,
                          int severity, int fleet_too, const apr_array_header_t *findings)
{
    const char *blob = NULL;
    apr_size_t blen = 0;

    /* a suspicious file's findings are kept to be reported again unread;
     * a malicious one is always read again (it may be acted on) */
    if (findings && severity == SG_SEV_SUSPICIOUS) blob = findings_blob(findings, &blen, w->pool);
    if (w->run->cache) scan_cache_put_findings(w->run->cache, st, digest, severity, blob, blen);
    if (fleet_too && w->fleet) scan_fleet_put(w->fleet, digest, severity);
}

/* 1 when the fleet store is worth a round trip for LEN bytes: the engine
 * alone (ClamAV off) analyses a small file in less time than the store
 * answers (16 KB: ~0.1 ms of analysis, one loopback round trip on the
 * build VM; across a LAN a round trip costs more), and a store filled
 * with every small file's verdict answers slower for all. */
static int fleet_worth(const scan_run_t *run, apr_size_t len)
{
    return len >= run->fleet_min;
}

static void scan_path(worker_t *w, const char *path, int follow)
{
    scan_run_t *run = w->run;
    struct stat st;
    apr_size_t len = 0;
    apr_array_header_t *findings;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_int64_t cpu_us = run->timing ? thread_cpu_us() : -1;
    unsigned char digest[32];
    apr_status_t rv;
    int fd, err, have_digest;

    if (cache_vouches(w, path, follow)) {
        apr_thread_mutex_lock(run->out_lock);
        scan_stats_cached(&run->stats);
        scan_stats_tick(&run->stats);
        apr_thread_mutex_unlock(run->out_lock);
        apr_pool_clear(w->pool);
        return;
    }
    if ((fd = open_scanned(w, path, follow)) < 0) {
        apr_pool_clear(w->pool);
        return;
    }
    if (fstat(fd, &st) != 0) {
        file_error(run, path, "cannot stat", errno);
        close(fd);
        return;
    }
    if (!S_ISREG(st.st_mode)) {
        file_error(run, path, "not a regular file, skipped", 0);
        close(fd);
        return;
    }
    if (st.st_size > run->max_size) {
        apr_thread_mutex_lock(run->out_lock);
        scan_stats_clear(&run->stats);
        scan_stats_skip(&run->stats, SCAN_SKIP_SIZE);
        fputs("spamgear: ", stderr);
        sg_cli_put_path(stderr, path);
        fprintf(stderr, ": skipped: %lld bytes is over the max-size of %lld\n",
                (long long)st.st_size, (long long)run->max_size);
        apr_thread_mutex_unlock(run->out_lock);
        close(fd);
        return;
    }
    if ((err = read_fd(w, fd, (apr_size_t)st.st_size, &len)) != 0) {
        file_error(run, path, "cannot read", err);
        close(fd);
        return;
    }
    have_digest = cache_digest(w, w->buf, len, digest);
    if (have_digest && w->fleet && fleet_worth(run, len) && scan_fleet_clean(w->fleet, digest)) {
        /* another server (or an earlier run) found this content clean */
        cache_verdict(w, &st, digest, -1, 0, NULL);
        close(fd);
        apr_thread_mutex_lock(run->out_lock);
        scan_stats_fleet(&run->stats);
        scan_stats_tick(&run->stats);
        apr_thread_mutex_unlock(run->out_lock);
        apr_pool_clear(w->pool);
        return;
    }
    /* A file over its budget is not an error: its Scan.BudgetExceeded
     * finding is reported like any other, and the scan goes on. */
    rv = sg_engine_scan_buffer(run->engine, path, w->buf, len, fd, w->pool, &findings, &res);
    if (rv != APR_SUCCESS && rv != APR_TIMEUP) {
        file_error(run, path, res.problem ? res.problem : "scan failed", 0);
    }
    if (rv == APR_SUCCESS && have_digest) {
        cache_verdict(w, &st, digest, worst_severity(findings), fleet_worth(run, len), findings);
    }
    close(fd);
    /* Open, read and scan: what the file cost; acting on it is not counted. */
    if (run->timing) cpu_us = thread_cpu_us() - cpu_us;
    apr_thread_mutex_lock(run->out_lock);
    scan_stats_file(&run->stats, len, worst_severity(findings));
    if (findings->nelts) run->found = 1;
    scan_stats_tick(&run->stats);
    apr_thread_mutex_unlock(run->out_lock);
    if (findings->nelts) {
        const char *qid = NULL, *action = act_on(run, path, &st, w->buf, len, findings,
                                                     &qid, w->pool);
        report(run, path, findings, sg_sha256_hex(w->buf, len, w->pool), action, qid, cpu_us);
        if (run->notify && malicious(findings)) scan_notify_add(run->notify, path, &st, action);
    }
    else if (run->timing) {
        report(run, path, findings, NULL, NULL, NULL, cpu_us);
    }
    apr_pool_clear(w->pool);
}

/* ---------------------------------------------------------------- queue */

static void worker_init(worker_t *w, scan_run_t *run)
{
    struct rlimit rl;

    memset(w, 0, sizeof(*w));
    w->run = run;
    w->dir_fd = -1;
    apr_pool_create_unmanaged_ex(&w->pool, NULL, NULL);
    apr_pool_create_unmanaged_ex(&w->walk_pool, NULL, NULL);
    if (run->cache) w->cache = scan_cache_reader(run->cache);
    if (run->fleet_spec) w->fleet = scan_fleet_open(run->fleet_spec, run->set_version);
    /* The level fds of every worker (and the inline one) and the walkers'
     * (one per directory level, each walker; the queued directories) must
     * stay under the fd limit. */
    w->levels = SCAN_DIR_LEVELS;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
        long walkers = run->par_walk ? run->jobs + 1 : 1;
        long spare = ((long)rl.rlim_cur - SCAN_MAX_DEPTH * walkers - SCAN_DIR_QUEUE - 64)
                     / (run->jobs + 1);
        w->levels = spare < 0 ? 0 : spare < SCAN_DIR_LEVELS ? (int)spare : SCAN_DIR_LEVELS;
    }
}

static void worker_done(worker_t *w)
{
    if (w->dir_fd >= 0) close(w->dir_fd);
    levels_drop(w, 0);
    scan_cache_reader_done(w->cache);
    apr_thread_mutex_lock(w->run->out_lock);
    scan_fleet_close(w->fleet, &w->run->fleet_stats);
    apr_thread_mutex_unlock(w->run->out_lock);
    buf_free(w);
    apr_pool_destroy(w->walk_pool);
    apr_pool_destroy(w->pool);
}

static void walk_item(scan_run_t *run, worker_t *w, dir_item_t *item);

/* Scans queued paths until the queue is closed and empty.  Never inlined:
 * see worker_main. */
static __attribute__((noinline)) void worker_loop(scan_run_t *run)
{
    worker_t w;

    worker_init(&w, run);
    for (;;) {
        char *path;
        int follow;
        apr_thread_mutex_lock(run->lock);
        while (run->count == 0 && !run->dirs && !run->done) {
            apr_thread_cond_wait(run->more, run->lock);
        }
        if (run->count == 0 && run->dirs) {
            /* files first (the main walker may wait for room), then a
             * directory another walker left */
            dir_item_t *item = run->dirs;
            run->dirs = item->next;
            run->dirs_queued--;
            apr_thread_mutex_unlock(run->lock);
            walk_item(run, &w, item);
            continue;
        }
        if (run->count == 0) { apr_thread_mutex_unlock(run->lock); break; }
        path = run->queue[run->head];
        follow = run->follow[run->head];
        run->head = (run->head + 1) % SCAN_QUEUE;
        run->count--;
        /* The walker, blocked on a full queue, is woken once half of it is
         * free, not for every path taken: it then fills 128 slots in one go
         * instead of sleeping and waking (two futex calls, two context
         * switches) per file. */
        if (run->count == SCAN_QUEUE / 2) apr_thread_cond_signal(run->room);
        apr_thread_mutex_unlock(run->lock);
        scan_path(&w, path, follow);
        free(path);
    }
    worker_done(&w);
}

/* The worker's locals live in worker_loop, whose frame is gone before
 * apr_thread_exit: pthread_exit does not unwind ASan's stack redzones, which
 * then trip ASan's own thread teardown (a false stack-buffer-underflow). */
static void *APR_THREAD_FUNC worker_main(apr_thread_t *t, void *data)
{
    worker_loop(data);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

static worker_t inline_worker;   /* jobs == 1: the main thread scans */

static void submit(scan_run_t *run, const char *path, int follow)
{
    if (run->jobs <= 1) {
        scan_path(&inline_worker, path, follow);
        return;
    }
    apr_thread_mutex_lock(run->lock);
    while (run->count == SCAN_QUEUE) apr_thread_cond_wait(run->room, run->lock);
    run->queue[(run->head + run->count) % SCAN_QUEUE] = strdup(path);
    run->follow[(run->head + run->count) % SCAN_QUEUE] = (unsigned char)follow;
    run->count++;
    apr_thread_cond_signal(run->more);
    apr_thread_mutex_unlock(run->lock);
}

/* ---------------------------------------------------------------- walking */

static int excluded(scan_run_t *run, const char *path, const char *base)
{
    int i;

    for (i = 0; i < run->excludes->nelts; i++) {
        const char *glob = APR_ARRAY_IDX(run->excludes, i, const char *);
        if (!fnmatch(glob, path, 0) || !fnmatch(glob, base, 0)) return 1;
    }
    return 0;
}

static int recent(scan_run_t *run, const struct stat *st)
{
    /* ctime too: an attacker can set mtime back with touch, not ctime. */
    time_t t = st->st_mtime > st->st_ctime ? st->st_mtime : st->st_ctime;

    return !run->since || apr_time_from_sec(t) >= run->since;
}

/* 1 when the directory entry DE's type (readdir's d_type, which most file
 * systems fill in) is all the walk needs to know of it, with ST_MODE set
 * from it: a regular file when no --since needs its times, a directory
 * when no --one-file-system needs its device, a symlink or special file
 * (skipped either way).  Saves an fstatat per entry; a regular file is
 * still fstat'ed on the open fd before it is read. */
static int known_type(const scan_run_t *run, unsigned char d_type, struct stat *st)
{
    memset(st, 0, sizeof(*st));
    switch (d_type) {
    case DT_REG: st->st_mode = S_IFREG; return !run->since;
    case DT_DIR: st->st_mode = S_IFDIR; return !run->one_fs;
    case DT_LNK: st->st_mode = S_IFLNK; return 1;
    case DT_FIFO: st->st_mode = S_IFIFO; return 1;
    case DT_SOCK: st->st_mode = S_IFSOCK; return 1;
    case DT_CHR: st->st_mode = S_IFCHR; return 1;
    case DT_BLK: st->st_mode = S_IFBLK; return 1;
    }
    return 0;
}

/* The verdict cache, asked by a walker (READER: its own), which holds the
 * directory's fd (reached without following symlinks): no path is built,
 * queued or opened again for a file the cache vouches for.  A suspicious
 * file kept with its findings is reported again from them (as PATH, built
 * from P).  HAVE_STAT: ST is NAME's fstatat already (--since). */
static int walker_vouches(scan_run_t *run, scan_cache_reader_t *reader, int dfd,
                          const char *path, const char *name, struct stat *st, int have_stat,
                          apr_pool_t *p)
{
    const void *blob;
    apr_size_t blen = 0;
    unsigned char sha[32];
    apr_array_header_t *findings = NULL;

    if (!reader) return 0;
    if (!have_stat && fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW) != 0) return 0;
    if (!S_ISREG(st->st_mode) || st->st_size > run->max_size
        || !scan_cache_vouch(reader, st, p, &blob, &blen, sha)) {
        return 0;
    }
    if (blob) {
        findings = apr_array_make(p, 4, sizeof(sg_finding_t));
        if (!blob_findings(blob, blen, findings, p)) return 0;   /* damaged: scan it */
        report(run, path, findings, sg_hex_encode(sha, 32, p), NULL, NULL, run->timing ? 0 : -1);
    }
    apr_thread_mutex_lock(run->out_lock);
    scan_stats_cached(&run->stats);
    if (findings) {
        run->stats.suspicious++;
        run->found = 1;
    }
    scan_stats_tick(&run->stats);
    apr_thread_mutex_unlock(run->out_lock);
    return 1;
}

/* Leaves the opened directory FD (PATH, DEV, DEPTH) to another walker
 * when the walk is parallel and the queue has room: 1 when it did (FD is
 * the item's then), 0 to walk it here. */
static int leave_dir(scan_run_t *run, int fd, const char *path, dev_t dev, int depth)
{
    dir_item_t *item;
    apr_size_t n;

    if (!run->par_walk) return 0;
    n = strlen(path);
    apr_thread_mutex_lock(run->lock);
    if (run->dirs_queued >= SCAN_DIR_QUEUE || !(item = malloc(sizeof(*item) + n + 1))) {
        apr_thread_mutex_unlock(run->lock);
        return 0;
    }
    item->fd = fd;
    item->dev = dev;
    item->depth = depth;
    memcpy(item->path, path, n + 1);
    item->next = run->dirs;
    run->dirs = item;
    run->dirs_queued++;
    run->dirs_pending++;
    apr_thread_cond_signal(run->more);
    apr_thread_mutex_unlock(run->lock);
    return 1;
}

static void walk_dir(scan_run_t *run, worker_t *w, int dfd, const char *path, dev_t dev,
                     int depth, apr_pool_t *p);

/* Walks a directory left by leave_dir (W: the worker walking it, or NULL
 * for the main thread), then counts it done. */
static void walk_item(scan_run_t *run, worker_t *w, dir_item_t *item)
{
    apr_pool_t *p = w ? w->walk_pool : inline_worker.walk_pool;

    walk_dir(run, w, item->fd, item->path, item->dev, item->depth, p);   /* closes the fd */
    apr_pool_clear(p);
    free(item);
    apr_thread_mutex_lock(run->lock);
    if (--run->dirs_pending == 0) apr_thread_cond_broadcast(run->idle);
    apr_thread_mutex_unlock(run->lock);
}

/* The main thread, its own arguments walked, walks directories left by
 * the others until none is pending.  Not needed for completeness (a worker
 * leaves the loop only when no directory waits, and one walking a
 * directory takes what it leaves itself), but a third walker while the
 * file queue is empty. */
static void drain_dirs(scan_run_t *run)
{
    if (!run->par_walk) return;
    apr_thread_mutex_lock(run->lock);
    while (run->dirs_pending > 0) {
        dir_item_t *item = run->dirs;
        if (!item) {
            apr_thread_cond_wait(run->idle, run->lock);
            continue;
        }
        run->dirs = item->next;
        run->dirs_queued--;
        apr_thread_mutex_unlock(run->lock);
        walk_item(run, NULL, item);
        apr_thread_mutex_lock(run->lock);
    }
    apr_thread_mutex_unlock(run->lock);
}

/* Walks the directory DFD (PATH; closed here).  W: the worker walking it,
 * whose own cache reader vouches for files and which scans the others
 * itself; NULL: the main thread (run->walk_cache, submit()).  With
 * run->par_walk, subdirectories go to whichever walker is free (scan -j N
 * with a verdict cache: a warm scan is a walk, one fstatat and one lookup
 * per file, and one thread's system calls were its whole time). */
/* The kernel's directory entry (getdents64(2)). */
typedef struct dirent64_t {
    unsigned long long d_ino;
    long long d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
} dirent64_t;

#define SCAN_DIRBUF 32768         /* bytes of entries read per getdents64 call */

/* Reads a directory with getdents64 itself: opendir/readdir add an fstat
 * and two fcntl calls per directory (a third of a warm scan's system
 * calls on a tree of small directories). */
typedef struct dir_reader_t {
    int fd;
    char *buf;                    /* SCAN_DIRBUF bytes, malloc'ed */
    long len, pos;
    int err;                      /* errno of a failed read, or 0 */
} dir_reader_t;

static const dirent64_t *next_entry(dir_reader_t *r)
{
    const dirent64_t *de;

    if (r->pos >= r->len) {
        r->len = syscall(SYS_getdents64, r->fd, r->buf, SCAN_DIRBUF);
        r->pos = 0;
        if (r->len < 0) r->err = errno;
        if (r->len <= 0) return NULL;
    }
    de = (const dirent64_t *)(r->buf + r->pos);
    r->pos += de->d_reclen;
    return de;
}

/* A skip counted by a walker: under out_lock when several walk. */
static void walk_skip(scan_run_t *run, int why)
{
    if (run->par_walk) apr_thread_mutex_lock(run->out_lock);
    scan_stats_skip(&run->stats, why);
    if (run->par_walk) apr_thread_mutex_unlock(run->out_lock);
}

static void walk_dir(scan_run_t *run, worker_t *w, int dfd, const char *path, dev_t dev,
                     int depth, apr_pool_t *p)
{
    dir_reader_t r = { dfd, malloc(SCAN_DIRBUF), 0, 0, 0 };
    const dirent64_t *de;
    apr_pool_t *sub;
    int slash = path[strlen(path) - 1] == '/';

    if (!r.buf) {
        file_error(run, path, "cannot read directory", ENOMEM);
        close(dfd);
        return;
    }
    apr_pool_create(&sub, p);
    while ((de = next_entry(&r)) != NULL) {
        struct stat st;
        const char *child;
        if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2]))) {
            continue;
        }
        child = apr_pstrcat(sub, path, slash ? "" : "/", de->d_name, NULL);
        if (excluded(run, child, de->d_name)) {
            walk_skip(run, SCAN_SKIP_EXCLUDED);
            continue;
        }
        if (!known_type(run, de->d_type, &st)
            && fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            file_error(run, child, "cannot stat", errno);
        }
        else if (S_ISDIR(st.st_mode)) {
            int cfd;
            if (run->one_fs && st.st_dev != dev) continue;
            if (depth >= SCAN_MAX_DEPTH) {
                file_error(run, child, "deeper than 256 directories, not entered", 0);
                continue;
            }
            cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (cfd < 0) file_error(run, child, "cannot open directory", errno);
            else if (!leave_dir(run, cfd, child, dev, depth + 1)) {
                walk_dir(run, w, cfd, child, dev, depth + 1, sub);
            }
        }
        else if (!S_ISREG(st.st_mode)) {
            walk_skip(run, SCAN_SKIP_SPECIAL);
        }
        else if (!recent(run, &st)) {
            walk_skip(run, SCAN_SKIP_UNCHANGED);
        }
        else if (!walker_vouches(run, w ? w->cache : run->walk_cache, dfd, child, de->d_name,
                                 &st, run->since != 0, sub)) {
            if (w) scan_path(w, child, SCAN_LOOKED_UP);
            else submit(run, child, SCAN_LOOKED_UP);
        }
        apr_pool_clear(sub);
    }
    if (r.err) file_error(run, path, "cannot read directory", r.err);
    free(r.buf);
    close(dfd);
    apr_pool_destroy(sub);
}

/* A path from the command line (LISTED = 0) or from a stdin list. */
static void scan_arg(scan_run_t *run, const char *path, int listed)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        file_error(run, path, "cannot stat", errno);
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        int fd;
        if (listed) return;   /* find lists the files inside too */
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) file_error(run, path, "cannot open directory", errno);
        else walk_dir(run, NULL, fd, path, st.st_dev, 0, run->cli->pool);
        return;
    }
    if (!recent(run, &st)) {
        scan_stats_skip(&run->stats, SCAN_SKIP_UNCHANGED);
        return;
    }
    if (excluded(run, path, strrchr(path, '/') ? strrchr(path, '/') + 1 : path)) {
        scan_stats_skip(&run->stats, SCAN_SKIP_EXCLUDED);
        return;
    }
    submit(run, path, SCAN_FOLLOW);
}

static void read_list(scan_run_t *run)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int sep = run->null_sep ? '\0' : '\n';

    while ((n = getdelim(&line, &cap, sep, stdin)) > 0) {
        if (line[n - 1] == sep) line[--n] = '\0';
        if (n == 0) continue;
        if (n > SCAN_MAX_PATH || strlen(line) != (size_t)n) {
            file_error(run, "(stdin)", n > SCAN_MAX_PATH ? "a path longer than 4096 bytes, skipped"
                                                         : "a path with a NUL byte, skipped", 0);
            continue;
        }
        scan_arg(run, line, 1);
    }
    free(line);
}

/* ---------------------------------------------------------------- setup */

static int usage_error(const char *cmd, const char *what, const char *value)
{
    sg_cli_error("%s: %s: '%s'; try 'spamgear %s --help'", cmd, what, value, cmd);
    return SG_EXIT_ERROR;
}

static int collect(void *arr, const char *key, const char *value)
{
    APR_ARRAY_PUSH((apr_array_header_t *)arr, const char *) = value;
    return 1;
}

/* The ClamAV mode to use.  A mode nobody chose (neither --clamav nor the
 * config file: the built-in "engine /var/lib/clamav") on a machine where
 * freshclam has not run is no reason to stop a scan: said once, and the
 * scan goes on with the other engines (libclamav still loads the project's
 * ClamAV-format files).  A mode the admin chose stays an error. */
static const char *clamav_mode(sg_cli_t *cli, const char *cmd)
{
    const char *mode = sg_cli_opt(cli, "clamav");
    const char *dbdir;

    if (mode) return mode;
    mode = sg_conf_get(cli->conf, "clamav");
    if (!mode || sg_conf_line(cli->conf, "clamav") || strncmp(mode, "engine", 6)) return mode;
    dbdir = mode + 6 + strspn(mode + 6, " \t");
    if (!*dbdir || sg_clamav_has_databases(dbdir, cli->pool)) return mode;
    sg_cli_error("%s: warning: no ClamAV databases in %s (run freshclam, or set 'clamav off' "
                 "in the config): scanning without ClamAV's own signatures", cmd, dbdir);
    return "engine";
}

/* The signature directory: --signatures, the config's, else the default;
 * a default not installed yet, with the binary run from its build tree,
 * is the tree's conf/signatures (said once). */
static const char *signature_dir(sg_cli_t *cli, const char *cmd)
{
    const char *dir = sg_cli_opt(cli, "signatures");
    char exe[4096], *slash, *tree, *real;
    apr_finfo_t fi;
    ssize_t n;
    int same;

    if (dir) return dir;
    dir = sg_conf_get(cli->conf, "signatures");
    if (sg_conf_line(cli->conf, "signatures") || !dir
        || apr_stat(&fi, dir, APR_FINFO_TYPE, cli->pool) == APR_SUCCESS) {
        return dir;
    }
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n <= 0) return dir;
    exe[n] = '\0';
    if (!(slash = strrchr(exe, '/'))) return dir;
    *slash = '\0';
    /* libtool's wrapper runs the real binary from .libs/ */
    if ((slash = strrchr(exe, '/')) && !strcmp(slash, "/.libs")) *slash = '\0';
    /* the build tree this binary was made in (VPATH builds too), while it
     * has not been installed anywhere else */
    if (!(real = realpath(SG_BUILDDIR, NULL))) return dir;
    same = !strcmp(exe, real);
    free(real);
    /* the tree's own path, without distcheck's "_build/sub/../.." */
    if (!same || !(real = realpath(SG_SRCDIR "/conf/signatures", NULL))) return dir;
    tree = apr_pstrdup(cli->pool, real);
    free(real);
    if (apr_stat(&fi, tree, APR_FINFO_TYPE, cli->pool) != APR_SUCCESS) return dir;
    sg_cli_error("%s: %s is not installed yet: using the build tree's %s", cmd, dir, tree);
    return tree;
}

apr_array_header_t *sg_cli_yara_sources(const sg_cli_t *cli)
{
    apr_array_header_t *sources = apr_array_make(cli->pool, 4, sizeof(const char *));
    const apr_array_header_t *keyed = sg_conf_get_all(cli->conf, "yara-rules");
    int i;

    for (i = 0; keyed && i < keyed->nelts; i++) {
        APR_ARRAY_PUSH(sources, const char *) = APR_ARRAY_IDX(keyed, i, sg_conf_entry_t).value;
    }
    apr_table_do(collect, sources, cli->opts, "yara", NULL);
    return sources;
}

/* The YARA rules of SIGDIR and of the yara-rules key and --yara options
 * added to ENGINE; returns -1 to go on. */
static int setup_yara(sg_cli_t *cli, sg_engine_t *engine, const char *sigdir, const char *cmd)
{
    apr_array_header_t *sources = sg_cli_yara_sources(cli);
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_yara_t *y;

    if (sg_yara_load(&y, sigdir, sources, cli->pool, &res) != APR_SUCCESS) {
        sg_cli_error("%s: %s", cmd, res.problem);
        return SG_EXIT_ERROR;
    }
    if (y) sg_engine_add_matcher(engine, sg_yara_matcher(y));
    return -1;
}

/* What setup_engine used, for the verdict cache's set version. */
typedef struct engine_setup_t {
    sg_engine_options_t opts;
    const char *sigdir;
    const char *whitelist;   /* or NULL */
} engine_setup_t;

/* Builds the engine from the config and the options, saying in SETUP
 * (when not NULL) what it was built from; returns -1 to go on. */
static int setup_engine(sg_cli_t *cli, sg_engine_t **engine, const char *cmd,
                        engine_setup_t *setup)
{
    sg_engine_options_t opts;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *sigdir, *v;
    apr_int64_t secs;
    int rc;

    sg_engine_options_default(&opts);
    opts.clamd_fildes = sg_cli_opt(cli, "fildes") != NULL;
    opts.decode = sg_cli_opt(cli, "no-decode") == NULL;
    if ((v = sg_cli_opt(cli, "clamd-timeout"))) {
        if (sg_parse_duration(v, &secs) != APR_SUCCESS || secs <= 0) {
            return usage_error(cmd, "--clamd-timeout is not a duration", v);
        }
        opts.clamd_timeout = apr_time_from_sec(secs);
    }
    if (!(v = sg_cli_opt(cli, "budget"))) v = sg_conf_get(cli->conf, "scan-budget");
    if (v && sg_parse_interval(v, &opts.budget) != APR_SUCCESS) {
        return usage_error(cmd, "--budget is not a time (examples: 1s, 250ms, 50us; 0: no "
                           "limit)", v);
    }
    /* after the usage checks: a usage error says only that */
    sigdir = signature_dir(cli, cmd);
    opts.clamav = clamav_mode(cli, cmd);
    /* a cron scan with clamd down still reports what the other engines find */
    opts.clamd_optional = !strcmp(cmd, "scan");
    sg_deobf_set_inflate(sg_host_inflate);
    sg_archive_set_reader(sg_libarchive_reader());
    if (sg_engine_create(engine, cli->pool, &opts, &res) != APR_SUCCESS
        || sg_engine_load(*engine, sigdir, &res) != APR_SUCCESS) {
        sg_cli_error("%s: %s", cmd, res.problem);
        return SG_EXIT_ERROR;
    }
    if ((rc = setup_yara(cli, *engine, sigdir, cmd)) >= 0) return rc;
    if ((v = sg_cli_opt(cli, "whitelist")) || (v = sg_conf_get(cli->conf, "whitelist"))) {
        if (sg_engine_load_whitelist(*engine, v, &res) != APR_SUCCESS) {
            sg_cli_error("%s: %s", cmd, res.problem);
            return SG_EXIT_ERROR;
        }
    }
    if (setup) {
        setup->opts = opts;
        setup->sigdir = sigdir;
        setup->whitelist = v;
    }
    return -1;
}

/* The ClamAV database directory whose changes change verdicts: the
 * engine's, or for clamd the local one (a remote clamd's updates are not
 * seen: documented); NULL when ClamAV is off. */
static const char *clamav_db_dir(const char *mode, apr_pool_t *p)
{
    const char *sp;

    if (!strcmp(mode, "off")) return NULL;
    if (!strncmp(mode, "engine", 6) && (sp = strchr(mode, ' ')) && sp[1]) {
        return apr_pstrdup(p, sp + 1 + strspn(sp + 1, " \t"));
    }
    return "/var/lib/clamav";
}

/* Opens the scan-cache key's verdict cache unless --no-cache.  A cache
 * that cannot be opened costs speed, not results: a warning, and the scan
 * goes on without it. */
static void setup_cache(scan_run_t *run, sg_cli_t *cli, const engine_setup_t *setup)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *dir = sg_conf_get(cli->conf, "scan-cache"), *recipe, *version;
    const char *fleet = sg_conf_get(cli->conf, "cache-store");

    if ((!dir && !fleet) || sg_cli_opt(cli, "no-cache")) return;
    recipe = apr_psprintf(cli->pool, "spamgear %s decode=%d analyse=%d budget=%" APR_TIME_T_FMT
                          " clamav=%s", SG_VERSION, setup->opts.decode, setup->opts.analyse,
                          setup->opts.budget, setup->opts.clamav);
    if (scan_cache_set_version(recipe, setup->sigdir, sg_cli_yara_sources(cli),
                               setup->whitelist, clamav_db_dir(setup->opts.clamav, cli->pool),
                               &version, cli->pool, &res) != APR_SUCCESS) {
        sg_cli_error("%s: warning: verdict cache not used: %s", run->cmd, res.problem);
        return;
    }
    /* verdicts reached without ClamAV are not kept (they are incomplete) */
    run->cache_writes = !sg_engine_clamav_down(run->engine);
    run->set_version = version;
    run->fleet_spec = fleet;
    /* ClamAV's scan of a file costs more than a round trip, whatever its size */
    run->fleet_min = setup->opts.clamav && strcmp(setup->opts.clamav, "off") ? 0 : SCAN_FLEET_MIN;
    if (dir && scan_cache_open(&run->cache, dir, version, cli->pool, &res) != APR_SUCCESS) {
        sg_cli_error("%s: warning: verdict cache not used: %s", run->cmd, res.problem);
        run->cache = NULL;
    }
}

static int setup_run(scan_run_t *run, sg_cli_t *cli)
{
    const char *v;
    apr_int64_t n;

    run->cli = cli;
    run->json = sg_cli_opt(cli, "json") != NULL;
    if ((run->timing = sg_cli_opt(cli, "timing") != NULL) && !run->json) {
        sg_cli_error("scan: --timing needs --json; try 'spamgear scan --help'");
        return SG_EXIT_ERROR;
    }
    run->null_sep = sg_cli_opt(cli, "null") != NULL;
    run->one_fs = sg_cli_opt(cli, "one-file-system") != NULL;
    v = sg_cli_opt(cli, "max-size");
    if (!v) v = sg_conf_get(cli->conf, "max-file-size");
    if (sg_parse_size(v, &run->max_size) != APR_SUCCESS || run->max_size <= 0) {
        return usage_error("scan", "--max-size is not a size (examples: 512k, 16M)", v);
    }
    if ((v = sg_cli_opt(cli, "since"))) {
        char *end;
        double days = strtod(v, &end);
        if (*end || end == v || days <= 0 || days > 100000) {
            return usage_error("scan", "--since is not a number of days", v);
        }
        run->since = apr_time_now() - (apr_time_t)(days * 86400.0 * APR_USEC_PER_SEC);
    }
    run->jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if ((v = sg_cli_opt(cli, "jobs"))) {
        if (sg_parse_size(v, &n) != APR_SUCCESS || n < 1 || n > SCAN_MAX_JOBS) {
            return usage_error("scan", "--jobs is not a number from 1 to 64", v);
        }
        run->jobs = (int)n;
    }
    if (run->jobs < 1) run->jobs = 1;
    if ((v = sg_cli_opt(cli, "quarantine"))) {
        run->qdir = *v ? v : sg_conf_get(cli->conf, "quarantine");
        if (run->qdir[0] != '/') {
            return usage_error("scan", "--quarantine needs an absolute directory", run->qdir);
        }
    }
    if ((run->clean = sg_cli_opt(cli, "clean") != NULL)) {
        run->keepdir = run->qdir ? run->qdir : sg_conf_get(cli->conf, "quarantine");
    }
    run->excludes = apr_array_make(cli->pool, 4, sizeof(const char *));
    apr_table_do(collect, run->excludes, cli->opts, "exclude", NULL);
    /* Progress only where a person watches; the summary also in cron mail. */
    run->summary = sg_cli_opt(cli, "quiet") == NULL;
    scan_stats_init(&run->stats, run->summary && isatty(STDERR_FILENO));
    apr_thread_mutex_create(&run->out_lock, APR_THREAD_MUTEX_DEFAULT, cli->pool);
    return -1;
}

/* How many files ARGV names when that is known before the walk (every
 * argument a file, no directory or stdin list), else 0. */
static unsigned long files_named(int argc, const char *const *argv)
{
    struct stat st;
    int i;

    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-") || stat(argv[i], &st) != 0 || S_ISDIR(st.st_mode)) return 0;
    }
    return (unsigned long)argc;
}

/* 1 when ARGV is a full run: directories only (no list on stdin, no file
 * arguments) and no --since. */
static int full_run(const scan_run_t *run, int argc, const char *const *argv)
{
    struct stat st;
    int i;

    if (argc == 0 || run->since) return 0;
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-") || stat(argv[i], &st) != 0 || !S_ISDIR(st.st_mode)) return 0;
    }
    return 1;
}

/* Records that a full run ended, for spamgear audit's spamgear.last_scan:
 * "UNIXTIME files=N found=N errors=N" in state-dir/last-scan (written to a
 * temporary file, then renamed).  Nothing when state-dir does not exist:
 * the package creates it, a scan never does. */
static void record_full_scan(scan_run_t *run)
{
    apr_pool_t *p = run->cli->pool;
    const char *dir = sg_conf_get(run->cli->conf, "state-dir");
    const char *file = apr_pstrcat(p, dir, "/last-scan", NULL);
    const char *tmp = apr_pstrcat(p, file, ".tmp", NULL);
    const char *text = apr_psprintf(p, "%" APR_TIME_T_FMT " files=%lu found=%d errors=%d\n",
                                    apr_time_sec(apr_time_now()), run->stats.files, run->found,
                                    run->errors);
    struct stat st;
    apr_file_t *f = NULL;
    apr_status_t rv;

    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_DEBUG, APR_SUCCESS, p, "scan: %s does not exist: "
                      "the run's time is not recorded", dir);
        return;
    }
    if ((rv = apr_file_remove(tmp, p)) != APR_SUCCESS && !APR_STATUS_IS_ENOENT(rv)) {
        sg_cli_error("scan: warning: %s: %pm", tmp, &rv);
        return;
    }
    if ((rv = apr_file_open(&f, tmp, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_EXCL,
                            APR_FPROT_UREAD | APR_FPROT_UWRITE, p)) == APR_SUCCESS) {
        rv = apr_file_write_full(f, text, strlen(text), NULL);
        if (apr_file_close(f) != APR_SUCCESS && rv == APR_SUCCESS) rv = APR_EGENERAL;
        if (rv == APR_SUCCESS) rv = apr_file_rename(tmp, file, p);
    }
    if (rv != APR_SUCCESS) {
        sg_cli_error("scan: warning: cannot record the run in %s: %pm", file, &rv);
    }
}

/* After the workers: the fleet layer's figures for the summary. */
static void close_fleet(scan_run_t *run)
{
    if (!run->fleet_spec) return;
    run->stats.fleet = run->fleet_spec;
    run->stats.fleet_lookups = run->fleet_stats.lookups;
    run->stats.fleet_down = run->fleet_stats.down;
}

/* After the workers: writes the last verdicts, puts the figures in the
 * summary.  A cache that cannot be written costs speed, not results: a
 * warning, not an error. */
static void close_cache(scan_run_t *run)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    scan_cache_stats_t cs;

    close_fleet(run);
    if (!run->cache) return;
    if (scan_cache_close(run->cache, &cs, &res) != APR_SUCCESS) {
        sg_cli_error("scan: warning: %s", res.problem);
    }
    run->stats.cache_on = 1;
    run->stats.cache_misses = cs.misses;
    run->stats.cache_dropped = cs.dropped;
    run->cache = NULL;
}


/* Starts the workers (jobs > 1; else files are scanned inline). */
static void start_workers(scan_run_t *run)
{
    int i;

    worker_init(&inline_worker, run);
    if (run->cache) run->walk_cache = scan_cache_reader(run->cache);
    if (run->jobs > 1) {
        apr_thread_mutex_create(&run->lock, APR_THREAD_MUTEX_DEFAULT, run->cli->pool);
        apr_thread_cond_create(&run->more, run->cli->pool);
        apr_thread_cond_create(&run->room, run->cli->pool);
        apr_thread_cond_create(&run->idle, run->cli->pool);
        for (i = 0; i < run->jobs; i++) {
            apr_thread_create(&run->threads[i], NULL, worker_main, run, run->cli->pool);
        }
    }
}

/* Lets the workers finish the queue, then notifies, logs and summarises;
 * returns the exit code. */
static int finish(scan_run_t *run)
{
    apr_status_t st;
    int i;

    if (run->jobs > 1) {
        apr_thread_mutex_lock(run->lock);
        run->done = 1;
        apr_thread_cond_broadcast(run->more);
        apr_thread_mutex_unlock(run->lock);
        for (i = 0; i < run->jobs; i++) apr_thread_join(&st, run->threads[i]);
    }
    worker_done(&inline_worker);
    scan_cache_reader_done(run->walk_cache);
    run->walk_cache = NULL;
    close_cache(run);
    if (run->notify) run->errors += scan_notify_send(run->notify);
    sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, run->cli->pool,
                  "%s: %lu files scanned, %d errors", run->cmd, run->stats.files, run->errors);
    scan_stats_clear(&run->stats);
    if (run->summary) scan_stats_summary(&run->stats, run->errors, stderr);
    if (sg_engine_clamav_down(run->engine)) {
        /* an incomplete scan never looks like a normal result, found or not */
        sg_cli_error("%s: ClamAV was not consulted (%s)", run->cmd,
                     sg_engine_clamav_down(run->engine));
        return SG_EXIT_ERROR;
    }
    return run->found ? SG_EXIT_FOUND : run->errors ? SG_EXIT_ERROR : SG_EXIT_OK;
}

static int run_scan(scan_run_t *run, int argc, const char *const *argv)
{
    int i, rc;

    if (run->stats.progress) run->stats.total = files_named(argc, argv);
    /* the workers walk directories too when most files may be the cache's:
     * scan only (watch walks from threads of its own) */
    run->par_walk = run->jobs > 1 && run->cache != NULL;
    start_workers(run);
    if (argc == 0 || (argc == 1 && !strcmp(argv[0], "-"))) {
        read_list(run);
    }
    for (i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-")) continue;
        scan_arg(run, argv[i], 0);
    }
    drain_dirs(run);
    rc = finish(run);
    /* a run without ClamAV (clamd down) does not count as a full scan */
    if (!sg_engine_clamav_down(run->engine) && full_run(run, argc, argv)) record_full_scan(run);
    return rc;
}

/* Everything scan and watch set up before the first file; -1 to go on. */
static int setup_all(scan_run_t *run, sg_cli_t *cli, const char *cmd)
{
    engine_setup_t setup;
    int rc;

    run->cmd = cmd;
    /* clamd closes the socket when a stream is over its limit: a send must
     * then fail with EPIPE (and be reported), not kill the scan. */
    signal(SIGPIPE, SIG_IGN);
    if ((rc = sg_cli_load_conf(cli)) != SG_EXIT_OK) return rc;
    if ((rc = setup_run(run, cli)) >= 0) return rc;
    if ((rc = scan_notify_setup(cli, &run->notify)) >= 0) return rc;
    if ((rc = setup_engine(cli, &run->engine, cmd, &setup)) >= 0) return rc;
    if (sg_engine_clamav_down(run->engine)) {
        sg_cli_error("%s: warning: ClamAV not consulted (%s): scanning with the other "
                     "engines; the exit status will be 2", cmd, sg_engine_clamav_down(run->engine));
        run->errors++;
    }
    setup_cache(run, cli, &setup);
    return -1;
}

int sg_cmd_scan(sg_cli_t *cli, int argc, const char *const *argv)
{
    scan_run_t run;
    int rc;

    memset(&run, 0, sizeof(run));
    if ((rc = setup_all(&run, cli, "scan")) >= 0) return rc;
    return run_scan(&run, argc, argv);
}

/* ---------------------------------------------------------------- sessions (watch) */

int scan_session_open(sg_cli_t *cli, const char *cmd, scan_run_t **run)
{
    scan_run_t *r = apr_pcalloc(cli->pool, sizeof(*r));
    int rc;

    if ((rc = setup_all(r, cli, cmd)) >= 0) return rc;
    r->syslog_findings = 1;
    start_workers(r);
    *run = r;
    return -1;
}

void scan_session_file(scan_run_t *run, const char *path)
{
    const char *slash = strrchr(path, '/');

    if (excluded(run, path, slash ? slash + 1 : path)) {
        apr_thread_mutex_lock(run->out_lock);
        scan_stats_skip(&run->stats, SCAN_SKIP_EXCLUDED);
        apr_thread_mutex_unlock(run->out_lock);
        return;
    }
    submit(run, path, 0);
}

void scan_session_tree(scan_run_t *run, const char *dir)
{
    struct stat st;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        if (fd >= 0) close(fd);
        file_error(run, dir, "cannot open directory", errno);
        return;
    }
    walk_dir(run, NULL, fd, dir, st.st_dev, 0, run->cli->pool);   /* closes FD */
}

void scan_session_counts(scan_run_t *run, scan_session_counts_t *c)
{
    apr_thread_mutex_lock(run->out_lock);
    c->scanned = run->stats.files;
    c->cache_hits = run->stats.cache_hits;
    c->malicious = run->stats.malicious;
    c->suspicious = run->stats.suspicious;
    c->errors = (unsigned long)run->errors;
    apr_thread_mutex_unlock(run->out_lock);
    c->queued = 0;
    if (run->jobs > 1) {
        apr_thread_mutex_lock(run->lock);
        c->queued = (unsigned long)run->count;
        apr_thread_mutex_unlock(run->lock);
    }
}

int scan_session_notify(scan_run_t *run)
{
    int failed = run->notify ? scan_notify_send(run->notify) : 0;

    apr_thread_mutex_lock(run->out_lock);
    run->errors += failed;
    apr_thread_mutex_unlock(run->out_lock);
    return failed;
}

int scan_session_close(scan_run_t *run)
{
    return finish(run);
}

void scan_session_sync(scan_run_t *run)
{
    if (run->cache && run->cache_writes) scan_cache_sync(run->cache);
}

/* ---------------------------------------------------------------- judges (watch --prevent) */

struct scan_judge_t {
    worker_t w;    /* a worker's buffer, pool and cache reader; never on the queue */
};

scan_judge_t *scan_session_judge(scan_run_t *run)
{
    scan_judge_t *j = malloc(sizeof(*j));

    if (j) worker_init(&j->w, run);
    return j;
}

void scan_judge_done(scan_judge_t *j)
{
    if (!j) return;
    worker_done(&j->w);
    free(j);
}

int scan_judge_cached(scan_judge_t *j, const struct stat *st, int *severity)
{
    return j->w.cache && scan_cache_verdict(j->w.cache, st, severity);
}

int scan_judge_fd(scan_judge_t *j, const char *path, int fd, const struct stat *st)
{
    worker_t *w = &j->w;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *findings = NULL;
    unsigned char digest[32];
    apr_size_t len = 0;
    apr_status_t rv;
    int severity = SCAN_JUDGE_FAILED, have_digest;

    if (st->st_size > w->run->max_size
        || read_fd(w, fd, (apr_size_t)st->st_size, &len) != 0) {
        goto cleanup;
    }
    have_digest = cache_digest(w, w->buf, len, digest);
    rv = sg_engine_scan_buffer(w->run->engine, path, w->buf, len, fd, w->pool, &findings,
                               &res);
    /* Over its budget or with ClamAV failing, a file is judged only by a
     * malicious finding it got anyway: the rest is not a verdict. */
    if (rv == APR_SUCCESS || (findings && malicious(findings))) {
        severity = worst_severity(findings);
    }
    if (rv == APR_SUCCESS && have_digest) cache_verdict(w, st, digest, severity, 0, findings);
cleanup:
    apr_pool_clear(w->pool);
    return severity;
}

/* ---------------------------------------------------------------- classic entry points */

#define CLAMD_DEFAULT_SOCKET "socket /var/run/clamav/clamd.ctl"   /* Debian's clamd */

/* "-q [DIR]": the classic scripts took the next word as DIR unless it
 * started with '-'; pushes "--LONG" or "--LONG=DIR" and returns the words used. */
static int classic_optional(apr_array_header_t *out, apr_pool_t *p, const char *lng,
                            int i, int argc, const char *const *argv)
{
    if (i + 1 < argc && argv[i + 1][0] != '-') {
        APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, "--", lng, "=", argv[i + 1], NULL);
        return 2;
    }
    APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, "--", lng, NULL);
    return 1;
}

/* The classic full-scan took -n PATTERN as a basic regex (sed's and grep's:
 * groups \(...\)); --notify-user wants an extended one.  Returns PATTERN in
 * extended syntax: \( \) \{ \} and GNU's \| \+ \? become operators, the bare
 * ( ) { } | + ? become literals, bracket expressions are copied as they are,
 * and a '*' that starts the pattern, a group or follows '^' stays literal. */
static const char *bre_to_ere(const char *bre, apr_pool_t *p)
{
    char *out = apr_palloc(p, strlen(bre) * 2 + 1), *o = out;
    const char *c = bre;
    int at_start = 1;   /* where a BRE '*' is a literal */

    while (*c) {
        if (*c == '[') {
            /* copied through its closing ']' ("[]a]" and "[^]a]" hold a ']') */
            const char *e = c + 1;
            if (*e == '^') e++;
            if (*e == ']') e++;
            while (*e && *e != ']') e++;
            if (*e) e++;
            memcpy(o, c, (apr_size_t)(e - c));
            o += e - c;
            c = e;
            at_start = 0;
            continue;
        }
        if (*c == '\\' && c[1] && strchr("(){}|+?", c[1])) {
            *o++ = c[1];
            at_start = c[1] == '(' || c[1] == '|';
            c += 2;
            continue;
        }
        if (*c == '\\' && c[1]) {
            *o++ = *c++;
            *o++ = *c++;
            at_start = 0;
            continue;
        }
        if (strchr("(){}|+?", *c) || (*c == '*' && at_start)) {
            *o++ = '\\';
        }
        at_start = *c == '^' && at_start;
        *o++ = *c++;
    }
    *o = '\0';
    return out;
}

/* One classic option of NAME at ARGV[I] pushed as scan's; returns the words
 * used, 0 when it is not one of NAME's, -1 after a usage error. */
static int classic_option(apr_array_header_t *out, apr_pool_t *p, const char *name, int i,
                          int argc, const char *const *argv)
{
    const char *a = argv[i];
    int full = !strcmp(name, "full-scan"), detector = !strcmp(name, "php-shell-detector");

    if ((full || detector) && (!strcmp(a, "-q") || !strcmp(a, "--quarantine"))) {
        return classic_optional(out, p, "quarantine", i, argc, argv);
    }
    if (full && (!strcmp(a, "-n") || !strcmp(a, "--notify-user"))) {
        if (i + 1 < argc && argv[i + 1][0] != '-') {
            APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, "--notify-user=",
                                                            bre_to_ere(argv[i + 1], p), NULL);
            return 2;
        }
        return classic_optional(out, p, "notify-user", i, argc, argv);
    }
    if (full && (!strcmp(a, "-c") || !strcmp(a, "--custom-email"))) {
        if (i + 1 >= argc) {
            sg_cli_error("%s: %s needs a FILE; try '%s --help'", name, a, name);
            return -1;
        }
        APR_ARRAY_PUSH(out, const char *) = "--notify-template";
        APR_ARRAY_PUSH(out, const char *) = argv[i + 1];
        return 2;
    }
    if (full && !strncmp(a, "--custom-email=", 15)) {
        APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(p, "--notify-template=", a + 15, NULL);
        return 1;
    }
    if (detector && (!strcmp(a, "-c") || !strcmp(a, "--clean"))) {
        APR_ARRAY_PUSH(out, const char *) = "--clean";
        return 1;
    }
    return 0;
}

/* clamd-client's ClamAV: the config's socket or tcp, else Debian's clamd socket. */
static const char *classic_clamd(sg_cli_t *cli)
{
    const char *v;

    if (sg_cli_load_conf(cli) == SG_EXIT_OK && (v = sg_conf_get(cli->conf, "clamav"))
        && (!strncmp(v, "socket ", 7) || !strncmp(v, "tcp ", 4))) {
        return v;
    }
    return CLAMD_DEFAULT_SOCKET;
}

/* Rewrites the classic scripts' command lines into scan's: full-scan -q [DIR]
 * -n [PATTERN] -c FILE, php-shell-detector -q [DIR] -c, clamd-client
 * [THREADS]; all read the list of files on stdin.  Long options that are not
 * classic ones are passed on to scan (e.g. --config, --json). */
int sg_scan_classic_args(sg_cli_t *cli, const char *name, int *argc,
                         const char *const **argv)
{
    apr_array_header_t *out = apr_array_make(cli->pool, *argc + 6, sizeof(const char *));
    const char *const *av = *argv;
    int i, n, clamd = !strcmp(name, "clamd-client"), threads = 0;

    APR_ARRAY_PUSH(out, const char *) = av[0];
    /* The classic scripts printed findings only: no progress, no summary. */
    APR_ARRAY_PUSH(out, const char *) = "--quiet";
    for (i = 1; i < *argc; i += n) {
        if (!strcmp(av[i], "--help") || !strcmp(av[i], "-h")) {
            return SG_EXIT_OK;   /* run_command prints the usage */
        }
        if ((n = classic_option(out, cli->pool, name, i, *argc, av)) < 0) return SG_EXIT_ERROR;
        if (n > 0) continue;
        n = 1;
        if (clamd && !threads && av[i][0] != '-') {
            char *end;
            long t = strtol(av[i], &end, 10);
            if (*end || t < 1 || t > SCAN_MAX_JOBS) {
                sg_cli_error("%s: THREADS is not a number from 1 to 64: '%s'", name, av[i]);
                return SG_EXIT_ERROR;
            }
            APR_ARRAY_PUSH(out, const char *) = "-j";
            APR_ARRAY_PUSH(out, const char *) = av[i];
            threads = 1;
        }
        else if (!strncmp(av[i], "--", 2) && av[i][2]) {
            if (!strncmp(av[i], "--config=", 9)) {   /* for classic_clamd() */
                cli->conf_path = av[i] + 9;
                cli->conf_explicit = 1;
            }
            APR_ARRAY_PUSH(out, const char *) = av[i];   /* scan's own, checked there */
        }
        else {
            sg_cli_error("%s: unknown option or argument '%s'; try '%s --help'", name, av[i],
                         name);
            return SG_EXIT_ERROR;
        }
    }
    if (clamd) {
        APR_ARRAY_PUSH(out, const char *) = apr_pstrcat(cli->pool, "--clamav=",
                                                        classic_clamd(cli), NULL);
    }
    APR_ARRAY_PUSH(out, const char *) = "-";
    APR_ARRAY_PUSH(out, const char *) = NULL;
    *argc = out->nelts - 1;
    *argv = (const char *const *)out->elts;
    return SG_EXIT_OK;
}

/* ---------------------------------------------------------------- inspect */

/* Prints the @inspectFile verdict line ("1 " when CODE is 0, else "0 "),
 * TEXT, PATH and WHAT (may be NULL; control bytes escaped); returns CODE. */
static int verdict(sg_cli_t *cli, int code, const char *text, const char *path, const char *what)
{
    fputs(code == SG_EXIT_OK ? "1 " : "0 ", cli->out);
    fputs(text, cli->out);
    if (path) sg_cli_put_path(cli->out, path);
    if (what) sg_cli_put_path(cli->out, what);
    fputc('\n', cli->out);
    return code;
}

/* spamgear inspect FILE: ModSecurity's @inspectFile runs it on an upload and
 * reads the first line: "1..." clean, anything else a match.  Errors and
 * files over max-file-size print "0" too: an upload that was not scanned is
 * refused, not let through. */
int sg_cmd_inspect(sg_cli_t *cli, int argc, const char *const *argv)
{
    sg_engine_t *engine;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *findings;
    apr_int64_t max;
    struct stat st;
    worker_t w;
    apr_size_t len;
    const char *line = "";
    apr_status_t rv;
    int fd, err, i;

    if (argc != 1) {
        sg_cli_error("inspect: needs one FILE; try 'spamgear inspect --help'");
        return verdict(cli, SG_EXIT_ERROR, "spamgear: inspect needs one FILE", NULL, NULL);
    }
    if (sg_cli_load_conf(cli) != SG_EXIT_OK || setup_engine(cli, &engine, "inspect", NULL) >= 0) {
        /* the cause on stdout too: ModSecurity logs only stdout */
        return verdict(cli, SG_EXIT_ERROR, "spamgear: inspect: cannot load the config or the "
                       "signatures: ", NULL, sg_cli_last_error());
    }
    if (sg_parse_size(sg_conf_get(cli->conf, "max-file-size"), &max) != APR_SUCCESS) max = 16 << 20;
    if ((fd = open(argv[0], O_RDONLY | O_NONBLOCK | O_CLOEXEC)) < 0 || fstat(fd, &st) != 0
        || !S_ISREG(st.st_mode) || st.st_size > max) {
        err = fd < 0 ? errno : S_ISREG(st.st_mode) ? EFBIG : EINVAL;
        if (fd >= 0) close(fd);
        return verdict(cli, SG_EXIT_ERROR, "spamgear: not scanned: ", argv[0],
                       apr_psprintf(cli->pool, ": %s", err == EFBIG ? "over max-file-size"
                                                       : err == EINVAL ? "not a regular file"
                                                       : strerror(err)));
    }
    memset(&w, 0, sizeof(w));
    apr_pool_create(&w.pool, cli->pool);
    err = read_fd(&w, fd, (apr_size_t)st.st_size, &len);
    /* Over the budget is a finding (Scan.BudgetExceeded), not "not scanned". */
    if (err || ((rv = sg_engine_scan_buffer(engine, argv[0], w.buf, len, fd, w.pool, &findings,
                                            &res)) != APR_SUCCESS && rv != APR_TIMEUP)) {
        close(fd);
        free(w.buf);
        return verdict(cli, SG_EXIT_ERROR, "spamgear: not scanned: ", argv[0],
                       apr_pstrcat(cli->pool, ": ", err ? strerror(err) : res.problem, NULL));
    }
    close(fd);
    free(w.buf);
    if (findings->nelts == 0) return verdict(cli, SG_EXIT_OK, "spamgear: clean", NULL, NULL);
    for (i = 0; i < findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(findings, i, sg_finding_t);
        line = apr_psprintf(cli->pool, "%s [%s] [%s]%s%s%s", line, f->engine, f->signature,
                            f->member ? " [in " : "", f->member ? f->member : "",
                            f->member ? "]" : "");
    }
    return verdict(cli, SG_EXIT_FOUND, "spamgear: found in ", argv[0], line);
}
