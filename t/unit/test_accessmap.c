/* test_accessmap.c: spamgear's entries in a Postfix access map. */
#include <string.h>
#include "tests.h"
#include "sg_accessmap.h"

static apr_array_header_t *entries(const char *key, const char *action, apr_time_t expires)
{
    apr_array_header_t *a = apr_array_make(test_pool, 1, sizeof(sg_accessmap_entry_t));
    sg_accessmap_entry_t *e;

    if (key) {
        e = apr_array_push(a);
        e->key = key;
        e->action = action;
        e->expires = expires;
    }
    return a;
}

#define NOW apr_time_from_sec(1794045600)   /* 2026-11-07T10:00:00Z */

START_TEST(adds_keeps_and_expires)
{
    const char *old = "# admin\nold@example.org\tREJECT\n"
                      "# spamgear: added 2020-01-01T00:00:00Z expires 1577840400\n"
                      "gone@example.org\tREJECT\n"
                      "# spamgear: added 2026-11-07T09:00:00Z expires 1794049200\n"
                      "kept@example.org\tHOLD\n"
                      "last@example.org OK";
    sg_accessmap_change_t c;

    ck_assert_int_eq(sg_accessmap_update(old, strlen(old),
                                         entries("new@example.org", "FILTER relay:[b.example]", 0),
                                         NOW, test_pool, &c, NULL), APR_SUCCESS);
    ck_assert_int_eq(c.added, 1);
    ck_assert_int_eq(c.expired, 1);
    ck_assert_str_eq(c.text, "# admin\nold@example.org\tREJECT\n"
                             "# spamgear: added 2026-11-07T09:00:00Z expires 1794049200\n"
                             "kept@example.org\tHOLD\n"
                             "last@example.org OK\n"
                             "# spamgear: added 2026-11-07T10:00:00Z\n"
                             "new@example.org\tFILTER relay:[b.example]\n");
}
END_TEST

START_TEST(existing_keys_are_not_added_twice)
{
    const char *old = "kept@example.org\tHOLD\n";
    sg_accessmap_change_t c;

    ck_assert_int_eq(sg_accessmap_update(old, strlen(old), entries("kept@example.org", "REJECT",
                                                                   NOW + 1), NOW, test_pool,
                                         &c, NULL), APR_SUCCESS);
    ck_assert_int_eq(c.added, 0);
    ck_assert_int_eq(c.already, 1);
    ck_assert_str_eq(c.text, old);
}
END_TEST

/* One hostile entry: left out and listed, the map unchanged by it. */
static void refused_alone(const char *key, const char *action)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_accessmap_change_t c;

    ck_assert_int_eq(sg_accessmap_update("x\tOK\n", 4, entries(key, action, 0), NOW, test_pool,
                                         &c, &res), APR_SUCCESS);
    ck_assert_int_eq(c.added, 0);
    ck_assert_int_eq(c.refused->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(c.refused, 0, const char *), key);
    ck_assert_str_eq(c.text, "x\tOK\n");
}

START_TEST(hostile_keys_are_refused)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_accessmap_change_t c;
    apr_array_header_t *two;

    refused_alone("a b", "REJECT");
    refused_alone("a\nb", "REJECT");
    refused_alone("#a", "REJECT");
    refused_alone("a", "REJECT\nb OK");
    /* an empty key would write "\tREJECT": a continuation of the line above */
    refused_alone("", "REJECT");
    /* a refused entry never keeps the next one out */
    two = entries("#bad", "REJECT", 0);
    APR_ARRAY_IDX(two, 0, sg_accessmap_entry_t).key = "#bad";
    *(sg_accessmap_entry_t *)apr_array_push(two) = APR_ARRAY_IDX(entries("good@x", "REJECT", 0),
                                                                 0, sg_accessmap_entry_t);
    ck_assert_int_eq(sg_accessmap_update("", 0, two, NOW, test_pool, &c, &res), APR_SUCCESS);
    ck_assert_int_eq(c.added, 1);
    ck_assert_int_eq(c.refused->nelts, 1);
    ck_assert_ptr_nonnull(strstr(c.text, "\ngood@x\tREJECT\n"));
    ck_assert_ptr_null(strstr(c.text, "#bad"));
}
END_TEST

START_TEST(expiry_is_read_within_the_map)
{
    /* The map ends in the middle of the number: only "1577840400" counts
     * (a past date), not the digits after the end of the buffer. */
    const char *old = "# spamgear: added 2020-01-01T00:00:00Z expires 1577840400999";
    const char *huge = "# spamgear: added 2020-01-01T00:00:00Z expires 99999999999999999999\n"
                       "x@example.org\tREJECT\n";
    sg_accessmap_change_t c;

    ck_assert_int_eq(sg_accessmap_update(old, strlen(old) - 3, entries(NULL, NULL, 0), NOW,
                                         test_pool, &c, NULL), APR_SUCCESS);
    ck_assert_int_eq(c.expired, 1);
    /* more digits than apr_time_t holds in microseconds: no expiry */
    ck_assert_int_eq(sg_accessmap_update(huge, strlen(huge), entries(NULL, NULL, 0), NOW,
                                         test_pool, &c, NULL), APR_SUCCESS);
    ck_assert_int_eq(c.expired, 0);
    ck_assert_str_eq(c.text, huge);
}
END_TEST

Suite *accessmap_suite(void)
{
    Suite *s = suite_create("accessmap");
    TCase *tc = tcase_create("accessmap");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, adds_keeps_and_expires);
    tcase_add_test(tc, existing_keys_are_not_added_twice);
    tcase_add_test(tc, hostile_keys_are_refused);
    tcase_add_test(tc, expiry_is_read_within_the_map);
    suite_add_tcase(s, tc);
    return s;
}
