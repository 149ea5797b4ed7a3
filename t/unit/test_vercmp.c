/* test_vercmp.c: PHP version_compare() order and CVSS v3.1 base scores. */
#include <string.h>
#include "tests.h"
#include "sg_vercmp.h"

static void expect_order(const char *a, int want, const char *b)
{
    int got = sg_vercmp(a, b), back = sg_vercmp(b, a);

    got = (got > 0) - (got < 0);
    back = (back > 0) - (back < 0);
    ck_assert_msg(got == want, "vercmp(%s, %s) = %d, expected %d", a, b, got, want);
    ck_assert_msg(back == -want, "vercmp(%s, %s) = %d, expected %d", b, a, back, -want);
}

START_TEST(numbers)
{
    expect_order("2.10", 1, "2.9");
    expect_order("1.0", 0, "1.0");
    expect_order("1.0", -1, "1.0.0");
    expect_order("1.0.1", 1, "1.0");
    expect_order("01.2", 0, "1.2");
    expect_order("10", 1, "9");
    expect_order("123456789012345678901", 1, "123456789012345678900");
    expect_order("5.3.2", 1, "5.3.1");
    expect_order("6.4", -1, "6.4.2");
}
END_TEST

START_TEST(words)
{
    /* PHP: version_compare('1.0rc1', '1.0') == -1, and so on */
    expect_order("1.0rc1", -1, "1.0");
    expect_order("1.0RC1", 0, "1.0rc1");
    expect_order("1.0-dev", -1, "1.0alpha");
    expect_order("1.0alpha", 0, "1.0a");
    expect_order("1.0a1", -1, "1.0b1");
    expect_order("1.0beta2", -1, "1.0rc1");
    expect_order("1.0rc2", 1, "1.0rc1");
    expect_order("1.0", -1, "1.0pl1");
    expect_order("1.0p1", 0, "1.0pl1");
    expect_order("1.0.0", -1, "1.0pl1");  /* pl outranks a number, as in PHP */
    expect_order("1.0-foo", -1, "1.0-dev");
    expect_order("1.0_1", 0, "1.0.1");
    expect_order("1.0+1", 0, "1.0-1");
    expect_order("4.0.0-beta", -1, "4.0.0");
}
END_TEST

START_TEST(empty_and_origin)
{
    expect_order("", 0, "");
    expect_order("", -1, "0");
    ck_assert(sg_vercmp_is_origin("*"));
    ck_assert(sg_vercmp_is_origin("0"));
    ck_assert(sg_vercmp_is_origin(""));
    ck_assert(!sg_vercmp_is_origin("0.1"));
}
END_TEST

START_TEST(version_shape)
{
    ck_assert(sg_version_ok("6.4.2"));
    ck_assert(sg_version_ok("v1.2"));
    ck_assert(sg_version_ok("4.0.0-beta+build.7"));
    ck_assert(!sg_version_ok(""));
    ck_assert(!sg_version_ok("beta"));
    ck_assert(!sg_version_ok("1.0 (Build"));
    ck_assert(!sg_version_ok("1.0'; system('id"));
    ck_assert(!sg_version_ok("1111111111111111111111111111111111111111111111111111111111111111.1"));
}
END_TEST

static double score_of(const char *vector)
{
    double s = -1;

    ck_assert_msg(sg_cvss3_score(vector, &s) == APR_SUCCESS, "%s did not parse", vector);
    return s;
}

START_TEST(cvss_known_vectors)
{
    ck_assert_double_eq_tol(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"), 9.8, 1e-9);
    ck_assert_double_eq_tol(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H"), 10.0, 1e-9);
    ck_assert_double_eq_tol(score_of("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:L/I:L/A:N"), 5.4, 1e-9);
    /* stored XSS, the most common WordPress plugin bug */
    ck_assert_double_eq_tol(score_of("CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N"), 6.4, 1e-9);
    ck_assert_double_eq_tol(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"), 6.1, 1e-9);
    ck_assert_double_eq_tol(score_of("CVSS:3.1/AV:N/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"), 2.0, 1e-9);
    ck_assert_double_eq_tol(score_of("CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"), 7.8, 1e-9);
    ck_assert_double_eq_tol(score_of("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N"), 0.0, 1e-9);
    /* metrics in another order, temporal ones after them */
    ck_assert_double_eq_tol(score_of("CVSS:3.1/C:H/I:H/A:H/AV:N/AC:L/PR:N/UI:N/S:U/E:P"), 9.8, 1e-9);
}
END_TEST

START_TEST(cvss_bad_vectors)
{
    double s;

    ck_assert_int_eq(sg_cvss3_score("CVSS:2.0/AV:N/AC:L/Au:N/C:P/I:P/A:P", &s), APR_EINVAL);
    ck_assert_int_eq(sg_cvss3_score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", &s), APR_EINVAL);
    ck_assert_int_eq(sg_cvss3_score("CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &s), APR_EINVAL);
    ck_assert_int_eq(sg_cvss3_score("CVSS:3.1/AV:N/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &s),
                     APR_EINVAL);
    ck_assert_int_eq(sg_cvss3_score("CVSS:3.1/AV:NN/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &s),
                     APR_EINVAL);
    ck_assert_int_eq(sg_cvss3_score("", &s), APR_EINVAL);
}
END_TEST

START_TEST(cvss_ratings)
{
    ck_assert_str_eq(sg_cvss_rating(0.0), "none");
    ck_assert_str_eq(sg_cvss_rating(3.9), "low");
    ck_assert_str_eq(sg_cvss_rating(4.0), "medium");
    ck_assert_str_eq(sg_cvss_rating(8.9), "high");
    ck_assert_str_eq(sg_cvss_rating(9.0), "critical");
}
END_TEST

Suite *vercmp_suite(void)
{
    Suite *s = suite_create("vercmp");
    TCase *tc = tcase_create("vercmp");

    tcase_add_test(tc, numbers);
    tcase_add_test(tc, words);
    tcase_add_test(tc, empty_and_origin);
    tcase_add_test(tc, version_shape);
    tcase_add_test(tc, cvss_known_vectors);
    tcase_add_test(tc, cvss_bad_vectors);
    tcase_add_test(tc, cvss_ratings);
    suite_add_tcase(s, tc);
    return s;
}
