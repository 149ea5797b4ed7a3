/* sites_apps.c: web applications and their versions, for spamgear sites.
 *
 * An application is a row of probes: a version file (relative to the
 * install directory), text the file must hold to count (NULL: none), and up
 * to four needles whose values, joined, are the version.  A needle's value is
 * what follows it after blanks and = , : ' " ( >, as far as version bytes go:
 * "$wp_version = '6.4.2';" gives 6.4.2 for "$wp_version", and
 * "<version>3.10.12</version>" for "<version>".  The first probe of a row
 * whose file exists (and holds the text) makes the directory an install of
 * that application; the first one that yields a version gives it.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sites_apps.h"
#include "sg_vercmp.h"

#define SA_MAX_SKIP 16   /* bytes between a needle and its value */

typedef struct sa_probe_t {
    const char *file;        /* version file, relative to the install */
    const char *needs;       /* text the file must hold, or NULL */
    const char *parts[4];    /* needles; the first is required, the others optional */
    const char *joins;       /* joins[i - 1] goes before part i when it has a value */
} sa_probe_t;

typedef struct sa_app_t {
    const char *name;        /* product name */
    sa_probe_t probes[4];    /* tried in order; file NULL ends the list */
} sa_app_t;

static const sa_app_t apps[] = {
    { "wordpress", {
        { "wp-includes/version.php", NULL, { "$wp_version" }, "" } } },
    { "joomla", {
        /* 4.x, 5.x */
        { "libraries/src/Version.php", NULL, { "MAJOR_VERSION", "MINOR_VERSION",
          "PATCH_VERSION", "EXTRA_VERSION" }, "..-" },
        /* 3.x; 2.5 and 1.x kept it in libraries/joomla/version.php */
        { "libraries/cms/version/version.php", NULL, { "RELEASE", "DEV_LEVEL" }, "." },
        { "libraries/joomla/version.php", NULL, { "RELEASE", "DEV_LEVEL" }, "." },
        { "administrator/manifests/files/joomla.xml", NULL, { "<version>" }, "" } } },
    { "drupal", {
        { "core/lib/Drupal.php", NULL, { "const VERSION" }, "" },
        { "includes/bootstrap.inc", NULL, { "define('VERSION'" }, "" } } },
    { "mediawiki", {
        { "includes/Defines.php", "MW_VERSION", { "'MW_VERSION'" }, "" },
        { "includes/DefaultSettings.php", "$wgVersion", { "$wgVersion" }, "" } } },
    { "nextcloud", {
        { "version.php", "'nextcloud'", { "$OC_VersionString" }, "" } } },
    { "owncloud", {
        { "version.php", "'owncloud'", { "$OC_VersionString" }, "" } } },
    { "moodle", {
        { "version.php", "MOODLE_INTERNAL", { "$release" }, "" } } },
    { "phpbb", {
        { "includes/constants.php", "PHPBB_VERSION", { "'PHPBB_VERSION'" }, "" } } },
    { "roundcube", {
        { "program/include/iniset.php", "RCMAIL_VERSION", { "'RCMAIL_VERSION'" }, "" } } },
    { "phpmyadmin", {
        { "libraries/classes/Version.php", "PhpMyAdmin", { "const VERSION" }, "" } } },
    { "prestashop", {
        { "app/AppKernel.php", "PrestaShop", { "const VERSION" }, "" },
        { "config/settings.inc.php", "_PS_VERSION_", { "'_PS_VERSION_'" }, "" } } },
    { "magento", {
        { "composer.json", "\"magento/", { "\"version\"" }, "" } } },
    { NULL, { { NULL } } }
};

const char *const sa_app_names[] = {
    "wordpress", "joomla", "drupal", "mediawiki", "nextcloud", "owncloud", "moodle", "phpbb",
    "roundcube", "phpmyadmin", "prestashop", "magento", NULL
};

/* ------------------------------------------------------------ reading */

/* Reads at most MAX bytes of PATH into R (NUL-terminated). */
static apr_status_t read_head(sa_reader_t *r, const char *path, apr_size_t max, apr_pool_t *p)
{
    apr_file_t *f;
    apr_status_t rv;

    r->len = 0;
    r->buf[0] = '\0';
    if ((rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p)) != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_read_full(f, r->buf, max, &r->len);
    apr_file_close(f);
    r->buf[r->len] = '\0';
    return APR_STATUS_IS_EOF(rv) ? APR_SUCCESS : rv;
}

static const char *find(const sa_reader_t *r, const char *needle)
{
    return memmem(r->buf, r->len, needle, strlen(needle));
}

/* The value after NEEDLE in R, "" when it has none, NULL when NEEDLE is absent. */
static const char *value_after(const sa_reader_t *r, const char *needle, apr_pool_t *p)
{
    const char *at = find(r, needle), *end, *stop = r->buf + r->len;
    int skipped = 0;

    if (!at) return NULL;
    at += strlen(needle);
    while (at < stop && skipped++ < SA_MAX_SKIP && strchr(" \t=,:'\"(>", *at) && *at) at++;
    for (end = at; end < stop && end - at <= SG_VERSION_MAX
                   && (apr_isalnum(*end) || strchr(".-+_~", *end)) && *end; end++) {
    }
    return apr_pstrndup(p, at, (apr_size_t)(end - at));
}

/* The version a probe reads from R, or NULL. */
static const char *probe_version(const sa_reader_t *r, const sa_probe_t *pr, apr_pool_t *p)
{
    const char *v = value_after(r, pr->parts[0], p), *more;
    int i;

    if (!v || !*v) return NULL;
    for (i = 1; i < 4 && pr->parts[i]; i++) {
        more = value_after(r, pr->parts[i], p);
        if (more && *more) v = apr_psprintf(p, "%s%c%s", v, pr->joins[i - 1], more);
    }
    return sg_version_ok(v) ? v : NULL;
}

/* 1 when the first component of FILE is among NAMES. */
static int may_exist(apr_hash_t *names, const char *file)
{
    const char *slash = strchr(file, '/');

    return apr_hash_get(names, file, slash ? (apr_ssize_t)(slash - file) : APR_HASH_KEY_STRING)
           != NULL;
}

void sa_detect(sa_reader_t *r, const char *dir, apr_hash_t *names, sa_site_t **site,
               apr_pool_t *p)
{
    const sa_probe_t *pr;
    sa_site_t *s = NULL;
    int a;

    *site = NULL;
    for (a = 0; apps[a].name && !s; a++) {
        for (pr = apps[a].probes; pr->file; pr++) {
            if (!may_exist(names, pr->file)
                || read_head(r, apr_pstrcat(p, dir, "/", pr->file, NULL), SA_MAX_READ, p)
                       != APR_SUCCESS
                || (pr->needs && !find(r, pr->needs))) {
                continue;
            }
            if (!s) {
                s = apr_pcalloc(p, sizeof(*s));
                s->app = apps[a].name;
                s->components = apr_array_make(p, 0, sizeof(sa_component_t));
            }
            if ((s->version = probe_version(r, pr, p))) break;
        }
    }
    *site = s;
}

apr_status_t sa_dir_next(apr_dir_t *d, const char *dir, apr_finfo_t *fi, apr_pool_t *p)
{
    apr_status_t rv;

    do {
        rv = apr_dir_read(fi, APR_FINFO_NAME | APR_FINFO_TYPE | APR_FINFO_LINK, d);
        /* APR_INCOMPLETE: the name and, from d_type, usually the type */
        if (rv != APR_SUCCESS && rv != APR_INCOMPLETE) return rv;
    } while (!strcmp(fi->name, ".") || !strcmp(fi->name, ".."));
    if (!(fi->valid & APR_FINFO_TYPE) || fi->filetype == APR_UNKFILE
        || fi->filetype == APR_NOFILE) {
        const char *name = fi->name;
        if (apr_stat(fi, apr_pstrcat(p, dir, "/", name, NULL), APR_FINFO_TYPE | APR_FINFO_LINK, p)
                != APR_SUCCESS && fi->filetype == APR_NOFILE) {
            fi->filetype = APR_UNKFILE;
        }
        fi->name = name;
    }
    return APR_SUCCESS;
}

int sa_skip_dir(const char *name)
{
    static const char *const skip[] = {
        ".git", ".svn", ".hg", "node_modules", "vendor", "cache", ".cache", "uploads", NULL
    };
    int i;

    for (i = 0; skip[i]; i++) {
        if (!strcmp(name, skip[i])) return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ WordPress headers */

/* The value of header NAME ("Plugin Name") in R as WordPress's
 * get_file_data() reads it: a line starting (after blanks and / * # @) with
 * NAME and ':', any case; the rest of the line, trimmed, with a closing
 * comment removed.  NULL when absent or empty. */
static const char *header(const sa_reader_t *r, const char *name, apr_pool_t *p)
{
    const char *line = r->buf, *end = r->buf + r->len, *eol, *s, *v;
    apr_size_t n = strlen(name);

    for (; line < end; line = eol + 1) {
        if (!(eol = memchr(line, '\n', (apr_size_t)(end - line)))) eol = end;
        s = line;
        if (!strncmp(s, "<?php", 5)) s += 5;
        while (s < eol && strchr(" \t/*#@", *s) && *s) s++;
        if ((apr_size_t)(eol - s) <= n || strncasecmp(s, name, n) || s[n] != ':') continue;
        for (v = s + n + 1; v < eol && (*v == ' ' || *v == '\t'); v++) {
        }
        for (s = eol; s > v && strchr(" \t\r", s[-1]); s--) {
        }
        if (s - v >= 2 && s[-2] == '*' && s[-1] == '/') {
            for (s -= 2; s > v && strchr(" \t", s[-1]); s--) {
            }
        }
        if (s > v) {
            return apr_pstrndup(p, v, (apr_size_t)(s - v) < SA_MAX_NAME ? (apr_size_t)(s - v)
                                                                        : SA_MAX_NAME);
        }
    }
    return NULL;
}

static void add_component(sa_site_t *site, const char *type, const char *slug,
                          const char *name, const char *version, apr_pool_t *p)
{
    sa_component_t *c;

    if (site->components->nelts >= SA_MAX_COMPONENTS) {
        site->truncated = 1;
        return;
    }
    c = apr_array_push(site->components);
    c->type = type;
    c->slug = apr_pstrdup(p, slug);
    c->name = name;
    c->version = version && sg_version_ok(version) ? version : NULL;
    c->product = apr_pstrcat(p, !strcmp(type, "theme") ? "wp-theme:" : "wp-plugin:", slug, NULL);
}

/* Reads PATH's header for TITLE ("Plugin Name"); 1 and the component added
 * when it has one. */
static int try_header_file(sa_reader_t *r, sa_site_t *site, const char *path, const char *type,
                           const char *slug, const char *title, apr_pool_t *p, apr_pool_t *sp)
{
    const char *name, *version;

    if (read_head(r, path, SA_MAX_HEADER, sp) != APR_SUCCESS
        || !(name = header(r, title, p))) {
        return 0;
    }
    version = header(r, "Version", p);
    add_component(site, type, slug, name, version, p);
    return 1;
}

static int ends_php(const char *name)
{
    apr_size_t n = strlen(name);

    return n > 4 && !strcmp(name + n - 4, ".php");
}

/* A plugin directory: SLUG.php first (the common case, one open), then its
 * other top-level .php files until one has a Plugin Name header. */
static void plugin_dir(sa_reader_t *r, sa_site_t *site, const char *dir, const char *slug,
                       apr_pool_t *p, apr_pool_t *sp)
{
    const char *first = apr_pstrcat(sp, dir, "/", slug, ".php", NULL);
    apr_dir_t *d;
    apr_finfo_t fi;
    int looked = 0, found;

    if (try_header_file(r, site, first, "plugin", slug, "Plugin Name", p, sp)) return;
    if (apr_dir_open(&d, dir, sp) != APR_SUCCESS) return;
    found = 0;
    while (!found && looked < SA_MAX_PLUGIN_FILES
           && sa_dir_next(d, dir, &fi, sp) == APR_SUCCESS) {
        if (fi.filetype != APR_REG || !ends_php(fi.name)
            || !strcmp(fi.name, apr_pstrcat(sp, slug, ".php", NULL))) {
            continue;
        }
        looked++;
        found = try_header_file(r, site, apr_pstrcat(sp, dir, "/", fi.name, NULL), "plugin",
                                slug, "Plugin Name", p, sp);
    }
    apr_dir_close(d);
}

/* Every entry of DIR (plugins or themes). */
static void component_dir(sa_reader_t *r, sa_site_t *site, const char *dir, int themes,
                          void (*note)(void *, const char *, apr_status_t), void *baton,
                          apr_pool_t *p)
{
    apr_pool_t *sp, *ep;
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    const char *path;
    int n = 0;

    apr_pool_create(&sp, p);
    apr_pool_create(&ep, sp);   /* per entry: paths and the plugin's own listing */
    if ((rv = apr_dir_open(&d, dir, sp)) != APR_SUCCESS) {
        if (!APR_STATUS_IS_ENOENT(rv) && !APR_STATUS_IS_ENOTDIR(rv)) note(baton, dir, rv);
        apr_pool_destroy(sp);
        return;
    }
    while (!site->truncated && sa_dir_next(d, dir, &fi, ep) == APR_SUCCESS) {
        if (++n > SA_MAX_ENTRIES) {
            site->truncated = 1;
            break;
        }
        if (fi.name[0] == '.') continue;
        path = apr_pstrcat(ep, dir, "/", fi.name, NULL);
        if (themes && fi.filetype == APR_DIR) {
            try_header_file(r, site, apr_pstrcat(ep, path, "/style.css", NULL), "theme",
                            fi.name, "Theme Name", p, ep);
        }
        else if (!themes && fi.filetype == APR_DIR) {
            plugin_dir(r, site, path, fi.name, p, ep);
        }
        else if (!themes && fi.filetype == APR_REG && ends_php(fi.name)) {
            /* a single-file plugin (hello.php): its slug is the name without .php */
            try_header_file(r, site, path, "plugin",
                            apr_pstrndup(ep, fi.name, strlen(fi.name) - 4), "Plugin Name", p, ep);
        }
        apr_pool_clear(ep);
    }
    apr_dir_close(d);
    apr_pool_destroy(sp);
}

static int component_order(const void *a, const void *b)
{
    const sa_component_t *x = a, *y = b;
    int c = strcmp(x->type, y->type);

    return c ? c : strcmp(x->slug, y->slug);
}

void sa_components(sa_reader_t *r, const char *dir, sa_site_t *site,
                   void (*note)(void *baton, const char *path, apr_status_t rv), void *baton,
                   apr_pool_t *p)
{
    if (strcmp(site->app, "wordpress")) return;
    component_dir(r, site, apr_pstrcat(p, dir, "/wp-content/plugins", NULL), 0, note, baton, p);
    component_dir(r, site, apr_pstrcat(p, dir, "/wp-content/themes", NULL), 1, note, baton, p);
    qsort(site->components->elts, (size_t)site->components->nelts, sizeof(sa_component_t),
          component_order);
}
