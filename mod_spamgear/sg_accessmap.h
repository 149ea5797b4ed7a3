#ifndef SG_ACCESSMAP_H
#define SG_ACCESSMAP_H
/*
 * Editing a Postfix access map (check_sasl_access and friends) as text.
 *
 * spamgear's entries are an admin's lines like any other, each preceded by a
 * comment that says when it was added and, optionally, when it expires:
 *     # spamgear: added 2026-11-07T10:00:00Z expires 1794049200
 *     info@example.org	REJECT
 * sg_accessmap_update() keeps every other line byte for byte, drops expired
 * spamgear entries and appends new ones, so the host can write the result
 * atomically and run postmap.  Nothing here touches the file system.
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "sg_result.h"

#define SG_ACCESSMAP_MAX_BYTES (16 * 1024 * 1024)   /* larger maps are refused */

typedef struct sg_accessmap_entry_t {
    const char *key;        /* the SASL login (or address) to act on */
    const char *action;     /* REJECT, HOLD, "FILTER relay:[host]", ... */
    apr_time_t expires;     /* 0: never */
} sg_accessmap_entry_t;

typedef struct sg_accessmap_change_t {
    const char *text;       /* the new map, NUL-terminated */
    apr_size_t len;
    int added;              /* entries appended */
    int expired;            /* spamgear entries dropped */
    int already;            /* entries asked for that were there already */
    apr_array_header_t *refused; /* keys (const char *) not added: whitespace, control
                                  * characters, a '#' first or empty (key or action) */
} sg_accessmap_change_t;

/* Computes the map after dropping spamgear entries expired at NOW and adding
 * ADDITIONS (an array of sg_accessmap_entry_t; keys already present in the map
 * are not added twice).  An entry whose key or action holds whitespace that
 * Postfix would split, or control characters, is left out and listed in
 * OUT->refused; the others are added all the same (one bad entry never keeps
 * a spammer from being disabled).  APR_EINVAL only for a map over the size cap. */
apr_status_t sg_accessmap_update(const char *old, apr_size_t len,
                                 const apr_array_header_t *additions, apr_time_t now,
                                 apr_pool_t *p, sg_accessmap_change_t *out, sg_result_t *res);

#endif /* SG_ACCESSMAP_H */
