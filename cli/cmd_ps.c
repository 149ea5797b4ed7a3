/*
 * cmd_ps.c: spamgear ps, suspicious processes of web/hosting users, read
 * from /proc (the old advice was `ps aux | grep perl` every five minutes).
 *
 * Three passes: walk /proc/PID for the selected users (skipping allowed
 * programs), noting the socket inodes of their open files; read
 * /proc/net/tcp and tcp6 once, keeping only the entries of those inodes; then
 * let the core (sg_proc.c) judge each process.  A process that exits while it
 * is read is skipped, never an error.
 */
#include <errno.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <jansson.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_cli.h"
#include "sg_proc.h"

#define MAX_PROCS 100000      /* /proc/PID directories looked at */
#define MAX_KEPT 10000        /* processes kept for the socket pass and output */
#define MAX_FDS 4096          /* open files looked at per process */
#define MAX_SOCKETS 65536     /* distinct socket inodes collected in all */
#define MAX_TCP_LINES 1000000 /* lines read from each /proc/net/tcp file */
#define MAX_TCP_LINE 512      /* bytes of one such line */
#define MAX_STAT 1024         /* bytes of /proc/PID/stat read */
#define MAX_STATUS 8192       /* bytes of /proc/PID/status read (Uid: comes early) */
#define MAX_LINK 4096         /* bytes of a link target */
#define MAX_LISTEN 8          /* listening addresses shown per process */

/* ------------------------------------------------------------ state */

typedef struct ps_sock_t {
    int tcp;                        /* found in /proc/net/tcp or tcp6 */
    int state;                      /* its TCP state */
    char local[64];                 /* its local address */
} ps_sock_t;

typedef struct ps_user_t {
    const char *name;               /* user name, or the uid in digits */
    const char *home;               /* home directory, NULL when none */
} ps_user_t;

typedef struct ps_proc_t {
    long pid;                       /* process id */
    long ppid;                      /* parent's */
    apr_uint32_t uid;               /* effective uid */
    const ps_user_t *user;          /* owner */
    const char *exe;                /* printable exe path, "-" when unreadable */
    sg_proc_facts_t facts;          /* what the core judges */
    apr_array_header_t *inodes;     /* apr_uint64_t: socket inodes of its files */
    apr_uint64_t fd1;               /* socket inode on stdout, 0 when none */
    apr_array_header_t *listen;     /* const char *: listening addresses */
    unsigned reasons;               /* SG_PROC_* bits */
} ps_proc_t;

typedef struct ps_run_t {
    apr_pool_t *pool;               /* everything of this run */
    const char *proc;               /* /proc, or --proc DIR */
    apr_array_header_t *uids;       /* sg_proc_uid_range_t: ranges, then one per user */
    apr_array_header_t *allow;      /* const char *: exe patterns never reported */
    apr_hash_t *users;              /* apr_uint32_t uid -> ps_user_t */
    apr_hash_t *sockets;            /* apr_uint64_t inode -> ps_sock_t */
    apr_array_header_t *procs;      /* ps_proc_t *, kept processes */
    int scanned;                    /* /proc/PID directories read */
    int selected;                   /* of them owned by a selected user */
    int allowed;                    /* of those running an allowed exe */
    int gone;                       /* no program: exited meanwhile, zombie, kernel thread */
    int unreadable;                 /* partly hidden from us (permission) */
    const char *limit;              /* first hard limit hit, for the message */
} ps_run_t;

typedef struct ps_opts_t {
    int json;                       /* --json */
    int verbose;                    /* -v: a summary line on stderr */
} ps_opts_t;

/* ------------------------------------------------------------ reading */

/* 1 for errors that mean "the process is gone". */
static int gone(apr_status_t rv)
{
    return APR_STATUS_IS_ENOENT(rv) || rv == APR_FROM_OS_ERROR(ESRCH);
}

/* Reads at most MAX bytes of PATH into BUF; *LEN is what was read. */
static apr_status_t read_small(const char *path, char *buf, apr_size_t max, apr_size_t *len,
                               apr_pool_t *p)
{
    apr_file_t *f;
    apr_status_t rv;

    *len = 0;
    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p)) != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_read_full(f, buf, max, len);
    apr_file_close(f);
    return rv == APR_EOF ? APR_SUCCESS : rv;
}

/* Reads the link PATH into BUF (MAX_LINK + 1 bytes), NUL-terminated. */
static apr_status_t read_link(const char *path, char *buf)
{
    ssize_t n = readlink(path, buf, MAX_LINK);

    if (n < 0) {
        return APR_FROM_OS_ERROR(errno);
    }
    buf[n] = '\0';
    return APR_SUCCESS;
}

static void set_limit(ps_run_t *run, const char *what)
{
    if (!run->limit) {
        run->limit = what;
    }
}

static const ps_user_t *user_of(ps_run_t *run, apr_uint32_t uid)
{
    ps_user_t *u = apr_hash_get(run->users, &uid, sizeof(uid));
    struct passwd pw, *res = NULL;
    char buf[4096];
    apr_uint32_t *key;

    if (u) {
        return u;
    }
    u = apr_pcalloc(run->pool, sizeof(*u));
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof(buf), &res) == 0 && res) {
        u->name = sg_proc_printable(run->pool, pw.pw_name, strlen(pw.pw_name), SG_PROC_WORD, 0);
        u->home = (pw.pw_dir[0] == '/' && pw.pw_dir[1]) ? apr_pstrdup(run->pool, pw.pw_dir)
                                                          : NULL;
    }
    else {
        u->name = apr_psprintf(run->pool, "%u", (unsigned)uid);
    }
    key = apr_palloc(run->pool, sizeof(*key));
    *key = uid;
    apr_hash_set(run->users, key, sizeof(*key), u);
    return u;
}

/* Notes the socket behind fd link NAME of directory DIR. */
static void note_fd(ps_proc_t *pr, const char *dir, const char *name, apr_pool_t *p)
{
    char target[MAX_LINK + 1];
    apr_uint64_t inode;

    if (read_link(apr_pstrcat(p, dir, "/", name, NULL), target) != APR_SUCCESS
        || !sg_proc_socket_inode(target, &inode)) {
        return;   /* closed meanwhile, or not a socket */
    }
    APR_ARRAY_PUSH(pr->inodes, apr_uint64_t) = inode;
    if (!strcmp(name, "0")) {
        pr->facts.stdin_socket = 1;
    }
    else if (!strcmp(name, "1")) {
        pr->fd1 = inode;
    }
}

/* Collects the socket inodes of PR's open files; APR_ENOENT when it is gone. */
static apr_status_t read_fds(ps_run_t *run, ps_proc_t *pr, const char *base, apr_pool_t *p)
{
    const char *dir = apr_pstrcat(p, base, "/fd", NULL);
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    int n = 0;

    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        if (!gone(rv)) {
            run->unreadable++;
        }
        return gone(rv) ? APR_ENOENT : APR_SUCCESS;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (!apr_isdigit(fi.name[0])) {
            continue;
        }
        if (++n > MAX_FDS) {
            set_limit(run, apr_psprintf(run->pool, "process %ld has more than %d open files, "
                                        "the rest were not checked", pr->pid, MAX_FDS));
            break;
        }
        note_fd(pr, dir, fi.name, p);
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

/* Fills PR's stat and cmdline facts; APR_ENOENT when it is gone or a zombie. */
static apr_status_t read_stat_cmdline(ps_run_t *run, ps_proc_t *pr, const char *base,
                                      apr_pool_t *p)
{
    char buf[SG_PROC_MAX_CMDLINE + 1];
    sg_proc_stat_t st;
    apr_size_t len;

    if (read_small(apr_pstrcat(p, base, "/stat", NULL), buf, MAX_STAT, &len, p) != APR_SUCCESS
        || sg_proc_parse_stat(buf, len, &st) != APR_SUCCESS || st.state == 'Z') {
        return APR_ENOENT;
    }
    pr->ppid = st.ppid;
    if (read_small(apr_pstrcat(p, base, "/cmdline", NULL), buf, sizeof(buf), &len, p)
        != APR_SUCCESS) {
        return APR_ENOENT;
    }
    if (len == 0) {
        /* No argv (kernel thread, or wiped): show the name as ps does. */
        pr->facts.cmdline = apr_pstrcat(p, "[", sg_proc_printable(p, st.comm, strlen(st.comm),
                                        0, 0), "]", NULL);
    }
    else {
        pr->facts.cmdline = sg_proc_printable(p, buf, len > SG_PROC_MAX_CMDLINE
                                              ? SG_PROC_MAX_CMDLINE : len, SG_PROC_ARGV,
                                              len > SG_PROC_MAX_CMDLINE);
    }
    return APR_SUCCESS;
}

/* Reads PR's exe link; 1 when the process should be looked at further. */
static int read_exe(ps_run_t *run, ps_proc_t *pr, const char *base, apr_pool_t *p)
{
    char target[MAX_LINK + 1];
    apr_status_t rv = read_link(apr_pstrcat(p, base, "/exe", NULL), target);
    const char *path;

    if (rv != APR_SUCCESS) {
        if (gone(rv)) {
            run->gone++;   /* or a zombie or kernel thread: nothing runs there */
            return 0;
        }
        run->unreadable++;
        pr->exe = "-";
        return 1;
    }
    path = sg_proc_exe_path(p, target, &pr->facts.exe_deleted);
    /* Allowed even when deleted: a package upgrade leaves running php-fpm
     * workers with a deleted exe, and only root writes where they live. */
    if (sg_proc_exe_allowed(run->allow, path)) {
        run->allowed++;
        return 0;
    }
    pr->facts.exe = path;
    pr->exe = sg_proc_printable(p, path, strlen(path), SG_PROC_WORD, 0);
    return 1;
}

/* Copies PR, read into a scratch pool, into the run's pool. */
static ps_proc_t *keep(ps_run_t *run, const ps_proc_t *pr)
{
    ps_proc_t *k = apr_pmemdup(run->pool, pr, sizeof(*pr));

    k->exe = apr_pstrdup(run->pool, pr->exe);
    k->facts.exe = pr->facts.exe ? apr_pstrdup(run->pool, pr->facts.exe) : NULL;
    k->facts.cmdline = apr_pstrdup(run->pool, pr->facts.cmdline);
    k->inodes = apr_array_copy(run->pool, pr->inodes);
    return k;
}

/* Looks at /proc/PID (NAME); adds it to run->procs when it may be reported. */
static void read_process(ps_run_t *run, const char *name, apr_pool_t *p)
{
    const char *base = apr_pstrcat(p, run->proc, "/", name, NULL);
    char buf[MAX_STATUS];
    apr_uint32_t ruid, euid;
    apr_size_t len;
    ps_proc_t *pr;
    int i;

    run->scanned++;
    if (read_small(apr_pstrcat(p, base, "/status", NULL), buf, sizeof(buf), &len, p)
        != APR_SUCCESS || sg_proc_parse_status(buf, len, &ruid, &euid) != APR_SUCCESS) {
        run->gone++;
        return;
    }
    if (!sg_proc_uid_in(run->uids, euid) && !sg_proc_uid_in(run->uids, ruid)) {
        return;
    }
    run->selected++;
    pr = apr_pcalloc(p, sizeof(*pr));
    pr->pid = atol(name);
    pr->uid = euid;
    pr->inodes = apr_array_make(p, 4, sizeof(apr_uint64_t));
    if (!read_exe(run, pr, base, p)) {
        return;
    }
    if (read_stat_cmdline(run, pr, base, p) != APR_SUCCESS
        || read_fds(run, pr, base, p) != APR_SUCCESS) {
        run->gone++;
        return;
    }
    pr->user = user_of(run, euid);
    pr->facts.home = pr->user->home;
    /* Sockets can only add reasons: a process with neither is done with. */
    if (!sg_proc_judge(&pr->facts) && pr->inodes->nelts == 0) {
        return;
    }
    if (run->procs->nelts == MAX_KEPT) {
        set_limit(run, apr_psprintf(run->pool, "more than %d suspects, the rest were not "
                                    "checked", MAX_KEPT));
        return;
    }
    pr = keep(run, pr);
    for (i = 0; i < pr->inodes->nelts; i++) {
        apr_uint64_t *key = &APR_ARRAY_IDX(pr->inodes, i, apr_uint64_t);
        if (apr_hash_get(run->sockets, key, sizeof(*key))) {
            continue;
        }
        if (apr_hash_count(run->sockets) == MAX_SOCKETS) {
            set_limit(run, apr_psprintf(run->pool, "more than %d sockets, the rest were not "
                                        "checked", MAX_SOCKETS));
            break;
        }
        apr_hash_set(run->sockets, key, sizeof(*key), apr_pcalloc(run->pool, sizeof(ps_sock_t)));
    }
    APR_ARRAY_PUSH(run->procs, ps_proc_t *) = pr;
}

static apr_status_t walk_processes(ps_run_t *run)
{
    apr_pool_t *scratch;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;

    if ((rv = apr_dir_open(&d, run->proc, run->pool)) != APR_SUCCESS) {
        return rv;
    }
    apr_pool_create(&scratch, run->pool);
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (strspn(fi.name, "0123456789") != strlen(fi.name)) {
            continue;
        }
        if (run->scanned == MAX_PROCS) {
            set_limit(run, apr_psprintf(run->pool, "more than %d processes, the rest were "
                                        "not checked", MAX_PROCS));
            break;
        }
        read_process(run, fi.name, scratch);
        apr_pool_clear(scratch);
    }
    apr_pool_destroy(scratch);
    apr_dir_close(d);
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ sockets */

/* Matches the lines of one /proc/net/tcp file against the collected inodes. */
static void read_tcp(ps_run_t *run, const char *name)
{
    const char *path = apr_pstrcat(run->pool, run->proc, "/net/", name, NULL);
    char line[MAX_TCP_LINE];
    sg_proc_tcp_t tcp;
    ps_sock_t *s;
    apr_file_t *f;
    int n = 0;

    /* Missing tcp6 (IPv6 off) simply has no entries. */
    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED, 0, run->pool)
        != APR_SUCCESS) {
        return;
    }
    while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
        if (++n > MAX_TCP_LINES) {
            set_limit(run, apr_psprintf(run->pool, "%s has more than %d lines, the rest were "
                                        "not checked", path, MAX_TCP_LINES));
            break;
        }
        /* An overlong line (never seen) fails to parse; its tail is skipped too. */
        if (sg_proc_parse_tcp_line(line, &tcp) != APR_SUCCESS
            || !(s = apr_hash_get(run->sockets, &tcp.inode, sizeof(tcp.inode)))) {
            continue;
        }
        s->tcp = 1;
        s->state = tcp.state;
        memcpy(s->local, tcp.local, sizeof(s->local));
    }
    apr_file_close(f);
}

/* Counts PR's TCP and listening sockets, then judges it. */
static void judge(ps_run_t *run, ps_proc_t *pr)
{
    int i, j;

    pr->listen = apr_array_make(run->pool, 2, sizeof(const char *));
    for (i = 0; i < pr->inodes->nelts; i++) {
        apr_uint64_t *inode = &APR_ARRAY_IDX(pr->inodes, i, apr_uint64_t);
        const ps_sock_t *s = apr_hash_get(run->sockets, inode, sizeof(*inode));
        if (!s || !s->tcp) {
            continue;
        }
        pr->facts.tcp_sockets++;
        pr->facts.stdout_tcp |= *inode == pr->fd1;
        if (s->state != SG_PROC_TCP_LISTEN) {
            continue;
        }
        pr->facts.listening++;
        for (j = 0; j < pr->listen->nelts; j++) {
            if (!strcmp(APR_ARRAY_IDX(pr->listen, j, const char *), s->local)) {
                break;   /* the same socket on two fds */
            }
        }
        if (j == pr->listen->nelts && j < MAX_LISTEN) {
            APR_ARRAY_PUSH(pr->listen, const char *) = s->local;
        }
    }
    pr->reasons = sg_proc_judge(&pr->facts);
}

/* ------------------------------------------------------------ output */

static int by_pid(const void *a, const void *b)
{
    const ps_proc_t *x = *(ps_proc_t *const *)a, *y = *(ps_proc_t *const *)b;

    return x->pid < y->pid ? -1 : x->pid > y->pid;
}

/* "interpreter,listen:127.0.0.1:8080": reason names, listen with its addresses. */
static const char *reasons_text(apr_pool_t *p, const ps_proc_t *pr)
{
    const char *out = NULL, *item;
    int i, j;

    for (i = 0; i < SG_PROC_NREASONS; i++) {
        if (!(pr->reasons & (1u << i))) {
            continue;
        }
        if ((1u << i) == SG_PROC_LISTEN) {
            for (j = 0; j < pr->listen->nelts; j++) {
                item = apr_pstrcat(p, "listen:", APR_ARRAY_IDX(pr->listen, j, const char *),
                                   NULL);
                out = out ? apr_pstrcat(p, out, ",", item, NULL) : item;
            }
            continue;
        }
        item = sg_proc_reason_name(i);
        out = out ? apr_pstrcat(p, out, ",", item, NULL) : item;
    }
    return out;
}

static json_t *json_finding(const ps_proc_t *pr)
{
    json_t *reasons = json_array(), *listen = json_array();
    int i;

    for (i = 0; i < SG_PROC_NREASONS; i++) {
        if (pr->reasons & (1u << i)) {
            json_array_append_new(reasons, json_string(sg_proc_reason_name(i)));
        }
    }
    for (i = 0; i < pr->listen->nelts; i++) {
        json_array_append_new(listen, json_string(APR_ARRAY_IDX(pr->listen, i, const char *)));
    }
    return json_pack("{s:I, s:I, s:I, s:s, s:o, s:o, s:s, s:b, s:s}", "pid",
                     (json_int_t)pr->pid, "ppid", (json_int_t)pr->ppid, "uid",
                     (json_int_t)pr->uid, "user", pr->user->name, "reasons", reasons,
                     "listen", listen, "exe", pr->exe, "exe_deleted", pr->facts.exe_deleted,
                     "cmdline", pr->facts.cmdline);
}

/* Prints the findings; returns how many there were. */
static int print_findings(ps_run_t *run, const ps_opts_t *o)
{
    json_t *all = json_array();
    char *text;
    int i, found = 0;

    qsort(run->procs->elts, (size_t)run->procs->nelts, sizeof(ps_proc_t *), by_pid);
    for (i = 0; i < run->procs->nelts; i++) {
        const ps_proc_t *pr = APR_ARRAY_IDX(run->procs, i, ps_proc_t *);
        if (!pr->reasons) {
            continue;
        }
        found++;
        if (o->json) {
            json_array_append_new(all, json_finding(pr));
        }
        else {
            printf("%ld %s %s %s %s\n", pr->pid, pr->user->name, reasons_text(run->pool, pr),
                   pr->exe, pr->facts.cmdline);
        }
    }
    if (o->json && (text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER))) {
        puts(text);
        free(text);
    }
    json_decref(all);
    return found;
}

/* ------------------------------------------------------------ options */

/* Adds one uid range per user name in NAMES to run->uids. */
static const char *add_users(ps_run_t *run, const char *names, const char *where)
{
    apr_array_header_t *list;
    const char *problem;
    struct passwd pw, *res;
    char buf[4096];
    int i;

    if (sg_proc_parse_names(names, &list, run->pool, &problem) != APR_SUCCESS) {
        return apr_psprintf(run->pool, "%s: %s", where, problem);
    }
    for (i = 0; i < list->nelts; i++) {
        const char *name = APR_ARRAY_IDX(list, i, const char *);
        sg_proc_uid_range_t *r;
        res = NULL;
        if (getpwnam_r(name, &pw, buf, sizeof(buf), &res) != 0 || !res) {
            return apr_psprintf(run->pool, "%s: unknown user '%s'", where, name);
        }
        r = apr_array_push(run->uids);
        r->lo = r->hi = (apr_uint32_t)pw.pw_uid;
    }
    return NULL;
}

/* An option's value, else the config key's; WHERE names the one used. */
static const char *setting(sg_cli_t *cli, const char *opt, const char *key, const char **where)
{
    const char *v = sg_cli_opt(cli, opt);

    *where = v ? apr_pstrcat(cli->pool, "--", opt, NULL) : key;
    return v ? v : sg_conf_get(cli->conf, key);
}

static const char *parse_settings(sg_cli_t *cli, ps_run_t *run)
{
    const char *where, *problem, *v;

    v = setting(cli, "uids", "ps-uids", &where);
    if (sg_proc_parse_uids(v, &run->uids, run->pool, &problem) != APR_SUCCESS) {
        return apr_psprintf(run->pool, "%s: %s", where, problem);
    }
    v = setting(cli, "users", "ps-users", &where);
    if ((problem = add_users(run, v, where))) {
        return problem;
    }
    v = setting(cli, "allow-exe", "ps-allow-exe", &where);
    if (sg_proc_parse_globs(v, &run->allow, run->pool, &problem) != APR_SUCCESS) {
        return apr_psprintf(run->pool, "%s: %s", where, problem);
    }
    run->proc = sg_cli_opt(cli, "proc") ? sg_cli_opt(cli, "proc") : "/proc";
    return NULL;
}

/* ------------------------------------------------------------ command */

static void print_summary(const ps_run_t *run, int found, const ps_opts_t *o)
{
    if (run->unreadable) {
        sg_cli_error("ps: %d of %d processes could not be read in full (permission denied: "
                     "run as root)", run->unreadable, run->scanned);
    }
    if (o->verbose) {
        sg_cli_error("ps: %d processes, %d of the selected users (%d allowed), %d without a "
                     "program (exited, zombie, kernel thread), %d findings", run->scanned,
                     run->selected, run->allowed, run->gone, found);
    }
}

int sg_cmd_ps(sg_cli_t *cli, int argc, const char *const *argv)
{
    ps_opts_t o = { 0, 0 };
    ps_run_t *run;
    const char *problem;
    apr_status_t rv;
    int found, i;

    if (argc > 0) {
        sg_cli_error("ps: takes no arguments; try 'spamgear ps --help'");
        return SG_EXIT_ERROR;
    }
    if (sg_cli_load_conf(cli) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    o.json = sg_cli_opt(cli, "json") != NULL;
    o.verbose = sg_cli_opt(cli, "verbose") != NULL;
    run = apr_pcalloc(cli->pool, sizeof(*run));
    apr_pool_create(&run->pool, cli->pool);
    if ((problem = parse_settings(cli, run))) {
        sg_cli_error("ps: %s; try 'spamgear ps --help'", problem);
        return SG_EXIT_ERROR;
    }
    run->users = apr_hash_make(run->pool);
    run->sockets = apr_hash_make(run->pool);
    run->procs = apr_array_make(run->pool, 16, sizeof(ps_proc_t *));
    if ((rv = walk_processes(run)) != APR_SUCCESS) {
        char why[256];
        sg_cli_error("ps: cannot read %s: %s", run->proc, apr_strerror(rv, why, sizeof(why)));
        return SG_EXIT_ERROR;
    }
    if (apr_hash_count(run->sockets) > 0) {
        read_tcp(run, "tcp");
        read_tcp(run, "tcp6");
    }
    for (i = 0; i < run->procs->nelts; i++) {
        judge(run, APR_ARRAY_IDX(run->procs, i, ps_proc_t *));
    }
    found = print_findings(run, &o);
    print_summary(run, found, &o);
    if (run->limit) {
        sg_cli_error("ps: %s", run->limit);
    }
    return found ? SG_EXIT_FOUND : run->limit ? SG_EXIT_ERROR : SG_EXIT_OK;
}
