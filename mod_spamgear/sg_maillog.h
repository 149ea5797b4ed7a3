#ifndef SG_MAILLOG_H
#define SG_MAILLOG_H
/*
 * Mail-log analysis: one pass over Postfix, Exim, Roundcube, Horde IMP, PHP
 * mail.log and sendmail-wrapper logs, counting per account what spammers
 * with stolen credentials or compromised scripts leave behind.
 *
 * The host feeds buffers of whole lines (sg_maillog_feed); every source
 * declares the literal needles its lines must contain, and the scanner jumps
 * from needle to needle with memmem() instead of looking at every line, which
 * is what makes a 170 MB log take a fraction of a second.  Only lines holding
 * a needle are parsed; their timestamps decide whether they fall in the window
 * (until - period, until].
 */
#include <apr_pools.h>
#include <apr_hash.h>
#include <apr_time.h>
#include "sg_logtime.h"

#define SG_MAILLOG_MAX_LINE 65536      /* longer lines are skipped, not parsed */
#define SG_MAILLOG_MAX_FIELD 512       /* longest account, address or host kept */
#define SG_MAILLOG_MAX_SET 100000      /* distinct values kept per account and set */

typedef enum {
    SG_MAILSRC_POSTFIX,
    SG_MAILSRC_EXIM,
    SG_MAILSRC_ROUNDCUBE,
    SG_MAILSRC_IMP,
    SG_MAILSRC_PHP,
    SG_MAILSRC_SENDMAIL_PHP,
    SG_MAILSRC_SENDMAIL2RELAY,
    SG_MAILSRC_COUNT
} sg_mailsrc_t;

/* What a counted line says; every kind is counted in its own table. */
typedef enum {
    SG_MK_SASL_SUBMIT,       /* postfix: authenticated submission, per sasl_username */
    SG_MK_SASL_FAIL_IP,      /* postfix: failed SASL login, per client address */
    SG_MK_SASL_FAIL_USER,    /* postfix: failed SASL login, per targeted user */
    SG_MK_PICKUP,            /* postfix: local submission (sendmail), per uid */
    SG_MK_EXIM_LOCAL,        /* exim: <= ... U=user P=local, per user */
    SG_MK_EXIM_AUTH,         /* exim: <= ... A=driver:id, per id */
    SG_MK_EXIM_HOST,         /* exim: <= ... H=... [ip], per sending address */
    SG_MK_EXIM_CWD,          /* exim: cwd=DIR (log_selector +arguments), per dir */
    SG_MK_WEBMAIL_SENT,      /* roundcube/imp: sent mail, per webmail user */
    SG_MK_WEBMAIL_LOGIN,     /* roundcube: successful logins, per user */
    SG_MK_WEBMAIL_FAIL,      /* roundcube: failed logins, per address */
    SG_MK_SCRIPT,            /* php/sendmail wrappers: mails, per script path */
    SG_MK_WRAPPER_USER,      /* sendmail wrappers: mails, per hosting user */
    SG_MK_COUNT
} sg_mailkind_t;

/* Static facts about a kind, for reports. */
typedef struct sg_mailkind_info_t {
    const char *name;        /* stable id for --json and --only, e.g. "sasl" */
    const char *what;        /* plural noun for report headers: "SMTP connections" */
    const char *who;         /* what an account is: "senders", "addresses", "scripts" */
    unsigned default_max;    /* report threshold when --max does not apply */
    int uses_max;            /* --max sets this kind's threshold */
} sg_mailkind_info_t;

extern const sg_mailkind_info_t sg_mailkind_info[SG_MK_COUNT];

/* One account's figures inside the window. */
typedef struct sg_mailacct_t {
    const char *name;          /* account, address, uid or script path */
    apr_uint64_t count;        /* matching lines in the window */
    apr_hash_t *ips;           /* distinct client addresses (canonical text) */
    apr_hash_t *nets;          /* distinct /24 (IPv4) and /48 (IPv6) networks */
    apr_hash_t *domains;       /* distinct reverse-DNS domains */
    apr_hash_t *unknown_ips;   /* distinct addresses without reverse DNS */
    apr_uint64_t webmail;      /* lines from the configured webmail addresses */
    apr_time_t first, last;    /* earliest and latest line time in the window */
    const char *first_line;    /* the earliest matching line, as logged */
    int sets_full;             /* a set hit SG_MAILLOG_MAX_SET: counts are lower bounds */
} sg_mailacct_t;

/* Lines the analyser could not use, by reason. */
typedef struct sg_mailskip_t {
    apr_uint64_t oversize;     /* longer than SG_MAILLOG_MAX_LINE */
    apr_uint64_t no_time;      /* matched a source but had no known timestamp */
    apr_uint64_t malformed;    /* matched a source but a field was broken */
    apr_uint64_t future;       /* stamped more than a day after --until */
} sg_mailskip_t;

typedef struct sg_maillog_t sg_maillog_t;

/* Creates an analyser for SOURCE counting the window (UNTIL - PERIOD, UNTIL];
 * everything it keeps is allocated from P. */
sg_maillog_t *sg_maillog_create(apr_pool_t *p, sg_mailsrc_t source, apr_time_t until,
                                apr_time_t period);

/* Counts lines from these client addresses as webmail (canonical text). */
apr_status_t sg_maillog_add_webmail(sg_maillog_t *ml, const char *ip);

/* Scans BUF[0..LEN), which must hold whole lines (the last one may lack its
 * newline only at the end of input). */
void sg_maillog_feed(sg_maillog_t *ml, const char *buf, apr_size_t len);

/* Receives every dated line that counted, or is newer than the window,
 * so an incremental run can feed it again next time (once per line). */
typedef void sg_maillog_keep_fn(void *baton, const char *line, apr_size_t len);

/* Installs KEEP (NULL: none). */
void sg_maillog_set_keep(sg_maillog_t *ml, sg_maillog_keep_fn *keep, void *baton);

/* Counts one line the host dropped for being longer than its buffer. */
void sg_maillog_skip_oversize(sg_maillog_t *ml);

/* The table of one kind: account name -> sg_mailacct_t *. */
apr_hash_t *sg_maillog_accounts(const sg_maillog_t *ml, sg_mailkind_t kind);

/* What was skipped so far, and how many lines matched a source at all. */
const sg_mailskip_t *sg_maillog_skipped(const sg_maillog_t *ml);
apr_uint64_t sg_maillog_matched(const sg_maillog_t *ml);

/* How many of the whole lines in BUF[0..LEN) each source recognises, whatever
 * their dates, into COUNTS (indexed by sg_mailsrc_t): tells a log of another
 * program (an Exim mainlog given as Postfix's) from a quiet one. */
void sg_mailsrc_count(const char *buf, apr_size_t len, apr_pool_t *p,
                      apr_uint64_t counts[SG_MAILSRC_COUNT]);

/* Parses a kind name ("sasl", "script", ...); -1 when unknown. */
int sg_mailkind_parse(const char *name, apr_size_t len);

/* Parses a source name ("postfix", "exim", ...); -1 when unknown. */
int sg_mailsrc_parse(const char *name);
const char *sg_mailsrc_name(sg_mailsrc_t source);

/* Canonical text of an IPv4/IPv6 address and its network (/24, /48) into
 * OUT/NET (each at least 64 bytes); APR_EINVAL when TEXT is no address. */
apr_status_t sg_mail_ip_canon(const char *text, apr_size_t len, char *out, char *net);

/* The registrable-looking domain of a host name ("dsl.example.net" for
 * "h16.dsl.example.net" is too specific: returns "example.net"), or NULL. */
const char *sg_mail_host_domain(apr_pool_t *p, const char *host, apr_size_t len);

#endif /* SG_MAILLOG_H */
