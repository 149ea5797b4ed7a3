/* mod_spamgear_config.c: every directive, and config creation and merging. */
#include <httpd.h>
#include <apr_strings.h>
#include <http_log.h>
#include "mod_spamgear.h"

APLOG_USE_MODULE(spamgear);

/* --------------------------------------------------------------- create / merge */

void *sg_config_create_server(apr_pool_t *p, server_rec *s)
{
    sg_server_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->noexec = sg_noexec_rules_create(p);
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
    return conf;
}

void *sg_config_create_dir(apr_pool_t *p, char *dir)
{
    sg_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->noexec = SG_NOEXEC_UNSET;
    return conf;
}

void *sg_config_merge_dir(apr_pool_t *p, void *basev, void *addv)
{
    const sg_dir_conf_t *base = basev, *add = addv;
    sg_dir_conf_t *conf = apr_pcalloc(p, sizeof(*conf));

    conf->noexec = (add->noexec != SG_NOEXEC_UNSET) ? add->noexec : base->noexec;
    return conf;
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
    }
    return APR_SUCCESS;
}

/* --------------------------------------------------------------- setters */

static const char *sg_config_set_noexec(cmd_parms *cmd, void *dirconf, int on)
{
    sg_dir_conf_t *conf = dirconf;

    conf->noexec = on ? SG_NOEXEC_ON : SG_NOEXEC_OFF;
    return NULL;
}

static const char *sg_config_set_noexec_match(cmd_parms *cmd, void *dummy, const char *regex)
{
    sg_server_conf_t *conf = ap_get_module_config(cmd->server->module_config,
                                                  &spamgear_module);
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *err = ap_check_cmd_context(cmd, NOT_IN_DIR_CONTEXT);

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

/* --------------------------------------------------------------- directive table */

const command_rec sg_config_cmds[] = {
    AP_INIT_FLAG("SpamGearNoExec", sg_config_set_noexec, NULL, ACCESS_CONF,
                 "On: nothing in this directory may run as a script; Off: exempt it "
                 "from the SpamGearNoExecMatch rules"),
    AP_INIT_ITERATE("SpamGearNoExecMatch", sg_config_set_noexec_match, NULL, RSRC_CONF,
                    "PCRE2 patterns (caseless) for paths below the document root where "
                    "scripts must not run; replaces the built-in list"),
    AP_INIT_ITERATE("SpamGearNoExecHandler", sg_config_set_noexec_handler, NULL, RSRC_CONF,
                    "handler-name globs that run scripts, added to the built-in list"),
    { NULL }
};
