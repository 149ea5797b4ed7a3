#ifndef SG_QUEUE_H
#define SG_QUEUE_H
/*
 * Sizing the local mail queue from what the MTA's tool prints, fed in pieces
 * as it arrives so a queue of millions needs no buffer:
 *   postfix: `postqueue -j`, one JSON object per message, one per line;
 *   exim:    `exim -bpc`, one number.
 */
#include <apr_pools.h>

#define SG_QUEUE_MAX_NUMBER 32   /* exim: bytes of output kept; a count is shorter */

typedef enum {
    SG_QUEUE_POSTFIX,   /* JSON lines */
    SG_QUEUE_EXIM       /* a number */
} sg_queue_kind_t;

typedef struct sg_queue_count_t {
    sg_queue_kind_t kind;             /* what the output looks like */
    apr_uint64_t count;               /* postfix: complete objects seen so far */
    apr_uint64_t line;                /* postfix: number of the current line, from 1 */
    apr_uint64_t bad_line;            /* postfix: first line that is no object, 0: none */
    char first;                       /* postfix: first non-blank byte of this line */
    char last;                        /* postfix: last non-blank byte of this line */
    char text[SG_QUEUE_MAX_NUMBER];   /* exim: the output */
    apr_size_t text_len;              /* exim: bytes in text */
    int overflow;                     /* exim: output longer than text */
} sg_queue_count_t;

/* Starts counting output of KIND. */
void sg_queue_count_init(sg_queue_count_t *qc, sg_queue_kind_t kind);

/* Feeds the next LEN bytes of output (any split, any bytes). */
void sg_queue_count_feed(sg_queue_count_t *qc, const char *buf, apr_size_t len);

/* Ends the output: *COUNT is the number of queued messages.  APR_EINVAL when
 * the output is not what KIND prints, with *PROBLEM (from P) saying why. */
apr_status_t sg_queue_count_finish(sg_queue_count_t *qc, apr_uint64_t *count,
                                   const char **problem, apr_pool_t *p);

#endif /* SG_QUEUE_H */
