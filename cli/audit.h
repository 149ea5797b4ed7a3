#ifndef SG_AUDIT_H
#define SG_AUDIT_H
/*
 * spamgear audit: hardening checks of the host (PHP, Apache, mail and
 * spamgear itself).  cmd_audit.c runs the groups and prints the results;
 * each audit_*.c gathers what its group needs and adds one result per check
 * and subject.  Check ids are stable (doc/cli.md lists them).
 *
 * Every reader is bounded: AUDIT_MAX_LINE bytes per line (longer lines are
 * skipped), AUDIT_MAX_FILE bytes per file, AUDIT_MAX_FILES files per run,
 * AUDIT_MAX_DEPTH nested includes.
 */
#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include "sg_cli.h"

#define AUDIT_MAX_LINE 8192         /* bytes of one config line */
#define AUDIT_MAX_FILE (4 << 20)    /* bytes read of one config file */
#define AUDIT_MAX_FILES 4000        /* config files read in one run */
#define AUDIT_MAX_DEPTH 16          /* Include nesting */
#define AUDIT_MAX_DIRS 5000         /* directories visited under one DocumentRoot */
#define AUDIT_MAX_DIRS_TOTAL 1000000 /* ... under all DocumentRoots */
#define AUDIT_MAX_WALK_DEPTH 6      /* levels below a DocumentRoot */

typedef enum {
    AUDIT_PASS = 0,                 /* as it should be */
    AUDIT_WARN,                     /* weaker than it should be, or not checkable */
    AUDIT_FAIL                      /* a hardening rule is broken */
} audit_status_t;

/* A fix a program can apply: append APPEND to FILE, or run COMMAND (sh -c). */
typedef struct audit_fix_t {
    const char *file;               /* file to append to, or NULL */
    const char *append;             /* text to append (ends with a newline) */
    const char *command;            /* shell command, or NULL */
} audit_fix_t;

typedef struct audit_result_t {
    const char *id;                 /* stable check id, "php.expose_php" */
    audit_status_t status;          /* PASS, WARN or FAIL */
    const char *subject;            /* file, pool, vhost or directory checked */
    const char *found;              /* what was found, one line */
    audit_fix_t fix;                /* all NULL: nothing to apply */
} audit_result_t;

/* One PHP configuration: a SAPI's php.ini or one PHP-FPM pool. */
typedef struct audit_php_t {
    const char *file;               /* php.ini or pool file, as read (root included) */
    const char *version;            /* "8.2" */
    const char *sapi;               /* "cli", "apache2", "fpm", "cgi", ... */
    const char *pool;               /* pool name, NULL for a php.ini */
    apr_table_t *ini;               /* effective settings, lower-case names; a pool's
                                     * are its php.ini's overlaid with its own */
    const char *user;               /* pool: user = */
    const char *listen;             /* pool: listen = (socket path or address) */
    const char *user_fix;           /* pool: the command that gives it its own user
                                     * (audit_php_user_fix), computed once */
} audit_php_t;

typedef struct audit_t {
    apr_pool_t *pool;               /* everything of this run */
    sg_cli_t *cli;                  /* options and config */
    const char *root;               /* --root without trailing '/', "" for / */
    int live;                       /* no --root: programs may be asked */
    const char *apachectl;          /* --apachectl, live mode only */
    apr_array_header_t *results;    /* audit_result_t, in check order */
    apr_array_header_t *php;        /* audit_php_t *, found by audit_php_gather() */
    const char *web_user;           /* Apache's run user (APACHE_RUN_USER, User,
                                     * else www-data) */
    int files_read;                 /* against AUDIT_MAX_FILES */
    apr_hash_t *passwd;             /* user name -> audit_pwent_t *, read once */
    long next_uid;                  /* --root: the next system uid a fix hands out */
    const char *error;              /* set: the run cannot be trusted (exit 2) */
} audit_t;

/* ------------------------------------------------------------ cmd_audit.c */

/* Adds a result; FOUND and the fix strings are copied from A's pool. */
void audit_add(audit_t *a, const char *id, audit_status_t status, const char *subject,
               const char *found, const char *fix_file, const char *fix_append,
               const char *fix_command);

/* PATH (absolute, as on the audited host) below --root; from A's pool. */
const char *audit_path(const audit_t *a, const char *path);

/* PATH with --root taken off again, for messages about the audited host. */
const char *audit_host_path(const audit_t *a, const char *path);

/* Calls LINE_FN for every line of FILE (newline and trailing blanks taken
 * off); stops when it returns non-zero.  Lines over AUDIT_MAX_LINE are
 * skipped, reading stops at AUDIT_MAX_FILE bytes.  APR_ENOENT and other
 * open errors are returned as they are; APR_EGENERAL when the file cap
 * AUDIT_MAX_FILES is reached (A->error says so). */
typedef int audit_line_fn(void *baton, const char *line, int lineno);
apr_status_t audit_read_lines(audit_t *a, const char *file, audit_line_fn *line_fn,
                              void *baton);

/* Paths matching the glob PATTERN (wildcards in any component, dot files
 * skipped), sorted, at most 1000; from P. */
apr_array_header_t *audit_glob(audit_t *a, const char *pattern, apr_pool_t *p);

/* The uid, gid and home directory of NAME from the audited host's
 * etc/passwd (below --root, read once per run); returns 0 when found, -1
 * when not.  UID, GID and HOME may be NULL. */
int audit_user(audit_t *a, const char *name, long *uid, long *gid, const char **home);

/* 1 when some user of the audited host's etc/passwd has UID. */
int audit_uid_used(audit_t *a, long uid);

/* S quoted for sh: as it is when it holds only safe characters
 * (letters, digits, and / . _ - + : , @ = %), else in single quotes; from P. */
const char *audit_shq(apr_pool_t *p, const char *s);

/* Runs PROGRAM with ARGS (argv style, NULL-terminated) for at most TIMEOUT
 * seconds and returns its stdout (capped at 1 MiB) in *OUT, or an error. */
apr_status_t audit_run(audit_t *a, const char *const *argv, int timeout, char **out);

/* ------------------------------------------------------------ groups */

/* Reads every php.ini and FPM pool into A->php (needed by all groups). */
void audit_php_gather(audit_t *a);

/* Sets A->web_user from Debian's envvars (APACHE_RUN_USER), if there. */
void audit_apache_user(audit_t *a);

/* The groups: each adds its results to A->results (audit_php.c,
 * audit_apache.c, audit_mail.c, audit_self.c); a run-wide problem sets
 * A->error instead. */
void audit_php_check(audit_t *a);
void audit_apache_check(audit_t *a);
void audit_mail_check(audit_t *a);
void audit_self_check(audit_t *a);

/* The shell command that gives pool P a user of its own, named after the
 * pool: creates the user (useradd; with --root, lines appended to the
 * tree's etc/passwd and etc/group, with a free system uid), then appends
 * "user =" and "group =" to the pool.  Computed once per pool. */
const char *audit_php_user_fix(audit_t *a, audit_php_t *p);

/* The php_admin_value/php_value/ini value of NAME in P, or NULL. */
const char *audit_php_get(const audit_php_t *p, const char *name);

/* The text to append to P's file that sets NAME to VALUE (pool: as a
 * php_admin_value, php.ini: NAME = VALUE). */
const char *audit_php_setting(apr_pool_t *pool, const audit_php_t *p, const char *name,
                              const char *value);

#endif /* SG_AUDIT_H */
