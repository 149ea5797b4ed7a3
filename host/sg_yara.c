/* sg_yara.c: YARA rules through libyara as a matcher of the engine (host glue). */
#include "config.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_info.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include <apr_thread_mutex.h>
#include <apr_time.h>
#include "sg_yara.h"

#define SG_YARA_ENGINE "YARA"
#define SG_YARA_MAX_FILES 4096        /* rule files one load reads at most */

/* A YARA rule file by its name: *.yar or *.yara, not hidden. */
static int is_rule_file(const char *name)
{
    const char *dot = strrchr(name, '.');

    return name[0] != '.' && dot && (!strcmp(dot, ".yar") || !strcmp(dot, ".yara"));
}

const char *sg_yara_split_namespace(const char *source, const char **ns, apr_pool_t *p)
{
    const char *c = source;

    *ns = NULL;
    if (!(apr_isalpha(*c) || *c == '_')) return source;
    while (apr_isalnum(*c) || *c == '_') c++;
    if (*c != ':' || !c[1]) return source;
    *ns = apr_pstrmemdup(p, source, (apr_size_t)(c - source));
    return c + 1;
}

#ifdef HAVE_YARA
#include <yara.h>

/* A scanner; made on need, kept until the pool goes, on the idle list while
 * no scan holds it.  malloc()ed, not from the pool: scans run in request
 * threads, where the (configuration) pool that owns the rules must not be
 * allocated from. */
typedef struct held_t {
    YR_SCANNER *scanner;
    struct held_t *next_idle;         /* the next idle one */
    struct held_t *next_made;         /* every one made, to destroy */
} held_t;

struct sg_yara_t {
    apr_pool_t *pool;
    YR_RULES *rules;
    int nrules, nfiles;
    apr_interval_time_t compile_time;
    apr_thread_mutex_t *lock;         /* guards idle and made */
    held_t *idle;                     /* scanners free to take */
    held_t *made;                     /* every scanner made */
    sg_matcher_t matcher;
};

/* ---------------------------------------------------------------- compiling */

/* What the compiler said first (an error wins over a warning). */
typedef struct compile_msg_t {
    apr_pool_t *pool;
    const char *error;                /* "FILE:LINE: message", or NULL */
} compile_msg_t;

static void on_compile_msg(int level, const char *file, int line, const YR_RULE *rule,
                           const char *message, void *baton)
{
    compile_msg_t *m = baton;

    if (level == YARA_ERROR_LEVEL_ERROR && !m->error) {
        m->error = apr_psprintf(m->pool, "%s:%d: %s", file ? file : "(rules)", line, message);
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Appends to FILES the rule files of DIR, sorted by name. */
static apr_status_t dir_files(const char *dir, apr_array_header_t *files,
                              apr_pool_t *p, sg_result_t *res)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_array_header_t *names = apr_array_make(p, 8, sizeof(const char *));
    apr_status_t rv = apr_dir_open(&d, dir, p);
    int i;

    if (rv != APR_SUCCESS) {
        return sg_result_set(res, p, rv, "%s: cannot open the YARA rule directory", dir);
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (is_rule_file(fi.name) && fi.filetype != APR_DIR && names->nelts < SG_YARA_MAX_FILES) {
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(p, fi.name);
        }
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), cmp_names);
    for (i = 0; i < names->nelts; i++) {
        APR_ARRAY_PUSH(files, const char *) = apr_pstrcat(p, dir, "/",
                                                          APR_ARRAY_IDX(names, i, const char *),
                                                          NULL);
    }
    return APR_SUCCESS;
}

/* Adds one rule file to the compiler; the first error ends the load. */
static apr_status_t add_file(YR_COMPILER *c, const char *path, const char *ns,
                             compile_msg_t *msg, apr_pool_t *p, sg_result_t *res)
{
    FILE *f = fopen(path, "r");
    int errors;

    if (!f) {
        return sg_result_set(res, p, APR_FROM_OS_ERROR(errno), "%s: cannot open the YARA rules",
                             path);
    }
    errors = yr_compiler_add_file(c, f, ns, path);
    fclose(f);
    if (errors > 0) {
        return sg_result_set(res, p, APR_EINVAL, "%s", msg->error ? msg->error
                             : apr_pstrcat(p, path, ": does not compile", NULL));
    }
    return APR_SUCCESS;
}

/* The rule's meta KEY when it is a string, else NULL. */
static const char *meta_string(const YR_RULE *rule, const char *key)
{
    const YR_META *m;

    yr_rule_metas_foreach(rule, m) {
        if (!strcmp(m->identifier, key) && m->type == META_TYPE_STRING) return m->string;
    }
    return NULL;
}

/* 1 when the rule's meta KEY is true (a boolean, or a non-zero integer). */
static int meta_true(const YR_RULE *rule, const char *key)
{
    const YR_META *m;

    yr_rule_metas_foreach(rule, m) {
        if (!strcmp(m->identifier, key)
            && (m->type == META_TYPE_BOOLEAN || m->type == META_TYPE_INTEGER)) {
            return m->integer != 0;
        }
    }
    return 0;
}

static const char *rule_name(const YR_RULE *rule, apr_pool_t *p)
{
    if (!rule->ns || !rule->ns->name || !strcmp(rule->ns->name, "default")) {
        return apr_pstrdup(p, rule->identifier);
    }
    return apr_pstrcat(p, rule->ns->name, ":", rule->identifier, NULL);
}

/* Counts the rules and checks their metas: a severity must be one the
 * engine knows (a typo would otherwise quietly make a rule malicious). */
static apr_status_t check_rules(sg_yara_t *y, apr_pool_t *p, sg_result_t *res)
{
    const YR_RULE *rule;
    const char *sev;

    y->nrules = 0;
    yr_rules_foreach(y->rules, rule) {
        y->nrules++;
        sev = meta_string(rule, "severity");
        if (sev && strcmp(sev, "malicious") && strcmp(sev, "suspicious")) {
            return sg_result_set(res, p, APR_EINVAL, "YARA rule %s: meta severity = \"%s\" "
                                 "(expected \"malicious\" or \"suspicious\")",
                                 rule_name(rule, p), sev);
        }
        if (meta_true(rule, "spamgear_layers")) y->matcher.wants_layers = 1;
    }
    return APR_SUCCESS;
}

/* Every rule file: the signature directory's, then each source's. */
static apr_status_t list_sources(const char *sigdir, const apr_array_header_t *sources,
                                 apr_array_header_t *files, apr_array_header_t *spaces,
                                 apr_pool_t *p, sg_result_t *res)
{
    apr_finfo_t fi;
    apr_status_t rv;
    int i, before;

    if (sigdir && (rv = dir_files(sigdir, files, p, res)) != APR_SUCCESS) return rv;
    while (spaces->nelts < files->nelts) APR_ARRAY_PUSH(spaces, const char *) = NULL;
    for (i = 0; sources && i < sources->nelts; i++) {
        const char *ns, *path = sg_yara_split_namespace(APR_ARRAY_IDX(sources, i, const char *), &ns, p);
        if ((rv = apr_stat(&fi, path, APR_FINFO_TYPE, p)) != APR_SUCCESS) {
            return sg_result_set(res, p, rv, "%s: cannot read the YARA rules", path);
        }
        before = files->nelts;
        if (fi.filetype == APR_DIR) {
            if ((rv = dir_files(path, files, p, res)) != APR_SUCCESS) return rv;
            if (files->nelts == before) {
                return sg_result_set(res, p, APR_ENOENT, "%s: no *.yar or *.yara file in the "
                                     "directory", path);
            }
        }
        else APR_ARRAY_PUSH(files, const char *) = path;
        while (spaces->nelts < files->nelts) APR_ARRAY_PUSH(spaces, const char *) = ns;
    }
    if (files->nelts > SG_YARA_MAX_FILES) {
        return sg_result_set(res, p, APR_EINVAL, "more than %d YARA rule files", SG_YARA_MAX_FILES);
    }
    return APR_SUCCESS;
}

static apr_status_t destroy_yara(void *data)
{
    sg_yara_t *y = data;
    held_t *h;

    while ((h = y->made) != NULL) {
        y->made = h->next_made;
        yr_scanner_destroy(h->scanner);
        free(h);
    }
    if (y->rules) yr_rules_destroy(y->rules);
    yr_finalize();
    return APR_SUCCESS;
}

static apr_status_t compile(sg_yara_t *y, const apr_array_header_t *files,
                            const apr_array_header_t *spaces, apr_pool_t *p, sg_result_t *res)
{
    YR_COMPILER *c = NULL;
    compile_msg_t msg = { p, NULL };
    apr_status_t rv = APR_SUCCESS;
    int i;

    if (yr_compiler_create(&c) != ERROR_SUCCESS) {
        return sg_result_set(res, p, APR_ENOMEM, "cannot create a YARA compiler");
    }
    yr_compiler_set_callback(c, on_compile_msg, &msg);
    /* rules that test them compile; each scan gives their values */
    if (yr_compiler_define_string_variable(c, "filename", "") != ERROR_SUCCESS
        || yr_compiler_define_string_variable(c, "filepath", "") != ERROR_SUCCESS
        || yr_compiler_define_string_variable(c, "extension", "") != ERROR_SUCCESS) {
        rv = sg_result_set(res, p, APR_ENOMEM, "cannot define the YARA external variables");
        goto cleanup;
    }
    for (i = 0; i < files->nelts; i++) {
        rv = add_file(c, APR_ARRAY_IDX(files, i, const char *),
                      APR_ARRAY_IDX(spaces, i, const char *), &msg, p, res);
        if (rv != APR_SUCCESS) goto cleanup;
    }
    if (yr_compiler_get_rules(c, &y->rules) != ERROR_SUCCESS) {
        rv = sg_result_set(res, p, APR_ENOMEM, "cannot build the YARA rule set");
    }
cleanup:
    yr_compiler_destroy(c);
    return rv;
}

static apr_status_t yara_match(void *baton, const sg_matcher_input_t *in,
                               apr_array_header_t *hits, apr_pool_t *p);

apr_status_t sg_yara_load(sg_yara_t **out, const char *sigdir, const apr_array_header_t *sources,
                          apr_pool_t *p, sg_result_t *res)
{
    apr_array_header_t *files = apr_array_make(p, 8, sizeof(const char *));
    apr_array_header_t *spaces = apr_array_make(p, 8, sizeof(const char *));
    apr_time_t t0 = apr_time_now();
    sg_yara_t *y;
    apr_status_t rv;

    *out = NULL;
    if ((rv = list_sources(sigdir, sources, files, spaces, p, res)) != APR_SUCCESS) return rv;
    if (files->nelts == 0) return APR_SUCCESS;
    if (yr_initialize() != ERROR_SUCCESS) {
        return sg_result_set(res, p, APR_ENOMEM, "cannot initialise libyara");
    }
    y = apr_pcalloc(p, sizeof(*y));
    y->pool = p;
    y->nfiles = files->nelts;
    apr_pool_cleanup_register(p, y, destroy_yara, apr_pool_cleanup_null);
    if ((rv = compile(y, files, spaces, p, res)) != APR_SUCCESS
        || (rv = check_rules(y, p, res)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_thread_mutex_create(&y->lock, APR_THREAD_MUTEX_DEFAULT, p)) != APR_SUCCESS) {
        return sg_result_set(res, p, rv, "cannot create the YARA scanners' lock");
    }
    y->matcher.engine = SG_YARA_ENGINE;
    y->matcher.match = yara_match;
    y->matcher.baton = y;
    y->compile_time = apr_time_now() - t0;
    *out = y;
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- matching */

/* What one scan collects (the scanner's user data while it runs). */
typedef struct match_t {
    const sg_matcher_input_t *in;
    apr_array_header_t *hits;
    apr_pool_t *pool;
} match_t;

static int on_scan_msg(YR_SCAN_CONTEXT *ctx, int message, void *data, void *baton)
{
    match_t *m = baton;
    const YR_RULE *rule = data;
    sg_matcher_hit_t *h;
    const char *sev;

    if (message != CALLBACK_MSG_RULE_MATCHING) return CALLBACK_CONTINUE;
    if (m->in->layer > 0 && !meta_true(rule, "spamgear_layers")) return CALLBACK_CONTINUE;
    if (m->hits->nelts >= SG_ENGINE_MAX_FINDINGS) return CALLBACK_ABORT;
    sev = meta_string(rule, "severity");
    h = apr_array_push(m->hits);
    h->name = rule_name(rule, m->pool);
    h->severity = sev && !strcmp(sev, "suspicious") ? SG_SEV_SUSPICIOUS : SG_SEV_MALICIOUS;
    h->detail = meta_string(rule, "description");
    if (h->detail) h->detail = apr_pstrdup(m->pool, h->detail);
    return CALLBACK_CONTINUE;
}

/* A scanner for this thread's scan: an idle one, or a new one (NULL when
 * libyara cannot make one). */
static held_t *take_scanner(sg_yara_t *y)
{
    held_t *h;

    apr_thread_mutex_lock(y->lock);
    if ((h = y->idle) != NULL) y->idle = h->next_idle;
    apr_thread_mutex_unlock(y->lock);
    if (h) return h;
    /* one per scan at once: as many as threads scan together */
    if (!(h = calloc(1, sizeof(*h)))) return NULL;
    if (yr_scanner_create(y->rules, &h->scanner) != ERROR_SUCCESS) {
        free(h);
        return NULL;
    }
    apr_thread_mutex_lock(y->lock);
    h->next_made = y->made;
    y->made = h;
    apr_thread_mutex_unlock(y->lock);
    return h;
}

static void give_back(sg_yara_t *y, held_t *h)
{
    apr_thread_mutex_lock(y->lock);
    h->next_idle = y->idle;
    y->idle = h;
    apr_thread_mutex_unlock(y->lock);
}

/* The external variables' values for the file NAME. */
static void define_externals(YR_SCANNER *s, const char *name, apr_pool_t *p)
{
    const char *path = name ? name : "", *base, *member, *dot;
    char *ext;
    apr_size_t i;

    member = strrchr(path, '!');
    base = strrchr(member ? member : path, '/');
    base = base ? base + 1 : member ? member + 1 : path;
    dot = strrchr(base, '.');
    ext = apr_pstrdup(p, dot && dot != base ? dot + 1 : "");
    for (i = 0; ext[i]; i++) ext[i] = (char)apr_tolower(ext[i]);
    yr_scanner_define_string_variable(s, "filename", base);
    yr_scanner_define_string_variable(s, "filepath", path);
    yr_scanner_define_string_variable(s, "extension", ext);
}

static apr_status_t yara_match(void *baton, const sg_matcher_input_t *in,
                               apr_array_header_t *hits, apr_pool_t *p)
{
    sg_yara_t *y = baton;
    match_t m = { in, hits, p };
    held_t *h = take_scanner(y);
    YR_SCANNER *s = h ? h->scanner : NULL;
    int rc;

    if (!s) return APR_ENOMEM;
    define_externals(s, in->name, p);
    yr_scanner_set_callback(s, on_scan_msg, &m);
    /* yr_scanner_set_timeout() takes whole seconds; the budget is finer:
     * the scanner's own field is in nanoseconds (libyara's types.h) */
    s->timeout = (uint64_t)in->limit * 1000;
    rc = yr_scanner_scan_mem(s, (const uint8_t *)in->buf, in->len);
    give_back(y, h);
    if (rc == ERROR_SCAN_TIMEOUT) return APR_TIMEUP;
    return rc == ERROR_SUCCESS || rc == ERROR_CALLBACK_ERROR ? APR_SUCCESS : APR_EGENERAL;
}

const sg_matcher_t *sg_yara_matcher(sg_yara_t *y)
{
    return &y->matcher;
}

int sg_yara_rule_count(const sg_yara_t *y)
{
    return y ? y->nrules : 0;
}

int sg_yara_file_count(const sg_yara_t *y)
{
    return y ? y->nfiles : 0;
}

apr_interval_time_t sg_yara_compile_time(const sg_yara_t *y)
{
    return y ? y->compile_time : 0;
}

const char *sg_yara_version(void)
{
    return YR_VERSION;
}

#else /* !HAVE_YARA */

struct sg_yara_t {
    int unused;
};

apr_status_t sg_yara_load(sg_yara_t **out, const char *sigdir, const apr_array_header_t *sources,
                          apr_pool_t *p, sg_result_t *res)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    *out = NULL;
    if (sources && sources->nelts > 0) {
        return sg_result_set(res, p, APR_ENOTIMPL, "%s: YARA rules given, but spamgear was "
                             "built without libyara (configure --without-yara)",
                             APR_ARRAY_IDX(sources, 0, const char *));
    }
    if (!sigdir || apr_dir_open(&d, sigdir, p) != APR_SUCCESS) return APR_SUCCESS;
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (is_rule_file(fi.name)) {
            apr_dir_close(d);
            return sg_result_set(res, p, APR_ENOTIMPL, "%s/%s: a YARA rule file, but spamgear "
                                 "was built without libyara (configure --without-yara)",
                                 sigdir, fi.name);
        }
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

const sg_matcher_t *sg_yara_matcher(sg_yara_t *y)
{
    return NULL;
}

int sg_yara_rule_count(const sg_yara_t *y)
{
    return 0;
}

int sg_yara_file_count(const sg_yara_t *y)
{
    return 0;
}

apr_interval_time_t sg_yara_compile_time(const sg_yara_t *y)
{
    return 0;
}

const char *sg_yara_version(void)
{
    return NULL;
}

#endif /* HAVE_YARA */

const char *sg_yara_version_words(void)
{
#ifdef HAVE_YARA
    return "libyara " YR_VERSION;
#else
    return "without YARA";
#endif
}
