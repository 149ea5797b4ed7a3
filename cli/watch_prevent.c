/* watch_prevent.c: spamgear watch --prevent: refuse opens of script files
 * with a malicious verdict (see watch_prevent.h). */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <apr_strings.h>
#include <apr_thread_cond.h>
#include <apr_thread_mutex.h>
#include <apr_thread_proc.h>
#include "sg_log.h"
#include "sg_noexec.h"
#include "sg_regex.h"
#include "sg_sig.h"
#include "sg_units.h"
#include "watch_prevent.h"

#ifndef FAN_MARK_EVICTABLE
#define FAN_MARK_EVICTABLE 0x00000200   /* Linux 5.19; older headers lack it */
#endif

#define PREVENT_JUDGES 2                    /* threads that scan held files */
#define PREVENT_HELD 64                     /* opens held at once; beyond: allowed, queued */
#define PREVENT_RECENT 1024                 /* judges' verdicts remembered (a ring) */
#define PREVENT_QUEUE 4096                  /* files waiting for watch_prevent_take */
#define PREVENT_EVENT_BUF 4096              /* bytes of events read at once */
#define PREVENT_MAX_TIMEOUT apr_time_from_sec(10)
#define PREVENT_MAX_EXEMPT 64               /* programs in watch-prevent-exempt */
#define PREVENT_LOG_PER_SEC 10              /* refusal lines a second; more are counted */
#define PREVENT_LOG_PATH 512                /* bytes of a path in a log line */
#define PREVENT_MSGS 64                     /* log lines waiting for the watch loop */
#define PREVENT_MSG_LEN 768                 /* bytes of one */

/* An open held for a judge. */
typedef struct held_t {
    int fd;                   /* the event's fd; -1: the slot is free */
    int answered;             /* the opener has its answer */
    int judging;              /* a judge has taken it */
    int settled;              /* answered with another slot's verdict: not to be scanned */
    pid_t pid;                /* the opener */
    apr_time_t deadline;      /* monotonic: allowed unjudged at this time */
    struct stat st;           /* the file's stat when it was held */
    char path[PATH_MAX];
} held_t;

/* A judge's verdict, valid while the file is unchanged. */
typedef struct recent_t {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim, ctim;
    int severity;             /* -1 clean, SCAN_JUDGE_FAILED, else an sg_severity_t */
} recent_t;

struct watch_prevent_t {
    sg_cli_t *cli;
    const char *const *roots;        /* judged files are under these */
    apr_size_t root_len[64];         /* strlen of each (cmd_watch: at most 64 roots) */
    int nroots;
    sg_regex_list_t *names;          /* script names (sg_noexec_default_script_names) */
    const char *exempt[PREVENT_MAX_EXEMPT];   /* comm names, or absolute exe paths */
    int nexempt;
    apr_interval_time_t limit;       /* watch-prevent-timeout; 0: never held */
    pid_t self;
    int fan_fd;                      /* the permission group */
    int wake_fd;                     /* eventfd: wakes the responder to stop */
    int queue_fd;                    /* eventfd: files for the watch loop */
    int null_fd;                     /* /dev/null, opened early: see disarm */
    int evictable;                   /* ignore marks are FAN_MARK_EVICTABLE (5.19+) */
    int marks_full;                  /* the kernel refused an ignore mark: no more */
    scan_judge_t *lookups;           /* the responder's verdict-cache reader */
    scan_judge_t *judge[PREVENT_JUDGES];
    apr_thread_t *threads[PREVENT_JUDGES + 1];
    int nthreads;
    apr_thread_mutex_t *lock;        /* guards what follows */
    apr_thread_cond_t *work;         /* judges wait for held opens on it */
    held_t held[PREVENT_HELD];
    int jobs[PREVENT_HELD];          /* held slots no judge has taken yet (a ring) */
    int jhead, jcount;
    recent_t recent[PREVENT_RECENT];
    int rnext;
    char *queue[PREVENT_QUEUE];      /* malloc'ed paths for watch_prevent_take */
    int qcount;
    int stopping;
    int ready;                       /* the judges run: opens are judged */
    int stopped;                     /* watch_prevent_stop() ran */
    char msgs[PREVENT_MSGS][PREVENT_MSG_LEN];   /* log lines for the watch loop */
    sg_log_level_t msg_level[PREVENT_MSGS];
    int nmsgs;
    unsigned long msgs_lost;         /* lines dropped: the watch loop was behind */
    unsigned long answer_failures;   /* answers the kernel refused (atomic) */
    int answer_errno;                /* the last one's errno (atomic) */
    apr_time_t log_second;           /* the second refusals are being logged for */
    int logged;                      /* lines logged in it */
    unsigned long unlogged;          /* refusals not logged since the last line */
    watch_prevent_counts_t n;
};

/* ---------------------------------------------------------------- small helpers */

static apr_time_t mono_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (apr_time_t)ts.tv_sec * APR_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static int same_state(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size
           && a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec
           && a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

static void wake(int fd)
{
    apr_uint64_t one = 1;

    if (write(fd, &one, sizeof(one)) < 0) return;   /* full: it is awake anyway */
}

/* From any thread, with or without the lock: a failure is counted (and
 * said by the watch loop, print_messages). */
static void respond(watch_prevent_t *wp, int fd, unsigned int answer)
{
    struct fanotify_response r = { fd, answer };

    /* ENOENT: the kernel holds no open for FD any more (nothing waits) */
    if (write(wp->fan_fd, &r, sizeof(r)) != (ssize_t)sizeof(r) && errno != ENOENT) {
        __atomic_store_n(&wp->answer_errno, errno, __ATOMIC_RELAXED);
        __atomic_fetch_add(&wp->answer_failures, 1, __ATOMIC_RELAXED);
    }
}

/* One log line, printed by the watch loop (watch_prevent_take): the
 * responder and the judges never write to stderr themselves, which may
 * block (a stalled journal) while openers wait. */
static void say(watch_prevent_t *wp, sg_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(watch_prevent_t *wp, sg_log_level_t level, const char *fmt, ...)
{
    va_list ap;

    apr_thread_mutex_lock(wp->lock);
    if (wp->nmsgs == PREVENT_MSGS) {
        wp->msgs_lost++;
    }
    else {
        va_start(ap, fmt);
        apr_vsnprintf(wp->msgs[wp->nmsgs], PREVENT_MSG_LEN, fmt, ap);
        va_end(ap);
        wp->msg_level[wp->nmsgs++] = level;
        wake(wp->queue_fd);
    }
    apr_thread_mutex_unlock(wp->lock);
}

/* The file an fd is open on, or NULL. */
static const char *fd_path(int fd, char *buf, apr_size_t size)
{
    char link[64];
    ssize_t n;

    snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
    n = readlink(link, buf, size - 1);
    if (n <= 0 || (apr_size_t)n >= size - 1) return NULL;
    buf[n] = '\0';
    return buf;
}

/* PATH with control bytes as \xNN and cut at PREVENT_LOG_PATH bytes, so that
 * a file name cannot forge log lines. */
static const char *loggable(const char *path, char *buf, apr_size_t size)
{
    apr_size_t o = 0;

    for (; *path && o + 5 < size; path++) {
        unsigned char c = (unsigned char)*path;
        if (c < 0x20 || c == 0x7f) o += (apr_size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

/* ---------------------------------------------------------------- what is judged */

/* 1 for a script name under a watched root. */
static int judged_path(const watch_prevent_t *wp, const char *path)
{
    const char *base = strrchr(path, '/');
    int i;

    if (!base || !sg_regex_list_match(wp->names, base + 1, strlen(base + 1))) return 0;
    for (i = 0; i < wp->nroots; i++) {
        apr_size_t len = wp->root_len[i];
        if (len == 1 || (!strncmp(path, wp->roots[i], len) && path[len] == '/')) return 1;
    }
    return 0;
}

/* Reads /proc/PID/NAME into BUF (NUL-terminated, a newline cut); 0 or -1. */
static int proc_read(pid_t pid, const char *name, char *buf, apr_size_t size)
{
    char path[64];
    ssize_t n;
    int fd;

    snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, name);
    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return -1;
    n = read(fd, buf, size - 1);
    close(fd);
    if (n <= 0) return -1;
    buf[n] = '\0';
    if (buf[n - 1] == '\n') buf[n - 1] = '\0';
    return 0;
}

/* 1 when PID runs as root (real and effective uid 0). */
static int runs_as_root(pid_t pid)
{
    char status[4096];
    const char *uid;
    unsigned long ruid, euid;

    if (proc_read(pid, "status", status, sizeof(status)) != 0
        || !(uid = strstr(status, "\nUid:"))
        || sscanf(uid + 5, "%lu %lu", &ruid, &euid) != 2) {
        return 0;
    }
    return ruid == 0 && euid == 0;
}

/* 1 when PID is an exempt program (watch-prevent-exempt) running as root:
 * its comm (which any process may set, hence root only) or its exe path. */
static int exempt(const watch_prevent_t *wp, pid_t pid)
{
    char comm[64], exe[PATH_MAX], link[64];
    ssize_t n;
    int i;

    if (wp->nexempt == 0 || proc_read(pid, "comm", comm, sizeof(comm)) != 0) return 0;
    snprintf(link, sizeof(link), "/proc/%ld/exe", (long)pid);
    n = readlink(link, exe, sizeof(exe) - 1);
    exe[n > 0 ? n : 0] = '\0';
    for (i = 0; i < wp->nexempt; i++) {
        const char *name = wp->exempt[i];
        if (!strcmp(name, name[0] == '/' ? exe : comm)) return runs_as_root(pid);
    }
    return 0;
}

/* ---------------------------------------------------------------- verdicts */

/* A judge's verdict on ST, from the ring; 1 with *SEVERITY, else 0.
 * Called holding the lock. */
static int recent_verdict(const watch_prevent_t *wp, const struct stat *st, int *severity)
{
    int i;

    for (i = 0; i < PREVENT_RECENT; i++) {
        const recent_t *r = &wp->recent[i];
        if (r->ino == st->st_ino && r->dev == st->st_dev && r->size == st->st_size
            && r->mtim.tv_sec == st->st_mtim.tv_sec && r->mtim.tv_nsec == st->st_mtim.tv_nsec
            && r->ctim.tv_sec == st->st_ctim.tv_sec && r->ctim.tv_nsec == st->st_ctim.tv_nsec) {
            *severity = r->severity;
            return 1;
        }
    }
    return 0;
}

/* Called holding the lock. */
static void remember(watch_prevent_t *wp, const struct stat *st, int severity)
{
    recent_t *r = &wp->recent[wp->rnext];

    wp->rnext = (wp->rnext + 1) % PREVENT_RECENT;
    r->dev = st->st_dev;
    r->ino = st->st_ino;
    r->size = st->st_size;
    r->mtim = st->st_mtim;
    r->ctim = st->st_ctim;
    r->severity = severity;
}

/* An ignore mark on the inode FD is open on, judged not malicious when its
 * stat was ST: its opens are no longer held, until a write (which clears
 * the mark: no FAN_MARK_IGNORED_SURV_MODIFY).  A write that ended between
 * ST and the mark did not clear it: the stat is taken again, and a changed
 * file loses the mark.  Evictable (5.19+): the mark does not pin the inode
 * in memory; an evicted inode is judged again at its next open. */
static void ignore(watch_prevent_t *wp, int fd, const struct stat *st)
{
    unsigned int add = FAN_MARK_ADD | FAN_MARK_IGNORED_MASK;
    struct stat now;
    int rc;

    if (wp->marks_full) return;
    rc = fanotify_mark(wp->fan_fd, add | (wp->evictable ? FAN_MARK_EVICTABLE : 0),
                       FAN_OPEN_PERM, fd, NULL);
    if (rc != 0 && errno == EINVAL && wp->evictable) {
        /* before 5.19: marks pin inodes, and fs.fanotify.max_user_marks caps them */
        wp->evictable = 0;
        rc = fanotify_mark(wp->fan_fd, add, FAN_OPEN_PERM, fd, NULL);
    }
    if (rc != 0) {
        if (errno == ENOSPC) {
            wp->marks_full = 1;
            say(wp, SG_LOG_WARNING, "watch: --prevent: the kernel refuses more ignore marks "
                "(fs.fanotify.max_user_marks): clean files are looked up at each open");
        }
        return;
    }
    if (fstat(fd, &now) != 0 || !same_state(st, &now)) {
        fanotify_mark(wp->fan_fd, FAN_MARK_REMOVE | FAN_MARK_IGNORED_MASK, FAN_OPEN_PERM, fd,
                      NULL);
        return;
    }
    apr_thread_mutex_lock(wp->lock);
    wp->n.ignored++;
    apr_thread_mutex_unlock(wp->lock);
}

/* Hands PATH to the watch loop; called holding the lock. */
static void queue_path(watch_prevent_t *wp, const char *path)
{
    char *copy;

    /* a full queue drops it: the notification group saw the write anyway */
    if (wp->qcount == PREVENT_QUEUE || !(copy = strdup(path))) return;
    wp->queue[wp->qcount++] = copy;
    wake(wp->queue_fd);
}

/* One log line for a refused open, at most PREVENT_LOG_PER_SEC a second. */
static void log_denial(watch_prevent_t *wp, pid_t pid, const char *path, const char *why)
{
    char comm[64] = "?", safe[PREVENT_LOG_PATH], safe_comm[256];
    apr_time_t second = apr_time_sec(mono_now());
    unsigned long unlogged = 0;

    apr_thread_mutex_lock(wp->lock);
    if (second != wp->log_second) {
        wp->log_second = second;
        wp->logged = 0;
    }
    if (wp->logged >= PREVENT_LOG_PER_SEC) {
        wp->unlogged++;
        apr_thread_mutex_unlock(wp->lock);
        return;
    }
    wp->logged++;
    unlogged = wp->unlogged;
    wp->unlogged = 0;
    apr_thread_mutex_unlock(wp->lock);
    proc_read(pid, "comm", comm, sizeof(comm));
    if (unlogged) {
        say(wp, SG_LOG_WARNING, "watch: %lu more refused opens were not logged (at most %d "
            "lines a second)", unlogged, PREVENT_LOG_PER_SEC);
    }
    say(wp, SG_LOG_WARNING, "watch: refused an open of %s by pid %ld (%s): %s",
        loggable(path, safe, sizeof(safe)), (long)pid,
        loggable(comm, safe_comm, sizeof(safe_comm)), why);
}

/* ---------------------------------------------------------------- judges */

/* Answers, with H's verdict SEVERITY, the other opens of the same unchanged
 * file that wait for a judge (a busy page's new file, opened by many
 * requests at once: one scan, not one per request).  Called holding the
 * lock. */
static void settle_twins(watch_prevent_t *wp, const held_t *h, int severity)
{
    int i;

    for (i = 0; i < PREVENT_HELD; i++) {
        held_t *o = &wp->held[i];
        if (o == h || o->fd < 0 || o->judging || o->settled || !same_state(&o->st, &h->st)) {
            continue;
        }
        o->settled = 1;
        wp->n.cached++;
        if (o->answered) continue;
        o->answered = 1;
        respond(wp, o->fd, severity == SG_SEV_MALICIOUS ? FAN_DENY : FAN_ALLOW);
        if (severity == SG_SEV_MALICIOUS) wp->n.denied++;
    }
}

/* A judge's verdict SEVERITY on held slot H: the answer if the opener still
 * waits, the verdict remembered, the slot freed. */
static void judged(watch_prevent_t *wp, held_t *h, int severity)
{
    int deny = severity == SG_SEV_MALICIOUS, was_answered;

    /* the mark before the answer: the opener may write as soon as it has it */
    if (severity != SCAN_JUDGE_FAILED && !deny) ignore(wp, h->fd, &h->st);
    apr_thread_mutex_lock(wp->lock);
    wp->n.scanned++;
    /* a failure too: a file over the scan budget would otherwise hold
     * every open of it for the whole time limit */
    remember(wp, &h->st, severity);
    was_answered = h->answered;
    if (!h->answered) {
        respond(wp, h->fd, deny ? FAN_DENY : FAN_ALLOW);
        h->answered = 1;
        if (deny) wp->n.denied++;
    }
    settle_twins(wp, h, severity);
    /* the session reports and quarantines it (allowed on time: queued then) */
    if (deny && !was_answered) queue_path(wp, h->path);
    apr_thread_mutex_unlock(wp->lock);
    if (deny && !was_answered) log_denial(wp, h->pid, h->path, "malicious (scanned)");
    else if (deny) {
        char safe[PREVENT_LOG_PATH];
        say(wp, SG_LOG_WARNING, "watch: %s is malicious: found after its open was allowed on "
            "watch-prevent-timeout", loggable(h->path, safe, sizeof(safe)));
    }
    close(h->fd);
    apr_thread_mutex_lock(wp->lock);
    h->fd = -1;
    apr_thread_mutex_unlock(wp->lock);
}

/* Scans held opens until prevention stops.  Never inlined: see
 * responder_run. */
static __attribute__((noinline)) void judge_loop(watch_prevent_t *wp, scan_judge_t *judge)
{
    for (;;) {
        held_t *h;
        apr_thread_mutex_lock(wp->lock);
        while (wp->jcount == 0 && !wp->stopping) apr_thread_cond_wait(wp->work, wp->lock);
        if (wp->stopping) {
            apr_thread_mutex_unlock(wp->lock);
            return;
        }
        h = &wp->held[wp->jobs[wp->jhead]];
        wp->jhead = (wp->jhead + 1) % PREVENT_HELD;
        wp->jcount--;
        h->judging = !h->settled;
        apr_thread_mutex_unlock(wp->lock);
        if (h->judging) {
            judged(wp, h, scan_judge_fd(judge, h->path, h->fd, &h->st));
        }
        else {   /* a twin's verdict answered it (settle_twins): nothing to scan */
            close(h->fd);
            apr_thread_mutex_lock(wp->lock);
            h->fd = -1;
            apr_thread_mutex_unlock(wp->lock);
        }
    }
}

/* Nice 0 and the default I/O priority for the calling thread: the watch
 * lowered the process's (watch-nice), but an opener waits for this one. */
static void full_priority(void)
{
    pid_t tid = (pid_t)syscall(SYS_gettid);

    setpriority(PRIO_PROCESS, (id_t)tid, 0);
    syscall(SYS_ioprio_set, 1 /* IOPRIO_WHO_PROCESS */, tid, 0);
}

/* What a judge thread is given. */
typedef struct judge_arg_t {
    watch_prevent_t *wp;
    scan_judge_t *judge;      /* its own: a buffer, a pool, a cache reader */
} judge_arg_t;

static void *APR_THREAD_FUNC judge_main(apr_thread_t *t, void *data)
{
    judge_arg_t *arg = data;

    full_priority();
    judge_loop(arg->wp, arg->judge);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* ---------------------------------------------------------------- the responder */

/* Holds the open of PATH (stat ST) for a judge: 0, or FAN_ALLOW when it
 * cannot be held (no time limit, every slot taken), the file then queued. */
static unsigned int hold(watch_prevent_t *wp, const struct fanotify_event_metadata *m,
                         const char *path, const struct stat *st)
{
    held_t *h = NULL;
    int i;

    apr_thread_mutex_lock(wp->lock);
    for (i = 0; wp->limit > 0 && i < PREVENT_HELD && !h; i++) {
        if (wp->held[i].fd < 0) h = &wp->held[i];
    }
    if (!h) {
        wp->n.timeouts++;
        queue_path(wp, path);
        apr_thread_mutex_unlock(wp->lock);
        return FAN_ALLOW;
    }
    h->fd = m->fd;
    h->answered = h->judging = h->settled = 0;
    h->pid = m->pid;
    h->deadline = mono_now() + wp->limit;
    h->st = *st;
    apr_cpystrn(h->path, path, sizeof(h->path));
    wp->jobs[(wp->jhead + wp->jcount) % PREVENT_HELD] = (int)(h - wp->held);
    wp->jcount++;
    apr_thread_cond_signal(wp->work);
    apr_thread_mutex_unlock(wp->lock);
    return 0;
}

/* The answer to the open event M when it can be given at once, else 0 (the
 * open is held for a judge). */
static unsigned int decide(watch_prevent_t *wp, const struct fanotify_event_metadata *m)
{
    char path[PATH_MAX];
    struct stat st;
    int severity = -1, known;

    /* our own opens first: the session's scans read the files being judged */
    if (m->pid == wp->self || fstat(m->fd, &st) != 0 || !S_ISREG(st.st_mode)
        || st.st_size == 0 || !fd_path(m->fd, path, sizeof(path)) || !judged_path(wp, path)) {
        return FAN_ALLOW;
    }
    apr_thread_mutex_lock(wp->lock);
    if (!wp->ready) {   /* the engine is still loading: nothing is judged yet */
        apr_thread_mutex_unlock(wp->lock);
        return FAN_ALLOW;
    }
    wp->n.checked++;
    known = recent_verdict(wp, &st, &severity);
    apr_thread_mutex_unlock(wp->lock);
    if (exempt(wp, m->pid)) {
        apr_thread_mutex_lock(wp->lock);
        wp->n.exempt++;
        apr_thread_mutex_unlock(wp->lock);
        return FAN_ALLOW;
    }
    if (!known && !scan_judge_cached(wp->lookups, &st, &severity)) return hold(wp, m, path, &st);
    apr_thread_mutex_lock(wp->lock);
    wp->n.cached++;
    if (severity == SG_SEV_MALICIOUS) wp->n.denied++;
    apr_thread_mutex_unlock(wp->lock);
    if (severity == SG_SEV_MALICIOUS) {
        log_denial(wp, m->pid, path, "malicious (a known verdict)");
        return FAN_DENY;
    }
    /* no verdict (over the scan budget, unreadable): allowed, not marked */
    if (severity != SCAN_JUDGE_FAILED) ignore(wp, m->fd, &st);
    return FAN_ALLOW;
}

static void on_event(watch_prevent_t *wp, const struct fanotify_event_metadata *m)
{
    unsigned int answer;

    if (m->fd < 0) return;   /* FAN_Q_OVERFLOW: the kernel allowed what it could not queue */
    apr_thread_mutex_lock(wp->lock);
    wp->n.events++;
    apr_thread_mutex_unlock(wp->lock);
    answer = (m->mask & FAN_OPEN_PERM) ? decide(wp, m) : FAN_ALLOW;
    if (answer) {
        respond(wp, m->fd, answer);
        close(m->fd);
    }
}

/* Answers what the kernel has queued; 0, or -1 when the group is unusable. */
static int read_opens(watch_prevent_t *wp)
{
    char buf[PREVENT_EVENT_BUF] __attribute__((aligned(8)));
    struct fanotify_event_metadata m;
    ssize_t len, off;

    while ((len = read(wp->fan_fd, buf, sizeof(buf))) > 0) {
        /* copied out: see cmd_watch.c's read_events */
        for (off = 0; off + (ssize_t)sizeof(m) <= len; off += m.event_len) {
            memcpy(&m, buf + off, sizeof(m));
            if (m.event_len < sizeof(m) || off + (ssize_t)m.event_len > len) break;
            on_event(wp, &m);
        }
    }
    if (len < 0 && errno != EAGAIN && errno != EINTR) {
        say(wp, SG_LOG_ERR, "watch: --prevent: reading permission events: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* Allows the held opens whose time is up (all when stopping), queueing
 * their files; the milliseconds until the next deadline, or -1. */
static int expire(watch_prevent_t *wp)
{
    apr_time_t now = mono_now(), next = -1;
    int i;

    apr_thread_mutex_lock(wp->lock);
    for (i = 0; i < PREVENT_HELD; i++) {
        held_t *h = &wp->held[i];
        if (h->fd < 0 || h->answered) continue;
        if (h->deadline <= now || wp->stopping) {
            respond(wp, h->fd, FAN_ALLOW);
            h->answered = 1;
            wp->n.timeouts++;
            queue_path(wp, h->path);
        }
        else if (next < 0 || h->deadline - now < next) {
            next = h->deadline - now;
        }
    }
    apr_thread_mutex_unlock(wp->lock);
    return next < 0 ? -1 : (int)((next + 999) / 1000);
}

/* The responder stops (asked to, or it cannot go on): the group's fd
 * becomes /dev/null (the number stays valid for the judges' answers and
 * marks, which now go nowhere), so that the kernel destroys the group and
 * holds no open any more: not even one a judge still scanning makes
 * (ClamAV's temporary files), which would otherwise wait for a responder
 * that is gone while watch_prevent_stop() waits for that judge. */
static void disarm(watch_prevent_t *wp, int failed)
{
    if (wp->null_fd < 0 || dup2(wp->null_fd, wp->fan_fd) < 0) {
        close(wp->fan_fd);   /* the number may be reused: still better than held opens */
        wp->fan_fd = -1;
    }
    if (failed) {
        say(wp, SG_LOG_ERR, "watch: --prevent stopped after the error above: opens are no "
            "longer held (the watch goes on)");
    }
}

/* Returns when asked to stop, or after an error (said). */
static void responder_loop(watch_prevent_t *wp)
{
    struct pollfd pfd[2] = { { wp->fan_fd, POLLIN, 0 }, { wp->wake_fd, POLLIN, 0 } };
    apr_uint64_t v;

    for (;;) {
        int timeout = expire(wp), stopping;
        apr_thread_mutex_lock(wp->lock);
        stopping = wp->stopping;
        apr_thread_mutex_unlock(wp->lock);
        if (stopping) return;
        if (poll(pfd, 2, timeout) < 0 && errno != EINTR) {
            say(wp, SG_LOG_ERR, "watch: --prevent: poll: %s", strerror(errno));
            return;
        }
        if ((pfd[1].revents & POLLIN) && read(wp->wake_fd, &v, sizeof(v)) < 0) continue;
        if ((pfd[0].revents & POLLIN) && read_opens(wp) != 0) return;
    }
}

/* The responder's life.  Never inlined: its locals (the event buffer) must
 * be gone before apr_thread_exit, whose pthread_exit does not unwind ASan's
 * stack redzones (a false stack-buffer-underflow in ASan's thread teardown;
 * cmd_scan.c's worker_main does the same). */
static __attribute__((noinline)) void responder_run(watch_prevent_t *wp)
{
    int asked;

    full_priority();
    responder_loop(wp);
    /* Stopping, or the group failed: either way no open may wait on us. */
    apr_thread_mutex_lock(wp->lock);
    asked = wp->stopping;
    wp->stopping = 1;
    apr_thread_cond_broadcast(wp->work);
    apr_thread_mutex_unlock(wp->lock);
    expire(wp);
    disarm(wp, !asked);
}

static void *APR_THREAD_FUNC responder_main(apr_thread_t *t, void *data)
{
    responder_run(data);
    apr_thread_exit(t, APR_SUCCESS);
    return NULL;
}

/* ---------------------------------------------------------------- setup */

static int prevent_error(const char *fmt, const char *a, const char *b)
{
    sg_cli_error(fmt, a, b);
    return SG_EXIT_ERROR;
}

/* The kernel's refusals of a permission group, in words an admin can act on. */
static const char *perm_problem(int err)
{
    switch (err) {
    case EPERM: return "fanotify permission events need root (CAP_SYS_ADMIN)";
    case EINVAL: case ENOSYS: case EOPNOTSUPP:
        return "this kernel has no fanotify permission events "
               "(CONFIG_FANOTIFY_ACCESS_PERMISSIONS)";
    default: return strerror(err);
    }
}

static int read_keys(watch_prevent_t *wp, sg_cli_t *cli)
{
    const char *v = sg_conf_get(cli->conf, "watch-prevent-timeout");
    char *list, *word, *state;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *const *name;

    if (sg_parse_interval(v, &wp->limit) != APR_SUCCESS || wp->limit > PREVENT_MAX_TIMEOUT) {
        return prevent_error("watch: watch-prevent-timeout %s: not a time from 0 to 10s%s", v, "");
    }
    v = sg_conf_get(cli->conf, "watch-prevent-exempt");
    list = apr_pstrdup(cli->pool, v ? v : "");
    for (word = apr_strtok(list, " \t", &state); word; word = apr_strtok(NULL, " \t", &state)) {
        if (!strcmp(word, "none")) continue;
        if (wp->nexempt == PREVENT_MAX_EXEMPT) {
            return prevent_error("watch: watch-prevent-exempt: more than 64 programs%s%s", "", "");
        }
        wp->exempt[wp->nexempt++] = word;
    }
    wp->names = sg_regex_list_create(cli->pool);
    for (name = sg_noexec_default_script_names; *name; name++) {
        if (sg_regex_list_add(wp->names, *name, 1, &res) != APR_SUCCESS) {
            return prevent_error("watch: --prevent: %s%s", res.problem, "");
        }
    }
    return -1;
}

/* The permission group (no marks yet: it holds nothing) and the eventfds. */
static int open_group(watch_prevent_t *wp)
{
    wp->fan_fd = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK,
                               O_RDONLY | O_LARGEFILE | O_CLOEXEC);
    if (wp->fan_fd < 0) return prevent_error("watch: --prevent: %s%s", perm_problem(errno), "");
    wp->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    wp->queue_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    /* now: the responder opens nothing once opens are held */
    wp->null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (wp->wake_fd < 0 || wp->queue_fd < 0 || wp->null_fd < 0) {
        return prevent_error("watch: --prevent: eventfd or /dev/null: %s%s", strerror(errno), "");
    }
    return -1;
}

/* One FAN_OPEN_PERM filesystem mark per root (a second one on the same
 * file system only adds to the first); the responder runs already. */
static int add_marks(watch_prevent_t *wp)
{
    int i;

    for (i = 0; i < wp->nroots; i++) {
        if (fanotify_mark(wp->fan_fd, FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_OPEN_PERM,
                          AT_FDCWD, wp->roots[i]) != 0) {
            return prevent_error("watch: --prevent: %s: %s", wp->roots[i], perm_problem(errno));
        }
    }
    return -1;
}

static int start_judges(watch_prevent_t *wp, scan_run_t *run)
{
    judge_arg_t *args = apr_pcalloc(wp->cli->pool, PREVENT_JUDGES * sizeof(*args));
    int i;

    wp->lookups = scan_session_judge(run);
    for (i = 0; i < PREVENT_JUDGES; i++) wp->judge[i] = scan_session_judge(run);
    if (!wp->lookups || !wp->judge[PREVENT_JUDGES - 1]) {
        return prevent_error("watch: --prevent: out of memory%s%s", "", "");
    }
    for (i = 0; i < PREVENT_JUDGES; i++) {
        args[i].wp = wp;
        args[i].judge = wp->judge[i];
        if (apr_thread_create(&wp->threads[wp->nthreads], NULL, judge_main, &args[i],
                              wp->cli->pool) != APR_SUCCESS) {
            return prevent_error("watch: --prevent: cannot start a thread%s%s", "", "");
        }
        wp->nthreads++;
    }
    apr_thread_mutex_lock(wp->lock);
    wp->ready = 1;
    apr_thread_mutex_unlock(wp->lock);
    return -1;
}

int watch_prevent_open(sg_cli_t *cli, const char *const *roots, int nroots,
                       watch_prevent_t **out)
{
    watch_prevent_t *wp = apr_pcalloc(cli->pool, sizeof(*wp));
    int i, rc;

    wp->cli = cli;
    wp->roots = roots;
    wp->nroots = nroots < 64 ? nroots : 64;
    for (i = 0; i < wp->nroots; i++) wp->root_len[i] = strlen(roots[i]);
    wp->self = getpid();
    wp->fan_fd = wp->wake_fd = wp->queue_fd = wp->null_fd = -1;
    wp->evictable = 1;
    for (i = 0; i < PREVENT_HELD; i++) wp->held[i].fd = -1;
    apr_thread_mutex_create(&wp->lock, APR_THREAD_MUTEX_DEFAULT, cli->pool);
    apr_thread_cond_create(&wp->work, cli->pool);
    *out = wp;
    if ((rc = read_keys(wp, cli)) >= 0 || (rc = open_group(wp)) >= 0) {
        watch_prevent_stop(wp);
        *out = NULL;
        return rc;
    }
    if (apr_thread_create(&wp->threads[0], NULL, responder_main, wp, cli->pool) != APR_SUCCESS) {
        rc = prevent_error("watch: --prevent: cannot start a thread%s%s", "", "");
    }
    else {
        wp->nthreads = 1;
        rc = add_marks(wp);
    }
    if (rc >= 0) {
        watch_prevent_stop(wp);
        *out = NULL;
        return rc;
    }
    return -1;
}

int watch_prevent_run(watch_prevent_t *wp, scan_run_t *run)
{
    int rc = start_judges(wp, run);

    if (rc >= 0) watch_prevent_stop(wp);
    return rc;
}

/* ---------------------------------------------------------------- the watch loop's side */

int watch_prevent_fd(const watch_prevent_t *wp)
{
    return wp->queue_fd;
}

/* Prints the log lines the threads left (see say). */
static void print_messages(watch_prevent_t *wp)
{
    static char msgs[PREVENT_MSGS][PREVENT_MSG_LEN];   /* the watch loop's only */
    sg_log_level_t level[PREVENT_MSGS];
    unsigned long lost;
    int n, i;

    apr_thread_mutex_lock(wp->lock);
    n = wp->nmsgs;
    memcpy(msgs, wp->msgs, (size_t)n * PREVENT_MSG_LEN);
    memcpy(level, wp->msg_level, (size_t)n * sizeof(level[0]));
    lost = wp->msgs_lost;
    wp->nmsgs = 0;
    wp->msgs_lost = 0;
    apr_thread_mutex_unlock(wp->lock);
    for (i = 0; i < n; i++) {
        sg_log_perror(SG_LOG_MARK, level[i], APR_SUCCESS, NULL, "%s", msgs[i]);
    }
    if (lost) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, NULL,
                      "watch: --prevent: %lu log lines lost (the watch loop was behind)", lost);
    }
    if ((lost = __atomic_exchange_n(&wp->answer_failures, 0, __ATOMIC_RELAXED)) > 0) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_ERR, APR_SUCCESS, NULL,
                      "watch: --prevent: the kernel refused %lu answers: %s", lost,
                      strerror(__atomic_load_n(&wp->answer_errno, __ATOMIC_RELAXED)));
    }
}

void watch_prevent_take(watch_prevent_t *wp, void (*fn)(void *baton, const char *path),
                        void *baton)
{
    char *taken[PREVENT_QUEUE];
    apr_uint64_t v;
    int n, i;

    if (read(wp->queue_fd, &v, sizeof(v)) < 0 && errno != EAGAIN) return;
    print_messages(wp);
    apr_thread_mutex_lock(wp->lock);
    n = wp->qcount;
    memcpy(taken, wp->queue, (size_t)n * sizeof(char *));
    wp->qcount = 0;
    apr_thread_mutex_unlock(wp->lock);
    for (i = 0; i < n; i++) {
        fn(baton, taken[i]);
        free(taken[i]);
    }
}

void watch_prevent_counts(watch_prevent_t *wp, watch_prevent_counts_t *c)
{
    apr_thread_mutex_lock(wp->lock);
    *c = wp->n;
    apr_thread_mutex_unlock(wp->lock);
}

void watch_prevent_stop(watch_prevent_t *wp)
{
    apr_status_t ignored;
    int i;

    if (!wp || wp->stopped) return;
    wp->stopped = 1;
    apr_thread_mutex_lock(wp->lock);
    wp->stopping = 1;
    apr_thread_cond_broadcast(wp->work);
    apr_thread_mutex_unlock(wp->lock);
    if (wp->wake_fd >= 0) wake(wp->wake_fd);
    for (i = 0; i < wp->nthreads; i++) apr_thread_join(&ignored, wp->threads[i]);
    print_messages(wp);
    /* Held opens no judge took: the responder allowed them on its way out. */
    for (i = 0; i < PREVENT_HELD; i++) {
        if (wp->held[i].fd >= 0) close(wp->held[i].fd);
        wp->held[i].fd = -1;
    }
    /* /dev/null since the responder's end (disarm), or the group itself
     * when the responder never ran: closing it lets the kernel allow
     * whatever it still holds */
    if (wp->fan_fd >= 0) close(wp->fan_fd);
    if (wp->wake_fd >= 0) close(wp->wake_fd);
    if (wp->queue_fd >= 0) close(wp->queue_fd);
    if (wp->null_fd >= 0) close(wp->null_fd);
    wp->fan_fd = wp->wake_fd = wp->queue_fd = wp->null_fd = -1;
    for (i = 0; i < wp->qcount; i++) free(wp->queue[i]);
    wp->qcount = 0;
    scan_judge_done(wp->lookups);
    for (i = 0; i < PREVENT_JUDGES; i++) scan_judge_done(wp->judge[i]);
}
