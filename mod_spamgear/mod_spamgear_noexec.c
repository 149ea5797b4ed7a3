/* mod_spamgear_noexec.c: refuse to run scripts from upload, cache and temp paths. */
#include <httpd.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include "mod_spamgear.h"

APLOG_USE_MODULE(spamgear);

int sg_noexec_fixups(request_rec *r)
{
    const sg_server_conf_t *sconf = ap_get_module_config(r->server->module_config,
                                                         &spamgear_module);
    const sg_dir_conf_t *dconf = ap_get_module_config(r->per_dir_config, &spamgear_module);
    sg_noexec_request_t req;
    sg_noexec_verdict_t verdict;

    req.filename = r->filename;
    req.path_info = r->path_info;
    req.handler = r->handler;
    req.content_type = r->content_type;
    req.docroot = ap_context_document_root(r);
    req.mode = dconf->noexec;
    sg_noexec_judge(sconf->noexec, &req, r->pool, &verdict);
    if (!verdict.refuse) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(53010)
                  "spamgear: no-exec: refused to run %s for %s on vhost %s:%u: %s "
                  "(rule %s)", verdict.script, r->uri, r->server->server_hostname,
                  r->server->port ? r->server->port : ap_get_server_port(r),
                  verdict.reason, verdict.rule);
    return HTTP_FORBIDDEN;
}
