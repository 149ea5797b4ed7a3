/* sg_units.c: "30min" and "10M" into numbers, strictly. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "sg_units.h"

typedef struct unit_t {
    const char *name;         /* suffix as typed, compared caselessly */
    apr_int64_t multiplier;   /* how many base units one of it is */
} unit_t;

static const unit_t duration_units[] = {
    { "", 1 }, { "s", 1 }, { "sec", 1 }, { "secs", 1 }, { "second", 1 }, { "seconds", 1 },
    { "m", 60 }, { "min", 60 }, { "mins", 60 }, { "minute", 60 }, { "minutes", 60 },
    { "h", 3600 }, { "hour", 3600 }, { "hours", 3600 },
    { "d", 86400 }, { "day", 86400 }, { "days", 86400 },
    { "w", 604800 }, { "week", 604800 }, { "weeks", 604800 },
    /* the classic scripts' -p 1month / 1year: 30 and 365 days */
    { "mon", 2592000 }, { "month", 2592000 }, { "months", 2592000 },
    { "y", 31536000 }, { "year", 31536000 }, { "years", 31536000 },
    { NULL, 0 }
};

static const unit_t interval_units[] = {
    { "us", 1 }, { "usec", 1 }, { "usecs", 1 },
    { "ms", 1000 }, { "msec", 1000 }, { "msecs", 1000 },
    { "", 1000000 }, { "s", 1000000 }, { "sec", 1000000 }, { "secs", 1000000 },
    { "second", 1000000 }, { "seconds", 1000000 },
    { "m", 60000000 }, { "min", 60000000 }, { "mins", 60000000 }, { "minute", 60000000 },
    { "minutes", 60000000 },
    { "h", APR_INT64_C(3600000000) }, { "hour", APR_INT64_C(3600000000) },
    { "hours", APR_INT64_C(3600000000) },
    { NULL, 0 }
};

static const unit_t size_units[] = {
    { "", 1 }, { "b", 1 },
    { "k", 1024 }, { "kb", 1024 }, { "kib", 1024 },
    { "m", 1048576 }, { "mb", 1048576 }, { "mib", 1048576 },
    { "g", 1073741824 }, { "gb", 1073741824 }, { "gib", 1073741824 },
    { NULL, 0 }
};

static apr_status_t parse_with_units(const char *text, const unit_t *units, apr_int64_t *out)
{
    char *end;
    long long number;
    const unit_t *u;

    if (!text || !isdigit((unsigned char)*text)) {
        return APR_EINVAL;
    }
    errno = 0;
    number = strtoll(text, &end, 10);
    if (errno == ERANGE) {
        return APR_EINVAL;
    }
    while (*end == ' ') {
        end++;
    }
    for (u = units; u->name; u++) {
        if (!strcasecmp(end, u->name)) {
            if (number > APR_INT64_MAX / u->multiplier) {
                return APR_EINVAL;
            }
            *out = (apr_int64_t)number * u->multiplier;
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}

apr_status_t sg_parse_duration(const char *text, apr_int64_t *seconds)
{
    return parse_with_units(text, duration_units, seconds);
}

apr_status_t sg_parse_size(const char *text, apr_int64_t *bytes)
{
    return parse_with_units(text, size_units, bytes);
}

apr_status_t sg_parse_interval(const char *text, apr_interval_time_t *usec)
{
    apr_int64_t n;
    apr_status_t rv = parse_with_units(text, interval_units, &n);

    if (rv == APR_SUCCESS) {
        *usec = (apr_interval_time_t)n;
    }
    return rv;
}
