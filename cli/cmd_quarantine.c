/* cmd_quarantine.c: spamgear quarantine list|restore ID|purge. */
#include <string.h>
#include <apr_strings.h>
#include "sg_cli.h"
#include "sg_quarantine.h"
#include "sg_units.h"

static int usage(const char *what)
{
    sg_cli_error("quarantine: %s; try 'spamgear quarantine --help'", what);
    return SG_EXIT_ERROR;
}

static void print_record(FILE *fp, const sg_qrecord_t *r, apr_pool_t *p)
{
    char when[32];
    apr_size_t n;
    apr_time_exp_t tm;
    int i;

    apr_time_exp_gmt(&tm, apr_time_from_sec(r->time));
    apr_strftime(when, &n, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    fprintf(fp, "%s %s %s ", r->id, when, r->action);
    sg_cli_put_path(fp, apr_psprintf(p, "%s:%s %04o %" APR_INT64_T_FMT " ", r->owner, r->group,
                                     r->mode, r->size));
    /* A refused upload has no path: where it came from instead. */
    sg_cli_put_path(fp, r->path ? r->path
                                : apr_pstrcat(p, "upload://", r->vhost, r->uri, " client=",
                                              r->client, " part=", r->part, " file=",
                                              r->filename, NULL));
    for (i = 0; i < r->findings->nelts; i++) {
        const sg_qfinding_t *f = &APR_ARRAY_IDX(r->findings, i, sg_qfinding_t);
        fputs(" [", fp);
        sg_cli_put_path(fp, f->signature);
        if (f->member) {
            fputs(" in ", fp);
            sg_cli_put_path(fp, f->member);
        }
        fputc(']', fp);
    }
    fputc('\n', fp);
}

static int cmd_list(sg_cli_t *cli, const char *qdir)
{
    apr_array_header_t *recs;
    sg_result_t res = { APR_SUCCESS, NULL };
    int i, bad;

    if (sg_quarantine_list(qdir, &recs, &bad, cli->pool, &res) != APR_SUCCESS) {
        sg_cli_error("quarantine: %s", res.problem);
        return SG_EXIT_ERROR;
    }
    for (i = 0; i < recs->nelts; i++) {
        print_record(cli->out, APR_ARRAY_IDX(recs, i, sg_qrecord_t *), cli->pool);
    }
    if (bad) {
        sg_cli_error("quarantine: %s: %d records could not be read (see 'restore ID')", qdir, bad);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

static int cmd_restore(sg_cli_t *cli, const char *qdir, const char *id)
{
    sg_qrecord_t *r = NULL;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *to = sg_cli_opt(cli, "to");
    int force = sg_cli_opt(cli, "force") != NULL;
    apr_status_t rv;

    rv = to ? sg_quarantine_extract(qdir, id, to, force, &r, cli->pool, &res)
            : sg_quarantine_restore(qdir, id, force, &r, cli->pool, &res);
    if (rv != APR_SUCCESS) {
        fputs("spamgear: quarantine: ", stderr);
        sg_cli_put_path(stderr, res.problem);
        fputc('\n', stderr);
        return SG_EXIT_ERROR;
    }
    fprintf(cli->out, "%s %s ", id, to ? "copied to" : "restored to");
    sg_cli_put_path(cli->out, to ? to : r->path);
    fputc('\n', cli->out);
    return SG_EXIT_OK;
}

static int cmd_purge(sg_cli_t *cli, const char *qdir)
{
    const char *age = sg_cli_opt(cli, "older-than");
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_int64_t secs;
    int purged;

    if (!age) return usage("purge needs --older-than AGE");
    if (sg_parse_duration(age, &secs) != APR_SUCCESS) {
        return usage(apr_psprintf(cli->pool, "--older-than is not a duration: '%s'", age));
    }
    if (sg_quarantine_purge(qdir, apr_time_sec(apr_time_now()) - secs, &purged, cli->pool, &res)
        != APR_SUCCESS) {
        sg_cli_error("quarantine: %s", res.problem);
        return SG_EXIT_ERROR;
    }
    fprintf(cli->out, "%d purged\n", purged);
    return SG_EXIT_OK;
}

int sg_cmd_quarantine(sg_cli_t *cli, int argc, const char *const *argv)
{
    const char *qdir;
    int rc;

    if ((rc = sg_cli_load_conf(cli)) != SG_EXIT_OK) return rc;
    qdir = sg_cli_opt(cli, "dir") ? sg_cli_opt(cli, "dir") : sg_conf_get(cli->conf, "quarantine");
    if (argc == 1 && !strcmp(argv[0], "list")) return cmd_list(cli, qdir);
    if (argc == 2 && !strcmp(argv[0], "restore")) return cmd_restore(cli, qdir, argv[1]);
    if (argc == 1 && !strcmp(argv[0], "purge")) return cmd_purge(cli, qdir);
    if (argc == 0) return usage("needs list, restore ID or purge");
    if (!strcmp(argv[0], "restore")) return usage("restore needs one ID");
    return usage(apr_psprintf(cli->pool, "unknown action '%s' (list, restore ID, purge)",
                              argv[0]));
}
