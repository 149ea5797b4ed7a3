/* scan_notify.c: spamgear scan --notify-user: collecting and mailing. */
#include <pwd.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include "scan_notify.h"
#include "sg_log.h"
#include "sg_notify.h"
#include "sg_run.h"

#define NOTIFY_DEFAULT_PATTERN "^/home/([^/.]*)/"
#define NOTIFY_DEFAULT_SENDMAIL "/usr/sbin/sendmail"
#define NOTIFY_TIMEOUT apr_time_from_sec(60)   /* per sendmail run */

struct scan_notify_t {
    sg_cli_t *cli;
    regex_t re;                  /* PATTERN, group 1 is the account */
    const char *tmpl;            /* the template text */
    const char *domain;          /* --notify-domain, or NULL: local mailboxes */
    const char *sendmail;        /* program */
    apr_pool_t *pool;            /* its own (workers add from many threads) */
    apr_thread_mutex_t *lock;    /* guards accounts and pool */
    apr_hash_t *accounts;        /* name -> apr_array_header_t of const char * lines */
    apr_array_header_t *order;   /* names, first seen first */
    int unowned;                 /* files no account was found for */
};

static int bad(sg_cli_t *cli, const char *what, const char *value)
{
    sg_cli_error("scan: %s: '%s'; try 'spamgear scan --help'", what, value);
    return SG_EXIT_ERROR;
}

static int read_template(scan_notify_t *n, const char *path)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t len;
    char *buf;

    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, n->cli->pool) != APR_SUCCESS
        || apr_file_info_get(&fi, APR_FINFO_SIZE, f) != APR_SUCCESS) {
        return bad(n->cli, "--notify-template cannot be read", path);
    }
    if (fi.size > SG_NOTIFY_MAX_TEMPLATE) {
        apr_file_close(f);
        return bad(n->cli, "--notify-template is larger than 64 KiB", path);
    }
    len = (apr_size_t)fi.size;
    buf = apr_palloc(n->cli->pool, len + 1);
    if (apr_file_read_full(f, buf, len, &len) != APR_SUCCESS && len != (apr_size_t)fi.size) {
        apr_file_close(f);
        return bad(n->cli, "--notify-template cannot be read", path);
    }
    apr_file_close(f);
    buf[len] = '\0';
    if (strlen(buf) != len) return bad(n->cli, "--notify-template holds a NUL byte", path);
    n->tmpl = buf;
    return -1;
}

static apr_status_t free_regex(void *re)
{
    regfree(re);
    return APR_SUCCESS;
}

int scan_notify_setup(sg_cli_t *cli, scan_notify_t **out)
{
    const char *pattern = sg_cli_opt(cli, "notify-user"), *v;
    scan_notify_t *n;

    *out = NULL;
    if (!pattern) return -1;
    n = apr_pcalloc(cli->pool, sizeof(*n));
    n->cli = cli;
    if (!*pattern) pattern = NOTIFY_DEFAULT_PATTERN;
    if (regcomp(&n->re, pattern, REG_EXTENDED) != 0) {
        return bad(cli, "--notify-user needs an extended regex with a (group) for the account",
                   pattern);
    }
    apr_pool_cleanup_register(cli->pool, &n->re, free_regex, apr_pool_cleanup_null);
    if (n->re.re_nsub < 1) {
        return bad(cli, "--notify-user needs an extended regex with a (group) for the account",
                   pattern);
    }
    n->tmpl = sg_notify_default_template;
    if ((v = sg_cli_opt(cli, "notify-template")) && read_template(n, v) >= 0) {
        return SG_EXIT_ERROR;
    }
    if ((n->domain = sg_cli_opt(cli, "notify-domain")) && !sg_notify_name_ok(n->domain, 0)) {
        return bad(cli, "--notify-domain is not a domain name", n->domain);
    }
    n->sendmail = sg_cli_opt(cli, "sendmail") ? sg_cli_opt(cli, "sendmail")
                                              : NOTIFY_DEFAULT_SENDMAIL;
    /* Not a sub-pool of cli->pool: the main thread creates sub-pools of
     * that while workers add here, and pools are not thread-safe. */
    apr_pool_create_unmanaged_ex(&n->pool, NULL, NULL);
    n->accounts = apr_hash_make(n->pool);
    n->order = apr_array_make(n->pool, 8, sizeof(const char *));
    apr_thread_mutex_create(&n->lock, APR_THREAD_MUTEX_DEFAULT, cli->pool);
    *out = n;
    return -1;
}

/* The account PATH belongs to, from P, or NULL. */
static const char *account_of(scan_notify_t *n, const char *path, const struct stat *st,
                              apr_pool_t *p)
{
    regmatch_t m[2];
    char cwd[4096];
    const char *abs = path;

    if (path[0] != '/' && getcwd(cwd, sizeof(cwd))) abs = apr_pstrcat(p, cwd, "/", path, NULL);
    if (regexec(&n->re, abs, 2, m, 0) == 0 && m[1].rm_so >= 0 && m[1].rm_eo > m[1].rm_so) {
        return apr_pstrndup(p, abs + m[1].rm_so, (apr_size_t)(m[1].rm_eo - m[1].rm_so));
    }
    if (st->st_uid >= 1000 && st->st_uid != 65534) {
        struct passwd pw, *found = NULL;
        char buf[1024];
        if (getpwuid_r(st->st_uid, &pw, buf, sizeof(buf), &found) == 0 && found) {
            return apr_pstrdup(p, found->pw_name);
        }
    }
    return NULL;
}

void scan_notify_add(scan_notify_t *n, const char *path, const struct stat *st,
                     const char *tag)
{
    apr_array_header_t *files;
    const char *user;
    apr_pool_t *p = n->pool;

    apr_thread_mutex_lock(n->lock);
    user = account_of(n, path, st, p);
    if (!user || !sg_notify_name_ok(user, 0)) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, p, "scan: %s: no account "
                      "(or not a plain name) to notify", sg_notify_escape(path, p));
        n->unowned++;
        apr_thread_mutex_unlock(n->lock);
        return;
    }
    if (!(files = apr_hash_get(n->accounts, user, APR_HASH_KEY_STRING))) {
        files = apr_array_make(p, 4, sizeof(const char *));
        apr_hash_set(n->accounts, user, APR_HASH_KEY_STRING, files);
        APR_ARRAY_PUSH(n->order, const char *) = user;
    }
    if (files->nelts < SG_NOTIFY_MAX_FILES) {
        APR_ARRAY_PUSH(files, const char *) = apr_pstrcat(p, sg_notify_escape(path, p),
                                                          tag ? " [" : "", tag ? tag : "",
                                                          tag ? "]" : "", NULL);
    }
    else if (files->nelts == SG_NOTIFY_MAX_FILES) {
        APR_ARRAY_PUSH(files, const char *) = "(and more: the list stops at 1000 files)";
    }
    apr_thread_mutex_unlock(n->lock);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int scan_notify_send(scan_notify_t *n)
{
    apr_pool_t *p;
    apr_hash_t *accounts;
    apr_array_header_t *order;
    int i, failed = 0;

    /* What was noted so far is taken out under the lock and sent without
     * it: workers go on adding (spamgear watch sends every few minutes). */
    apr_thread_mutex_lock(n->lock);
    p = n->pool;
    accounts = n->accounts;
    order = n->order;
    apr_pool_create_unmanaged_ex(&n->pool, NULL, NULL);
    n->accounts = apr_hash_make(n->pool);
    n->order = apr_array_make(n->pool, 8, sizeof(const char *));
    apr_thread_mutex_unlock(n->lock);
    qsort(order->elts, (size_t)order->nelts, sizeof(const char *), by_name);
    for (i = 0; i < order->nelts; i++) {
        const char *user = APR_ARRAY_IDX(order, i, const char *);
        const char *email = n->domain ? apr_pstrcat(p, user, "@", n->domain, NULL) : user;
        apr_array_header_t *files = apr_hash_get(accounts, user, APR_HASH_KEY_STRING);
        /* The recipient on the command line, not -t: the message's headers
         * cannot add recipients. */
        const char *argv[] = { n->sendmail, "-i", "--", email, NULL }, *msg;
        sg_run_result_t r;
        /* Sorted: threads and readdir order must not change the mail. */
        qsort(files->elts, (size_t)(files->nelts > SG_NOTIFY_MAX_FILES ? SG_NOTIFY_MAX_FILES
                                                                       : files->nelts),
              sizeof(const char *), by_name);
        msg = sg_notify_expand(n->tmpl, email, user, files, p);
        if (sg_run(p, argv, msg, strlen(msg), NOTIFY_TIMEOUT, &r) != APR_SUCCESS) {
            sg_cli_error("scan: notifying %s: %s: %s", user, sg_run_describe(p, argv), r.problem);
            failed++;
        }
        else {
            sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, p, "scan: notified %s", email);
        }
    }
    apr_pool_destroy(p);
    return failed;
}
