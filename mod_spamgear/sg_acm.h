#ifndef SG_ACM_H
#define SG_ACM_H
/*
 * Aho-Corasick multi-literal search, ASCII case-folded: the signature set's
 * prefilter.  Every literal ("anchor") a signature needs is added once; one
 * pass over a file then says which anchors occur, and only the signatures
 * whose anchor occurred are tried with their (slower) regex or exact compare.
 * Built once, then read-only: any number of threads may search at once.
 */
#include <apr_pools.h>
#include "sg_result.h"

#define SG_ACM_MAX_STATES (1024 * 1024)   /* trie nodes: caps memory use */
#define SG_ACM_MAX_ANCHOR 256             /* bytes of one anchor */

typedef struct sg_acm_t sg_acm_t;

/* Creates an empty automaton owned by P. */
sg_acm_t *sg_acm_create(apr_pool_t *p);

/* Adds anchor TEXT[0..LEN) reporting ID (>= 0) when found; folded to lower case.
 * Returns APR_EINVAL (RES says which cap) when too long or the trie is full. */
apr_status_t sg_acm_add(sg_acm_t *acm, const char *text, apr_size_t len, int id,
                        sg_result_t *res);

/* As sg_acm_add, and a scan with positions (sg_acm_scan_pos) also records
 * where each occurrence of TEXT ends. */
apr_status_t sg_acm_add_pos(sg_acm_t *acm, const char *text, apr_size_t len, int id,
                            sg_result_t *res);

/* Builds the automaton; no sg_acm_add() after this. */
apr_status_t sg_acm_compile(sg_acm_t *acm);

/* Scans BUF[0..LEN) and sets HIT[id] = 1 for every anchor id found.  HIT
 * must have room for the largest id + 1.  Returns how many ids were newly set. */
int sg_acm_scan(const sg_acm_t *acm, const char *buf, apr_size_t len, unsigned char *hit);

/* One occurrence of an anchor added with sg_acm_add_pos. */
typedef struct sg_acm_pos_t {
    int id;              /* its id */
    apr_size_t end;      /* offset just past its last byte */
} sg_acm_pos_t;

/* Where sg_acm_scan_pos records occurrences. */
typedef struct sg_acm_posbuf_t {
    sg_acm_pos_t *pos;   /* room for MAX, caller-owned */
    int max;             /* of them */
    int n;               /* recorded, in no particular order, maybe twice */
    unsigned char *lost; /* lost[id] = 1: an occurrence of id found no room; caller-owned,
                            zeroed, room for the largest id + 1 */
} sg_acm_posbuf_t;

/* As sg_acm_scan, and appends to OUT (when not NULL) every occurrence of an
 * anchor added with sg_acm_add_pos. */
int sg_acm_scan_pos(const sg_acm_t *acm, const char *buf, apr_size_t len, unsigned char *hit,
                    sg_acm_posbuf_t *out);

/* Number of trie states (for tests and memory estimates). */
int sg_acm_states(const sg_acm_t *acm);

#endif /* SG_ACM_H */
