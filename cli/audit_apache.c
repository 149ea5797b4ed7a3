/*
 * audit_apache.c: Apache httpd's side of the hardening: mod_spamgear
 * loaded, upload/cache/temp directories covered by its no-exec rules (asked
 * of the module's own matcher, sg_noexec_judge), login bans and upload
 * scanning not switched off, PHP run per user.
 *
 * The configuration reader follows what httpd reads: ServerRoot's
 * apache2.conf, Include/IncludeOptional (globs, directories, relative to
 * ServerRoot), Define and ${VAR} (Debian's envvars exports too),
 * <VirtualHost>, <Directory PATH> and the directives below.  <IfModule> is
 * decided by the LoadModule lines read so far and Debian's built-in
 * modules; other conditions (<IfDefine>, <IfVersion>, ...) are taken as
 * true; <DirectoryMatch>, <Directory ~>, <Location> and .htaccess files are
 * not judged.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <apr_fnmatch.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "audit.h"
#include "sg_noexec.h"
#include "sg_path.h"
#include "sg_regex.h"

#define MAX_WORDS 64              /* words of one directive kept */
#define MAX_SECTIONS 32           /* nested sections */
#define APACHECTL_TIMEOUT 20      /* seconds for apache2ctl -S and -M */

/* Directory names that hold what users and applications write. */
static const char *const writable_names[] = {
    "upload", "uploads", "files", "images", "media", "cache", "tmp", "temp", NULL
};

/* ------------------------------------------------------------ model */

typedef struct vhost_t {
    const char *name;             /* ServerName, or "(main server)" */
    const char *file;             /* file of <VirtualHost> (root included) */
    int line;                     /* its line */
    const char *docroot;          /* DocumentRoot (host path), or NULL */
    const char *handler;          /* the PHP handler (SetHandler in a php FilesMatch) */
    const char *itk_user;         /* AssignUserID */
    const char *suexec_user;      /* SuexecUserGroup */
    apr_array_header_t *match;    /* SpamGearNoExecMatch regexes, NULL: not set */
    apr_array_header_t *handlers; /* SpamGearNoExecHandler globs */
} vhost_t;

typedef struct dirsec_t {
    const char *path;             /* <Directory PATH>, host path, no trailing '/' */
    int parts;                    /* its number of components */
    const vhost_t *vhost;         /* NULL: main server */
    sg_noexec_mode_t mode;        /* SpamGearNoExec in it */
    const char *file;             /* where (root included) */
    int line;
    int order;                    /* config order */
} dirsec_t;

typedef struct offline_t {
    const char *directive;        /* SpamGearLogin or SpamGearUploadScan */
    const char *file;             /* where it is switched off */
    int line;
} offline_t;

typedef struct apconf_t {
    audit_t *a;
    const char *server_root;      /* host path */
    apr_table_t *defines;         /* Define and envvars */
    apr_table_t *modules;         /* module id -> file of its LoadModule */
    vhost_t *main;                /* the main server */
    vhost_t *cur;                 /* context being read */
    apr_array_header_t *vhosts;   /* vhost_t *, main first */
    apr_array_header_t *dirs;     /* dirsec_t */
    apr_array_header_t *offs;     /* offline_t */
    const char *sections[MAX_SECTIONS]; /* open section names, lower case */
    dirsec_t *dir_at[MAX_SECTIONS];     /* the <Directory> each opened, or NULL */
    int depth_sec;                /* open sections */
    int in_php_files;             /* inside a FilesMatch/Files naming php */
    int skip;                     /* > 0: inside an <IfModule> that is false, this
                                   * many sections deep */
    apr_table_t *sources;         /* "mod_X.c" names of the loaded modules */
    int depth;                    /* Include nesting */
    const char *file;             /* file being read */
    long visited;                 /* directories walked, all DocumentRoots */
    int cap_said;                 /* the AUDIT_MAX_DIRS_TOTAL WARN was added */
    apr_hash_t *judged;           /* directory -> its verdict, "PASS"... (vhosts
                                   * sharing a DocumentRoot say it once) */
    const char *cont;             /* continued line so far */
    int cont_line;                /* where it started */
} apconf_t;

static void read_conf_file(apconf_t *c, const char *file);

/* ------------------------------------------------------------ lexing */

/* LINE with ${NAME} replaced from DEFINES (unknown ones stay). */
static const char *expand(apconf_t *c, const char *line)
{
    const char *s = line, *open, *close, *v;
    const char *out = "";

    while ((open = strstr(s, "${")) && (close = strchr(open, '}'))) {
        char *name = apr_pstrmemdup(c->a->pool, open + 2, (apr_size_t)(close - open - 2));
        v = apr_table_get(c->defines, name);
        out = apr_pstrcat(c->a->pool, out, apr_pstrmemdup(c->a->pool, s, (apr_size_t)(open - s)),
                          v ? v : apr_pstrmemdup(c->a->pool, open,
                                                 (apr_size_t)(close - open + 1)), NULL);
        s = close + 1;
        if (strlen(out) > AUDIT_MAX_LINE) break;
    }
    return apr_pstrcat(c->a->pool, out, s, NULL);
}

/* Splits LINE into words (quotes kept together, taken off); returns the count. */
static int split_words(apr_pool_t *p, const char *line, const char **w)
{
    int n = 0;

    while (*line && n < MAX_WORDS) {
        const char *start;
        while (apr_isspace(*line)) line++;
        if (!*line) break;
        if (*line == '"' || *line == '\'') {
            char q = *line++;
            start = line;
            while (*line && *line != q) {
                if (*line == '\\' && line[1]) line++;
                line++;
            }
            w[n++] = apr_pstrmemdup(p, start, (apr_size_t)(line - start));
            if (*line) line++;
        }
        else {
            start = line;
            while (*line && !apr_isspace(*line)) line++;
            w[n++] = apr_pstrmemdup(p, start, (apr_size_t)(line - start));
        }
    }
    return n;
}

/* ------------------------------------------------------------ directives */

static const char *host_abs(apconf_t *c, const char *path)
{
    if (path[0] == '/') return path;
    return apr_pstrcat(c->a->pool, c->server_root, "/", path, NULL);
}

static void do_include(apconf_t *c, const char *pattern)
{
    apr_array_header_t *files;
    const char *saved = c->file;
    apr_finfo_t fi;
    int i;

    if (c->depth >= AUDIT_MAX_DEPTH) {
        c->a->error = apr_psprintf(c->a->pool, "%s: Include nested deeper than %d "
                                   "(AUDIT_MAX_DEPTH)", c->file, AUDIT_MAX_DEPTH);
        return;
    }
    files = audit_glob(c->a, audit_path(c->a, host_abs(c, pattern)), c->a->pool);
    c->depth++;
    for (i = 0; i < files->nelts && !c->a->error; i++) {
        const char *f = APR_ARRAY_IDX(files, i, const char *);
        if (apr_stat(&fi, f, APR_FINFO_TYPE, c->a->pool) == APR_SUCCESS && fi.filetype == APR_DIR) {
            do_include(c, apr_pstrcat(c->a->pool, audit_host_path(c->a, f), "/*", NULL));
            continue;
        }
        read_conf_file(c, f);
    }
    c->depth--;
    c->file = saved;
}

static vhost_t *vhost_new(apconf_t *c, const char *name, int line)
{
    vhost_t *v = apr_pcalloc(c->a->pool, sizeof(*v));

    v->name = name;
    v->file = c->file;
    v->line = line;
    v->handlers = apr_array_make(c->a->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(c->vhosts, vhost_t *) = v;
    return v;
}

static void open_directory(apconf_t *c, const char *path, int line)
{
    dirsec_t *d = apr_array_push(c->dirs);
    char *p = apr_pstrdup(c->a->pool, path), *s;
    size_t n = strlen(p);

    while (n > 1 && p[n - 1] == '/') p[--n] = '\0';
    d->path = p;
    d->parts = 0;
    for (s = p; *s; s++) d->parts += *s == '/';
    d->vhost = c->cur == c->main ? NULL : c->cur;
    d->mode = SG_NOEXEC_UNSET;
    d->file = c->file;
    d->line = line;
    d->order = c->dirs->nelts;
    c->dir_at[c->depth_sec - 1] = d;
}

/* The innermost open <Directory>, or NULL. */
static dirsec_t *current_dir(apconf_t *c)
{
    int i;

    for (i = c->depth_sec - 1; i >= 0; i--) {
        if (c->dir_at[i]) return c->dir_at[i];
    }
    return NULL;
}

/* 1 when <Files ARG> or <FilesMatch ARG> (KIND) takes in "x.php". */
static int names_php(apconf_t *c, const char *kind, const char *arg)
{
    sg_regex_list_t *re;
    sg_result_t res = { APR_SUCCESS, NULL };

    if (!strcmp(kind, "files")) {
        return apr_fnmatch(arg, "x.php", 0) == APR_SUCCESS;
    }
    re = sg_regex_list_create(c->a->pool);
    if (sg_regex_list_add(re, arg, 0, &res) != APR_SUCCESS) return 0;
    return sg_regex_list_match(re, "x.php", 5) != NULL;
}

/* Debian's apache2 has these built in: no LoadModule names them. */
static const char *const static_modules[] = {
    "core_module", "so_module", "watchdog_module", "http_module", "log_config_module",
    "logio_module", "version_module", "unixd_module", "core.c", "mod_so.c", "mod_watchdog.c",
    "http_core.c", "mod_log_config.c", "mod_logio.c", "mod_version.c", "mod_unixd.c", NULL
};

/* Records the source name <IfModule mod_X.c> tests for the module in SO. */
static void add_source_name(apconf_t *c, const char *so)
{
    const char *base = sg_path_basename(so);
    size_t n = strcspn(base, ".");

    if (!strncmp(base, "libphp", 6)) {
        /* PHP 8's module is mod_php.c, PHP 7's mod_php7.c */
        apr_table_set(c->sources, apr_isdigit(base[6]) && base[6] < '8'
                      ? apr_psprintf(c->a->pool, "mod_php%c.c", base[6]) : "mod_php.c", so);
        return;
    }
    apr_table_set(c->sources, apr_pstrcat(c->a->pool, apr_pstrmemdup(c->a->pool, base, n),
                                          ".c", NULL), so);
}

/* 1 when <IfModule ARG> holds with the modules loaded so far. */
static int if_module(const apconf_t *c, const char *arg)
{
    int neg = (*arg == '!'), i, on;

    arg += neg;
    on = apr_table_get(c->modules, arg) || apr_table_get(c->sources, arg);
    for (i = 0; !on && static_modules[i]; i++) on = !strcmp(static_modules[i], arg);
    return neg ? !on : on;
}

static void open_section(apconf_t *c, const char **w, int n, int line)
{
    char *name = apr_pstrdup(c->a->pool, w[0] + 1);
    int i;

    name[strcspn(name, ">")] = '\0';
    for (i = 0; name[i]; i++) name[i] = (char)apr_tolower(name[i]);
    if (!strcmp(name, "ifmodule") && n > 1) {
        char *arg = apr_pstrdup(c->a->pool, w[1]);
        arg[strcspn(arg, ">")] = '\0';
        if (!if_module(c, arg)) {
            c->skip = 1;
            return;
        }
    }
    if (c->depth_sec >= MAX_SECTIONS) return;
    c->sections[c->depth_sec] = name;
    c->dir_at[c->depth_sec++] = NULL;
    if (n > 1) {
        char *arg = apr_pstrdup(c->a->pool, w[1]);
        arg[strcspn(arg, ">")] = '\0';
        if (!strcmp(name, "virtualhost")) {
            c->cur = vhost_new(c, arg, line);
        }
        else if (!strcmp(name, "directory") && strcmp(arg, "~") && *arg) {
            open_directory(c, arg, line);
        }
        else if (!strcmp(name, "filesmatch") || !strcmp(name, "files")) {
            if (names_php(c, name, arg)) c->in_php_files = c->depth_sec;
        }
    }
}

static void close_section(apconf_t *c)
{
    if (c->depth_sec == 0) return;
    c->depth_sec--;
    if (!strcmp(c->sections[c->depth_sec], "virtualhost")) c->cur = c->main;
    if (c->in_php_files > c->depth_sec) c->in_php_files = 0;
}

static int flag_off(const char *v)
{
    return v && !strcasecmp(v, "off");
}

/* SpamGearNoExecMatch, SpamGearNoExecHandler, SpamGearNoExec, SpamGearLogin,
 * SpamGearUploadScan. */
static void spamgear_directive(apconf_t *c, const char **w, int n, int line)
{
    int i;

    if (!strcasecmp(w[0], "SpamGearNoExecMatch")) {
        if (!c->cur->match) c->cur->match = apr_array_make(c->a->pool, 4, sizeof(const char *));
        for (i = 1; i < n; i++) APR_ARRAY_PUSH(c->cur->match, const char *) = w[i];
    }
    else if (!strcasecmp(w[0], "SpamGearNoExecHandler")) {
        for (i = 1; i < n; i++) APR_ARRAY_PUSH(c->cur->handlers, const char *) = w[i];
    }
    else if (!strcasecmp(w[0], "SpamGearNoExec") && n > 1 && current_dir(c)) {
        current_dir(c)->mode = flag_off(w[1]) ? SG_NOEXEC_OFF : SG_NOEXEC_ON;
    }
    else if ((!strcasecmp(w[0], "SpamGearLogin") || !strcasecmp(w[0], "SpamGearUploadScan"))
             && n > 1 && flag_off(w[1])) {
        offline_t *o = apr_array_push(c->offs);
        o->directive = strcasecmp(w[0], "SpamGearLogin") ? "SpamGearUploadScan" : "SpamGearLogin";
        o->file = c->file;
        o->line = line;
    }
}

/* "unix:/run/php/x.sock|fcgi://..." anywhere in V: the socket path, or NULL. */
static const char *fpm_socket(apr_pool_t *p, const char *v)
{
    const char *u = v ? strstr(v, "unix:") : NULL;

    if (!u) {
        /* no socket: "fcgi://HOST:PORT/..." names a TCP listener */
        u = (v && !strncmp(v, "proxy:", 6)) ? strstr(v, "fcgi://") : NULL;
        return u ? apr_pstrmemdup(p, u + 7, strcspn(u + 7, "/|")) : NULL;
    }
    u += 5;
    return apr_pstrmemdup(p, u, strcspn(u, "|"));
}

static void directive(apconf_t *c, const char **w, int n, int line)
{
    if (!strncasecmp(w[0], "SpamGear", 8)) spamgear_directive(c, w, n, line);
    else if (n < 2) return;
    else if (!strcasecmp(w[0], "ServerRoot")) c->server_root = w[1];
    else if (!strcasecmp(w[0], "Define")) apr_table_set(c->defines, w[1], n > 2 ? w[2] : "");
    else if (!strcasecmp(w[0], "Include") || !strcasecmp(w[0], "IncludeOptional")) {
        do_include(c, w[1]);
    }
    else if (!strcasecmp(w[0], "LoadModule")) {
        apr_table_set(c->modules, w[1], c->file);
        if (n > 2) add_source_name(c, w[2]);
    }
    else if (!strcasecmp(w[0], "User") && c->cur == c->main) c->a->web_user = w[1];
    else if (!strcasecmp(w[0], "DocumentRoot")) c->cur->docroot = w[1];
    else if (!strcasecmp(w[0], "ServerName") && c->cur != c->main) c->cur->name = w[1];
    else if (!strcasecmp(w[0], "AssignUserID")) c->cur->itk_user = w[1];
    else if (!strcasecmp(w[0], "SuexecUserGroup")) c->cur->suexec_user = w[1];
    else if (!strcasecmp(w[0], "SetHandler") && c->in_php_files) c->cur->handler = w[1];
    else if (!strcasecmp(w[0], "ProxyPassMatch") && n > 2 && strstr(w[1], "php")
             && fpm_socket(c->a->pool, w[2])) {
        c->cur->handler = apr_pstrcat(c->a->pool, "proxy:", w[2], NULL);
    }
}

static int conf_line(void *baton, const char *raw, int lineno)
{
    apconf_t *c = baton;
    const char *w[MAX_WORDS], *line;
    size_t len = strlen(raw);
    int n;

    if (len && raw[len - 1] == '\\') {
        if (!*c->cont) c->cont_line = lineno;
        if (strlen(c->cont) + len < AUDIT_MAX_LINE) {
            c->cont = apr_pstrcat(c->a->pool, c->cont, apr_pstrmemdup(c->a->pool, raw, len - 1),
                                  " ", NULL);
        }
        return 0;
    }
    line = apr_pstrcat(c->a->pool, c->cont, raw, NULL);
    if (*c->cont) lineno = c->cont_line;   /* httpd names a directive's first line */
    c->cont = "";
    while (apr_isspace(*line)) line++;
    if (!*line || *line == '#') return 0;
    n = split_words(c->a->pool, expand(c, line), w);
    if (n == 0) return 0;
    if (c->skip) {
        /* inside a false <IfModule>: only count sections to find its end */
        if (w[0][0] == '<') c->skip += (w[0][1] == '/') ? -1 : 1;
        return 0;
    }
    if (w[0][0] == '<' && w[0][1] == '/') close_section(c);
    else if (w[0][0] == '<') open_section(c, w, n, lineno);
    else directive(c, w, n, lineno);
    return c->a->error != NULL;
}

static void read_conf_file(apconf_t *c, const char *file)
{
    c->file = file;
    c->cont = "";
    audit_read_lines(c->a, file, conf_line, c);
}

/* Debian's envvars: "export NAME=VALUE" lines, as Defines. */
static int envvars_line(void *baton, const char *line, int lineno)
{
    apconf_t *c = baton;
    const char *eq;
    char *value;

    while (apr_isspace(*line)) line++;
    if (strncmp(line, "export ", 7) || !(eq = strchr(line, '='))) return 0;
    line += 7;
    value = apr_pstrdup(c->a->pool, eq + 1);
    if (*value == '"' || *value == '\'') {
        value++;
        value[strcspn(value, "\"'")] = '\0';
    }
    if (strstr(value, "$SUFFIX")) *strstr(value, "$SUFFIX") = '\0';
    apr_table_set(c->defines, apr_pstrmemdup(c->a->pool, line, (apr_size_t)(eq - line)), value);
    return 0;
}

void audit_apache_user(audit_t *a)
{
    apconf_t c;

    memset(&c, 0, sizeof(c));
    c.a = a;
    c.defines = apr_table_make(a->pool, 16);
    audit_read_lines(a, audit_path(a, "/etc/apache2/envvars"), envvars_line, &c);
    if (apr_table_get(c.defines, "APACHE_RUN_USER")) {
        a->web_user = apr_table_get(c.defines, "APACHE_RUN_USER");
    }
}

static void read_config(apconf_t *c)
{
    memset(c->sections, 0, sizeof(c->sections));
    c->defines = apr_table_make(c->a->pool, 16);
    c->modules = apr_table_make(c->a->pool, 64);
    c->sources = apr_table_make(c->a->pool, 64);
    c->vhosts = apr_array_make(c->a->pool, 16, sizeof(vhost_t *));
    c->dirs = apr_array_make(c->a->pool, 32, sizeof(dirsec_t));
    c->offs = apr_array_make(c->a->pool, 4, sizeof(offline_t));
    c->server_root = "/etc/apache2";
    c->file = audit_path(c->a, "/etc/apache2/apache2.conf");
    c->main = c->cur = vhost_new(c, "(main server)", 0);
    audit_read_lines(c->a, audit_path(c->a, "/etc/apache2/envvars"), envvars_line, c);
    if (apr_table_get(c->defines, "APACHE_RUN_USER")) {
        c->a->web_user = apr_table_get(c->defines, "APACHE_RUN_USER");
    }
    read_conf_file(c, c->file);
}

/* ------------------------------------------------------------ live: apache2ctl */

/* 1 when the reader found a <VirtualHost> at FILE:LINE (host path). */
static int vhost_known(const apconf_t *c, const char *file, int line)
{
    int i;

    for (i = 0; i < c->vhosts->nelts; i++) {
        const vhost_t *v = APR_ARRAY_IDX(c->vhosts, i, const vhost_t *);
        if (v->line == line && !strcmp(audit_host_path(c->a, v->file), file)) return 1;
    }
    return 0;
}

/* apache2ctl -S names every vhost httpd has as "(FILE:LINE)": each one the
 * reader did not find (an <IfDefine> it took differently, a gap in the
 * reader) is a WARN, since its directories were not judged. */
static void check_vhosts_seen(apconf_t *c, char *dump)
{
    audit_t *a = c->a;
    apr_hash_t *seen = apr_hash_make(a->pool);   /* a vhost is listed per address */
    char *line, *last, *open, *colon;
    int n = 0, missing = 0;

    for (line = apr_strtok(dump, "\n", &last); line; line = apr_strtok(NULL, "\n", &last)) {
        if (!(open = strrchr(line, '(')) || !(colon = strrchr(open, ':'))
            || open[1] != '/' || !apr_isdigit(colon[1])
            || apr_hash_get(seen, open, APR_HASH_KEY_STRING)) {
            continue;
        }
        apr_hash_set(seen, apr_pstrdup(a->pool, open), APR_HASH_KEY_STRING, "");
        *colon = '\0';
        n++;
        if (!vhost_known(c, open + 1, atoi(colon + 1))) {
            missing++;
            audit_add(a, "apache.vhosts", AUDIT_WARN, apr_psprintf(a->pool, "%s:%d", open + 1,
                      atoi(colon + 1)), "httpd has this virtual host, the configuration "
                      "reader did not find it: not judged", NULL, NULL, NULL);
        }
    }
    if (!missing) {
        audit_add(a, "apache.vhosts", AUDIT_PASS, a->apachectl, apr_psprintf(a->pool,
                  "the %d virtual host(s) of -S were read", n), NULL, NULL, NULL);
    }
}

/* apache2ctl -S and -M: -M replaces the module list read from the files,
 * -S's vhosts are checked against the reader's.  Returns 0 when they ran;
 * else adds the WARN that says the files decide. */
static int live_apachectl(apconf_t *c)
{
    audit_t *a = c->a;
    const char *argv_m[] = { a->apachectl, "-M", NULL }, *argv_s[] = { a->apachectl, "-S", NULL };
    char *out, *dump, *line, *last;

    if (audit_run(a, argv_s, APACHECTL_TIMEOUT, &dump) != APR_SUCCESS
        || audit_run(a, argv_m, APACHECTL_TIMEOUT, &out) != APR_SUCCESS) {
        audit_add(a, "apache.apachectl", AUDIT_WARN, a->apachectl,
                  "cannot run -S and -M (missing, or the configuration does not parse); "
                  "judged from the configuration files", NULL, NULL, NULL);
        return -1;
    }
    apr_table_clear(c->modules);
    for (line = apr_strtok(out, "\n", &last); line; line = apr_strtok(NULL, "\n", &last)) {
        char name[128];
        if (sscanf(line, " %127s (", name) == 1 && strstr(line, "(")) {
            apr_table_set(c->modules, name, "apache2ctl -M");
        }
    }
    audit_add(a, "apache.apachectl", AUDIT_PASS, a->apachectl, "-S and -M ran", NULL, NULL, NULL);
    check_vhosts_seen(c, dump);
    return 0;
}

/* ------------------------------------------------------------ checks */

static void check_module(apconf_t *c)
{
    audit_t *a = c->a;
    const char *load = audit_path(a, "/etc/apache2/mods-available/spamgear.load");
    const char *fix;
    apr_finfo_t fi;

    if (apr_table_get(c->modules, "spamgear_module")) {
        audit_add(a, "apache.module", AUDIT_PASS, "spamgear_module", "mod_spamgear loaded",
                  NULL, NULL, NULL);
        return;
    }
    if (a->live) {
        fix = "a2enmod spamgear && systemctl reload apache2";
    }
    else if (apr_stat(&fi, load, APR_FINFO_TYPE, a->pool) == APR_SUCCESS) {
        fix = apr_psprintf(a->pool, "ln -s ../mods-available/spamgear.load %s",
                           audit_shq(a->pool, audit_path(a, "/etc/apache2/mods-enabled/"
                                                         "spamgear.load")));
    }
    else {
        audit_add(a, "apache.module", AUDIT_FAIL, "spamgear_module", "mod_spamgear not loaded",
                  audit_path(a, "/etc/apache2/mods-enabled/spamgear.load"),
                  "LoadModule spamgear_module /usr/lib/apache2/modules/mod_spamgear.so\n", NULL);
        return;
    }
    audit_add(a, "apache.module", AUDIT_FAIL, "spamgear_module", "mod_spamgear not loaded",
              NULL, NULL, fix);
}

static void check_switched_off(apconf_t *c, const char *directive, const char *id)
{
    audit_t *a = c->a;
    int i, n = 0;

    for (i = 0; i < c->offs->nelts; i++) {
        const offline_t *o = &APR_ARRAY_IDX(c->offs, i, offline_t);
        if (strcmp(o->directive, directive)) continue;
        n++;
        audit_add(a, id, AUDIT_FAIL, apr_psprintf(a->pool, "%s:%d", o->file, o->line),
                  apr_psprintf(a->pool, "%s Off", directive), NULL, NULL,
                  apr_psprintf(a->pool, "sed -i '%ds/[Oo][Ff][Ff]/On/' %s", o->line,
                               audit_shq(a->pool, o->file)));
    }
    if (!n) {
        audit_add(a, id, AUDIT_PASS, "server", apr_psprintf(a->pool, "%s not switched off "
                  "(the module's default is On)", directive), NULL, NULL, NULL);
    }
}

/* The pool (any version) listening on SOCKET, or NULL. */
static const audit_php_t *pool_for(const audit_t *a, const char *socket)
{
    int i;

    for (i = 0; socket && i < a->php->nelts; i++) {
        const audit_php_t *p = APR_ARRAY_IDX(a->php, i, const audit_php_t *);
        const char *colon = socket ? strrchr(socket, ':') : NULL;
        if (p->pool && p->listen && (!strcmp(p->listen, socket)
                                     || (colon && !strcmp(p->listen, colon + 1)))) {
            return p;
        }
    }
    return NULL;
}

/* The handler V's PHP runs under: its own, else the main server's. */
static const char *php_handler(const apconf_t *c, const vhost_t *v)
{
    return v->handler ? v->handler : c->main->handler;
}

/* The user V's PHP runs as, with how that was found in *HOW. */
static const char *site_user(const apconf_t *c, const vhost_t *v, const char **how)
{
    const char *h = php_handler(c, v), *sock = fpm_socket(c->a->pool, h);
    const audit_php_t *pool = pool_for(c->a, sock);

    if (sock) {
        *how = pool ? apr_psprintf(c->a->pool, "PHP-FPM pool %s", pool->pool)
                    : apr_psprintf(c->a->pool, "PHP-FPM socket %s (no pool found)", sock);
        return pool && pool->user ? pool->user : c->a->web_user;
    }
    if (v->itk_user && apr_table_get(c->modules, "mpm_itk_module")) {
        *how = "mpm-itk AssignUserID";
        return v->itk_user;
    }
    /* suexec switches users for CGI and FastCGI wrappers, never for mod_php */
    if (v->suexec_user && h && apr_table_get(c->modules, "suexec_module")
        && !strstr(h, "x-httpd-php")) {
        *how = apr_psprintf(c->a->pool, "suexec SuexecUserGroup, handler %s", h);
        return v->suexec_user;
    }
    *how = h ? apr_psprintf(c->a->pool, "handler %s in httpd", h) : "no PHP handler";
    return c->a->web_user;
}

/* The fix that moves mod_php's sites to PHP-FPM (pools are judged apart). */
static const char *mod_php_fix(const apconf_t *c)
{
    const char *file = NULL, *base, *ver;
    const apr_array_header_t *elts = apr_table_elts(c->modules);
    const apr_table_entry_t *e = (const apr_table_entry_t *)elts->elts;
    int i;

    for (i = 0; i < elts->nelts; i++) {
        if (!strncmp(e[i].key, "php", 3) && strstr(e[i].key, "_module")) file = e[i].val;
    }
    if (c->a->live || !file || !strstr(file, ".load")) {
        return "a2dismod php8.2 && a2enmod proxy_fcgi setenvif && a2enconf php8.2-fpm "
               "&& systemctl restart apache2";
    }
    base = apr_pstrmemdup(c->a->pool, file, (apr_size_t)(strstr(file, ".load") - file));
    ver = sg_path_basename(base);
    return apr_psprintf(c->a->pool, "rm -f %s %s && ln -s ../conf-available/%s-fpm.conf %s",
                        audit_shq(c->a->pool, apr_pstrcat(c->a->pool, base, ".load", NULL)),
                        audit_shq(c->a->pool, apr_pstrcat(c->a->pool, base, ".conf", NULL)),
                        ver, audit_shq(c->a->pool, apr_pstrcat(c->a->pool,
                            audit_path(c->a, "/etc/apache2/conf-enabled/"), ver, "-fpm.conf",
                            NULL)));
}

static void check_php_user(apconf_t *c, const vhost_t *v)
{
    audit_t *a = c->a;
    const char *how, *user = site_user(c, v, &how), *h = php_handler(c, v);
    const char *sock = fpm_socket(a->pool, h);
    const audit_php_t *pool = pool_for(a, sock);
    const char *subject = v->line ? apr_psprintf(a->pool, "%s (%s:%d)", v->name, v->file, v->line)
                                  : apr_psprintf(a->pool, "%s (%s)", v->name, v->file);

    if (!h || (strcmp(user, a->web_user) && strcmp(user, "root"))) {
        audit_add(a, "apache.php_user", AUDIT_PASS, subject,
                  apr_psprintf(a->pool, "PHP runs as %s (%s)", h ? user : "-", how),
                  NULL, NULL, NULL);
        return;
    }
    if (pool) {
        audit_add(a, "apache.php_user", AUDIT_FAIL, subject,
                  apr_psprintf(a->pool, "PHP runs as %s (%s)", user, how), NULL, NULL,
                  audit_php_user_fix(a, (audit_php_t *)pool));
        return;
    }
    if (sock) {
        audit_add(a, "apache.php_user", AUDIT_WARN, subject,
                  apr_psprintf(a->pool, "PHP goes to %s", how), NULL, NULL, NULL);
        return;
    }
    audit_add(a, "apache.php_user", AUDIT_FAIL, subject,
              apr_psprintf(a->pool, "PHP runs as %s (%s)", user, how), NULL, NULL,
              mod_php_fix(c));
}

/* 1 when section D applies to DIR (a host path). */
static int dir_applies(const dirsec_t *d, const char *dir, apr_pool_t *p)
{
    size_t n = strlen(d->path);
    const char *s;
    int parts = 0;

    if (!apr_fnmatch_test(d->path)) {
        return !strncmp(dir, d->path, n) && (dir[n] == '\0' || dir[n] == '/' || n == 1);
    }
    for (s = dir; *s; s++) {
        if (*s == '/' && ++parts > d->parts) break;
    }
    return apr_fnmatch(d->path, apr_pstrmemdup(p, dir, (apr_size_t)(s - dir)),
                       APR_FNM_PATHNAME) == APR_SUCCESS;
}

/* SpamGearNoExec for DIR in V as httpd merges <Directory>: fewer components
 * first, the main server's before the vhost's, then config order. */
static const dirsec_t *dir_mode(const apconf_t *c, const vhost_t *v, const char *dir)
{
    const dirsec_t *best = NULL;
    int i;

    for (i = 0; i < c->dirs->nelts; i++) {
        const dirsec_t *d = &APR_ARRAY_IDX(c->dirs, i, dirsec_t);
        if (d->mode == SG_NOEXEC_UNSET || (d->vhost && d->vhost != v)
            || !dir_applies(d, dir, c->a->pool)) {
            continue;
        }
        if (!best || d->parts > best->parts
            || (d->parts == best->parts && (!best->vhost || d->vhost) )) {
            best = d;
        }
    }
    return best;
}

/* The no-exec rules V gets, built as mod_spamgear builds them. */
static sg_noexec_rules_t *vhost_rules(apconf_t *c, const vhost_t *v, const char **bad)
{
    sg_noexec_rules_t *rules = sg_noexec_rules_create(c->a->pool);
    const apr_array_header_t *match = v->match ? v->match : c->main->match;
    sg_result_t res = { APR_SUCCESS, NULL };
    int i;

    *bad = NULL;
    for (i = 0; match && i < match->nelts; i++) {
        if (sg_noexec_rules_add_path(rules, APR_ARRAY_IDX(match, i, const char *), &res)) {
            *bad = res.problem;
        }
    }
    for (i = 0; i < c->main->handlers->nelts; i++) {
        sg_noexec_rules_add_handler(rules, APR_ARRAY_IDX(c->main->handlers, i, const char *));
    }
    for (i = 0; v != c->main && i < v->handlers->nelts; i++) {
        sg_noexec_rules_add_handler(rules, APR_ARRAY_IDX(v->handlers, i, const char *));
    }
    sg_noexec_rules_add_defaults(rules, &res);
    return rules;
}

static int writable_name(const char *name)
{
    int i;

    for (i = 0; writable_names[i]; i++) {
        if (!strcasecmp(name, writable_names[i])) return 1;
    }
    return 0;
}

typedef struct walk_t {
    apconf_t *c;
    const vhost_t *v;
    sg_noexec_rules_t *rules;
    long uid, gid;                /* the site's user, -1 unknown */
    const char *user;
    int visited;
} walk_t;

static int user_writable(const walk_t *w, const struct stat *st)
{
    return (w->uid >= 0 && (long)st->st_uid == w->uid && (st->st_mode & S_IWUSR))
           || (w->gid >= 0 && (long)st->st_gid == w->gid && (st->st_mode & S_IWGRP))
           || (st->st_mode & S_IWOTH);
}

/* 1 the first time DIR gets VERDICT (vhosts sharing a DocumentRoot, *:80
 * and *:443, say it once); 0 after. */
static int judged_once(apconf_t *c, const char *dir, const char *verdict)
{
    const char *before;

    if (!c->judged) c->judged = apr_hash_make(c->a->pool);
    before = apr_hash_get(c->judged, dir, APR_HASH_KEY_STRING);
    if (before && !strcmp(before, verdict)) return 0;
    apr_hash_set(c->judged, apr_pstrdup(c->a->pool, dir), APR_HASH_KEY_STRING, verdict);
    return 1;
}

static void judge_dir(walk_t *w, const char *dir)
{
    audit_t *a = w->c->a;
    const dirsec_t *d = dir_mode(w->c, w->v, dir);
    sg_noexec_request_t req;
    sg_noexec_verdict_t verdict;
    const char *h = php_handler(w->c, w->v);

    memset(&req, 0, sizeof(req));
    req.filename = apr_pstrcat(a->pool, dir, "/x.php", NULL);
    req.handler = h ? (strncmp(h, "proxy:", 6) ? h : "proxy:fcgi") : "application/x-httpd-php";
    req.docroot = w->v->docroot;
    req.mode = d ? d->mode : SG_NOEXEC_UNSET;
    sg_noexec_judge(w->rules, &req, a->pool, &verdict);
    if (!judged_once(w->c, dir, verdict.refuse ? "PASS" : d && d->mode == SG_NOEXEC_OFF
                                                   ? "WARN" : "FAIL")) {
        return;
    }
    if (verdict.refuse) {
        audit_add(a, "apache.noexec", AUDIT_PASS, dir, apr_psprintf(a->pool, "writable by %s; "
                  "scripts refused (rule %s)", w->user, verdict.rule), NULL, NULL, NULL);
    }
    else if (d && d->mode == SG_NOEXEC_OFF) {
        audit_add(a, "apache.noexec", AUDIT_WARN, dir, apr_psprintf(a->pool, "writable by %s; "
                  "exempted by SpamGearNoExec Off at %s:%d", w->user, d->file, d->line),
                  NULL, NULL, NULL);
    }
    else {
        audit_add(a, "apache.noexec", AUDIT_FAIL, dir, apr_psprintf(a->pool, "writable by %s; "
                  "scripts would run", w->user), w->v->file,
                  apr_psprintf(a->pool, "<Directory \"%s\">\n    SpamGearNoExec On\n"
                               "</Directory>\n", dir), NULL);
    }
}

static int cmp_names(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The names of the subdirectories of host directory DIR, sorted (the
 * output must not depend on the file system's order); from P. */
static apr_array_header_t *subdirs(walk_t *w, const char *dir, apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 16, sizeof(const char *));
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, audit_path(w->c->a, dir), p) != APR_SUCCESS) return names;
    while (w->visited < AUDIT_MAX_DIRS
           && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (fi.filetype != APR_DIR || !strcmp(fi.name, ".") || !strcmp(fi.name, "..")) continue;
        w->visited++;
        APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, fi.name);
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), cmp_names);
    return names;
}

/* Walks host directory DIR (DEPTH levels below the DocumentRoot), judging
 * each upload-like directory the site's user can write; what is below one
 * is covered by the same rules and not walked. */
static void walk(walk_t *w, const char *dir, int depth)
{
    audit_t *a = w->c->a;
    apr_array_header_t *names;
    apr_pool_t *p;
    struct stat st;
    int i;

    if (depth > AUDIT_MAX_WALK_DEPTH || w->visited >= AUDIT_MAX_DIRS) return;
    apr_pool_create(&p, a->pool);
    names = subdirs(w, dir, p);
    for (i = 0; i < names->nelts; i++) {
        const char *name = APR_ARRAY_IDX(names, i, const char *);
        const char *sub = apr_pstrcat(p, strcmp(dir, "/") ? dir : "", "/", name, NULL);
        if (writable_name(name) && lstat(audit_path(a, sub), &st) == 0 && S_ISDIR(st.st_mode)
            && user_writable(w, &st)) {
            judge_dir(w, sub);
            continue;
        }
        walk(w, sub, depth + 1);
    }
    apr_pool_destroy(p);
}

static void check_noexec(apconf_t *c, const vhost_t *v)
{
    walk_t w;
    const char *how, *bad;
    char *root;
    size_t n;

    if (!v->docroot) return;
    if (c->visited >= AUDIT_MAX_DIRS_TOTAL) {
        if (!c->cap_said) {
            c->cap_said = 1;
            audit_add(c->a, "apache.noexec", AUDIT_WARN, v->docroot, apr_psprintf(c->a->pool,
                      "not walked: %d directories in all (AUDIT_MAX_DIRS_TOTAL) were walked "
                      "before it and the DocumentRoots after it", AUDIT_MAX_DIRS_TOTAL),
                      NULL, NULL, NULL);
        }
        return;
    }
    memset(&w, 0, sizeof(w));
    w.c = c;
    w.v = v;
    w.rules = vhost_rules(c, v, &bad);
    if (bad) {
        audit_add(c->a, "apache.noexec", AUDIT_WARN, v->name,
                  apr_psprintf(c->a->pool, "SpamGearNoExecMatch does not compile: %s", bad),
                  NULL, NULL, NULL);
    }
    w.user = site_user(c, v, &how);
    w.uid = w.gid = -1;
    if (audit_user(c->a, w.user, &w.uid, &w.gid, NULL) != 0) {
        audit_add(c->a, "apache.noexec", AUDIT_WARN, v->docroot, apr_psprintf(c->a->pool,
                  "the site's user %s (%s) is not in /etc/passwd: only world-writable "
                  "directories are judged", w.user, how), NULL, NULL, NULL);
    }
    root = apr_pstrdup(c->a->pool, sg_path_normalize(c->a->pool, v->docroot));
    for (n = strlen(root); n > 1 && root[n - 1] == '/'; n--) root[n - 1] = '\0';
    walk(&w, root, 0);
    c->visited += w.visited;
    if (w.visited >= AUDIT_MAX_DIRS) {
        audit_add(c->a, "apache.noexec", AUDIT_WARN, v->docroot, apr_psprintf(c->a->pool,
                  "stopped after %d directories (AUDIT_MAX_DIRS): the rest is not judged",
                  AUDIT_MAX_DIRS), NULL, NULL, NULL);
    }
}

void audit_apache_check(audit_t *a)
{
    apconf_t c;
    apr_finfo_t fi;
    int i;

    memset(&c, 0, sizeof(c));
    c.a = a;
    if (apr_stat(&fi, audit_path(a, "/etc/apache2/apache2.conf"), APR_FINFO_TYPE, a->pool)
        != APR_SUCCESS) {
        audit_add(a, "apache.config", AUDIT_WARN, audit_path(a, "/etc/apache2/apache2.conf"),
                  "not found: Apache not installed (use --only to skip the apache checks)",
                  NULL, NULL, NULL);
        return;
    }
    read_config(&c);
    if (a->error) return;
    if (a->live) live_apachectl(&c);
    check_module(&c);
    check_switched_off(&c, "SpamGearLogin", "apache.login");
    check_switched_off(&c, "SpamGearUploadScan", "apache.upload_scan");
    for (i = 0; i < c.vhosts->nelts; i++) {
        const vhost_t *v = APR_ARRAY_IDX(c.vhosts, i, const vhost_t *);
        if (v == c.main && c.vhosts->nelts > 1) continue;   /* vhosts answer every request */
        check_php_user(&c, v);
        check_noexec(&c, v);
    }
}
