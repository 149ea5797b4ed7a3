#ifndef CMD_MAIL_H
#define CMD_MAIL_H
/* spamgear mail: what cmd_mail.c (reading, report) and cmd_mail_act.c
 * (disabling accounts) share. */
#include "sg_cli.h"
#include "sg_maillog.h"
#include "sg_input.h"

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
    apr_hash_t *why;           /* account -> why disabling it failed (for the alert) */
} mail_act_t;

/* Everything one run needs, from the options. */
typedef struct mail_run_t {
    sg_cli_t *cli;
    sg_mailsrc_t source;
    apr_array_header_t *logs;     /* const char * paths, "-" for stdin */
    const char *period_text;      /* as typed, for the report header */
    apr_int64_t period;           /* seconds */
    apr_time_t until;
    unsigned max;                 /* threshold for the kinds that use --max */
    int max_given;                /* --max was on the command line: it applies to all kinds */
    apr_hash_t *overrides;        /* account -> (unsigned *) threshold */
    int json, counts, all;
    int only[SG_MK_COUNT];        /* --only: report these kinds (all zero: every kind) */
    int only_given;
    sg_maillog_t *ml;
    apr_uint64_t bytes;           /* read, uncompressed */
    apr_uint64_t seeked;          /* of which passed over by the seek to the window */
    mail_act_t act;               /* --disable and its actions */
    const char *state_dir;        /* --state: incremental runs, or NULL */
    int read_all;                 /* --read-all: no seek to the window */
    int partial;                  /* a log was read only in part (truncated gzip): exit 2 */
    sg_logtime_t seek_time;       /* stamps of the seek's probes (not the analyser's) */
    char *sample;                 /* the first lines read (MAIL_SAMPLE_MAX bytes at most), */
    apr_size_t sample_len;        /* to tell another program's log from a quiet one */
} mail_run_t;

#define MAIL_SAMPLE_MAX 65536

/* Reads one log from IN->skip on into RUN's analyser; SG_EXIT_OK or an exit
 * code after saying why (cmd_mail.c). */
int mail_read_one_log(mail_run_t *run, const char *path, sg_input_t *in);

/* --state: reads the logs from where the last run stopped, with the lines it
 * kept, and saves where this one stopped (cmd_mail_state.c). */
int mail_state_read_logs(mail_run_t *run);


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
