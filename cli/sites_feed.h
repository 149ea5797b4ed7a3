#ifndef SITES_FEED_H
#define SITES_FEED_H
/*
 * spamgear sites: vulnerability feeds (OSV JSON, Wordfence Intelligence v2)
 * loaded into one index keyed by product, matched against installed
 * versions; and the end-of-life table.
 *
 * Products are named as sites_apps.h names components: "wordpress",
 * "joomla", "drupal", ... for applications, "wp-plugin:SLUG" and
 * "wp-theme:SLUG" for WordPress plugins and themes.
 */
#include <apr_pools.h>
#include <apr_tables.h>

#define SF_MAX_FILE_SIZE ((apr_off_t)256 << 20)  /* bytes of one feed file */
#define SF_MAX_RECORDS 1000000                   /* vulnerabilities in all feeds */
#define SF_MAX_FEEDS 256                         /* feed files in one run */

typedef struct sf_feeds_t sf_feeds_t;

/* One vulnerability as a feed describes it. */
typedef struct sf_vuln_t {
    const char *id;          /* the feed's id (OSV id, Wordfence UUID) */
    const char *cve;         /* first CVE alias, or NULL */
    apr_array_header_t *aliases;  /* const char *: every alias (OSV), the CVE (Wordfence) */
    const char *title;       /* summary / title, or "" */
    const char *severity;    /* none, low, medium, high, critical, or "unknown" */
    double score;            /* CVSS base score, or -1 when unknown */
    const char *feed;        /* base name of the file it came from */
} sf_vuln_t;

/* One match of an installed version. */
typedef struct sf_finding_t {
    const sf_vuln_t *vuln;   /* the vulnerability */
    const char *fixed;       /* lowest fixed version above the installed one, or NULL */
} sf_finding_t;

/* An empty set of feeds, from P. */
sf_feeds_t *sf_feeds_create(apr_pool_t *p);

/* Loads the feed file PATH into FEEDS (format from the name: *.osv.json,
 * *.wordfence.json; otherwise from the content).  On failure returns
 * APR_EINVAL (or the I/O status) with *PROBLEM set, from P, to
 * "PATH:LINE:COLUMN: message" for a JSON syntax error or
 * "PATH: $.json.path: problem" for a structural one; FEEDS may then hold part
 * of the file.  Unknown ecosystems, packages and range types are skipped. */
apr_status_t sf_feeds_load(sf_feeds_t *feeds, const char *path, const char **problem,
                           apr_pool_t *p);

/* 1 when NAME is a feed file name a signature directory holds
 * (*.osv.json, *.wordfence.json). */
int sf_is_feed_name(const char *name);

/* Loads every feed file of directory DIR (sorted by name) into FEEDS; *COUNT
 * is how many.  A missing DIR is no feed, not an error.  Errors as
 * sf_feeds_load(). */
apr_status_t sf_feeds_load_dir(sf_feeds_t *feeds, const char *dir, int *count,
                               const char **problem, apr_pool_t *p);

/* Vulnerabilities loaded so far. */
int sf_feeds_count(const sf_feeds_t *feeds);

/* Appends to OUT (sf_finding_t) every vulnerability of PRODUCT that affects
 * VERSION, once each (the same id, or the same CVE from another feed, is
 * reported once).  Allocates from P. */
void sf_feeds_match(const sf_feeds_t *feeds, const char *product, const char *version,
                    apr_array_header_t *out, apr_pool_t *p);

/* End-of-life data: the built-in table, with the products a PRODUCT.eol.json
 * file (endoflife.date's API format) replaces. */
typedef struct sf_eol_t sf_eol_t;

/* 1 when NAME is an end-of-life file name (PRODUCT.eol.json). */
int sf_is_eol_name(const char *name);

/* The built-in table plus every PRODUCT.eol.json of DIR (a missing DIR: the
 * table alone): each file replaces the table's rows for PRODUCT.  The file
 * is an array of {"cycle": "4.4", "eol": "2025-10-17" | true | false, ...};
 * other members are ignored.  Errors as sf_feeds_load(). */
apr_status_t sf_eol_load_dir(sf_eol_t **eol, const char *dir, const char **problem,
                             apr_pool_t *p);

/* Whether PRODUCT's branch holding VERSION had reached its end of life on
 * TODAY ("YYYY-MM-DD"): NULL when not, else the date ("YYYY-MM-DD"), or ""
 * when a file said eol: true without a date.  The longest cycle that VERSION
 * is in (VERSION is the cycle or starts with it and a non-digit) decides. */
const char *sf_eol_date(const sf_eol_t *eol, const char *product, const char *version,
                        const char *today);

#endif /* SITES_FEED_H */
