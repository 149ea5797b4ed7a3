/* cmd_watch.c: spamgear watch: scan files as they are written or moved into
 * the watched trees, by any route (fanotify filesystem marks), and
 * spamgear watch --status. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <jansson.h>
#include "sg_cli.h"
#include "sg_log.h"
#include "sg_units.h"
#include "scan_run.h"
#include "watch_prevent.h"

#define WATCH_MAX_ROOTS 64
#define WATCH_EVENT_BUF 65536                      /* bytes of events read at once */
#define WATCH_SETTLE apr_time_from_msec(250)       /* quiet time before a scan */
#define WATCH_MAX_DELAY apr_time_from_msec(1000)   /* ...but never more than this */
#define WATCH_TICK_MS 50                           /* poll timeout while files wait */
#define WATCH_DISPATCH 256                         /* files handed on per turn */
#define WATCH_STATUS_EVERY apr_time_from_sec(1)
#define WATCH_MAX_OVERFLOW_DIRS 1024               /* beyond: every root is rescanned */
#define WATCH_STATUS_MAX 4096                      /* bytes of the status file read */
#define WATCH_DEFAULT_ROOTS { "/home", "/var/www", NULL }

/* ioprio_set(2) has no glibc wrapper. */
#define IOPRIO_WHO_PROCESS 1
#define IOPRIO_CLASS_BE 2
#define IOPRIO_VALUE(cls, data) (((cls) << 13) | (data))

typedef struct watch_root_t {
    const char *path;     /* absolute, no trailing slash (except "/") */
    apr_size_t len;
    int fd;               /* open_by_handle_at's mount fd for its file system */
    fsid_t fsid;
} watch_root_t;

typedef struct pending_t {
    apr_time_t first, due;   /* first event; when the file has been quiet long enough */
    int is_dir;              /* a directory moved in: walk it */
} pending_t;

/* Counters, as --status shows them. */
typedef struct watch_counts_t {
    unsigned long events;       /* fanotify events under the roots */
    unsigned long coalesced;    /* events folded into a file already waiting */
    unsigned long dispatched;   /* files and trees handed to the scanner */
    unsigned long trees;        /* of those, directories moved in (walked) */
    unsigned long overflows;    /* events lost: the kernel's queue or ours was full */
    unsigned long rescans;      /* directories rescanned after an overflow */
} watch_counts_t;

typedef struct watch_t {
    sg_cli_t *cli;
    scan_run_t *run;
    watch_root_t roots[WATCH_MAX_ROOTS];
    int nroots;
    int fan_fd, sig_fd;
    apr_pool_t *tpool;            /* the table's keys; cleared when it empties */
    apr_hash_t *pending;          /* path -> pending_t */
    unsigned long max_pending;    /* watch-queue */
    unsigned long allocated;      /* entries allocated from tpool since it was cleared */
    apr_pool_t *opool;
    apr_hash_t *overflow_dirs;    /* directories to rescan (ours overflowed) */
    int rescan_roots;             /* the kernel's queue overflowed: every root */
    double rate;                  /* watch-rate: files per second, 0 = no cap */
    apr_time_t next_slot;
    const char *status_path;
    apr_time_t started, status_written;
    apr_time_t notify_every, notified;   /* --notify-user: mails at most this often */
    watch_prevent_t *wp;          /* its machinery once started, else NULL */
    watch_counts_t n;
} watch_t;

/* ---------------------------------------------------------------- setup */

static int watch_error(const char *fmt, const char *a, const char *b)
{
    sg_cli_error(fmt, a, b);
    return SG_EXIT_ERROR;
}

/* The kernel's refusals, in words an admin can act on. */
static const char *init_problem(int err)
{
    switch (err) {
    case EPERM: return "fanotify needs root (CAP_SYS_ADMIN)";
    case EINVAL: return "this kernel's fanotify cannot report file names "
                        "(FAN_REPORT_DFID_NAME: Linux 5.9 or later)";
    case ENOSYS: return "this kernel has no fanotify (CONFIG_FANOTIFY)";
    default: return strerror(err);
    }
}

static int add_root(watch_t *w, const char *path)
{
    watch_root_t *r = &w->roots[w->nroots];
    struct statfs sf;
    char *real;
    int rc;

    if (w->nroots == WATCH_MAX_ROOTS) {
        return watch_error("watch: %s: more than 64 trees to watch%s", path, "");
    }
    if (!(real = realpath(path, NULL))) {
        return watch_error("watch: %s: %s", path, strerror(errno));
    }
    r->path = apr_pstrdup(w->cli->pool, real);
    free(real);
    r->len = strlen(r->path);
    if ((r->fd = open(r->path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
        return watch_error("watch: %s: %s", r->path, strerror(errno));
    }
    if (fstatfs(r->fd, &sf) != 0) return watch_error("watch: %s: %s", r->path, strerror(errno));
    r->fsid = sf.f_fsid;
    /* One mark per file system, whatever the number of trees on it: events
     * come from every directory of it, without a watch per directory, and
     * are kept when under one of the roots. */
    rc = fanotify_mark(w->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM,
                       FAN_CLOSE_WRITE | FAN_MOVED_TO | FAN_ONDIR, r->fd, NULL);
    if (rc != 0) {
        return watch_error("watch: %s: cannot watch its file system: %s", r->path,
                           errno == EPERM ? "fanotify filesystem marks need root (CAP_SYS_ADMIN)"
                           : errno == EXDEV || errno == ENODEV || errno == EOPNOTSUPP
                               ? "fanotify filesystem marks are not supported there "
                                 "(Linux 5.1+, a file system with file handles)"
                               : strerror(errno));
    }
    w->nroots++;
    return -1;
}

/* The roots: the arguments, else the watch key's, else /home and /var/www
 * (those that exist). */
static int add_roots(watch_t *w, int argc, const char *const *argv)
{
    static const char *const defaults[] = WATCH_DEFAULT_ROOTS;
    const apr_array_header_t *keyed = sg_conf_get_all(w->cli->conf, "watch");
    int i, rc;

    for (i = 0; i < argc; i++) {
        if ((rc = add_root(w, argv[i])) >= 0) return rc;
    }
    for (i = 0; argc == 0 && keyed && i < keyed->nelts; i++) {
        if ((rc = add_root(w, APR_ARRAY_IDX(keyed, i, sg_conf_entry_t).value)) >= 0) return rc;
    }
    for (i = 0; argc == 0 && (!keyed || !keyed->nelts) && defaults[i]; i++) {
        if (access(defaults[i], F_OK) == 0 && (rc = add_root(w, defaults[i])) >= 0) return rc;
    }
    if (w->nroots == 0) {
        return watch_error("watch: nothing to watch (no PATH, no watch key, no /home or "
                           "/var/www)%s%s", "", "");
    }
    return -1;
}

static int number_key(sg_cli_t *cli, const char *key, unsigned long max, unsigned long *out)
{
    const char *v = sg_conf_get(cli->conf, key);
    char *end;

    errno = 0;
    *out = strtoul(v, &end, 10);
    if (errno || *end || end == v || *out > max) {
        sg_cli_error("watch: %s %s: not a number from 0 to %lu", key, v, max);
        return SG_EXIT_ERROR;
    }
    return -1;
}

/* Nice and I/O priority, set before the workers start: threads take their
 * creator's.  A tar of 100,000 files then scans on what the server spares. */
static int lower_priority(watch_t *w)
{
    unsigned long nice_value;
    int rc;

    if ((rc = number_key(w->cli, "watch-nice", 19, &nice_value)) >= 0) return rc;
    if (setpriority(PRIO_PROCESS, 0, (int)nice_value) != 0) {
        sg_cli_error("watch: warning: cannot set nice %lu: %s", nice_value, strerror(errno));
    }
    if (nice_value > 0
        && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, IOPRIO_VALUE(IOPRIO_CLASS_BE, 7)) != 0) {
        sg_cli_error("watch: warning: cannot lower the I/O priority: %s", strerror(errno));
    }
    return -1;
}

static int open_signals(watch_t *w)
{
    sigset_t set;

    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    /* blocked before the workers start, so that they inherit the mask */
    sigprocmask(SIG_BLOCK, &set, NULL);
    if ((w->sig_fd = signalfd(-1, &set, SFD_CLOEXEC)) < 0) {
        return watch_error("watch: signalfd: %s%s", strerror(errno), "");
    }
    return -1;
}

/* ---------------------------------------------------------------- the table */

static void table_reset(watch_t *w)
{
    apr_pool_clear(w->tpool);
    w->pending = apr_hash_make(w->tpool);
    w->allocated = 0;
}

/* Keys are never freed one by one: once many more were allocated than the
 * table holds, the live ones move to a fresh pool. */
static void table_compact(watch_t *w)
{
    apr_pool_t *np;
    apr_hash_t *nh;
    apr_hash_index_t *hi;

    if (w->allocated < 4 * w->max_pending + 1024) return;
    apr_pool_create(&np, w->cli->pool);
    nh = apr_hash_make(np);
    for (hi = apr_hash_first(NULL, w->pending); hi; hi = apr_hash_next(hi)) {
        const char *k = apr_hash_this_key(hi);
        pending_t *v = apr_pmemdup(np, apr_hash_this_val(hi), sizeof(pending_t));
        apr_hash_set(nh, apr_pstrdup(np, k), APR_HASH_KEY_STRING, v);
    }
    apr_pool_destroy(w->tpool);
    w->tpool = np;
    w->pending = nh;
    w->allocated = apr_hash_count(nh);
}

/* Our table is full: the file's directory is rescanned once there is room. */
static void overflow(watch_t *w, const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *dir = slash && slash != path ? apr_pstrndup(w->opool, path, slash - path) : "/";

    w->n.overflows++;
    if (apr_hash_count(w->overflow_dirs) >= WATCH_MAX_OVERFLOW_DIRS) {
        w->rescan_roots = 1;
        return;
    }
    if (!apr_hash_get(w->overflow_dirs, dir, APR_HASH_KEY_STRING)) {
        if (apr_hash_count(w->overflow_dirs) == 0) {
            sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, w->cli->pool,
                          "watch: more than %lu files wait for a scan: events dropped, their "
                          "directories are rescanned when the queue drains", w->max_pending);
        }
        apr_hash_set(w->overflow_dirs, dir, APR_HASH_KEY_STRING, "");
    }
}

/* An event for PATH: the file waits until it has been quiet for
 * WATCH_SETTLE (an editor saving ten times is one scan), at most
 * WATCH_MAX_DELAY after its first event. */
static void note(watch_t *w, const char *path, int is_dir, apr_time_t now)
{
    pending_t *p = apr_hash_get(w->pending, path, APR_HASH_KEY_STRING);

    w->n.events++;
    if (p) {
        w->n.coalesced++;
        p->due = now + WATCH_SETTLE;
        if (p->due > p->first + WATCH_MAX_DELAY) p->due = p->first + WATCH_MAX_DELAY;
        p->is_dir |= is_dir;
        return;
    }
    if (apr_hash_count(w->pending) >= w->max_pending) {
        overflow(w, path);
        return;
    }
    p = apr_palloc(w->tpool, sizeof(*p));
    p->first = now;
    p->due = now + WATCH_SETTLE;
    p->is_dir = is_dir;
    apr_hash_set(w->pending, apr_pstrdup(w->tpool, path), APR_HASH_KEY_STRING, p);
    w->allocated++;
}

/* ---------------------------------------------------------------- events */

static const watch_root_t *root_of_fsid(const watch_t *w, const __kernel_fsid_t *fsid)
{
    int i;

    for (i = 0; i < w->nroots; i++) {
        if (!memcmp(&w->roots[i].fsid, fsid, sizeof(*fsid))) return &w->roots[i];
    }
    return NULL;
}

static int under_a_root(const watch_t *w, const char *path)
{
    int i;

    for (i = 0; i < w->nroots; i++) {
        const watch_root_t *r = &w->roots[i];
        if (r->len == 1 || (!strncmp(path, r->path, r->len) && path[r->len] == '/')) return 1;
    }
    return 0;
}

/* The path of the directory a file handle names, or NULL (it is gone). */
static const char *dir_path(const watch_root_t *root, struct file_handle *fh, char *buf,
                            apr_size_t size)
{
    char link[64];
    ssize_t n;
    int fd = open_by_handle_at(root->fd, fh, O_PATH | O_DIRECTORY | O_CLOEXEC);

    if (fd < 0) return NULL;
    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, buf, size - 1);
    close(fd);
    if (n <= 0 || (apr_size_t)n >= size - 1) return NULL;
    buf[n] = '\0';
    if (n > 10 && !strcmp(buf + n - 10, " (deleted)")) return NULL;
    return buf;
}

/* M: the event's metadata (copied out: see read_events); RAW: the event's
 * bytes, whose info records start at M->metadata_len (4-byte aligned, as
 * their fields need). */
static void handle_event(watch_t *w, const struct fanotify_event_metadata *m, const char *raw,
                         apr_time_t now)
{
    const struct fanotify_event_info_fid *fid = (const void *)(raw + m->metadata_len);
    struct file_handle *fh;
    const watch_root_t *root;
    const char *name, *dir;
    char dbuf[4096], path[4096 + 256];

    if (m->mask & FAN_Q_OVERFLOW) {
        w->n.overflows++;
        if (!w->rescan_roots) {
            sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, w->cli->pool,
                          "watch: the kernel's event queue overflowed: events were lost, "
                          "every watched tree is rescanned");
        }
        w->rescan_roots = 1;
        return;
    }
    if (m->pid == getpid() || m->event_len < m->metadata_len + sizeof(*fid)
        || fid->hdr.info_type != FAN_EVENT_INFO_TYPE_DFID_NAME) {
        return;
    }
    fh = (struct file_handle *)fid->handle;
    name = (const char *)fh->f_handle + fh->handle_bytes;
    if (!(root = root_of_fsid(w, &fid->fsid))
        || !(dir = dir_path(root, fh, dbuf, sizeof(dbuf)))) {
        return;
    }
    snprintf(path, sizeof(path), "%s%s%s", dir, dir[1] ? "/" : "", name);
    if (under_a_root(w, path)) note(w, path, (m->mask & FAN_ONDIR) != 0, now);
}

/* Reads what the kernel has; 0, or -1 after saying why the watch stops. */
static int read_events(watch_t *w)
{
    char buf[WATCH_EVENT_BUF] __attribute__((aligned(8)));
    struct fanotify_event_metadata m;
    apr_time_t now = apr_time_now();
    ssize_t len, off;

    while ((len = read(w->fan_fd, buf, sizeof(buf))) > 0) {
        /* Events are 4-byte aligned only (a file name makes an event's
         * length any multiple of 4): the metadata, which holds a 64-bit
         * mask, is copied out, not read in place (FAN_EVENT_NEXT would). */
        for (off = 0; off + (ssize_t)sizeof(m) <= len; off += m.event_len) {
            memcpy(&m, buf + off, sizeof(m));
            if (m.event_len < sizeof(m) || m.metadata_len < sizeof(m)
                || off + (ssize_t)m.event_len > len) {
                break;
            }
            if (m.vers != FANOTIFY_METADATA_VERSION) {
                sg_cli_error("watch: fanotify metadata version %d, expected %d", m.vers,
                             FANOTIFY_METADATA_VERSION);
                return -1;
            }
            handle_event(w, &m, buf + off, now);
        }
    }
    if (len < 0 && errno != EAGAIN && errno != EINTR) {
        sg_cli_error("watch: reading fanotify events: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- scanning */

/* watch-rate: hands on at most RATE files a second (sleeps in between). */
static void pace(watch_t *w)
{
    apr_time_t now;

    if (w->rate <= 0) return;
    now = apr_time_now();
    if (w->next_slot > now) apr_sleep(w->next_slot - now);
    if (w->next_slot < now) w->next_slot = now;
    w->next_slot += (apr_time_t)(APR_USEC_PER_SEC / w->rate);
}

static void dispatch(watch_t *w, const char *path, int is_dir)
{
    struct stat st;

    pace(w);
    w->n.dispatched++;
    if (is_dir || (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
        w->n.trees++;
        scan_session_tree(w->run, path);
    }
    else if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        scan_session_file(w->run, path);
    }
}

/* Hands on the files that are due, at most WATCH_DISPATCH of them (the
 * events must be read in between); then the overflowed directories once
 * the table has drained. */
static void dispatch_due(watch_t *w, int all)
{
    apr_time_t now = apr_time_now();
    apr_hash_index_t *hi;
    int handed = 0, i;

    for (hi = apr_hash_first(NULL, w->pending); hi && handed < WATCH_DISPATCH;
         hi = apr_hash_next(hi)) {
        const char *path = apr_hash_this_key(hi);
        pending_t *p = apr_hash_this_val(hi);
        if (!all && p->due > now) continue;
        apr_hash_set(w->pending, path, APR_HASH_KEY_STRING, NULL);   /* safe while iterating */
        dispatch(w, path, p->is_dir);
        handed++;
    }
    if (apr_hash_count(w->pending) == 0) table_reset(w);
    else table_compact(w);
    if (apr_hash_count(w->pending) > 0) return;
    if (w->rescan_roots) {
        w->rescan_roots = 0;
        for (i = 0; i < w->nroots; i++) {
            w->n.rescans++;
            scan_session_tree(w->run, w->roots[i].path);
        }
        apr_pool_clear(w->opool);
        w->overflow_dirs = apr_hash_make(w->opool);
    }
    else if (apr_hash_count(w->overflow_dirs) > 0) {
        for (hi = apr_hash_first(NULL, w->overflow_dirs); hi; hi = apr_hash_next(hi)) {
            w->n.rescans++;
            scan_session_tree(w->run, apr_hash_this_key(hi));
        }
        apr_pool_clear(w->opool);
        w->overflow_dirs = apr_hash_make(w->opool);
    }
}

/* ---------------------------------------------------------------- status */

/* --prevent's figures, as the status file's fields (all 0 without it). */
static void put_prevent_status(FILE *fp, watch_t *w)
{
    watch_prevent_counts_t pc;

    memset(&pc, 0, sizeof(pc));
    if (w->wp) watch_prevent_counts(w->wp, &pc);
    fprintf(fp, ",\"prevent\":%s,\"perm_events\":%lu,\"perm_checked\":%lu,\"perm_exempt\":%lu,"
            "\"perm_cached\":%lu,\"perm_scanned\":%lu,\"denied\":%lu,"
            "\"allowed_on_timeout\":%lu,\"ignore_marks\":%lu", w->wp ? "true" : "false",
            pc.events, pc.checked, pc.exempt, pc.cached, pc.scanned, pc.denied, pc.timeouts,
            pc.ignored);
}

static void write_status(watch_t *w, int running)
{
    scan_session_counts_t c;
    char tmp[4200];
    unsigned long looked_up;
    FILE *fp;

    scan_session_counts(w->run, &c);
    looked_up = c.cache_hits + c.scanned;
    snprintf(tmp, sizeof(tmp), "%s.tmp", w->status_path);
    if (!(fp = fopen(tmp, "w"))) return;
    fprintf(fp, "{\"running\":%s,\"pid\":%ld,\"started\":%" APR_TIME_T_FMT ",\"updated\":%"
            APR_TIME_T_FMT ",\"events\":%lu,\"coalesced\":%lu,\"dispatched\":%lu,"
            "\"trees\":%lu,\"scanned\":%lu,\"cache_hits\":%lu,\"cache_hit_rate\":%.3f,"
            "\"malicious\":%lu,\"suspicious\":%lu,\"errors\":%lu,\"waiting\":%u,"
            "\"at_workers\":%lu,\"overflows\":%lu,\"rescans\":%lu",
            running ? "true" : "false", (long)getpid(), apr_time_sec(w->started),
            apr_time_sec(apr_time_now()), w->n.events, w->n.coalesced, w->n.dispatched,
            w->n.trees, c.scanned, c.cache_hits,
            looked_up ? (double)c.cache_hits / (double)looked_up : 0.0, c.malicious,
            c.suspicious, c.errors, apr_hash_count(w->pending), c.queued, w->n.overflows,
            w->n.rescans);
    put_prevent_status(fp, w);
    fputs("}\n", fp);
    if (fclose(fp) == 0) rename(tmp, w->status_path);
    else unlink(tmp);
    w->status_written = apr_time_now();
}

static const char *status_file(sg_cli_t *cli)
{
    return apr_pstrcat(cli->pool, sg_conf_get(cli->conf, "state-dir"), "/watch.status", NULL);
}

/* "running" in the file says what the daemon wrote last; a daemon killed
 * with SIGKILL wrote true: the pid must be alive too. */
static int daemon_alive(json_t *st)
{
    json_int_t pid = json_integer_value(json_object_get(st, "pid"));

    return json_is_true(json_object_get(st, "running")) && pid > 0
           && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static unsigned long counter(json_t *st, const char *key)
{
    return (unsigned long)json_integer_value(json_object_get(st, key));
}

static void print_status_text(FILE *fp, json_t *st, int alive)
{
    char when[32];
    time_t t = (time_t)json_integer_value(json_object_get(st, "started"));
    struct tm tm;

    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
    if (alive) fprintf(fp, "running: pid %lu, since %s\n", counter(st, "pid"), when);
    else fprintf(fp, "not running (the last status was written by pid %lu, started %s)\n",
                 counter(st, "pid"), when);
    fprintf(fp, "events: %lu (%lu coalesced into a file already waiting)\n",
            counter(st, "events"), counter(st, "coalesced"));
    fprintf(fp, "scans: %lu files scanned, %lu vouched for by the verdict cache "
            "(hit rate %.1f%%), %lu directory trees walked\n", counter(st, "scanned"),
            counter(st, "cache_hits"),
            100.0 * json_real_value(json_object_get(st, "cache_hit_rate")),
            counter(st, "trees"));
    fprintf(fp, "findings: %lu malicious, %lu suspicious only; errors: %lu\n",
            counter(st, "malicious"), counter(st, "suspicious"), counter(st, "errors"));
    fprintf(fp, "queue: %lu waiting to settle, %lu at the workers; overflows: %lu, "
            "rescans: %lu\n", counter(st, "waiting"), counter(st, "at_workers"),
            counter(st, "overflows"), counter(st, "rescans"));
    if (!json_is_true(json_object_get(st, "prevent"))) {
        fputs("prevention: off\n", fp);
        return;
    }
    fprintf(fp, "prevention: on; %lu opens held (permission events), %lu of script files "
            "checked, %lu by exempt programs\n", counter(st, "perm_events"),
            counter(st, "perm_checked"), counter(st, "perm_exempt"));
    fprintf(fp, "prevention verdicts: %lu opens denied, %lu allowed on the time limit (queued), "
            "%lu answered from a known verdict, %lu scanned while held, %lu ignore marks set\n",
            counter(st, "denied"), counter(st, "allowed_on_timeout"), counter(st, "perm_cached"),
            counter(st, "perm_scanned"), counter(st, "ignore_marks"));
}

/* watch --status: 0 running, 1 not running (a status is there), 2 no status. */
static int show_status(sg_cli_t *cli)
{
    const char *path = status_file(cli);
    json_error_t jerr;
    json_t *st = json_load_file(path, 0, &jerr);
    int alive;

    if (!st) {
        sg_cli_error("watch: %s: no status (%s): spamgear watch has not run with this "
                     "state-dir", path, jerr.text);
        return SG_EXIT_ERROR;
    }
    alive = daemon_alive(st);
    if (sg_cli_opt(cli, "json")) {
        json_object_set_new(st, "running", json_boolean(alive));
        json_dumpf(st, cli->out, JSON_COMPACT);
        fputc('\n', cli->out);
    }
    else {
        print_status_text(cli->out, st, alive);
    }
    json_decref(st);
    return alive ? SG_EXIT_OK : SG_EXIT_FOUND;
}

/* ---------------------------------------------------------------- the command */

/* --prevent: the permission group, before the engine loads (a kernel
 * without permission events is said at once, in one line). */
static int open_prevention(watch_t *w)
{
    const char **roots = apr_palloc(w->cli->pool, (apr_size_t)w->nroots * sizeof(*roots));
    int i;

    for (i = 0; i < w->nroots; i++) roots[i] = w->roots[i].path;
    return watch_prevent_open(w->cli, roots, w->nroots, &w->wp);
}

static int setup(watch_t *w, sg_cli_t *cli, int argc, const char *const *argv)
{
    apr_int64_t secs;
    unsigned long n;
    int rc;

    w->cli = cli;
    w->fan_fd = w->sig_fd = -1;
    w->started = apr_time_now();
    w->status_path = status_file(cli);
    if (mkdir(sg_conf_get(cli->conf, "state-dir"), 0755) != 0 && errno != EEXIST) {
        return watch_error("watch: %s: cannot create the state-dir: %s",
                           sg_conf_get(cli->conf, "state-dir"), strerror(errno));
    }
    if ((rc = number_key(cli, "watch-queue", 10000000, &w->max_pending)) >= 0) return rc;
    if (w->max_pending == 0) w->max_pending = 1;
    if ((rc = number_key(cli, "watch-rate", 1000000, &n)) >= 0) return rc;
    w->rate = (double)n;
    if (sg_parse_duration(sg_conf_get(cli->conf, "watch-notify-every"), &secs) != APR_SUCCESS
        || secs <= 0) {
        return watch_error("watch: watch-notify-every %s: not a duration%s",
                           sg_conf_get(cli->conf, "watch-notify-every"), "");
    }
    w->notify_every = apr_time_from_sec(secs);
    w->notified = w->started;
    w->fan_fd = fanotify_init(FAN_CLASS_NOTIF | FAN_REPORT_DFID_NAME | FAN_CLOEXEC |
                                  FAN_NONBLOCK, O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (w->fan_fd < 0) return watch_error("watch: %s%s", init_problem(errno), "");
    if ((rc = add_roots(w, argc, argv)) >= 0) return rc;
    if ((rc = open_signals(w)) >= 0) return rc;
    if ((rc = lower_priority(w)) >= 0) return rc;
    /* after the signal mask: the responder thread inherits it */
    if ((sg_cli_opt(cli, "prevent") || !strcmp(sg_conf_get(cli->conf, "watch-prevent"), "yes"))
        && (rc = open_prevention(w)) >= 0) {
        return rc;
    }
    apr_pool_create(&w->tpool, cli->pool);
    apr_pool_create(&w->opool, cli->pool);
    w->pending = apr_hash_make(w->tpool);
    w->overflow_dirs = apr_hash_make(w->opool);
    return -1;
}

static int open_log(sg_cli_t *cli)
{
    const char *log = sg_cli_opt(cli, "log");
    FILE *fp;

    if (!log) log = sg_conf_get(cli->conf, "watch-log");
    if (!log) return -1;
    if (!(fp = fopen(log, "a"))) {
        sg_cli_error("watch: %s: cannot open the log: %s", log, strerror(errno));
        return SG_EXIT_ERROR;
    }
    setvbuf(fp, NULL, _IOLBF, 0);
    cli->out = fp;
    apr_table_set(cli->opts, "json", "");
    return -1;
}

/* A file --prevent allowed unjudged (or found malicious): it waits for the
 * session's scan like one that was written. */
static void note_prevented(void *baton, const char *path)
{
    watch_t *w = baton;

    if (under_a_root(w, path)) note(w, path, 0, apr_time_now());
}

/* Once a second: the status file, and with --prevent the session's new
 * verdicts written to the cache, where prevention looks them up. */
static void every_second(watch_t *w)
{
    if (apr_time_now() - w->status_written < WATCH_STATUS_EVERY) return;
    if (w->wp) scan_session_sync(w->run);
    write_status(w, 1);
}

/* The loop: events in, settled files out to the scanner, the status file
 * once a second; returns when a signal asks it to. */
static int watch_loop(watch_t *w)
{
    struct pollfd pfd[3] = { { w->fan_fd, POLLIN, 0 }, { w->sig_fd, POLLIN, 0 },
                             { w->wp ? watch_prevent_fd(w->wp) : -1, POLLIN, 0 } };
    struct signalfd_siginfo si;

    for (;;) {
        int waiting = apr_hash_count(w->pending) > 0 || apr_hash_count(w->overflow_dirs) > 0
                      || w->rescan_roots;
        int n = poll(pfd, 3, waiting ? WATCH_TICK_MS : 1000);
        if (n < 0 && errno != EINTR) {
            sg_cli_error("watch: poll: %s", strerror(errno));
            return SG_EXIT_ERROR;
        }
        if (pfd[1].revents & POLLIN) {
            if (read(w->sig_fd, &si, sizeof(si)) == sizeof(si)) {
                sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, w->cli->pool,
                              "watch: signal %u: scanning what waits, then stopping",
                              si.ssi_signo);
            }
            return -1;
        }
        if ((pfd[0].revents & POLLIN) && read_events(w) != 0) return SG_EXIT_ERROR;
        if (pfd[2].revents & POLLIN) watch_prevent_take(w->wp, note_prevented, w);
        dispatch_due(w, 0);
        every_second(w);
        if (apr_time_now() - w->notified >= w->notify_every) {
            /* waits for sendmail: events meanwhile wait in the kernel's queue */
            scan_session_notify(w->run);
            w->notified = apr_time_now();
        }
    }
}

int sg_cmd_watch(sg_cli_t *cli, int argc, const char *const *argv)
{
    watch_t *w = apr_pcalloc(cli->pool, sizeof(*w));
    int rc, i;

    if ((rc = sg_cli_load_conf(cli)) != SG_EXIT_OK) return rc;
    if (sg_cli_opt(cli, "status")) return show_status(cli);
    if ((rc = setup(w, cli, argc, argv)) >= 0) goto cleanup;
    if ((rc = open_log(cli)) >= 0) goto cleanup;
    if ((rc = scan_session_open(cli, "watch", &w->run)) >= 0) goto cleanup;
    if (w->wp && (rc = watch_prevent_run(w->wp, w->run)) >= 0) {
        w->wp = NULL;
        scan_session_close(w->run);
        goto cleanup;
    }
    for (i = 0; i < w->nroots; i++) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, cli->pool, "watch: watching %s%s",
                      w->roots[i].path, w->wp ? " (opens of script files judged)" : "");
    }
    write_status(w, 1);
    rc = watch_loop(w);
    /* no open waits for us while the last files are scanned */
    watch_prevent_stop(w->wp);
    while (apr_hash_count(w->pending) > 0) dispatch_due(w, 1);
    i = scan_session_close(w->run);
    write_status(w, 0);
    /* a stop asked for by a signal is a normal end: 0, or 1 if something
     * was found on the way, as scan */
    if (rc < 0) rc = i;
cleanup:
    watch_prevent_stop(w->wp);
    if (w->fan_fd >= 0) close(w->fan_fd);
    if (w->sig_fd >= 0) close(w->sig_fd);
    for (i = 0; i < w->nroots; i++) close(w->roots[i].fd);
    return rc;
}
