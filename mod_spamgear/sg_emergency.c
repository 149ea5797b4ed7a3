/* sg_emergency.c: emergency-mail's server settings and alert message. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include "sg_emergency.h"

/* ------------------------------------------------------------ addresses */

int sg_mail_address_ok(const char *addr)
{
    const char *at = strchr(addr, '@'), *c;

    if (!at || at == addr || !at[1] || strchr(at + 1, '@') || at - addr > 64
        || strlen(addr) > SG_SMTP_MAX_ADDR) {
        return 0;
    }
    for (c = addr; c < at; c++) {
        if (*c <= 0x20 || *c >= 0x7f || strchr("<>()[]\\,;:\"", *c)) {
            return 0;
        }
    }
    for (c = at + 1; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-') {
            return 0;
        }
    }
    return at[1] != '.' && c[-1] != '.';
}

const char *sg_safe_hostname(const char *host, apr_pool_t *p)
{
    char *safe = apr_pstrndup(p, host ? host : "", 253), *c;

    for (c = safe; *c; c++) {
        if (!isalnum((unsigned char)*c) && *c != '.' && *c != '-') {
            *c = '-';
        }
    }
    return *safe ? safe : "localhost";
}

/* ------------------------------------------------------------ server spec */

/* Parses "smtp[s]://HOST[:PORT]" into S; NULL when fine, else why not. */
static const char *parse_url(sg_smtp_server_t *s, const char *url, apr_pool_t *p)
{
    const char *rest, *end, *c;
    char *port_end;
    long port;

    if (!strncmp(url, "smtp://", 7)) {
        rest = url + 7;
    }
    else if (!strncmp(url, "smtps://", 8)) {
        rest = url + 8;
        s->implicit_tls = 1;
    }
    else {
        return "the server must start with smtp://HOST or smtps://HOST";
    }
    if (*rest == '[') {
        end = strchr(rest, ']');
        for (c = rest + 1; end && c < end; c++) {
            if (!isxdigit((unsigned char)*c) && *c != ':' && *c != '.') {
                end = NULL;
            }
        }
        if (!end || end == rest + 1) {
            return "bad IPv6 address (expected [ADDRESS])";
        }
        end++;
    }
    else {
        for (end = rest; isalnum((unsigned char)*end) || *end == '.' || *end == '-'; end++) {
        }
        if (end == rest || end - rest > 253) {
            return "missing or bad host name";
        }
    }
    s->host = apr_pstrndup(p, rest, (apr_size_t)(end - rest));
    s->port = s->implicit_tls ? 465 : 25;
    if (*end == ':') {
        port = strtol(end + 1, &port_end, 10);
        if (!isdigit((unsigned char)end[1]) || *port_end || port < 1 || port > 65535) {
            return "the port must be a number from 1 to 65535";
        }
        s->port = (int)port;
    }
    else if (*end) {
        return "unexpected text after the host (expected smtp://HOST[:PORT])";
    }
    s->url = apr_psprintf(p, "%s://%s:%d", s->implicit_tls ? "smtps" : "smtp", s->host, s->port);
    return NULL;
}

static const char *parse_recipients(sg_smtp_server_t *s, char *list, apr_pool_t *p)
{
    char *last, *addr;

    s->to = apr_array_make(p, 2, sizeof(const char *));
    for (addr = apr_strtok(list, ",", &last); addr; addr = apr_strtok(NULL, ",", &last)) {
        if (!sg_mail_address_ok(addr)) {
            return apr_psprintf(p, "to: '%s' is not a plain address (local@domain)", addr);
        }
        if (s->to->nelts >= SG_SMTP_MAX_RCPT) {
            return apr_psprintf(p, "to: more than %d recipients", SG_SMTP_MAX_RCPT);
        }
        APR_ARRAY_PUSH(s->to, const char *) = addr;
    }
    return s->to->nelts ? NULL : "to: needs at least one address";
}

static const char *check_path(const char *name, const char *value, apr_pool_t *p)
{
    return value[0] == '/' ? NULL : apr_psprintf(p, "%s: must be an absolute path", name);
}

/* Stores one NAME=VALUE setting; NULL when fine, else why not. */
static const char *parse_setting(sg_smtp_server_t *s, char *name, char *value, apr_pool_t *p)
{
    const char **slot = NULL;

    if (!strcmp(name, "to")) {
        return s->to ? "to: given twice (list the addresses with commas)"
                     : parse_recipients(s, value, p);
    }
    if (!strcmp(name, "starttls")) {
        if (s->implicit_tls) {
            return "starttls: not for smtps:// (TLS from the start)";
        }
        if (strcmp(value, "required") && strcmp(value, "optional")) {
            return "starttls: must be required or optional";
        }
        s->starttls_required = !strcmp(value, "required");
        return NULL;
    }
    slot = !strcmp(name, "from") ? &s->from
         : !strcmp(name, "user") ? &s->user
         : !strcmp(name, "password-file") ? &s->password_file
         : !strcmp(name, "cacert") ? &s->cacert : NULL;
    if (!slot) {
        return apr_psprintf(p, "unknown setting '%s' (from, to, starttls, user, "
                            "password-file, cacert)", name);
    }
    if (*slot) {
        return apr_psprintf(p, "%s: given twice", name);
    }
    *slot = value;
    if (slot == &s->from) {
        return sg_mail_address_ok(value)
                   ? NULL : apr_psprintf(p, "from: '%s' is not a plain address", value);
    }
    return slot == &s->user ? NULL : check_path(name, value, p);
}

static const char *parse_spec(sg_smtp_server_t *s, char *copy, apr_pool_t *p)
{
    char *last, *word, *eq;
    const char *problem;

    word = apr_strtok(copy, " \t", &last);
    if (!word) {
        return "missing server";
    }
    if ((problem = parse_url(s, word, p))) {
        return problem;
    }
    while ((word = apr_strtok(NULL, " \t", &last))) {
        eq = strchr(word, '=');
        if (!eq || eq == word || !eq[1]) {
            return apr_psprintf(p, "expected NAME=VALUE, got '%s'", word);
        }
        *eq = '\0';
        if (strlen(eq + 1) > SG_SMTP_MAX_WORD) {
            return apr_psprintf(p, "%s: longer than %d bytes", word, SG_SMTP_MAX_WORD);
        }
        if ((problem = parse_setting(s, word, eq + 1, p))) {
            return problem;
        }
    }
    if (!s->from || !s->to) {
        return "needs from=ADDRESS and to=ADDRESS[,ADDRESS...]";
    }
    if (!s->user != !s->password_file) {
        return "user= and password-file= go together";
    }
    return NULL;
}

apr_status_t sg_smtp_server_parse(const char *spec, apr_pool_t *p, sg_smtp_server_t **server,
                                  const char **problem)
{
    sg_smtp_server_t *s = apr_pcalloc(p, sizeof(*s));
    const char *c;

    for (c = spec; *c; c++) {
        if ((unsigned char)*c < 0x20 && *c != '\t') {
            *problem = "control character in the server line";
            return APR_EINVAL;
        }
    }
    s->starttls_required = 1;
    *problem = parse_spec(s, apr_pstrdup(p, spec), p);
    if (*problem) {
        return APR_EINVAL;
    }
    *server = s;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ message */

/* RFC 5322 date: "Tue, 02 Apr 2024 13:05:09 +0200". */
static const char *mail_date(const apr_time_exp_t *t, apr_pool_t *p)
{
    static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat" };
    static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
    long off = t->tm_gmtoff / 60;
    char sign = off < 0 ? '-' : '+';

    off = labs(off);
    return apr_psprintf(p, "%s, %02d %s %04d %02d:%02d:%02d %c%02ld%02ld",
                        days[t->tm_wday % 7], t->tm_mday, months[t->tm_mon % 12],
                        t->tm_year + 1900, t->tm_hour, t->tm_min, t->tm_sec, sign,
                        off / 60, off % 60);
}

/* "a@x,\r\n b@y": one recipient per header line keeps lines short. */
static const char *to_header(const apr_array_header_t *to, apr_pool_t *p)
{
    const char *text = "";
    int i;

    for (i = 0; i < to->nelts; i++) {
        const char *addr = APR_ARRAY_IDX(to, i, const char *);
        if (!sg_mail_address_ok(addr)) {
            return NULL;
        }
        text = apr_pstrcat(p, text, i ? ",\r\n " : "", addr, NULL);
    }
    return to->nelts ? text : NULL;
}

/* The body as base64 in lines of 76 characters; appends at OUT, returns its end. */
static char *append_base64(char *out, const char *data, apr_size_t len)
{
    apr_size_t chunk;

    while (len > 0) {
        chunk = len > 57 ? 57 : len;
        out += apr_base64_encode_binary(out, (const unsigned char *)data, (int)chunk) - 1;
        *out++ = '\r';
        *out++ = '\n';
        data += chunk;
        len -= chunk;
    }
    return out;
}

apr_status_t sg_emergency_message(const sg_emergency_mail_t *m, apr_pool_t *p, char **msg,
                                  apr_size_t *len)
{
    const char *to = to_header(m->to, p), *host = sg_safe_hostname(m->hostname, p);
    int truncated = m->input_len > (apr_off_t)m->body_len;
    char *head, *out;
    apr_size_t head_len;

    if (!to || !sg_mail_address_ok(m->from) || !m->unique || !*m->unique
        || strspn(m->unique, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.")
               != strlen(m->unique)) {
        return APR_EINVAL;
    }
    head = apr_psprintf(p,
        "From: %s\r\nTo: %s\r\n"
        "Subject: [spamgear] emergency: %s queue %" APR_UINT64_T_FMT "%s\r\n"
        "Date: %s\r\nMessage-ID: <%s@%s>\r\n"
        "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n",
        m->from, to, host, m->queue, truncated ? " (truncated)" : "",
        mail_date(&m->date, p), m->unique, host);
    if (truncated) {
        head = apr_psprintf(p, "%sX-Spamgear-Truncated: first %" APR_SIZE_T_FMT " of %"
                            APR_OFF_T_FMT " input bytes\r\n", head, m->body_len, m->input_len);
    }
    head_len = strlen(head);
    /* 4 characters per 3 bytes, rounded up, plus CRLF per 57 input bytes and a NUL. */
    out = *msg = apr_palloc(p, head_len + 2 + (m->body_len + 2) / 3 * 4
                                   + (m->body_len / 57 + 1) * 2 + 1);
    memcpy(out, head, head_len);
    out += head_len;
    *out++ = '\r';
    *out++ = '\n';
    out = append_base64(out, m->body, m->body_len);
    *out = '\0';
    *len = (apr_size_t)(out - *msg);
    return APR_SUCCESS;
}
