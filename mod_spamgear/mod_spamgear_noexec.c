/* mod_spamgear_noexec.c: refuse to run scripts from upload, cache and temp paths. */
#include <apr_strings.h>
#include <httpd.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <http_request.h>
#include "mod_spamgear.h"

APLOG_USE_MODULE(spamgear);

/* Set on a request while it looks up its own path info: the lookup's
 * fixups must not judge (or log) on their own, the parent does. */
#define PROBE_NOTE "spamgear-noexec-probe"

static void describe(request_rec *r, sg_noexec_request_t *req)
{
    const sg_dir_conf_t *dconf = ap_get_module_config(r->per_dir_config, &spamgear_module);

    req->filename = r->filename;
    req->path_info = r->path_info;
    req->handler = r->handler;
    req->content_type = r->content_type;
    req->docroot = ap_context_document_root(r);
    req->mode = dconf->noexec;
}

/* A script runner given a path in its path info (an Action wrapper called
 * directly: /cgi-bin/wrapper.cgi/uploads/shell.phx) runs PATH_TRANSLATED.
 * Look that path up as httpd would and judge it as if it were requested. */
static void judge_path_info(request_rec *r, const sg_server_conf_t *sconf,
                            sg_noexec_verdict_t *verdict)
{
    sg_noexec_request_t req;
    request_rec *rr;

    apr_table_setn(r->notes, PROBE_NOTE, "1");
    rr = ap_sub_req_lookup_uri(r->path_info, r, NULL);
    apr_table_unset(r->notes, PROBE_NOTE);
    if (rr->status == HTTP_OK && rr->finfo.filetype == APR_REG) {
        describe(rr, &req);
        sg_noexec_judge(sconf->noexec, &req, r->pool, verdict);
        if (verdict->refuse) {
            verdict->reason = apr_psprintf(r->pool, "path info hands it to %s (%s)",
                                           r->filename, verdict->reason);
        }
    }
    ap_destroy_sub_req(rr);
}

int sg_noexec_fixups(request_rec *r)
{
    const sg_server_conf_t *sconf = ap_get_module_config(r->server->module_config,
                                                         &spamgear_module);
    sg_noexec_request_t req;
    sg_noexec_verdict_t verdict;

    if (r->main && apr_table_get(r->main->notes, PROBE_NOTE)) {
        return DECLINED;
    }
    describe(r, &req);
    sg_noexec_judge(sconf->noexec, &req, r->pool, &verdict);
    if (!verdict.refuse && !r->main && r->path_info && r->path_info[0] == '/'
        && sg_noexec_handler_runs_code(sconf->noexec, r->handler, r->content_type)) {
        judge_path_info(r, sconf, &verdict);
    }
    if (!verdict.refuse) {
        return DECLINED;
    }
    ap_log_rerror(APLOG_MARK, APLOG_ERR, 0, r, APLOGNO(53010)
                  "spamgear: no-exec: refused to run %s for %s on vhost %s:%u: %s "
                  "(rule %s)", verdict.script, r->uri, r->server->server_hostname,
                  /* the server's own port: ap_get_server_port() would take the
                   * client's Host header when the vhost names none */
                  r->server->port ? r->server->port : r->connection->local_addr->port,
                  verdict.reason, verdict.rule);
    sg_stats_noexec_refused();
    return HTTP_FORBIDDEN;
}
