/*
 * cmd_audit.c: spamgear audit, hardening checks of the host it runs on.
 * Options, the runner, the shared readers (bounded line reader, globbing,
 * passwd lookup, running apache2ctl) and the three outputs: text lines,
 * one JSON document, one Nagios status line.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <apr_file_info.h>
#include <apr_fnmatch.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "audit.h"

#define AUDIT_MAX_OUTPUT (1 << 20)   /* bytes of a program's output read */
#define AUDIT_MAX_GLOB 1000          /* paths one glob expands to */

static const char *const status_names[] = { "PASS", "WARN", "FAIL" };

/* Which groups run (--only). */
enum { G_PHP = 1, G_APACHE = 2, G_MAIL = 4, G_SELF = 8, G_ALL = 15 };

/* ------------------------------------------------------------ shared helpers */

void audit_add(audit_t *a, const char *id, audit_status_t status, const char *subject,
               const char *found, const char *fix_file, const char *fix_append,
               const char *fix_command)
{
    audit_result_t *r = apr_array_push(a->results);

    r->id = id;
    r->status = status;
    r->subject = apr_pstrdup(a->pool, subject ? subject : "-");
    r->found = apr_pstrdup(a->pool, found);
    r->fix.file = fix_file && fix_append ? apr_pstrdup(a->pool, fix_file) : NULL;
    r->fix.append = r->fix.file ? apr_pstrdup(a->pool, fix_append) : NULL;
    r->fix.command = fix_command ? apr_pstrdup(a->pool, fix_command) : NULL;
}

const char *audit_path(const audit_t *a, const char *path)
{
    return apr_pstrcat(a->pool, a->root, path, NULL);
}

const char *audit_host_path(const audit_t *a, const char *path)
{
    size_t n = strlen(a->root);

    if (n && !strncmp(path, a->root, n) && path[n] == '/') {
        return path + n;
    }
    return path;
}

/* Reads the rest of an over-long line so the next call starts a new one. */
static void skip_long_line(apr_file_t *f)
{
    char c;

    while (apr_file_getc(&c, f) == APR_SUCCESS && c != '\n') {
    }
}

apr_status_t audit_read_lines(audit_t *a, const char *file, audit_line_fn *line_fn,
                              void *baton)
{
    char *buf = apr_palloc(a->pool, AUDIT_MAX_LINE + 2);
    apr_file_t *f = NULL;
    apr_size_t total = 0, len;
    apr_status_t rv;
    int lineno = 0;

    if (a->files_read >= AUDIT_MAX_FILES) {
        a->error = apr_psprintf(a->pool, "more than %d config files (AUDIT_MAX_FILES); "
                                "stopped reading at %s", AUDIT_MAX_FILES, file);
        return APR_EGENERAL;
    }
    if ((rv = apr_file_open(&f, file, APR_FOPEN_READ, 0, a->pool)) != APR_SUCCESS) {
        return rv;
    }
    a->files_read++;
    while (total < AUDIT_MAX_FILE
           && apr_file_gets(buf, AUDIT_MAX_LINE + 2, f) == APR_SUCCESS) {
        len = strlen(buf);
        total += len;
        lineno++;
        if (len > 0 && buf[len - 1] != '\n' && len > AUDIT_MAX_LINE) {
            skip_long_line(f);
            continue;
        }
        while (len > 0 && apr_isspace(buf[len - 1])) {
            buf[--len] = '\0';
        }
        if (line_fn(baton, buf, lineno)) {
            break;
        }
    }
    apr_file_close(f);
    return APR_SUCCESS;
}

static int cmp_strings(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* Expands the components of PATTERN from index I below BASE into OUT. */
static void glob_expand(audit_t *a, const char *base, char **parts, int i, int n,
                        apr_array_header_t *out, apr_pool_t *p)
{
    apr_dir_t *dir;
    apr_finfo_t fi;
    apr_finfo_t st;

    if (i == n) {
        if (out->nelts < AUDIT_MAX_GLOB
            && apr_stat(&st, base, APR_FINFO_TYPE | APR_FINFO_LINK, p) == APR_SUCCESS) {
            APR_ARRAY_PUSH(out, const char *) = base;
        }
        return;
    }
    if (!apr_fnmatch_test(parts[i])) {
        glob_expand(a, apr_pstrcat(p, base, "/", parts[i], NULL), parts, i + 1, n, out, p);
        return;
    }
    if (apr_dir_open(&dir, *base ? base : "/", p) != APR_SUCCESS) {
        return;
    }
    while (out->nelts < AUDIT_MAX_GLOB
           && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, dir) == APR_SUCCESS) {
        /* httpd's Include skips dot files unless the pattern names them */
        if (fi.name[0] == '.' || apr_fnmatch(parts[i], fi.name, APR_FNM_PERIOD)) {
            continue;
        }
        glob_expand(a, apr_pstrcat(p, base, "/", fi.name, NULL), parts, i + 1, n, out, p);
    }
    apr_dir_close(dir);
}

apr_array_header_t *audit_glob(audit_t *a, const char *pattern, apr_pool_t *p)
{
    apr_array_header_t *out = apr_array_make(p, 8, sizeof(const char *));
    char *copy = apr_pstrdup(p, pattern), *last, *part;
    char *parts[64];
    int n = 0;

    for (part = apr_strtok(copy, "/", &last); part && n < 64; part = apr_strtok(NULL, "/", &last)) {
        parts[n++] = part;
    }
    glob_expand(a, "", parts, 0, n, out, p);
    qsort(out->elts, (size_t)out->nelts, sizeof(const char *), cmp_strings);
    return out;
}

typedef struct audit_pwent_t {
    long uid, gid;          /* numeric ids */
    const char *home;       /* home directory */
} audit_pwent_t;

/* One etc/passwd line into A->passwd (name:pw:uid:gid:gecos:home:shell;
 * fields may be empty; the first line of a name wins, as getpwnam's). */
static int passwd_line(void *baton, const char *line, int lineno)
{
    audit_t *a = baton;
    const char *f[7], *s = line;
    audit_pwent_t *pw;
    const char *name;
    int i;

    for (i = 0; i < 7 && s; i++) {
        f[i] = s;
        s = strchr(s, ':');
        if (s) s++;
    }
    if (i < 7 || f[1] == f[0] + 1) return 0;
    name = apr_pstrmemdup(a->pool, f[0], (apr_size_t)(f[1] - f[0] - 1));
    if (apr_hash_get(a->passwd, name, APR_HASH_KEY_STRING)) return 0;
    pw = apr_palloc(a->pool, sizeof(*pw));
    pw->uid = strtol(f[2], NULL, 10);
    pw->gid = strtol(f[3], NULL, 10);
    pw->home = apr_pstrmemdup(a->pool, f[5], strcspn(f[5], ":"));
    apr_hash_set(a->passwd, name, APR_HASH_KEY_STRING, pw);
    return 0;
}

static void passwd_load(audit_t *a)
{
    if (!a->passwd) {
        a->passwd = apr_hash_make(a->pool);
        audit_read_lines(a, audit_path(a, "/etc/passwd"), passwd_line, a);
    }
}

int audit_uid_used(audit_t *a, long uid)
{
    apr_hash_index_t *hi;

    passwd_load(a);
    for (hi = apr_hash_first(a->pool, a->passwd); hi; hi = apr_hash_next(hi)) {
        const audit_pwent_t *pw = apr_hash_this_val(hi);
        if (pw->uid == uid) return 1;
    }
    return 0;
}

int audit_user(audit_t *a, const char *name, long *uid, long *gid, const char **home)
{
    const audit_pwent_t *pw;

    passwd_load(a);
    if (!name || !(pw = apr_hash_get(a->passwd, name, APR_HASH_KEY_STRING))) {
        return -1;
    }
    if (uid) *uid = pw->uid;
    if (gid) *gid = pw->gid;
    if (home) *home = pw->home;
    return 0;
}

apr_status_t audit_run(audit_t *a, const char *const *argv, int timeout, char **out)
{
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(timeout);
    char *buf = apr_palloc(a->pool, AUDIT_MAX_OUTPUT + 1);
    apr_size_t len = 0, n;
    apr_procattr_t *attr;
    apr_file_t *null = NULL;
    apr_exit_why_e why;
    apr_proc_t proc;
    apr_status_t rv;
    int code;

    /* stderr to /dev/null: a closed one makes some programs fail */
    if ((rv = apr_file_open(&null, "/dev/null", APR_FOPEN_WRITE, 0, a->pool)) != APR_SUCCESS
        || (rv = apr_procattr_create(&attr, a->pool)) != APR_SUCCESS
        || (rv = apr_procattr_io_set(attr, APR_NO_PIPE, APR_FULL_BLOCK, APR_NO_PIPE))
               != APR_SUCCESS
        || (rv = apr_procattr_child_err_set(attr, null, NULL)) != APR_SUCCESS
        || (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM_ENV)) != APR_SUCCESS
        || (rv = apr_procattr_error_check_set(attr, 1)) != APR_SUCCESS
        || (rv = apr_proc_create(&proc, argv[0], argv, NULL, attr, a->pool)) != APR_SUCCESS) {
        return rv;
    }
    while (len < AUDIT_MAX_OUTPUT && apr_time_now() < deadline) {
        apr_file_pipe_timeout_set(proc.out, deadline - apr_time_now());
        n = AUDIT_MAX_OUTPUT - len;
        if ((rv = apr_file_read(proc.out, buf + len, &n)) != APR_SUCCESS) {
            break;
        }
        len += n;
    }
    buf[len] = '\0';
    if (apr_time_now() >= deadline || len >= AUDIT_MAX_OUTPUT) {
        apr_proc_kill(&proc, SIGKILL);
    }
    apr_file_close(proc.out);
    apr_file_close(null);
    apr_proc_wait(&proc, &code, &why, APR_WAIT);
    *out = buf;
    return (why == APR_PROC_EXIT && code == 0) ? APR_SUCCESS : APR_EGENERAL;
}

const char *audit_shq(apr_pool_t *p, const char *s)
{
    const char *c;
    char *out, *o;

    for (c = s; *c && (apr_isalnum(*c) || strchr("/._-+:,@=%", *c)); c++) {
    }
    if (*s && !*c) return s;
    /* each ' becomes '\'' : at most 4 bytes per byte, plus the quotes */
    out = o = apr_palloc(p, strlen(s) * 4 + 3);
    *o++ = '\'';
    for (c = s; *c; c++) {
        if (*c == '\'') {
            memcpy(o, "'\\''", 4);
            o += 4;
        }
        else {
            *o++ = *c;
        }
    }
    *o++ = '\'';
    *o = '\0';
    return out;
}

/* ------------------------------------------------------------ output */

static void tally(const audit_t *a, int count[3])
{
    int i;

    count[0] = count[1] = count[2] = 0;
    for (i = 0; i < a->results->nelts; i++) {
        count[APR_ARRAY_IDX(a->results, i, audit_result_t).status]++;
    }
}

/* S with control bytes as \xNN and newlines as \n (but the last), so no
 * value forges a line. */
static void put_clean(FILE *fp, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' && !s[1]) break;
        if (c == '\n') fputs("\\n", fp);
        else if (c < 0x20 || c == 0x7f) fprintf(fp, "\\x%02x", c);
        else fputc(c, fp);
    }
}

static void print_text(const audit_t *a, FILE *fp, int quiet)
{
    int i;

    for (i = 0; i < a->results->nelts; i++) {
        const audit_result_t *r = &APR_ARRAY_IDX(a->results, i, audit_result_t);
        if (quiet && r->status == AUDIT_PASS) continue;
        fprintf(fp, "%s %s ", status_names[r->status], r->id);
        put_clean(fp, r->subject);
        fputs(": ", fp);
        put_clean(fp, r->found);
        if (r->status != AUDIT_PASS && r->fix.file) {
            fputs("; fix: append to ", fp);
            put_clean(fp, r->fix.file);
            fputs(": ", fp);
            put_clean(fp, r->fix.append);
        }
        else if (r->status != AUDIT_PASS && r->fix.command) {
            fputs("; fix: run: ", fp);
            put_clean(fp, r->fix.command);
        }
        fputc('\n', fp);
    }
}

/* S as a JSON string: valid UTF-8 stays, any other byte becomes its Latin-1
 * character (as scan --json reads it), so jansson takes every path. */
static json_t *json_text(apr_pool_t *p, const char *s)
{
    const unsigned char *c = (const unsigned char *)s;
    char *out = apr_palloc(p, strlen(s) * 2 + 1), *o = out;
    int n, i;

    while (*c) {
        n = (*c >= 0xc2 && *c <= 0xdf) ? 1 : (*c >= 0xe0 && *c <= 0xef) ? 2
            : (*c >= 0xf0 && *c <= 0xf4) ? 3 : 0;
        for (i = 1; i <= n; i++) {
            if ((c[i] & 0xc0) != 0x80) { n = -1; break; }
        }
        if (*c < 0x80 || n > 0) {
            for (i = 0; i <= (n > 0 ? n : 0); i++) *o++ = (char)*c++;
            continue;
        }
        *o++ = (char)(0xc0 | (*c >> 6));
        *o++ = (char)(0x80 | (*c & 0x3f));
        c++;
    }
    *o = '\0';
    return json_string(out);
}

static json_t *fix_json(apr_pool_t *p, const audit_result_t *r)
{
    if (r->status == AUDIT_PASS) {
        return json_null();
    }
    if (r->fix.file) {
        return json_pack("{s:o, s:o}", "file", json_text(p, r->fix.file),
                         "append", json_text(p, r->fix.append));
    }
    if (r->fix.command) {
        return json_pack("{s:o}", "command", json_text(p, r->fix.command));
    }
    return json_null();
}

static void print_json(const audit_t *a, FILE *fp)
{
    json_t *root = json_object(), *checks = json_array();
    int count[3], i;
    char *text;

    tally(a, count);
    for (i = 0; i < a->results->nelts; i++) {
        const audit_result_t *r = &APR_ARRAY_IDX(a->results, i, audit_result_t);
        json_array_append_new(checks, json_pack("{s:s, s:s, s:o, s:o, s:o}", "id", r->id,
                                                "status", status_names[r->status],
                                                "subject", json_text(a->pool, r->subject),
                                                "found", json_text(a->pool, r->found),
                                                "fix", fix_json(a->pool, r)));
    }
    json_object_set_new(root, "pass", json_integer(count[AUDIT_PASS]));
    json_object_set_new(root, "warn", json_integer(count[AUDIT_WARN]));
    json_object_set_new(root, "fail", json_integer(count[AUDIT_FAIL]));
    json_object_set_new(root, "checks", checks);
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text) {
        fprintf(fp, "%s\n", text);
        free(text);
    }
    json_decref(root);
}

/* The Nagios status line; returns the Nagios exit code. */
static int print_nagios(const audit_t *a, FILE *fp)
{
    static const char *const states[] = { "OK", "WARNING", "CRITICAL" };
    int count[3], state;

    tally(a, count);
    state = count[AUDIT_FAIL] ? 2 : count[AUDIT_WARN] ? 1 : 0;
    fprintf(fp, "SPAMGEAR AUDIT %s - %d FAIL, %d WARN, %d PASS | pass=%d warn=%d fail=%d\n",
            states[state], count[AUDIT_FAIL], count[AUDIT_WARN], count[AUDIT_PASS],
            count[AUDIT_PASS], count[AUDIT_WARN], count[AUDIT_FAIL]);
    return state;
}

/* ------------------------------------------------------------ options */

/* Parses --only into a group mask; 0 when a name is unknown. */
static int parse_groups(const char *only, apr_pool_t *p)
{
    static const struct { const char *name; int bit; } names[] = {
        { "php", G_PHP }, { "apache", G_APACHE }, { "mail", G_MAIL }, { "spamgear", G_SELF },
        { NULL, 0 }
    };
    char *copy = apr_pstrdup(p, only), *last, *w;
    int mask = 0, i;

    for (w = apr_strtok(copy, ",", &last); w; w = apr_strtok(NULL, ",", &last)) {
        for (i = 0; names[i].name && strcmp(names[i].name, w); i++) {
        }
        if (!names[i].name) return 0;
        mask |= names[i].bit;
    }
    return mask;
}

/* An error before or during the run: stderr, and the Nagios line in --nagios. */
static int audit_error(int nagios, const char *msg)
{
    sg_cli_error("audit: %s", msg);
    if (nagios) {
        printf("SPAMGEAR AUDIT UNKNOWN - %s\n", msg);
        return SG_EXIT_UNKNOWN;
    }
    return SG_EXIT_ERROR;
}

/* Sets A->root from --root; returns -1 to go on, else an exit code. */
static int setup_root(audit_t *a, int nagios)
{
    const char *root = sg_cli_opt_path(a->cli, "root");
    apr_finfo_t fi;
    char *r;
    size_t n;

    if (sg_cli_opt(a->cli, "root") && !root) {
        return nagios ? SG_EXIT_UNKNOWN : SG_EXIT_ERROR;
    }
    a->live = root == NULL;
    if (!root) {
        a->root = "";
        return -1;
    }
    if (apr_stat(&fi, root, APR_FINFO_TYPE, a->pool) != APR_SUCCESS || fi.filetype != APR_DIR) {
        return audit_error(nagios, apr_psprintf(a->pool, "--root %s: not a readable "
                                                "directory", root));
    }
    r = apr_pstrdup(a->pool, root);
    for (n = strlen(r); n > 0 && r[n - 1] == '/'; n--) {
        r[n - 1] = '\0';
    }
    a->root = r;
    /* the tree's own spamgear.conf, unless -c names one */
    if (!a->cli->conf_explicit) {
        a->cli->conf_path = audit_path(a, SG_CONF_DIR "/spamgear.conf");
    }
    return -1;
}

int sg_cmd_audit(sg_cli_t *cli, int argc, const char *const *argv)
{
    audit_t a;
    const char *only = sg_cli_opt(cli, "only");
    int nagios = sg_cli_opt(cli, "nagios") != NULL, json = sg_cli_opt(cli, "json") != NULL;
    int groups = G_ALL, rc, count[3];

    memset(&a, 0, sizeof(a));
    a.pool = cli->pool;
    a.cli = cli;
    a.results = apr_array_make(cli->pool, 32, sizeof(audit_result_t));
    a.php = apr_array_make(cli->pool, 8, sizeof(audit_php_t *));
    if (argc > 0) {
        return audit_error(nagios, apr_psprintf(a.pool, "takes no arguments ('%s'); try "
                                                "'spamgear audit --help'", argv[0]));
    }
    if (nagios && json) {
        sg_cli_error("audit: --json and --nagios exclude each other; try 'spamgear audit --help'");
        return SG_EXIT_ERROR;
    }
    if (only && !(groups = parse_groups(only, cli->pool))) {
        return audit_error(nagios, apr_psprintf(a.pool, "--only %s: want php, apache, mail, "
                                                "spamgear (comma-separated); try 'spamgear "
                                                "audit --help'", only));
    }
    if ((rc = setup_root(&a, nagios)) >= 0) return rc;
    if (sg_cli_load_conf(cli) != SG_EXIT_OK) {
        /* the reader said FILE:LINE on stderr; the monitoring reads stdout */
        if (!nagios) return SG_EXIT_ERROR;
        printf("SPAMGEAR AUDIT UNKNOWN - bad config file %s\n", cli->conf_path);
        return SG_EXIT_UNKNOWN;
    }
    a.apachectl = sg_cli_opt(cli, "apachectl");
    if (!a.apachectl) a.apachectl = "/usr/sbin/apache2ctl";
    a.web_user = "www-data";
    audit_apache_user(&a);
    audit_php_gather(&a);
    if (groups & G_PHP) audit_php_check(&a);
    if (groups & G_APACHE) audit_apache_check(&a);
    if (groups & G_MAIL) audit_mail_check(&a);
    if (groups & G_SELF) audit_self_check(&a);
    if (a.error) {
        return audit_error(nagios, a.error);
    }
    if (nagios) {
        return print_nagios(&a, cli->out);
    }
    if (json) print_json(&a, cli->out);
    else print_text(&a, cli->out, sg_cli_opt(cli, "quiet") != NULL);
    tally(&a, count);
    return (count[AUDIT_WARN] || count[AUDIT_FAIL]) ? SG_EXIT_FOUND : SG_EXIT_OK;
}
