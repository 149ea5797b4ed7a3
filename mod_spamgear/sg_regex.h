#ifndef SG_REGEX_H
#define SG_REGEX_H
/*
 * An ordered list of PCRE2 patterns, compiled once (JIT when available) and
 * matched many times.  The list and every compiled pattern belong to the pool
 * given at creation: a pool cleanup frees the PCRE2 code, so a server config
 * pool or a CLI pool owns them with no explicit free.  Matching allocates its
 * own match data, so one list may be shared by every thread of an httpd child.
 */
#include <apr_pools.h>
#include "sg_result.h"

typedef struct sg_regex_list_t sg_regex_list_t;

/* Hard cap on one pattern's text: patterns come from config files. */
#define SG_REGEX_MAX_PATTERN 4096

/* Creates an empty list owned by P. */
sg_regex_list_t *sg_regex_list_create(apr_pool_t *p);

/* Compiles PATTERN (UTF-8; CASELESS when caseless != 0) and appends it.
 * On a bad pattern returns APR_EINVAL and says where in RES. */
apr_status_t sg_regex_list_add(sg_regex_list_t *list, const char *pattern,
                               int caseless, sg_result_t *res);

/* A new list in P holding the patterns of A, then those of B (either may be
 * NULL); the compiled code stays owned by A's and B's pools, which must
 * outlive P.  Used to add .htaccess patterns to a directory's list. */
sg_regex_list_t *sg_regex_list_join(const sg_regex_list_t *a, const sg_regex_list_t *b,
                                    apr_pool_t *p);

/* Number of patterns in LIST. */
int sg_regex_list_count(const sg_regex_list_t *list);

/* Source text of pattern I (0-based), or NULL when out of range. */
const char *sg_regex_list_pattern(const sg_regex_list_t *list, int i);

/* Returns the source text of the first pattern matching SUBJECT[0..LEN), or
 * NULL when none does (or on a match error such as a hit match limit). */
const char *sg_regex_list_match(const sg_regex_list_t *list, const char *subject,
                                apr_size_t len);

/* The PCRE2 library version, e.g. "10.42 2022-12-11" (static storage). */
const char *sg_regex_version(void);

#endif /* SG_REGEX_H */
