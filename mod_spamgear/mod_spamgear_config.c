/* mod_spamgear_config.c: every directive, and config creation and merging. */
#include <httpd.h>
#include <apr_strings.h>
#include <http_log.h>
#include <stdlib.h>
#include "mod_spamgear.h"
#include "sg_quarantine.h"
#include "sg_ban.h"
#include "sg_sig.h"
#include "sg_units.h"
#include "sg_yara.h"

APLOG_USE_MODULE(spamgear);

/* --------------------------------------------------------------- create / merge */

static void login_unset(sg_login_conf_t *c)
{
    c->on = SG_UNSET;
    c->limit = c->window = c->ban_time = c->status = c->v6_prefix = c->body_limit = SG_UNSET;
    c->growth = -1;
    c->scope = SG_SCOPE_UNSET;
}

#define MERGE(f) c->f = (add->f != SG_UNSET) ? add->f : base->f
#define MERGE_PTR(f) c->f = add->f ? add->f : base->f

static void login_merge(sg_login_conf_t *c, const sg_login_conf_t *base,
                        const sg_login_conf_t *add)
{
    MERGE(on);
    MERGE(limit);
    MERGE(window);
    MERGE(ban_time);
    MERGE(status);
    MERGE(v6_prefix);
    MERGE(body_limit);
    MERGE_PTR(match);
    MERGE_PTR(success);
    MERGE_PTR(xmlrpc_success);
    MERGE_PTR(exempt);
    c->growth = add->growth >= 0 ? add->growth : base->growth;
    c->scope = add->scope != SG_SCOPE_UNSET ? add->scope : base->scope;
}

/* Defaults for whatever is still unset once every server is merged. */
static apr_status_t login_defaults(sg_login_conf_t *c, apr_pool_t *p, sg_result_t *res)
{
    static const char *const match[] = {
        "/wp-login\\.php$", "/xmlrpc\\.php$", "/administrator/index\\.php$",
        "/user/login$", "/login\\.php$", NULL
    };
    int i;

    if (!c->match) {
        c->match = sg_regex_list_create(p);
        for (i = 0; match[i]; i++) {
            if (sg_regex_list_add(c->match, match[i], 1, res) != APR_SUCCESS) {
                return res->status;
            }
        }
    }
    if (!c->success) {
        c->success = apr_array_make(p, 3, sizeof(int));
        APR_ARRAY_PUSH(c->success, int) = 301;
        APR_ARRAY_PUSH(c->success, int) = 302;
        APR_ARRAY_PUSH(c->success, int) = 303;
    }
    if (!c->xmlrpc_success) {
        c->xmlrpc_success = apr_array_make(p, 1, sizeof(int));
    }
    c->on = c->on == SG_UNSET ? 1 : c->on;
    c->limit = c->limit == SG_UNSET ? 8 : c->limit;
    c->window = c->window == SG_UNSET ? 600 : c->window;
    c->ban_time = c->ban_time == SG_UNSET ? 1200 : c->ban_time;
    c->growth = c->growth < 0 ? 1.0 : c->growth;
    c->scope = c->scope == SG_SCOPE_UNSET ? SG_SCOPE_SERVER : c->scope;
    c->status = c->status == SG_UNSET ? 403 : c->status;
    c->v6_prefix = c->v6_prefix == SG_UNSET ? 64 : c->v6_prefix;
    c->body_limit = c->body_limit == SG_UNSET ? 65536 : c->body_limit;
    return APR_SUCCESS;
}

void *sg_config_create_server(apr_pool_t *p, server_rec *s)
{
    sg_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->noexec = sg_noexec_rules_create(p);
    login_unset(&conf->login);
    conf->scan_budget = SG_UNSET;
    return conf;
}

void *sg_config_merge_server(apr_pool_t *p, void *basev, void *addv)
{
    const sg_server_conf_t *base = basev, *add = addv;
    sg_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->noexec = sg_noexec_rules_create(p);
    conf->noexec_paths_set = add->noexec_paths_set || base->noexec_paths_set;
    conf->noexec->paths = add->noexec_paths_set ? add->noexec->paths : base->noexec->paths;
    conf->noexec->script_names = base->noexec->script_names;
    conf->noexec->handlers = apr_array_append(p, base->noexec->handlers,
                                              add->noexec->handlers);
    login_merge(&conf->login, &base->login, &add->login);
    conf->ban_store = add->ban_store ? add->ban_store : base->ban_store;
    conf->signatures = add->signatures ? add->signatures : base->signatures;
    conf->yara_rules = add->yara_rules ? add->yara_rules : base->yara_rules;
    conf->clamav = add->clamav ? add->clamav : base->clamav;
    conf->spool_dir = add->spool_dir ? add->spool_dir : base->spool_dir;
    conf->watch_status = add->watch_status ? add->watch_status : base->watch_status;
    conf->spool_quota = add->spool_quota ? add->spool_quota : base->spool_quota;
    conf->clamd_timeout = add->clamd_timeout ? add->clamd_timeout : base->clamd_timeout;
    conf->quarantine_dir = add->quarantine_dir ? add->quarantine_dir : base->quarantine_dir;
    conf->scan_budget = add->scan_budget != SG_UNSET ? add->scan_budget : base->scan_budget;
    return conf;
}

void *sg_config_create_dir(apr_pool_t *p, char *dir)
{
    sg_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->noexec = SG_NOEXEC_UNSET;
    conf->upload_scan = conf->upload_oversize_allow = conf->upload_onerror_allow = SG_UNSET;
    conf->upload_keep = conf->upload_status = conf->upload_bodies = SG_UNSET;
    conf->upload_media_code_scan = SG_UNSET;
    conf->upload_max = -1;
    return conf;
}

/* ADD came from a .htaccess: its values may only tighten what BASE (the
 * server, vhost, <Directory> and outer .htaccess settings) has.  The setters
 * already refused every loosening value they can judge alone (NoExec Off,
 * UploadScan Off, ...); what needs BASE is judged here.  A loosening found
 * here cannot fail the parse any more: it becomes C->refusal, and
 * sg_config_refusal_fixups answers 500 as httpd does for a bad .htaccess. */
static void merge_htaccess(apr_pool_t *p, sg_dir_conf_t *c, const sg_dir_conf_t *base,
                           const sg_dir_conf_t *add)
{
    apr_off_t base_max = base->upload_max > 0 ? base->upload_max : SG_UPLOAD_DEFAULT_MAX;

    if (add->upload_max > 0 && add->upload_max > base_max) {
        c->upload_max = base->upload_max;
        if (!c->refusal) {
            c->refusal_file = add->htaccess_file;
            c->refusal = apr_psprintf(p, "%s refused: larger than the %" APR_OFF_T_FMT
                                      " bytes this directory has; a .htaccess may only "
                                      "lower it", add->htaccess_max_at, base_max);
        }
    }
    else if (add->upload_max > 0) {
        /* a lower limit is a limit: what is over it is refused, never let
         * through unscanned (SpamGearUploadOversize Allow would loosen) */
        c->upload_oversize_allow = 0;
    }
    if (add->upload_bodies != SG_UNSET) {
        c->upload_bodies = (base->upload_bodies != SG_UNSET ? base->upload_bodies : 0)
                           | add->upload_bodies;
    }
}

void *sg_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const sg_dir_conf_t *base = basev, *add = addv;
    sg_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    sg_dir_conf_t *c = conf;

    conf->noexec = (add->noexec != SG_NOEXEC_UNSET) ? add->noexec : base->noexec;
    MERGE(upload_scan);
    MERGE(upload_oversize_allow);
    MERGE(upload_onerror_allow);
    MERGE(upload_keep);
    MERGE(upload_status);
    MERGE(upload_max);
    MERGE(upload_bodies);
    MERGE(upload_media_code_scan);
    MERGE_PTR(upload_deny_names);
    /* ADD may be one section or .htaccess, or what httpd merged before (a
     * directory walk's result): the .htaccess additions travel in both. */
    c->refusal = base->refusal ? base->refusal : add->refusal;
    c->refusal_file = base->refusal ? base->refusal_file : add->refusal_file;
    c->login_more = add->login_more ? sg_regex_list_join(base->login_more, add->login_more, p)
                                    : base->login_more;
    if (add->upload_deny_names) {
        /* the admin's list replaced the list, with what a .htaccess added above */
        c->deny_more = add->deny_more;
    }
    else {
        c->deny_more = add->deny_more ? sg_regex_list_join(base->deny_more, add->deny_more, p)
                                      : base->deny_more;
    }
    if (add->htaccess) {
        merge_htaccess(p, c, base, add);
    }
    return conf;
}

int sg_config_refusal_fixups(request_rec *r)
{
    const sg_dir_conf_t *dc = ap_get_module_config(r->per_dir_config, &spamgear_module);

    if (!dc->refusal) {
        return DECLINED;
    }
    sg_stats_htaccess(dc->refusal_file, 1);
    /* the same level and form as httpd's own line for a bad .htaccess */
    ap_log_rerror(APLOG_MARK, APLOG_ALERT, 0, r, APLOGNO(53070) "%s", dc->refusal);
    return HTTP_INTERNAL_SERVER_ERROR;
}

apr_status_t sg_config_finish(apr_pool_t *p, server_rec *s)
{
    sg_result_t res = { APR_SUCCESS, NULL };

    for (; s; s = s->next) {
        sg_server_conf_t *conf = ap_get_module_config(s->module_config, &spamgear_module);
        if (sg_noexec_rules_add_defaults(conf->noexec, &res) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, res.status, s, APLOGNO(53002)
                         "spamgear: built-in no-exec rules do not compile: %s", res.problem);
            return res.status;
        }
        if (login_defaults(&conf->login, p, &res) != APR_SUCCESS) {
            ap_log_error(APLOG_MARK, APLOG_CRIT, res.status, s, APLOGNO(53004)
                         "spamgear: built-in login patterns do not compile: %s", res.problem);
            return res.status;
        }
    }
    return APR_SUCCESS;
}

/* --------------------------------------------------------------- setters */

/* 1 while httpd reads a .htaccess file (it parses those with cmd->pool ==
 * cmd->temp_pool, which is what NOT_IN_HTACCESS tests).  Every setter asks:
 * AllowOverrideList lets a .htaccess run any directive it names, whatever
 * the directive's override class, and GLOBAL_ONLY does not see a .htaccess
 * (it looks for enclosing <Directory> sections, and a .htaccess has none). */
static int in_htaccess(cmd_parms *cmd)
{
    return ap_check_cmd_context(cmd, NOT_IN_HTACCESS) != NULL;
}

/* The error for a .htaccess line that would loosen protection: httpd
 * answers 500 and logs "FILE: <this>", so the line number goes in here. */
static const char *htaccess_refused(cmd_parms *cmd, const char *arg, const char *why)
{
    sg_stats_htaccess(cmd->directive ? cmd->directive->filename : NULL, 1);
    return apr_psprintf(cmd->pool, "%s%s%s (line %d) refused: %s", cmd->cmd->name,
                        arg ? " " : "", arg ? arg : "",
                        cmd->directive ? cmd->directive->line_num : 0, why);
}

/* The error for a directive that a .htaccess may not set at all. */
static const char *server_only(cmd_parms *cmd)
{
    return htaccess_refused(cmd, NULL, "only the server configuration sets this; a .htaccess "
                            "may only tighten spamgear (see \"spamgear in .htaccess\" in the "
                            "README)");
}

/* Marks DIRCONF as read from a .htaccess when it is: tighten-only merge. */
static int mark_htaccess(cmd_parms *cmd, void *dirconf)
{
    int yes = in_htaccess(cmd);

    if (yes) {
        ((sg_dir_conf_t *)dirconf)->htaccess = 1;
        sg_stats_htaccess(cmd->directive ? cmd->directive->filename : NULL, 0);
    }
    return yes;
}

static const char *sg_config_set_noexec(cmd_parms *cmd, void *dirconf, int on)
{
    sg_dir_conf_t *conf = dirconf;

    if (mark_htaccess(cmd, dirconf) && !on) {
        return htaccess_refused(cmd, "Off", "a .htaccess may switch no-exec on, never off");
    }
    conf->noexec = on ? SG_NOEXEC_ON : SG_NOEXEC_OFF;
    return NULL;
}

static const char *sg_config_set_noexec_match(cmd_parms *cmd, void *dummy, const char *regex)
{
    sg_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &spamgear_module);
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    if (!conf->noexec_paths_set) {
        /* The first SpamGearNoExecMatch of a server replaces the built-in list. */
        conf->noexec->paths = sg_regex_list_create(cmd->pool);
        conf->noexec_paths_set = 1;
    }
    if (sg_noexec_rules_add_path(conf->noexec, regex, &res) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SpamGearNoExecMatch: %s", res.problem);
    }
    return NULL;
}

static const char *sg_config_set_noexec_handler(cmd_parms *cmd, void *dummy, const char *glob)
{
    sg_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &spamgear_module);
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    if (!*glob || strlen(glob) > 255) {
        return apr_psprintf(cmd->pool, "SpamGearNoExecHandler: handler pattern must have "
                            "1 to 255 characters (%s)", glob);
    }
    sg_noexec_rules_add_handler(conf->noexec, apr_pstrdup(cmd->pool, glob));
    return NULL;
}

/* ---- login counting and bans: all per server (RSRC_CONF), merged per vhost */

/* The vhost's login settings; *ERR (else NULL) says why CMD cannot set
 * them where it stands: a .htaccess, or a <Directory>, <Location> or <Files>
 * section (the directives carry OR_OPTIONS so that a .htaccess line reaches
 * the setter and gets its line number and reason, not only "not allowed"). */
static sg_login_conf_t *login_conf(cmd_parms *cmd, const char **err)
{
    sg_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &spamgear_module);

    *err = in_htaccess(cmd) ? server_only(cmd) : ap_check_cmd_context(cmd, NOT_IN_DIR_LOC_FILE);
    return &conf->login;
}

/* Parses a whole decimal number in [MIN, MAX]; -1 when it is not one. */
static long parse_number(const char *arg, long min, long max)
{
    char *end;
    long v = strtol(arg, &end, 10);

    return (!*arg || *end || v < min || v > max) ? -1 : v;
}

static const char *sg_config_set_login(cmd_parms *cmd, void *dummy, int on)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);

    if (err) {
        return err;
    }
    c->on = on;
    return NULL;
}

/* In a <Directory>, <Location>, <Files> or .htaccess: login URIs added, for
 * requests mapped there, to the vhost's list (its limits count them). */
static const char *add_login_match(cmd_parms *cmd, sg_dir_conf_t *conf, const char *regex)
{
    sg_result_t res = { APR_SUCCESS, NULL };

    mark_htaccess(cmd, conf);
    if (!conf->login_more) {
        conf->login_more = sg_regex_list_create(cmd->pool);
    }
    if (sg_regex_list_add(conf->login_more, regex, 1, &res) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SpamGearLoginMatch: %s", res.problem);
    }
    return NULL;
}

static const char *sg_config_set_login_match(cmd_parms *cmd, void *dirconf, const char *regex)
{
    const char *err;
    sg_login_conf_t *c;
    sg_result_t res = { APR_SUCCESS, NULL };

    if (cmd->path) {
        return add_login_match(cmd, dirconf, regex);
    }
    c = login_conf(cmd, &err);   /* no error: a server or vhost context */
    if (!c->match) {
        /* The first SpamGearLoginMatch of a server replaces the built-in list. */
        c->match = sg_regex_list_create(cmd->pool);
    }
    if (sg_regex_list_add(c->match, regex, 1, &res) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SpamGearLoginMatch: %s", res.problem);
    }
    return NULL;
}

static const char *sg_config_set_login_success(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);
    int xmlrpc = !strncasecmp(arg, "xmlrpc:", 7);
    long code = parse_number(arg + (xmlrpc ? 7 : 0), 100, 599);

    if (err) {
        return err;
    }
    if (code < 0) {
        return apr_psprintf(cmd->pool, "SpamGearLoginSuccess: not an HTTP status (%s); "
                            "use e.g. 302 or xmlrpc:200", arg);
    }
    if (!c->success) {
        /* The first SpamGearLoginSuccess of a server replaces the defaults. */
        c->success = apr_array_make(cmd->pool, 4, sizeof(int));
        c->xmlrpc_success = apr_array_make(cmd->pool, 1, sizeof(int));
    }
    APR_ARRAY_PUSH(xmlrpc ? c->xmlrpc_success : c->success, int) = (int)code;
    return NULL;
}

static const char *sg_config_set_login_limit(cmd_parms *cmd, void *dummy, const char *count,
                                             const char *seconds)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);
    long n = parse_number(count, 1, 1000000), t = parse_number(seconds, 1, 86400 * 30);

    if (err) {
        return err;
    }
    if (n < 0 || t < 0) {
        return apr_psprintf(cmd->pool, "SpamGearLoginLimit: want COUNT (1-1000000) and "
                            "SECONDS (1-2592000) (%s %s)", count, seconds);
    }
    c->limit = (int)n;
    c->window = (int)t;
    return NULL;
}

static const char *sg_config_set_ban_time(cmd_parms *cmd, void *dummy, const char *seconds,
                                          const char *growth)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);
    long t = parse_number(seconds, 1, SG_BAN_MAX_SECONDS);
    char *end = NULL;
    double g = growth ? strtod(growth, &end) : 1.0;

    if (err) {
        return err;
    }
    if (t < 0) {
        return apr_psprintf(cmd->pool, "SpamGearBanTime: want SECONDS from 1 to %d (%s)",
                            SG_BAN_MAX_SECONDS, seconds);
    }
    if (growth && (!*growth || *end || g < 1.0 || g > 100.0)) {
        return apr_psprintf(cmd->pool, "SpamGearBanTime: growth must be a number from 1 "
                            "to 100 (%s)", growth);
    }
    c->ban_time = (int)t;
    c->growth = g;
    return NULL;
}

static const char *sg_config_set_ban_scope(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);

    if (err) {
        return err;
    }
    if (!strcasecmp(arg, "Server")) {
        c->scope = SG_SCOPE_SERVER;
    }
    else if (!strcasecmp(arg, "Global")) {
        c->scope = SG_SCOPE_GLOBAL;
    }
    else {
        return apr_psprintf(cmd->pool, "SpamGearBanScope: want Server or Global (%s)", arg);
    }
    return NULL;
}

static const char *sg_config_set_ban_exempt(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_cidr_t cidr;

    if (err) {
        return err;
    }
    if (sg_cidr_parse(arg, &cidr, cmd->pool, &res) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SpamGearBanExempt: %s", res.problem);
    }
    if (!c->exempt) {
        c->exempt = apr_array_make(cmd->pool, 4, sizeof(sg_cidr_t));
    }
    APR_ARRAY_PUSH(c->exempt, sg_cidr_t) = cidr;
    return NULL;
}

static const char *sg_config_set_ban_status(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);
    long code = parse_number(arg, 403, 429);

    if (err) {
        return err;
    }
    if (code != 403 && code != 429) {
        return apr_psprintf(cmd->pool, "SpamGearBanStatus: want 403 or 429 (%s)", arg);
    }
    c->status = (int)code;
    return NULL;
}

static const char *sg_config_set_ban_ipv6_prefix(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);
    long bits = parse_number(arg, 16, 128);

    if (err) {
        return err;
    }
    if (bits < 0) {
        return apr_psprintf(cmd->pool, "SpamGearBanIPv6Prefix: want 16 to 128 bits (%s)", arg);
    }
    c->v6_prefix = (int)bits;
    return NULL;
}

static const char *sg_config_set_login_body_limit(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_login_conf_t *c = login_conf(cmd, &err);
    long bytes = parse_number(arg, 0, 16 * 1024 * 1024);

    if (err) {
        return err;
    }
    if (bytes < 0) {
        return apr_psprintf(cmd->pool, "SpamGearLoginBodyLimit: want 0 to 16777216 bytes "
                            "(%s)", arg);
    }
    c->body_limit = (int)bytes;
    return NULL;
}

static const char *sg_config_set_ban_store(cmd_parms *cmd, void *dummy, const char *arg)
{
    sg_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &spamgear_module);
    const char *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    const char *colon = strchr(arg, ':');

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    if (strcmp(arg, "shmcb") && strncmp(arg, "shmcb:", 6)
        && (!colon || (strncmp(arg, "redis:", 6) && strncmp(arg, "memcache:", 9))
            || !colon[1])) {
        return apr_psprintf(cmd->pool, "SpamGearBanStore: want shmcb, shmcb:ARGS, "
                            "redis:HOST:PORT or memcache:HOST:PORT (%s)", arg);
    }
    conf->ban_store = apr_pstrdup(cmd->pool, arg);
    return NULL;
}

/* ---- upload scanning: per directory, except the engine and spool (main server) */

static const char *sg_config_set_upload_scan(cmd_parms *cmd, void *dirconf, int on)
{
    if (mark_htaccess(cmd, dirconf) && !on) {
        return htaccess_refused(cmd, "Off", "a .htaccess may switch upload scanning on, "
                                "never off");
    }
    ((sg_dir_conf_t *)dirconf)->upload_scan = on;
    return NULL;
}

static const char *sg_config_set_upload_keep(cmd_parms *cmd, void *dirconf, int on)
{
    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    ((sg_dir_conf_t *)dirconf)->upload_keep = on;
    return NULL;
}

static const char *sg_config_set_upload_max_size(cmd_parms *cmd, void *dirconf, const char *arg)
{
    apr_int64_t v = 0;

    if (sg_parse_size(arg, &v) != APR_SUCCESS || v < 1 || v > APR_INT64_C(1) << 40) {
        return apr_psprintf(cmd->pool, "SpamGearUploadMaxSize: want a size from 1 byte to "
                            "1T, e.g. 65536 or 64M (%s)", arg);
    }
    if (mark_htaccess(cmd, dirconf)) {
        /* judged against the enclosing value in merge_htaccess() */
        ((sg_dir_conf_t *)dirconf)->htaccess_file = cmd->directive ? cmd->directive->filename
                                                                   : NULL;
        ((sg_dir_conf_t *)dirconf)->htaccess_max_at = apr_psprintf(
            cmd->pool, "%s: SpamGearUploadMaxSize %s (line %d)",
            cmd->directive ? cmd->directive->filename : ".htaccess", arg,
            cmd->directive ? cmd->directive->line_num : 0);
    }
    ((sg_dir_conf_t *)dirconf)->upload_max = (apr_off_t)v;
    return NULL;
}

/* Parses Deny|Allow into *ALLOW; an error string naming DIRECTIVE otherwise.
 * A .htaccess may only say Deny. */
static const char *deny_allow(cmd_parms *cmd, void *dirconf, const char *directive,
                              const char *arg, int *allow)
{
    if (!strcasecmp(arg, "Deny")) *allow = 0;
    else if (!strcasecmp(arg, "Allow")) *allow = 1;
    else return apr_psprintf(cmd->pool, "%s: want Deny or Allow (%s)", directive, arg);
    if (mark_htaccess(cmd, dirconf) && *allow) {
        return htaccess_refused(cmd, arg, "a .htaccess may only say Deny");
    }
    return NULL;
}

static const char *sg_config_set_upload_oversize(cmd_parms *cmd, void *dirconf, const char *arg)
{
    return deny_allow(cmd, dirconf, "SpamGearUploadOversize", arg,
                      &((sg_dir_conf_t *)dirconf)->upload_oversize_allow);
}

static const char *sg_config_set_upload_on_error(cmd_parms *cmd, void *dirconf, const char *arg)
{
    return deny_allow(cmd, dirconf, "SpamGearUploadOnError", arg,
                      &((sg_dir_conf_t *)dirconf)->upload_onerror_allow);
}

static const char *sg_config_set_upload_media_code(cmd_parms *cmd, void *dirconf,
                                                   const char *arg)
{
    int *scan = &((sg_dir_conf_t *)dirconf)->upload_media_code_scan;

    if (!strcasecmp(arg, "Refuse")) *scan = 0;
    else if (!strcasecmp(arg, "Scan")) *scan = 1;
    else return apr_psprintf(cmd->pool, "SpamGearUploadMediaCode: want Refuse or Scan (%s)", arg);
    if (mark_htaccess(cmd, dirconf) && *scan) {
        return htaccess_refused(cmd, arg, "a .htaccess may only say Refuse");
    }
    return NULL;
}

static const char *sg_config_set_upload_status(cmd_parms *cmd, void *dirconf, const char *arg)
{
    long code = parse_number(arg, 400, 599);

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (code < 0) {
        return apr_psprintf(cmd->pool, "SpamGearUploadStatus: want a 4xx or 5xx status (%s)",
                            arg);
    }
    ((sg_dir_conf_t *)dirconf)->upload_status = (int)code;
    return NULL;
}

static const char *sg_config_set_upload_deny_names(cmd_parms *cmd, void *dirconf,
                                                   const char *regex)
{
    sg_dir_conf_t *conf = dirconf;
    sg_result_t res = { APR_SUCCESS, NULL };

    if (mark_htaccess(cmd, dirconf)) {
        /* added to the list in force, which the customer cannot replace */
        if (!strcasecmp(regex, "none")) {
            return htaccess_refused(cmd, regex, "a .htaccess may add names, never remove them");
        }
        if (!conf->deny_more) conf->deny_more = sg_regex_list_create(cmd->pool);
        if (sg_regex_list_add(conf->deny_more, regex, 1, &res) != APR_SUCCESS) {
            return apr_psprintf(cmd->pool, "SpamGearUploadDenyNames: %s", res.problem);
        }
        return NULL;
    }
    if (!conf->upload_deny_names) {
        /* The first SpamGearUploadDenyNames of a context replaces the built-in list. */
        conf->upload_deny_names = sg_regex_list_create(cmd->pool);
    }
    if (!strcasecmp(regex, "none")) {
        return NULL;
    }
    if (sg_regex_list_add(conf->upload_deny_names, regex, 1, &res) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SpamGearUploadDenyNames: %s", res.problem);
    }
    return NULL;
}

/* SpamGearUploadBodies KIND...: the kinds of one directive replace what an
 * enclosing context set ("files" alone: file parts and raw files only). */
static const char *sg_config_set_upload_bodies(cmd_parms *cmd, void *dirconf, const char *args)
{
    static const struct { const char *name; int bits; } kinds[] = {
        { "files", 0 }, { "fields", SG_BODY_FIELDS }, { "form", SG_BODY_FORM },
        { "other", SG_BODY_OTHER }, { "all", SG_BODY_FIELDS | SG_BODY_FORM | SG_BODY_OTHER },
        { NULL, 0 }
    };
    int bits = 0, i;
    const char *word;

    if (!*args) return "SpamGearUploadBodies: want files, fields, form, other or all";
    while (*(word = ap_getword_conf(cmd->temp_pool, &args))) {
        for (i = 0; kinds[i].name && strcasecmp(word, kinds[i].name); i++) continue;
        if (!kinds[i].name) {
            return apr_psprintf(cmd->pool, "SpamGearUploadBodies: want files, fields, form, "
                                "other or all (%s)", word);
        }
        bits |= kinds[i].bits;
    }
    mark_htaccess(cmd, dirconf);  /* from a .htaccess, kinds are added, never removed */
    ((sg_dir_conf_t *)dirconf)->upload_bodies = bits;
    return NULL;
}

static sg_server_conf_t *main_conf(cmd_parms *cmd, const char **err)
{
    *err = ap_check_cmd_context(cmd, GLOBAL_ONLY);
    return ap_get_module_config(cmd->server->module_config, &spamgear_module);
}

static const char *sg_config_set_signatures(cmd_parms *cmd, void *dummy, const char *dir)
{
    const char *err;
    sg_server_conf_t *conf = main_conf(cmd, &err);
    sg_sigset_t *set;
    sg_yara_t *yara;
    sg_result_t res = { APR_SUCCESS, NULL };
    int n = 0;

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    /* Compiled here too so that a broken file stops the config test (httpd
     * -t runs no post_config) with its file:line, before a restart. */
    set = sg_sigset_create(cmd->temp_pool);
    dir = ap_server_root_relative(cmd->pool, dir);
    if (sg_sigset_load_dir(set, dir, &n, &res) != APR_SUCCESS
        || sg_sigset_compile(set, &res) != APR_SUCCESS
        || sg_yara_load(&yara, dir, NULL, cmd->temp_pool, &res) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SpamGearSignatures: %s", res.problem);
    }
    conf->signatures = dir;
    return NULL;
}

/* SpamGearYaraRules [NAMESPACE:]PATH...: each compiled here (httpd -t runs
 * no post_config) so that a rule that does not compile stops the config
 * test with its FILE:LINE; post_config compiles them all again, together. */
static const char *sg_config_add_yara_rules(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err, *ns, *path;
    sg_server_conf_t *conf = main_conf(cmd, &err);
    apr_array_header_t *one = apr_array_make(cmd->temp_pool, 1, sizeof(const char *));
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_yara_t *yara;

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    /* the path from ServerRoot when relative, the namespace kept */
    path = ap_server_root_relative(cmd->temp_pool, sg_yara_split_namespace(arg, &ns, cmd->temp_pool));
    arg = ns ? apr_pstrcat(cmd->pool, ns, ":", path, NULL) : apr_pstrdup(cmd->pool, path);
    APR_ARRAY_PUSH(one, const char *) = arg;
    if (sg_yara_load(&yara, NULL, one, cmd->temp_pool, &res) != APR_SUCCESS) {
        return apr_psprintf(cmd->pool, "SpamGearYaraRules: %s", res.problem);
    }
    if (!conf->yara_rules) conf->yara_rules = apr_array_make(cmd->pool, 2, sizeof(const char *));
    APR_ARRAY_PUSH(conf->yara_rules, const char *) = arg;
    return NULL;
}

static const char *sg_config_set_clamav(cmd_parms *cmd, void *dummy, const char *args)
{
    const char *err, *mode = ap_getword_conf(cmd->temp_pool, &args);
    const char *arg = ap_getword_conf(cmd->temp_pool, &args);
    sg_server_conf_t *conf = main_conf(cmd, &err);

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    if (*args) {
        return "SpamGearClamAV: too many arguments";
    }
    if (!strcasecmp(mode, "Off") && !*arg) {
        conf->clamav = "off";
    }
    else if (!strcasecmp(mode, "Engine")) {
        conf->clamav = *arg ? apr_pstrcat(cmd->pool, "engine ", arg, NULL) : "engine";
    }
    else if (!strcasecmp(mode, "Socket") && *arg == '/') {
        conf->clamav = apr_pstrcat(cmd->pool, "socket ", arg, NULL);
    }
    else if (!strcasecmp(mode, "Tcp") && strchr(arg, ':')) {
        conf->clamav = apr_pstrcat(cmd->pool, "tcp ", arg, NULL);
    }
    else {
        return apr_psprintf(cmd->pool, "SpamGearClamAV: want Off, Engine [DBDIR], Socket "
                            "/PATH or Tcp HOST:PORT (%s %s)", mode, arg);
    }
    return NULL;
}

static const char *sg_config_set_spool_dir(cmd_parms *cmd, void *dummy, const char *dir)
{
    const char *err;
    sg_server_conf_t *conf = main_conf(cmd, &err);
    apr_finfo_t fi;

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    dir = ap_server_root_relative(cmd->pool, dir);
    if (apr_stat(&fi, dir, APR_FINFO_TYPE, cmd->temp_pool) != APR_SUCCESS
        || fi.filetype != APR_DIR) {
        return apr_psprintf(cmd->pool, "SpamGearSpoolDir: not a directory (%s)", dir);
    }
    conf->spool_dir = dir;
    return NULL;
}

/* The file spamgear watch rewrites every second; the status page shows it. */
static const char *sg_config_set_watch_status(cmd_parms *cmd, void *dummy, const char *file)
{
    const char *err;
    sg_server_conf_t *conf = main_conf(cmd, &err);

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    conf->watch_status = ap_server_root_relative(cmd->pool, file);
    return NULL;
}

/* One quota for every child and virtual host: main server only. */
static const char *sg_config_set_spool_quota(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_server_conf_t *conf = main_conf(cmd, &err);
    apr_int64_t v = 0;

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    if (sg_parse_size(arg, &v) != APR_SUCCESS || v < SG_SPOOL_QUOTA_MIN || v > APR_INT64_C(1) << 40) {
        return apr_psprintf(cmd->pool, "SpamGearSpoolQuota: want a size from 1M to 1T, "
                            "e.g. 512M (%s)", arg);
    }
    conf->spool_quota = (apr_off_t)v;
    return NULL;
}

/* Not checked for existence: the CLI or the first refused upload creates it. */
static const char *sg_config_set_quarantine_dir(cmd_parms *cmd, void *dummy, const char *dir)
{
    const char *err;
    sg_server_conf_t *conf = main_conf(cmd, &err);

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    if (*dir != '/') {
        return apr_psprintf(cmd->pool, "SpamGearQuarantineDir: want an absolute path (%s)", dir);
    }
    conf->quarantine_dir = dir;
    return NULL;
}

static const char *sg_config_set_scan_budget(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_server_conf_t *conf = main_conf(cmd, &err);
    apr_interval_time_t t;

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    if (sg_parse_interval(arg, &t) != APR_SUCCESS || t > apr_time_from_sec(3600)) {
        return apr_psprintf(cmd->pool, "SpamGearScanBudget: want a CPU time up to 1h, e.g. "
                            "1s, 250ms or 50us (0: no limit) (%s)", arg);
    }
    conf->scan_budget = t;
    return NULL;
}

static const char *sg_config_set_clamd_timeout(cmd_parms *cmd, void *dummy, const char *arg)
{
    const char *err;
    sg_server_conf_t *conf = main_conf(cmd, &err);
    char *end;
    long n;

    if (in_htaccess(cmd)) {
        return server_only(cmd);
    }
    if (err) {
        return err;
    }
    n = strtol(arg, &end, 10);
    if (end == arg || *end || n < 1 || n > 3600) {
        return apr_psprintf(cmd->pool, "SpamGearClamAVTimeout: want seconds, 1 to 3600 (%s)",
                            arg);
    }
    conf->clamd_timeout = (int)n;
    return NULL;
}

/* --------------------------------------------------------------- directive table */

/* Where a directive may stand.  Each carries OR_OPTIONS, so that under
 * AllowOverride Options a .htaccess line reaches its setter, which refuses
 * whatever would loosen protection (and every server-wide directive) with
 * the line number and the reason; the setters of server-wide directives also
 * refuse <Directory>, <Location> and <Files>, which OR_OPTIONS lets in. */
#define SG_SERVER_CONF (RSRC_CONF | OR_OPTIONS)
#define SG_DIR_CONF (RSRC_CONF | ACCESS_CONF | OR_OPTIONS)

const command_rec sg_config_cmds[] = {
    AP_INIT_FLAG("SpamGearNoExec", sg_config_set_noexec, NULL, ACCESS_CONF | OR_OPTIONS,
                 "On: nothing in this directory may run as a script; Off: exempt it "
                 "from the SpamGearNoExecMatch rules"),
    AP_INIT_ITERATE("SpamGearNoExecMatch", sg_config_set_noexec_match, NULL, SG_SERVER_CONF,
                    "PCRE2 patterns (caseless) for paths below the document root where "
                    "scripts must not run; replaces the built-in list"),
    AP_INIT_ITERATE("SpamGearNoExecHandler", sg_config_set_noexec_handler, NULL, SG_SERVER_CONF,
                    "handler-name globs that run scripts, added to the built-in list"),
    AP_INIT_FLAG("SpamGearLogin", sg_config_set_login, NULL, SG_SERVER_CONF,
                 "On (default): count failed logins and refuse banned clients"),
    AP_INIT_ITERATE("SpamGearLoginMatch", sg_config_set_login_match, NULL, SG_DIR_CONF,
                    "PCRE2 patterns (caseless) for login URIs; replaces the built-in list "
                    "(in a directory context or .htaccess: added to it)"),
    AP_INIT_ITERATE("SpamGearLoginSuccess", sg_config_set_login_success, NULL, SG_SERVER_CONF,
                    "statuses that mean a login worked (default 301 302 303); "
                    "xmlrpc:CODE for xmlrpc.php only"),
    AP_INIT_TAKE2("SpamGearLoginLimit", sg_config_set_login_limit, NULL, SG_SERVER_CONF,
                  "COUNT SECONDS: ban after COUNT failed logins within SECONDS (8 600)"),
    AP_INIT_TAKE12("SpamGearBanTime", sg_config_set_ban_time, NULL, SG_SERVER_CONF,
                   "SECONDS [GROWTH]: ban length (1200), times GROWTH for each repeat ban"),
    AP_INIT_TAKE1("SpamGearBanScope", sg_config_set_ban_scope, NULL, SG_SERVER_CONF,
                  "Server (default): a ban applies on this vhost; Global: on every vhost"),
    AP_INIT_ITERATE("SpamGearBanExempt", sg_config_set_ban_exempt, NULL, SG_SERVER_CONF,
                    "addresses and CIDR ranges that are never counted or banned"),
    AP_INIT_TAKE1("SpamGearBanStatus", sg_config_set_ban_status, NULL, SG_SERVER_CONF,
                  "403 (default) or 429: the status banned clients get"),
    AP_INIT_TAKE1("SpamGearBanIPv6Prefix", sg_config_set_ban_ipv6_prefix, NULL, SG_SERVER_CONF,
                  "IPv6 clients are counted per network of this many bits (64)"),
    AP_INIT_TAKE1("SpamGearLoginBodyLimit", sg_config_set_login_body_limit, NULL, SG_SERVER_CONF,
                  "bytes of an xmlrpc.php body read for system.multicall counting (65536)"),
    AP_INIT_TAKE1("SpamGearBanStore", sg_config_set_ban_store, NULL, SG_SERVER_CONF,
                  "shmcb (default), redis:HOST:PORT or memcache:HOST:PORT (socache providers)"),
    AP_INIT_FLAG("SpamGearUploadScan", sg_config_set_upload_scan, NULL, SG_DIR_CONF,
                 "On (default): scan uploaded files before the handler runs"),
    AP_INIT_TAKE1("SpamGearUploadMaxSize", sg_config_set_upload_max_size, NULL,
                  SG_DIR_CONF, "bytes of a request body scanned at most (67108864)"),
    AP_INIT_TAKE1("SpamGearUploadOversize", sg_config_set_upload_oversize, NULL,
                  SG_DIR_CONF,
                  "Deny (default, 413) or Allow (unscanned) bodies over SpamGearUploadMaxSize"),
    AP_INIT_TAKE1("SpamGearUploadOnError", sg_config_set_upload_on_error, NULL,
                  SG_DIR_CONF,
                  "Deny (default, 503) or Allow uploads the scanner could not check"),
    AP_INIT_ITERATE("SpamGearUploadDenyNames", sg_config_set_upload_deny_names, NULL,
                    SG_DIR_CONF, "PCRE2 patterns (caseless) for client file names "
                    "that are refused; replaces the built-in list (none: refuse no name)"),
    AP_INIT_FLAG("SpamGearUploadKeep", sg_config_set_upload_keep, NULL, SG_DIR_CONF,
                 "On: keep refused uploads in SpamGearQuarantineDir (default Off)"),
    AP_INIT_RAW_ARGS("SpamGearUploadBodies", sg_config_set_upload_bodies, NULL,
                     SG_DIR_CONF, "also scan multipart form fields, urlencoded "
                     "forms, other bodies: files (default), fields, form, other, all"),
    AP_INIT_TAKE1("SpamGearUploadMediaCode", sg_config_set_upload_media_code, NULL,
                  SG_DIR_CONF, "Refuse (default): images, audio, video and "
                  "documents with PHP code in them; Scan: let the scan's verdict decide"),
    AP_INIT_TAKE1("SpamGearUploadStatus", sg_config_set_upload_status, NULL,
                  SG_DIR_CONF, "status for infected uploads and denied names (403)"),
    AP_INIT_TAKE1("SpamGearSignatures", sg_config_set_signatures, NULL, SG_SERVER_CONF,
                  "directory of signature files loaded at startup (default: none)"),
    AP_INIT_ITERATE("SpamGearYaraRules", sg_config_add_yara_rules, NULL, SG_SERVER_CONF,
                    "YARA rule files or directories ([NAMESPACE:]PATH) matched besides the "
                    "signature directory's *.yar and *.yara (default: none)"),
    AP_INIT_RAW_ARGS("SpamGearClamAV", sg_config_set_clamav, NULL, SG_SERVER_CONF,
                     "Off (default), Engine [DBDIR], Socket /PATH or Tcp HOST:PORT"),
    AP_INIT_TAKE1("SpamGearScanBudget", sg_config_set_scan_budget, NULL, SG_SERVER_CONF,
                  "CPU time the scan of one uploaded file may take (default 1s; 0: no "
                  "limit); over it, SpamGearUploadOnError decides"),
    AP_INIT_TAKE1("SpamGearClamAVTimeout", sg_config_set_clamd_timeout, NULL, SG_SERVER_CONF,
                  "seconds clamd may take per connect, send or reply (default 10)"),
    AP_INIT_TAKE1("SpamGearQuarantineDir", sg_config_set_quarantine_dir, NULL, SG_SERVER_CONF,
                  "where SpamGearUploadKeep On keeps refused uploads (default "
                  SG_QUARANTINE_DEFAULT_DIR ", as the spamgear tool)"),
    AP_INIT_TAKE1("SpamGearWatchStatus", sg_config_set_watch_status, NULL, SG_SERVER_CONF,
                  "spamgear watch's status file, shown on the status page (default: "
                  "/var/lib/spamgear/watch.status)"),
    AP_INIT_TAKE1("SpamGearSpoolDir", sg_config_set_spool_dir, NULL, SG_SERVER_CONF,
                  "directory for upload bodies over the in-memory limit (default: temp dir)"),
    AP_INIT_TAKE1("SpamGearSpoolQuota", sg_config_set_spool_quota, NULL, SG_SERVER_CONF,
                  "bytes of spool files all children may hold together (default: a quarter "
                  "of the spool's file system, at most 1G); over it: 503"),
    { NULL }
};
