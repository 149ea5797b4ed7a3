/*
 * audit_php.c: PHP's hardening, for every SAPI's php.ini
 * (/etc/php/VERSION/SAPI/php.ini) and every PHP-FPM pool
 * (/etc/php/VERSION/fpm/pool.d/NAME.conf).
 *
 * A pool's effective settings are its FPM php.ini's overlaid with its own
 * php_value/php_admin_value/php_flag/php_admin_flag lines; disable_functions
 * adds up (PHP-FPM adds a pool's list to php.ini's).  Both file kinds keep
 * the last value of a repeated setting, and PHP-FPM continues a pool when
 * its [NAME] section is opened again, so every fix here appends.
 */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "audit.h"

/* The classic list of functions that run programs. */
static const char *const dangerous[] = {
    "exec", "passthru", "shell_exec", "system", "proc_open", "popen", "pcntl_exec", NULL
};

/* ------------------------------------------------------------ parsing */

/* VALUE without quotes and without a trailing ; comment; from P. */
static const char *ini_value(apr_pool_t *p, const char *v)
{
    char *s;
    size_t n;

    while (apr_isspace(*v)) v++;
    if (*v == '"' || *v == '\'') {
        s = apr_pstrdup(p, v + 1);
        s[strcspn(s, *v == '"' ? "\"" : "'")] = '\0';
        return s;
    }
    s = apr_pstrdup(p, v);
    s[strcspn(s, ";")] = '\0';
    for (n = strlen(s); n > 0 && apr_isspace(s[n - 1]); n--) s[n - 1] = '\0';
    return s;
}

/* Splits "name = value": *NAME lower-cased and trimmed; 0 when not one. */
static int ini_split(apr_pool_t *p, const char *line, char **name, const char **value)
{
    const char *eq = strchr(line, '=');
    char *n, *c;
    size_t len;

    while (apr_isspace(*line)) line++;
    if (!eq || *line == ';' || *line == '#' || *line == '[' || eq == line) {
        return 0;
    }
    n = apr_pstrmemdup(p, line, (apr_size_t)(eq - line));
    for (len = strlen(n); len > 0 && apr_isspace(n[len - 1]); len--) n[len - 1] = '\0';
    for (c = n; *c; c++) *c = (char)apr_tolower(*c);
    *name = n;
    *value = ini_value(p, eq + 1);
    return 1;
}

typedef struct ini_read_t {
    audit_t *a;                 /* run */
    apr_table_t *ini;           /* php.ini settings */
} ini_read_t;

static int ini_line(void *baton, const char *line, int lineno)
{
    ini_read_t *r = baton;
    char *name;
    const char *value;

    if (ini_split(r->a->pool, line, &name, &value)) {
        apr_table_set(r->ini, name, value);
    }
    return 0;
}

/* "php_admin_value[x]" and friends: the ini name X, else NULL. */
static const char *pool_ini_name(apr_pool_t *p, const char *key)
{
    static const char *const prefixes[] = {
        "php_admin_value[", "php_value[", "php_admin_flag[", "php_flag[", NULL
    };
    int i;

    for (i = 0; prefixes[i]; i++) {
        size_t n = strlen(prefixes[i]);
        if (!strncmp(key, prefixes[i], n) && key[strlen(key) - 1] == ']') {
            return apr_pstrmemdup(p, key + n, strlen(key) - n - 1);
        }
    }
    return NULL;
}

typedef struct pool_read_t {
    audit_t *a;                 /* run */
    const char *file;           /* pool file being read */
    const char *version;        /* its PHP version */
    const apr_table_t *fpm_ini; /* the FPM php.ini's settings */
    apr_hash_t *pools;          /* name -> audit_php_t *, this version */
    audit_php_t *cur;           /* section being read, NULL outside pools */
} pool_read_t;

static audit_php_t *pool_open(pool_read_t *r, const char *name)
{
    audit_php_t *ph = apr_hash_get(r->pools, name, APR_HASH_KEY_STRING);

    if (ph) return ph;
    ph = apr_pcalloc(r->a->pool, sizeof(*ph));
    ph->file = r->file;
    ph->version = r->version;
    ph->sapi = "fpm";
    ph->pool = apr_pstrdup(r->a->pool, name);
    ph->ini = apr_table_copy(r->a->pool, r->fpm_ini);
    apr_hash_set(r->pools, ph->pool, APR_HASH_KEY_STRING, ph);
    APR_ARRAY_PUSH(r->a->php, audit_php_t *) = ph;
    return ph;
}

/* disable_functions of a pool adds to php.ini's. */
static void pool_set(audit_t *a, audit_php_t *ph, const char *name, const char *value)
{
    if (!strcmp(name, "disable_functions")) {
        const char *base = apr_table_get(ph->ini, "sg-ini-disable_functions");
        if (!base) {
            base = apr_table_get(ph->ini, name);
            apr_table_set(ph->ini, "sg-ini-disable_functions", base ? base : "");
        }
        apr_table_set(ph->ini, "sg-pool-disable_functions", value);
        value = apr_pstrcat(a->pool, base ? base : "", ",", value, NULL);
    }
    apr_table_set(ph->ini, name, value);
}

static int pool_line(void *baton, const char *line, int lineno)
{
    pool_read_t *r = baton;
    const char *value, *ini;
    char *name;

    while (apr_isspace(*line)) line++;
    if (*line == '[') {
        char *sec = apr_pstrdup(r->a->pool, line + 1);
        sec[strcspn(sec, "]")] = '\0';
        r->cur = strcmp(sec, "global") ? pool_open(r, sec) : NULL;
        return 0;
    }
    if (!r->cur || !ini_split(r->a->pool, line, &name, &value)) {
        return 0;
    }
    r->cur->file = r->file;   /* fixes go where the pool was last seen */
    if ((ini = pool_ini_name(r->a->pool, name))) pool_set(r->a, r->cur, ini, value);
    else if (!strcmp(name, "user")) r->cur->user = value;
    else if (!strcmp(name, "listen")) r->cur->listen = value;
    return 0;
}

/* "/etc/php/8.2/fpm/php.ini" -> version "8.2", sapi "fpm". */
static void split_ini_path(audit_t *a, const char *file, const char **version,
                           const char **sapi)
{
    const char *rel = audit_host_path(a, file) + strlen("/etc/php/");
    const char *slash = strchr(rel, '/');

    *version = apr_pstrmemdup(a->pool, rel, (apr_size_t)(slash - rel));
    rel = slash + 1;
    *sapi = apr_pstrmemdup(a->pool, rel, strcspn(rel, "/"));
}

static void gather_pools(audit_t *a, const char *version, const apr_table_t *fpm_ini)
{
    pool_read_t r;
    apr_array_header_t *files;
    int i;

    memset(&r, 0, sizeof(r));
    r.a = a;
    r.version = version;
    r.fpm_ini = fpm_ini;
    r.pools = apr_hash_make(a->pool);
    files = audit_glob(a, audit_path(a, apr_pstrcat(a->pool, "/etc/php/", version,
                                                    "/fpm/pool.d/*.conf", NULL)), a->pool);
    for (i = 0; i < files->nelts; i++) {
        r.file = APR_ARRAY_IDX(files, i, const char *);
        r.cur = NULL;
        audit_read_lines(a, r.file, pool_line, &r);
    }
}

void audit_php_gather(audit_t *a)
{
    apr_array_header_t *files = audit_glob(a, audit_path(a, "/etc/php/*/*/php.ini"), a->pool);
    int i;

    for (i = 0; i < files->nelts; i++) {
        audit_php_t *ph = apr_pcalloc(a->pool, sizeof(*ph));
        ini_read_t r;
        ph->file = APR_ARRAY_IDX(files, i, const char *);
        split_ini_path(a, ph->file, &ph->version, &ph->sapi);
        ph->ini = apr_table_make(a->pool, 32);
        r.a = a;
        r.ini = ph->ini;
        audit_read_lines(a, ph->file, ini_line, &r);
        APR_ARRAY_PUSH(a->php, audit_php_t *) = ph;
        if (!strcmp(ph->sapi, "fpm")) {
            gather_pools(a, ph->version, ph->ini);
        }
    }
}

/* ------------------------------------------------------------ helpers */

const char *audit_php_get(const audit_php_t *p, const char *name)
{
    return apr_table_get(p->ini, name);
}

const char *audit_php_setting(apr_pool_t *pool, const audit_php_t *p, const char *name,
                              const char *value)
{
    if (p->pool) {
        return apr_psprintf(pool, "[%s]\nphp_admin_value[%s] = %s\n", p->pool, name, value);
    }
    return apr_psprintf(pool, "%s = %s\n", name, value);
}

/* "pool www (FILE)" or the php.ini path: the subject of a result. */
static const char *subject(audit_t *a, const audit_php_t *p)
{
    if (p->pool) {
        return apr_psprintf(a->pool, "%s[%s]", p->file, p->pool);
    }
    return p->file;
}

static int ini_true(const char *v)
{
    return v && (!strcasecmp(v, "on") || !strcasecmp(v, "1") || !strcasecmp(v, "yes")
                 || !strcasecmp(v, "true"));
}

/* 1 when the comma/blank-separated LIST names FN. */
static int listed(const char *list, const char *fn)
{
    size_t n = strlen(fn);
    const char *s = list;

    while (s && *s) {
        s += strspn(s, ", \t");
        if (!strncasecmp(s, fn, n) && (s[n] == '\0' || strchr(", \t", s[n]))) return 1;
        s += strcspn(s, ", \t");
    }
    return 0;
}

/* The web-facing SAPIs: everything but the command line's. */
static int web_sapi(const audit_php_t *p)
{
    return strcmp(p->sapi, "cli") != 0 && strcmp(p->sapi, "phpdbg") != 0;
}

/* ------------------------------------------------------------ checks */

static void check_disable_functions(audit_t *a, const audit_php_t *p)
{
    const char *have = audit_php_get(p, "disable_functions");
    const char *own = p->pool ? apr_table_get(p->ini, "sg-pool-disable_functions") : have;
    const char *missing = "";
    char *value;
    int i, n = 0;

    for (i = 0; dangerous[i]; i++) {
        if (!listed(have, dangerous[i])) {
            missing = apr_pstrcat(a->pool, missing, n++ ? ", " : "", dangerous[i], NULL);
        }
    }
    if (!n) {
        audit_add(a, "php.disable_functions", AUDIT_PASS, subject(a, p),
                  "exec, passthru, shell_exec, system, proc_open, popen, pcntl_exec disabled",
                  NULL, NULL, NULL);
        return;
    }
    /* the line replaces this file's own list: keep what it had */
    value = apr_pstrdup(a->pool, own && *own ? own : "");
    for (i = 0; dangerous[i]; i++) {
        if (!listed(value, dangerous[i])) {
            value = apr_pstrcat(a->pool, value, *value ? "," : "", dangerous[i], NULL);
        }
    }
    audit_add(a, "php.disable_functions", AUDIT_FAIL, subject(a, p),
              apr_psprintf(a->pool, "%s not disabled", missing), p->file,
              audit_php_setting(a->pool, p, "disable_functions", value), NULL);
}

static void check_flag(audit_t *a, const audit_php_t *p, const char *id, const char *name,
                       int default_on, audit_status_t bad)
{
    const char *v = audit_php_get(p, name);
    int on = v ? ini_true(v) : default_on;
    const char *found = apr_psprintf(a->pool, "%s %s%s", name, on ? "on" : "off",
                                     v ? "" : " (PHP's default)");

    if (!on) {
        audit_add(a, id, AUDIT_PASS, subject(a, p), found, NULL, NULL, NULL);
        return;
    }
    audit_add(a, id, bad, subject(a, p), found, p->file,
              p->pool ? apr_psprintf(a->pool, "[%s]\nphp_admin_flag[%s] = off\n", p->pool, name)
                      : apr_psprintf(a->pool, "%s = Off\n", name), NULL);
}

static void check_open_basedir(audit_t *a, const audit_php_t *p)
{
    const char *v = audit_php_get(p, "open_basedir"), *home = NULL;

    if (v && *v) {
        audit_add(a, "php.open_basedir", AUDIT_PASS, subject(a, p),
                  apr_psprintf(a->pool, "open_basedir %s", v), NULL, NULL, NULL);
        return;
    }
    if (audit_user(a, p->user, NULL, NULL, &home) != 0 || !home || strcmp(home, "/") == 0) {
        home = "/var/www";
    }
    audit_add(a, "php.open_basedir", AUDIT_FAIL, subject(a, p), "open_basedir not set",
              p->file, audit_php_setting(a->pool, p, "open_basedir",
                                         apr_pstrcat(a->pool, home, "/:/tmp/", NULL)), NULL);
}

/* A user name for pool P: its name with other characters than [a-z0-9_-] as '-'. */
static const char *pool_user_name(apr_pool_t *pool, const char *name)
{
    char *u = apr_pstrndup(pool, name, 32), *c;

    for (c = u; *c; c++) {
        *c = (char)apr_tolower(*c);
        if (!apr_isalnum(*c) && *c != '_' && *c != '-') *c = '-';
    }
    return u;
}

/* The other pool (of any version) that runs as P's user, or NULL. */
static const audit_php_t *shares_user(const audit_t *a, const audit_php_t *p)
{
    int i;

    for (i = 0; i < a->php->nelts; i++) {
        const audit_php_t *o = APR_ARRAY_IDX(a->php, i, const audit_php_t *);
        if (o != p && o->pool && o->user && p->user && !strcmp(o->user, p->user)) return o;
    }
    return NULL;
}

/* A system uid no user of the tree has, from 999 down (useradd --system's
 * range), each handed out once per run; 0 when none is left. */
static long free_system_uid(audit_t *a)
{
    if (!a->next_uid) a->next_uid = 999;
    while (a->next_uid >= 100 && audit_uid_used(a, a->next_uid)) a->next_uid--;
    return a->next_uid >= 100 ? a->next_uid-- : 0;
}

const char *audit_php_user_fix(audit_t *a, audit_php_t *p)
{
    const char *name = pool_user_name(a->pool, p->pool), *create;
    long uid;

    if (p->user_fix) return p->user_fix;
    if (a->live) {
        create = apr_psprintf(a->pool, "{ id -u %s >/dev/null 2>&1 || useradd --system "
                              "--user-group --no-create-home --shell /usr/sbin/nologin %s; }",
                              name, name);
    }
    else if (audit_user(a, name, NULL, NULL, NULL) == 0) {
        create = "true";
    }
    else {
        uid = free_system_uid(a);
        create = apr_psprintf(a->pool, "printf '%s:x:%ld:%ld::/nonexistent:/usr/sbin/nologin\\n' "
                              ">> %s && printf '%s:x:%ld:\\n' >> %s", name, uid, uid,
                              audit_shq(a->pool, audit_path(a, "/etc/passwd")), name, uid,
                              audit_shq(a->pool, audit_path(a, "/etc/group")));
    }
    p->user_fix = apr_psprintf(a->pool, "%s && printf '[%s]\\nuser = %s\\ngroup = %s\\n' >> %s",
                               create, p->pool, name, name, audit_shq(a->pool, p->file));
    return p->user_fix;
}

static void check_pool_user(audit_t *a, const audit_php_t *p)
{
    const audit_php_t *other = shares_user(a, p);
    const char *user = p->user ? p->user : "(none)", *found;

    if (p->user && strcmp(p->user, a->web_user) && strcmp(p->user, "root") && !other) {
        if (audit_user(a, p->user, NULL, NULL, NULL) != 0) {
            /* PHP-FPM refuses to start a pool whose user does not exist */
            audit_add(a, "php.pool_user", AUDIT_WARN, subject(a, p), apr_psprintf(a->pool,
                      "runs as its own user %s, who is not in /etc/passwd", user), NULL, NULL,
                      a->live ? apr_psprintf(a->pool, "useradd --system --user-group "
                                             "--no-create-home --shell /usr/sbin/nologin %s",
                                             audit_shq(a->pool, p->user)) : NULL);
            return;
        }
        audit_add(a, "php.pool_user", AUDIT_PASS, subject(a, p),
                  apr_psprintf(a->pool, "runs as its own user %s", user), NULL, NULL, NULL);
        return;
    }
    if (other) {
        found = apr_psprintf(a->pool, "runs as %s, as pool %s does", user, other->pool);
    }
    else {
        found = apr_psprintf(a->pool, "runs as %s, the web server's user", user);
    }
    audit_add(a, "php.pool_user", AUDIT_FAIL, subject(a, p), found, NULL, NULL,
              audit_php_user_fix(a, (audit_php_t *)p));
}

void audit_php_check(audit_t *a)
{
    int i;

    for (i = 0; i < a->php->nelts; i++) {
        const audit_php_t *p = APR_ARRAY_IDX(a->php, i, const audit_php_t *);
        if (web_sapi(p)) {
            check_disable_functions(a, p);
        }
        check_flag(a, p, "php.allow_url_include", "allow_url_include", 0, AUDIT_FAIL);
        if (web_sapi(p)) {
            check_flag(a, p, "php.expose_php", "expose_php", 1, AUDIT_WARN);
        }
        if (p->pool) {
            check_open_basedir(a, p);
            check_pool_user(a, p);
        }
    }
    if (a->php->nelts == 0) {
        audit_add(a, "php.found", AUDIT_WARN, audit_path(a, "/etc/php"),
                  "no php.ini found (PHP not installed, or not Debian's layout)",
                  NULL, NULL, NULL);
    }
}
