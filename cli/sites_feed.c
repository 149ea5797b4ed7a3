/* sites_feed.c: vulnerability feeds for spamgear sites.
 *
 * Each feed file is parsed whole with jansson, checked, and copied into an
 * index (product -> entries) in the caller's pool; the JSON tree is freed at
 * once.  An entry holds one vulnerability's affected ranges for one product,
 * as intervals of versions ordered by sg_vercmp(), plus the versions that
 * fix it (to say "fixed in").  The two formats:
 *
 *   OSV: a record object or an array of them; affected[].package.{ecosystem,
 *     name}, ranges[] of type ECOSYSTEM or SEMVER with events introduced,
 *     fixed, last_affected, limit, and versions[] (exact).  Other range types
 *     (GIT) and unknown packages are skipped.
 *   Wordfence Intelligence v2 (production and scanner feeds): an object
 *     keyed by id; software[] with type core|plugin|theme, slug,
 *     affected_versions {from_version, from_inclusive, to_version,
 *     to_inclusive} ("*": open end) and patched_versions[].
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <jansson.h>
#include <apr_file_info.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_mmap.h>
#include <apr_strings.h>
#include "sites_feed.h"
#include "sg_vercmp.h"

#define SF_MAX_TEXT 512   /* bytes of a title kept */

/* One interval of affected versions. */
typedef struct sf_range_t {
    const char *lo;          /* lowest affected version, NULL: from the first */
    int lo_incl;             /* lo itself is affected */
    const char *hi;          /* end of the interval, NULL: no end */
    int hi_incl;             /* hi itself is affected (last_affected, to_inclusive) */
} sf_range_t;

/* One vulnerability's ranges for one product. */
typedef struct sf_entry_t {
    const sf_vuln_t *vuln;         /* the vulnerability */
    apr_array_header_t *ranges;    /* sf_range_t */
    apr_array_header_t *versions;  /* const char *: exactly these are affected */
    apr_array_header_t *fixes;     /* const char *: versions that fix it */
} sf_entry_t;

struct sf_feeds_t {
    apr_pool_t *pool;        /* the index lives here */
    apr_hash_t *products;    /* product -> apr_array_header_t of sf_entry_t * */
    int count;               /* vulnerabilities loaded */
};

/* Where in the document a value is, for messages: a chain up to the root. */
typedef struct jpath_t {
    const struct jpath_t *up;   /* the container, NULL at the root */
    const char *key;            /* member name, or NULL for an array index */
    apr_size_t index;           /* array index when key is NULL */
} jpath_t;

/* One file being loaded. */
typedef struct load_t {
    sf_feeds_t *feeds;       /* where entries go */
    apr_pool_t *p;           /* scratch and messages */
    const char *path;        /* the file */
    const char *feed;        /* its base name */
    const char *problem;     /* the first structural problem */
} load_t;

/* ------------------------------------------------------------ messages */

static void put_path(apr_pool_t *p, const jpath_t *at, const char **out)
{
    const char *k;
    int plain = 1;

    if (!at) {
        *out = "$";
        return;
    }
    put_path(p, at->up, out);
    if (!at->key) {
        *out = apr_psprintf(p, "%s[%" APR_SIZE_T_FMT "]", *out, at->index);
        return;
    }
    for (k = at->key; *k; k++) {
        plain &= apr_isalnum(*k) || *k == '_' || *k == '-';
    }
    *out = plain && *at->key ? apr_pstrcat(p, *out, ".", at->key, NULL)
                             : apr_psprintf(p, "%s[\"%s\"]", *out, at->key);
}

/* Records PROBLEM at AT (the first one wins); returns APR_EINVAL. */
static apr_status_t bad(load_t *ld, const jpath_t *at, const char *problem)
{
    const char *where;
    char *c;

    if (!ld->problem) {
        put_path(ld->p, at, &where);
        for (c = (char *)where; *c; c++) {
            if ((unsigned char)*c < 0x20 || *c == 0x7f) *c = '?';
        }
        if (strlen(where) > 200) where = apr_pstrcat(ld->p, apr_pstrndup(ld->p, where, 200),
                                                     "...", NULL);
        ld->problem = apr_psprintf(ld->p, "%s: %s: %s", ld->path, where, problem);
    }
    return APR_EINVAL;
}

/* ------------------------------------------------------------ typed access */

/* Member NAME of object OBJ (at AT) as a string into *OUT; NULL when absent
 * and OPTIONAL.  A value of another type is an error. */
static apr_status_t get_string(load_t *ld, json_t *obj, const jpath_t *at, const char *name,
                               int optional, const char **out)
{
    json_t *v = json_object_get(obj, name);
    jpath_t here = { at, name, 0 };

    *out = NULL;
    if (!v || (optional && json_is_null(v))) {
        return optional ? APR_SUCCESS : bad(ld, &here, "missing");
    }
    if (!json_is_string(v)) {
        return bad(ld, &here, "not a string");
    }
    *out = json_string_value(v);
    return APR_SUCCESS;
}

/* Member NAME of OBJ as an array (NULL when absent and OPTIONAL). */
static apr_status_t get_array(load_t *ld, json_t *obj, const jpath_t *at, const char *name,
                              int optional, json_t **out)
{
    json_t *v = json_object_get(obj, name);
    jpath_t here = { at, name, 0 };

    *out = NULL;
    if (!v || (optional && json_is_null(v))) {
        return optional ? APR_SUCCESS : bad(ld, &here, "missing");
    }
    if (!json_is_array(v)) {
        return bad(ld, &here, "not an array");
    }
    *out = v;
    return APR_SUCCESS;
}

/* A version string from the feed: a string, at most SG_VERSION_MAX bytes
 * (a longer one is an error: it cannot match anything installed). */
static apr_status_t version_of(load_t *ld, json_t *v, const jpath_t *at, const char **out)
{
    if (!json_is_string(v)) {
        return bad(ld, at, "a version must be a string");
    }
    if (json_string_length(v) > SG_VERSION_MAX * 4) {
        return bad(ld, at, "version longer than 256 bytes");
    }
    *out = apr_pstrdup(ld->feeds->pool, json_string_value(v));
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ the index */

static sf_vuln_t *new_vuln(load_t *ld, const char *id, const char *title)
{
    sf_vuln_t *v = apr_pcalloc(ld->feeds->pool, sizeof(*v));

    v->id = apr_pstrdup(ld->feeds->pool, id);
    v->title = title ? apr_pstrndup(ld->feeds->pool, title, SF_MAX_TEXT) : "";
    v->aliases = apr_array_make(ld->feeds->pool, 1, sizeof(const char *));
    v->severity = "unknown";
    v->score = -1;
    v->feed = ld->feed;
    return v;
}

static sf_entry_t *new_entry(load_t *ld, const sf_vuln_t *vuln, const char *product)
{
    apr_pool_t *p = ld->feeds->pool;
    sf_entry_t *e = apr_pcalloc(p, sizeof(*e));
    apr_array_header_t *list = apr_hash_get(ld->feeds->products, product, APR_HASH_KEY_STRING);

    e->vuln = vuln;
    e->ranges = apr_array_make(p, 1, sizeof(sf_range_t));
    e->versions = apr_array_make(p, 0, sizeof(const char *));
    e->fixes = apr_array_make(p, 1, sizeof(const char *));
    if (!list) {
        list = apr_array_make(p, 1, sizeof(sf_entry_t *));
        apr_hash_set(ld->feeds->products, apr_pstrdup(p, product), APR_HASH_KEY_STRING, list);
    }
    APR_ARRAY_PUSH(list, sf_entry_t *) = e;
    return e;
}

static apr_status_t count_one(load_t *ld, const jpath_t *at)
{
    if (++ld->feeds->count > SF_MAX_RECORDS) {
        return bad(ld, at, apr_psprintf(ld->p, "more than %d vulnerabilities in all feeds "
                                        "(the limit)", SF_MAX_RECORDS));
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ OSV */

/* Product name of an OSV package, or NULL when spamgear has no such product. */
static const char *osv_product(apr_pool_t *p, const char *ecosystem, const char *name)
{
    static const struct { const char *eco, *name, *product; int prefix; } map[] = {
        { "Packagist", "wpackagist-plugin/", "wp-plugin:", 1 },
        { "Packagist", "wpackagist-theme/", "wp-theme:", 1 },
        { "Packagist", "roots/wordpress", "wordpress", 0 },
        { "Packagist", "roots/wordpress-no-content", "wordpress", 0 },
        { "Packagist", "johnpbloch/wordpress", "wordpress", 0 },
        { "Packagist", "johnpbloch/wordpress-core", "wordpress", 0 },
        { "Packagist", "joomla/joomla-cms", "joomla", 0 },
        { "Packagist", "drupal/core", "drupal", 0 },
        { "Packagist", "drupal/drupal", "drupal", 0 },
        { "Packagist", "mediawiki/core", "mediawiki", 0 },
        { "Packagist", "nextcloud/server", "nextcloud", 0 },
        { "Packagist", "owncloud/core", "owncloud", 0 },
        { "Packagist", "phpbb/phpbb", "phpbb", 0 },
        { "Packagist", "moodle/moodle", "moodle", 0 },
        { "Packagist", "roundcube/roundcubemail", "roundcube", 0 },
        { "Packagist", "phpmyadmin/phpmyadmin", "phpmyadmin", 0 },
        { "Packagist", "prestashop/prestashop", "prestashop", 0 },
        { "Packagist", "magento/magento2-base", "magento", 0 },
        { "Packagist", "magento/product-community-edition", "magento", 0 },
        { "WordPress", "plugin:", "wp-plugin:", 1 },
        { "WordPress", "theme:", "wp-theme:", 1 },
        { "WordPress", "core", "wordpress", 0 },
        { NULL, NULL, NULL, 0 }
    };
    apr_size_t n;
    int i;

    for (i = 0; map[i].eco; i++) {
        n = strlen(map[i].name);
        if (strcmp(ecosystem, map[i].eco)) continue;
        if (!map[i].prefix && !strcasecmp(name, map[i].name)) return map[i].product;
        if (map[i].prefix && !strncasecmp(name, map[i].name, n) && name[n]) {
            char *product = apr_pstrcat(p, map[i].product, name + n, NULL), *c;
            for (c = product; *c; c++) *c = (char)apr_tolower(*c);
            return product;
        }
    }
    return NULL;
}

/* One event of a range, with its kind. */
typedef struct osv_event_t {
    int kind;                /* 'i'ntroduced, 'f'ixed, 'l'ast_affected, 'L'imit */
    const char *version;     /* its version */
} osv_event_t;

static int event_order(const void *a, const void *b)
{
    const osv_event_t *x = a, *y = b;
    int ox = sg_vercmp_is_origin(x->version), oy = sg_vercmp_is_origin(y->version), c;

    if (ox || oy) {
        return oy - ox;
    }
    c = sg_vercmp(x->version, y->version);
    /* the same version: open before closing, so [v, v] is not lost */
    return c ? c : (x->kind == 'i' ? -1 : 0) - (y->kind == 'i' ? -1 : 0);
}

static apr_status_t osv_event(load_t *ld, json_t *ev, const jpath_t *at, osv_event_t *out)
{
    static const struct { const char *name; int kind; } kinds[] = {
        { "introduced", 'i' }, { "fixed", 'f' }, { "last_affected", 'l' }, { "limit", 'L' }
    };
    jpath_t here = { at, NULL, 0 };
    json_t *v;
    int i, found = 0;

    if (!json_is_object(ev)) {
        return bad(ld, at, "an event must be an object");
    }
    for (i = 0; i < 4; i++) {
        if (!(v = json_object_get(ev, kinds[i].name))) continue;
        if (found++) return bad(ld, at, "an event has more than one of introduced, fixed, "
                                "last_affected, limit");
        here.key = kinds[i].name;
        out->kind = kinds[i].kind;
        if (version_of(ld, v, &here, &out->version) != APR_SUCCESS) return APR_EINVAL;
    }
    return found ? APR_SUCCESS
                 : bad(ld, at, "an event needs introduced, fixed, last_affected or limit");
}

/* Turns sorted EVENTS into intervals of E, clipped at the lowest limit. */
static void osv_intervals(sf_entry_t *e, osv_event_t *ev, int n)
{
    const char *limit = NULL, *lo = NULL;
    int i, open = 0;
    sf_range_t *r;

    for (i = 0; i < n; i++) {
        if (ev[i].kind == 'L' && (!limit || sg_vercmp(ev[i].version, limit) < 0)) {
            limit = ev[i].version;
        }
    }
    for (i = 0; i < n; i++) {
        if (ev[i].kind == 'i' && !open) {
            open = 1;
            lo = sg_vercmp_is_origin(ev[i].version) ? NULL : ev[i].version;
        }
        else if ((ev[i].kind == 'f' || ev[i].kind == 'l') && open) {
            r = apr_array_push(e->ranges);
            *r = (sf_range_t){ lo, 1, ev[i].version, ev[i].kind == 'l' };
            open = 0;
        }
        if (ev[i].kind == 'f') {
            APR_ARRAY_PUSH(e->fixes, const char *) = ev[i].version;
        }
    }
    if (open) {
        r = apr_array_push(e->ranges);
        *r = (sf_range_t){ lo, 1, NULL, 0 };
    }
    for (i = 0; limit && i < e->ranges->nelts; i++) {
        r = &APR_ARRAY_IDX(e->ranges, i, sf_range_t);
        if (!r->hi || sg_vercmp(r->hi, limit) > 0 || (r->hi_incl && !sg_vercmp(r->hi, limit))) {
            r->hi = limit;
            r->hi_incl = 0;
        }
    }
}

static apr_status_t osv_range(load_t *ld, json_t *range, const jpath_t *at, sf_entry_t *e)
{
    jpath_t ev_at = { NULL, NULL, 0 }, evs_at = { at, "events", 0 };
    const char *type;
    json_t *events, *ev;
    osv_event_t *list;
    apr_size_t i;
    int introduced = 0;

    if (!json_is_object(range)) return bad(ld, at, "a range must be an object");
    if (get_string(ld, range, at, "type", 0, &type) != APR_SUCCESS
        || get_array(ld, range, at, "events", 0, &events) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    ev_at.up = &evs_at;
    list = apr_palloc(ld->p, sizeof(*list) * (json_array_size(events) + 1));
    json_array_foreach(events, i, ev) {
        ev_at.index = i;
        if (osv_event(ld, ev, &ev_at, &list[i]) != APR_SUCCESS) return APR_EINVAL;
        introduced |= list[i].kind == 'i';
    }
    if (strcmp(type, "ECOSYSTEM") && strcmp(type, "SEMVER")) {
        return APR_SUCCESS;     /* GIT and future types: not versions we can read */
    }
    if (!introduced) return bad(ld, &evs_at, "a range with no introduced event");
    qsort(list, json_array_size(events), sizeof(*list), event_order);
    osv_intervals(e, list, (int)json_array_size(events));
    return APR_SUCCESS;
}

static apr_status_t osv_affected(load_t *ld, json_t *aff, const jpath_t *at, const sf_vuln_t *v)
{
    jpath_t pkg_at = { at, "package", 0 }, r_at = { NULL, NULL, 0 }, rs_at = { at, "ranges", 0 };
    jpath_t vs_at = { at, "versions", 0 };
    const char *eco, *name, *product;
    json_t *pkg, *ranges, *versions, *x;
    sf_entry_t *e = NULL, scratch;
    apr_size_t i;

    if (!json_is_object(aff)) return bad(ld, at, "not an object");
    pkg = json_object_get(aff, "package");
    if (!pkg) return APR_SUCCESS;   /* allowed by the schema (a bare GIT repo): no version */
    if (!json_is_object(pkg)) return bad(ld, &pkg_at, "not an object");
    if (get_string(ld, pkg, &pkg_at, "ecosystem", 0, &eco) != APR_SUCCESS
        || get_string(ld, pkg, &pkg_at, "name", 0, &name) != APR_SUCCESS
        || get_array(ld, aff, at, "ranges", 1, &ranges) != APR_SUCCESS
        || get_array(ld, aff, at, "versions", 1, &versions) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    if ((product = osv_product(ld->p, eco, name))) {
        e = new_entry(ld, v, product);
    }
    else {
        /* another ecosystem or package: checked all the same, then dropped */
        scratch = (sf_entry_t){ v, apr_array_make(ld->p, 1, sizeof(sf_range_t)),
                                apr_array_make(ld->p, 1, sizeof(char *)),
                                apr_array_make(ld->p, 1, sizeof(char *)) };
        e = &scratch;
    }
    r_at.up = &rs_at;
    json_array_foreach(ranges, i, x) {
        r_at.index = i;
        if (osv_range(ld, x, &r_at, e) != APR_SUCCESS) return APR_EINVAL;
    }
    r_at.up = &vs_at;
    json_array_foreach(versions, i, x) {
        r_at.index = i;
        if (version_of(ld, x, &r_at, (const char **)apr_array_push(e->versions)) != APR_SUCCESS) {
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

/* Severity: database_specific.severity (GitHub's words, MODERATE is medium),
 * and the score of a CVSS_V3 vector in severity[]. */
static void osv_severity(load_t *ld, json_t *rec, sf_vuln_t *v)
{
    json_t *db = json_object_get(rec, "database_specific"), *sev = json_object_get(rec, "severity");
    json_t *s;
    const char *word = json_string_value(json_object_get(db, "severity"));
    apr_size_t i;
    double score;
    char *c;

    json_array_foreach(sev, i, s) {
        const char *type = json_string_value(json_object_get(s, "type"));
        const char *vec = json_string_value(json_object_get(s, "score"));
        if (type && vec && !strcmp(type, "CVSS_V3") && sg_cvss3_score(vec, &score) == APR_SUCCESS) {
            v->score = score;
            v->severity = sg_cvss_rating(score);
            break;
        }
    }
    if (word && *word && strlen(word) < 20) {
        v->severity = c = apr_pstrdup(ld->feeds->pool, word);
        for (; *c; c++) *c = (char)apr_tolower(*c);
        if (!strcmp(v->severity, "moderate")) v->severity = "medium";
    }
}

static apr_status_t osv_record(load_t *ld, json_t *rec, const jpath_t *at)
{
    jpath_t a_at = { NULL, NULL, 0 }, as_at = { at, "affected", 0 }, al_at = { at, "aliases", 0 };
    const char *id, *summary;
    json_t *affected, *aliases, *x;
    sf_vuln_t *v;
    apr_size_t i;

    if (!json_is_object(rec)) return bad(ld, at, "an OSV record must be an object");
    if (get_string(ld, rec, at, "id", 0, &id) != APR_SUCCESS
        || get_string(ld, rec, at, "summary", 1, &summary) != APR_SUCCESS
        || get_array(ld, rec, at, "affected", 1, &affected) != APR_SUCCESS
        || get_array(ld, rec, at, "aliases", 1, &aliases) != APR_SUCCESS
        || count_one(ld, at) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    v = new_vuln(ld, id, summary);
    a_at.up = &al_at;
    json_array_foreach(aliases, i, x) {
        a_at.index = i;
        if (!json_is_string(x)) return bad(ld, &a_at, "not a string");
        APR_ARRAY_PUSH(v->aliases, const char *) = apr_pstrdup(ld->feeds->pool,
                                                               json_string_value(x));
        if (!v->cve && !strncmp(json_string_value(x), "CVE-", 4)) {
            v->cve = APR_ARRAY_IDX(v->aliases, v->aliases->nelts - 1, const char *);
        }
    }
    if (!v->cve && !strncmp(id, "CVE-", 4)) v->cve = v->id;
    osv_severity(ld, rec, v);
    a_at.up = &as_at;
    json_array_foreach(affected, i, x) {
        a_at.index = i;
        if (osv_affected(ld, x, &a_at, v) != APR_SUCCESS) return APR_EINVAL;
    }
    return APR_SUCCESS;
}

static apr_status_t load_osv(load_t *ld, json_t *doc)
{
    jpath_t at = { NULL, NULL, 0 };
    json_t *rec;
    apr_size_t i;

    if (!json_is_array(doc)) {
        return osv_record(ld, doc, NULL);
    }
    json_array_foreach(doc, i, rec) {
        at.index = i;
        if (osv_record(ld, rec, &at) != APR_SUCCESS) return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ Wordfence */

static apr_status_t wf_bound(load_t *ld, json_t *r, const jpath_t *at, const char *vname,
                             const char *iname, const char **ver, int *incl)
{
    jpath_t here = { at, vname, 0 }, ihere = { at, iname, 0 };
    json_t *v = json_object_get(r, vname), *i = json_object_get(r, iname);

    if (!v) return bad(ld, &here, "missing");
    if (version_of(ld, v, &here, ver) != APR_SUCCESS) return APR_EINVAL;
    if (i && !json_is_boolean(i)) return bad(ld, &ihere, "not true or false");
    *incl = i ? json_is_true(i) : 1;
    if (!strcmp(*ver, "*")) *ver = NULL;
    return APR_SUCCESS;
}

static apr_status_t wf_software(load_t *ld, json_t *sw, const jpath_t *at, const sf_vuln_t *v,
                                sf_entry_t *scratch)
{
    jpath_t av_at = { at, "affected_versions", 0 }, r_at = { &av_at, NULL, 0 };
    jpath_t pv_at = { at, "patched_versions", 0 }, x_at = { &pv_at, NULL, 0 };
    const char *type, *slug, *key, *product;
    json_t *ranges, *r, *patched, *x;
    sf_range_t range;
    sf_entry_t *e;
    apr_size_t i;

    if (!json_is_object(sw)) return bad(ld, at, "not an object");
    if (get_string(ld, sw, at, "type", 0, &type) != APR_SUCCESS
        || get_string(ld, sw, at, "slug", 0, &slug) != APR_SUCCESS
        || get_array(ld, sw, at, "patched_versions", 1, &patched) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    ranges = json_object_get(sw, "affected_versions");
    if (!json_is_object(ranges)) return bad(ld, &av_at, ranges ? "not an object" : "missing");
    product = !strcmp(type, "core") ? "wordpress"
              : !strcmp(type, "plugin") ? apr_pstrcat(ld->p, "wp-plugin:", slug, NULL)
              : !strcmp(type, "theme") ? apr_pstrcat(ld->p, "wp-theme:", slug, NULL) : NULL;
    if (product) {
        e = new_entry(ld, v, product);
    }
    else {
        /* a type of the future: its ranges are checked all the same, then dropped */
        *scratch = (sf_entry_t){ v, apr_array_make(ld->p, 1, sizeof(sf_range_t)),
                                 apr_array_make(ld->p, 1, sizeof(char *)),
                                 apr_array_make(ld->p, 1, sizeof(char *)) };
        e = scratch;
    }
    json_object_foreach(ranges, key, r) {
        r_at.key = key;
        if (!json_is_object(r)) return bad(ld, &r_at, "a range must be an object");
        if (wf_bound(ld, r, &r_at, "from_version", "from_inclusive", &range.lo, &range.lo_incl)
                != APR_SUCCESS
            || wf_bound(ld, r, &r_at, "to_version", "to_inclusive", &range.hi, &range.hi_incl)
                != APR_SUCCESS) {
            return APR_EINVAL;
        }
        *(sf_range_t *)apr_array_push(e->ranges) = range;
    }
    json_array_foreach(patched, i, x) {
        x_at.index = i;
        if (version_of(ld, x, &x_at, (const char **)apr_array_push(e->fixes)) != APR_SUCCESS) {
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

static void wf_severity(load_t *ld, json_t *rec, sf_vuln_t *v)
{
    json_t *cvss = json_object_get(rec, "cvss"), *score = json_object_get(cvss, "score");
    const char *rating = json_string_value(json_object_get(cvss, "rating"));
    const char *vector = json_string_value(json_object_get(cvss, "vector"));
    double s;
    char *c;

    if (json_is_number(score)) {
        v->score = json_number_value(score);
        v->severity = sg_cvss_rating(v->score);
    }
    else if (vector && sg_cvss3_score(vector, &s) == APR_SUCCESS) {
        v->score = s;
        v->severity = sg_cvss_rating(s);
    }
    if (rating && *rating && strlen(rating) < 20) {
        v->severity = c = apr_pstrdup(ld->feeds->pool, rating);
        for (; *c; c++) *c = (char)apr_tolower(*c);
    }
}

static apr_status_t wf_record(load_t *ld, json_t *rec, const jpath_t *at)
{
    jpath_t s_at = { NULL, NULL, 0 }, ss_at = { at, "software", 0 };
    const char *id, *title, *cve;
    json_t *software, *sw;
    sf_vuln_t *v;
    sf_entry_t scratch;
    apr_size_t i;

    if (!json_is_object(rec)) return bad(ld, at, "a vulnerability must be an object");
    if (get_string(ld, rec, at, "id", 1, &id) != APR_SUCCESS
        || get_string(ld, rec, at, "title", 1, &title) != APR_SUCCESS
        || get_string(ld, rec, at, "cve", 1, &cve) != APR_SUCCESS
        || get_array(ld, rec, at, "software", 0, &software) != APR_SUCCESS
        || count_one(ld, at) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    v = new_vuln(ld, id ? id : at->key, title);
    if (cve && *cve) {
        v->cve = apr_pstrdup(ld->feeds->pool, cve);
        APR_ARRAY_PUSH(v->aliases, const char *) = v->cve;
    }
    wf_severity(ld, rec, v);
    s_at.up = &ss_at;
    json_array_foreach(software, i, sw) {
        s_at.index = i;
        if (wf_software(ld, sw, &s_at, v, &scratch) != APR_SUCCESS) return APR_EINVAL;
    }
    return APR_SUCCESS;
}

static apr_status_t load_wordfence(load_t *ld, json_t *doc)
{
    jpath_t at = { NULL, NULL, 0 };
    const char *key;
    json_t *rec;

    if (!json_is_object(doc)) {
        return bad(ld, NULL, "a Wordfence feed must be an object keyed by vulnerability id");
    }
    json_object_foreach(doc, key, rec) {
        at.key = key;
        if (wf_record(ld, rec, &at) != APR_SUCCESS) return APR_EINVAL;
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ files */

static int ends_with(const char *s, const char *tail)
{
    apr_size_t n = strlen(s), t = strlen(tail);

    return n > t && !strcmp(s + n - t, tail);
}

int sf_is_feed_name(const char *name)
{
    return name[0] != '.' && (ends_with(name, ".osv.json") || ends_with(name, ".wordfence.json"));
}

/* 1 when DOC, a file of no telling name, looks like OSV: an array, or an
 * object with an "affected" or "schema_version" member. */
static int looks_osv(json_t *doc)
{
    return json_is_array(doc) || json_object_get(doc, "affected")
           || json_object_get(doc, "schema_version");
}

/* Parses the JSON file PATH of SIZE bytes (mapped, not read through stdio:
 * jansson's file reader takes one getc() per byte, a third of the load time
 * of a 80 MB feed).  Feeds are replaced by renaming a new directory in
 * (update), never truncated in place, so the mapping stays valid.  NULL with
 * ERR set when it does not parse or cannot be read. */
static json_t *load_json(const char *path, apr_off_t size, json_error_t *err, apr_pool_t *p)
{
    apr_file_t *f = NULL;
    apr_mmap_t *mm = NULL;
    json_t *doc = NULL;

    if (size == 0) {
        return json_loadb("", 0, 0, err);   /* jansson's own "empty" message */
    }
    if (apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p) != APR_SUCCESS
        || apr_mmap_create(&mm, f, 0, (apr_size_t)size, APR_MMAP_READ, p) != APR_SUCCESS) {
        doc = json_load_file(path, 0, err);   /* a file system without mmap */
        goto cleanup;
    }
    doc = json_loadb(mm->mm, (size_t)size, 0, err);
cleanup:
    if (mm) apr_mmap_delete(mm);
    if (f) apr_file_close(f);
    return doc;
}

sf_feeds_t *sf_feeds_create(apr_pool_t *p)
{
    sf_feeds_t *f = apr_pcalloc(p, sizeof(*f));

    f->pool = p;
    f->products = apr_hash_make(p);
    return f;
}

int sf_feeds_count(const sf_feeds_t *feeds)
{
    return feeds->count;
}

apr_status_t sf_feeds_load(sf_feeds_t *feeds, const char *path, const char **problem,
                           apr_pool_t *p)
{
    load_t ld = { feeds, p, path, NULL, NULL };
    apr_finfo_t fi;
    json_error_t err;
    json_t *doc;
    apr_status_t rv;
    const char *slash = strrchr(path, '/');

    ld.feed = apr_pstrdup(feeds->pool, slash ? slash + 1 : path);
    if ((rv = apr_stat(&fi, path, APR_FINFO_SIZE | APR_FINFO_TYPE, p)) != APR_SUCCESS) {
        *problem = apr_psprintf(p, "%s: cannot read: %pm", path, &rv);
        return rv;
    }
    if (fi.filetype != APR_REG || fi.size > SF_MAX_FILE_SIZE) {
        *problem = apr_psprintf(p, fi.filetype != APR_REG ? "%s: not a regular file"
                                : "%s: larger than 256 MiB (the feed size limit)", path);
        return APR_EINVAL;
    }
    if (!(doc = load_json(path, fi.size, &err, p))) {
        *problem = apr_psprintf(p, "%s:%d:%d: %s", path, err.line, err.column, err.text);
        return APR_EINVAL;
    }
    if (ends_with(path, ".osv.json") || (!ends_with(path, ".wordfence.json") && looks_osv(doc))) {
        rv = load_osv(&ld, doc);
    }
    else {
        rv = load_wordfence(&ld, doc);
    }
    json_decref(doc);
    *problem = ld.problem;
    return rv;
}

static int name_order(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

apr_status_t sf_feeds_load_dir(sf_feeds_t *feeds, const char *dir, int *count,
                               const char **problem, apr_pool_t *p)
{
    apr_array_header_t *names = apr_array_make(p, 4, sizeof(const char *));
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    int i;

    *count = 0;
    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        if (APR_STATUS_IS_ENOENT(rv)) return APR_SUCCESS;
        *problem = apr_psprintf(p, "%s: cannot read: %pm", dir, &rv);
        return rv;
    }
    while (names->nelts <= SF_MAX_FEEDS && apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (sf_is_feed_name(fi.name)) {
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, fi.name);
        }
    }
    apr_dir_close(d);
    if (names->nelts > SF_MAX_FEEDS) {
        *problem = apr_psprintf(p, "%s: more than %d feed files (the limit)", dir, SF_MAX_FEEDS);
        return APR_EINVAL;
    }
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), name_order);
    for (i = 0; i < names->nelts; i++) {
        rv = sf_feeds_load(feeds, apr_pstrcat(p, dir, "/", APR_ARRAY_IDX(names, i, const char *),
                                              NULL), problem, p);
        if (rv != APR_SUCCESS) return rv;
        (*count)++;
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ matching */

static int in_range(const sf_range_t *r, const char *v)
{
    int c;

    if (r->lo) {
        c = sg_vercmp(v, r->lo);
        if (c < 0 || (c == 0 && !r->lo_incl)) return 0;
    }
    if (r->hi) {
        c = sg_vercmp(v, r->hi);
        if (c > 0 || (c == 0 && !r->hi_incl)) return 0;
    }
    return 1;
}

static int affects(const sf_entry_t *e, const char *v)
{
    int i;

    for (i = 0; i < e->versions->nelts; i++) {
        if (!sg_vercmp(APR_ARRAY_IDX(e->versions, i, const char *), v)) return 1;
    }
    for (i = 0; i < e->ranges->nelts; i++) {
        if (in_range(&APR_ARRAY_IDX(e->ranges, i, sf_range_t), v)) return 1;
    }
    return 0;
}

/* The lowest of E's fixes above V, or NULL. */
static const char *lowest_fix(const sf_entry_t *e, const char *v)
{
    const char *best = NULL, *f;
    int i;

    for (i = 0; i < e->fixes->nelts; i++) {
        f = APR_ARRAY_IDX(e->fixes, i, const char *);
        if (sg_vercmp(f, v) > 0 && (!best || sg_vercmp(f, best) < 0)) best = f;
    }
    return best;
}

/* 1 when OUT already has V's id, or its CVE. */
static int seen(const apr_array_header_t *out, const sf_vuln_t *v)
{
    int i;

    for (i = 0; i < out->nelts; i++) {
        const sf_vuln_t *o = APR_ARRAY_IDX(out, i, sf_finding_t).vuln;
        if (!strcmp(o->id, v->id) || (o->cve && v->cve && !strcmp(o->cve, v->cve))) return 1;
    }
    return 0;
}

void sf_feeds_match(const sf_feeds_t *feeds, const char *product, const char *version,
                    apr_array_header_t *out, apr_pool_t *p)
{
    const apr_array_header_t *list = apr_hash_get(feeds->products, product, APR_HASH_KEY_STRING);
    sf_finding_t *f;
    int i;

    for (i = 0; list && i < list->nelts; i++) {
        const sf_entry_t *e = APR_ARRAY_IDX(list, i, const sf_entry_t *);
        if (!affects(e, version) || seen(out, e->vuln)) continue;
        f = apr_array_push(out);
        f->vuln = e->vuln;
        f->fixed = lowest_fix(e, version);
    }
}

/* ------------------------------------------------------------ end of life */

/* Branches that get no security fixes any more.  Checked 2026-12-05 against
 * the projects' own announcements:
 *  - WordPress: security fixes were backported to every branch from 3.7
 *    until 2022-12-01, when branches 3.7 to 4.0 stopped getting them
 *    (make.wordpress.org/security, "dropping security updates for WordPress
 *    versions 3.7 through 4.0"); older ones never had them.
 *  - Joomla: 3.10 (the last 3.x) ended 2023-08-17, every earlier branch
 *    before it; 4.4 (the last 4.x) ended 2025-10-17.
 *  - Drupal: 6 ended 2016-02-24, 7 on 2025-01-05, 8 on 2021-11-02, 9 on
 *    2023-11-01.
 *  - MediaWiki: 1.35 LTS, the last branch before 1.39, ended 2023-12.
 *  - Nextcloud: 25 ended 2023-10; each major gets about a year.
 * A row covers a branch (VERSION is CYCLE or starts with "CYCLE" and a
 * non-digit) or, when cycle is NULL, every version below BELOW. */
typedef struct sf_eol_row_t {
    const char *product;     /* as sites_apps.h names it */
    const char *cycle;       /* the branch, or NULL */
    const char *below;       /* with no cycle: versions below this */
    const char *date;        /* end of security support; "" eol without a date;
                              * NULL: supported (a file's eol: false) */
} sf_eol_row_t;

static const sf_eol_row_t eol_table[] = {
    { "wordpress", NULL, "4.1", "2022-12-01" },
    { "joomla", NULL, "4", "2023-08-17" },
    { "joomla", "4", NULL, "2025-10-17" },
    { "drupal", NULL, "7", "2016-02-24" },
    { "drupal", "7", NULL, "2025-01-05" },
    { "drupal", "8", NULL, "2021-11-02" },
    { "drupal", "9", NULL, "2023-11-01" },
    { "mediawiki", NULL, "1.39", "2023-12-31" },
    { "nextcloud", NULL, "26", "2023-10-31" },
    { NULL, NULL, NULL, NULL }
};

#define SF_MAX_EOL_ROWS 10000   /* cycles in one PRODUCT.eol.json */

struct sf_eol_t {
    apr_hash_t *files;       /* product -> apr_array_header_t of sf_eol_row_t */
};

int sf_is_eol_name(const char *name)
{
    return name[0] != '.' && ends_with(name, ".eol.json") && strlen(name) > 9;
}

/* 1 when S is a YYYY-MM-DD date (digits in place; not checked further). */
static int is_date(const char *s)
{
    int i;

    for (i = 0; i < 10; i++) {
        if ((i == 4 || i == 7) ? s[i] != '-' : !apr_isdigit(s[i])) return 0;
    }
    return s[10] == '\0';
}

static apr_status_t eol_row(load_t *ld, json_t *o, const jpath_t *at, sf_eol_row_t *row)
{
    jpath_t c_at = { at, "cycle", 0 }, e_at = { at, "eol", 0 };
    json_t *cycle = json_object_get(o, "cycle"), *eol = json_object_get(o, "eol");

    if (!json_is_object(o)) return bad(ld, at, "a cycle must be an object");
    if (!json_is_string(cycle) || !json_string_length(cycle)
        || json_string_length(cycle) > SG_VERSION_MAX) {
        return bad(ld, &c_at, cycle ? "must be a version string" : "missing");
    }
    if (!eol || !(json_is_boolean(eol) || (json_is_string(eol)
                                           && is_date(json_string_value(eol))))) {
        return bad(ld, &e_at, eol ? "must be a date (YYYY-MM-DD), true or false" : "missing");
    }
    row->cycle = apr_pstrdup(ld->feeds->pool, json_string_value(cycle));
    row->below = NULL;
    row->date = json_is_string(eol) ? apr_pstrdup(ld->feeds->pool, json_string_value(eol))
                : json_is_true(eol) ? "" : NULL;
    return APR_SUCCESS;
}

/* Loads PATH (NAME in its directory) into EOL. */
static apr_status_t eol_file(sf_eol_t *eol, const char *path, const char *name,
                             const char **problem, apr_pool_t *p)
{
    load_t ld = { NULL, p, path, name, NULL };
    sf_feeds_t pool_only = { p, NULL, 0 };
    jpath_t at = { NULL, NULL, 0 };
    json_error_t err;
    json_t *doc, *o;
    apr_array_header_t *rows;
    apr_size_t i;
    apr_status_t rv = APR_SUCCESS;

    apr_finfo_t fi;

    ld.feeds = &pool_only;
    if ((rv = apr_stat(&fi, path, APR_FINFO_SIZE, p)) != APR_SUCCESS
        || fi.size > SF_MAX_FILE_SIZE) {
        *problem = rv ? apr_psprintf(p, "%s: cannot read: %pm", path, &rv)
                      : apr_psprintf(p, "%s: larger than 256 MiB (the limit)", path);
        return rv ? rv : APR_EINVAL;
    }
    if (!(doc = load_json(path, fi.size, &err, p))) {
        *problem = apr_psprintf(p, "%s:%d:%d: %s", path, err.line, err.column, err.text);
        return APR_EINVAL;
    }
    if (!json_is_array(doc) || json_array_size(doc) > SF_MAX_EOL_ROWS) {
        rv = bad(&ld, NULL, "an end-of-life file must be an array of at most 10000 cycles");
    }
    rows = apr_array_make(p, (int)json_array_size(doc), sizeof(sf_eol_row_t));
    json_array_foreach(doc, i, o) {
        sf_eol_row_t *row = apr_array_push(rows);
        if (rv != APR_SUCCESS) break;
        at.index = i;
        row->product = apr_pstrndup(p, name, strlen(name) - 9);
        rv = eol_row(&ld, o, &at, row);
    }
    json_decref(doc);
    if (rv == APR_SUCCESS) {
        apr_hash_set(eol->files, apr_pstrndup(p, name, strlen(name) - 9), APR_HASH_KEY_STRING,
                     rows);
    }
    *problem = ld.problem;
    return rv;
}

apr_status_t sf_eol_load_dir(sf_eol_t **eol, const char *dir, const char **problem,
                             apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv;
    int n = 0;

    *eol = apr_pcalloc(p, sizeof(**eol));
    (*eol)->files = apr_hash_make(p);
    if ((rv = apr_dir_open(&d, dir, p)) != APR_SUCCESS) {
        if (APR_STATUS_IS_ENOENT(rv)) return APR_SUCCESS;
        *problem = apr_psprintf(p, "%s: cannot read: %pm", dir, &rv);
        return rv;
    }
    while (rv == APR_SUCCESS && apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (!sf_is_eol_name(fi.name)) continue;
        if (++n > SF_MAX_FEEDS) {
            *problem = apr_psprintf(p, "%s: more than %d end-of-life files (the limit)", dir,
                                    SF_MAX_FEEDS);
            rv = APR_EINVAL;
            break;
        }
        rv = eol_file(*eol, apr_pstrcat(p, dir, "/", fi.name, NULL), apr_pstrdup(p, fi.name),
                      problem, p);
    }
    apr_dir_close(d);
    return rv;
}

static int in_cycle(const char *version, const char *cycle)
{
    apr_size_t n = strlen(cycle);

    return !strncmp(version, cycle, n) && (!version[n] || !apr_isdigit(version[n]));
}

/* The row of ROWS (N of them, or up to a NULL product) that decides VERSION:
 * the longest cycle it is in, else the first "below" row it is under. */
static const sf_eol_row_t *eol_row_of(const sf_eol_row_t *rows, int n, const char *product,
                                      const char *version)
{
    const sf_eol_row_t *best = NULL;
    int i;

    for (i = 0; n < 0 ? rows[i].product != NULL : i < n; i++) {
        const sf_eol_row_t *r = &rows[i];
        if (strcmp(r->product, product)) continue;
        if (r->cycle ? in_cycle(version, r->cycle)
                           && (!best || !best->cycle || strlen(r->cycle) > strlen(best->cycle))
                     : !best && sg_vercmp(version, r->below) < 0) {
            best = r;
        }
    }
    return best;
}

const char *sf_eol_date(const sf_eol_t *eol, const char *product, const char *version,
                        const char *today)
{
    const apr_array_header_t *file = eol ? apr_hash_get(eol->files, product,
                                                        APR_HASH_KEY_STRING) : NULL;
    const sf_eol_row_t *row;

    if (!sg_version_ok(version)) return NULL;
    row = file ? eol_row_of((const sf_eol_row_t *)file->elts, file->nelts, product, version)
               : eol_row_of(eol_table, -1, product, version);
    if (!row || !row->date) return NULL;
    return !*row->date || strcmp(row->date, today) <= 0 ? row->date : NULL;
}
