/* cmd_mail_act.c: spamgear mail --disable: lock, Postfix access map or a
 * command, and an alert mail for every account disabled. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_file_io.h>
#include <apr_network_io.h>
#include <apr_strings.h>
#include "cmd_mail.h"
#include "sg_accessmap.h"
#include "sg_run.h"
#include "sg_units.h"

#define ACT_TIMEOUT apr_time_from_sec(60)   /* per helper program */

static int set_error(const char *what, const char *value)
{
    sg_cli_error("mail: %s: '%s'; try 'spamgear mail --help'", what, value);
    return SG_EXIT_ERROR;
}

static const char *opt_or(sg_cli_t *cli, const char *name, const char *fallback)
{
    const char *v = sg_cli_opt(cli, name);

    return v ? v : fallback;
}

int mail_act_setup(sg_cli_t *cli, mail_act_t *act)
{
    const char *v = sg_cli_opt(cli, "disable"), *expire;
    char *end;

    memset(act, 0, sizeof(*act));
    act->tags = apr_hash_make(cli->pool);
    act->why = apr_hash_make(cli->pool);
    act->action = opt_or(cli, "action", "lock");
    act->map = opt_or(cli, "map", "/etc/postfix/spamgear_sasl_access");
    act->map_action = opt_or(cli, "map-action", "REJECT");
    act->command = sg_cli_opt(cli, "command");
    act->alert_to = opt_or(cli, "alert-to", "root");
    act->sendmail = opt_or(cli, "sendmail", "/usr/sbin/sendmail");
    act->postmap = opt_or(cli, "postmap", "postmap");
    act->dry_run = sg_cli_opt(cli, "dry-run") != NULL;
    if (!v) {
        return SG_EXIT_OK;
    }
    act->enabled = 1;
    act->max_nets = (unsigned)strtoul(v, &end, 10);
    if (end == v || *end != ',' || !end[1]) {
        return set_error("--disable wants NETS,UNKNOWNS", v);
    }
    act->max_unknowns = (unsigned)strtoul(end + 1, &end, 10);
    if (*end) {
        return set_error("--disable wants NETS,UNKNOWNS", v);
    }
    if (strcmp(act->action, "lock") && strcmp(act->action, "postfix-map")
        && strcmp(act->action, "command")) {
        return set_error("--action is lock, postfix-map or command", act->action);
    }
    if (!strcmp(act->action, "command") && (!act->command || !*act->command)) {
        return set_error("--action command needs --command", "");
    }
    if (act->map[0] != '/') {
        return set_error("--map must be an absolute path", act->map);
    }
    expire = sg_cli_opt(cli, "expire");
    if (expire && (sg_parse_duration(expire, &act->expire) != APR_SUCCESS || act->expire <= 0)) {
        return set_error("--expire is not a duration", expire);
    }
    return SG_EXIT_OK;
}

/* ---------------------------------------------------------------- alerts */

/* TEXT without control characters, for a header or a body line. */
static const char *printable(apr_pool_t *p, const char *text)
{
    char *out = apr_pstrdup(p, text), *c;

    for (c = out; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f) {
            *c = '?';
        }
    }
    return out;
}

/* The alert for account A: disabled by WHAT, or (FAILED_WHY not NULL) not
 * disabled, and why: then the admin has to act by hand, so it says so. */
static apr_status_t send_alert(sg_cli_t *cli, mail_act_t *act, const char *what,
                               const sg_mailacct_t *a, const char *failed_why)
{
    char host[256] = "localhost";
    const char *argv[] = { act->sendmail, "-t", "-oi", NULL };
    const char *msg, *did;
    sg_run_result_t r;
    apr_status_t rv;

    apr_gethostname(host, sizeof(host), cli->pool);
    did = failed_why
        ? apr_psprintf(cli->pool, "spamgear mail could NOT disable %s (%s) on %s: %s.\n"
                       "Disable the account by hand.", printable(cli->pool, a->name), what,
                       printable(cli->pool, host), printable(cli->pool, failed_why))
        : apr_psprintf(cli->pool, "spamgear mail disabled %s (%s) on %s.",
                       printable(cli->pool, a->name), what, printable(cli->pool, host));
    msg = apr_psprintf(cli->pool,
        "To: %s\nSubject: [spamgear] SPAMMER DETECTED AT %s [%s]: %s\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "%s\n\n"
        "%" APR_UINT64_T_FMT " messages from %u IPs in %u networks, %u without reverse DNS.\n"
        "First line: %s\n",
        printable(cli->pool, act->alert_to), printable(cli->pool, host),
        failed_why ? "USER NOT DISABLED" : "USER DISABLED", printable(cli->pool, a->name), did,
        a->count, a->ips ? apr_hash_count(a->ips) : 0,
        a->nets ? apr_hash_count(a->nets) : 0,
        a->unknown_ips ? apr_hash_count(a->unknown_ips) : 0,
        printable(cli->pool, a->first_line ? a->first_line : ""));
    rv = sg_run(cli->pool, argv, msg, strlen(msg), ACT_TIMEOUT, &r);
    if (rv != APR_SUCCESS) {
        sg_cli_error("mail: alert for %s not sent: %s", printable(cli->pool, a->name), r.problem);
    }
    return rv;
}

/* ---------------------------------------------------------------- the access map */

/* Reads the map (a missing one is empty) into *TEXT. */
static apr_status_t read_map(sg_cli_t *cli, const char *path, char **text, apr_size_t *len)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, cli->pool);

    *len = 0;
    *text = apr_pcalloc(cli->pool, 1);
    if (APR_STATUS_IS_ENOENT(rv)) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS || (rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) != APR_SUCCESS) {
        return rv;
    }
    if (fi.size > SG_ACCESSMAP_MAX_BYTES) {
        apr_file_close(f);
        return APR_EINVAL;
    }
    *text = apr_palloc(cli->pool, (apr_size_t)fi.size + 1);
    rv = apr_file_read_full(f, *text, (apr_size_t)fi.size, len);
    apr_file_close(f);
    return rv == APR_EOF ? APR_SUCCESS : rv;
}

/* Writes TEXT to PATH through a temp file in the same directory and a
 * rename, after keeping the old map as PATH.spamgear-prev: a crash leaves
 * either map complete, and the previous one is always there to restore. */
static apr_status_t write_map(sg_cli_t *cli, const char *path, int existed, const char *text,
                              apr_size_t len)
{
    const char *prev = apr_pstrcat(cli->pool, path, ".spamgear-prev", NULL);
    char *tmp = apr_pstrcat(cli->pool, path, ".spamgear-XXXXXX", NULL);
    apr_file_t *f;
    apr_size_t n;
    apr_status_t rv;

    if (existed && (rv = apr_file_copy(path, prev, APR_FPROT_FILE_SOURCE_PERMS, cli->pool))
        != APR_SUCCESS) {
        return rv;
    }
    if ((rv = apr_file_mktemp(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_EXCL,
                              cli->pool)) != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_write_full(f, text, len, &n);
    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    apr_file_close(f);
    if (rv == APR_SUCCESS) {
        apr_file_perms_set(tmp, APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_GREAD
                                | APR_FPROT_WREAD);
        rv = apr_file_rename(tmp, path, cli->pool);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, cli->pool);
    }
    return rv;
}

/* Applies ADDITIONS (sg_accessmap_entry_t) and the expiry to the map, then
 * runs postmap.  Returns APR_SUCCESS or an error already said on stderr
 * (*WHY then says it for the alerts).  An entry the map refuses is said,
 * tagged and given its reason in ACT; the others go in all the same. */
static apr_status_t update_map(sg_cli_t *cli, mail_act_t *act, apr_array_header_t *additions,
                               const char **why)
{
    sg_accessmap_change_t change;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *argv[] = { act->postmap, act->map, NULL };
    sg_run_result_t r;
    char *old;
    apr_size_t len;
    apr_finfo_t fi;
    int existed = apr_stat(&fi, act->map, APR_FINFO_TYPE, cli->pool) == APR_SUCCESS;
    apr_status_t rv = read_map(cli, act->map, &old, &len);

    int i;

    *why = NULL;
    if (rv != APR_SUCCESS) {
        *why = apr_psprintf(cli->pool, "%s: cannot read: %pm", act->map, &rv);
        sg_cli_error("mail: %s", *why);
        return rv;
    }
    if ((rv = sg_accessmap_update(old, len, additions, apr_time_now(), cli->pool, &change, &res))
        != APR_SUCCESS) {
        *why = apr_psprintf(cli->pool, "%s: %s", act->map, res.problem);
        sg_cli_error("mail: %s", *why);
        return rv;
    }
    for (i = 0; i < change.refused->nelts; i++) {
        const char *key = APR_ARRAY_IDX(change.refused, i, const char *);
        const char *reason = "not a key Postfix can hold (whitespace, a control character or "
                             "a leading '#'); no entry written for it";
        sg_cli_error("mail: %s: '%s' %s", act->map, printable(cli->pool, key), reason);
        apr_hash_set(act->tags, key, APR_HASH_KEY_STRING, "DISABLE FAILED");
        apr_hash_set(act->why, key, APR_HASH_KEY_STRING, reason);
    }
    if (change.added == 0 && change.expired == 0) {
        return APR_SUCCESS;
    }
    if (act->dry_run) {
        fprintf(stderr, "spamgear: mail: dry run: would add %d and expire %d entries in %s, then "
                "run %s\n", change.added, change.expired, act->map, sg_run_describe(cli->pool, argv));
        return APR_SUCCESS;
    }
    if ((rv = write_map(cli, act->map, existed, change.text, change.len)) != APR_SUCCESS) {
        *why = apr_psprintf(cli->pool, "%s: cannot write: %pm (the map is unchanged)",
                            act->map, &rv);
        sg_cli_error("mail: %s", *why);
        return rv;
    }
    if ((rv = sg_run(cli->pool, argv, NULL, 0, ACT_TIMEOUT, &r)) != APR_SUCCESS) {
        *why = apr_psprintf(cli->pool, "%s (the map file is updated, its database is not)",
                            r.problem);
        sg_cli_error("mail: %s", *why);
    }
    return rv;
}

int mail_act_expire(sg_cli_t *cli, mail_act_t *act)
{
    apr_array_header_t *none = apr_array_make(cli->pool, 1, sizeof(sg_accessmap_entry_t));
    const char *why;

    if (!act->enabled || strcmp(act->action, "postfix-map")) {
        return SG_EXIT_OK;
    }
    return update_map(cli, act, none, &why) == APR_SUCCESS ? SG_EXIT_OK : SG_EXIT_ERROR;
}

/* ---------------------------------------------------------------- acting */

static int crosses_limits(const mail_act_t *act, const sg_mailacct_t *a)
{
    return (a->nets ? apr_hash_count(a->nets) : 0) > act->max_nets
           && (a->unknown_ips ? apr_hash_count(a->unknown_ips) : 0) > act->max_unknowns;
}

/* Locks or runs the command for one account; APR_SUCCESS or said on stderr. */
static apr_status_t act_on_one(sg_cli_t *cli, mail_act_t *act, const char *account)
{
    char **args;
    const char **argv;
    sg_run_result_t r;
    apr_status_t rv;
    int n;

    if (!strcmp(act->action, "lock")) {
        const char *lock[] = { "usermod", "-L", account, NULL };
        argv = apr_pmemdup(cli->pool, lock, sizeof(lock));
    }
    else {
        if ((rv = apr_tokenize_to_argv(act->command, &args, cli->pool)) != APR_SUCCESS) {
            sg_cli_error("mail: --command: cannot split '%s'", act->command);
            return rv;
        }
        for (n = 0; args[n]; n++) {
        }
        argv = apr_palloc(cli->pool, sizeof(*argv) * (apr_size_t)(n + 2));
        memcpy(argv, args, sizeof(*argv) * (apr_size_t)n);
        argv[n] = account;
        argv[n + 1] = NULL;
    }
    if (act->dry_run) {
        fprintf(stderr, "spamgear: mail: dry run: would run %s\n", sg_run_describe(cli->pool, argv));
        return APR_SUCCESS;
    }
    if ((rv = sg_run(cli->pool, argv, NULL, 0, ACT_TIMEOUT, &r)) != APR_SUCCESS) {
        sg_cli_error("mail: %s", r.problem);
        apr_hash_set(act->why, account, APR_HASH_KEY_STRING, r.problem);
    }
    return rv;
}

int mail_act_run(sg_cli_t *cli, mail_act_t *act, sg_mailsrc_t source, sg_mailkind_t kind,
                 const apr_array_header_t *list)
{
    apr_array_header_t *entries = apr_array_make(cli->pool, 4, sizeof(sg_accessmap_entry_t));
    apr_array_header_t *chosen = apr_array_make(cli->pool, 4, sizeof(sg_mailacct_t *));
    int i, failed = 0, by_map = !strcmp(act->action, "postfix-map");
    const char *why, *what;

    if (!act->enabled || (kind != SG_MK_SASL_SUBMIT && kind != SG_MK_EXIM_AUTH)) {
        return SG_EXIT_OK;
    }
    for (i = 0; i < list->nelts; i++) {
        sg_mailacct_t *a = APR_ARRAY_IDX(list, i, sg_mailacct_t *);
        if (!crosses_limits(act, a)) {
            continue;
        }
        APR_ARRAY_PUSH(chosen, sg_mailacct_t *) = a;
        if (by_map) {
            sg_accessmap_entry_t *e = apr_array_push(entries);
            e->key = a->name;
            e->action = act->map_action;
            e->expires = act->expire ? apr_time_now() + apr_time_from_sec(act->expire) : 0;
        }
        else if (act_on_one(cli, act, a->name) != APR_SUCCESS) {
            apr_hash_set(act->tags, a->name, APR_HASH_KEY_STRING, "DISABLE FAILED");
            failed = 1;
        }
    }
    if (by_map && entries->nelts && update_map(cli, act, entries, &why) != APR_SUCCESS) {
        for (i = 0; i < chosen->nelts; i++) {
            const char *name = APR_ARRAY_IDX(chosen, i, sg_mailacct_t *)->name;
            apr_hash_set(act->tags, name, APR_HASH_KEY_STRING, "DISABLE FAILED");
            if (!apr_hash_get(act->why, name, APR_HASH_KEY_STRING)) {
                apr_hash_set(act->why, name, APR_HASH_KEY_STRING, why);
            }
        }
    }
    what = apr_psprintf(cli->pool, "%s, %s", act->action, sg_mailsrc_name(source));
    for (i = 0; i < chosen->nelts; i++) {
        sg_mailacct_t *a = APR_ARRAY_IDX(chosen, i, sg_mailacct_t *);
        const char *tag = apr_hash_get(act->tags, a->name, APR_HASH_KEY_STRING);
        /* a failure is alerted too: then only the admin can stop the spammer */
        why = tag ? apr_hash_get(act->why, a->name, APR_HASH_KEY_STRING) : NULL;
        if (tag) {
            failed = 1;
        }
        else {
            apr_hash_set(act->tags, a->name, APR_HASH_KEY_STRING,
                         act->dry_run ? "WOULD DISABLE" : "DISABLED");
        }
        if (!act->dry_run && *act->alert_to
            && send_alert(cli, act, what, a, tag ? (why ? why : "the action failed") : NULL)
               != APR_SUCCESS) {
            failed = 1;
        }
    }
    return failed ? SG_EXIT_ERROR : SG_EXIT_OK;
}
