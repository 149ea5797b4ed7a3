/*
 * audit_mail.c: the mail side.  Web users' mail (PHP's sendmail_path) leaves
 * through a relay, not the primary mail server; the mail-log check runs on
 * a timer or from cron; the DNSBL list file is there; the emergency SMTP
 * servers answer.
 *
 * Relay rule (doc/cli.md, mail.relay): PASS when sendmail_path's program is
 * msmtp or ssmtp (they only hand mail to their configured relay), or when it
 * is a sendmail and the MTA behind it forwards everything to another host:
 * Postfix with a relayhost in the instance's main.cf (-C DIR in sendmail_path
 * picks the instance), or Exim with dc_eximconfig_configtype smarthost or
 * satellite.  WARN when that MTA delivers by itself, or the program is
 * unknown.
 */
#include <string.h>
#include <stdlib.h>
#include <apr_network_io.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "audit.h"
#include "sg_emergency.h"
#include "sg_path.h"

#define SMTP_PROBE_TIMEOUT 5      /* seconds to connect and read the greeting */
#define SMTP_GREETING_MAX 512     /* bytes of the greeting read */

/* ------------------------------------------------------------ relay */

typedef struct kv_find_t {
    const char *key;              /* "relayhost" */
    const char *value;            /* last value, NULL when never set */
    apr_pool_t *pool;
} kv_find_t;

/* "key = value" (main.cf) or "key='value'" (exim's debconf file). */
static int kv_line(void *baton, const char *line, int lineno)
{
    kv_find_t *k = baton;
    size_t n = strlen(k->key);
    char *v;

    if (strncmp(line, k->key, n)) return 0;
    line += n;
    while (*line == ' ' || *line == '\t') line++;
    if (*line != '=') return 0;
    line++;
    while (*line == ' ' || *line == '\t' || *line == '\'' || *line == '"') line++;
    v = apr_pstrdup(k->pool, line);
    v[strcspn(v, "'\"")] = '\0';
    k->value = v;
    return 0;
}

static const char *conf_value(audit_t *a, const char *file, const char *key)
{
    kv_find_t k = { key, NULL, a->pool };

    if (audit_read_lines(a, file, kv_line, &k) != APR_SUCCESS) return NULL;
    return k.value;
}

/* The Postfix instance directory of SENDMAIL_PATH: its -C DIR, else /etc/postfix. */
static const char *postfix_dir(apr_pool_t *p, const char *sendmail_path)
{
    const char *c = strstr(sendmail_path, " -C");

    if (!c) return "/etc/postfix";
    c += 3;
    while (*c == ' ') c++;
    return apr_pstrmemdup(p, c, strcspn(c, " \t"));
}

/* Judges where mail of sendmail_path SP goes: sets *FOUND, returns the status. */
static audit_status_t judge_relay(audit_t *a, const char *sp, const char **found)
{
    char *prog = apr_pstrmemdup(a->pool, sp, strcspn(sp, " \t"));
    const char *base = sg_path_basename(prog), *dir, *v, *exim;
    apr_finfo_t fi;

    if (!strncmp(base, "msmtp", 5) || !strcmp(base, "ssmtp")) {
        *found = apr_psprintf(a->pool, "%s hands mail to its own relay host", base);
        return AUDIT_PASS;
    }
    if (strcmp(base, "sendmail")) {
        *found = apr_psprintf(a->pool, "sendmail_path %s: unknown program, cannot tell where "
                              "mail goes", sp);
        return AUDIT_WARN;
    }
    dir = postfix_dir(a->pool, sp);
    if (apr_stat(&fi, audit_path(a, apr_pstrcat(a->pool, dir, "/main.cf", NULL)), APR_FINFO_TYPE,
                 a->pool) == APR_SUCCESS) {
        v = conf_value(a, audit_path(a, apr_pstrcat(a->pool, dir, "/main.cf", NULL)), "relayhost");
        if (v && *v) {
            *found = apr_psprintf(a->pool, "Postfix (%s) relays through %s", dir, v);
            return AUDIT_PASS;
        }
        *found = apr_psprintf(a->pool, "Postfix (%s) delivers web mail itself (relayhost "
                              "empty): set relayhost, or point sendmail_path to msmtp", dir);
        return AUDIT_WARN;
    }
    exim = audit_path(a, "/etc/exim4/update-exim4.conf.conf");
    v = conf_value(a, exim, "dc_eximconfig_configtype");
    if (v && (!strcmp(v, "smarthost") || !strcmp(v, "satellite"))) {
        *found = apr_psprintf(a->pool, "Exim (%s) sends through %s", v,
                              conf_value(a, exim, "dc_smarthost"));
        return AUDIT_PASS;
    }
    *found = v ? apr_psprintf(a->pool, "Exim (%s) delivers web mail itself", v)
               : "no Postfix or Exim configuration found behind sendmail";
    return AUDIT_WARN;
}

static void check_relay(audit_t *a)
{
    int i, n = 0;

    for (i = 0; i < a->php->nelts; i++) {
        const audit_php_t *p = APR_ARRAY_IDX(a->php, i, const audit_php_t *);
        const char *sp = audit_php_get(p, "sendmail_path"), *found;
        audit_status_t st;
        if (!strcmp(p->sapi, "cli")) continue;
        if (!sp || !*sp) sp = "/usr/sbin/sendmail -t -i";
        st = judge_relay(a, sp, &found);
        n++;
        audit_add(a, "mail.relay", st, p->pool ? apr_psprintf(a->pool, "%s[%s]", p->file, p->pool)
                                                : p->file, found, NULL, NULL, NULL);
    }
    if (!n) {
        audit_add(a, "mail.relay", AUDIT_PASS, "-", "no web PHP configuration found",
                  NULL, NULL, NULL);
    }
}

/* ------------------------------------------------------------ timer or cron */

static int cron_line(void *baton, const char *line, int lineno)
{
    int *found = baton;

    while (apr_isspace(*line)) line++;
    if (*line != '#' && (strstr(line, "spamgear mail") || strstr(line, "-spam-check"))) {
        *found = 1;
    }
    return *found;
}

static void check_timer(audit_t *a)
{
    apr_array_header_t *links = audit_glob(a, audit_path(a, "/etc/systemd/system/*.wants/"
                                                         "spamgear-mail.timer"), a->pool);
    apr_array_header_t *crons = audit_glob(a, audit_path(a, "/etc/cron.d/*"), a->pool);
    const char *argv[] = { "/bin/systemctl", "is-enabled", "--quiet", "spamgear-mail.timer",
                           NULL };
    const char *wants = audit_path(a, "/etc/systemd/system/timers.target.wants");
    char *out;
    int found = 0, i;

    if (links->nelts || (a->live && audit_run(a, argv, 10, &out) == APR_SUCCESS)) {
        audit_add(a, "mail.timer", AUDIT_PASS, "spamgear-mail.timer", "enabled", NULL, NULL, NULL);
        return;
    }
    APR_ARRAY_PUSH(crons, const char *) = audit_path(a, "/etc/crontab");
    for (i = 0; i < crons->nelts && !found; i++) {
        audit_read_lines(a, APR_ARRAY_IDX(crons, i, const char *), cron_line, &found);
        if (found) {
            audit_add(a, "mail.timer", AUDIT_PASS, APR_ARRAY_IDX(crons, i, const char *),
                      "a cron line runs the mail-log check", NULL, NULL, NULL);
        }
    }
    if (found) return;
    audit_add(a, "mail.timer", AUDIT_FAIL, "spamgear-mail.timer",
              "neither the timer is enabled nor a cron line runs 'spamgear mail'", NULL, NULL,
              a->live ? "systemctl enable --now spamgear-mail.timer"
                      : apr_psprintf(a->pool, "mkdir -p %s && ln -s /etc/systemd/system/"
                                     "spamgear-mail.timer %s", audit_shq(a->pool, wants),
                                     audit_shq(a->pool, apr_pstrcat(a->pool, wants,
                                                                   "/spamgear-mail.timer",
                                                                   NULL))));
}

/* ------------------------------------------------------------ DNSBL lists */

static int list_line(void *baton, const char *line, int lineno)
{
    int *n = baton;

    while (apr_isspace(*line)) line++;
    if (*line && *line != '#') (*n)++;
    return 0;
}

static void check_dnsbl_lists(audit_t *a)
{
    const char *file = audit_path(a, SG_DNSBL_DEFAULT_LISTS);
    int n = 0;

    if (audit_read_lines(a, file, list_line, &n) == APR_SUCCESS && n > 0) {
        audit_add(a, "mail.dnsbl_lists", AUDIT_PASS, file,
                  apr_psprintf(a->pool, "%d list%s", n, n == 1 ? "" : "s"), NULL, NULL, NULL);
        return;
    }
    audit_add(a, "mail.dnsbl_lists", AUDIT_FAIL, file, n ? "unreadable" : "missing or empty",
              file, "zen.spamhaus.org  127.0.0.2-127.0.0.11  any  Spamhaus ZEN\n", NULL);
}

/* ------------------------------------------------------------ emergency SMTP */

/* Connects to S and reads its greeting; NULL when it says 220, else why not. */
static const char *smtp_probe(audit_t *a, const sg_smtp_server_t *s)
{
    char host[256], buf[SMTP_GREETING_MAX + 1];
    apr_sockaddr_t *sa;
    apr_socket_t *sock = NULL;
    apr_size_t len = 0, n;
    apr_status_t rv;
    const char *why = NULL;

    apr_cpystrn(host, s->host[0] == '[' ? s->host + 1 : s->host, sizeof(host));
    host[strcspn(host, "]")] = '\0';
    if ((rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, (apr_port_t)s->port, 0, a->pool))
            != APR_SUCCESS
        || (rv = apr_socket_create(&sock, sa->family, SOCK_STREAM, APR_PROTO_TCP, a->pool))
               != APR_SUCCESS) {
        return apr_psprintf(a->pool, "cannot resolve or open a socket: %pm", &rv);
    }
    apr_socket_timeout_set(sock, apr_time_from_sec(SMTP_PROBE_TIMEOUT));
    if ((rv = apr_socket_connect(sock, sa)) != APR_SUCCESS) {
        why = apr_psprintf(a->pool, "connect: %pm", &rv);
        goto cleanup;
    }
    if (s->implicit_tls) goto cleanup;   /* the greeting comes inside TLS */
    while (len < SMTP_GREETING_MAX && !memchr(buf, '\n', len)) {
        n = SMTP_GREETING_MAX - len;
        if ((rv = apr_socket_recv(sock, buf + len, &n)) != APR_SUCCESS && n == 0) break;
        len += n;
    }
    buf[len] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    if (strncmp(buf, "220", 3)) {
        why = len ? apr_psprintf(a->pool, "greeting is not 220: %.80s", buf)
                  : apr_psprintf(a->pool, "no greeting within %d s", SMTP_PROBE_TIMEOUT);
    }
cleanup:
    apr_socket_close(sock);
    return why;
}

static void check_emergency(audit_t *a)
{
    const apr_array_header_t *all = sg_conf_get_all(a->cli->conf, "emergency-smtp");
    int i;

    if (!all || all->nelts == 0) {
        audit_add(a, "mail.emergency_smtp", AUDIT_WARN, a->cli->conf_path,
                  "no emergency-smtp server configured: emergency-mail cannot send", NULL,
                  NULL, NULL);
        return;
    }
    for (i = 0; i < all->nelts; i++) {
        const sg_conf_entry_t *e = &APR_ARRAY_IDX(all, i, sg_conf_entry_t);
        sg_smtp_server_t *s;
        const char *problem, *why;
        if (sg_smtp_server_parse(e->value, a->pool, &s, &problem) != APR_SUCCESS) {
            continue;   /* the config reader has refused it already */
        }
        why = smtp_probe(a, s);
        audit_add(a, "mail.emergency_smtp", why ? AUDIT_WARN : AUDIT_PASS, s->url,
                  why ? why : s->implicit_tls ? "connected (TLS greeting not read)"
                                              : "answers 220", NULL, NULL, NULL);
    }
}

void audit_mail_check(audit_t *a)
{
    check_relay(a);
    check_timer(a);
    check_dnsbl_lists(a);
    check_emergency(a);
}
