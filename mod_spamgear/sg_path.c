/* sg_path.c: lexical path normalisation for rule matching. */
#include <string.h>
#include <strings.h>
#include <apr_strings.h>
#include "sg_path.h"

/* Drops the last component of OUT[0..*len), keeping the leading '/'. */
static void drop_last_component(char *out, apr_size_t *len)
{
    while (*len > 1 && out[*len - 1] != '/') {
        (*len)--;
    }
    if (*len > 1) {
        (*len)--;
    }
}

const char *sg_path_normalize(apr_pool_t *p, const char *path)
{
    apr_size_t n = strlen(path), len = 0, i = 0;
    char *out = apr_palloc(p, n + 2);
    int absolute = (path[0] == '/');

    if (absolute) {
        out[len++] = '/';
    }
    while (i < n) {
        apr_size_t start, seg;
        while (i < n && path[i] == '/') {
            i++;
        }
        start = i;
        while (i < n && path[i] != '/') {
            i++;
        }
        seg = i - start;
        if (seg == 0 || (seg == 1 && path[start] == '.')) {
            continue;
        }
        if (seg == 2 && path[start] == '.' && path[start + 1] == '.' && absolute) {
            drop_last_component(out, &len);
            continue;
        }
        if (len > 0 && out[len - 1] != '/') {
            out[len++] = '/';
        }
        memcpy(out + len, path + start, seg);
        len += seg;
    }
    /* A trailing slash is kept: it says the name is a directory. */
    if (n > 0 && path[n - 1] == '/' && len > 0 && out[len - 1] != '/') {
        out[len++] = '/';
    }
    out[len] = '\0';
    return out;
}

const char *sg_path_below(const char *path, const char *root)
{
    apr_size_t rlen;

    if (!root || !*root) {
        return path;
    }
    rlen = strlen(root);
    while (rlen > 1 && root[rlen - 1] == '/') {
        rlen--;
    }
    if (rlen == 1 && root[0] == '/') {
        return path;
    }
    if (strncmp(path, root, rlen) == 0 && (path[rlen] == '/' || path[rlen] == '\0')) {
        return path[rlen] ? path + rlen : "/";
    }
    return path;
}

/* Schemes whose backends run a script named by the path (SCRIPT_FILENAME). */
static int proxy_scheme_runs_scripts(const char *scheme, apr_size_t len)
{
    static const char *const schemes[] = { "fcgi", "scgi", "uwsgi" };
    apr_size_t i;

    for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
        if (strlen(schemes[i]) == len && !strncasecmp(scheme, schemes[i], len)) {
            return 1;
        }
    }
    return 0;
}

const char *sg_path_proxy_script(apr_pool_t *p, const char *filename)
{
    const char *url, *sep, *path;

    if (strncmp(filename, "proxy:", 6) != 0) {
        return NULL;
    }
    url = filename + 6;
    if (!strncasecmp(url, "unix:", 5)) {
        /* "unix:/path/to.sock|fcgi://host/script": the URL follows the '|'. */
        url = strchr(url, '|');
        if (!url) {
            return NULL;
        }
        url++;
    }
    sep = strstr(url, "://");
    if (!sep || !proxy_scheme_runs_scripts(url, (apr_size_t)(sep - url))) {
        return NULL;
    }
    path = strchr(sep + 3, '/');
    if (!path) {
        return NULL;
    }
    /* mod_proxy_fcgi drops a query string the same way before it builds SCRIPT_FILENAME. */
    return apr_pstrndup(p, path, strcspn(path, "?"));
}

const char *sg_path_basename(const char *path)
{
    const char *slash = strrchr(path, '/');

    return slash ? slash + 1 : path;
}
