/* mod_spamgear.c: module definition, hook registration and core logging. */
#include <httpd.h>
#include <apr_strings.h>
#include <http_config.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include "mod_spamgear.h"
#include "sg_log.h"
#include "sg_version.h"
#include "sg_yara.h"

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

static int sg_pre_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp)
{
    return sg_ban_pre_config(pconf) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static int sg_check_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                           server_rec *s)
{
    return sg_ban_check_config(ptemp, s) == APR_SUCCESS ? OK : HTTP_INTERNAL_SERVER_ERROR;
}

static int sg_post_config(apr_pool_t *pconf, apr_pool_t *plog, apr_pool_t *ptemp,
                          server_rec *s)
{
    sg_log_set(sg_log_is_level_cb, sg_log_print_to_httpd, s);
    if (sg_config_finish(pconf, s) != APR_SUCCESS
        || sg_ban_post_config(pconf, ptemp, s) != APR_SUCCESS
        || sg_upload_post_config(pconf, s) != APR_SUCCESS) {
        return HTTP_INTERNAL_SERVER_ERROR;
    }
    ap_log_error(APLOG_MARK, APLOG_INFO, 0, s, APLOGNO(53003) "%s loaded",
                 sg_version_line(ptemp, sg_yara_version_words()));
    return OK;
}

static void sg_child_init(apr_pool_t *p, server_rec *s)
{
    sg_ban_child_init(p, s);
    sg_upload_child_init(p, s);
}

static void sg_register_hooks(apr_pool_t *p)
{
    static const char *const after_remoteip[] = { "mod_remoteip.c", NULL };

    /* The ban mutex type must be known before the config is read (Mutex directive). */
    ap_hook_pre_config(sg_pre_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* After httpd and other modules loaded their config: the defaults are
     * completed once for every server. */
    /* What the start would refuse, configtest (-t) refuses too. */
    ap_hook_check_config(sg_check_config, NULL, NULL, APR_HOOK_MIDDLE);
    ap_hook_post_config(sg_post_config, NULL, NULL, APR_HOOK_MIDDLE);
    /* Last fixup: by then translation, mod_mime, SetHandler (core's fixup runs
     * REALLY_FIRST) and mod_rewrite have settled the file and the handler
     * that will run it, and nothing has run yet. */
    ap_hook_fixups(sg_noexec_fixups, NULL, NULL, APR_HOOK_LAST);
    /* A .htaccess whose spamgear settings would loosen what its directory
     * has (found only when merging) fails its requests first, as httpd
     * fails a .htaccess with a bad line. */
    ap_hook_fixups(sg_config_refusal_fixups, NULL, NULL, APR_HOOK_FIRST);
    /* Upload scanning, registered after the no-exec check (same order): the
     * body is read only for requests that will run, and only once the
     * handler is settled, just before it runs; the replay filter then
     * serves the spooled body to it. */
    ap_hook_fixups(sg_upload_fixups, NULL, NULL, APR_HOOK_LAST);
    sg_upload_register_filter();
    /* Children re-open the global mutex created in post_config. */
    ap_hook_child_init(sg_child_init, NULL, NULL, APR_HOOK_MIDDLE);
    /* Banned clients are refused as soon as the request is read: the vhost is
     * known, nothing has been mapped or run, and mod_remoteip (which must run
     * first) has set the real client address. */
    ap_hook_post_read_request(sg_ban_post_read_request, after_remoteip, NULL,
                              APR_HOOK_MIDDLE);
    /* A login POST reserves its attempt once httpd has mapped it to the script
     * that will run (path info, redirects), before that script runs: at most
     * SpamGearLoginLimit failed logins per window reach the application,
     * however many arrive at once. */
    ap_hook_fixups(sg_ban_fixups, NULL, NULL, APR_HOOK_MIDDLE);
    /* The xmlrpc.php body peek goes in before the handler reads the body. */
    ap_hook_insert_filter(sg_ban_insert_filter, NULL, NULL, APR_HOOK_MIDDLE);
    sg_ban_register_filter();
    /* Failed logins are counted once the response status is final. */
    ap_hook_log_transaction(sg_ban_log_transaction, NULL, NULL, APR_HOOK_MIDDLE);
    /* SetHandler spamgear-status. */
    ap_hook_handler(sg_status_handler, NULL, NULL, APR_HOOK_MIDDLE);
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
