/* test_log.c: core messages reach the host's callback, filtered by level. */
#include <stdio.h>
#include <string.h>
#include "tests.h"
#include "sg_log.h"
#include "sg_regex.h"

typedef struct captured_t {
    int calls;                /* messages printed */
    sg_log_level_t level;     /* level of the last one */
    char text[256];           /* text of the last one */
    sg_log_level_t threshold; /* what the fake host shows */
} captured_t;

static int fake_is_level(void *baton, apr_pool_t *p, sg_log_level_t level)
{
    return level <= ((captured_t *)baton)->threshold;
}

static void fake_print(const char *file, int line, sg_log_level_t level, apr_status_t rv,
                       void *baton, apr_pool_t *p, const char *fmt, va_list ap)
{
    captured_t *c = baton;

    c->calls++;
    c->level = level;
    vsnprintf(c->text, sizeof(c->text), fmt, ap);
}

START_TEST(messages_go_through_the_callback)
{
    captured_t c;

    memset(&c, 0, sizeof(c));
    c.threshold = SG_LOG_INFO;
    sg_log_set(fake_is_level, fake_print, &c);
    sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, test_pool, "hello %d", 42);
    ck_assert_int_eq(c.calls, 1);
    ck_assert_int_eq(c.level, SG_LOG_WARNING);
    ck_assert_str_eq(c.text, "hello 42");
    sg_log_perror(SG_LOG_MARK, SG_LOG_DEBUG, APR_SUCCESS, test_pool, "hidden");
    ck_assert_int_eq(c.calls, 1);
    sg_log_set(NULL, NULL, NULL);
    ck_assert_int_eq(sg_log_is_level(test_pool, SG_LOG_EMERG), 0);
}
END_TEST

START_TEST(level_names)
{
    ck_assert_int_eq(sg_log_level_parse("warn"), SG_LOG_WARNING);
    ck_assert_int_eq(sg_log_level_parse("WARNING"), SG_LOG_WARNING);
    ck_assert_int_eq(sg_log_level_parse("debug"), SG_LOG_DEBUG);
    ck_assert_int_eq(sg_log_level_parse("loud"), -1);
    ck_assert_str_eq(sg_log_level_name(SG_LOG_ERR), "error");
}
END_TEST

START_TEST(regex_list_reports_the_matching_pattern)
{
    sg_regex_list_t *list = sg_regex_list_create(test_pool);

    ck_assert_int_eq(sg_regex_list_add(list, "/uploads?/", 1, NULL), APR_SUCCESS);
    ck_assert_int_eq(sg_regex_list_add(list, "\\.php$", 0, NULL), APR_SUCCESS);
    ck_assert_int_eq(sg_regex_list_add(list, "", 0, NULL), APR_EINVAL);
    ck_assert_str_eq(sg_regex_list_match(list, "/a/UPLOAD/b", 11), "/uploads?/");
    ck_assert_str_eq(sg_regex_list_match(list, "/a/b.php", 8), "\\.php$");
    ck_assert_ptr_null(sg_regex_list_match(list, "/a/b.PHP", 8));
    /* Invalid UTF-8 in a path is data, not a match error. */
    ck_assert_str_eq(sg_regex_list_match(list, "/\xff\xfe/uploads/x", 13), "/uploads?/");
}
END_TEST

Suite *log_suite(void)
{
    Suite *s = suite_create("log+regex");
    TCase *tc = tcase_create("log");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, messages_go_through_the_callback);
    tcase_add_test(tc, level_names);
    tcase_add_test(tc, regex_list_reports_the_matching_pattern);
    suite_add_tcase(s, tc);
    return s;
}
