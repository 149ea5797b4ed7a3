#ifndef CMD_MAIL_H
#define CMD_MAIL_H
/* spamgear mail: what cmd_mail.c (reading, report) and cmd_mail_act.c
 * (disabling accounts) share. */
#include "sg_cli.h"
#include "sg_maillog.h"

/* What to do with accounts that cross --disable NETS,UNKNOWNS. */
typedef struct mail_act_t {
    int enabled;               /* --disable was given */
    unsigned max_nets;         /* act when an account has more networks than this... */
    unsigned max_unknowns;     /* ...and more addresses without reverse DNS than this */
    const char *action;        /* "lock", "postfix-map" or "command" */
    const char *map;           /* postfix-map: the access map file */
    const char *map_action;    /* postfix-map: REJECT, HOLD, "FILTER relay:[host]" */
    apr_int64_t expire;        /* postfix-map: seconds an entry lasts, 0 = for ever */
    const char *command;       /* command: program and arguments, the account appended */
    const char *alert_to;      /* alert mail recipient, "" for none */
    const char *sendmail;      /* sendmail-compatible program for alerts */
    const char *postmap;       /* postmap program */
    int dry_run;               /* say what would be done, do nothing */
    apr_hash_t *tags;          /* account -> "DISABLED", "WOULD DISABLE", "DISABLE FAILED" */
} mail_act_t;

/* Reads the --disable family of options into ACT; SG_EXIT_OK or an exit code
 * after saying what is wrong. */
int mail_act_setup(sg_cli_t *cli, mail_act_t *act);

/* Disables the accounts of LIST (sg_mailacct_t *, one KIND) that cross the
 * limits, tags them, mails an alert for each; returns SG_EXIT_OK, or
 * SG_EXIT_ERROR when an action failed (each failure said on stderr). */
int mail_act_run(sg_cli_t *cli, mail_act_t *act, sg_mailsrc_t source, sg_mailkind_t kind,
                 const apr_array_header_t *list);

/* Drops expired entries from the access map even when nobody is disabled. */
int mail_act_expire(sg_cli_t *cli, mail_act_t *act);

#endif /* CMD_MAIL_H */
