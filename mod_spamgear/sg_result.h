#ifndef SG_RESULT_H
#define SG_RESULT_H
/*
 * A failure the caller must show a human: the status plus one line that says
 * what is wrong, naming the thing at fault (file:line, directive, value).
 * The core fills it; only the host prints it.
 */
#include <apr_pools.h>
#include <apr_errno.h>

typedef struct sg_result_t {
    apr_status_t status;   /* APR_SUCCESS, or why it failed */
    const char *problem;   /* one line, no trailing newline; NULL when fine */
} sg_result_t;

/* Sets RES (if not NULL) to STATUS and the formatted line; returns STATUS. */
apr_status_t sg_result_set(sg_result_t *res, apr_pool_t *p, apr_status_t status,
                           const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Resets RES to success. */
void sg_result_clear(sg_result_t *res);

#endif /* SG_RESULT_H */
