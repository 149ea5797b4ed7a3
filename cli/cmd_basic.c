/* cmd_basic.c: help, version and check-config. */
#include <string.h>
#include <apr_file_info.h>
#include <apr_strings.h>
#include "sg_cli.h"
#include "sg_log.h"
#include "sg_version.h"
#include "sg_yara.h"

int sg_cmd_help(sg_cli_t *cli, int argc, const char *const *argv)
{
    const sg_cmd_t *cmd;

    if (argc > 1) {
        sg_cli_error("help: takes at most one COMMAND; try 'spamgear help --help'");
        return SG_EXIT_ERROR;
    }
    if (argc == 1) {
        cmd = sg_cli_find_cmd(argv[0]);
        if (!cmd) {
            sg_cli_error("help: unknown command '%s'; try 'spamgear help'", argv[0]);
            return SG_EXIT_ERROR;
        }
        sg_cli_print_usage(stdout, cmd);
        return SG_EXIT_OK;
    }
    printf("usage: spamgear [-c FILE] COMMAND [options] [args]\n\n"
           "Finds and stops spam senders on shared web and mail hosting.\n\ncommands:\n");
    for (cmd = sg_cmds; cmd->name; cmd++) {
        printf("  %-15s %s%s\n", cmd->name, cmd->summary, cmd->run ? "" : " (not available yet)");
    }
    printf("\n'spamgear COMMAND --help' shows a command's options; man spamgear(1) has more.\n"
           "exit status: 0 done/nothing found, 1 something found, 2 error\n");
    return SG_EXIT_OK;
}

int sg_cmd_version(sg_cli_t *cli, int argc, const char *const *argv)
{
    if (argc > 0) {
        sg_cli_error("version: takes no arguments; try 'spamgear version --help'");
        return SG_EXIT_ERROR;
    }
    printf("%s\n", sg_version_line(cli->pool, sg_yara_version_words()));
    return SG_EXIT_OK;
}

static void dump_conf(const sg_conf_t *conf)
{
    const sg_conf_key_t *key;
    const apr_array_header_t *all;
    int i;

    for (key = sg_conf_keys; key->name; key++) {
        int line = sg_conf_line(conf, key->name);
        if (key->repeatable && (all = sg_conf_get_all(conf, key->name))) {
            for (i = 0; i < all->nelts; i++) {
                const sg_conf_entry_t *e = &APR_ARRAY_IDX(all, i, sg_conf_entry_t);
                printf("%-14s %s  # %s:%d\n", key->name, e->value, conf->path, e->line);
            }
        }
        else if (line) {
            printf("%-14s %s  # %s:%d\n", key->name, sg_conf_get(conf, key->name), conf->path,
                   line);
        }
        else {
            printf("%-14s %s  # default\n", key->name, key->fallback ? key->fallback : "(unset)");
        }
    }
}

/* Compiles the YARA rules the config names (yara-rules, and the signature
 * directory's *.yar and *.yara when it exists), as scan would: a rule file
 * that does not compile is the config's problem too.  *Y: NULL when none. */
static int check_yara(sg_cli_t *cli, sg_yara_t **y)
{
    apr_array_header_t *sources = sg_cli_yara_sources(cli);
    const char *sigdir = sg_conf_get(cli->conf, "signatures");
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_finfo_t fi;

    if (sigdir && apr_stat(&fi, sigdir, APR_FINFO_TYPE, cli->pool) != APR_SUCCESS) sigdir = NULL;
    if (sg_yara_load(y, sigdir, sources, cli->pool, &res) != APR_SUCCESS) {
        sg_cli_error("check-config: %s", res.problem);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

int sg_cmd_check_config(sg_cli_t *cli, int argc, const char *const *argv)
{
    sg_yara_t *y = NULL;
    int rc;

    if (argc > 0) {
        sg_cli_error("check-config: takes no arguments; try 'spamgear check-config --help'");
        return SG_EXIT_ERROR;
    }
    rc = sg_cli_load_conf(cli);
    if (rc != SG_EXIT_OK) {
        return rc;
    }
    if ((rc = check_yara(cli, &y)) != SG_EXIT_OK) {
        return rc;
    }
    if (sg_cli_opt(cli, "dump")) {
        dump_conf(cli->conf);
    }
    else if (cli->conf->path) {
        unsigned n = apr_hash_count(cli->conf->values);
        printf("%s: OK (%u key%s set", cli->conf->path, n, n == 1 ? "" : "s");
        if (y) {
            printf("; %d YARA rule%s from %d file%s", sg_yara_rule_count(y),
                   sg_yara_rule_count(y) == 1 ? "" : "s", sg_yara_file_count(y),
                   sg_yara_file_count(y) == 1 ? "" : "s");
        }
        printf(")\n");
    }
    else {
        printf("%s: not found, built-in defaults in use: OK\n", cli->conf_path);
    }
    return SG_EXIT_OK;
}
