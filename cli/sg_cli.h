#ifndef SG_CLI_H
#define SG_CLI_H
/* spamgear tool: the command table and what every command gets. */
#include "sg_paths.h"
#include <stdio.h>
#include <apr_getopt.h>
#include <apr_tables.h>
#include "sg_conf.h"

/* Exit codes, stable and documented in spamgear(1). */
#define SG_EXIT_OK 0        /* done, nothing found */
#define SG_EXIT_FOUND 1     /* done, something found (infected file, spammer, listing) */
#define SG_EXIT_ERROR 2     /* usage, config or run-time error */
#define SG_EXIT_UNKNOWN 3   /* Nagios UNKNOWN: dnsbl's usage, config and check errors */

#define SG_DNSBL_DEFAULT_LISTS SG_CONF_DIR "/dnsbl.lists"

typedef struct sg_cli_t sg_cli_t;
typedef struct sg_cmd_t sg_cmd_t;

/* Rewrites a classic script's command line (*ARGV[0] is its name) into the
 * command's own arguments; returns SG_EXIT_OK, or an exit code after saying why. */
typedef int sg_entry_args_fn(sg_cli_t *cli, const char *name, int *argc,
                             const char *const **argv);

/* Runs a command on the arguments left after its options; returns an exit code. */
typedef int sg_cmd_fn(sg_cli_t *cli, int argc, const char *const *argv);

struct sg_cmd_t {
    const char *name;                    /* as typed after "spamgear" */
    const char *synopsis;                /* arguments, for usage lines */
    const char *summary;                 /* one line for "spamgear help" */
    const apr_getopt_option_t *options;  /* command options (common ones are added) */
    sg_cmd_fn *run;                      /* NULL: not available in this version yet */
    int error_exit;                      /* exit code of usage errors (Nagios plugins: 3) */
    const char *arguments;               /* NULL, or what the arguments may be, for --help */
};

struct sg_cli_t {
    apr_pool_t *pool;        /* lives for the whole run */
    const sg_cmd_t *cmd;     /* the command being run */
    const char *conf_path;   /* -c FILE, else the default path */
    int conf_explicit;       /* -c given: a missing file is an error */
    sg_conf_t *conf;         /* loaded by sg_cli_load_conf() */
    apr_table_t *opts;       /* command options seen, in order: long name -> argument
                              * ("" for flags); repeated options appear repeatedly */
    FILE *out;               /* stdout, results only */
};

/* All commands, NULL-terminated by name (cli/spamgear.c). */
extern const sg_cmd_t sg_cmds[];

/* Looks a command up by name; NULL when unknown. */
const sg_cmd_t *sg_cli_find_cmd(const char *name);

/* Prints "spamgear: MESSAGE" (one line) on stderr. */
void sg_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The text of the last sg_cli_error() message (without "spamgear: "), or "":
 * for outputs that carry the cause elsewhere (inspect's stdout line, which
 * is all ModSecurity logs). */
const char *sg_cli_last_error(void);

/* Reads the config file into CLI->conf; prints the problem and returns
 * SG_EXIT_ERROR when it is bad, SG_EXIT_OK otherwise. */
int sg_cli_load_conf(sg_cli_t *cli);

/* The argument of the last use of option NAME (long name), "" for a flag,
 * NULL when not given.  Repeatable options: walk cli->opts. */
const char *sg_cli_opt(const sg_cli_t *cli, const char *name);

/* The YARA rule sources of the yara-rules key, then of the --yara options
 * (check-config has none), as sg_yara_load() takes them; from cli->pool. */
apr_array_header_t *sg_cli_yara_sources(const sg_cli_t *cli);

/* The value of the option NAME as an absolute path (a relative one is taken
 * from the working directory, as the user typed it), or NULL when not given
 * or when the working directory cannot be read (said on stderr). */
const char *sg_cli_opt_path(const sg_cli_t *cli, const char *name);

/* The value of option OPT when given, checked against config key KEY's type
 * (a bad one is printed as "COMMAND: --OPT VALUE: problem; try ..." and sets
 * *BAD); else KEY's value in cli->conf (loaded first). */
const char *sg_cli_setting(sg_cli_t *cli, const char *opt, const char *key, int *bad);

/* Prints PATH to FP with control bytes as \xNN, so a name cannot forge lines. */
void sg_cli_put_path(FILE *fp, const char *path);

/* Prints a command's usage and options to FP. */
void sg_cli_print_usage(FILE *fp, const sg_cmd_t *cmd);

/* Command handlers (cli/cmd_*.c). */
int sg_cmd_help(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_version(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_mail(sg_cli_t *cli, int argc, const char *const *argv);
int sg_mail_classic_args(sg_cli_t *cli, const char *name, int *argc,
                         const char *const **argv);
int sg_cmd_check_config(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_dnsbl(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_ps(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_audit(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_emergency_mail(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_update(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_sites(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_ban(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_scan(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_quarantine(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_whitelist(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_inspect(sg_cli_t *cli, int argc, const char *const *argv);
int sg_cmd_watch(sg_cli_t *cli, int argc, const char *const *argv);
int sg_scan_classic_args(sg_cli_t *cli, const char *name, int *argc,
                         const char *const **argv);

#endif /* SG_CLI_H */
