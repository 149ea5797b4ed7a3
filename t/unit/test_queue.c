/* test_queue.c: counting postqueue -j and exim -bpc output. */
#include <string.h>
#include "tests.h"
#include "sg_queue.h"

/* Feeds TEXT in pieces of STEP bytes; returns the status, sets *N and *PROBLEM. */
static apr_status_t count(sg_queue_kind_t kind, const char *text, apr_size_t step,
                          apr_uint64_t *n, const char **problem)
{
    sg_queue_count_t qc;
    apr_size_t len = strlen(text), off;

    sg_queue_count_init(&qc, kind);
    for (off = 0; off < len; off += step) {
        sg_queue_count_feed(&qc, text + off, len - off < step ? len - off : step);
    }
    *problem = NULL;
    return sg_queue_count_finish(&qc, n, problem, test_pool);
}

START_TEST(postfix_json_lines)
{
    /* postqueue -j: one object per message; recipients sit inside it. */
    const char *out =
        "{\"queue_name\": \"active\", \"queue_id\": \"4F1\", \"recipients\": "
        "[{\"address\": \"a@x.y\"}, {\"address\": \"b@x.y\"}]}\n"
        "{\"queue_name\": \"deferred\", \"queue_id\": \"4F2\", \"recipients\": []}\n"
        "\n"
        "  {\"queue_name\": \"hold\", \"queue_id\": \"4F3\"}  \r\n"
        "{\"queue_name\": \"incoming\", \"queue_id\": \"4F4\"}";
    apr_size_t step;
    apr_uint64_t n;
    const char *problem;

    for (step = 1; step <= strlen(out); step++) {
        n = 0;
        ck_assert_int_eq(count(SG_QUEUE_POSTFIX, out, step, &n, &problem), APR_SUCCESS);
        ck_assert_msg(n == 4, "step %u: counted %u", (unsigned)step, (unsigned)n);
    }
    ck_assert_int_eq(count(SG_QUEUE_POSTFIX, "", 1, &n, &problem), APR_SUCCESS);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(postfix_other_output_is_an_error)
{
    apr_uint64_t n;
    const char *problem;

    /* mailq output is not postqueue -j: refuse it rather than count lines. */
    ck_assert_int_eq(count(SG_QUEUE_POSTFIX,
                           "-Queue ID-  --Size-- ----Arrival Time----\n4F1  512 Mon\n", 4096,
                           &n, &problem), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(problem, "line 1 is not a JSON object"));
    ck_assert_int_eq(count(SG_QUEUE_POSTFIX, "{\"a\": 1}\n{\"truncated\": \n", 3, &n, &problem),
                     APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(problem, "line 2 is not"));
}
END_TEST

START_TEST(exim_number)
{
    apr_uint64_t n = 0;
    const char *problem;

    ck_assert_int_eq(count(SG_QUEUE_EXIM, "3141\n", 1, &n, &problem), APR_SUCCESS);
    ck_assert_uint_eq(n, 3141);
    ck_assert_int_eq(count(SG_QUEUE_EXIM, "  0 \n", 2, &n, &problem), APR_SUCCESS);
    ck_assert_uint_eq(n, 0);
    ck_assert_int_eq(count(SG_QUEUE_EXIM, "", 1, &n, &problem), APR_EINVAL);
    ck_assert_int_eq(count(SG_QUEUE_EXIM, "12 messages\n", 5, &n, &problem), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(problem, "not a message count"));
    ck_assert_int_eq(count(SG_QUEUE_EXIM, "-5\n", 5, &n, &problem), APR_EINVAL);
    ck_assert_int_eq(count(SG_QUEUE_EXIM, "1234567890123456789012345678901234567890\n", 7, &n,
                           &problem), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(problem, "longer than"));
}
END_TEST

Suite *queue_suite(void)
{
    Suite *s = suite_create("queue");
    TCase *tc = tcase_create("queue");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, postfix_json_lines);
    tcase_add_test(tc, postfix_other_output_is_an_error);
    tcase_add_test(tc, exim_number);
    suite_add_tcase(s, tc);
    return s;
}
