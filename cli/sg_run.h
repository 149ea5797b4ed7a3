#ifndef SG_RUN_H
#define SG_RUN_H
/*
 * Running a helper program (postmap, usermod, sendmail, an admin's command)
 * the safe way: an argument vector found on PATH, never a shell, so account
 * names and paths from logs cannot become shell syntax.
 */
#include <apr_pools.h>
#include <apr_time.h>

typedef struct sg_run_result_t {
    int exit_code;          /* the program's exit status; -1 when killed or not run */
    const char *problem;    /* why it failed, one line (its first stderr line, or ours) */
} sg_run_result_t;

/* Runs ARGV (NULL-terminated; ARGV[0] looked up on PATH) with INPUT[0..LEN) on
 * its stdin (nothing when INPUT is NULL), waits at most TIMEOUT and kills it
 * after.  Returns APR_SUCCESS when it ran and exited 0; otherwise an error
 * with OUT->problem set. */
apr_status_t sg_run(apr_pool_t *p, const char *const *argv, const char *input, apr_size_t len,
                    apr_interval_time_t timeout, sg_run_result_t *out);

/* ARGV as one line for messages, quoting words that need it. */
const char *sg_run_describe(apr_pool_t *p, const char *const *argv);

#endif /* SG_RUN_H */
