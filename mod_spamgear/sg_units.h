#ifndef SG_UNITS_H
#define SG_UNITS_H
/* Parsing the sizes and durations that admins type in configs and options. */
#include <apr_general.h>
#include <apr_time.h>

/* Parses "90", "45s", "30min", "1hour", "2d", "1w" (also "m", "h", "hours"...)
 * into seconds.  Returns APR_EINVAL for anything else, including overflow. */
apr_status_t sg_parse_duration(const char *text, apr_int64_t *seconds);

/* Parses "4096", "512k", "10M", "2G" (binary multiples, optional "B"/"iB")
 * into bytes.  Returns APR_EINVAL for anything else, including overflow. */
apr_status_t sg_parse_size(const char *text, apr_int64_t *bytes);

/* Parses "1s", "250ms", "50us", "2min" (a bare number is seconds; also
 * "sec", "msec", "usec", "m") into microseconds, for budgets and timeouts
 * shorter than a second.  Returns APR_EINVAL for anything else, including
 * overflow. */
apr_status_t sg_parse_interval(const char *text, apr_interval_time_t *usec);

#endif /* SG_UNITS_H */
