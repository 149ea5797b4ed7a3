#ifndef SG_NOEXEC_H
#define SG_NOEXEC_H
/*
 * No-exec rules: scripts must not run from directories where users and
 * applications write files (upload dirs, caches, temp dirs).
 *
 * The host (mod_spamgear) describes a request after httpd has translated it
 * and picked its handler; sg_noexec_judge() answers whether it would run a
 * script from such a directory.  The decision uses the real file name and the
 * handler, never the URL text, so path info, odd case, encodings and
 * duplicate slashes change nothing.
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include "sg_regex.h"

/* Per-directory switch (SpamGearNoExec); UNSET defers to the path rules. */
typedef enum {
    SG_NOEXEC_UNSET = -1,   /* no directive: path rules decide */
    SG_NOEXEC_OFF = 0,      /* never refuse here */
    SG_NOEXEC_ON = 1        /* everything here is a no-exec path */
} sg_noexec_mode_t;

typedef struct sg_noexec_rules_t {
    sg_regex_list_t *paths;         /* caseless, matched against the file's path */
    apr_array_header_t *handlers;   /* const char * globs of handlers that run code */
    sg_regex_list_t *script_names;  /* caseless, matched against file base names */
    int handler_defaults_added;     /* the built-in handler globs are in HANDLERS */
} sg_noexec_rules_t;

/* What the host knows about one request. */
typedef struct sg_noexec_request_t {
    const char *filename;      /* r->filename after translation (may be "proxy:...") */
    const char *path_info;     /* r->path_info, or NULL */
    const char *handler;       /* r->handler, or NULL when the content type decides */
    const char *content_type;  /* r->content_type, or NULL */
    const char *docroot;       /* the context document root, or NULL */
    sg_noexec_mode_t mode;     /* SpamGearNoExec for the file's directory */
} sg_noexec_request_t;

typedef struct sg_noexec_verdict_t {
    int refuse;           /* non-zero: the request would run a script in a no-exec path */
    const char *script;   /* the normalized path of the script that would run */
    const char *rule;     /* the path rule that matched, or "SpamGearNoExec On" */
    const char *reason;   /* why it counts as execution, one short phrase */
} sg_noexec_verdict_t;

/* The built-in path rules, handler globs and script-name rules (NULL-terminated). */
extern const char *const sg_noexec_default_paths[];
extern const char *const sg_noexec_default_handlers[];
extern const char *const sg_noexec_default_script_names[];

/* Creates empty rules owned by P. */
sg_noexec_rules_t *sg_noexec_rules_create(apr_pool_t *p);

/* Adds the built-in path and script-name lists where RULES has none of its
 * own, and the built-in handler globs always (once). */
apr_status_t sg_noexec_rules_add_defaults(sg_noexec_rules_t *rules, sg_result_t *res);

/* Adds one path regex (caseless PCRE2); APR_EINVAL with RES filled when bad. */
apr_status_t sg_noexec_rules_add_path(sg_noexec_rules_t *rules, const char *regex,
                                      sg_result_t *res);

/* Adds one handler glob (fnmatch syntax, caseless). */
void sg_noexec_rules_add_handler(sg_noexec_rules_t *rules, const char *glob);

/* Non-zero when HANDLER (or CONTENT_TYPE when no handler is set) runs code
 * under RULES.  An explicitly set handler that is not a known static one
 * counts as running code too: unknown handlers get no benefit of the doubt. */
int sg_noexec_handler_runs_code(const sg_noexec_rules_t *rules, const char *handler,
                                const char *content_type);

/* Decides on REQ; never fails.  Strings in V are allocated from P or static. */
void sg_noexec_judge(const sg_noexec_rules_t *rules, const sg_noexec_request_t *req,
                     apr_pool_t *p, sg_noexec_verdict_t *v);

#endif /* SG_NOEXEC_H */
