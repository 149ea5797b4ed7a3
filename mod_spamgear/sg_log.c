/* sg_log.c: the core's logging goes through the host's callback. */
#include <strings.h>
#include "sg_log.h"

static sg_log_level_cb *log_level_cb;   /* host's level filter, or NULL */
static sg_log_print_cb *log_print_cb;   /* host's printer, or NULL: drop */
static void *log_baton;                 /* passed back to both callbacks */

static const char *const level_names[] = {
    "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "trace1"
};

void sg_log_set(sg_log_level_cb *level_cb, sg_log_print_cb *print_cb, void *baton)
{
    log_level_cb = level_cb;
    log_print_cb = print_cb;
    log_baton = baton;
}

int sg_log_is_level(apr_pool_t *p, sg_log_level_t level)
{
    if (!log_print_cb) {
        return 0;
    }
    return log_level_cb ? log_level_cb(log_baton, p, level) : level <= SG_LOG_WARNING;
}

void sg_log_perror(const char *file, int line, sg_log_level_t level,
                   apr_status_t rv, apr_pool_t *p, const char *fmt, ...)
{
    va_list ap;

    if (!sg_log_is_level(p, level)) {
        return;
    }
    va_start(ap, fmt);
    log_print_cb(file, line, level, rv, log_baton, p, fmt, ap);
    va_end(ap);
}

int sg_log_level_parse(const char *name)
{
    int i;

    if (!name) {
        return -1;
    }
    for (i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0])); i++) {
        if (!strcasecmp(name, level_names[i])) {
            return i;
        }
    }
    if (!strcasecmp(name, "warning")) {
        return SG_LOG_WARNING;
    }
    return -1;
}

const char *sg_log_level_name(sg_log_level_t level)
{
    if ((int)level < 0 || level > SG_LOG_TRACE1) {
        return "unknown";
    }
    return level_names[level];
}
