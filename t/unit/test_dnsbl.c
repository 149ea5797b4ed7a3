/* test_dnsbl.c: lists file, query names and the judging of DNSBL answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_dnsbl.h"

#define IP4(a, b, c, d) (((apr_uint32_t)(a) << 24) | ((b) << 16) | ((c) << 8) | (d))

static int parse(const char *text, sg_dnsbl_list_t *list, const char **problem)
{
    *problem = NULL;
    return sg_dnsbl_parse_line(apr_pstrdup(test_pool, text), list, test_pool, problem);
}

static sg_dnsbl_list_t *list_of(const char *text)
{
    sg_dnsbl_list_t *list = apr_palloc(test_pool, sizeof(*list));
    const char *problem;

    ck_assert_int_eq(parse(text, list, &problem), 1);
    return list;
}

/* ------------------------------------------------------------ lists file */

START_TEST(line_with_everything)
{
    sg_dnsbl_list_t *l = list_of("  ZEN.Spamhaus.org.  127.0.0.2-127.0.0.11,127.0.0.30 "
                                 "ipv4  Spamhaus  ZEN \r");

    ck_assert_str_eq(l->zone, "zen.spamhaus.org");
    ck_assert_str_eq(l->name, "Spamhaus  ZEN");
    ck_assert_str_eq(l->codes, "127.0.0.2-127.0.0.11,127.0.0.30");
    ck_assert_int_eq(l->families, SG_DNSBL_IPV4);
    ck_assert_int_eq(l->nranges, 2);
    ck_assert_uint_eq(l->ranges[0].lo, IP4(127, 0, 0, 2));
    ck_assert_uint_eq(l->ranges[0].hi, IP4(127, 0, 0, 11));
    ck_assert_uint_eq(l->ranges[1].lo, IP4(127, 0, 0, 30));
    ck_assert_uint_eq(l->ranges[1].hi, IP4(127, 0, 0, 30));
}
END_TEST

START_TEST(line_defaults)
{
    sg_dnsbl_list_t *l = list_of("bl.test 127.0.0.2");

    ck_assert_str_eq(l->name, "bl.test");
    ck_assert_int_eq(l->families, SG_DNSBL_IPV4 | SG_DNSBL_IPV6);
    l = list_of("bl6.test\t127.0.0.2\tipv6");
    ck_assert_int_eq(l->families, SG_DNSBL_IPV6);
    ck_assert_str_eq(l->name, "bl6.test");
    l = list_of("any.test 127.0.0.2 anything goes");
    ck_assert_int_eq(l->families, SG_DNSBL_IPV4 | SG_DNSBL_IPV6);
    ck_assert_str_eq(l->name, "anything goes");
}
END_TEST

START_TEST(blank_and_comment_lines)
{
    sg_dnsbl_list_t l;
    const char *problem;

    ck_assert_int_eq(parse("", &l, &problem), 0);
    ck_assert_int_eq(parse("   \t\r", &l, &problem), 0);
    ck_assert_int_eq(parse("# zen.spamhaus.org 127.0.0.2", &l, &problem), 0);
    ck_assert_int_eq(parse("  #x", &l, &problem), 0);
}
END_TEST

START_TEST(bad_lines_say_why)
{
    static const struct { const char *line; const char *says; } cases[] = {
        { "bl.test", "missing return codes" },
        { "bl.test 127.0.0", "bad return code '127.0.0'" },
        { "bl.test 127.0.0.2-", "bad return code" },
        { "bl.test 10.0.0.2", "outside 127.0.0.0/8" },
        { "bl.test 127.0.0.2-128.0.0.1", "outside 127.0.0.0/8" },
        { "bl.test 127.0.0.9-127.0.0.2", "ends before it starts" },
        { "bl.test 127.255.255.254", "cannot be accepted" },
        { "bl.test 127.0.0.2-127.255.255.255", "cannot be accepted" },
        { "bl.test ,", "no return code" },
        { "bl..test 127.0.0.2", "empty or over-long" },
        { "bl.te$t 127.0.0.2", "only letters" },
        { "bl.test/x 127.0.0.2", "only letters" },
    };
    sg_dnsbl_list_t l;
    const char *problem;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(parse(cases[i].line, &l, &problem) == -1, "accepted: %s", cases[i].line);
        ck_assert_msg(problem && strstr(problem, cases[i].says), "%s: said '%s'",
                      cases[i].line, problem ? problem : "(null)");
    }
}
END_TEST

START_TEST(caps_on_a_line)
{
    char *line = apr_pstrdup(test_pool, "bl.test 127.0.0.1");
    char *zone = apr_palloc(test_pool, 300);
    sg_dnsbl_list_t l;
    const char *problem;
    int i;

    for (i = 2; i <= SG_DNSBL_MAX_RANGES + 1; i++) {
        line = apr_psprintf(test_pool, "%s,127.0.0.%d", line, i);
    }
    ck_assert_int_eq(parse(line, &l, &problem), -1);
    ck_assert_ptr_nonnull(strstr(problem, "more than 32"));
    memset(zone, 'a', 299);
    for (i = 60; i < 299; i += 61) {
        zone[i] = '.';
    }
    zone[190] = '\0';
    ck_assert_int_eq(parse(apr_pstrcat(test_pool, zone, " 127.0.0.2", NULL), &l, &problem), -1);
    ck_assert_ptr_nonnull(strstr(problem, "longer than 189"));
    zone[189] = '\0';
    ck_assert_int_eq(parse(apr_pstrcat(test_pool, zone, " 127.0.0.2", NULL), &l, &problem), 1);
}
END_TEST

static apr_status_t read_lists(const char *text, apr_array_header_t **lists, sg_result_t *res,
                               const char **path)
{
    apr_status_t rv;

    *path = test_temp_file(text, strlen(text));
    rv = sg_dnsbl_lists_read(lists, *path, test_pool, res);
    unlink(*path);
    return rv;
}

START_TEST(file_good)
{
    apr_array_header_t *lists;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *path;

    ck_assert_int_eq(read_lists("# lists\n\na.test 127.0.0.2\nb.test 127.0.0.2-127.0.0.4 ipv4\n",
                                &lists, &res, &path), APR_SUCCESS);
    ck_assert_int_eq(lists->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(lists, 1, sg_dnsbl_list_t).zone, "b.test");
    ck_assert_int_eq(APR_ARRAY_IDX(lists, 1, sg_dnsbl_list_t).line, 4);
}
END_TEST

START_TEST(file_errors_name_file_and_line)
{
    static const struct { const char *text; const char *says; } cases[] = {
        { "a.test 127.0.0.2\n\nb.test 1.2.3.4\n", ":3: return code 1.2.3.4 is outside" },
        { "a.test 127.0.0.2\nA.test. 127.0.0.3\n", ":2: zone a.test is already listed on line 1" },
        { "# nothing\n\n", ":2: no list in the file" },
        { "", ":0: no list in the file" },
    };
    apr_array_header_t *lists;
    sg_result_t res;
    const char *path;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sg_result_clear(&res);
        ck_assert_int_eq(read_lists(cases[i].text, &lists, &res, &path), APR_EINVAL);
        ck_assert_msg(strstr(res.problem, apr_pstrcat(test_pool, path, cases[i].says, NULL))
                      != NULL, "case %d: %s", (int)i, res.problem);
    }
}
END_TEST

START_TEST(file_caps)
{
    apr_array_header_t *lists;
    sg_result_t res = { APR_SUCCESS, NULL };
    char *text = apr_palloc(test_pool, SG_DNSBL_MAX_LINE + 100);
    const char *big = "";
    const char *path;
    int i;

    memset(text, ' ', SG_DNSBL_MAX_LINE + 10);
    memcpy(text, "a.test 127.0.0.2", 16);
    strcpy(text + SG_DNSBL_MAX_LINE + 10, "\n");
    ck_assert_int_eq(read_lists(apr_pstrcat(test_pool, "b.test 127.0.0.2\n", text, NULL),
                                &lists, &res, &path), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(res.problem, ":2: line longer than 1024 bytes"));
    for (i = 0; i <= SG_DNSBL_MAX_LISTS; i++) {
        big = apr_psprintf(test_pool, "%sl%d.test 127.0.0.2\n", big, i);
    }
    ck_assert_int_eq(read_lists(big, &lists, &res, &path), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(res.problem, ":201: more than 200 lists"));
    sg_result_clear(&res);
    ck_assert_int_eq(sg_dnsbl_lists_read(&lists, "/nonexistent/dnsbl.lists", test_pool, &res),
                     APR_ENOENT);
    ck_assert_ptr_nonnull(strstr(res.problem, "/nonexistent/dnsbl.lists: cannot open"));
}
END_TEST

/* ------------------------------------------------------------ query names */

START_TEST(addresses)
{
    sg_dnsbl_addr_t a;

    ck_assert_int_eq(sg_dnsbl_addr_parse(&a, "192.0.2.1"), APR_SUCCESS);
    ck_assert_int_eq(a.family, SG_DNSBL_IPV4);
    ck_assert_str_eq(a.text, "192.0.2.1");
    ck_assert_int_eq(sg_dnsbl_addr_parse(&a, "2001:DB8:0::1"), APR_SUCCESS);
    ck_assert_int_eq(a.family, SG_DNSBL_IPV6);
    ck_assert_str_eq(a.text, "2001:db8::1");
    ck_assert_int_eq(sg_dnsbl_addr_parse(&a, "192.0.2"), APR_EINVAL);
    ck_assert_int_eq(sg_dnsbl_addr_parse(&a, "192.0.2.256"), APR_EINVAL);
    ck_assert_int_eq(sg_dnsbl_addr_parse(&a, "mail.example.com"), APR_EINVAL);
    ck_assert_int_eq(sg_dnsbl_addr_parse(&a, "2001:db8::1%eth0"), APR_EINVAL);
    ck_assert_int_eq(sg_dnsbl_addr_parse(&a, ""), APR_EINVAL);
}
END_TEST

START_TEST(query_names)
{
    sg_dnsbl_addr_t a;
    char buf[SG_DNSBL_MAX_NAME + 1], small[20];

    sg_dnsbl_addr_parse(&a, "192.0.2.1");
    ck_assert_int_eq(sg_dnsbl_query_name(&a, "zen.spamhaus.org", buf, sizeof(buf)),
                     APR_SUCCESS);
    ck_assert_str_eq(buf, "1.2.0.192.zen.spamhaus.org");
    ck_assert_int_eq(sg_dnsbl_query_name(&a, "zen.spamhaus.org", small, sizeof(small)),
                     APR_ENAMETOOLONG);
    sg_dnsbl_addr_parse(&a, "2001:db8:1234::abcd");
    ck_assert_int_eq(sg_dnsbl_query_name(&a, "bl.test", buf, sizeof(buf)), APR_SUCCESS);
    ck_assert_str_eq(buf, "d.c.b.a.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.4.3.2.1.8.b.d.0.1.0.0.2."
                          "bl.test");
    sg_dnsbl_addr_parse(&a, "::ffff:192.0.2.1");   /* mapped: still nibbles */
    ck_assert_int_eq(sg_dnsbl_query_name(&a, "t", buf, sizeof(buf)), APR_SUCCESS);
    ck_assert_str_eq(buf, "1.0.2.0.0.0.0.c.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.t");
}
END_TEST

/* ------------------------------------------------------------ answers */

static sg_dnsbl_verdict_t judge(const char *list, const apr_uint32_t *codes, int n,
                                const char **what)
{
    return sg_dnsbl_classify(list_of(list), codes, n, test_pool, what);
}

START_TEST(clean_and_listed)
{
    apr_uint32_t two[] = { IP4(127, 0, 0, 2), IP4(127, 0, 0, 10) };
    const char *what;

    ck_assert_int_eq(judge("z.test 127.0.0.2-127.0.0.11", two, 0, &what), SG_DNSBL_CLEAN);
    ck_assert_ptr_null(what);
    ck_assert_int_eq(judge("z.test 127.0.0.2-127.0.0.11", two, 1, &what), SG_DNSBL_LISTED);
    ck_assert_str_eq(what, "127.0.0.2");
    ck_assert_int_eq(judge("z.test 127.0.0.2-127.0.0.11", two, 2, &what), SG_DNSBL_LISTED);
    ck_assert_str_eq(what, "127.0.0.2,127.0.0.10");
    /* a new sub-list code beside a known one: the known one counts */
    ck_assert_int_eq(judge("z.test 127.0.0.10", two, 2, &what), SG_DNSBL_LISTED);
    ck_assert_str_eq(what, "127.0.0.10");
}
END_TEST

START_TEST(refused_codes_are_errors)
{
    static const struct { apr_uint32_t code; const char *says; } cases[] = {
        { IP4(127, 255, 255, 252), "query refused: typing error in the list's zone "
                                   "(127.255.255.252)" },
        { IP4(127, 255, 255, 254), "query refused: queried through a public or open "
                                   "resolver (127.255.255.254)" },
        { IP4(127, 255, 255, 255), "query refused: too many queries from this resolver "
                                   "(127.255.255.255)" },
        { IP4(127, 255, 255, 250), "query refused: error code (127.255.255.250)" },
    };
    apr_uint32_t codes[2];
    const char *what;
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        codes[0] = IP4(127, 0, 0, 2);
        codes[1] = cases[i].code;
        ck_assert_int_eq(judge("z.test 127.0.0.2", codes + 1, 1, &what), SG_DNSBL_ERROR);
        ck_assert_str_eq(what, cases[i].says);
        /* beside a listing code the answer is still not trusted */
        ck_assert_int_eq(judge("z.test 127.0.0.2", codes, 2, &what), SG_DNSBL_ERROR);
        ck_assert_str_eq(what, cases[i].says);
    }
}
END_TEST

START_TEST(other_answers_are_errors)
{
    apr_uint32_t hijack[] = { IP4(127, 0, 0, 2), IP4(198, 51, 100, 7) };
    apr_uint32_t odd[] = { IP4(127, 0, 0, 9) };
    apr_uint32_t many[SG_DNSBL_MAX_ANSWERS + 1];
    const char *what;
    int i;

    ck_assert_int_eq(judge("z.test 127.0.0.2", hijack, 2, &what), SG_DNSBL_ERROR);
    ck_assert_str_eq(what, "answer 198.51.100.7 is outside 127.0.0.0/8 (a resolver that "
                           "rewrites NXDOMAIN?)");
    ck_assert_int_eq(judge("z.test 127.0.0.2,127.0.0.4", odd, 1, &what), SG_DNSBL_ERROR);
    ck_assert_str_eq(what, "unexpected return code 127.0.0.9 (accepted: 127.0.0.2,127.0.0.4)");
    /* answers beyond the cap are not looked at */
    for (i = 0; i < SG_DNSBL_MAX_ANSWERS; i++) {
        many[i] = IP4(127, 0, 0, 3);
    }
    many[SG_DNSBL_MAX_ANSWERS] = IP4(127, 255, 255, 254);
    ck_assert_int_eq(judge("z.test 127.0.0.3", many, SG_DNSBL_MAX_ANSWERS + 1, &what),
                     SG_DNSBL_LISTED);
}
END_TEST

START_TEST(txt_is_made_printable)
{
    const unsigned char txt[] = "Listed\x01\n\xff see http://x/?a|b";

    ck_assert_str_eq(sg_dnsbl_clean_text(test_pool, txt, sizeof(txt) - 1, 100),
                     "Listed??? see http://x/?a|b");
    ck_assert_str_eq(sg_dnsbl_clean_text(test_pool, txt, sizeof(txt) - 1, 6), "Listed...");
    ck_assert_str_eq(sg_dnsbl_clean_text(test_pool, txt, 0, 6), "");
}
END_TEST

START_TEST(nagios_state)
{
    ck_assert_int_eq(sg_dnsbl_state(0, 0, 1, 2), SG_DNSBL_OK);
    ck_assert_int_eq(sg_dnsbl_state(0, 1, 1, 2), SG_DNSBL_UNKNOWN);
    ck_assert_int_eq(sg_dnsbl_state(1, 0, 1, 2), SG_DNSBL_WARNING);
    ck_assert_int_eq(sg_dnsbl_state(1, 3, 1, 2), SG_DNSBL_WARNING);
    ck_assert_int_eq(sg_dnsbl_state(2, 0, 1, 2), SG_DNSBL_CRITICAL);
    ck_assert_int_eq(sg_dnsbl_state(1, 0, 1, 1), SG_DNSBL_CRITICAL);
    ck_assert_int_eq(sg_dnsbl_state(2, 1, 3, 5), SG_DNSBL_UNKNOWN);
    ck_assert_str_eq(sg_dnsbl_state_name(SG_DNSBL_CRITICAL), "CRITICAL");
    ck_assert_str_eq(sg_dnsbl_state_name((sg_dnsbl_state_t)7), "UNKNOWN");
}
END_TEST

Suite *dnsbl_suite(void)
{
    Suite *s = suite_create("dnsbl");
    TCase *tc = tcase_create("dnsbl");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, line_with_everything);
    tcase_add_test(tc, line_defaults);
    tcase_add_test(tc, blank_and_comment_lines);
    tcase_add_test(tc, bad_lines_say_why);
    tcase_add_test(tc, caps_on_a_line);
    tcase_add_test(tc, file_good);
    tcase_add_test(tc, file_errors_name_file_and_line);
    tcase_add_test(tc, file_caps);
    tcase_add_test(tc, addresses);
    tcase_add_test(tc, query_names);
    tcase_add_test(tc, clean_and_listed);
    tcase_add_test(tc, refused_codes_are_errors);
    tcase_add_test(tc, other_answers_are_errors);
    tcase_add_test(tc, txt_is_made_printable);
    tcase_add_test(tc, nagios_state);
    suite_add_tcase(s, tc);
    return s;
}
