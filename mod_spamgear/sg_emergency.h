#ifndef SG_EMERGENCY_H
#define SG_EMERGENCY_H
/*
 * emergency-mail's pure logic: the external SMTP server settings (one
 * "emergency-smtp" line each) and the alert message built from the input.
 * Sending is the tool's business (cli/cmd_emergency.c, libcurl); nothing here
 * touches the network.
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

#define SG_SMTP_MAX_RCPT 32           /* recipients per server */
#define SG_SMTP_MAX_ADDR 254          /* RFC 5321 path limit */
#define SG_SMTP_MAX_WORD 1024         /* any other value (user, paths) */
#define SG_EMERGENCY_MAX_BODY 1048576 /* input bytes kept for the mail; stdout gets all */

/* One external server, as written on an emergency-smtp line:
 *   smtp[s]://HOST[:PORT] from=ADDR to=ADDR[,ADDR...] [starttls=required|optional]
 *   [user=NAME password-file=PATH] [cacert=PATH]                                  */
typedef struct sg_smtp_server_t {
    const char *url;              /* "smtp://HOST:PORT", normalized, for messages */
    const char *host;             /* name, IPv4, or [IPv6] with its brackets */
    int port;                     /* 25 for smtp://, 465 for smtps:// unless given */
    int implicit_tls;             /* smtps://: TLS from the first byte */
    int starttls_required;        /* smtp://: 1 refuse to send in clear, 0 try STARTTLS */
    const char *from;             /* envelope and header sender */
    apr_array_header_t *to;       /* recipients (const char *), 1..SG_SMTP_MAX_RCPT */
    const char *user;             /* AUTH user, NULL for no AUTH */
    const char *password_file;    /* absolute path, read at send time; set iff user is */
    const char *cacert;           /* CA bundle to verify the server with, NULL: system's */
} sg_smtp_server_t;

/* Parses one server SPEC into *SERVER (from P).  Returns APR_SUCCESS, or
 * APR_EINVAL with *PROBLEM saying what is wrong (one line, from P). */
apr_status_t sg_smtp_server_parse(const char *spec, apr_pool_t *p, sg_smtp_server_t **server,
                                  const char **problem);

/* 1 when ADDR is a plain local@domain address safe to put in a header and an
 * SMTP command (no blanks, controls, quotes, brackets, commas), else 0. */
int sg_mail_address_ok(const char *addr);

/* HOST reduced to letters, digits, '.' and '-' (others become '-'), at most
 * 253 characters, "localhost" when empty.  Safe in headers; from P. */
const char *sg_safe_hostname(const char *host, apr_pool_t *p);

/* What goes into one alert message. */
typedef struct sg_emergency_mail_t {
    const char *from;                 /* checked by sg_mail_address_ok */
    const apr_array_header_t *to;     /* checked addresses (const char *) */
    const char *hostname;             /* this machine, any text (made safe here) */
    apr_uint64_t queue;               /* messages in the local queue */
    apr_time_exp_t date;              /* local time, tm_gmtoff used for the zone */
    const char *unique;               /* Message-ID left part: [A-Za-z0-9.]+ */
    const char *body;                 /* the input kept (not NUL-terminated) */
    apr_size_t body_len;              /* at most SG_EMERGENCY_MAX_BODY */
    apr_off_t input_len;              /* the whole input; > body_len when truncated */
} sg_emergency_mail_t;

/* Builds the message (CRLF lines, headers then the body as base64 text/plain,
 * so any input bytes arrive exactly and none can become a header) into *MSG
 * and *LEN, from P.  APR_EINVAL when an address or UNIQUE is unsafe. */
apr_status_t sg_emergency_message(const sg_emergency_mail_t *m, apr_pool_t *p, char **msg,
                                  apr_size_t *len);

#endif /* SG_EMERGENCY_H */
