/* sg_xmlrpc.c: login calls in an XML-RPC body, without an XML parser. */
#include <string.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_xmlrpc.h"

/* Authenticated families; methods of these that take no password. */
static const char *const login_prefixes[] = { "wp.", "metaWeblog.", "blogger.", "mt.", NULL };
static const char *const no_password[] = { "mt.supportedMethods", "mt.supportedTextFilters",
                                           "mt.getTrackbackPings", NULL };

int sg_xmlrpc_is_login_method(const char *name, apr_size_t len)
{
    int i;

    for (i = 0; no_password[i]; i++) {
        if (strlen(no_password[i]) == len && !memcmp(name, no_password[i], len)) {
            return 0;
        }
    }
    for (i = 0; login_prefixes[i]; i++) {
        apr_size_t n = strlen(login_prefixes[i]);
        if (len > n && !memcmp(name, login_prefixes[i], n)) {
            return 1;
        }
    }
    return 0;
}

/* Finds NEEDLE in [S, END); NULL when absent. */
static const char *find(const char *s, const char *end, const char *needle)
{
    apr_size_t n = strlen(needle);

    for (; s && s + n <= end; s++) {
        s = memchr(s, needle[0], (apr_size_t)(end - s));
        if (!s || s + n > end) {
            return NULL;
        }
        if (!memcmp(s, needle, n)) {
            return s;
        }
    }
    return NULL;
}

/* The text after S up to the next '<', with tags <value> and <string> and
 * white space around it skipped: sets *NAME and *LEN, returns the end. */
static const char *text_value(const char *s, const char *end, const char **name,
                              apr_size_t *len)
{
    const char *e;

    for (;;) {
        while (s < end && apr_isspace(*s)) {
            s++;
        }
        if (end - s >= 7 && !memcmp(s, "<value>", 7)) {
            s += 7;
        }
        else if (end - s >= 8 && !memcmp(s, "<string>", 8)) {
            s += 8;
        }
        else {
            break;
        }
    }
    e = memchr(s, '<', (apr_size_t)(end - s));
    if (!e) {
        e = end;   /* cut short: the name may be incomplete, do not count it */
        *len = 0;
    }
    else {
        *len = (apr_size_t)(e - s);
    }
    *name = s;
    while (*len && apr_isspace(s[*len - 1])) {
        (*len)--;
    }
    return e;
}

/* Counts multicall members "<name>methodName</name><value>...NAME..." from S. */
static int count_multicall(const char *s, const char *end)
{
    int count = 0;

    while ((s = find(s, end, "<name>methodName</name>")) != NULL) {
        const char *name;
        apr_size_t len;
        s = text_value(s + 23, end, &name, &len);
        count += len && sg_xmlrpc_is_login_method(name, len);
    }
    return count;
}

int sg_xmlrpc_count_logins(const char *body, apr_size_t len)
{
    const char *end = body + len, *s = find(body, end, "<methodName>");
    const char *name;
    apr_size_t n;

    if (!s) {
        return 0;
    }
    s = text_value(s + 12, end, &name, &n);
    if (n == 16 && !memcmp(name, "system.multicall", 16)) {
        return count_multicall(s, end);
    }
    return n && sg_xmlrpc_is_login_method(name, n);
}
