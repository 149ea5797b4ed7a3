/* sg_maillog.c: single-pass mail-log analysis for every supported source. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem, memrchr */
#endif
#include <string.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include "sg_maillog.h"
#include "sg_memfind.h"

const sg_mailkind_info_t sg_mailkind_info[SG_MK_COUNT] = {
    { "sasl", "SMTP connections", "senders", 90, 1 },
    { "sasl-fail-ip", "failed SMTP logins", "addresses", 20, 0 },
    { "sasl-fail-user", "failed SMTP logins", "accounts", 20, 0 },
    { "pickup", "local submissions", "uids", 90, 1 },
    { "exim-local", "local submissions", "users", 90, 1 },
    { "exim-auth", "SMTP submissions", "senders", 90, 1 },
    { "exim-host", "SMTP submissions", "hosts", 90, 1 },
    { "exim-cwd", "sendmail calls", "script directories", 90, 1 },
    { "webmail-sent", "webmail messages", "users", 90, 1 },
    { "webmail-login", "webmail logins", "users", 30, 0 },
    { "webmail-fail", "failed webmail logins", "addresses", 20, 0 },
    { "script", "mails", "scripts", 90, 1 },
    { "wrapper-user", "mails", "users", 90, 1 },
};

int sg_mailkind_parse(const char *name, apr_size_t len)
{
    int k;

    for (k = 0; k < SG_MK_COUNT; k++) {
        if (strlen(sg_mailkind_info[k].name) == len && !memcmp(name, sg_mailkind_info[k].name, len)) {
            return k;
        }
    }
    return -1;
}

/* One thing a line says, before it is counted. */
typedef struct rec_t {
    sg_mailkind_t kind;      /* table it goes to */
    const char *acct;        /* account text inside the line */
    apr_size_t acct_len;
    const char *ip;          /* client address inside the line, or NULL */
    apr_size_t ip_len;
    const char *host;        /* client host name inside the line, or NULL */
    apr_size_t host_len;
} rec_t;

typedef enum {
    XR_NOT_MINE = 0,          /* the needle was there, but this is another line */
    XR_OK,                    /* recs filled */
    XR_MALFORMED              /* this source's line, with a broken field */
} xresult_t;

#define MAX_RECS 2

/* Reads MSG[0..LEN) (the line after its timestamp) into RECS. */
typedef xresult_t extract_fn(const char *msg, apr_size_t len, rec_t *recs, int *nrecs);

typedef struct needle_t {
    const char *text;        /* literal every line of this shape contains */
    extract_fn *extract;     /* parses such a line */
    int undated_ok;          /* lines without a timestamp still count (old PHP) */
} needle_t;

struct sg_maillog_t {
    apr_pool_t *pool;
    sg_mailsrc_t source;
    sg_logtime_t time;          /* timestamp parser with year inference */
    apr_time_t until, since;    /* the window is (since, until] */
    apr_hash_t *tables[SG_MK_COUNT];
    apr_hash_t *webmail;        /* canonical address -> "" */
    sg_mailskip_t skipped;
    apr_uint64_t matched;       /* lines a source recognised */
    const char *texts[4];       /* the source's needle texts, for one-pass search */
    int ntexts;
    sg_maillog_keep_fn *keep;   /* gets the lines an incremental run must see again */
    void *keep_baton;
};

/* --------------------------------------------------------------- small helpers */

static const char *find(const char *hay, apr_size_t len, const char *needle)
{
    return memmem(hay, len, needle, strlen(needle));
}

/* Length of the run at P (up to END) that stops at any char of STOP. */
static apr_size_t span_until(const char *p, const char *end, const char *stop)
{
    const char *q = p;
    char s0 = stop[0], s1 = stop[0] ? stop[1] : 0, s2 = s1 ? stop[2] : 0;

    /* At most three stop characters (the callers' "\r\n" plus one): no strchr per byte. */
    if (s2 && stop[3]) {
        while (q < end && !strchr(stop, *q)) {
            q++;
        }
        return (apr_size_t)(q - p);
    }
    while (q < end && *q != s0 && (!s1 || *q != s1) && (!s2 || *q != s2)) {
        q++;
    }
    return (apr_size_t)(q - p);
}

static int starts(const char *p, const char *end, const char *prefix)
{
    apr_size_t n = strlen(prefix);

    return (apr_size_t)(end - p) >= n && !memcmp(p, prefix, n);
}

static void set_rec(rec_t *r, sg_mailkind_t kind, const char *acct, apr_size_t acct_len)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->acct = acct;
    r->acct_len = acct_len;
}

/* Only the characters of IPv4 and IPv6 addresses. */
static int is_address_text(const char *p, const char *end)
{
    for (; p < end; p++) {
        char c = *p;
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
              || c == ':' || c == '.')) {
            return 0;
        }
    }
    return 1;
}

/* "name[ip]" at P: fills host and ip; returns the char after ']' or NULL. */
static const char *client_name_ip(const char *p, const char *end, rec_t *r)
{
    const char *open = memchr(p, '[', (apr_size_t)(end - p));
    const char *close;

    if (!open || open == p) {
        return NULL;
    }
    close = memchr(open, ']', (apr_size_t)(end - open));
    if (!close || close == open + 1 || span_until(p, open, " \t[]") != (apr_size_t)(open - p)
        || !is_address_text(open + 1, close)) {
        return NULL;   /* a truncated line glued to the next one, or no client field */
    }
    r->host = p;
    r->host_len = (apr_size_t)(open - p);
    r->ip = open + 1;
    r->ip_len = (apr_size_t)(close - open - 1);
    return close + 1;
}

/* The value of "key=" in [P, END) up to a char of STOP; 0 length if absent. */
static const char *field(const char *p, const char *end, const char *key, const char *stop,
                         apr_size_t *vlen)
{
    const char *k = find(p, (apr_size_t)(end - p), key);

    *vlen = 0;
    if (!k) {
        return NULL;
    }
    k += strlen(key);
    *vlen = span_until(k, end, stop);
    return k;
}

/* --------------------------------------------------------------- Postfix */

/* "QID: client=NAME[IP], sasl_method=M, sasl_username=USER[, sasl_sender=S]" from smtpd. */
static xresult_t x_postfix_submit(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *c = find(msg, len, ": client="), *after, *user;
    apr_size_t ulen;

    if (!c || !find(msg, (apr_size_t)(c - msg), "smtpd[")) {
        return XR_NOT_MINE;
    }
    set_rec(&recs[0], SG_MK_SASL_SUBMIT, NULL, 0);
    after = client_name_ip(c + 9, end, &recs[0]);
    user = after ? field(after, end, ", sasl_username=", ",\r\n", &ulen) : NULL;
    while (user && ulen > 0 && user[ulen - 1] == ' ') {
        ulen--;
    }
    if (!user || ulen == 0) {
        return XR_MALFORMED;
    }
    recs[0].acct = user;
    recs[0].acct_len = ulen;
    *n = 1;
    return XR_OK;
}

/* "warning: NAME[IP](:PORT): SASL MECH authentication failed: ...[, sasl_username=U]". */
static xresult_t x_postfix_fail(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *w = find(msg, len, "warning: "), *after, *user;
    apr_size_t ulen;

    if (!w || !find(msg, (apr_size_t)(w - msg), "smtpd[")) {
        return XR_NOT_MINE;
    }
    set_rec(&recs[0], SG_MK_SASL_FAIL_IP, NULL, 0);
    after = client_name_ip(w + 9, end, &recs[0]);
    if (!after) {
        return XR_MALFORMED;
    }
    if (after + 1 < end && after[0] == ':' && after[1] >= '0' && after[1] <= '9') {
        after += 1 + span_until(after + 1, end, ":");   /* "[ip]:55729: SASL": the port */
    }
    if (!starts(after, end, ": SASL ")) {
        return XR_NOT_MINE;
    }
    if (find(after, (apr_size_t)(end - after), "Connection lost to authentication server")) {
        /* Postfix lost its SASL server (dovecot restarting): the server's
         * fault, not a wrong password; fail2ban's filter skips it too */
        return XR_NOT_MINE;
    }
    recs[0].acct = recs[0].ip;
    recs[0].acct_len = recs[0].ip_len;
    *n = 1;
    user = field(after, end, ", sasl_username=", ",\r\n", &ulen);
    if (user && ulen > 0) {
        recs[1] = recs[0];
        recs[1].kind = SG_MK_SASL_FAIL_USER;
        recs[1].acct = user;
        recs[1].acct_len = ulen;
        *n = 2;
    }
    return XR_OK;
}

/* "postfix/pickup[7274]: QID: uid=33 from=<www-data>". */
static xresult_t x_postfix_pickup(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *uid;
    apr_size_t ulen, i;

    uid = field(msg, end, ": uid=", " \r\n", &ulen);
    if (!uid) {
        return XR_NOT_MINE;
    }
    for (i = 0; i < ulen; i++) {
        if (uid[i] < '0' || uid[i] > '9') {
            return XR_MALFORMED;
        }
    }
    if (ulen == 0) {
        return XR_MALFORMED;
    }
    set_rec(&recs[0], SG_MK_PICKUP, uid, ulen);
    *n = 1;
    return XR_OK;
}

/* --------------------------------------------------------------- Exim */

/* Skips Exim's optional "[PID] " after the timestamp. */
static const char *exim_skip_pid(const char *p, const char *end)
{
    if (p < end && *p == '[') {
        const char *q = p + 1 + span_until(p + 1, end, "]");
        if (q < end && q + 1 < end && q[1] == ' ') {
            return q + 2;
        }
    }
    return p;
}

/* "ID <= SENDER ... U=user P=local ..." / "... H=(helo) [ip]:port P=esmtpsa ... A=d:id ...". */
static xresult_t x_exim_arrival(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *p = exim_skip_pid(msg, end), *arrow, *v;
    apr_size_t id_len = span_until(p, end, " "), vlen;
    rec_t host;

    if (!starts(p + id_len, end, " <= ") || id_len < 16 || id_len > 32) {
        return XR_NOT_MINE;
    }
    arrow = p + id_len + 4;
    *n = 0;
    memset(&host, 0, sizeof(host));
    v = field(arrow, end, " H=", "\r\n", &vlen);
    if (v) {
        const char *open = memchr(v, '[', vlen), *close;
        close = open ? memchr(open, ']', (apr_size_t)(end - open)) : NULL;
        if (!close) {
            return XR_MALFORMED;
        }
        set_rec(&host, SG_MK_EXIM_HOST, open + 1, (apr_size_t)(close - open - 1));
        host.ip = host.acct;
        host.ip_len = host.acct_len;
        if (*v != '(' && *v != '[') {
            host.host = v;
            host.host_len = span_until(v, end, " ");
        }
        else {
            host.host = "unknown";
            host.host_len = 7;
        }
    }
    v = field(arrow, end, " A=", " \r\n", &vlen);
    if (v && vlen > 0) {
        const char *colon = memchr(v, ':', vlen);
        recs[*n] = host;
        set_rec(&recs[*n], SG_MK_EXIM_AUTH, colon ? colon + 1 : v,
                colon ? vlen - (apr_size_t)(colon + 1 - v) : vlen);
        recs[*n].ip = host.ip;
        recs[*n].ip_len = host.ip_len;
        recs[*n].host = host.host;
        recs[*n].host_len = host.host_len;
        (*n)++;
    }
    else if ((v = field(arrow, end, " U=", " \r\n", &vlen)) && vlen > 0
             && find(arrow, len - (apr_size_t)(arrow - msg), " P=local")) {
        set_rec(&recs[(*n)++], SG_MK_EXIM_LOCAL, v, vlen);
    }
    if (host.acct && host.acct_len > 0) {
        recs[(*n)++] = host;
    }
    return *n ? XR_OK : XR_NOT_MINE;
}

/* "cwd=/home/alice/public_html/forum 3 args: /usr/sbin/sendmail -t -i". */
static xresult_t x_exim_cwd(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *p = exim_skip_pid(msg, end);
    apr_size_t vlen;

    if (!starts(p, end, "cwd=")) {
        return XR_NOT_MINE;
    }
    vlen = span_until(p + 4, end, " \r\n");
    if (vlen == 0) {
        return XR_MALFORMED;
    }
    set_rec(&recs[0], SG_MK_EXIM_CWD, p + 4, vlen);
    *n = 1;
    return XR_OK;
}

/* --------------------------------------------------------------- Roundcube */

/* Skips Roundcube's ": " after the date and the optional "<sessid> ". */
static const char *roundcube_body(const char *msg, const char *end)
{
    const char *p = msg;

    if (p < end && *p == ':') {
        p++;
    }
    while (p < end && *p == ' ') {
        p++;
    }
    if (p < end && *p == '<') {
        const char *q = memchr(p, '>', (apr_size_t)(end - p));
        if (q && q - p <= 64) {
            p = q + 1;
            while (p < end && *p == ' ') {
                p++;
            }
        }
    }
    return p;
}

/* "User alice@example.org [198.51.100.7]; Message <id> for ...; 250: ..." */
static xresult_t x_roundcube_sent(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *p = roundcube_body(msg, end), *open, *close;

    if (!starts(p, end, "User ")) {
        return XR_NOT_MINE;
    }
    p += 5;
    open = find(p, (apr_size_t)(end - p), " [");
    close = open ? memchr(open, ']', (apr_size_t)(end - open)) : NULL;
    if (!open || !close || open == p || !find(close, (apr_size_t)(end - close), "; Message")) {
        return XR_MALFORMED;
    }
    set_rec(&recs[0], SG_MK_WEBMAIL_SENT, p, (apr_size_t)(open - p));
    recs[0].ip = open + 2;
    recs[0].ip_len = (apr_size_t)(close - open - 2);
    *n = 1;
    return XR_OK;
}

/* "Successful login for USER (ID: 17) from IP in session ..." and
 * "Failed login for USER from IP in session ..." */
static xresult_t x_roundcube_login(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *p = roundcube_body(msg, end), *from, *user;
    int failed = starts(p, end, "Failed login for ");
    apr_size_t ulen;

    if (!failed && !starts(p, end, "Successful login for ")) {
        return XR_NOT_MINE;
    }
    user = p + (failed ? 17 : 21);
    ulen = span_until(user, end, " ");
    from = find(user, (apr_size_t)(end - user), " from ");
    if (!from || ulen == 0) {
        return XR_MALFORMED;
    }
    set_rec(&recs[0], failed ? SG_MK_WEBMAIL_FAIL : SG_MK_WEBMAIL_LOGIN, user, ulen);
    recs[0].ip = from + 6;
    recs[0].ip_len = span_until(from + 6, end, " \r\n");
    if (failed) {
        recs[0].acct = recs[0].ip;
        recs[0].acct_len = recs[0].ip_len;
    }
    *n = 1;
    return recs[0].ip_len ? XR_OK : XR_MALFORMED;
}

/* --------------------------------------------------------------- Horde IMP */

/* IMP 4/5: "[imp] IP Message sent to RCPTS from USER [pid ...";
 * IMP 6:   "[imp] Message sent to RCPTS from USER (IP) [pid ...". */
static xresult_t x_imp(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *imp = find(msg, len, "[imp] "), *sent, *pid, *from, *p;

    if (!imp) {
        return XR_NOT_MINE;
    }
    sent = find(imp, (apr_size_t)(end - imp), "Message sent to ");
    pid = sent ? find(sent, (apr_size_t)(end - sent), " [pid ") : NULL;
    if (!sent || !pid) {
        return XR_NOT_MINE;
    }
    from = NULL;
    for (p = sent; (p = find(p, (apr_size_t)(pid - p), " from ")) != NULL; p += 6) {
        from = p;
    }
    if (!from) {
        return XR_MALFORMED;
    }
    set_rec(&recs[0], SG_MK_WEBMAIL_SENT, from + 6, span_until(from + 6, pid, " "));
    if (sent > imp + 6) {
        recs[0].ip = imp + 6;
        recs[0].ip_len = (apr_size_t)(sent - 1 - recs[0].ip);
    }
    else if ((p = memchr(from + 6, '(', (apr_size_t)(pid - from - 6))) != NULL) {
        recs[0].ip = p + 1;
        recs[0].ip_len = span_until(p + 1, pid, ")");
    }
    *n = 1;
    return recs[0].acct_len ? XR_OK : XR_MALFORMED;
}

/* --------------------------------------------------------------- PHP and wrappers */

/* "mail() on [/home/alice/public_html/contact.php:88]: To: ..." */
static xresult_t x_php(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *on = find(msg, len, "mail() on ["), *path, *close, *colon;

    if (!on) {
        return XR_NOT_MINE;
    }
    path = on + 11;
    close = find(path, (apr_size_t)(end - path), "]: ");
    if (!close) {
        return XR_MALFORMED;
    }
    colon = memrchr(path, ':', (apr_size_t)(close - path));
    if (!colon || colon == path) {
        colon = close;
    }
    set_rec(&recs[0], SG_MK_SCRIPT, path, (apr_size_t)(colon - path));
    *n = 1;
    return XR_OK;
}

/* "sendmail-php url=..., client=IP, filename=/path, uid=N, user=alice, args=..." */
static xresult_t x_sendmail_php(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *tag = find(msg, len, "sendmail-php "), *file, *ip, *user;
    apr_size_t flen, iplen, ulen;

    if (!tag) {
        return XR_NOT_MINE;
    }
    file = field(tag, end, "filename=", ",\r\n", &flen);
    if (!file || flen == 0) {
        return XR_MALFORMED;
    }
    set_rec(&recs[0], SG_MK_SCRIPT, file, flen);
    ip = field(tag, end, "client=", ",\r\n", &iplen);
    if (ip && iplen) {
        recs[0].ip = ip;
        recs[0].ip_len = iplen;
    }
    *n = 1;
    user = field(tag, end, " user=", ",\r\n", &ulen);
    if (user && ulen) {
        recs[1] = recs[0];
        recs[1].kind = SG_MK_WRAPPER_USER;
        recs[1].acct = user;
        recs[1].acct_len = ulen;
        *n = 2;
    }
    return XR_OK;
}

/* "sendmail2relay user=\"alice\" path=\"/home/alice/public_html/contact.php\"" */
static xresult_t x_sendmail2relay(const char *msg, apr_size_t len, rec_t *recs, int *n)
{
    const char *end = msg + len, *tag = find(msg, len, "sendmail2relay "), *path, *user;
    apr_size_t plen, ulen;

    if (!tag) {
        return XR_NOT_MINE;
    }
    path = field(tag, end, "path=\"", "\"\r\n", &plen);
    if (!path || plen == 0 || path + plen >= end || path[plen] != '"') {
        return XR_MALFORMED;
    }
    set_rec(&recs[0], SG_MK_SCRIPT, path, plen);
    *n = 1;
    user = field(tag, end, "user=\"", "\"\r\n", &ulen);
    if (user && ulen) {
        set_rec(&recs[1], SG_MK_WRAPPER_USER, user, ulen);
        *n = 2;
    }
    return XR_OK;
}

/* --------------------------------------------------------------- sources */

#define MAX_NEEDLES 4

static const needle_t needles[SG_MAILSRC_COUNT][MAX_NEEDLES] = {
    [SG_MAILSRC_POSTFIX] = { { "sasl_username=", x_postfix_submit, 0 },
                             { "authentication failed", x_postfix_fail, 0 },
                             { "/pickup[", x_postfix_pickup, 0 } },
    [SG_MAILSRC_EXIM] = { { " <= ", x_exim_arrival, 0 }, { "cwd=", x_exim_cwd, 0 } },
    [SG_MAILSRC_ROUNDCUBE] = { { "User ", x_roundcube_sent, 0 },
                               { "login for ", x_roundcube_login, 0 } },
    [SG_MAILSRC_IMP] = { { "Message sent to ", x_imp, 0 } },
    [SG_MAILSRC_PHP] = { { "mail() on [", x_php, 1 } },
    [SG_MAILSRC_SENDMAIL_PHP] = { { "sendmail-php ", x_sendmail_php, 0 } },
    [SG_MAILSRC_SENDMAIL2RELAY] = { { "sendmail2relay ", x_sendmail2relay, 0 } },
};

static const char *const source_names[SG_MAILSRC_COUNT] = {
    "postfix", "exim", "roundcube", "imp", "php", "sendmail-php", "sendmail2relay"
};

int sg_mailsrc_parse(const char *name)
{
    int i;

    for (i = 0; i < SG_MAILSRC_COUNT; i++) {
        if (!strcmp(name, source_names[i])) {
            return i;
        }
    }
    return -1;
}

const char *sg_mailsrc_name(sg_mailsrc_t source)
{
    return (unsigned)source < SG_MAILSRC_COUNT ? source_names[source] : "unknown";
}

/* --------------------------------------------------------------- counting */

/* Writes N in decimal at OUT; returns the end. */
static char *put_uint(char *out, unsigned n)
{
    char tmp[4];
    int i = 0;

    do {
        tmp[i++] = (char)('0' + n % 10);
        n /= 10;
    } while (n);
    while (i) {
        *out++ = tmp[--i];
    }
    return out;
}

/* "a.b.c.d" and "a.b.c.0/24" from four octets, without printf. */
static void format_ipv4(const unsigned char *a, char *out, char *net)
{
    char *o = out;
    int i;

    for (i = 0; i < 4; i++) {
        o = put_uint(o, a[i]);
        *o++ = (i < 3) ? '.' : '\0';
    }
    memcpy(net, out, (apr_size_t)(strrchr(out, '.') + 1 - out));
    strcpy(net + (strrchr(out, '.') + 1 - out), "0/24");
}

/* Strict dotted quad (no leading zeros beyond "0", each part <= 255). */
static int parse_ipv4(const char *p, apr_size_t len, unsigned char *a)
{
    const char *end = p + len;
    int i;

    for (i = 0; i < 4; i++) {
        unsigned v = 0;
        const char *start = p;
        while (p < end && *p >= '0' && *p <= '9' && p - start < 3) {
            v = v * 10 + (unsigned)(*p++ - '0');
        }
        if (p == start || v > 255 || (p - start > 1 && *start == '0')) {
            return 0;
        }
        a[i] = (unsigned char)v;
        if (i < 3 && (p >= end || *p++ != '.')) {
            return 0;
        }
    }
    return p == end;
}

apr_status_t sg_mail_ip_canon(const char *text, apr_size_t len, char *out, char *net)
{
    char buf[64];
    unsigned char a[16];

    if (len == 0 || len >= sizeof(buf)) {
        return APR_EINVAL;
    }
    if (parse_ipv4(text, len, a)) {
        format_ipv4(a, out, net);
        return APR_SUCCESS;
    }
    memcpy(buf, text, len);
    buf[len] = '\0';
    if (inet_pton(AF_INET6, buf, a) != 1 || !inet_ntop(AF_INET6, a, out, 64)) {
        return APR_EINVAL;
    }
    if (!memcmp(a, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
        format_ipv4(a + 12, out, net);   /* IPv4-mapped: the same client as its IPv4 form */
        return APR_SUCCESS;
    }
    apr_snprintf(net, 64, "%x:%x:%x::/48", (a[0] << 8) | a[1], (a[2] << 8) | a[3],
                 (a[4] << 8) | a[5]);
    return APR_SUCCESS;
}

/* Second-level labels that are really part of a public suffix ("co.uk"). */
static int short_second_level(const char *label, apr_size_t len)
{
    static const char *const names[] = { "co", "com", "net", "org", "ac", "gov", "edu",
                                         "ne", "or", "go", NULL };
    const char *const *n;

    for (n = names; *n; n++) {
        if (strlen(*n) == len && !strncasecmp(label, *n, len)) {
            return 1;
        }
    }
    return 0;
}

const char *sg_mail_host_domain(apr_pool_t *p, const char *host, apr_size_t len)
{
    const char *end = host + len, *dot1, *dot2, *dot3;

    if (len == 0 || (len == 7 && !memcmp(host, "unknown", 7))) {
        return NULL;
    }
    dot1 = memrchr(host, '.', len);
    if (!dot1) {
        return NULL;
    }
    dot2 = memrchr(host, '.', (apr_size_t)(dot1 - host));
    if (!dot2) {
        return apr_pstrmemdup(p, host, len);
    }
    if (end - dot1 - 1 == 2 && short_second_level(dot2 + 1, (apr_size_t)(dot1 - dot2 - 1))) {
        dot3 = memrchr(host, '.', (apr_size_t)(dot2 - host));
        return apr_pstrmemdup(p, dot3 ? dot3 + 1 : host, (apr_size_t)(end - (dot3 ? dot3 + 1 : host)));
    }
    return apr_pstrmemdup(p, dot2 + 1, (apr_size_t)(end - dot2 - 1));
}

/* Adds KEY to *SET (created on first use); keeps at most SG_MAILLOG_MAX_SET. */
static void set_add(apr_pool_t *p, apr_hash_t **set, const char *key, int *full)
{
    if (!*set) {
        *set = apr_hash_make(p);
    }
    if (apr_hash_get(*set, key, APR_HASH_KEY_STRING)) {
        return;
    }
    if (apr_hash_count(*set) >= SG_MAILLOG_MAX_SET) {
        *full = 1;
        return;
    }
    apr_hash_set(*set, apr_pstrdup(p, key), APR_HASH_KEY_STRING, "");
}

static sg_mailacct_t *account_for(sg_maillog_t *ml, const rec_t *r)
{
    apr_hash_t *table = ml->tables[r->kind];
    sg_mailacct_t *acct = apr_hash_get(table, r->acct, (apr_ssize_t)r->acct_len);

    if (!acct) {
        acct = apr_pcalloc(ml->pool, sizeof(*acct));
        acct->name = apr_pstrmemdup(ml->pool, r->acct, r->acct_len);
        apr_hash_set(table, acct->name, (apr_ssize_t)r->acct_len, acct);
    }
    return acct;
}

static void count_client(sg_maillog_t *ml, sg_mailacct_t *acct, const rec_t *r)
{
    char ip[64], net[64];
    const char *domain;

    if (!r->ip || sg_mail_ip_canon(r->ip, r->ip_len, ip, net) != APR_SUCCESS) {
        return;
    }
    set_add(ml->pool, &acct->ips, ip, &acct->sets_full);
    set_add(ml->pool, &acct->nets, net, &acct->sets_full);
    if (ml->webmail && apr_hash_get(ml->webmail, ip, APR_HASH_KEY_STRING)) {
        acct->webmail++;
    }
    if (r->host && r->host_len == 7 && !memcmp(r->host, "unknown", 7)) {
        set_add(ml->pool, &acct->unknown_ips, ip, &acct->sets_full);
    }
    else if (r->host && r->host_len < SG_MAILLOG_MAX_FIELD
             && (domain = sg_mail_host_domain(ml->pool, r->host, r->host_len))) {
        set_add(ml->pool, &acct->domains, domain, &acct->sets_full);
    }
}

static void count_rec(sg_maillog_t *ml, const rec_t *r, apr_time_t when, const char *line,
                      apr_size_t len)
{
    sg_mailacct_t *acct;

    if (r->acct_len == 0 || r->acct_len > SG_MAILLOG_MAX_FIELD) {
        ml->skipped.malformed++;
        return;
    }
    acct = account_for(ml, r);
    if (acct->count == 0 || when < acct->first) {
        acct->first = when;
        acct->first_line = apr_pstrmemdup(ml->pool, line, len);
    }
    if (acct->count == 0 || when > acct->last) {
        acct->last = when;
    }
    acct->count++;
    count_client(ml, acct, r);
}

/* --------------------------------------------------------------- scanning */

static apr_size_t trim_eol(const char *line, apr_size_t len)
{
    while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n')) {
        len--;
    }
    return len;
}

/* A stamp in whole seconds stands for its whole second: it is in the
 * window when any part of that second is. */
static int in_window(const sg_maillog_t *ml, apr_time_t when)
{
    return when + (ml->time.last_subsecond ? 0 : APR_USEC_PER_SEC - 1) > ml->since
           && when <= ml->until;
}

/* 0 when an account name holds a byte no account name can hold (NUL, a
 * control byte): "sasl_username=jo\0rdy" is no account "jo", and a line
 * that says so is malformed, not a report about another user. */
static int name_bytes_ok(const char *s, apr_size_t n)
{
    apr_size_t i;

    for (i = 0; s && i < n; i++) {
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f) return 0;
    }
    return 1;
}

/* Parses and counts one line that holds NEEDLE's text. */
static xresult_t handle_line(sg_maillog_t *ml, const needle_t *needle, const char *line,
                             apr_size_t len)
{
    rec_t recs[MAX_RECS];
    int n = 0, i, dated;
    apr_time_t when = 0;
    apr_size_t used;
    xresult_t x;

    len = trim_eol(line, len);
    used = sg_logtime_parse(&ml->time, line, len, &when);
    dated = (used > 0);
    if (dated && when <= ml->until && !in_window(ml, when)) {
        return XR_OK;   /* most lines of a long log: not worth parsing further */
    }
    x = needle->extract(line + used, len - used, recs, &n);
    if (x == XR_NOT_MINE) {
        return x;
    }
    ml->matched++;
    for (i = 0; x == XR_OK && i < n; i++) {
        if (!name_bytes_ok(recs[i].acct, recs[i].acct_len)) x = XR_MALFORMED;
    }
    if (x == XR_MALFORMED) {
        ml->skipped.malformed++;
        return x;
    }
    if (!dated && !needle->undated_ok) {
        ml->skipped.no_time++;
        return x;
    }
    if (dated && ml->keep && (in_window(ml, when) || when > ml->until)) {
        ml->keep(ml->keep_baton, line, len);
    }
    if (dated && when > ml->until + apr_time_from_sec(86400)) {
        ml->skipped.future++;
        return x;
    }
    if (dated && !in_window(ml, when)) {
        return x;
    }
    for (i = 0; i < n; i++) {
        count_rec(ml, &recs[i], dated ? when : ml->until, line, len);
    }
    return x;
}

/* Runs the extractor of the needle found at HIT; when the line is not that
 * extractor's after all, the other needles the line holds get their turn
 * (a user name may contain another source's needle text). */
static void handle_hit_line(sg_maillog_t *ml, const char *line, apr_size_t len, const char *hit)
{
    const needle_t *needle, *found = NULL;

    for (needle = needles[ml->source]; needle < needles[ml->source] + MAX_NEEDLES
                                       && needle->text; needle++) {
        if (!strncmp(hit, needle->text, strlen(needle->text))) {
            found = needle;
            if (handle_line(ml, needle, line, len) != XR_NOT_MINE) {
                return;
            }
            break;
        }
    }
    for (needle = needles[ml->source]; needle < needles[ml->source] + MAX_NEEDLES
                                       && needle->text; needle++) {
        if (needle != found && sg_memfind(line, len, needle->text, strlen(needle->text))
            && handle_line(ml, needle, line, len) != XR_NOT_MINE) {
            return;
        }
    }
}

void sg_maillog_feed(sg_maillog_t *ml, const char *buf, apr_size_t len)
{
    const char *end = buf + len, *p = buf, *hit;

    while ((hit = sg_memfind_any(p, (apr_size_t)(end - p), ml->texts, ml->ntexts)) != NULL) {
        const char *start = memrchr(p, '\n', (apr_size_t)(hit - p));
        const char *eol = memchr(hit, '\n', (apr_size_t)(end - hit));
        start = start ? start + 1 : p;
        eol = eol ? eol : end;
        if ((apr_size_t)(eol - start) > SG_MAILLOG_MAX_LINE) {
            ml->skipped.oversize++;
        }
        else {
            handle_hit_line(ml, start, (apr_size_t)(eol - start), hit);
        }
        p = (eol < end) ? eol + 1 : end;
    }
}

/* --------------------------------------------------------------- setup and results */

sg_maillog_t *sg_maillog_create(apr_pool_t *p, sg_mailsrc_t source, apr_time_t until,
                                apr_time_t period)
{
    sg_maillog_t *ml = apr_pcalloc(p, sizeof(*ml));
    int k;

    ml->pool = p;
    ml->source = source;
    for (k = 0; k < MAX_NEEDLES && needles[source][k].text; k++) {
        ml->texts[ml->ntexts++] = needles[source][k].text;
    }
    ml->until = until;
    ml->since = until - period;
    sg_logtime_init(&ml->time, until);
    for (k = 0; k < SG_MK_COUNT; k++) {
        ml->tables[k] = apr_hash_make(p);
    }
    return ml;
}

apr_status_t sg_maillog_add_webmail(sg_maillog_t *ml, const char *ip)
{
    char canon[64], net[64];

    if (sg_mail_ip_canon(ip, strlen(ip), canon, net) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    if (!ml->webmail) {
        ml->webmail = apr_hash_make(ml->pool);
    }
    apr_hash_set(ml->webmail, apr_pstrdup(ml->pool, canon), APR_HASH_KEY_STRING, "");
    return APR_SUCCESS;
}

apr_hash_t *sg_maillog_accounts(const sg_maillog_t *ml, sg_mailkind_t kind)
{
    return ml->tables[kind];
}

void sg_maillog_set_keep(sg_maillog_t *ml, sg_maillog_keep_fn *keep, void *baton)
{
    ml->keep = keep;
    ml->keep_baton = baton;
}

void sg_maillog_skip_oversize(sg_maillog_t *ml)
{
    ml->skipped.oversize++;
}

const sg_mailskip_t *sg_maillog_skipped(const sg_maillog_t *ml)
{
    return &ml->skipped;
}

apr_uint64_t sg_maillog_matched(const sg_maillog_t *ml)
{
    return ml->matched;
}

void sg_mailsrc_count(const char *buf, apr_size_t len, apr_pool_t *p,
                      apr_uint64_t counts[SG_MAILSRC_COUNT])
{
    /* A window from before any stamp to a day from now: every line counts. */
    apr_time_t until = apr_time_now() + apr_time_from_sec(86400);
    apr_pool_t *sub;
    int src;

    apr_pool_create(&sub, p);
    for (src = 0; src < SG_MAILSRC_COUNT; src++) {
        sg_maillog_t *ml = sg_maillog_create(sub, (sg_mailsrc_t)src, until, until + 1);
        sg_maillog_feed(ml, buf, len);
        counts[src] = ml->matched;
        apr_pool_clear(sub);
    }
    apr_pool_destroy(sub);
}
