/* mod_spamgear_status.c: SetHandler spamgear-status: bans, counters, customers'
 * .htaccess files, unban form. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_time.h>
#include <httpd.h>
#include <http_config.h>
#include <http_core.h>
#include <http_log.h>
#include <http_protocol.h>
#include <util_script.h>
#include "mod_spamgear.h"
#include "sg_ban.h"

APLOG_USE_MODULE(spamgear);

#define TOP_COUNTERS 20
#define FORM_FIELD_MAX 256

/* What the page shows, collected from the local store. */
typedef struct page_t {
    apr_array_header_t *bans;       /* sg_ban_rec_t */
    apr_array_header_t *counters;   /* sg_ban_rec_t */
    apr_array_header_t *htaccess;   /* sg_htaccess_note_t */
    apr_pool_t *pool;               /* the request's */
    apr_int64_t now;                /* epoch seconds */
    apr_off_t spool_used;           /* spool file bytes all children hold */
    apr_off_t spool_quota;          /* SpamGearSpoolQuota */
    const char *watch;              /* spamgear watch's status object, or NULL */
    int watch_running;              /* 1: the daemon is alive and wrote it lately */
} page_t;

/* BYTES as "12.3 MB" (MiB), for people. */
static const char *mb_text(apr_off_t bytes, apr_pool_t *p)
{
    return apr_psprintf(p, "%.1f MB", (double)bytes / (1024.0 * 1024.0));
}

static void collect(void *baton, const sg_ban_rec_t *rec)
{
    page_t *pg = baton;
    sg_ban_rec_t *copy;

    if (rec->type == SG_BAN_REC_HISTORY || (rec->type == SG_BAN_REC_BAN && rec->until <= pg->now)) {
        return;
    }
    copy = apr_array_push(rec->type == SG_BAN_REC_BAN ? pg->bans : pg->counters);
    *copy = *rec;
    copy->client = apr_pstrdup(pg->pool, rec->client);
    copy->scope = apr_pstrdup(pg->pool, rec->scope);
    copy->reason = rec->reason ? apr_pstrdup(pg->pool, rec->reason) : "";
}

static int by_count_desc(const void *a, const void *b)
{
    return ((const sg_ban_rec_t *)b)->count - ((const sg_ban_rec_t *)a)->count;
}

static int by_until(const void *a, const void *b)
{
    apr_int64_t d = ((const sg_ban_rec_t *)a)->until - ((const sg_ban_rec_t *)b)->until;

    return d < 0 ? -1 : d > 0;
}

#define WATCH_STATUS_MAX 2048                       /* bytes of the file read */
#define WATCH_STATUS_STALE 10                       /* seconds: older is not running */
#define WATCH_STATUS_DEFAULT SG_LOCALSTATEDIR "/lib/spamgear/watch.status"

/* A number field of spamgear watch's status object (flat, its own format). */
static apr_int64_t watch_number(const char *json, const char *key, apr_pool_t *p)
{
    const char *at = strstr(json, apr_pstrcat(p, "\"", key, "\":", NULL));

    return at ? apr_atoi64(at + strlen(key) + 3) : 0;
}

/* Reads spamgear watch's status file when there is one.  The object is put
 * in the page as it is, so it must be what watch writes: a flat object of
 * names, numbers and booleans; anything else is ignored. */
static void load_watch(request_rec *r, page_t *pg)
{
    const sg_server_conf_t *conf = ap_get_module_config(r->server->module_config,
                                                        &spamgear_module);
    const char *path = conf->watch_status ? conf->watch_status : WATCH_STATUS_DEFAULT;
    char buf[WATCH_STATUS_MAX + 1];
    apr_size_t len = WATCH_STATUS_MAX;
    apr_file_t *f;
    apr_int64_t pid;

    pg->watch = NULL;
    pg->watch_running = 0;
    if (apr_file_open(&f, path, APR_FOPEN_READ, 0, r->pool) != APR_SUCCESS) return;
    if (apr_file_read(f, buf, &len) != APR_SUCCESS) len = 0;
    apr_file_close(f);
    buf[len] = '\0';
    while (len > 0 && buf[len - 1] == '\n') buf[--len] = '\0';
    if (len < 2 || buf[0] != '{' || buf[len - 1] != '}'
        || strspn(buf, "{}\":,._-0123456789abcdefghijklmnopqrstuvwxyz") != len) {
        return;
    }
    pg->watch = apr_pstrdup(r->pool, buf);
    pid = watch_number(buf, "pid", r->pool);
    /* a daemon killed with SIGKILL left "running":true behind */
    pg->watch_running = strstr(buf, "\"running\":true") && pid > 0
                        && (kill((pid_t)pid, 0) == 0 || errno == EPERM)
                        && pg->now - watch_number(buf, "updated", r->pool) <= WATCH_STATUS_STALE;
}

static void load(request_rec *r, page_t *pg)
{
    pg->pool = r->pool;
    pg->now = apr_time_sec(apr_time_now());
    pg->bans = apr_array_make(r->pool, 16, sizeof(sg_ban_rec_t));
    pg->counters = apr_array_make(r->pool, 16, sizeof(sg_ban_rec_t));
    pg->htaccess = sg_stats_htaccess_list(r->pool);
    sg_upload_spool_info(&pg->spool_used, &pg->spool_quota);
    sg_ban_each_local(r, collect, pg);
    load_watch(r, pg);
    qsort(pg->bans->elts, (size_t)pg->bans->nelts, sizeof(sg_ban_rec_t), by_until);
    qsort(pg->counters->elts, (size_t)pg->counters->nelts, sizeof(sg_ban_rec_t), by_count_desc);
    if (pg->counters->nelts > TOP_COUNTERS) {
        pg->counters->nelts = TOP_COUNTERS;
    }
}

static const char *scope_name(const char *scope)
{
    return strcmp(scope, SG_BAN_SCOPE_GLOBAL) ? scope : "all vhosts";
}

static const char *utc(apr_int64_t t, apr_pool_t *p)
{
    apr_time_exp_t e;
    char buf[32];
    apr_size_t n;

    apr_time_exp_gmt(&e, apr_time_from_sec(t));
    apr_strftime(buf, &n, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &e);
    return apr_pstrdup(p, buf);
}

/* --------------------------------------------------------------- JSON */

static void put_json_rec(request_rec *r, const sg_ban_rec_t *b, int ban, int last)
{
    ap_rprintf(r, "    {\"client\": \"%s\", \"scope\": \"%s\", \"count\": %d, ",
               sg_json_escape(b->client, r->pool), sg_json_escape(b->scope, r->pool), b->count);
    if (ban) {
        ap_rprintf(r, "\"ban\": %d, \"since\": %" APR_INT64_T_FMT ", \"until\": %"
                   APR_INT64_T_FMT ", \"reason\": \"%s\"}%s\n", b->nth, b->start, b->until,
                   sg_json_escape(b->reason, r->pool), last ? "" : ",");
    }
    else {
        ap_rprintf(r, "\"window_start\": %" APR_INT64_T_FMT "}%s\n", b->start,
                   last ? "" : ",");
    }
}

static int send_json(request_rec *r, const page_t *pg, const sg_status_info_t *in)
{
    int i;
    const char *clamav, *yara, *sigs = sg_upload_engine_info(r->pool, &clamav, &yara);

    ap_set_content_type(r, "application/json");
    ap_rprintf(r, "{\n  \"now\": %" APR_INT64_T_FMT ",\n  \"store\": \"%s\",\n"
               "  \"store_up\": %s,\n  \"clamav\": \"%s\",\n  \"signatures\": \"%s\",\n"
               "  \"yara\": \"%s\",\n",
               pg->now, sg_json_escape(in->store, r->pool), in->store_up ? "true" : "false",
               sg_json_escape(clamav, r->pool), sg_json_escape(sigs, r->pool),
               sg_json_escape(yara, r->pool));
    ap_rprintf(r, "  \"spool\": {\"in_use\": %" APR_OFF_T_FMT ", \"quota\": %" APR_OFF_T_FMT
               "},\n", pg->spool_used, pg->spool_quota);
    ap_rprintf(r, "  \"since_start\": {\"noexec_refused\": %u, \"upload_scans\": %u, "
               "\"upload_blocks\": %u, \"logins_failed\": %u, \"bans_made\": %u, "
               "\"requests_refused\": %u},\n", in->noexec_refused, in->upload_scans,
               in->upload_blocks, in->logins_failed, in->bans_made, in->requests_refused);
    ap_rputs("  \"bans\": [\n", r);
    for (i = 0; i < pg->bans->nelts; i++) {
        put_json_rec(r, &APR_ARRAY_IDX(pg->bans, i, sg_ban_rec_t), 1, i == pg->bans->nelts - 1);
    }
    ap_rputs("  ],\n  \"counters\": [\n", r);
    for (i = 0; i < pg->counters->nelts; i++) {
        put_json_rec(r, &APR_ARRAY_IDX(pg->counters, i, sg_ban_rec_t), 0,
                     i == pg->counters->nelts - 1);
    }
    ap_rputs("  ],\n  \"htaccess\": [\n", r);
    for (i = 0; i < pg->htaccess->nelts; i++) {
        const sg_htaccess_note_t *h = &APR_ARRAY_IDX(pg->htaccess, i, sg_htaccess_note_t);
        ap_rprintf(r, "    {\"path\": \"%s\", \"read\": %u, \"refused\": %u}%s\n",
                   sg_json_escape(h->path, r->pool), h->read, h->refused,
                   i == pg->htaccess->nelts - 1 ? "" : ",");
    }
    ap_rputs("  ],\n", r);
    if (pg->watch) {
        ap_rprintf(r, "  \"watch\": {\"running\": %s, \"status\": %s}\n}\n",
                   pg->watch_running ? "true" : "false", pg->watch);
    }
    else {
        ap_rputs("  \"watch\": null\n}\n", r);
    }
    return OK;
}

/* watch --prevent's counters (watch_prevent.h), inside put_watch's list. */
static void put_prevention(request_rec *r, const page_t *pg)
{
    apr_pool_t *p = r->pool;

    if (!strstr(pg->watch, "\"prevent\":true")) {
        ap_rputs("<dt>Prevention</dt><dd>off</dd>", r);
        return;
    }
    ap_rprintf(r, "<dt>Prevention: opens held / of script files</dt><dd>%" APR_INT64_T_FMT
               " / %" APR_INT64_T_FMT "</dd>"
               "<dt>Opens denied / allowed on the time limit</dt><dd>%" APR_INT64_T_FMT " / %"
               APR_INT64_T_FMT "</dd>",
               watch_number(pg->watch, "perm_events", p),
               watch_number(pg->watch, "perm_checked", p), watch_number(pg->watch, "denied", p),
               watch_number(pg->watch, "allowed_on_timeout", p));
}

/* spamgear watch's counters, or why there are none. */
static void put_watch(request_rec *r, const page_t *pg)
{
    apr_pool_t *p = r->pool;

    ap_rputs("<h2>spamgear watch</h2>\n", r);
    if (!pg->watch) {
        ap_rputs("<p class=\"none\" id=\"watch\">no status: spamgear watch has not run "
                 "(SpamGearWatchStatus)</p>\n", r);
        return;
    }
    ap_rprintf(r, "<dl id=\"watch\"><dt>Daemon</dt><dd>%s (pid %" APR_INT64_T_FMT ")</dd>"
               "<dt>Events (folded)</dt><dd>%" APR_INT64_T_FMT " (%" APR_INT64_T_FMT ")</dd>"
               "<dt>Files scanned / vouched for by the verdict cache</dt><dd>%" APR_INT64_T_FMT
               " / %" APR_INT64_T_FMT "</dd>"
               "<dt>Malicious / suspicious</dt><dd>%" APR_INT64_T_FMT " / %" APR_INT64_T_FMT "</dd>"
               "<dt>Waiting / overflows</dt><dd>%" APR_INT64_T_FMT " / %" APR_INT64_T_FMT
               "</dd>",
               pg->watch_running ? "running" : "not running", watch_number(pg->watch, "pid", p),
               watch_number(pg->watch, "events", p), watch_number(pg->watch, "coalesced", p),
               watch_number(pg->watch, "scanned", p), watch_number(pg->watch, "cache_hits", p),
               watch_number(pg->watch, "malicious", p), watch_number(pg->watch, "suspicious", p),
               watch_number(pg->watch, "waiting", p), watch_number(pg->watch, "overflows", p));
    put_prevention(r, pg);
    ap_rputs("</dl>\n", r);
}

/* --------------------------------------------------------------- HTML */

static const char *const style =
    "body{font:15px/1.4 system-ui,sans-serif;margin:2em auto;max-width:60em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em}"
    "table{border-collapse:collapse;width:100%}"
    "th,td{text-align:left;padding:.3em .6em;border-bottom:1px solid #ddd}"
    "th{background:#f4f4f4}td.n{text-align:right}.none{color:#777}"
    "button{cursor:pointer}dl{display:grid;grid-template-columns:max-content auto;gap:.2em 1em}"
    "dt{font-weight:600}";

static void put_ban_row(request_rec *r, const sg_ban_rec_t *b, const page_t *pg,
                        const sg_status_info_t *in)
{
    ap_rprintf(r, "<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"n\">%d</td>"
               "<td>%s (%" APR_INT64_T_FMT "s left)</td><td>"
               "<form method=\"post\"><input type=\"hidden\" name=\"token\" value=\"%s\">"
               "<input type=\"hidden\" name=\"client\" value=\"%s\">"
               "<input type=\"hidden\" name=\"scope\" value=\"%s\">"
               "<button type=\"submit\" name=\"action\" value=\"unban\">unban</button>"
               "</form></td></tr>\n",
               sg_html_escape(b->client, r->pool), sg_html_escape(scope_name(b->scope), r->pool),
               sg_html_escape(b->reason, r->pool), b->count, utc(b->until, r->pool),
               b->until - pg->now, in->token, sg_html_escape(b->client, r->pool),
               sg_html_escape(b->scope, r->pool));
}

static void put_bans(request_rec *r, const page_t *pg, const sg_status_info_t *in)
{
    int i;

    ap_rputs("<h2>Bans</h2>\n", r);
    if (!pg->bans->nelts) {
        ap_rputs("<p class=\"none\">No client is banned.</p>\n", r);
        return;
    }
    ap_rputs("<table id=\"bans\"><tr><th>Client</th><th>Vhost</th><th>Reason</th>"
             "<th>Failed logins</th><th>Expires</th><th></th></tr>\n", r);
    for (i = 0; i < pg->bans->nelts; i++) {
        put_ban_row(r, &APR_ARRAY_IDX(pg->bans, i, sg_ban_rec_t), pg, in);
    }
    ap_rputs("</table>\n", r);
}

static void put_counters(request_rec *r, const page_t *pg)
{
    int i;

    ap_rputs("<h2>Top failed-login counters</h2>\n", r);
    if (!pg->counters->nelts) {
        ap_rputs("<p class=\"none\">No failed logins are being counted.</p>\n", r);
        return;
    }
    ap_rputs("<table id=\"counters\"><tr><th>Client</th><th>Vhost</th>"
             "<th>Failed logins</th><th>Counting since</th></tr>\n", r);
    for (i = 0; i < pg->counters->nelts; i++) {
        const sg_ban_rec_t *c = &APR_ARRAY_IDX(pg->counters, i, sg_ban_rec_t);
        ap_rprintf(r, "<tr><td>%s</td><td>%s</td><td class=\"n\">%d</td><td>%s</td></tr>\n",
                   sg_html_escape(c->client, r->pool),
                   sg_html_escape(scope_name(c->scope), r->pool), c->count,
                   utc(c->start, r->pool));
    }
    ap_rputs("</table>\n", r);
}

/* Customers' .htaccess files with spamgear lines (see README: spamgear in .htaccess). */
static void put_htaccess(request_rec *r, const page_t *pg)
{
    int i;

    ap_rputs("<h2>.htaccess files with spamgear lines</h2>\n", r);
    if (pg->htaccess->nelts == 0) {
        ap_rputs("<p class=\"none\">None seen since start.</p>\n", r);
        return;
    }
    ap_rputs("<table id=\"htaccess\"><tr><th>File</th><th>Lines read</th>"
             "<th>Lines refused</th></tr>\n", r);
    for (i = 0; i < pg->htaccess->nelts; i++) {
        const sg_htaccess_note_t *h = &APR_ARRAY_IDX(pg->htaccess, i, sg_htaccess_note_t);
        ap_rprintf(r, "<tr><td>%s</td><td class=\"n\">%u</td><td class=\"n\">%u</td></tr>\n",
                   sg_html_escape(h->path, r->pool), h->read, h->refused);
    }
    ap_rputs("</table>\n", r);
}

static int send_html(request_rec *r, const page_t *pg, const sg_status_info_t *in)
{
    const char *clamav, *yara, *sigs = sg_upload_engine_info(r->pool, &clamav, &yara);

    ap_set_content_type(r, "text/html; charset=utf-8");
    ap_rprintf(r, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
               "<title>spamgear status</title><style>%s</style></head><body>\n"
               "<h1>spamgear status</h1>\n<dl>"
               "<dt>Ban store</dt><dd id=\"store\">%s (%s)</dd>"
               "<dt>ClamAV</dt><dd id=\"clamav\">%s</dd>"
               "<dt>Signatures</dt><dd id=\"signatures\">%s</dd>"
               "<dt>YARA rules</dt><dd id=\"yara\">%s</dd>"
               "<dt>Upload spool (files in use / quota)</dt><dd id=\"spool\">%s / %s</dd></dl>\n"
               "<h2>Since start</h2>\n<dl>"
               "<dt>No-exec refusals</dt><dd id=\"noexec\">%u</dd>"
               "<dt>Upload scans / blocks</dt><dd id=\"uploads\">%u / %u</dd>"
               "<dt>Failed logins counted</dt><dd id=\"failed\">%u</dd>"
               "<dt>Bans made</dt><dd id=\"bans-made\">%u</dd>"
               "<dt>Requests refused</dt><dd id=\"refused\">%u</dd></dl>\n",
               style, sg_html_escape(in->store, r->pool), in->store_up ? "up" : "down",
               sg_html_escape(clamav, r->pool), sg_html_escape(sigs, r->pool),
               sg_html_escape(yara, r->pool), mb_text(pg->spool_used, r->pool), mb_text(pg->spool_quota, r->pool),
               in->noexec_refused, in->upload_scans, in->upload_blocks, in->logins_failed, in->bans_made, in->requests_refused);
    put_bans(r, pg, in);
    put_counters(r, pg);
    put_htaccess(r, pg);
    put_watch(r, pg);
    ap_rprintf(r, "<p class=\"none\">%s</p>\n</body></html>\n", utc(pg->now, r->pool));
    return OK;
}

/* --------------------------------------------------------------- unban */

/* A browser sends Origin (or at least Referer) on a form POST: when it does,
 * it must name this very host, so another site cannot make an admin's
 * browser post the form. */
static int same_origin(request_rec *r)
{
    const char *origin = apr_table_get(r->headers_in, "Origin");
    const char *host = apr_table_get(r->headers_in, "Host");
    const char *slashes;

    if (!origin) {
        origin = apr_table_get(r->headers_in, "Referer");
    }
    if (!origin) {
        return 1;   /* the token alone decides (curl, scripts) */
    }
    if (!host || !(slashes = strstr(origin, "://"))) {
        return 0;
    }
    slashes += 3;
    return !strncasecmp(slashes, host, strlen(host))
        && (slashes[strlen(host)] == '\0' || slashes[strlen(host)] == '/');
}

static const char *form_value(request_rec *r, apr_array_header_t *pairs, const char *name)
{
    int i;

    for (i = 0; pairs && i < pairs->nelts; i++) {
        ap_form_pair_t *pair = &APR_ARRAY_IDX(pairs, i, ap_form_pair_t);
        if (!strcmp(pair->name, name)) {
            apr_off_t len;
            apr_size_t size;
            char *buf;
            apr_brigade_length(pair->value, 1, &len);
            if (len < 0 || len > FORM_FIELD_MAX) {
                return NULL;
            }
            size = (apr_size_t)len;
            buf = apr_palloc(r->pool, size + 1);
            apr_brigade_flatten(pair->value, buf, &size);
            buf[size] = '\0';
            return buf;
        }
    }
    return NULL;
}

static int unban(request_rec *r)
{
    apr_array_header_t *pairs = NULL;
    sg_status_info_t in;
    const char *token, *client, *scope;

    sg_ban_status_info(&in);
    if (ap_parse_form_data(r, NULL, &pairs, 8, 4096) != OK) {
        return HTTP_BAD_REQUEST;
    }
    token = form_value(r, pairs, "token");
    client = form_value(r, pairs, "client");
    scope = form_value(r, pairs, "scope");
    if (!token || strcmp(token, in.token) || !same_origin(r)) {
        ap_log_rerror(APLOG_MARK, APLOG_WARNING, 0, r, APLOGNO(53024)
                      "spamgear: status page: unban refused: %s",
                      same_origin(r) ? "missing or wrong token" : "cross-origin form");
        return HTTP_FORBIDDEN;
    }
    if (!client || !scope || !*scope || !(client = sg_ban_client_parse(client, 128, r->pool))) {
        return HTTP_BAD_REQUEST;
    }
    sg_ban_unban(r, client, scope);
    apr_table_setn(r->headers_out, "Location", ap_construct_url(r->pool, r->uri, r));
    return HTTP_SEE_OTHER;
}

int sg_status_handler(request_rec *r)
{
    page_t pg;
    sg_status_info_t in;

    if (!r->handler || strcmp(r->handler, "spamgear-status")) {
        return DECLINED;
    }
    r->allowed = (AP_METHOD_BIT << M_GET) | (AP_METHOD_BIT << M_POST);
    if (r->method_number == M_POST) {
        return unban(r);
    }
    if (r->method_number != M_GET) {
        return HTTP_METHOD_NOT_ALLOWED;
    }
    apr_table_setn(r->headers_out, "Cache-Control", "no-store");
    if (r->header_only) {
        return OK;
    }
    sg_ban_status_info(&in);
    load(r, &pg);
    if (r->args && !strncmp(r->args, "json", 4)) {
        return send_json(r, &pg, &in);
    }
    return send_html(r, &pg, &in);
}
