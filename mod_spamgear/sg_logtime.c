/* sg_logtime.c: every mail-log timestamp format, strictly and fast. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <apr_strings.h>
#include "sg_logtime.h"

#define IS_DIGIT(c) ((unsigned char)((c) - '0') < 10)

static const char month_names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* Broken-down fields of one timestamp before conversion. */
typedef struct stamp_t {
    int year, mon, mday, hour, min, sec;  /* year 0: unknown, infer it */
    long usec;                            /* fraction of the second */
    int subsecond;                        /* the stamp had a fraction at all */
    int has_offset;                       /* OFFSET is valid (else local or ZONE) */
    int offset;                           /* seconds east of UTC */
    char zone[64];                        /* IANA zone name, "" for local time */
} stamp_t;

apr_int64_t sg_days_from_civil(int year, int mon, int mday)
{
    /* Howard Hinnant's algorithm: exact for every Gregorian date. */
    apr_int64_t y = year - (mon <= 2);
    apr_int64_t era = (y >= 0 ? y : y - 399) / 400;
    apr_int64_t yoe = y - era * 400;
    apr_int64_t doy = (153 * (mon + (mon > 2 ? -3 : 9)) + 2) / 5 + mday - 1;
    apr_int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

    return era * 146097 + doe - 719468;
}

static int digits(const char *s, int n)
{
    int v = 0, i;

    for (i = 0; i < n; i++) {
        if (!IS_DIGIT(s[i])) {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static int month_of(const char *s)
{
    int i;

    for (i = 0; i < 12; i++) {
        if (!memcmp(s, month_names + 3 * i, 3)) {
            return i + 1;
        }
    }
    return 0;
}

/* "HH:MM:SS" at S; 0 on success. */
static int parse_hms(const char *s, stamp_t *st)
{
    st->hour = digits(s, 2);
    st->min = digits(s + 3, 2);
    st->sec = digits(s + 6, 2);
    if (s[2] != ':' || s[5] != ':' || st->hour < 0 || st->hour > 23 || st->min < 0
        || st->min > 59 || st->sec < 0 || st->sec > 60) {
        return -1;
    }
    return 0;
}

static int valid_date(const stamp_t *st)
{
    return st->mon >= 1 && st->mon <= 12 && st->mday >= 1 && st->mday <= 31
           && (st->year == 0 || (st->year >= 1970 && st->year <= 9999));
}

/* "+01:00", "+0100", "-05", "Z" at S (up to END); returns bytes used, -1 if none. */
static int parse_offset(const char *s, const char *end, stamp_t *st)
{
    int sign, h, m = 0, used;

    if (s < end && *s == 'Z') {
        st->has_offset = 1;
        st->offset = 0;
        return 1;
    }
    if (end - s < 3 || (*s != '+' && *s != '-') || (h = digits(s + 1, 2)) < 0) {
        return -1;
    }
    sign = (*s == '-') ? -1 : 1;
    used = 3;
    if (end - s >= 6 && s[3] == ':' && (m = digits(s + 4, 2)) >= 0) {
        used = 6;
    }
    else if (end - s >= 5 && (m = digits(s + 3, 2)) >= 0) {
        used = 5;
    }
    else {
        m = 0;
    }
    if (h > 14 || m > 59) {
        return -1;
    }
    st->has_offset = 1;
    st->offset = sign * (h * 3600 + m * 60);
    return used;
}

/* "Nov  7 09:31:10" / "Nov 07 09:31:10", and "Nov 7 09:31:10" (one space:
 * rsyslog templates and log shippers that squeeze blanks write it). */
static apr_size_t parse_classic(const char *s, apr_size_t len, stamp_t *st)
{
    if (len >= 14 && s[3] == ' ' && IS_DIGIT(s[4]) && s[5] == ' ' && (st->mon = month_of(s))) {
        st->mday = s[4] - '0';
        return parse_hms(s + 6, st) == 0 ? 14 : 0;
    }
    if (len < 15 || s[3] != ' ' || s[6] != ' ' || !(st->mon = month_of(s))) {
        return 0;
    }
    st->mday = (s[4] == ' ') ? digits(s + 5, 1) : digits(s + 4, 2);
    if (st->mday < 0 || parse_hms(s + 7, st) != 0) {
        return 0;
    }
    return 15;
}

/* "YYYY-MM-DD?HH:MM:SS" where ? is 'T' or ' ', then fraction and offset. */
static apr_size_t parse_iso(const char *s, apr_size_t len, stamp_t *st)
{
    const char *p = s + 19, *end = s + len;
    int used;

    if (len < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ')) {
        return 0;
    }
    st->year = digits(s, 4);
    st->mon = digits(s + 5, 2);
    st->mday = digits(s + 8, 2);
    if (st->year < 0 || parse_hms(s + 11, st) != 0) {
        return 0;
    }
    if (p < end && *p == '.') {
        long scale = 100000;
        st->subsecond = 1;
        for (p++; p < end && IS_DIGIT(*p); p++, scale /= 10) {
            st->usec += (*p - '0') * scale;
        }
    }
    if (s[10] == ' ' && p + 1 < end && *p == ' ' && (p[1] == '+' || p[1] == '-')) {
        p++;   /* Exim with log_timezone: "2026-11-07 09:31:10 +0100" */
    }
    if ((used = parse_offset(p, end, st)) > 0) {
        p += used;
    }
    else if (s[10] == 'T') {
        return 0;   /* RFC3339 always carries an offset */
    }
    return (apr_size_t)(p - s);
}

/* "[07-Nov-2026 09:31:10 +0100]" or "[07-Nov-2026 09:31:10 Europe/Madrid]". */
static apr_size_t parse_bracketed(const char *s, apr_size_t len, stamp_t *st)
{
    const char *close, *zone;
    apr_size_t zlen;

    if (len < 23 || s[3] != '-' || s[7] != '-' || s[12] != ' ' || s[21] != ' ') {
        return 0;
    }
    st->mday = digits(s + 1, 2);
    st->mon = month_of(s + 4);
    st->year = digits(s + 8, 4);
    if (st->mday < 0 || st->year < 0 || parse_hms(s + 13, st) != 0) {
        return 0;
    }
    zone = s + 22;
    close = memchr(zone, ']', len - 22 < 64 ? len - 22 : 64);
    if (!close) {
        return 0;
    }
    zlen = (apr_size_t)(close - zone);
    if (parse_offset(zone, close, st) != (int)zlen) {
        st->has_offset = 0;
        if (zlen == 0 || zlen >= sizeof(st->zone) || memchr(zone, ' ', zlen)) {
            return 0;
        }
        memcpy(st->zone, zone, zlen);
        st->zone[zlen] = '\0';
        if (!strcmp(st->zone, "UTC") || !strcmp(st->zone, "GMT")) {
            st->has_offset = 1;
            st->offset = 0;
        }
    }
    return (apr_size_t)(close + 1 - s);
}

/* mktime() for the hour of ST in ZONE ("" = the process's local zone). */
static apr_int64_t hour_start_in_zone(const stamp_t *st, const char *zone)
{
    struct tm tm;
    char *saved = NULL;
    time_t t;

    memset(&tm, 0, sizeof(tm));
    tm.tm_year = st->year - 1900;
    tm.tm_mon = st->mon - 1;
    tm.tm_mday = st->mday;
    tm.tm_hour = st->hour;
    tm.tm_isdst = -1;
    if (*zone) {
        const char *old = getenv("TZ");
        saved = old ? strdup(old) : NULL;
        setenv("TZ", zone, 1);
        tzset();
    }
    t = mktime(&tm);
    if (*zone) {
        if (saved) {
            setenv("TZ", saved, 1);
            free(saved);
        }
        else {
            unsetenv("TZ");
        }
        tzset();
    }
    return (apr_int64_t)t;
}

static apr_int64_t local_seconds(sg_logtime_t *lt, const stamp_t *st)
{
    if (!lt->c_valid || lt->c_year != st->year || lt->c_mon != st->mon
        || lt->c_mday != st->mday || lt->c_hour != st->hour || strcmp(lt->c_zone, st->zone)) {
        lt->c_base = hour_start_in_zone(st, st->zone);
        lt->c_year = st->year;
        lt->c_mon = st->mon;
        lt->c_mday = st->mday;
        lt->c_hour = st->hour;
        apr_cpystrn(lt->c_zone, st->zone, sizeof(lt->c_zone));
        lt->c_valid = 1;
    }
    return lt->c_base + st->min * 60 + st->sec;
}

static apr_int64_t stamp_seconds(sg_logtime_t *lt, stamp_t *st)
{
    apr_int64_t secs;

    if (st->has_offset) {
        return sg_days_from_civil(st->year, st->mon, st->mday) * 86400 + st->hour * 3600
               + st->min * 60 + st->sec - st->offset;
    }
    if (st->year != 0) {
        return local_seconds(lt, st);
    }
    st->year = lt->ref_year;
    secs = local_seconds(lt, st);
    if (secs > apr_time_sec(lt->reference) + 86400) {
        st->year--;
        secs = local_seconds(lt, st);
    }
    return secs;
}

void sg_logtime_init(sg_logtime_t *lt, apr_time_t reference)
{
    apr_time_exp_t exp;

    memset(lt, 0, sizeof(*lt));
    lt->reference = reference;
    apr_time_exp_lt(&exp, reference);
    lt->ref_year = exp.tm_year + 1900;
}

apr_size_t sg_logtime_parse(sg_logtime_t *lt, const char *line, apr_size_t len,
                            apr_time_t *when)
{
    stamp_t st;
    apr_size_t used;

    if (lt->last_used && len > lt->last_used && !memcmp(line, lt->last_text, lt->last_used)
        && line[lt->last_used - 1] == ' ' && line[lt->last_used] != '+'
        && line[lt->last_used] != '-') {
        /* Busy logs repeat one stamp for many lines: same text, same time. */
        *when = lt->last_when;
        return lt->last_used;
    }
    memset(&st, 0, sizeof(st));
    if (len == 0) {
        return 0;
    }
    if (IS_DIGIT(line[0])) {
        used = parse_iso(line, len, &st);
    }
    else if (line[0] == '[') {
        used = parse_bracketed(line, len, &st);
    }
    else {
        used = parse_classic(line, len, &st);
    }
    if (used == 0 || !valid_date(&st)) {
        return 0;
    }
    *when = apr_time_from_sec(stamp_seconds(lt, &st)) + st.usec;
    lt->last_subsecond = st.subsecond;
    if (used < sizeof(lt->last_text)) {
        memcpy(lt->last_text, line, used);
        lt->last_used = used;
        lt->last_when = *when;
    }
    if (used < len && line[used] == ' ') {
        used++;
    }
    return used;
}

apr_status_t sg_logtime_parse_until(const char *text, apr_time_t now, apr_time_t *until)
{
    sg_logtime_t lt;
    const char *p = (*text == '@') ? text + 1 : text;
    apr_size_t len = strlen(text);
    char *end;
    apr_int64_t secs;

    if (!strcmp(text, "now")) {
        *until = now;
        return APR_SUCCESS;
    }
    if (IS_DIGIT(*p) && (len < 19 || *text == '@')) {
        secs = apr_strtoi64(p, &end, 10);
        if (*end || secs < 0 || secs > APR_INT64_C(253402300799)) {
            return APR_EINVAL;
        }
        *until = apr_time_from_sec(secs);
        return APR_SUCCESS;
    }
    sg_logtime_init(&lt, now);
    if (len >= 19 && text[10] == 'T' && sg_logtime_parse(&lt, text, len, until) == len) {
        return APR_SUCCESS;
    }
    if (len == 19 && text[10] == ' ' && sg_logtime_parse(&lt, text, len, until) == len) {
        return APR_SUCCESS;
    }
    if (len == 19 && text[10] == 'T') {
        /* Local time without an offset: read it as Exim's format. */
        char copy[20];
        memcpy(copy, text, 20);
        copy[10] = ' ';
        if (sg_logtime_parse(&lt, copy, 19, until) == 19) {
            return APR_SUCCESS;
        }
    }
    return APR_EINVAL;
}
