/* mod_spamgear.c: module definition, hook registration and core logging. */
#include <httpd.h>
#include <apr_strings.h>
#include <http_config.h>
#include <http_log.h>
#include <http_request.h>
#include "mod_spamgear.h"
#include "sg_log.h"
#include "sg_version.h"


/* --------------------------------------------------------------- core logging */

static int sg_log_is_level_cb(void *baton, apr_pool_t *p, sg_log_level_t level)
{
    server_rec *s = baton;

    return APLOG_IS_LEVEL(s, (int)level);
}

static void sg_log_print_to_httpd(const char *file, int line, sg_log_level_t level,
                                  apr_status_t rv, void *baton, apr_pool_t *p,
                                  const char *fmt, va_list ap)
{
    char buffer[4096];

    apr_vsnprintf(buffer, sizeof(buffer), fmt, ap);
    ap_log_error(file, line, APLOG_MODULE_INDEX, (int)level, rv, (server_rec *)baton,
                 APLOGNO(53001) "spamgear: %s", buffer);
}

/* --------------------------------------------------------------- hooks */

static int sg_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                          server_rec *s)
{
    sg_log_set(sg_log_is_level_cb, sg_log_print_to_httpd, s);
    if (sg_config_finish(pconf, s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, APLOGNO(53003) "%s loaded",
                 sg_version_line(ptemp));
    return OK;
}

static void sg_register_hooks(apr_pool_t *p)
{
    /* After httpd and other modules loaded their config: the defaults are
     * completed once for every server. */
    ap_hook_post_config(sg_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* Last fixup: by then translation, mod_mime, SetHandler (core's fixup runs
     * REALLY_FIRST) and mod_rewrite have settled the file and the handler
     * that will run it, and nothing has run yet. */
    ap_hook_fixups(sg_noexec_fixups, NULL, NULL, APR_HOOK_LAST);
}

AP_DECLARE_MODULE(spamgear) = {
    STANDARD20_MODULE_STUFF,
    sg_config_create_dir,       /* per-directory config */
    sg_config_merge_dir,        /* merge per-directory */
    sg_config_create_server,    /* per-server config */
    sg_config_merge_server,     /* merge per-server */
    sg_config_cmds,             /* directive table */
    sg_register_hooks,          /* hooks */
#ifdef AP_MODULE_FLAG_NONE
    AP_MODULE_FLAG_NONE         /* flags */
#endif
};
