/* test_conf.c: the tool's config file and the unit parsers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_conf.h"
#include "sg_units.h"

static apr_status_t read_conf(const char *text, sg_conf_t **conf, sg_result_t *res)
{
    const char *path = test_temp_file(text, strlen(text));
    apr_status_t rv;

    *conf = sg_conf_create(test_pool);
    rv = sg_conf_read(*conf, path, 0, test_pool, res);
    unlink(path);
    return rv;
}

START_TEST(good_file_sets_values)
{
    sg_conf_t *conf;
    sg_result_t res = { APR_SUCCESS, NULL };

    ck_assert_int_eq(read_conf("# comment\n\nlog-level info\nmail-max = 90\n"
                               "clamav   socket /run/clamav/clamd.ctl\n", &conf, &res),
                     APR_SUCCESS);
    ck_assert_str_eq(sg_conf_get(conf, "log-level"), "info");
    ck_assert_str_eq(sg_conf_get(conf, "mail-max"), "90");
    ck_assert_str_eq(sg_conf_get(conf, "clamav"), "socket /run/clamav/clamd.ctl");
    ck_assert_int_eq(sg_conf_line(conf, "mail-max"), 4);
    ck_assert_str_eq(sg_conf_get(conf, "mail-period"), "1hour");
    ck_assert_int_eq(sg_conf_line(conf, "mail-period"), 0);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
    static const struct { const char *text; int line; const char *says; } cases[] = {
        { "log-level warn\nbogus 1\n", 2, "unknown key 'bogus'" },
        { "\n\nmail-max ninety\n", 3, "mail-max: must be a whole number" },
        { "mail-period 1fortnight\n", 1, "not a duration" },
        { "quarantine var/q\n", 1, "must be an absolute path" },
        { "log-level loud\n", 1, "not a log level" },
        { "clamav tcp localhost\n", 1, "HOST:PORT" },
        { "clamav engine /x /y\n", 1, "too many words" },
        { "mail-max 1\nmail-max 2\n", 2, "already set on line 1" },
        { "signatures\n", 1, "missing value" },
        { "emergency-smtp mx.example.net from=a@b.c to=d@e.f\n", 1, "smtp://HOST" },
        { "emergency-smtp smtp://mx from=a@b.c\n", 1, "emergency-smtp: needs from=" },
        { "emergency-queue sendmail\n", 1, "not a queue kind" },
        { "emergency-queue-command postqueue -j\n", 1, "absolute path" },
        { "emergency-threshold 1\nemergency-threshold 2\n", 2, "already set on line 1" },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sg_conf_t *conf;
        sg_result_t res = { APR_SUCCESS, NULL };
        char where[32];

        ck_assert_int_eq(read_conf(cases[i].text, &conf, &res), APR_EINVAL);
        apr_snprintf(where, sizeof(where), ":%d: ", cases[i].line);
        ck_assert_msg(strstr(res.problem, where) && strstr(res.problem, cases[i].says),
                      "case %u: got '%s'", i, res.problem);
    }
}
END_TEST

START_TEST(repeatable_key_collects_lines)
{
    sg_conf_t *conf;
    sg_result_t res = { APR_SUCCESS, NULL };
    const apr_array_header_t *all;
    const sg_conf_entry_t *e;

    ck_assert_int_eq(read_conf("emergency-smtp smtp://a.example from=r@h.x to=x@y.z\n"
                               "emergency-threshold 3000\n"
                               "emergency-smtp = smtps://b.example from=r@h.x to=x@y.z\n"
                               "emergency-queue-command /usr/local/bin/q --json\n",
                               &conf, &res), APR_SUCCESS);
    all = sg_conf_get_all(conf, "emergency-smtp");
    ck_assert_ptr_nonnull(all);
    ck_assert_int_eq(all->nelts, 2);
    e = &APR_ARRAY_IDX(all, 1, sg_conf_entry_t);
    ck_assert_str_eq(e->value, "smtps://b.example from=r@h.x to=x@y.z");
    ck_assert_int_eq(e->line, 3);
    ck_assert_str_eq(sg_conf_get(conf, "emergency-smtp"), "smtp://a.example from=r@h.x to=x@y.z");
    ck_assert_int_eq(sg_conf_line(conf, "emergency-smtp"), 1);
    ck_assert_str_eq(sg_conf_get(conf, "emergency-threshold"), "3000");
    ck_assert_ptr_null(sg_conf_get_all(conf, "emergency-threshold"));
    ck_assert_str_eq(sg_conf_get(conf, "emergency-queue"), "auto");
    ck_assert_str_eq(sg_conf_get(conf, "emergency-queue-command"), "/usr/local/bin/q --json");
}
END_TEST

START_TEST(repeatable_key_has_a_cap)
{
    const char *text = "";
    sg_conf_t *conf;
    sg_result_t res = { APR_SUCCESS, NULL };
    int i;

    for (i = 0; i <= SG_CONF_MAX_REPEAT; i++) {
        text = apr_pstrcat(test_pool, text, "emergency-smtp smtp://m from=a@b.c to=d@e.f\n", NULL);
    }
    ck_assert_int_eq(read_conf(text, &conf, &res), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(res.problem, ":33: 'emergency-smtp' given more than 32 times"));
}
END_TEST

START_TEST(overlong_line_is_an_error)
{
    char *text = apr_palloc(test_pool, SG_CONF_MAX_LINE + 64);
    sg_conf_t *conf;
    sg_result_t res = { APR_SUCCESS, NULL };

    strcpy(text, "log-level warn\nsignatures /");
    memset(text + strlen(text), 'a', SG_CONF_MAX_LINE + 10);
    strcpy(text + 27 + SG_CONF_MAX_LINE + 10, "\n");
    ck_assert_int_eq(read_conf(text, &conf, &res), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(res.problem, ":2: line longer than"));
}
END_TEST

START_TEST(nul_byte_is_an_error)
{
    static const char text[] = "log-level warn\nmail-max 100\0junk\n";
    const char *path = test_temp_file(text, sizeof(text) - 1);
    sg_conf_t *conf = sg_conf_create(test_pool);
    sg_result_t res = { APR_SUCCESS, NULL };

    ck_assert_int_eq(sg_conf_read(conf, path, 0, test_pool, &res), APR_EINVAL);
    unlink(path);
    ck_assert_ptr_nonnull(strstr(res.problem, ":2: NUL byte"));
}
END_TEST

START_TEST(missing_file)
{
    sg_conf_t *conf = sg_conf_create(test_pool);
    sg_result_t res = { APR_SUCCESS, NULL };

    ck_assert_int_eq(sg_conf_read(conf, "/nonexistent/spamgear.conf", 1, test_pool, &res),
                     APR_SUCCESS);
    ck_assert_ptr_null(conf->path);
    ck_assert_int_ne(sg_conf_read(conf, "/nonexistent/spamgear.conf", 0, test_pool, &res),
                     APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(res.problem, "/nonexistent/spamgear.conf: cannot open"));
}
END_TEST

START_TEST(units)
{
    apr_int64_t n = 0;

    ck_assert_int_eq(sg_parse_duration("1hour", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 3600);
    ck_assert_int_eq(sg_parse_duration("1month", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 30 * 86400);
    ck_assert_int_eq(sg_parse_duration("1year", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 365 * 86400);
    ck_assert_int_eq(sg_parse_duration("2mon", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 60 * 86400);
    ck_assert_int_eq(sg_parse_duration("30min", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 1800);
    ck_assert_int_eq(sg_parse_duration("2d", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 172800);
    ck_assert_int_eq(sg_parse_duration("45", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 45);
    ck_assert_int_eq(sg_parse_duration("-5", &n), APR_EINVAL);
    ck_assert_int_eq(sg_parse_duration("5 parsecs", &n), APR_EINVAL);
    ck_assert_int_eq(sg_parse_duration("99999999999999999999", &n), APR_EINVAL);
    ck_assert_int_eq(sg_parse_size("16M", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 16 * 1048576);
    ck_assert_int_eq(sg_parse_size("512kib", &n), APR_SUCCESS);
    ck_assert_int_eq(n, 512 * 1024);
    ck_assert_int_eq(sg_parse_size("9223372036854775807G", &n), APR_EINVAL);
    ck_assert_int_eq(sg_parse_size("", &n), APR_EINVAL);
}
END_TEST

/* Budgets take sub-second times: "1us" is the smallest, a bare number is seconds. */
START_TEST(interval_units)
{
    apr_interval_time_t t = 0;

    ck_assert_int_eq(sg_parse_interval("1s", &t), APR_SUCCESS);
    ck_assert_int_eq(t, 1000000);
    ck_assert_int_eq(sg_parse_interval("250ms", &t), APR_SUCCESS);
    ck_assert_int_eq(t, 250000);
    ck_assert_int_eq(sg_parse_interval("1us", &t), APR_SUCCESS);
    ck_assert_int_eq(t, 1);
    ck_assert_int_eq(sg_parse_interval("2", &t), APR_SUCCESS);
    ck_assert_int_eq(t, 2000000);
    ck_assert_int_eq(sg_parse_interval("2min", &t), APR_SUCCESS);
    ck_assert_int_eq(t, 120000000);
    ck_assert_int_eq(sg_parse_interval("0", &t), APR_SUCCESS);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(sg_parse_interval("1.5s", &t), APR_EINVAL);
    ck_assert_int_eq(sg_parse_interval("-1ms", &t), APR_EINVAL);
    ck_assert_int_eq(sg_parse_interval("3ns", &t), APR_EINVAL);
    ck_assert_int_eq(sg_parse_interval("9223372036854775807h", &t), APR_EINVAL);
    ck_assert_int_eq(sg_parse_interval("", &t), APR_EINVAL);
}
END_TEST

Suite *conf_suite(void)
{
    Suite *s = suite_create("conf");
    TCase *tc = tcase_create("conf");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, good_file_sets_values);
    tcase_add_test(tc, errors_name_file_and_line);
    tcase_add_test(tc, repeatable_key_collects_lines);
    tcase_add_test(tc, repeatable_key_has_a_cap);
    tcase_add_test(tc, overlong_line_is_an_error);
    tcase_add_test(tc, nul_byte_is_an_error);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, units);
    tcase_add_test(tc, interval_units);
    suite_add_tcase(s, tc);
    return s;
}
