#ifndef SITES_APPS_H
#define SITES_APPS_H
/*
 * spamgear sites: which web application a directory holds and which
 * version, from a table of version files (sites_apps.c); for WordPress also
 * every plugin's and theme's header.  Every file is read through one buffer
 * of SA_MAX_READ bytes, never more.
 */
#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_pools.h>
#include <apr_tables.h>

#define SA_MAX_READ 65536         /* bytes read of a version file */
#define SA_MAX_HEADER 8192        /* bytes of a plugin or theme file, as WordPress reads */
#define SA_MAX_COMPONENTS 5000    /* plugins + themes kept per install */
#define SA_MAX_PLUGIN_FILES 100   /* top-level .php files looked at per plugin directory */
#define SA_MAX_NAME 200           /* bytes of a plugin or theme name kept */
#define SA_MAX_ENTRIES 100000     /* entries read of wp-content/plugins or themes */

/* A plugin or theme of an install. */
typedef struct sa_component_t {
    const char *type;        /* "plugin" or "theme" */
    const char *slug;        /* its directory (or file name without .php) */
    const char *name;        /* its header's Plugin Name / Theme Name */
    const char *version;     /* its Version header, NULL when none or not a version */
    const char *product;     /* "wp-plugin:SLUG" / "wp-theme:SLUG", for the feeds */
} sa_component_t;

/* An install found. */
typedef struct sa_site_t {
    const char *app;         /* "wordpress", "joomla", ... (also the product name) */
    const char *version;     /* NULL when its version file holds none */
    apr_array_header_t *components;   /* sa_component_t, sorted by type then slug */
    int truncated;           /* SA_MAX_COMPONENTS or SA_MAX_ENTRIES was reached */
} sa_site_t;

/* Reading state: the buffer every file goes through. */
typedef struct sa_reader_t {
    char buf[SA_MAX_READ + 1];   /* file head, NUL-terminated */
    apr_size_t len;              /* bytes in buf */
} sa_reader_t;

/* Names of the applications known, NULL-terminated, for the docs and --help. */
extern const char *const sa_app_names[];

/* Looks for an install in directory DIR, whose entry names are the keys of
 * NAMES (so that files absent are not even opened).  *SITE is the install,
 * from P, or NULL when DIR holds none.  Reads through R. */
void sa_detect(sa_reader_t *r, const char *dir, apr_hash_t *names, sa_site_t **site,
               apr_pool_t *p);

/* Fills SITE->components for an install in DIR (WordPress: wp-content/
 * plugins and themes; other applications have none yet).  Directories that
 * cannot be read are passed to NOTE (with BATON) and skipped.  Symlinks are
 * never followed. */
void sa_components(sa_reader_t *r, const char *dir, sa_site_t *site,
                   void (*note)(void *baton, const char *path, apr_status_t rv), void *baton,
                   apr_pool_t *p);

/* The next entry of directory D (opened at DIR) into FI: its name and its
 * type without following a symlink (APR_LNK), asked of lstat() when the
 * directory entry does not tell (d_type).  "." and ".." are skipped.
 * Returns APR_SUCCESS, or what apr_dir_read() returned at the end. */
apr_status_t sa_dir_next(apr_dir_t *d, const char *dir, apr_finfo_t *fi, apr_pool_t *p);

/* 1 when a directory of this NAME is never searched for installs (VCS
 * directories, vendor, node_modules, caches, uploads). */
int sa_skip_dir(const char *name);

#endif /* SITES_APPS_H */
