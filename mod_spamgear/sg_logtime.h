#ifndef SG_LOGTIME_H
#define SG_LOGTIME_H
/*
 * Timestamps at the start of mail-log lines, detected per line:
 *   classic syslog     "Nov  7 09:31:10 host ..." (no year, local time)
 *   Postfix's logger   "Nov 07 09:31:10 host ..."
 *   RFC3339            "2026-11-07T09:31:10.211184+01:00 host ..." (or Z)
 *   journald short-iso "2026-11-07T09:31:10+0100 host ..."
 *   Exim               "2026-11-07 09:31:10 ..." (local time, optional " +0100")
 *   Roundcube          "[07-Nov-2026 09:31:10 +0100]: ..."
 *   PHP mail.log       "[07-Nov-2026 09:31:10 Europe/Madrid] ..." (zone name)
 * Lines without a year get the year that puts them at most a day after the
 * reference time (--until), so a December line read in January is last year's.
 *
 * Not thread-safe: local-time and zone conversions go through mktime() with
 * a one-entry cache per hour.  The CLI is the only user.
 */
#include <apr_time.h>

typedef struct sg_logtime_t {
    apr_time_t reference;   /* --until: year inference and "the future" */
    int ref_year;           /* calendar year of REFERENCE in local time */
    int c_valid;            /* cache of the last local-time hour converted: */
    int c_year, c_mon, c_mday, c_hour;
    char c_zone[64];        /* zone name of the cached hour ("" = local) */
    apr_int64_t c_base;     /* Unix seconds at the start of that hour */
    int last_subsecond;     /* the last stamp parsed carried a fraction of a second */
    char last_text[40];     /* the last stamp's text (up to its end)... */
    apr_size_t last_used;   /* ...its length, 0 when none... */
    apr_time_t last_when;   /* ...and its value: lines of one second share it */
} sg_logtime_t;

/* Prepares LT for lines read relative to REFERENCE (usually now). */
void sg_logtime_init(sg_logtime_t *lt, apr_time_t reference);

/* Parses the timestamp that starts LINE[0..LEN).  On success sets *WHEN
 * (microseconds since the epoch) and returns how many bytes it spans, the
 * separator after it included when there is one; returns 0 when the line
 * does not start with a known timestamp. */
apr_size_t sg_logtime_parse(sg_logtime_t *lt, const char *line, apr_size_t len,
                            apr_time_t *when);

/* Days since 1970-01-01 of a proleptic Gregorian date (MON 1..12). */
apr_int64_t sg_days_from_civil(int year, int mon, int mday);

/* Parses an --until argument: "now", Unix seconds ("@1700000000" or plain
 * digits), "YYYY-MM-DD HH:MM:SS" / "YYYY-MM-DDTHH:MM:SS" (local, or with Z/+HH:MM).
 * Returns APR_EINVAL when it is none of these. */
apr_status_t sg_logtime_parse_until(const char *text, apr_time_t now, apr_time_t *until);

#endif /* SG_LOGTIME_H */
