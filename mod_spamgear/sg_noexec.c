/* sg_noexec.c: refusing script execution in upload, cache and temp paths. */
#include <string.h>
#include <strings.h>
#include <apr_fnmatch.h>
#include <apr_strings.h>
#include "sg_noexec.h"
#include "sg_log.h"
#include "sg_path.h"

/* Matched against the script's path below the document root, so a docroot
 * that itself lives under /tmp or /var/cache is not caught as a whole. */
const char *const sg_noexec_default_paths[] = {
    "/wp-content/uploads/",      /* WordPress media */
    "/uploads?/",                /* any component named upload or uploads */
    "/sites/[^/]+/files/",       /* Drupal public files */
    "/images/",                  /* Joomla media manager */
    "/tmp/",
    "/cache/",
    NULL
};

/* Handler names (and content types standing in for them) that run code:
 * mod_php and its -source twin, PHP-FPM through SetHandler proxy:..., CGI,
 * FastCGI, suPHP/LSAPI, and the "x-script" names mod_actions setups use. */
const char *const sg_noexec_default_handlers[] = {
    "*php*",
    "*cgi*",
    "*-script",
    "*lsapi*",
    "*python*",
    "proxy:*",
    "application/x-httpd-*",
    NULL
};

/* Base names that are scripts whatever the handler says today. */
const char *const sg_noexec_default_script_names[] = {
    "\\.(php[0-9s]?|pht|phtml|phar|cgi|fcgi|pl|py|sh|shtml|asp|aspx|jsp)$",
    NULL
};

/* Explicit handlers that only ever serve files as they are. */
static const char *const static_handlers[] = {
    "default-handler", "type-map", "imap-file", "server-status", "server-info",
    "balancer-manager", "spamgear-status", NULL
};

sg_noexec_rules_t *sg_noexec_rules_create(apr_pool_t *p)
{
    sg_noexec_rules_t *rules = apr_pcalloc(p, sizeof(*rules));

    rules->paths = sg_regex_list_create(p);
    rules->handlers = apr_array_make(p, 8, sizeof(const char *));
    rules->script_names = sg_regex_list_create(p);
    return rules;
}

static apr_status_t add_regexes(sg_regex_list_t *list, const char *const *patterns,
                                sg_result_t *res)
{
    apr_status_t rv = APR_SUCCESS;

    for (; *patterns && rv == APR_SUCCESS; patterns++) {
        rv = sg_regex_list_add(list, *patterns, 1, res);
    }
    return rv;
}

apr_status_t sg_noexec_rules_add_defaults(sg_noexec_rules_t *rules, sg_result_t *res)
{
    apr_status_t rv = APR_SUCCESS;
    const char *const *glob;

    if (sg_regex_list_count(rules->paths) == 0) {
        rv = add_regexes(rules->paths, sg_noexec_default_paths, res);
    }
    if (rv == APR_SUCCESS && sg_regex_list_count(rules->script_names) == 0) {
        rv = add_regexes(rules->script_names, sg_noexec_default_script_names, res);
    }
    /* Handler globs only ever extend the built-in list: replacing it would let
     * one SpamGearNoExecHandler line switch off mod_php and FPM detection. */
    if (!rules->handler_defaults_added) {
        for (glob = sg_noexec_default_handlers; *glob; glob++) {
            sg_noexec_rules_add_handler(rules, *glob);
        }
        rules->handler_defaults_added = 1;
    }
    return rv;
}

apr_status_t sg_noexec_rules_add_path(sg_noexec_rules_t *rules, const char *regex,
                                      sg_result_t *res)
{
    return sg_regex_list_add(rules->paths, regex, 1, res);
}

void sg_noexec_rules_add_handler(sg_noexec_rules_t *rules, const char *glob)
{
    APR_ARRAY_PUSH(rules->handlers, const char *) = glob;
}

static int is_static_handler(const char *handler)
{
    const char *const *name;

    for (name = static_handlers; *name; name++) {
        if (!strcasecmp(handler, *name)) {
            return 1;
        }
    }
    return 0;
}

static int matches_handler_glob(const sg_noexec_rules_t *rules, const char *name)
{
    int i;

    for (i = 0; i < rules->handlers->nelts; i++) {
        const char *glob = APR_ARRAY_IDX(rules->handlers, i, const char *);
        if (apr_fnmatch(glob, name, APR_FNM_CASE_BLIND) == APR_SUCCESS) {
            return 1;
        }
    }
    return 0;
}

int sg_noexec_handler_runs_code(const sg_noexec_rules_t *rules, const char *handler,
                                const char *content_type)
{
    char type[256];

    if (handler && *handler) {
        return !is_static_handler(handler);
    }
    if (!content_type || !*content_type) {
        return 0;
    }
    /* httpd uses the content type, minus parameters, as the handler name. */
    apr_cpystrn(type, content_type, sizeof(type));
    type[strcspn(type, "; \t")] = '\0';
    return matches_handler_glob(rules, type);
}

static int names_script(const sg_noexec_rules_t *rules, const char *path)
{
    const char *base;

    if (!path || !*path) {
        return 0;
    }
    base = sg_path_basename(path);
    return sg_regex_list_match(rules->script_names, base, strlen(base)) != NULL;
}

/* Which rule makes SCRIPT's directory a no-exec path, or NULL. */
static const char *noexec_rule_for(const sg_noexec_rules_t *rules,
                                   const sg_noexec_request_t *req, const char *script,
                                   apr_pool_t *p)
{
    const char *below;

    if (req->mode == SG_NOEXEC_ON) {
        return "SpamGearNoExec On";
    }
    if (req->mode == SG_NOEXEC_OFF) {
        return NULL;
    }
    below = req->docroot ? sg_path_below(script, sg_path_normalize(p, req->docroot)) : script;
    return sg_regex_list_match(rules->paths, below, strlen(below));
}

/* Why the request counts as running SCRIPT, or NULL when it only serves a file. */
static const char *execution_reason(const sg_noexec_rules_t *rules,
                                    const sg_noexec_request_t *req, int via_proxy,
                                    const char *script, apr_pool_t *p)
{
    if (via_proxy) {
        return "proxied to a script backend";
    }
    if (req->handler && matches_handler_glob(rules, req->handler)) {
        return apr_psprintf(p, "handler %s runs scripts", req->handler);
    }
    if (sg_noexec_handler_runs_code(rules, req->handler, req->content_type)) {
        return req->handler ? apr_psprintf(p, "handler %s is not a static one", req->handler)
                            : apr_psprintf(p, "type %s runs scripts", req->content_type);
    }
    if (names_script(rules, script)) {
        return "file name is a script's";
    }
    if (names_script(rules, req->path_info)) {
        return "path info names a script";
    }
    return NULL;
}

void sg_noexec_judge(const sg_noexec_rules_t *rules, const sg_noexec_request_t *req,
                     apr_pool_t *p, sg_noexec_verdict_t *v)
{
    const char *script;
    int via_proxy = 0;

    memset(v, 0, sizeof(*v));
    if (!req->filename || req->mode == SG_NOEXEC_OFF) {
        return;
    }
    script = sg_path_proxy_script(p, req->filename);
    if (script) {
        via_proxy = 1;
    }
    else if (req->filename[0] == '/') {
        script = req->filename;
    }
    else {
        return;   /* "redirect:", other proxies: nothing runs from a local path */
    }
    v->script = sg_path_normalize(p, script);
    v->rule = noexec_rule_for(rules, req, v->script, p);
    if (!v->rule) {
        return;
    }
    v->reason = execution_reason(rules, req, via_proxy, v->script, p);
    v->refuse = (v->reason != NULL);
    if (!v->refuse) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_DEBUG, APR_SUCCESS, p,
                      "no-exec: %s is in a no-exec path (rule %s) but is served as a static file",
                      v->script, v->rule);
    }
}
