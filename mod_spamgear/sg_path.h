#ifndef SG_PATH_H
#define SG_PATH_H
/*
 * Lexical path helpers.  None of them touches the file system: they decide
 * on the text httpd (or the admin) handed over, after httpd's own decoding.
 */
#include <apr_pools.h>

/* Returns PATH with runs of '/' merged, "/./" dropped and "/x/../" folded,
 * never rising above the root.  Allocated from P. */
const char *sg_path_normalize(apr_pool_t *p, const char *path);

/* When PATH lies inside directory ROOT, returns the part from ROOT's end on,
 * starting with '/'; otherwise returns PATH itself.  Both must be normalized. */
const char *sg_path_below(const char *path, const char *root);

/* For an httpd proxy filename ("proxy:fcgi://host:port/path",
 * "proxy:unix:/sock|fcgi://host/path", scgi and uwsgi alike) returns the
 * script path the backend will run, decoded of nothing, allocated from P.
 * Returns NULL for other filenames and for proxies that do not run scripts
 * by file name (http, https, ajp, ws...). */
const char *sg_path_proxy_script(apr_pool_t *p, const char *filename);

/* The last path component of PATH (the text after the last '/'). */
const char *sg_path_basename(const char *path);

#endif /* SG_PATH_H */
