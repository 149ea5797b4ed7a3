/* cmd_mail.c: spamgear mail SOURCE: who sends spam, from the mail logs. */
#include <ctype.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include <jansson.h>
#include "cmd_mail.h"
#include "sg_input.h"
#include "sg_maillog.h"
#include "sg_units.h"

#define MAX_OVERRIDES 100000   /* lines in an overrides file */


static const char *const default_logs[SG_MAILSRC_COUNT] = {
    "/var/log/mail.log", "/var/log/exim4/mainlog", "/var/log/roundcube/sendmail.log",
    "/var/log/horde/horde.log", "/var/log/phpmail.log", "/var/log/mail.log", "/var/log/mail.log"
};

/* ---------------------------------------------------------------- options */

static int parse_uint(const char *text, unsigned *out)
{
    char *end;
    unsigned long v;

    if (!text || !isdigit((unsigned char)*text)) {
        return -1;
    }
    v = strtoul(text, &end, 10);
    if (*end || v > 1000000000UL) {
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

/* Reads "account threshold" lines; errors name FILE:LINE. */
static int read_overrides(mail_run_t *run, const char *path)
{
    apr_file_t *f;
    char line[1024];
    int lineno = 0;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED, 0,
                                    run->cli->pool);

    if (rv != APR_SUCCESS) {
        sg_cli_error("mail: %s: cannot open: %pm", path, &rv);
        return SG_EXIT_ERROR;
    }
    run->overrides = apr_hash_make(run->cli->pool);
    while (apr_file_gets(line, sizeof(line), f) == APR_SUCCESS) {
        char *last, *acct, *count, *extra;
        unsigned *max = apr_palloc(run->cli->pool, sizeof(*max));
        if (++lineno > MAX_OVERRIDES || !strchr(line, '\n')) {
            sg_cli_error("mail: %s:%d: line too long or too many lines", path, lineno);
            apr_file_close(f);
            return SG_EXIT_ERROR;
        }
        acct = apr_strtok(line, " \t\r\n", &last);
        if (!acct || *acct == '#') {
            continue;
        }
        count = apr_strtok(NULL, " \t\r\n", &last);
        extra = apr_strtok(NULL, " \t\r\n", &last);
        if (!count || extra || parse_uint(count, max) != 0) {
            sg_cli_error("mail: %s:%d: expected 'ACCOUNT COUNT'", path, lineno);
            apr_file_close(f);
            return SG_EXIT_ERROR;
        }
        apr_hash_set(run->overrides, apr_pstrdup(run->cli->pool, acct), APR_HASH_KEY_STRING, max);
    }
    apr_file_close(f);
    return SG_EXIT_OK;
}

static int add_webmail(mail_run_t *run, const char *list)
{
    char *copy = apr_pstrdup(run->cli->pool, list), *last, *ip;

    for (ip = apr_strtok(copy, ", ", &last); ip; ip = apr_strtok(NULL, ", ", &last)) {
        if (sg_maillog_add_webmail(run->ml, ip) != APR_SUCCESS) {
            sg_cli_error("mail: --webmail: '%s' is not an IP address", ip);
            return SG_EXIT_ERROR;
        }
    }
    return SG_EXIT_OK;
}

/* "--only sasl,pickup": the kinds to report. */
static int parse_only(mail_run_t *run, const char *list)
{
    const char *p = list;

    run->only_given = 1;
    while (*p) {
        apr_size_t len = strcspn(p, ",");
        int kind = sg_mailkind_parse(p, len);
        if (kind < 0) {
            return -1;
        }
        run->only[kind] = 1;
        p += len + (p[len] == ',');
    }
    return 0;
}

static int usage_error(const char *what, const char *value)
{
    sg_cli_error("mail: %s: '%s'; try 'spamgear mail --help'", what, value);
    return SG_EXIT_ERROR;
}

static int collect_logs(void *logs, const char *key, const char *value)
{
    APR_ARRAY_PUSH((apr_array_header_t *)logs, const char *) = value;
    return 1;
}

/* Settles source, period, until, max and the logs; returns -1 to go on. */
static int setup_run(mail_run_t *run, int argc, const char *const *argv)
{
    const char *v;
    int src, i;

    if (argc < 1) {
        sg_cli_error("mail: which SOURCE? (postfix, exim, roundcube, imp, php, sendmail-php, "
                     "sendmail2relay); try 'spamgear mail --help'");
        return SG_EXIT_ERROR;
    }
    if ((src = sg_mailsrc_parse(argv[0])) < 0) {
        return usage_error("unknown SOURCE", argv[0]);
    }
    run->source = (sg_mailsrc_t)src;
    run->period_text = sg_cli_opt(run->cli, "period");
    if (!run->period_text) {
        run->period_text = sg_conf_get(run->cli->conf, "mail-period");
    }
    if (sg_parse_duration(run->period_text, &run->period) != APR_SUCCESS || run->period <= 0) {
        return usage_error("--period is not a duration (examples: 30min, 1hour, 2d)",
                           run->period_text);
    }
    v = sg_cli_opt(run->cli, "until");
    if (v && sg_logtime_parse_until(v, apr_time_now(), &run->until) != APR_SUCCESS) {
        return usage_error("--until is not a time (now, @UNIXTIME, YYYY-MM-DDTHH:MM:SS[Z])", v);
    }
    if (!v) {
        run->until = apr_time_now();
    }
    v = sg_cli_opt(run->cli, "max");
    run->max_given = (v != NULL);
    if (!v) {
        v = sg_conf_get(run->cli->conf, "mail-max");
    }
    if (parse_uint(v, &run->max) != 0) {
        return usage_error("--max is not a number", v);
    }
    if ((v = sg_cli_opt(run->cli, "only")) && parse_only(run, v) != 0) {
        return usage_error("--only names an unknown kind", v);
    }
    run->json = sg_cli_opt(run->cli, "json") != NULL;
    run->state_dir = sg_cli_opt(run->cli, "state");
    run->counts = sg_cli_opt(run->cli, "counts") != NULL;
    run->all = sg_cli_opt(run->cli, "all") != NULL;
    run->read_all = sg_cli_opt(run->cli, "read-all") != NULL;
    sg_logtime_init(&run->seek_time, run->until);
    run->logs = apr_array_make(run->cli->pool, 4, sizeof(const char *));
    apr_table_do(collect_logs, run->logs, run->cli->opts, "log", NULL);
    for (i = 1; i < argc; i++) {
        APR_ARRAY_PUSH(run->logs, const char *) = argv[i];
    }
    return -1;
}

/* ---------------------------------------------------------------- reading */

static void feed_lines(void *baton, const char *buf, apr_size_t len)
{
    mail_run_t *run = baton;

    if (run->sample_len < MAIL_SAMPLE_MAX) {
        apr_size_t n = len < MAIL_SAMPLE_MAX - run->sample_len ? len
                                                               : MAIL_SAMPLE_MAX - run->sample_len;
        if (!run->sample) run->sample = apr_palloc(run->cli->pool, MAIL_SAMPLE_MAX);
        memcpy(run->sample + run->sample_len, buf, n);
        run->sample_len += n;
    }
    sg_maillog_feed(run->ml, buf, len);
}

/* 1 after saying so when nothing read is a line of the chosen source but
 * lines of another source were read: the wrong log (or --source), which
 * must not look like "nothing found".  A log of the right program where
 * no line counted (a quiet server) says nothing. */
static int wrong_log(const mail_run_t *run)
{
    apr_uint64_t counts[SG_MAILSRC_COUNT];
    int src, best = -1;

    if (!run->sample_len || sg_maillog_matched(run->ml)) return 0;
    sg_mailsrc_count(run->sample, run->sample_len, run->cli->pool, counts);
    if (counts[run->source]) return 0;
    for (src = 0; src < SG_MAILSRC_COUNT; src++) {
        if (counts[src] && (best < 0 || counts[src] > counts[best])) best = src;
    }
    if (best < 0) return 0;
    sg_cli_error("mail: no %s line in what was read, but %" APR_UINT64_T_FMT " %s line%s "
                 "in its first %" APR_SIZE_T_FMT " bytes: the wrong log? (spamgear mail %s ...)",
                 sg_mailsrc_name(run->source), counts[best], sg_mailsrc_name((sg_mailsrc_t)best),
                 counts[best] == 1 ? "" : "s", run->sample_len,
                 sg_mailsrc_name((sg_mailsrc_t)best));
    return 1;
}

static void feed_oversize(void *baton)
{
    sg_maillog_skip_oversize(((mail_run_t *)baton)->ml);
}

static int line_time(void *baton, const char *line, apr_size_t len, apr_time_t *when)
{
    return sg_logtime_parse(&((mail_run_t *)baton)->seek_time, line, len, when) > 0;
}

int mail_read_one_log(mail_run_t *run, const char *path, sg_input_t *in)
{
    sg_result_t res = { APR_SUCCESS, NULL };

    in->lines = feed_lines;
    in->oversize = feed_oversize;
    in->baton = run;
    if (!run->read_all) {   /* lines long before the window cannot count */
        in->since = run->until - apr_time_from_sec(run->period);
        in->line_time = line_time;
    }
    if (sg_input_read(path, in, run->cli->pool, &res) != APR_SUCCESS) {
        sg_cli_error("mail: %s", res.problem);
        return SG_EXIT_ERROR;
    }
    if (in->bytes == 0 && run->source == SG_MAILSRC_ROUNDCUBE) {
        sg_cli_error("mail: %s is empty: Roundcube logs sent mail only with "
                     "$config['smtp_log'] = true (off by default since 1.7); "
                     "no conclusion possible", path);
        return SG_EXIT_ERROR;
    }
    if (in->truncated) {
        /* counted as far as it goes, but a report on part of a log is no
         * "nothing found": the exit status says so */
        sg_cli_error("mail: %s: unexpected end of gzip data (truncated or still being "
                     "written); read up to there", path);
        run->partial = 1;
    }
    if (in->gzip_unnamed) {
        sg_cli_error("mail: %s: gzip data without a .gz name: read inflated", path);
    }
    run->bytes += in->bytes;
    run->seeked += in->seeked;
    return SG_EXIT_OK;
}

static int read_logs(mail_run_t *run)
{
    int i, rc = SG_EXIT_OK;

    if (run->state_dir) {
        return mail_state_read_logs(run);
    }
    for (i = 0; i < run->logs->nelts && rc == SG_EXIT_OK; i++) {
        sg_input_t in;
        memset(&in, 0, sizeof(in));
        rc = mail_read_one_log(run, APR_ARRAY_IDX(run->logs, i, const char *), &in);
    }
    return rc;
}

/* ---------------------------------------------------------------- report */

/* An account's own threshold, else --max (which, given, applies to every
 * kind), else mail-max for sending kinds and the kind's default for the rest. */
static unsigned threshold_for(const mail_run_t *run, sg_mailkind_t kind, const char *account)
{
    unsigned *own = run->overrides ? apr_hash_get(run->overrides, account, APR_HASH_KEY_STRING)
                                   : NULL;

    if (own) {
        return *own;
    }
    return (run->max_given || sg_mailkind_info[kind].uses_max) ? run->max
                                                               : sg_mailkind_info[kind].default_max;
}

static int by_count_then_name(const void *a, const void *b)
{
    const sg_mailacct_t *x = *(sg_mailacct_t *const *)a, *y = *(sg_mailacct_t *const *)b;

    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

/* The accounts of KIND at or over their threshold (all with --all), sorted. */
static apr_array_header_t *suspects(const mail_run_t *run, sg_mailkind_t kind)
{
    apr_array_header_t *out = apr_array_make(run->cli->pool, 8, sizeof(sg_mailacct_t *));
    apr_hash_index_t *hi;

    for (hi = apr_hash_first(run->cli->pool, sg_maillog_accounts(run->ml, kind)); hi;
         hi = apr_hash_next(hi)) {
        sg_mailacct_t *acct = apr_hash_this_val(hi);
        if (run->all || acct->count >= threshold_for(run, kind, acct->name)) {
            APR_ARRAY_PUSH(out, sg_mailacct_t *) = acct;
        }
    }
    qsort(out->elts, (size_t)out->nelts, sizeof(sg_mailacct_t *), by_count_then_name);
    return out;
}

static unsigned set_size(apr_hash_t *set)
{
    return set ? apr_hash_count(set) : 0;
}

/* "1hour" -> "1 hour", as the classic reports wrote it. */
static const char *period_words(apr_pool_t *p, const char *text)
{
    apr_size_t digits = strspn(text, "0123456789");

    if (!text[digits]) {
        return apr_pstrcat(p, text, " seconds", NULL);
    }
    return apr_psprintf(p, "%.*s %s", (int)digits, text, text + digits);
}

static void print_classic(const mail_run_t *run, sg_mailkind_t kind, apr_array_header_t *list,
                          int *printed)
{
    const sg_mailkind_info_t *info = &sg_mailkind_info[kind];
    int i;

    if (list->nelts == 0) {
        return;
    }
    fprintf(run->cli->out, "%sDuring the last %s the following %s have made at least %u %s.\n\n",
            *printed ? "\n" : "", period_words(run->cli->pool, run->period_text), info->who,
            threshold_for(run, kind, ""), info->what);
    *printed = 1;
    for (i = 0; i < list->nelts; i++) {
        const sg_mailacct_t *a = APR_ARRAY_IDX(list, i, sg_mailacct_t *);
        const char *tag = apr_hash_get(run->act.tags, a->name, APR_HASH_KEY_STRING);
        fprintf(run->cli->out, "%" APR_UINT64_T_FMT " (%u nets/%u unknowns/%u IPs/%"
                APR_UINT64_T_FMT " webmail) -- %s%s%s%s\n", a->count, set_size(a->nets),
                set_size(a->unknown_ips), set_size(a->ips), a->webmail, a->first_line,
                tag ? " [" : "", tag ? tag : "", tag ? "]" : "");
    }
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A wrapper path ending in '/' names a directory: its suspects are the PHP
 * files directly inside (not below, not through symlinks), in name order. */
static void print_dir_scripts(const mail_run_t *run, const char *dir)
{
    apr_array_header_t *names = apr_array_make(run->cli->pool, 8, sizeof(const char *));
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_status_t rv = apr_dir_open(&d, dir, run->cli->pool);
    int i;

    if (rv != APR_SUCCESS) {
        sg_cli_error("mail: %s: cannot list: %pm", dir, &rv);
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        apr_size_t len = strlen(fi.name);
        if (fi.filetype == APR_REG && len > 4 && !strcasecmp(fi.name + len - 4, ".php")
            && !strchr(fi.name, '\n')) {
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(run->cli->pool, fi.name);
        }
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), by_name);
    for (i = 0; i < names->nelts; i++) {
        fprintf(run->cli->out, "%s%s\n", dir, APR_ARRAY_IDX(names, i, const char *));
    }
}

static void print_paths(const mail_run_t *run, apr_array_header_t *list)
{
    int i;

    for (i = 0; i < list->nelts; i++) {
        const char *path = APR_ARRAY_IDX(list, i, sg_mailacct_t *)->name;
        apr_size_t len = strlen(path);
        if (len > 1 && path[len - 1] == '/') {
            print_dir_scripts(run, path);
        }
        else {
            fprintf(run->cli->out, "%s\n", path);
        }
    }
}

static json_t *json_time(apr_time_t t)
{
    char buf[32];
    apr_time_exp_t exp;

    apr_time_exp_gmt(&exp, t);
    apr_snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", exp.tm_year + 1900,
                 exp.tm_mon + 1, exp.tm_mday, exp.tm_hour, exp.tm_min, exp.tm_sec);
    return json_string(buf);
}

static json_t *json_account(const mail_run_t *run, sg_mailkind_t kind, const sg_mailacct_t *a)
{
    json_t *o = json_object();
    json_t *first_line = json_string(a->first_line);

    json_object_set_new(o, "kind", json_string(sg_mailkind_info[kind].name));
    json_object_set_new(o, "account", json_stringn(a->name, strlen(a->name)));
    json_object_set_new(o, "count", json_integer((json_int_t)a->count));
    json_object_set_new(o, "threshold", json_integer(threshold_for(run, kind, a->name)));
    json_object_set_new(o, "ips", json_integer(set_size(a->ips)));
    json_object_set_new(o, "nets", json_integer(set_size(a->nets)));
    json_object_set_new(o, "domains", json_integer(set_size(a->domains)));
    json_object_set_new(o, "unknowns", json_integer(set_size(a->unknown_ips)));
    json_object_set_new(o, "webmail", json_integer((json_int_t)a->webmail));
    json_object_set_new(o, "first", json_time(a->first));
    json_object_set_new(o, "last", json_time(a->last));
    /* Log lines may hold invalid UTF-8; jansson refuses those, so say null. */
    json_object_set_new(o, "first_line", first_line ? first_line : json_null());
    json_object_set_new(o, "lower_bound", json_boolean(a->sets_full));
    if (apr_hash_get(run->act.tags, a->name, APR_HASH_KEY_STRING)) {
        json_object_set_new(o, "action", json_string(apr_hash_get(run->act.tags, a->name,
                                                                  APR_HASH_KEY_STRING)));
    }
    return o;
}

static int report(mail_run_t *run)
{
    int kind, printed = 0, found = 0, failed = 0;
    json_t *accounts = run->json ? json_array() : NULL;

    for (kind = 0; kind < SG_MK_COUNT; kind++) {
        apr_array_header_t *list;
        int i;
        if (run->only_given && !run->only[kind]) {
            continue;
        }
        list = suspects(run, (sg_mailkind_t)kind);
        found |= (list->nelts > 0);
        failed |= mail_act_run(run->cli, &run->act, run->source, (sg_mailkind_t)kind, list)
                  != SG_EXIT_OK;
        if (run->json) {
            for (i = 0; i < list->nelts; i++) {
                json_array_append_new(accounts, json_account(run, (sg_mailkind_t)kind,
                                                             APR_ARRAY_IDX(list, i, sg_mailacct_t *)));
            }
        }
        else if (kind == SG_MK_SCRIPT && !run->counts) {
            print_paths(run, list);
        }
        else if (kind == SG_MK_WRAPPER_USER && !run->counts) {
            continue;   /* script sources print paths for "| spamgear scan -" */
        }
        else {
            print_classic(run, (sg_mailkind_t)kind, list, &printed);
        }
    }
    if (run->json) {
        const sg_mailskip_t *sk = sg_maillog_skipped(run->ml);
        json_t *doc = json_pack("{s:s, s:o, s:I, s:{s:I, s:I, s:b}, s:{s:I, s:I, s:I, s:I}, s:o}",
                                "source", sg_mailsrc_name(run->source),
                                "until", json_time(run->until), "period", (json_int_t)run->period,
                                "read", "bytes", (json_int_t)run->bytes,
                                "seeked", (json_int_t)run->seeked, "partial", run->partial,
                                "skipped", "too_long", (json_int_t)sk->oversize,
                                "no_timestamp", (json_int_t)sk->no_time,
                                "malformed", (json_int_t)sk->malformed,
                                "future", (json_int_t)sk->future, "accounts", accounts);
        json_dumpf(doc, run->cli->out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
        fputc('\n', run->cli->out);
        json_decref(doc);
    }
    failed |= mail_act_expire(run->cli, &run->act) != SG_EXIT_OK;
    return failed || run->partial ? SG_EXIT_ERROR : found ? SG_EXIT_FOUND : SG_EXIT_OK;
}

static void summarize_skips(const mail_run_t *run)
{
    const sg_mailskip_t *s = sg_maillog_skipped(run->ml);
    apr_uint64_t total = s->oversize + s->no_time + s->malformed + s->future;

    if (total) {
        fprintf(stderr, "spamgear: mail: skipped %" APR_UINT64_T_FMT " line%s (%" APR_UINT64_T_FMT
                " too long, %" APR_UINT64_T_FMT " without a timestamp, %" APR_UINT64_T_FMT
                " malformed, %" APR_UINT64_T_FMT " from the future)\n", total,
                total == 1 ? "" : "s", s->oversize, s->no_time, s->malformed, s->future);
    }
}

int sg_cmd_mail(sg_cli_t *cli, int argc, const char *const *argv)
{
    mail_run_t run;
    const char *v;
    int rc, wrong;

    memset(&run, 0, sizeof(run));
    run.cli = cli;
    if ((rc = sg_cli_load_conf(cli)) != SG_EXIT_OK || (rc = setup_run(&run, argc, argv)) >= 0) {
        return rc;
    }
    if (run.logs->nelts == 0) {
        APR_ARRAY_PUSH(run.logs, const char *) = default_logs[run.source];
    }
    run.ml = sg_maillog_create(cli->pool, run.source, run.until, apr_time_from_sec(run.period));
    if ((rc = mail_act_setup(cli, &run.act)) != SG_EXIT_OK) {
        return rc;
    }
    /* Only SASL senders (postfix, exim) are disabled; the webmail and script
     * sources have no account that a lock or an access map stops: refused
     * rather than ignored, so a cron line never believes it disables. */
    if (run.act.enabled && run.source != SG_MAILSRC_POSTFIX && run.source != SG_MAILSRC_EXIM) {
        sg_cli_error("mail: --disable acts on SASL senders (postfix, exim), not on %s "
                     "accounts; try 'spamgear mail --help'", sg_mailsrc_name(run.source));
        return SG_EXIT_ERROR;
    }
    if ((v = sg_cli_opt(cli, "webmail")) && (rc = add_webmail(&run, v)) != SG_EXIT_OK) {
        return rc;
    }
    if ((v = sg_cli_opt(cli, "overrides")) && (rc = read_overrides(&run, v)) != SG_EXIT_OK) {
        return rc;
    }
    if ((rc = read_logs(&run)) != SG_EXIT_OK) {
        return rc;
    }
    summarize_skips(&run);
    wrong = wrong_log(&run);
    rc = report(&run);
    return wrong && rc == SG_EXIT_OK ? SG_EXIT_ERROR : rc;
}

/* ---------------------------------------------------------------- classic names */

typedef enum {
    CLASSIC_OPTIONS,     /* -p PERIOD -m MAX -w IPS -l LOG, as spamgear mail takes them */
    CLASSIC_MAX_DAILY,   /* php-spam-check [MAX_DAILY] */
    CLASSIC_MINUTES_MAX  /* php-legacy-spam-check [MINUTES] [MAX] */
} classic_style_t;

typedef struct classic_t {
    const char *name;            /* the classic script's name */
    const char *fixed;           /* arguments it stands for, space-separated */
    classic_style_t style;       /* how its own arguments read */
} classic_t;

static const classic_t classics[] = {
    { "postfix-spam-check", "postfix --only sasl", CLASSIC_OPTIONS },
    { "exim-spam-check", "exim --only exim-local,exim-host", CLASSIC_OPTIONS },
    { "roundcube-spam-check", "roundcube --only webmail-sent", CLASSIC_OPTIONS },
    { "imp-spam-check", "imp --only webmail-sent", CLASSIC_OPTIONS },
    { "sendmail2relay-spam-check", "sendmail2relay --counts --only wrapper-user",
      CLASSIC_OPTIONS },
    { "php-spam-check", "php --period 1d", CLASSIC_MAX_DAILY },
    { "php-legacy-spam-check", "sendmail-php --only script", CLASSIC_MINUTES_MAX },
    { "php-sendmail2relay-spam-check", "sendmail2relay --only script", CLASSIC_MINUTES_MAX },
    { NULL, NULL, CLASSIC_OPTIONS }
};

static void push_words(apr_array_header_t *out, apr_pool_t *p, const char *words)
{
    char *copy = apr_pstrdup(p, words), *last, *w;

    for (w = apr_strtok(copy, " ", &last); w; w = apr_strtok(NULL, " ", &last)) {
        APR_ARRAY_PUSH(out, const char *) = w;
    }
}

/* "[MAX_DAILY]" or "[MINUTES] [MAX]": the classic positional arguments lead;
 * options after them (-l LOG, --until ...) pass through.  Returns how many
 * arguments were positional, or -1 after saying what is wrong. */
static int classic_positional(sg_cli_t *cli, const classic_t *c, int argc,
                              const char *const *argv, apr_array_header_t *out)
{
    unsigned values[2] = { c->style == CLASSIC_MAX_DAILY ? 500 : 10, 10 };
    int most = (c->style == CLASSIC_MAX_DAILY) ? 1 : 2, n = 0;

    while (1 + n < argc && argv[1 + n][0] != '-' && n < most) {
        if (parse_uint(argv[1 + n], &values[n]) != 0) {
            sg_cli_error("%s: expected %s, got '%s'", c->name,
                         c->style == CLASSIC_MAX_DAILY ? "[MAX_DAILY]" : "[MINUTES] [MAX]",
                         argv[1 + n]);
            return -1;
        }
        n++;
    }
    if (c->style == CLASSIC_MAX_DAILY) {
        push_words(out, cli->pool, apr_psprintf(cli->pool, "--max %u", values[0]));
    }
    else {
        /* The classic scripts looked 20% further back than asked, to overlap runs. */
        push_words(out, cli->pool, apr_psprintf(cli->pool, "--period %umin --max %u",
                                                values[0] * 12 / 10, values[1]));
    }
    return n;
}

int sg_mail_classic_args(sg_cli_t *cli, const char *name, int *argc,
                         const char *const **argv)
{
    apr_array_header_t *out = apr_array_make(cli->pool, *argc + 8, sizeof(const char *));
    const classic_t *c;
    int i, first = 1;

    for (c = classics; c->name && strcmp(c->name, name); c++) {
    }
    if (!c->name) {
        return SG_EXIT_OK;
    }
    APR_ARRAY_PUSH(out, const char *) = (*argv)[0];
    push_words(out, cli->pool, c->fixed);
    if (c->style != CLASSIC_OPTIONS && (first = 1 + classic_positional(cli, c, *argc, *argv,
                                                                       out)) == 0) {
        return SG_EXIT_ERROR;
    }
    for (i = first; i < *argc; i++) {
        APR_ARRAY_PUSH(out, const char *) = (*argv)[i];
    }
    APR_ARRAY_PUSH(out, const char *) = NULL;
    *argc = out->nelts - 1;
    *argv = (const char *const *)out->elts;
    return SG_EXIT_OK;
}
