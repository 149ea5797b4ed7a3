/* sg_notify.c: filling the notification template, safely. */
#include <string.h>
#include <apr_strings.h>
#include "sg_notify.h"

const char sg_notify_default_template[] =
    "To: ${EMAIL}\n"
    "Subject: Malicious files found in your web space (${USERNAME})\n"
    "Content-Type: text/plain; charset=UTF-8\n"
    "\n"
    "Hello ${USERNAME},\n"
    "\n"
    "a malware scan found web shells, backdoors or injected code in these files\n"
    "of your account:\n"
    "\n"
    "${SHELLS}\n"
    "\n"
    "Files marked [QUARANTINED] were moved out of your web space; files marked\n"
    "[CLEANED] had the injected code removed.  They usually come in through an\n"
    "outdated CMS, plugin or theme, or a stolen password: please update your\n"
    "applications and change your passwords, and reply to this mail if a file was\n"
    "yours and is harmless.\n";

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
           || c == '.' || c == '_' || c == '-';
}

int sg_notify_name_ok(const char *name, int at_ok)
{
    const char *c;
    int ats = 0;

    if (!name || !*name || strlen(name) > (at_ok ? 255 : 64) || *name == '-' || *name == '.') {
        return 0;
    }
    for (c = name; *c; c++) {
        if (*c == '@' && at_ok && ats++ == 0 && c > name && c[1] && c[1] != '.' && c[1] != '-') {
            continue;
        }
        if (!name_char(*c)) return 0;
    }
    return 1;
}

const char *sg_notify_escape(const char *text, apr_pool_t *p)
{
    char *out = apr_palloc(p, strlen(text) * 4 + 1), *o = out;
    const unsigned char *c;

    for (c = (const unsigned char *)text; *c; c++) {
        if (*c < 0x20 || *c == 0x7f) o += apr_snprintf(o, 5, "\\x%02x", *c);
        else *o++ = (char)*c;
    }
    *o = '\0';
    return out;
}

const char *sg_notify_expand(const char *tmpl, const char *email, const char *user,
                             const apr_array_header_t *files, apr_pool_t *p)
{
    apr_array_header_t *parts = apr_array_make(p, 16, sizeof(const char *));
    const char *body = strstr(tmpl, "\n\n"), *crlf = strstr(tmpl, "\r\n\r\n"), *c = tmpl;
    const char *list_body = apr_array_pstrcat(p, files, '\n');
    const char *list_head = "";
    int i;

    if (crlf && (!body || crlf < body)) body = crlf;
    for (i = 0; i < files->nelts; i++) {
        list_head = apr_pstrcat(p, list_head, i ? ", " : "",
                                APR_ARRAY_IDX(files, i, const char *), NULL);
    }
    while (*c) {
        const char *d = strstr(c, "${"), *v = NULL;
        apr_size_t skip = 0;
        if (!d) {
            APR_ARRAY_PUSH(parts, const char *) = c;
            break;
        }
        if (!strncmp(d, "${EMAIL}", 8)) { v = email; skip = 8; }
        else if (!strncmp(d, "${USERNAME}", 11)) { v = user; skip = 11; }
        else if (!strncmp(d, "${SHELLS}", 9)) {
            v = body && d > body ? list_body : list_head;   /* no blank line: all headers */
            skip = 9;
        }
        else skip = 2;   /* not ours: kept as written */
        APR_ARRAY_PUSH(parts, const char *) = apr_pstrndup(p, c, (apr_size_t)(d - c)
                                                           + (v ? 0 : skip));
        if (v) APR_ARRAY_PUSH(parts, const char *) = v;
        c = d + skip;
    }
    return apr_array_pstrcat(p, parts, '\0');
}
