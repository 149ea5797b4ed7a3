#ifndef SG_LOG_H
#define SG_LOG_H
/*
 * Logging from the core.  The core never writes to a terminal or to httpd's
 * error log itself: it calls the print callback that its host installed with
 * sg_log_set() (mod_spamgear: ap_log_error with an APLOGNO id; the spamgear
 * tool: one "spamgear: ..." line on stderr).  Without a host callback
 * messages are dropped, which is what unit tests want by default.
 */
#include <stdarg.h>
#include <apr_pools.h>
#include <apr_errno.h>

/* Same numbering as syslog and httpd's APLOG_* levels, so hosts map 1:1. */
typedef enum {
    SG_LOG_EMERG = 0,
    SG_LOG_ALERT,
    SG_LOG_CRIT,
    SG_LOG_ERR,
    SG_LOG_WARNING,
    SG_LOG_NOTICE,
    SG_LOG_INFO,
    SG_LOG_DEBUG,
    SG_LOG_TRACE1
} sg_log_level_t;

#define SG_LOG_MARK __FILE__, __LINE__

/* Answers whether messages at LEVEL would be shown (lets callers skip work). */
typedef int sg_log_level_cb(void *baton, apr_pool_t *p, sg_log_level_t level);

/* Shows one message; RV is an APR status to append (APR_SUCCESS: none). */
typedef void sg_log_print_cb(const char *file, int line, sg_log_level_t level,
                             apr_status_t rv, void *baton, apr_pool_t *p,
                             const char *fmt, va_list ap);

/* Installs the host's callbacks (NULL restores the silent default). */
void sg_log_set(sg_log_level_cb *level_cb, sg_log_print_cb *print_cb, void *baton);

/* Non-zero when a message at LEVEL would be printed. */
int sg_log_is_level(apr_pool_t *p, sg_log_level_t level);

/* Formats and hands one message to the host; P may be NULL. */
void sg_log_perror(const char *file, int line, sg_log_level_t level,
                   apr_status_t rv, apr_pool_t *p, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

/* Parses "error", "warn", "info", "debug"...; returns -1 for anything else. */
int sg_log_level_parse(const char *name);

/* The lower-case name of LEVEL ("warn" for SG_LOG_WARNING, as httpd spells it). */
const char *sg_log_level_name(sg_log_level_t level);

#endif /* SG_LOG_H */
