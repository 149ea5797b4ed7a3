/* spamgear.c: the tool's entry point, command table and option parsing. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_info.h>
#include <apr_general.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_cli.h"
#include "sg_log.h"
#include "sg_path.h"
#include "sg_version.h"

#define SG_DEFAULT_CONF SG_CONF_DIR "/spamgear.conf"

/* Long-only options get codes above any char. */
enum {
    OPT_DUMP = 256,    /* check-config --dump */
    OPT_CONFIG,        /* --config, for commands that use -c for something else */
    OPT_SERVER,        /* dnsbl --server */
    OPT_JSON,          /* dnsbl --json */
    OPT_SMTP,          /* emergency-mail --smtp */
    OPT_QUEUE,         /* emergency-mail --queue */
    OPT_QUEUE_COMMAND, /* emergency-mail --queue-command */
    OPT_TIMEOUT,       /* emergency-mail and update --timeout */
    OPT_CACERT,        /* emergency-mail and update --cacert */
    OPT_SOURCE,        /* update --source */
    OPT_DIR,           /* update --dir */
    OPT_DRY_RUN,       /* update --dry-run */
    OPT_GRACEFUL,      /* update --graceful */
    OPT_UNTIL,         /* mail --until */
    OPT_OVERRIDES,     /* mail --overrides */
    OPT_COUNTS,        /* mail --counts */
    OPT_ALL,           /* mail --all */
    OPT_READ_ALL,      /* mail --read-all */
    OPT_ONLY,          /* mail --only */
    OPT_ACTION,        /* mail --action */
    OPT_MAP,           /* mail --map */
    OPT_MAP_ACTION,    /* mail --map-action */
    OPT_EXPIRE,        /* mail --expire */
    OPT_COMMAND,       /* mail --command */
    OPT_ALERT_TO,      /* mail --alert-to */
    OPT_SENDMAIL,      /* mail --sendmail */
    OPT_POSTMAP,       /* mail --postmap */
    OPT_STATE,         /* mail --state */
    OPT_UIDS,          /* ps --uids */
    OPT_USERS,         /* ps --users */
    OPT_ALLOW_EXE,     /* ps --allow-exe */
    OPT_PROC,          /* ps --proc */
    OPT_STORE,         /* ban --store */
    OPT_SCOPE,         /* ban --scope */
    OPT_TIME,          /* ban --time */
    OPT_REASON,        /* ban --reason */
    OPT_PREFIX,        /* ban --ipv6-prefix */
    OPT_EXCLUDE,       /* scan --exclude */
    OPT_SINCE,         /* scan --since */
    OPT_MAX_SIZE,      /* scan --max-size */
    OPT_SIGNATURES,    /* scan --signatures */
    OPT_CLAMAV,        /* scan --clamav */
    OPT_FILDES,        /* scan --fildes */
    OPT_CLAMD_TIMEOUT, /* scan --clamd-timeout */
    OPT_NO_DECODE,     /* scan --no-decode */
    OPT_BUDGET,        /* scan and inspect --budget */
    OPT_WHITELIST,     /* scan --whitelist */
    OPT_YARA,          /* scan --yara */
    OPT_QUARANTINE,    /* scan --quarantine[=DIR] */
    OPT_CLEAN,         /* scan --clean */
    OPT_NOTIFY_USER,   /* scan --notify-user[=PATTERN] */
    OPT_NOTIFY_TEMPLATE, /* scan --notify-template */
    OPT_NOTIFY_DOMAIN, /* scan --notify-domain */
    OPT_TIMING,        /* scan --timing */
    OPT_NO_CACHE,      /* scan --no-cache */
    OPT_LOG,           /* watch --log */
    OPT_STATUS,        /* watch --status */
    OPT_PREVENT,       /* watch --prevent */
    OPT_FORCE,         /* quarantine restore --force */
    OPT_OLDER_THAN,    /* quarantine purge --older-than */
    OPT_TO,            /* quarantine restore --to */
    OPT_FEED,          /* sites --feed */
    OPT_DEPTH,         /* sites --depth */
    OPT_NAGIOS,        /* audit --nagios */
    OPT_ROOT,          /* audit --root */
    OPT_APACHECTL      /* audit --apachectl */
};

/* Options whose argument is optional (--quarantine[=DIR]).  apr_getopt has
 * no such kind: they are flags to it, and "--NAME=VALUE" is split before
 * parsing (split_optional) with the value handed back in order. */
static const char *const optional_arg[][2] = {
    { "quarantine", "[=DIR]" }, { "notify-user", "[=PATTERN]" }, { NULL, NULL }
};

static const apr_getopt_option_t no_options[] = { { NULL, 0, 0, NULL } };

static const apr_getopt_option_t check_config_options[] = {
    { "dump", OPT_DUMP, 0, "print every key with its value and where it comes from" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t mail_options[] = {
    { "log", 'l', 1, "read this log (repeatable; .gz is inflated, - is stdin)" },
    { "period", 'p', 1, "count over this window, e.g. 30min, 1hour, 2d (default: mail-period)" },
    { "until", OPT_UNTIL, 1, "the window ends here: now, @UNIXTIME or YYYY-MM-DDTHH:MM:SS[Z]" },
    { "max", 'm', 1, "report senders with at least this many messages (default: mail-max)" },
    { "webmail", 'w', 1, "comma-separated webmail server addresses, counted apart" },
    { "overrides", OPT_OVERRIDES, 1, "file of 'ACCOUNT COUNT' lines: own thresholds" },
    { "json", OPT_JSON, 0, "print one JSON document instead of the report" },
    { "counts", OPT_COUNTS, 0, "script sources: print counts, not only paths" },
    { "all", OPT_ALL, 0, "report every account, under the thresholds too" },
    { "only", OPT_ONLY, 1, "report only these kinds (comma-separated, e.g. sasl,pickup)" },
    { "disable", 'd', 1, "disable SASL senders with more than NETS networks and UNKNOWNS "
      "unknown clients (NETS,UNKNOWNS)" },
    { "action", OPT_ACTION, 1, "how to disable: lock (usermod -L, default), postfix-map or command" },
    { "map", OPT_MAP, 1, "postfix-map: the access map (default /etc/postfix/spamgear_sasl_access)" },
    { "map-action", OPT_MAP_ACTION, 1, "postfix-map: REJECT (default), HOLD, 'FILTER relay:[host]'" },
    { "expire", OPT_EXPIRE, 1, "postfix-map: entries expire after this, e.g. 1d (default never)" },
    { "command", OPT_COMMAND, 1, "command: program and arguments; the account is added last" },
    { "alert-to", OPT_ALERT_TO, 1, "mail one alert per disabled account here (default root)" },
    { "sendmail", OPT_SENDMAIL, 1, "sendmail-compatible program for alerts (/usr/sbin/sendmail)" },
    { "postmap", OPT_POSTMAP, 1, "postmap program (default postmap on PATH)" },
    { "dry-run", OPT_DRY_RUN, 0, "say what --disable would do, change nothing" },
    { "state", OPT_STATE, 1, "incremental: keep in DIR where each log was left, read only "
      "what is new" },
    { "read-all", OPT_READ_ALL, 0, "read every line, not only from shortly before the window" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t scan_options[] = {
    { "null", '0', 0, "paths on stdin end with NUL, not newline (find -print0)" },
    { "one-file-system", 'x', 0, "do not descend into other file systems" },
    { "exclude", OPT_EXCLUDE, 1, "skip paths or names matching this glob (repeatable)" },
    { "since", OPT_SINCE, 1, "only files changed (mtime or ctime) in the last DAYS days" },
    { "max-size", OPT_MAX_SIZE, 1, "skip files larger than this (default: max-file-size)" },
    { "jobs", 'j', 1, "scan with N threads (default: the number of CPUs)" },
    { "json", OPT_JSON, 0, "print one JSON object per finding" },
    { "timing", OPT_TIMING, 0, "--json: add each file's CPU time (cpu_us), clean files too" },
    { "signatures", OPT_SIGNATURES, 1, "read rules from DIR (default: signatures)" },
    { "clamav", OPT_CLAMAV, 1, "off, 'engine [DBDIR]', 'socket PATH' or 'tcp HOST:PORT'" },
    { "fildes", OPT_FILDES, 0, "clamd socket: pass the open file (FILDES), not its bytes" },
    { "clamd-timeout", OPT_CLAMD_TIMEOUT, 1, "give up on one clamd request after this (60)" },
    { "no-decode", OPT_NO_DECODE, 0, "no text de-obfuscation of HTML and JavaScript (PHP is always analysed)" },
    { "budget", OPT_BUDGET, 1, "CPU time one file may take, e.g. 250ms (default: scan-budget)" },
    { "whitelist", OPT_WHITELIST, 1, "known-good SHA-256 list (default: whitelist)" },
    { "yara", OPT_YARA, 1, "also match the YARA rules of FILE or DIR ([NAMESPACE:]PATH; "
      "repeatable; adds to yara-rules)" },
    { "quarantine", OPT_QUARANTINE, 0, "move infected files to DIR (default: quarantine)" },
    { "clean", OPT_CLEAN, 0, "cut cleanable injections out, the original kept in quarantine" },
    { "notify-user", OPT_NOTIFY_USER, 0, "mail each account its infected files (account: "
      "PATTERN's group, else owner)" },
    { "notify-template", OPT_NOTIFY_TEMPLATE, 1, "the mail: ${EMAIL}, ${USERNAME}, ${SHELLS} "
      "(default: built in)" },
    { "notify-domain", OPT_NOTIFY_DOMAIN, 1, "mail ACCOUNT@DOMAIN (default: the local mailbox)" },
    { "sendmail", OPT_SENDMAIL, 1, "sendmail-compatible program (/usr/sbin/sendmail)" },
    { "no-cache", OPT_NO_CACHE, 0, "scan every file, also those the verdict cache "
      "(scan-cache) vouches for" },
    { "quiet", 'q', 0, "no progress line on a terminal, no summary at the end" },
    { NULL, 0, 0, NULL }
};

/* scan's options that make sense for a daemon, and its own. */
static const apr_getopt_option_t watch_options[] = {
    { "status", OPT_STATUS, 0, "print the running daemon's counters (exit 1: not running)" },
    { "prevent", OPT_PREVENT, 0, "also refuse opens of script files with a malicious verdict "
      "(default: watch-prevent)" },
    { "json", OPT_JSON, 0, "--status as JSON; else findings as JSON lines on stdout" },
    { "log", OPT_LOG, 1, "append findings to FILE as JSON lines (default: watch-log)" },
    { "quarantine", OPT_QUARANTINE, 0, "move infected files to DIR (default: quarantine)" },
    { "notify-user", OPT_NOTIFY_USER, 0, "mail each account its infected files every "
      "watch-notify-every (account: PATTERN's group, else owner)" },
    { "notify-template", OPT_NOTIFY_TEMPLATE, 1, "the mail: ${EMAIL}, ${USERNAME}, ${SHELLS} "
      "(default: built in)" },
    { "notify-domain", OPT_NOTIFY_DOMAIN, 1, "mail ACCOUNT@DOMAIN (default: the local mailbox)" },
    { "sendmail", OPT_SENDMAIL, 1, "sendmail-compatible program (/usr/sbin/sendmail)" },
    { "exclude", OPT_EXCLUDE, 1, "skip paths or names matching this glob (repeatable)" },
    { "max-size", OPT_MAX_SIZE, 1, "skip files larger than this (default: max-file-size)" },
    { "jobs", 'j', 1, "scan with N threads (default: the number of CPUs)" },
    { "signatures", OPT_SIGNATURES, 1, "read rules from DIR (default: signatures)" },
    { "clamav", OPT_CLAMAV, 1, "off, 'engine [DBDIR]', 'socket PATH' or 'tcp HOST:PORT'" },
    { "fildes", OPT_FILDES, 0, "clamd socket: pass the open file (FILDES), not its bytes" },
    { "clamd-timeout", OPT_CLAMD_TIMEOUT, 1, "give up on one clamd request after this (60)" },
    { "no-decode", OPT_NO_DECODE, 0, "no text de-obfuscation of HTML and JavaScript" },
    { "budget", OPT_BUDGET, 1, "CPU time one file may take, e.g. 250ms (default: scan-budget)" },
    { "whitelist", OPT_WHITELIST, 1, "known-good SHA-256 list (default: whitelist)" },
    { "yara", OPT_YARA, 1, "also match the YARA rules of FILE or DIR (repeatable)" },
    { "no-cache", OPT_NO_CACHE, 0, "scan every file, also those the verdict cache vouches for" },
    { "quiet", 'q', 0, "no summary when the daemon stops" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t inspect_options[] = {
    { "budget", OPT_BUDGET, 1, "CPU time the file may take, e.g. 250ms (default: scan-budget)" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t whitelist_options[] = {
    { "whitelist", OPT_WHITELIST, 1, "add to FILE (default: the whitelist key)" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t quarantine_options[] = {
    { "dir", OPT_DIR, 1, "the quarantine directory (default: quarantine)" },
    { "force", OPT_FORCE, 0, "restore: replace a file that exists at the path" },
    { "to", OPT_TO, 1, "restore: copy to PATH (yours, 0600), keep the entry" },
    { "older-than", OPT_OLDER_THAN, 1, "purge: entries quarantined more than AGE ago "
      "(e.g. 30d)" },
    { NULL, 0, 0, NULL }
};

/* Nagios conventions: -w/-c thresholds, -t timeout, -v details. */
static const apr_getopt_option_t dnsbl_options[] = {
    { "warning", 'w', 1, "WARNING when listed on at least N lists (default 1)" },
    { "critical", 'c', 1, "CRITICAL when listed on at least N lists (default 2)" },
    { "timeout", 't', 1, "give up after SECONDS for the whole check (default 10)" },
    { "lists", 'l', 1, "read the lists from FILE (default " SG_DNSBL_DEFAULT_LISTS ")" },
    { "server", OPT_SERVER, 1, "ask the DNS server HOST:PORT instead of resolv.conf's" },
    { "verbose", 'v', 0, "add one line per check after the status line" },
    { "json", OPT_JSON, 0, "print one JSON object instead of the status line" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t emergency_options[] = {
    { "smtp", OPT_SMTP, 1, "send through this server (emergency-smtp syntax; repeatable; "
      "replaces the config's)" },
    { "queue", OPT_QUEUE, 1, "auto, postfix (postqueue -j) or exim (exim -bpc)" },
    { "queue-command", OPT_QUEUE_COMMAND, 1,
      "run this (absolute path, no shell) to list the queue" },
    { "timeout", OPT_TIMEOUT, 1, "give up on the queue command or a server after this (30)" },
    { "cacert", OPT_CACERT, 1, "verify servers without cacert= against this CA file" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t ps_options[] = {
    { "uids", OPT_UIDS, 1, "check processes of these uids (N or FIRST-LAST, comma-separated, "
      "or none; replaces ps-uids)" },
    { "users", OPT_USERS, 1, "and of these users (comma-separated names, or none; "
      "replaces ps-users)" },
    { "allow-exe", OPT_ALLOW_EXE, 1, "never report programs matching these blank-separated "
      "path patterns (replaces ps-allow-exe)" },
    { "json", OPT_JSON, 0, "print a JSON array, one object per finding" },
    { "verbose", 'v', 0, "print a summary line (processes scanned, ...) on stderr" },
    { "proc", OPT_PROC, 1, "read DIR instead of /proc (for tests)" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t audit_options[] = {
    { "json", OPT_JSON, 0, "print one JSON document instead of one line per check" },
    { "nagios", OPT_NAGIOS, 0, "print one Nagios status line with perfdata (exit 0-3)" },
    { "root", OPT_ROOT, 1, "read the system's files below DIR instead of /; run no program" },
    { "only", OPT_ONLY, 1, "run these groups only: php, apache, mail, spamgear (comma-separated)" },
    { "apachectl", OPT_APACHECTL, 1, "run PROGRAM -S and -M (default /usr/sbin/apache2ctl)" },
    { "quiet", 'q', 0, "text output: print the WARN and FAIL lines only" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t update_options[] = {
    { "source", OPT_SOURCE, 1, "get signatures from this source (update-source syntax; "
      "repeatable; replaces the config's)" },
    { "dir", OPT_DIR, 1, "install into DIR instead of the signatures directory" },
    { "cacert", OPT_CACERT, 1, "verify servers without cacert= against this CA file" },
    { "timeout", OPT_TIMEOUT, 1, "give up on one download after this (update-timeout, 5min)" },
    { "dry-run", OPT_DRY_RUN, 0, "download and verify, print what would change, install nothing" },
    { "graceful", OPT_GRACEFUL, 0, "after installing, run update-graceful-command "
      "(apachectl graceful)" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t sites_options[] = {
    { "json", OPT_JSON, 0, "print one JSON document: accounts, sites, components, vulnerabilities" },
    { "feed", OPT_FEED, 1, "read vulnerabilities from this OSV or Wordfence JSON file "
      "(repeatable; replaces the signature directory's feeds)" },
    { "depth", OPT_DEPTH, 1, "look for installs at most N directories below a root (default 3)" },
    { "all", OPT_ALL, 0, "also list every plugin and theme, not only the vulnerable ones" },
    { "quiet", 'q', 0, "no summary line and no unreadable-directory notes on stderr" },
    { NULL, 0, 0, NULL }
};

static const apr_getopt_option_t ban_options[] = {
    { "store", OPT_STORE, 1, "the shared store: redis:HOST:PORT or memcache:HOST:PORT (required)" },
    { "scope", OPT_SCOPE, 1, "a vhost HOST:PORT, or * for all (add: default *; del: default every)" },
    { "time", OPT_TIME, 1, "add: ban for SECONDS (default 1200)" },
    { "reason", OPT_REASON, 1, "add: the reason shown in lists" },
    { "ipv6-prefix", OPT_PREFIX, 1, "count an IPv6 CLIENT as its network of BITS (default 64)" },
    { "timeout", OPT_TIMEOUT, 1, "give up on the store after SECONDS per step (default 2)" },
    { "json", OPT_JSON, 0, "list: print one JSON object" },
    { NULL, 0, 0, NULL }
};

/* Options every command takes. */
static const apr_getopt_option_t common_options[] = {
    { "config", 'c', 1, "read FILE instead of " SG_DEFAULT_CONF },
    { "help", 'h', 0, "show this help and exit" },
    { NULL, 0, 0, NULL }
};

const sg_cmd_t sg_cmds[] = {
    { "help", "[COMMAND]", "list commands, or show one command's help",
      no_options, sg_cmd_help, SG_EXIT_ERROR, NULL },
    { "version", "", "print spamgear's version and the ClamAV, PCRE2, APR and libyara versions",
      no_options, sg_cmd_version, SG_EXIT_ERROR, NULL },
    { "check-config", "[--dump]", "validate the config file; exit 2 naming FILE:LINE if bad",
      check_config_options, sg_cmd_check_config, SG_EXIT_ERROR, NULL },
    { "scan", "[options] [PATH...|-]", "scan files for web shells, backdoors and malware",
      scan_options, sg_cmd_scan, SG_EXIT_ERROR, NULL },
    { "watch", "[options] [PATH...]",
      "scan files as they are written or moved into the watched trees (fanotify)",
      watch_options, sg_cmd_watch, SG_EXIT_ERROR, NULL },
    { "inspect", "[--budget TIME] FILE", "scan one file for ModSecurity's @inspectFile",
      inspect_options, sg_cmd_inspect, SG_EXIT_ERROR, NULL },
    { "quarantine", "[options] list|restore [--to PATH] ID|purge --older-than AGE",
      "list, restore and purge quarantined files", quarantine_options, sg_cmd_quarantine,
      SG_EXIT_ERROR, NULL },
    { "whitelist", "[options] add DIR...", "record the sha256 of pristine files as known good",
      whitelist_options, sg_cmd_whitelist, SG_EXIT_ERROR, NULL },
    { "mail", "SOURCE [options] [LOG...|-]",
      "find accounts and scripts that send spam, from mail logs",
      mail_options, sg_cmd_mail, SG_EXIT_ERROR,
      "SOURCE: postfix (SASL submissions, auth failures, pickup), exim (SMTP auth,\n"
      "  local senders), roundcube (logins and sends), imp (Horde IMP), php (PHP's\n"
      "  mail.log), sendmail-php (the PHP sendmail wrapper's log), sendmail2relay\n"
      "  (scripts relayed through the local MTA)" },
    { "emergency-mail", "[options] [THRESHOLD]",
      "copy stdin to stdout and mail it out when the queue is full",
      emergency_options, sg_cmd_emergency_mail, SG_EXIT_ERROR, NULL },
    { "dnsbl", "[options] IP|HOST...", "check addresses against DNS blocklists (Nagios plugin)",
      dnsbl_options, sg_cmd_dnsbl, SG_EXIT_UNKNOWN, NULL },
    { "ban", "[options] list|add|del [CLIENT]",
      "list, add and remove login bans in a shared store (redis, memcached)",
      ban_options, sg_cmd_ban, SG_EXIT_ERROR, NULL },
    { "ps", "[options]", "list suspicious processes of web and hosting users",
      ps_options, sg_cmd_ps, SG_EXIT_ERROR, NULL },
    { "audit", "[options]",
      "check PHP, Apache, mail and spamgear's own hardening (PASS/WARN/FAIL, Nagios)",
      audit_options, sg_cmd_audit, SG_EXIT_ERROR,
      "One line per check: PASS, WARN or FAIL, the check id, what was checked, what\n"
      "  was found and the fix; the ids are in doc/cli.md.  Exit 0 when every check\n"
      "  PASSes, 1 on a WARN or FAIL; with --nagios: 0 OK, 1 WARNING, 2 CRITICAL,\n"
      "  3 UNKNOWN." },
    { "update", "[options]", "download, verify and install signature updates",
      update_options, sg_cmd_update, SG_EXIT_ERROR, NULL },
    { "sites", "[options] [DIR...]",
      "list the web applications and plugins installed, and the known-vulnerable ones",
      sites_options, sg_cmd_sites, SG_EXIT_ERROR,
      "DIR: roots to search (default: the sites-roots key, else Apache's DocumentRoots\n"
      "  and HOME/*/public_html for each sites-homes HOME, /home by default).\n"
      "Applications: WordPress (plugins, themes), Joomla,\n"
      "  Drupal, MediaWiki, Nextcloud, ownCloud, Moodle, phpBB, Roundcube, phpMyAdmin,\n"
      "  PrestaShop, Magento" },
    { NULL, NULL, NULL, NULL, NULL, 0, NULL }
};

/* Busybox-style names: installed as a link with one of these names, the tool
 * behaves as the matching command so the classic cron lines keep working. */
typedef struct sg_entry_point_t {
    const char *name;      /* argv[0] base name */
    const char *command;   /* the command it stands for */
    const char *as;        /* how to spell it as a spamgear command line */
    sg_entry_args_fn *args;/* rewrites the classic arguments, or NULL */
    const char *flag;      /* a classic option that picks another command ("-u|--update"
                            * for several spellings), or NULL */
    const char *flag_command;   /* that command; the option itself is dropped */
    const char *usage;     /* the classic synopsis, for --help under the classic name */
} sg_entry_point_t;

static const sg_entry_point_t entry_points[] = {
    { "full-scan", "scan", "spamgear scan --quarantine --notify-user -", sg_scan_classic_args,
      NULL, NULL,
      "[-q|--quarantine [DIR]] [-n|--notify-user [PATTERN]] [-c|--custom-email FILE] [PATH...|-]" },
    { "php-shell-detector", "scan", "spamgear scan --quarantine --clean -", sg_scan_classic_args,
      "-u|--update", "update",
      "[-q|--quarantine [DIR]] [-c|--clean] [-u|--update] [PATH...|-]" },
    { "clamd-client", "scan", "spamgear scan -j THREADS --clamav 'socket PATH' -",
      sg_scan_classic_args, NULL, NULL,
      "[THREADS] < LIST_OF_FILES" },
    { "runav", "inspect", "spamgear inspect FILE", NULL, NULL, NULL,
      "FILE" },
    { "postfix-spam-check", "mail", "spamgear mail postfix --only sasl", sg_mail_classic_args,
      NULL, NULL,
      "[-p PERIOD] [-m MAX] [-w IPS] [-l LOG]" },
    { "exim-spam-check", "mail", "spamgear mail exim --only exim-local,exim-host",
      sg_mail_classic_args, NULL, NULL,
      "[-p PERIOD] [-m MAX] [-w IPS] [-l LOG]" },
    { "roundcube-spam-check", "mail", "spamgear mail roundcube --only webmail-sent",
      sg_mail_classic_args, NULL, NULL,
      "[-p PERIOD] [-m MAX] [-w IPS] [-l LOG]" },
    { "imp-spam-check", "mail", "spamgear mail imp --only webmail-sent", sg_mail_classic_args,
      NULL, NULL,
      "[-p PERIOD] [-m MAX] [-w IPS] [-l LOG]" },
    { "php-spam-check", "mail", "spamgear mail php --period 1d --max MAX_DAILY",
      sg_mail_classic_args, NULL, NULL,
      "[MAX_DAILY] [-l LOG]" },
    { "php-legacy-spam-check", "mail", "spamgear mail sendmail-php --only script",
      sg_mail_classic_args, NULL, NULL,
      "[MINUTES] [MAX] [-l LOG]" },
    { "php-sendmail2relay-spam-check", "mail", "spamgear mail sendmail2relay --only script",
      sg_mail_classic_args, NULL, NULL,
      "[MINUTES] [MAX] [-l LOG]" },
    { "sendmail2relay-spam-check", "mail",
      "spamgear mail sendmail2relay --counts --only wrapper-user", sg_mail_classic_args,
      NULL, NULL,
      "[-p PERIOD] [-m MAX] [-w IPS] [-l LOG]" },
    { "emergency-mail", "emergency-mail", "spamgear emergency-mail", NULL, NULL, NULL,
      "[options]" },
    { "check_dnsbl", "dnsbl", "spamgear dnsbl", NULL, NULL, NULL,
      "[-w N] [-c N] [-t SECONDS] [-l FILE] [-v] IP|HOST..." },
    { NULL, NULL, NULL, NULL, NULL, NULL, NULL }
};

/* --------------------------------------------------------------- helpers */

/* one line: paths are capped well below this */
static char last_error[8192];

void sg_cli_error(const char *fmt, ...)
{
    va_list ap;

    /* APR's formatter, not stdio's: callers pass %pm (an apr_status_t's text). */
    va_start(ap, fmt);
    apr_vsnprintf(last_error, sizeof(last_error), fmt, ap);
    va_end(ap);
    fprintf(stderr, "spamgear: %s\n", last_error);
}

const char *sg_cli_last_error(void)
{
    return last_error;
}

const sg_cmd_t *sg_cli_find_cmd(const char *name)
{
    const sg_cmd_t *cmd;

    for (cmd = sg_cmds; cmd->name; cmd++) {
        if (!strcmp(cmd->name, name)) {
            return cmd;
        }
    }
    return NULL;
}

const char *sg_cli_opt_path(const sg_cli_t *cli, const char *name)
{
    const char *value = sg_cli_opt(cli, name);
    char *cwd, *merged;
    apr_status_t rv;

    if (!value || value[0] == '/') return value;
    if ((rv = apr_filepath_get(&cwd, APR_FILEPATH_NATIVE, cli->pool)) != APR_SUCCESS
        || (rv = apr_filepath_merge(&merged, cwd, value, APR_FILEPATH_NATIVE, cli->pool))
               != APR_SUCCESS) {
        sg_cli_error("--%s %s: cannot make it absolute: %pm", name, value, &rv);
        return NULL;
    }
    return merged;
}

const char *sg_cli_opt(const sg_cli_t *cli, const char *name)
{
    const apr_array_header_t *elts = apr_table_elts(cli->opts);
    const apr_table_entry_t *e = (const apr_table_entry_t *)elts->elts;
    const char *value = NULL;
    int i;

    for (i = 0; i < elts->nelts; i++) {
        if (!strcmp(e[i].key, name)) {
            value = e[i].val;
        }
    }
    return value;
}

const char *sg_cli_setting(sg_cli_t *cli, const char *opt, const char *key, int *bad)
{
    const char *value = sg_cli_opt(cli, opt), *problem;

    if (!value) {
        return sg_conf_get(cli->conf, key);
    }
    if ((problem = sg_conf_check_value(sg_conf_key(key), value, cli->pool))) {
        sg_cli_error("%s: --%s %s: %s; try 'spamgear %s --help'", cli->cmd->name, opt, value,
                     problem, cli->cmd->name);
        *bad = 1;
    }
    return value;
}

static int cli_log_threshold = SG_LOG_WARNING;

static int cli_log_is_level(void *baton, apr_pool_t *p, sg_log_level_t level)
{
    return (int)level <= cli_log_threshold;
}

static void cli_log_print(const char *file, int line, sg_log_level_t level, apr_status_t rv,
                          void *baton, apr_pool_t *p, const char *fmt, va_list ap)
{
    char reason[256];

    fputs("spamgear: ", stderr);
    vfprintf(stderr, fmt, ap);
    if (rv != APR_SUCCESS) {
        fprintf(stderr, ": %s", apr_strerror(rv, reason, sizeof(reason)));
    }
    fputc('\n', stderr);
}

int sg_cli_load_conf(sg_cli_t *cli)
{
    sg_result_t res = { APR_SUCCESS, NULL };

    cli->conf = sg_conf_create(cli->pool);
    if (sg_conf_read(cli->conf, cli->conf_path, !cli->conf_explicit, cli->pool, &res)
        != APR_SUCCESS) {
        sg_cli_error("%s", res.problem);
        return SG_EXIT_ERROR;
    }
    cli_log_threshold = sg_log_level_parse(sg_conf_get(cli->conf, "log-level"));
    return SG_EXIT_OK;
}

/* The placeholder shown after an option that takes an argument. */
static const char *arg_name(const char *name)
{
    static const char *const names[][2] = {
        { "config", " FILE" }, { "lists", " FILE" }, { "server", " HOST:PORT" },
        { "source", " SPEC" }, { "dir", " DIR" },
        { "timeout", " SECONDS" }, { "warning", " N" }, { "critical", " N" },
        { "uids", " RANGES" }, { "users", " NAMES" }, { "allow-exe", " PATTERNS" },
        { "proc", " DIR" }, { "store", " STORE" }, { "scope", " SCOPE" }, { "time", " SECONDS" },
        { "reason", " TEXT" }, { "ipv6-prefix", " BITS" },
        { "exclude", " GLOB" }, { "since", " DAYS" }, { "max-size", " SIZE" }, { "jobs", " N" },
        { "signatures", " DIR" }, { "clamav", " MODE" }, { "clamd-timeout", " TIME" },
        { "budget", " TIME" },
        { "whitelist", " FILE" }, { "yara", " PATH" }, { "older-than", " AGE" }, { "to", " PATH" },
        { "notify-template", " FILE" }, { "notify-domain", " DOMAIN" },
        { "feed", " FILE" }, { "depth", " N" },
        { "root", " DIR" }, { "apachectl", " PROGRAM" },
        { NULL, NULL }
    };
    int i;

    for (i = 0; names[i][0]; i++) {
        if (!strcmp(names[i][0], name)) {
            return names[i][1];
        }
    }
    return " ARG";
}

static void print_option(FILE *fp, const apr_getopt_option_t *o)
{
    char shortopt[8] = "";
    const char *arg = o->has_arg ? arg_name(o->name) : "";
    int i;

    for (i = 0; optional_arg[i][0]; i++) {
        if (!strcmp(optional_arg[i][0], o->name)) arg = optional_arg[i][1];
    }

    if (o->optch > 0 && o->optch < 256) {
        apr_snprintf(shortopt, sizeof(shortopt), "-%c, ", o->optch);
    }
    fprintf(fp, "  %4s--%s%-*s %s\n", shortopt, o->name,
            (int)(22 - strlen(o->name) > 0 ? 22 - strlen(o->name) : 0), arg, o->description);
}

static const apr_getopt_option_t *merged_options(apr_pool_t *p, const sg_cmd_t *cmd);

void sg_cli_print_usage(FILE *fp, const sg_cmd_t *cmd)
{
    apr_pool_t *p;
    const apr_getopt_option_t *o;

    apr_pool_create(&p, NULL);
    fprintf(fp, "usage: spamgear %s %s\n%s\n", cmd->name, cmd->synopsis, cmd->summary);
    if (cmd->arguments) {
        fprintf(fp, "\n%s\n", cmd->arguments);
    }
    if (!cmd->run) {
        fprintf(fp, "(not available yet in spamgear %s)\n", SG_VERSION);
    }
    fputs("\noptions:\n", fp);
    for (o = merged_options(p, cmd); o->name; o++) {
        print_option(fp, o);
    }
    if (cmd->error_exit == SG_EXIT_UNKNOWN) {
        fputs("\nexit status (Nagios): 0 OK, 1 WARNING, 2 CRITICAL, "
              "3 UNKNOWN (also usage and config errors)\n", fp);
    }
    else {
        fputs("\nexit status: 0 done/nothing found, 1 something found, 2 error\n", fp);
    }
    apr_pool_destroy(p);
}

/* --------------------------------------------------------------- option parsing */

static const char *option_name(const apr_getopt_option_t *opts, int optch)
{
    for (; opts->name; opts++) {
        if (opts->optch == optch) {
            return opts->name;
        }
    }
    return "?";
}

static const apr_getopt_option_t *merged_options(apr_pool_t *p, const sg_cmd_t *cmd)
{
    apr_array_header_t *all = apr_array_make(p, 8, sizeof(apr_getopt_option_t));
    const apr_getopt_option_t *o;

    for (o = cmd->options; o->name; o++) {
        *(apr_getopt_option_t *)apr_array_push(all) = *o;
    }
    for (o = common_options; o->name; o++) {
        apr_getopt_option_t *copy = apr_array_push(all);
        *copy = *o;
        /* A command's own short option wins (dnsbl's -c is Nagios' critical):
         * the common option keeps only its long name. */
        if (strcmp(option_name(cmd->options, o->optch), "?")) {
            copy->optch = o->optch == 'c' ? OPT_CONFIG : 0;
        }
    }
    memset(apr_array_push(all), 0, sizeof(apr_getopt_option_t));
    return (const apr_getopt_option_t *)all->elts;
}

static void quiet_getopt_error(void *arg, const char *err, ...)
{
    /* apr_getopt's own messages are replaced by one line from us. */
}

/* apr_getopt takes a lone "-" for a broken option; to us it means stdin.
 * It travels through option parsing as STDIN_ARG and is restored after. */
static const char STDIN_ARG[] = "\001-";

static const char *const *hide_dashes(apr_pool_t *p, int argc, const char *const *argv)
{
    const char **copy = apr_pmemdup(p, argv, sizeof(*argv) * (apr_size_t)(argc + 1));
    int i;

    for (i = 1; i < argc; i++) {
        if (!strcmp(copy[i], "-")) {
            copy[i] = STDIN_ARG;
        }
    }
    return copy;
}

static const char *const *show_dashes(const char **argv, int argc)
{
    int i;

    for (i = 1; i < argc; i++) {
        if (argv[i] == STDIN_ARG) {
            argv[i] = "-";
        }
    }
    return argv;
}

/* Splits "--NAME=VALUE" of the optional_arg options in ARGV (a copy) into
 * "--NAME", pushing VALUE ("" for a bare --NAME) onto VALUES in order. */
static void split_optional(apr_pool_t *p, int argc, const char **argv,
                           apr_array_header_t *values)
{
    int i, k;

    for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        for (k = 0; optional_arg[k][0]; k++) {
            const char *name = optional_arg[k][0], *a = argv[i];
            size_t n = strlen(name);
            if (strncmp(a, "--", 2) || strncmp(a + 2, name, n) || (a[n + 2] && a[n + 2] != '=')) {
                continue;
            }
            APR_ARRAY_PUSH(values, const char *) = a[n + 2] ? a + n + 3 : "";
            argv[i] = apr_pstrcat(p, "--", name, NULL);
        }
    }
}

/* The next value split_optional kept for option NAME, or NULL (not one). */
static const char *next_optional(apr_array_header_t *values, int *used, const char *name)
{
    int k;

    for (k = 0; optional_arg[k][0]; k++) {
        if (!strcmp(optional_arg[k][0], name)) {
            return *used < values->nelts ? APR_ARRAY_IDX(values, (*used)++, const char *) : "";
        }
    }
    return NULL;
}

/* Parses the command's options into CLI->opts; returns -1 to go on, else an exit code. */
static int parse_command_options(sg_cli_t *cli, int argc, const char *const *argv, int *next,
                                 const char *const **rest)
{
    apr_getopt_t *os;
    const apr_getopt_option_t *opts = merged_options(cli->pool, cli->cmd);
    const char *arg, *const *copy = hide_dashes(cli->pool, argc, argv), *opt;
    apr_array_header_t *values = apr_array_make(cli->pool, 2, sizeof(const char *));
    int optch, used = 0;
    apr_status_t rv;

    split_optional(cli->pool, argc, (const char **)copy, values);
    apr_getopt_init(&os, cli->pool, argc, copy);
    os->errfn = quiet_getopt_error;
    os->interleave = 1;   /* "spamgear mail postfix --max 90": options after arguments */
    while ((rv = apr_getopt_long(os, opts, &optch, &arg)) == APR_SUCCESS) {
        if (optch == 'h') {
            sg_cli_print_usage(stdout, cli->cmd);
            return SG_EXIT_OK;
        }
        if (!strcmp(option_name(opts, optch), "config")) {
            cli->conf_path = arg;
            cli->conf_explicit = 1;
        }
        if ((opt = next_optional(values, &used, option_name(opts, optch)))) arg = opt;
        apr_table_add(cli->opts, option_name(opts, optch), arg ? arg : "");
    }
    if (rv != APR_EOF) {
        const char *bad = argv[os->ind - 1 > 0 ? os->ind - 1 : 0];
        const char *why = (rv == APR_BADCH) ? "unknown option"
                          : strchr(bad, '=') ? "takes no argument" : "needs an argument";
        if (rv == APR_BADCH) {
            sg_cli_error("%s: unknown option '%s'; try 'spamgear %s --help'", cli->cmd->name,
                         bad, cli->cmd->name);
        }
        else {
            sg_cli_error("%s: option '%s' %s; try 'spamgear %s --help'", cli->cmd->name, bad,
                         why, cli->cmd->name);
        }
        if (cli->cmd->error_exit == SG_EXIT_UNKNOWN) {
            /* Nagios plugins: the monitoring shows stdout, so say it there too. */
            char *upper = apr_pstrdup(cli->pool, cli->cmd->name), *c;
            for (c = upper; *c; c++) {
                *c = (char)apr_toupper(*c);
            }
            printf("%s UNKNOWN - %s '%s'\n", upper, why, bad);
        }
        return cli->cmd->error_exit;
    }
    /* apr_getopt permutes its own copy of argv: arguments are at its end. */
    *next = os->ind;
    *rest = show_dashes(os->argv, argc);
    return -1;
}

static int run_command(sg_cli_t *cli, const sg_cmd_t *cmd, int argc, const char *const *argv,
                       const char *entry_as)
{
    const char *const *rest = argv;
    int next = 0, rc;

    cli->cmd = cmd;
    if (!cmd->run) {
        /* Its options are not known yet: classic command lines such as
         * "postfix-spam-check -m 90" must get the clear message, not a usage error. */
        for (next = 1; next < argc; next++) {
            if (!strcmp(argv[next], "--help") || !strcmp(argv[next], "-h")) {
                sg_cli_print_usage(stdout, cmd);
                return SG_EXIT_OK;
            }
        }
        if (entry_as) {
            sg_cli_error("%s: not available yet in spamgear %s (it will run as '%s')",
                         sg_path_basename(argv[0]), SG_VERSION, entry_as);
        }
        else {
            sg_cli_error("%s: not available yet in spamgear %s", cmd->name, SG_VERSION);
        }
        return SG_EXIT_ERROR;
    }
    rc = parse_command_options(cli, argc, argv, &next, &rest);
    if (rc >= 0) {
        return rc;
    }
    return cmd->run(cli, argc - next, rest + next);
}

static void print_main_usage(FILE *fp)
{
    fputs("usage: spamgear [-c FILE] COMMAND [options] [args]\n"
          "       spamgear --version | --help | help COMMAND\n"
          "commands: help, version, check-config, scan, inspect, quarantine, whitelist,\n"
          "          mail, emergency-mail, dnsbl, ps, audit, ban, update, sites\n", fp);
}

/* Global options before the command: -c FILE, --config[=]FILE, --help, --version. */
static int parse_global_options(sg_cli_t *cli, int argc, const char *const *argv, int *i)
{
    for (*i = 1; *i < argc && argv[*i][0] == '-'; (*i)++) {
        const char *a = argv[*i];
        if (!strcmp(a, "--version") || !strcmp(a, "-V")) {
            return sg_cmd_version(cli, 0, NULL);
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            return sg_cmd_help(cli, 0, NULL);
        }
        if (!strcmp(a, "-c") || !strcmp(a, "--config")) {
            if (++(*i) >= argc) {
                sg_cli_error("%s needs a FILE; try 'spamgear --help'", a);
                return SG_EXIT_ERROR;
            }
            cli->conf_path = argv[*i];
            cli->conf_explicit = 1;
        }
        else if (!strcmp(a, "--config=")) {
            sg_cli_error("--config needs a FILE; try 'spamgear --help'");
            return SG_EXIT_ERROR;
        }
        else if (!strncmp(a, "--config=", 9)) {
            cli->conf_path = a + 9;
            cli->conf_explicit = 1;
        }
        else {
            sg_cli_error("unknown option '%s'; try 'spamgear --help'", a);
            return SG_EXIT_ERROR;
        }
    }
    return -1;
}

/* 1 when ARG is one of the '|'-separated spellings in FLAGS. */
static int flag_matches(const char *flags, const char *arg)
{
    apr_size_t len = strlen(arg);

    while (flags && *flags) {
        const char *bar = strchr(flags, '|');
        apr_size_t n = bar ? (apr_size_t)(bar - flags) : strlen(flags);
        if (n == len && !strncmp(flags, arg, n)) return 1;
        flags = bar ? bar + 1 : NULL;
    }
    return 0;
}

/* Runs what entry point EP stands for: its command, or, when the classic
 * option EP->flag is among the arguments (before "--"), EP->flag_command
 * without that option ("php-shell-detector --update" is "spamgear update"). */
static int run_entry_point(sg_cli_t *cli, const sg_entry_point_t *ep, int argc,
                           const char *const *argv)
{
    const char **rest;
    int i, rc;

    for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            /* the classic synopsis first, then where the rest is */
            static const char *help[] = { NULL, "--help", NULL };
            printf("usage: %s %s\n%s is spamgear's classic entry point for: %s\n"
                   "(man spamgear, ENTRY POINTS); every option of 'spamgear %s' works too:\n\n",
                   ep->name, ep->usage, ep->name, ep->as, ep->command);
            fflush(stdout);
            help[0] = argv[0];
            return run_command(cli, sg_cli_find_cmd(ep->command), 2, help, NULL);
        }
    }
    for (i = 1; ep->flag && i < argc && strcmp(argv[i], "--"); i++) {
        if (flag_matches(ep->flag, argv[i])) {
            rest = apr_palloc(cli->pool, sizeof(*rest) * (apr_size_t)argc);
            memcpy(rest, argv, sizeof(*rest) * (apr_size_t)i);
            memcpy(rest + i, argv + i + 1, sizeof(*rest) * (apr_size_t)(argc - i - 1));
            rest[argc - 1] = NULL;
            return run_command(cli, sg_cli_find_cmd(ep->flag_command), argc - 1, rest, NULL);
        }
    }
    if (ep->args && (rc = ep->args(cli, ep->name, &argc, &argv)) != SG_EXIT_OK) {
        return rc;
    }
    rc = run_command(cli, sg_cli_find_cmd(ep->command), argc, argv, ep->as);
    /* The classic mail checks exited 0 when they found senders (the report
     * is the result), and cron lines chain them with &&:
     * "php-sendmail2relay-spam-check 10 10 && php-spam-check 500".  Under
     * their classic names they keep that; "spamgear mail" keeps 0/1/2. */
    if (!strcmp(ep->command, "mail") && rc == SG_EXIT_FOUND) rc = SG_EXIT_OK;
    return rc;
}

static const sg_entry_point_t *find_entry_point(const char *argv0)
{
    const char *base = strrchr(argv0, '/');
    const sg_entry_point_t *ep;

    base = base ? base + 1 : argv0;
    for (ep = entry_points; ep->name; ep++) {
        if (!strcmp(ep->name, base)) {
            return ep;
        }
    }
    return NULL;
}

int main(int argc, const char *const *argv)
{
    sg_cli_t cli;
    const sg_entry_point_t *ep;
    const sg_cmd_t *cmd;
    int i = 1, rc;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS) {
        fputs("spamgear: cannot initialise APR\n", stderr);
        return SG_EXIT_ERROR;
    }
    atexit(apr_terminate);
    memset(&cli, 0, sizeof(cli));
    apr_pool_create(&cli.pool, NULL);
    cli.opts = apr_table_make(cli.pool, 8);
    cli.conf_path = SG_DEFAULT_CONF;
    cli.out = stdout;
    sg_log_set(cli_log_is_level, cli_log_print, NULL);

    ep = find_entry_point(argv[0]);
    if (ep) {
        return run_entry_point(&cli, ep, argc, argv);
    }
    if ((rc = parse_global_options(&cli, argc, argv, &i)) >= 0) {
        return rc;
    }
    if (i >= argc) {
        print_main_usage(stderr);
        return SG_EXIT_ERROR;
    }
    cmd = sg_cli_find_cmd(argv[i]);
    if (!cmd) {
        sg_cli_error("unknown command '%s'; try 'spamgear help'", argv[i]);
        return SG_EXIT_ERROR;
    }
    return run_command(&cli, cmd, argc - i, argv + i, NULL);
}
