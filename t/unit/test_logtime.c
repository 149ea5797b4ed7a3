/* test_logtime.c: every timestamp format, year inference, --until. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests.h"
#include "sg_logtime.h"

/* 2026-11-07T09:31:10Z */
#define T_0931 APR_INT64_C(1794043870)

static sg_logtime_t lt;

static void setup_utc(void)
{
    test_pool_setup();
    setenv("TZ", "UTC", 1);
    tzset();
    sg_logtime_init(&lt, apr_time_from_sec(T_0931 + 3600));
}

static apr_int64_t secs_of(const char *line, apr_size_t expect_used)
{
    apr_time_t when = 0;
    apr_size_t used = sg_logtime_parse(&lt, line, strlen(line), &when);

    ck_assert_msg(used == expect_used, "'%s': used %lu, expected %lu", line,
                  (unsigned long)used, (unsigned long)expect_used);
    return apr_time_sec(when);
}

START_TEST(classic_and_postfix_padding)
{
    ck_assert_int_eq(secs_of("Nov  7 09:31:10 mail postfix/smtpd[1]: x", 16), T_0931);
    ck_assert_int_eq(secs_of("Nov 07 09:31:10 mail postfix/smtpd[1]: x", 16), T_0931);
    ck_assert_int_eq(secs_of("Nov 17 09:31:10 mail x", 16), T_0931 + 10 * 86400 - 365 * 86400);
    /* one space before a one-digit day (rsyslog templates, shippers) */
    ck_assert_int_eq(secs_of("Nov 7 09:31:10 mail postfix/smtpd[1]: x", 15), T_0931);
    ck_assert_int_eq(secs_of("Nov 7 9:31:10 mail x", 0), 0);
}
END_TEST

START_TEST(iso_variants)
{
    apr_time_t when;

    ck_assert_int_eq(secs_of("2026-11-07T10:31:10.211184+01:00 mail x", 33), T_0931);
    ck_assert_int_eq(secs_of("2026-11-07T09:31:10Z mail x", 21), T_0931);
    ck_assert_int_eq(secs_of("2026-11-07T10:31:10+0100 mail x", 25), T_0931);
    ck_assert_int_eq(secs_of("2026-11-07 09:31:10 1ajLoq-0001wC-Pk <= x", 20), T_0931);
    ck_assert_int_eq(secs_of("2026-11-07 10:31:10 +0100 1ajLoq-0001wC-Pk <= x", 26), T_0931);
    ck_assert_int_eq(secs_of("2026-11-07T09:31:10 no offset", 0), 0);
    sg_logtime_parse(&lt, "2026-11-07T09:31:10.5Z", 22, &when);
    ck_assert_int_eq(when % APR_USEC_PER_SEC, 500000);
    ck_assert_int_eq(lt.last_subsecond, 1);
}
END_TEST

START_TEST(bracketed_variants)
{
    ck_assert_int_eq(secs_of("[07-Nov-2026 10:31:10 +0100]: <4z506z6r> User a", 28), T_0931);
    ck_assert_int_eq(secs_of("[07-Nov-2026 09:31:10 UTC] mail() on [/x.php:1]: To: a", 27), T_0931);
    ck_assert_int_eq(secs_of("[07-Nov-2026 10:31:10 Europe/Madrid] mail() on [/x:1]: To", 37), T_0931);
    ck_assert_int_eq(secs_of("[07-Nov-2026 10:31:10 Not a zone] x", 0), 0);
}
END_TEST

START_TEST(garbage_is_no_timestamp)
{
    static const char *const bad[] = {
        "", "Foo  7 09:31:10 x", "Nov 32 09:31:10 x", "Nov  7 25:31:10 x", "Nov  7 09:31",
        "2026-13-07T09:31:10Z", "2026-11-07X09:31:10Z", "[07-Nov-2026 09:31:10", "\xff\xfe\x00",
        NULL
    };
    const char *const *b;
    apr_time_t when;

    for (b = bad; *b; b++) {
        ck_assert_msg(sg_logtime_parse(&lt, *b, strlen(*b), &when) == 0, "accepted '%s'", *b);
    }
}
END_TEST

START_TEST(december_read_in_january_is_last_year)
{
    apr_time_t when;

    sg_logtime_init(&lt, apr_time_from_sec(1767312000));   /* 2026-01-02T00:00:00Z */
    sg_logtime_parse(&lt, "Dec 31 23:00:00 h x", 19, &when);
    ck_assert_int_eq(apr_time_sec(when), 1767222000);       /* 2025-12-31T23:00:00Z */
    sg_logtime_parse(&lt, "Jan  1 23:00:00 h x", 19, &when);
    ck_assert_int_eq(apr_time_sec(when), 1767308400);       /* 2026-01-01T23:00:00Z */
}
END_TEST

START_TEST(local_time_follows_tz)
{
    setenv("TZ", "Europe/Madrid", 1);
    tzset();
    sg_logtime_init(&lt, apr_time_from_sec(T_0931 + 3600));
    ck_assert_int_eq(secs_of("Nov  7 10:31:10 mail x", 16), T_0931);
    ck_assert_int_eq(secs_of("2026-11-07 10:31:10 1ajLoq-0001wC-Pk <= x", 20), T_0931);
    setenv("TZ", "UTC", 1);
    tzset();
}
END_TEST

START_TEST(until_arguments)
{
    apr_time_t until;

    ck_assert_int_eq(sg_logtime_parse_until("@1794043870", 0, &until), APR_SUCCESS);
    ck_assert_int_eq(apr_time_sec(until), T_0931);
    ck_assert_int_eq(sg_logtime_parse_until("1794043870", 0, &until), APR_SUCCESS);
    ck_assert_int_eq(sg_logtime_parse_until("2026-11-07T09:31:10Z", 0, &until), APR_SUCCESS);
    ck_assert_int_eq(apr_time_sec(until), T_0931);
    ck_assert_int_eq(sg_logtime_parse_until("2026-11-07 09:31:10", 0, &until), APR_SUCCESS);
    ck_assert_int_eq(apr_time_sec(until), T_0931);
    ck_assert_int_eq(sg_logtime_parse_until("2026-11-07T09:31:10", 0, &until), APR_SUCCESS);
    ck_assert_int_eq(apr_time_sec(until), T_0931);
    ck_assert_int_eq(sg_logtime_parse_until("now", 42, &until), APR_SUCCESS);
    ck_assert_int_eq(until, 42);
    ck_assert_int_eq(sg_logtime_parse_until("yesterday", 0, &until), APR_EINVAL);
    ck_assert_int_eq(sg_logtime_parse_until("@12x", 0, &until), APR_EINVAL);
}
END_TEST

START_TEST(days_from_civil)
{
    ck_assert_int_eq(sg_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(sg_days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(sg_days_from_civil(2026, 11, 7), 20764);
}
END_TEST

Suite *logtime_suite(void)
{
    Suite *s = suite_create("logtime");
    TCase *tc = tcase_create("logtime");

    tcase_add_checked_fixture(tc, setup_utc, test_pool_teardown);
    tcase_add_test(tc, classic_and_postfix_padding);
    tcase_add_test(tc, iso_variants);
    tcase_add_test(tc, bracketed_variants);
    tcase_add_test(tc, garbage_is_no_timestamp);
    tcase_add_test(tc, december_read_in_january_is_last_year);
    tcase_add_test(tc, local_time_follows_tz);
    tcase_add_test(tc, until_arguments);
    tcase_add_test(tc, days_from_civil);
    suite_add_tcase(s, tc);
    return s;
}
