/*
 * cmd_ban.c: spamgear ban list|add|del, the shell side of mod_spamgear's
 * login bans when they live in a shared store (redis or memcached).  The
 * tool talks to the store directly (sg_kv) and reads and writes the same
 * records as the module (sg_ban).
 */
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "sg_cli.h"
#include "sg_ban.h"
#include "sg_kv.h"

#define DEFAULT_TIMEOUT 2        /* seconds per network step */
#define DEFAULT_BAN_TIME 1200    /* seconds, as SpamGearBanTime */
#define MAX_TIMEOUT 60

static int usage_error(sg_cli_t *cli, const char *what)
{
    sg_cli_error("%s; try 'spamgear ban --help'", what);
    return SG_EXIT_ERROR;
}

/* A whole number option in [MIN, MAX], else -1 (DEF when absent). */
static long number_opt(sg_cli_t *cli, const char *name, long def, long min, long max)
{
    const char *v = sg_cli_opt(cli, name);
    char *end;
    long n;

    if (!v) {
        return def;
    }
    n = strtol(v, &end, 10);
    return (!*v || *end || n < min || n > max) ? -1 : n;
}

/* ------------------------------------------------------------ list */

static void print_ban(sg_cli_t *cli, const sg_ban_rec_t *b, apr_int64_t now, int json, int first)
{
    apr_time_exp_t e;
    char when[32];
    apr_size_t n;

    if (json) {
        fprintf(cli->out, "%s{\"client\": \"%s\", \"scope\": \"%s\", \"count\": %d, \"ban\": %d, "
                "\"since\": %" APR_INT64_T_FMT ", \"until\": %" APR_INT64_T_FMT
                ", \"reason\": \"%s\"}", first ? "\n  " : ",\n  ",
                sg_json_escape(b->client, cli->pool), sg_json_escape(b->scope, cli->pool),
                b->count, b->nth, b->start, b->until, sg_json_escape(b->reason, cli->pool));
        return;
    }
    apr_time_exp_gmt(&e, apr_time_from_sec(b->until));
    apr_strftime(when, &n, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &e);
    fprintf(cli->out, "%s %s until %s (%" APR_INT64_T_FMT "s left) count %d ban %d: %s\n",
            b->client, strcmp(b->scope, SG_BAN_SCOPE_GLOBAL) ? b->scope : "global", when,
            b->until - now, b->count, b->nth, b->reason);
}

/* Reads every ban in the store into BANS (sg_ban_rec_t). */
static apr_status_t load_bans(sg_cli_t *cli, sg_kv_t *kv, apr_array_header_t *bans,
                              sg_result_t *res)
{
    apr_array_header_t *ids = apr_array_make(cli->pool, 64, sizeof(const char *));
    apr_int64_t now = apr_time_sec(apr_time_now());
    apr_status_t rv = sg_kv_list(kv, ids, res);
    int i;

    for (i = 0; rv == APR_SUCCESS && i < ids->nelts; i++) {
        sg_ban_rec_t rec, *ban;
        const char *id = APR_ARRAY_IDX(ids, i, const char *);
        if (sg_ban_key_decode(id, &rec, cli->pool) != APR_SUCCESS
            || rec.type != SG_BAN_REC_BAN) {
            continue;
        }
        /* The id names the client and scope; the lookup reads and checks the value. */
        rv = sg_ban_lookup(sg_kv_store(kv), rec.client, rec.scope, now, &ban, cli->pool);
        if (rv == APR_SUCCESS) {
            *(sg_ban_rec_t *)apr_array_push(bans) = *ban;
        }
        else if (rv == APR_NOTFOUND) {
            rv = APR_SUCCESS;   /* expired since the listing */
        }
        else {
            sg_result_set(res, cli->pool, rv, "cannot read %s", id);
        }
    }
    return rv;
}

static int ban_list(sg_cli_t *cli, sg_kv_t *kv, const char *client)
{
    apr_array_header_t *bans = apr_array_make(cli->pool, 16, sizeof(sg_ban_rec_t));
    apr_int64_t now = apr_time_sec(apr_time_now());
    sg_result_t res = { APR_SUCCESS, NULL };
    int json = sg_cli_opt(cli, "json") != NULL, i, shown = 0;

    if (load_bans(cli, kv, bans, &res) != APR_SUCCESS) {
        sg_cli_error("%s", res.problem);
        return SG_EXIT_ERROR;
    }
    if (json) {
        fputs("{\"bans\": [", cli->out);
    }
    for (i = 0; i < bans->nelts; i++) {
        const sg_ban_rec_t *b = &APR_ARRAY_IDX(bans, i, sg_ban_rec_t);
        if (!client || !strcmp(client, b->client)) {
            print_ban(cli, b, now, json, !shown++);
        }
    }
    if (json) {
        fputs(shown ? "\n]}\n" : "]}\n", cli->out);
    }
    return shown ? SG_EXIT_FOUND : SG_EXIT_OK;
}

/* ------------------------------------------------------------ add, del */

static int ban_add(sg_cli_t *cli, sg_kv_t *kv, const char *client, const char *scope)
{
    long seconds = number_opt(cli, "time", DEFAULT_BAN_TIME, 1, SG_BAN_MAX_SECONDS);
    const char *reason = sg_cli_opt(cli, "reason");
    sg_ban_rec_t ban;
    apr_status_t rv;

    if (seconds < 0) {
        return usage_error(cli, apr_psprintf(cli->pool, "--time wants 1 to %d seconds (%s)",
                                             SG_BAN_MAX_SECONDS, sg_cli_opt(cli, "time")));
    }
    memset(&ban, 0, sizeof(ban));
    ban.type = SG_BAN_REC_BAN;
    ban.client = client;
    ban.scope = scope;
    ban.start = apr_time_sec(apr_time_now());
    ban.until = ban.start + seconds;
    ban.nth = 1;
    ban.reason = reason ? reason : "banned with spamgear ban add";
    if ((rv = sg_ban_store_ban(sg_kv_store(kv), &ban, cli->pool)) != APR_SUCCESS) {
        sg_cli_error("cannot write the ban of %s to the store", client);
        return SG_EXIT_ERROR;
    }
    fprintf(cli->out, "banned %s (%s) for %lds\n", client,
            strcmp(scope, SG_BAN_SCOPE_GLOBAL) ? scope : "global", seconds);
    return SG_EXIT_OK;
}

/* Removes CLIENT's bans and counters in SCOPE, or in every scope when SCOPE is NULL. */
static int ban_del(sg_cli_t *cli, sg_kv_t *kv, const char *client, const char *scope)
{
    apr_array_header_t *bans = apr_array_make(cli->pool, 16, sizeof(sg_ban_rec_t));
    sg_result_t res = { APR_SUCCESS, NULL };
    int i, removed = 0;

    if (scope) {
        *(sg_ban_rec_t *)apr_array_push(bans) = (sg_ban_rec_t){ .client = client, .scope = scope };
    }
    else if (load_bans(cli, kv, bans, &res) != APR_SUCCESS) {
        sg_cli_error("%s", res.problem);
        return SG_EXIT_ERROR;
    }
    for (i = 0; i < bans->nelts; i++) {
        const sg_ban_rec_t *b = &APR_ARRAY_IDX(bans, i, sg_ban_rec_t);
        if (strcmp(b->client, client)) {
            continue;
        }
        if (sg_ban_remove(sg_kv_store(kv), b->client, b->scope, cli->pool) != APR_SUCCESS) {
            sg_cli_error("cannot remove the ban of %s from the store", client);
            return SG_EXIT_ERROR;
        }
        fprintf(cli->out, "unbanned %s (%s)\n", client,
                strcmp(b->scope, SG_BAN_SCOPE_GLOBAL) ? b->scope : "global");
        removed++;
    }
    if (!removed) {
        fprintf(cli->out, "%s was not banned\n", client);
    }
    return SG_EXIT_OK;
}

/* ------------------------------------------------------------ entry */

int sg_cmd_ban(sg_cli_t *cli, int argc, const char *const *argv)
{
    const char *store = sg_cli_opt(cli, "store"), *scope = sg_cli_opt(cli, "scope");
    const char *client = NULL;
    long timeout = number_opt(cli, "timeout", DEFAULT_TIMEOUT, 1, MAX_TIMEOUT);
    long prefix = number_opt(cli, "ipv6-prefix", 64, 16, 128);
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_kv_t *kv;
    int list;

    if (argc < 1 || (strcmp(argv[0], "list") && strcmp(argv[0], "add") && strcmp(argv[0], "del"))) {
        return usage_error(cli, "want list, add CLIENT or del CLIENT");
    }
    list = !strcmp(argv[0], "list");
    if (argc > 2 || (!list && argc != 2)) {
        return usage_error(cli, list ? "ban list takes at most one CLIENT"
                                     : apr_psprintf(cli->pool, "ban %s takes one CLIENT", argv[0]));
    }
    if (!store) {
        return usage_error(cli, "--store redis:HOST:PORT or memcache:HOST:PORT is required");
    }
    if (timeout < 0 || prefix < 0) {
        return usage_error(cli, timeout < 0 ? "--timeout wants 1 to 60 seconds"
                                            : "--ipv6-prefix wants 16 to 128 bits");
    }
    if (argc == 2 && !(client = sg_ban_client_parse(argv[1], (int)prefix, cli->pool))) {
        return usage_error(cli, apr_psprintf(cli->pool, "not an IP address or network: %s",
                                             argv[1]));
    }
    if (sg_kv_open(store, apr_time_from_sec(timeout), cli->pool, &kv, &res) != APR_SUCCESS) {
        sg_cli_error("%s", res.problem);
        return SG_EXIT_ERROR;
    }
    if (list) {
        return ban_list(cli, kv, client);
    }
    if (!strcmp(argv[0], "add")) {
        return ban_add(cli, kv, client, scope ? scope : SG_BAN_SCOPE_GLOBAL);
    }
    return ban_del(cli, kv, client, scope);
}
