/* cmd_sites.c: spamgear sites, the web applications installed under the
 * hosting roots, their plugins and themes, and the ones a published
 * vulnerability affects or whose branch reached its end of life.
 *
 * Walks each root (directories given, else sites-roots, else the Apache
 * DocumentRoots and /home/STAR/public_html) at most --depth levels down,
 * never following a symlink; a directory that holds an install (sites_apps.c)
 * is not searched further except for its plugins and themes.  Then every
 * install and component is matched against the feeds (sites_feed.c) and
 * printed per account. */
#include <errno.h>
#include <glob.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "sg_cli.h"
#include "sites_apps.h"
#include "sites_feed.h"

#define SITES_MAX_DEPTH 16          /* highest --depth */
#define SITES_MAX_SITES 100000      /* installs reported in one run */
#define SITES_MAX_DIRS 2000000      /* directories read in one run */
#define SITES_MAX_ENTRIES 100000    /* entries read of one directory */
#define SITES_MAX_NOTES 10          /* unreadable directories named on stderr */
#define SITES_MAX_ROOTS 100000      /* roots after glob expansion */
#define APACHE_MAX_FILES 512        /* Apache config files read */
#define APACHE_MAX_BYTES (1 << 20)  /* bytes of one of them */
#define APACHE_MAX_NESTING 8        /* Include depth */

/* One install found, with what the feeds say of it. */
typedef struct site_t {
    const char *account;           /* user the site belongs to */
    const char *path;              /* install directory */
    sa_site_t *app;                /* application, version, components */
    const char *eol;               /* end-of-life date, or NULL */
    apr_array_header_t *vulns;     /* sf_finding_t of the application itself */
    apr_array_header_t *cvulns;    /* per component (same index): apr_array_header_t * */
} site_t;

typedef struct sites_run_t {
    sg_cli_t *cli;                 /* the tool */
    apr_pool_t *p;                 /* results live here */
    int json, all, quiet, depth;   /* options */
    sf_feeds_t *feeds;             /* loaded vulnerabilities */
    sf_eol_t *eol;                 /* end-of-life table and files */
    int nfeeds;                    /* feed files loaded */
    apr_array_header_t *roots;     /* const char *: directories to walk */
    apr_array_header_t *sites;     /* site_t */
    apr_hash_t *visited;           /* dev+inode of directories read */
    apr_hash_t *owners;            /* uid -> account name */
    apr_array_header_t *homes;     /* const char *: sites-homes, no trailing slash */
    sa_reader_t *reader;           /* the file buffer */
    const char *today;             /* YYYY-MM-DD, UTC */
    int dirs, unreadable;          /* directories read, and not readable */
    const char *limit;             /* first hard limit hit */
    int ncomponents, nvulnerable, neol;   /* summary counts */
} sites_run_t;

/* ------------------------------------------------------------ roots */

static void add_root(sites_run_t *run, const char *dir)
{
    if (run->roots->nelts < SITES_MAX_ROOTS) {
        APR_ARRAY_PUSH(run->roots, const char *) = apr_pstrdup(run->p, dir);
    }
}

/* Adds the directories matching PATTERN (a glob); none is fine. */
static void add_glob(sites_run_t *run, const char *pattern)
{
    glob_t g;
    size_t i;

    if (glob(pattern, GLOB_ONLYDIR, NULL, &g) != 0) {
        return;
    }
    for (i = 0; i < g.gl_pathc; i++) {
        add_root(run, g.gl_pathv[i]);
    }
    globfree(&g);
}

/* Apache's config: a directive's argument, unquoted; NULL for other lines. */
static const char *directive(char *line, const char *name, apr_pool_t *p)
{
    apr_size_t n = strlen(name);
    char *v, *end;

    while (*line == ' ' || *line == '\t') line++;
    if (strncasecmp(line, name, n) || (line[n] != ' ' && line[n] != '\t')) return NULL;
    for (v = line + n; *v == ' ' || *v == '\t'; v++) {
    }
    for (end = v + strlen(v); end > v && apr_isspace(end[-1]); end--) {
    }
    *end = '\0';
    if (*v == '"' && end - v >= 2 && end[-1] == '"') {
        v++;
        end[-1] = '\0';
    }
    return *v && !strstr(v, "${") ? apr_pstrdup(p, v) : NULL;
}

static void apache_file(sites_run_t *run, const char *path, const char **server_root,
                        int nesting, int *files);

/* Include / IncludeOptional PATTERN: every file it names, a directory's files. */
static void apache_include(sites_run_t *run, const char *pattern, const char **server_root,
                           int nesting, int *files)
{
    const char *full = pattern[0] == '/' ? pattern
                       : apr_pstrcat(run->p, *server_root, "/", pattern, NULL);
    apr_finfo_t fi;
    glob_t g;
    size_t i;

    if (glob(full, 0, NULL, &g) != 0) return;
    for (i = 0; i < g.gl_pathc; i++) {
        if (apr_stat(&fi, g.gl_pathv[i], APR_FINFO_TYPE, run->p) == APR_SUCCESS
            && fi.filetype == APR_DIR) {
            apache_include(run, apr_pstrcat(run->p, g.gl_pathv[i], "/*", NULL), server_root,
                           nesting + 1, files);
        }
        else {
            apache_file(run, g.gl_pathv[i], server_root, nesting + 1, files);
        }
    }
    globfree(&g);
}

/* Collects the DocumentRoots of Apache config file PATH and what it includes
 * (at most APACHE_MAX_FILES files, APACHE_MAX_NESTING deep). */
static void apache_file(sites_run_t *run, const char *path, const char **server_root,
                        int nesting, int *files)
{
    char *text = NULL, *line, *last;
    apr_file_t *f;
    apr_size_t len = 0;
    const char *v;

    if (nesting > APACHE_MAX_NESTING || ++*files > APACHE_MAX_FILES
        || apr_file_open(&f, path, APR_FOPEN_READ, 0, run->p) != APR_SUCCESS) {
        return;
    }
    text = apr_palloc(run->p, APACHE_MAX_BYTES + 1);
    apr_file_read_full(f, text, APACHE_MAX_BYTES, &len);
    apr_file_close(f);
    text[len] = '\0';
    for (line = apr_strtok(text, "\r\n", &last); line; line = apr_strtok(NULL, "\r\n", &last)) {
        if ((v = directive(line, "ServerRoot", run->p))) *server_root = v;
        else if ((v = directive(line, "DocumentRoot", run->p))) add_glob(run, v);
        else if ((v = directive(line, "Include", run->p))
                 || (v = directive(line, "IncludeOptional", run->p))) {
            apache_include(run, v, server_root, nesting, files);
        }
    }
}

/* Roots when no directory is named: sites-roots, else the Apache
 * DocumentRoots and /home/STAR/public_html. */
static void default_roots(sites_run_t *run)
{
    const apr_array_header_t *conf = sg_conf_get_all(run->cli->conf, "sites-roots");
    const char *apache = sg_conf_get(run->cli->conf, "sites-apache-config"), *root;
    char *dir;
    int i, files = 0;

    for (i = 0; conf && i < conf->nelts; i++) {
        add_glob(run, APR_ARRAY_IDX(conf, i, sg_conf_entry_t).value);
    }
    if (conf) return;
    dir = apr_pstrdup(run->p, apache);
    if (strrchr(dir, '/')) *strrchr(dir, '/') = '\0';
    root = *dir ? dir : "/";
    apache_file(run, apache, &root, 0, &files);
    for (i = 0; i < run->homes->nelts; i++) {
        add_glob(run, apr_pstrcat(run->p, APR_ARRAY_IDX(run->homes, i, const char *),
                                  "/*/public_html", NULL));
    }
}

/* ------------------------------------------------------------ walking */

static void note_unreadable(void *baton, const char *path, apr_status_t rv)
{
    sites_run_t *run = baton;

    if (++run->unreadable <= SITES_MAX_NOTES && !run->quiet) {
        fputs("spamgear: sites: ", stderr);
        sg_cli_put_path(stderr, path);
        fprintf(stderr, ": cannot read: %s\n", apr_strerror(rv, (char[128]){ 0 }, 128));
    }
}

/* Who PATH (owned by UID) belongs to: USER for HOMES/USER/... (a
 * sites-homes directory), else the owner's name (its number when it has none). */
static const char *account_of(sites_run_t *run, const char *path, apr_uid_t uid)
{
    struct passwd pw, *res = NULL;
    char buf[4096];
    const char *name, *slash, *home, *user;
    apr_size_t n;
    int i;

    for (i = 0; i < run->homes->nelts; i++) {
        home = APR_ARRAY_IDX(run->homes, i, const char *);
        n = strlen(home);
        user = path + n + 1;
        if (strncmp(path, home, n) || path[n] != '/' || !*user || *user == '/') continue;
        slash = strchr(user, '/');
        return slash ? apr_pstrndup(run->p, user, (apr_size_t)(slash - user))
                     : apr_pstrdup(run->p, user);
    }
    if ((name = apr_hash_get(run->owners, &uid, sizeof(uid)))) return name;
    name = getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res
               ? apr_pstrdup(run->p, pw.pw_name) : apr_psprintf(run->p, "%lu", (unsigned long)uid);
    apr_hash_set(run->owners, apr_pmemdup(run->p, &uid, sizeof(uid)), sizeof(uid), name);
    return name;
}

/* 1 the first time directory FI is met (roots may overlap). */
static int first_visit(sites_run_t *run, const apr_finfo_t *fi)
{
    apr_uint64_t key[2] = { (apr_uint64_t)fi->device, (apr_uint64_t)fi->inode };

    if (apr_hash_get(run->visited, key, sizeof(key))) return 0;
    apr_hash_set(run->visited, apr_pmemdup(run->p, key, sizeof(key)), sizeof(key), "");
    return 1;
}

/* Reads directory DIR's entries: names into NAMES, subdirectories (not
 * symlinks) into SUBDIRS. */
static apr_status_t list_dir(sites_run_t *run, const char *dir, apr_hash_t *names,
                             apr_array_header_t *subdirs, apr_pool_t *sp)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    int n = 0;

    if ((rv = apr_dir_open(&d, dir, sp)) != APR_SUCCESS) return rv;
    while (sa_dir_next(d, dir, &fi, sp) == APR_SUCCESS) {
        if (++n > SITES_MAX_ENTRIES) {
            if (!run->limit) run->limit = "100000 entries in one directory";
            break;
        }
        apr_hash_set(names, apr_pstrdup(sp, fi.name), APR_HASH_KEY_STRING, "");
        if (fi.filetype == APR_DIR && !sa_skip_dir(fi.name)) {
            APR_ARRAY_PUSH(subdirs, const char *) = apr_pstrdup(sp, fi.name);
        }
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

static void found(sites_run_t *run, const char *dir, const apr_finfo_t *fi, sa_site_t *app)
{
    site_t *s;

    if (run->sites->nelts >= SITES_MAX_SITES) {
        if (!run->limit) run->limit = "100000 installs";
        return;
    }
    s = apr_array_push(run->sites);
    memset(s, 0, sizeof(*s));
    s->path = apr_pstrdup(run->p, dir);
    s->account = account_of(run, s->path, fi->user);
    s->app = app;
    sa_components(run->reader, s->path, app, note_unreadable, run, run->p);
    if (app->truncated) {
        fputs("spamgear: sites: ", stderr);
        sg_cli_put_path(stderr, s->path);
        fprintf(stderr, ": more than %d plugins and themes or %d entries in a directory of them "
                "(the limits); the rest not read\n", SA_MAX_COMPONENTS, SA_MAX_ENTRIES);
    }
}

static void walk(sites_run_t *run, const char *dir, int depth)
{
    apr_pool_t *sp;
    apr_finfo_t fi;
    apr_hash_t *names;
    apr_array_header_t *subdirs;
    sa_site_t *app;
    apr_status_t rv;
    int i;

    if (run->limit || ++run->dirs > SITES_MAX_DIRS) {
        if (!run->limit) run->limit = "2000000 directories";
        return;
    }
    apr_pool_create(&sp, run->p);
    names = apr_hash_make(sp);
    subdirs = apr_array_make(sp, 16, sizeof(const char *));
    rv = apr_stat(&fi, dir, APR_FINFO_DEV | APR_FINFO_INODE | APR_FINFO_USER, sp);
    if (rv == APR_INCOMPLETE) rv = APR_SUCCESS;   /* fields we did not ask for */
    if (rv != APR_SUCCESS
        || (first_visit(run, &fi) && (rv = list_dir(run, dir, names, subdirs, sp)) != APR_SUCCESS)) {
        note_unreadable(run, dir, rv);
    }
    else if (apr_hash_count(names)) {
        sa_detect(run->reader, dir, names, &app, run->p);
        if (app) {
            found(run, dir, &fi, app);
        }
        for (i = 0; !app && depth < run->depth && i < subdirs->nelts; i++) {
            walk(run, apr_pstrcat(sp, dir, "/", APR_ARRAY_IDX(subdirs, i, const char *), NULL),
                 depth + 1);
        }
    }
    apr_pool_destroy(sp);
}

/* ------------------------------------------------------------ matching */

static int site_order(const void *a, const void *b)
{
    const site_t *x = a, *y = b;
    int c = strcmp(x->account, y->account);

    return c ? c : strcmp(x->path, y->path);
}

static void match(sites_run_t *run)
{
    int i, k, hit;

    qsort(run->sites->elts, (size_t)run->sites->nelts, sizeof(site_t), site_order);
    for (i = 0; i < run->sites->nelts; i++) {
        site_t *s = &APR_ARRAY_IDX(run->sites, i, site_t);
        apr_array_header_t *comps = s->app->components;
        s->vulns = apr_array_make(run->p, 0, sizeof(sf_finding_t));
        s->cvulns = apr_array_make(run->p, comps->nelts, sizeof(apr_array_header_t *));
        if (s->app->version) {
            sf_feeds_match(run->feeds, s->app->app, s->app->version, s->vulns, run->p);
            s->eol = sf_eol_date(run->eol, s->app->app, s->app->version, run->today);
        }
        run->nvulnerable += s->vulns->nelts > 0;
        run->neol += s->eol != NULL;
        for (k = 0; k < comps->nelts; k++) {
            const sa_component_t *c = &APR_ARRAY_IDX(comps, k, sa_component_t);
            apr_array_header_t *v = apr_array_make(run->p, 0, sizeof(sf_finding_t));
            if (c->version) sf_feeds_match(run->feeds, c->product, c->version, v, run->p);
            APR_ARRAY_PUSH(s->cvulns, apr_array_header_t *) = v;
            hit = v->nelts > 0;
            run->nvulnerable += hit;
        }
        run->ncomponents += comps->nelts;
    }
}

/* ------------------------------------------------------------ text output */

static void put_finding(FILE *out, const sf_finding_t *f)
{
    const sf_vuln_t *v = f->vuln;

    fputs(": vulnerable: ", out);
    sg_cli_put_path(out, v->cve ? v->cve : v->id);
    if (v->score >= 0) fprintf(out, " (%s %.1f) \"", v->severity, v->score);
    else fprintf(out, " (%s) \"", v->severity);
    sg_cli_put_path(out, v->title);
    fputs(f->fixed ? "\", fixed in " : "\", no fix known", out);
    if (f->fixed) sg_cli_put_path(out, f->fixed);
    if (v->cve) {
        fputs(" [", out);
        sg_cli_put_path(out, v->id);
        fputc(']', out);
    }
    fputc('\n', out);
}

/* "  WHAT VERSION" (WHAT: the application, or "plugin SLUG"), then FINDING's text. */
static void put_subject(FILE *out, const char *what, const char *slug, const char *version)
{
    fprintf(out, "  %s ", what);
    if (slug) {
        sg_cli_put_path(out, slug);
        fputc(' ', out);
    }
    sg_cli_put_path(out, version ? version : "unknown");
}

static void print_site(sites_run_t *run, const site_t *s)
{
    FILE *out = run->cli->out;
    const apr_array_header_t *comps = s->app->components, *v;
    int i, k;

    sg_cli_put_path(out, s->account);
    fputc(' ', out);
    sg_cli_put_path(out, s->path);
    fprintf(out, " %s ", s->app->app);
    sg_cli_put_path(out, s->app->version ? s->app->version : "unknown");
    fputc('\n', out);
    if (s->eol) {
        put_subject(out, s->app->app, NULL, s->app->version);
        fprintf(out, *s->eol ? ": end of life since %s\n" : ": end of life\n", s->eol);
    }
    for (i = 0; i < s->vulns->nelts; i++) {
        put_subject(out, s->app->app, NULL, s->app->version);
        put_finding(out, &APR_ARRAY_IDX(s->vulns, i, sf_finding_t));
    }
    for (k = 0; k < comps->nelts; k++) {
        const sa_component_t *c = &APR_ARRAY_IDX(comps, k, sa_component_t);
        v = APR_ARRAY_IDX(s->cvulns, k, apr_array_header_t *);
        for (i = 0; i < v->nelts; i++) {
            put_subject(out, c->type, c->slug, c->version);
            put_finding(out, &APR_ARRAY_IDX(v, i, sf_finding_t));
        }
        if (run->all && !v->nelts) {
            put_subject(out, c->type, c->slug, c->version);
            fputc('\n', out);
        }
    }
}

/* ------------------------------------------------------------ JSON output */

static json_t *json_findings(const apr_array_header_t *list)
{
    json_t *arr = json_array(), *o, *aliases;
    int i, k;

    for (i = 0; i < list->nelts; i++) {
        const sf_finding_t *f = &APR_ARRAY_IDX(list, i, sf_finding_t);
        aliases = json_array();
        for (k = 0; k < f->vuln->aliases->nelts; k++) {
            json_array_append_new(aliases, json_string(APR_ARRAY_IDX(f->vuln->aliases, k,
                                                                     const char *)));
        }
        o = json_pack("{s:s, s:o, s:o, s:s, s:s, s:o, s:o, s:s}", "id", f->vuln->id,
                      "cve", f->vuln->cve ? json_string(f->vuln->cve) : json_null(),
                      "aliases", aliases, "title", f->vuln->title, "severity", f->vuln->severity,
                      "score", f->vuln->score >= 0 ? json_real(f->vuln->score) : json_null(),
                      "fixed_in", f->fixed ? json_string(f->fixed) : json_null(),
                      "feed", f->vuln->feed);
        json_array_append_new(arr, o);
    }
    return arr;
}

/* JSON wants UTF-8: a string of other bytes is given with them as \xNN. */
static json_t *jstr(apr_pool_t *p, const char *s)
{
    json_t *j = s ? json_string(s) : json_null();
    apr_size_t i, n;
    char *esc;

    if (j) return j;
    n = strlen(s);
    esc = apr_palloc(p, n * 4 + 1);
    for (i = 0, *esc = '\0'; i < n; i++) {
        apr_snprintf(esc + strlen(esc), 5, (unsigned char)s[i] < 0x80 ? "%c" : "\\x%02x",
                     (unsigned char)s[i]);
    }
    return json_string(esc);
}

static json_t *json_site(sites_run_t *run, const site_t *s)
{
    json_t *comps = json_array();
    int k;

    for (k = 0; k < s->app->components->nelts; k++) {
        const sa_component_t *c = &APR_ARRAY_IDX(s->app->components, k, sa_component_t);
        json_array_append_new(comps, json_pack("{s:s, s:o, s:o, s:o, s:o}", "type", c->type,
                              "slug", jstr(run->p, c->slug), "name", jstr(run->p, c->name),
                              "version", jstr(run->p, c->version),
                              "vulnerabilities", json_findings(APR_ARRAY_IDX(s->cvulns, k,
                                                               apr_array_header_t *))));
    }
    return json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:b}", "path", jstr(run->p, s->path),
                     "app", s->app->app, "version", jstr(run->p, s->app->version),
                     "end_of_life", !s->eol ? json_null() : *s->eol ? json_string(s->eol)
                                                                    : json_true(),
                     "vulnerabilities", json_findings(s->vulns), "components", comps,
                     "components_truncated", s->app->truncated);
}

static void print_json(sites_run_t *run)
{
    json_t *accounts = json_array(), *sites = NULL, *doc;
    const char *prev = NULL;
    int i;

    for (i = 0; i < run->sites->nelts; i++) {
        const site_t *s = &APR_ARRAY_IDX(run->sites, i, site_t);
        if (!prev || strcmp(prev, s->account)) {
            sites = json_array();
            json_array_append_new(accounts, json_pack("{s:o, s:o}", "account",
                                                      jstr(run->p, s->account), "sites", sites));
            prev = s->account;
        }
        json_array_append_new(sites, json_site(run, s));
    }
    doc = json_pack("{s:o, s:{s:i, s:i, s:i, s:i, s:i, s:i}}", "accounts", accounts, "summary",
                    "sites", run->sites->nelts, "components", run->ncomponents,
                    "vulnerable", run->nvulnerable, "end_of_life", run->neol,
                    "feeds", run->nfeeds, "feed_vulnerabilities", sf_feeds_count(run->feeds));
    json_dumpf(doc, run->cli->out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(4));
    fputc('\n', run->cli->out);
    json_decref(doc);
}

/* ------------------------------------------------------------ settings */

static int load_feeds(sites_run_t *run)
{
    const apr_array_header_t *opts = apr_table_elts(run->cli->opts);
    const apr_table_entry_t *e = (const apr_table_entry_t *)opts->elts;
    const char *problem = NULL, *sigs = sg_conf_get(run->cli->conf, "signatures");
    int i, given = 0;

    run->feeds = sf_feeds_create(run->p);
    for (i = 0; i < opts->nelts; i++) {
        if (strcmp(e[i].key, "feed")) continue;
        given = 1;
        if (sf_feeds_load(run->feeds, e[i].val, &problem, run->p) != APR_SUCCESS) {
            sg_cli_error("sites: %s", problem);
            return SG_EXIT_ERROR;
        }
        run->nfeeds++;
    }
    if ((!given && sf_feeds_load_dir(run->feeds, sigs, &run->nfeeds, &problem, run->p)
                       != APR_SUCCESS)
        || sf_eol_load_dir(&run->eol, sigs, &problem, run->p) != APR_SUCCESS) {
        sg_cli_error("sites: %s", problem);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

/* sites-homes, each without trailing slashes (all of them: "/" is none). */
static void load_homes(sites_run_t *run)
{
    const apr_array_header_t *conf = sg_conf_get_all(run->cli->conf, "sites-homes");
    char *h;
    apr_size_t n;
    int i;

    run->homes = apr_array_make(run->p, 2, sizeof(const char *));
    for (i = 0; i < (conf ? conf->nelts : 1); i++) {
        h = apr_pstrdup(run->p, conf ? APR_ARRAY_IDX(conf, i, sg_conf_entry_t).value
                                     : sg_conf_get(run->cli->conf, "sites-homes"));
        for (n = strlen(h); n > 0 && h[n - 1] == '/'; n--) h[n - 1] = '\0';
        if (*h) APR_ARRAY_PUSH(run->homes, const char *) = h;
    }
}

/* The DIRs of the command line, made absolute (so that HOME/USER/... names
 * the account); a missing one or a file is an error. */
static int arg_roots(sites_run_t *run, int argc, const char *const *argv)
{
    apr_finfo_t fi;
    int i;

    for (i = 0; i < argc; i++) {
        char *abs = NULL, *cwd;
        apr_status_t rv = apr_stat(&fi, argv[i], APR_FINFO_TYPE, run->p);
        if (rv == APR_SUCCESS && fi.filetype != APR_DIR) rv = APR_ENOTDIR;
        if (rv == APR_SUCCESS && argv[i][0] != '/'
            && (rv = apr_filepath_get(&cwd, APR_FILEPATH_NATIVE, run->p)) == APR_SUCCESS) {
            rv = apr_filepath_merge(&abs, cwd, argv[i], APR_FILEPATH_NATIVE, run->p);
        }
        if (rv != APR_SUCCESS) {
            sg_cli_error("sites: %s: %pm", argv[i], &rv);
            return SG_EXIT_ERROR;
        }
        add_root(run, abs ? abs : argv[i]);
    }
    return SG_EXIT_OK;
}

static int load_settings(sites_run_t *run, int argc, const char *const *argv)
{
    const char *depth = sg_cli_opt(run->cli, "depth");
    apr_time_exp_t tm;
    char *end;
    long n;

    run->json = sg_cli_opt(run->cli, "json") != NULL;
    run->all = sg_cli_opt(run->cli, "all") != NULL;
    run->quiet = sg_cli_opt(run->cli, "quiet") != NULL;
    run->depth = 3;
    if (depth) {
        errno = 0;
        n = strtol(depth, &end, 10);
        if (!*depth || *end || errno || n < 0 || n > SITES_MAX_DEPTH) {
            sg_cli_error("sites: --depth '%s' must be a number from 0 to %d; try 'spamgear "
                         "sites --help'", depth, SITES_MAX_DEPTH);
            return SG_EXIT_ERROR;
        }
        run->depth = (int)n;
    }
    if (sg_cli_load_conf(run->cli) != SG_EXIT_OK) return SG_EXIT_ERROR;
    load_homes(run);
    apr_time_exp_gmt(&tm, apr_time_now());
    run->today = apr_psprintf(run->p, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1,
                              tm.tm_mday);
    if (argc && arg_roots(run, argc, argv) != SG_EXIT_OK) return SG_EXIT_ERROR;
    if (!argc) default_roots(run);
    return load_feeds(run);
}

/* ------------------------------------------------------------ the command */

int sg_cmd_sites(sg_cli_t *cli, int argc, const char *const *argv)
{
    sites_run_t run;
    apr_time_t start = apr_time_now();
    int i;

    memset(&run, 0, sizeof(run));
    run.cli = cli;
    run.p = cli->pool;
    run.roots = apr_array_make(run.p, 8, sizeof(const char *));
    run.sites = apr_array_make(run.p, 64, sizeof(site_t));
    run.visited = apr_hash_make(run.p);
    run.owners = apr_hash_make(run.p);
    run.reader = apr_palloc(run.p, sizeof(*run.reader));
    if (load_settings(&run, argc, argv) != SG_EXIT_OK) return SG_EXIT_ERROR;
    for (i = 0; i < run.roots->nelts; i++) {
        walk(&run, APR_ARRAY_IDX(run.roots, i, const char *), 0);
    }
    match(&run);
    if (run.json) {
        print_json(&run);
    }
    else {
        for (i = 0; i < run.sites->nelts; i++) print_site(&run, &APR_ARRAY_IDX(run.sites, i, site_t));
    }
    fflush(cli->out);
    if (run.limit) {
        sg_cli_error("sites: stopped at the limit of %s; the report is incomplete", run.limit);
    }
    if (!run.quiet) {
        fprintf(stderr, "spamgear: sites: %d sites, %d components, %d vulnerable, %d end of life, "
                "%d unreadable directories, %d vulnerabilities in %d feeds, %.2f s\n",
                run.sites->nelts, run.ncomponents, run.nvulnerable, run.neol, run.unreadable,
                sf_feeds_count(run.feeds), run.nfeeds,
                (double)(apr_time_now() - start) / APR_USEC_PER_SEC);
    }
    if (run.nvulnerable || run.neol) return SG_EXIT_FOUND;
    return run.limit ? SG_EXIT_ERROR : SG_EXIT_OK;
}
