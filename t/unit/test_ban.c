/* test_ban.c: client keys, CIDR ranges, records, ban arithmetic, XML-RPC counting. */
#include <string.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_ban.h"
#include "sg_xmlrpc.h"

/* ------------------------------------------------------------ a plain table store */

typedef struct table_store_t {
    sg_ban_store_t st;       /* the interface */
    apr_hash_t *values;      /* key -> value */
    apr_hash_t *expiry;      /* key -> apr_int64_t * */
    apr_int64_t *now;        /* the test's clock */
    int fail;                /* non-zero: every call fails with APR_ECONNREFUSED */
} table_store_t;

static apr_status_t t_get(sg_ban_store_t *st, const char *key, char *buf, apr_size_t *len,
                          apr_pool_t *p)
{
    table_store_t *t = st->baton;
    const char *v = apr_hash_get(t->values, key, APR_HASH_KEY_STRING);
    apr_int64_t *exp = apr_hash_get(t->expiry, key, APR_HASH_KEY_STRING);

    if (t->fail) {
        return APR_ECONNREFUSED;
    }
    if (!v || *exp <= *t->now) {
        return APR_NOTFOUND;
    }
    ck_assert_uint_lt(strlen(v), *len);
    memcpy(buf, v, strlen(v));
    *len = strlen(v);
    return APR_SUCCESS;
}

static apr_status_t t_set(sg_ban_store_t *st, const char *key, const char *value,
                          apr_int64_t expires, apr_pool_t *p)
{
    table_store_t *t = st->baton;
    apr_int64_t *exp = apr_palloc(test_pool, sizeof(*exp));

    if (t->fail) {
        return APR_ECONNREFUSED;
    }
    *exp = expires;
    apr_hash_set(t->values, apr_pstrdup(test_pool, key), APR_HASH_KEY_STRING,
                 apr_pstrdup(test_pool, value));
    apr_hash_set(t->expiry, apr_pstrdup(test_pool, key), APR_HASH_KEY_STRING, exp);
    return APR_SUCCESS;
}

static apr_status_t t_del(sg_ban_store_t *st, const char *key, apr_pool_t *p)
{
    table_store_t *t = st->baton;

    if (t->fail) {
        return APR_ECONNREFUSED;
    }
    apr_hash_set(t->values, key, APR_HASH_KEY_STRING, NULL);
    return APR_SUCCESS;
}

static apr_int64_t clock_now;

static table_store_t *table_store(void)
{
    table_store_t *t = apr_pcalloc(test_pool, sizeof(*t));

    t->st.get = t_get;
    t->st.set = t_set;
    t->st.del = t_del;
    t->st.baton = t;
    t->values = apr_hash_make(test_pool);
    t->expiry = apr_hash_make(test_pool);
    clock_now = 1700000000;
    t->now = &clock_now;
    return t;
}

/* ------------------------------------------------------------ addresses */

static const char *key_of(const char *ip, int prefix)
{
    unsigned char a[16];

    ck_assert_int_eq(sg_ip_parse(ip, a), APR_SUCCESS);
    return sg_ban_client(a, prefix, test_pool);
}

START_TEST(client_keys)
{
    ck_assert_str_eq(key_of("203.0.113.5", 64), "203.0.113.5");
    ck_assert_str_eq(key_of("::ffff:203.0.113.5", 64), "203.0.113.5");
    ck_assert_str_eq(key_of("::FFFF:cb00:7105", 64), "203.0.113.5");
    ck_assert_str_eq(key_of("2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64), "2001:db8:1:2::/64");
    ck_assert_str_eq(key_of("2001:db8:1:2::1", 64), "2001:db8:1:2::/64");
    ck_assert_str_eq(key_of("2001:db8:1:2ff::1", 56), "2001:db8:1:200::/56");
    ck_assert_str_eq(key_of("2001:db8:1:2::1", 128), "2001:db8:1:2::1");
    ck_assert_str_eq(key_of("2001:db8:1:2::1", 0), "::/0");
    ck_assert_str_eq(sg_ban_client_parse("::ffff:10.1.2.3", 64, test_pool), "10.1.2.3");
    ck_assert_str_eq(sg_ban_client_parse("2001:db8::7", 64, test_pool), "2001:db8::/64");
    ck_assert_str_eq(sg_ban_client_parse("2001:db8:0:0:1::/48", 64, test_pool), "2001:db8::/48");
    ck_assert_ptr_null(sg_ban_client_parse("www.example.com", 64, test_pool));
    ck_assert_ptr_null(sg_ban_client_parse("10.0.0.1/33", 64, test_pool));
}
END_TEST

static int in(const char *cidr, const char *ip)
{
    sg_cidr_t c;
    unsigned char a[16];
    sg_result_t res = { APR_SUCCESS, NULL };

    ck_assert_int_eq(sg_cidr_parse(cidr, &c, test_pool, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_ip_parse(ip, a), APR_SUCCESS);
    return sg_cidr_match(&c, a);
}

START_TEST(cidr_ranges)
{
    sg_cidr_t c;
    sg_result_t res = { APR_SUCCESS, NULL };

    ck_assert(in("10.0.0.0/8", "10.255.1.2"));
    ck_assert(!in("10.0.0.0/8", "11.0.0.1"));
    ck_assert(in("10.0.0.0/8", "::ffff:10.9.9.9"));
    ck_assert(in("192.0.2.128/25", "192.0.2.200"));
    ck_assert(!in("192.0.2.128/25", "192.0.2.127"));
    ck_assert(in("192.0.2.7", "192.0.2.7"));
    ck_assert(!in("192.0.2.7", "192.0.2.8"));
    ck_assert(in("0.0.0.0/0", "198.51.100.1"));
    ck_assert(!in("0.0.0.0/0", "2001:db8::1"));
    ck_assert(in("2001:db8::/32", "2001:db8:ffff::1"));
    ck_assert(!in("2001:db8::/32", "2001:db9::1"));
    ck_assert(in("::ffff:10.0.0.0/104", "10.1.1.1"));
    ck_assert(in("2001:db8:0:1::/63", "2001:db8:0:0::5"));
    ck_assert(!in("2001:db8:0:2::/63", "2001:db8:0:1::5"));
    ck_assert_int_eq(sg_cidr_parse("10.0.0.0/33", &c, test_pool, &res), APR_EINVAL);
    ck_assert_str_eq(res.problem, "prefix longer than 32 bits in 10.0.0.0/33");
    ck_assert_int_eq(sg_cidr_parse("2001:db8::/129", &c, test_pool, &res), APR_EINVAL);
    ck_assert_int_eq(sg_cidr_parse("10.0.0.0/", &c, test_pool, &res), APR_EINVAL);
    ck_assert_str_eq(res.problem, "bad prefix length in 10.0.0.0/");
    ck_assert_int_eq(sg_cidr_parse("10.0.0/8", &c, test_pool, &res), APR_EINVAL);
    ck_assert_str_eq(res.problem, "not an IPv4 or IPv6 address: 10.0.0/8");
}
END_TEST

/* ------------------------------------------------------------ records */

START_TEST(records_round_trip)
{
    sg_ban_rec_t b = { SG_BAN_REC_BAN, "2001:db8::/64", "www.example.com:80", 100, 1300, 8, 0,
                       2, 1, "8 failed logins in 600s, last POST /wp-login.php" };
    sg_ban_rec_t got;
    const char *key = sg_ban_key(SG_BAN_REC_BAN, b.client, b.scope, test_pool);
    const char *v = sg_ban_rec_encode(&b, test_pool);

    ck_assert_str_eq(key, "sg1:b:2001:db8::/64@www.example.com:80");
    ck_assert_str_eq(v, "b1 100 1300 8 2 1 8 failed logins in 600s, last POST /wp-login.php");
    ck_assert_int_eq(sg_ban_rec_decode(key, v, strlen(v), &got, test_pool), APR_SUCCESS);
    ck_assert_int_eq(got.type, SG_BAN_REC_BAN);
    ck_assert_str_eq(got.client, "2001:db8::/64");
    ck_assert_str_eq(got.scope, "www.example.com:80");
    ck_assert_int_eq(got.start, 100);
    ck_assert_int_eq(got.until, 1300);
    ck_assert_int_eq(got.count, 8);
    ck_assert_int_eq(got.nth, 2);
    ck_assert_int_eq(got.local_only, 1);
    ck_assert_str_eq(got.reason, b.reason);
    ck_assert_int_eq(sg_ban_rec_decode("sg1:c:1.2.3.4@*", "c1 5 3", 6, &got, test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(got.count, 3);
    ck_assert_str_eq(got.scope, "*");
    ck_assert_int_eq(sg_ban_rec_decode("sg1:c:1.2.3.4@*", "c1 5 3x", 7, &got, test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(sg_ban_rec_decode("sg1:x:1.2.3.4@*", "c1 5 3", 6, &got, test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(sg_ban_rec_decode("session:abc", "c1 5 3", 6, &got, test_pool),
                     APR_EINVAL);
    ck_assert_int_eq(sg_ban_rec_decode("sg1:h:1.2.3.4@*", "h1 4", 4, &got, test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(got.nth, 4);
    ck_assert_int_eq(sg_ban_key_decode("sg1:c:2001:db8::/64@a:80", &got, test_pool), APR_SUCCESS);
    ck_assert_int_eq(got.type, SG_BAN_REC_COUNTER);
    ck_assert_str_eq(got.client, "2001:db8::/64");
    ck_assert_str_eq(got.scope, "a:80");
    ck_assert_int_eq(sg_ban_key_decode("sg1:b:@a:80", &got, test_pool), APR_EINVAL);
    ck_assert_ptr_null(sg_ban_key(SG_BAN_REC_BAN, "1.2.3.4",
                                  apr_pstrcat(test_pool, "x", apr_psprintf(test_pool, "%0120d", 0),
                                              NULL), test_pool));
}
END_TEST

/* ------------------------------------------------------------ arithmetic */

static const sg_ban_policy_t pol8 = { 8, 600, 1200, 2.0 };

static int fail_n(table_store_t *t, const char *client, const char *scope, int n,
                  sg_ban_rec_t **ban)
{
    int count = -1;

    ck_assert_int_eq(sg_ban_record_failures(&t->st, &pol8, client, scope, n, clock_now,
                                            "test", ban, &count, test_pool), APR_SUCCESS);
    return count;
}

START_TEST(ban_exactly_at_limit)
{
    table_store_t *t = table_store();
    sg_ban_rec_t *ban, *found;
    int i;

    for (i = 1; i < 8; i++) {
        ck_assert_int_eq(fail_n(t, "192.0.2.1", "*", 1, &ban), i);
        ck_assert_ptr_null(ban);
        ck_assert_int_eq(sg_ban_lookup(&t->st, "192.0.2.1", "*", clock_now, &found, test_pool),
                         APR_NOTFOUND);
    }
    ck_assert_int_eq(fail_n(t, "192.0.2.1", "*", 1, &ban), 8);
    ck_assert_ptr_nonnull(ban);
    ck_assert_int_eq(ban->until - ban->start, 1200);
    ck_assert_int_eq(ban->nth, 1);
    ck_assert_int_eq(sg_ban_lookup(&t->st, "192.0.2.1", "*", clock_now, &found, test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(found->count, 8);
    /* banned clients are not counted further */
    ck_assert_int_eq(fail_n(t, "192.0.2.1", "*", 1, &ban), 0);
    ck_assert_ptr_null(ban);
    /* other scopes and clients are separate */
    ck_assert_int_eq(sg_ban_lookup(&t->st, "192.0.2.1", "a:80", clock_now, &found, test_pool),
                     APR_NOTFOUND);
    ck_assert_int_eq(fail_n(t, "192.0.2.2", "*", 1, &ban), 1);
    /* it expires */
    clock_now += 1200;
    ck_assert_int_eq(sg_ban_lookup(&t->st, "192.0.2.1", "*", clock_now, &found, test_pool),
                     APR_NOTFOUND);
}
END_TEST

START_TEST(window_and_growth)
{
    table_store_t *t = table_store();
    sg_ban_rec_t *ban;

    ck_assert_int_eq(fail_n(t, "c", "*", 7, &ban), 7);
    clock_now += 600;   /* the window is over: counting starts again */
    ck_assert_int_eq(fail_n(t, "c", "*", 1, &ban), 1);
    ck_assert_int_eq(fail_n(t, "c", "*", 20, &ban), 21);   /* a multicall bans at once */
    ck_assert_int_eq(ban->until - ban->start, 1200);
    clock_now += 1200;
    fail_n(t, "c", "*", 8, &ban);
    ck_assert_int_eq(ban->nth, 2);
    ck_assert_int_eq(ban->until - ban->start, 2400);
    ck_assert_int_eq(sg_ban_duration(&pol8, 3), 4800);
    ck_assert_int_eq(sg_ban_duration(&pol8, 40), SG_BAN_MAX_SECONDS);
    /* a day after the last ban ends, it is a first ban again */
    clock_now += 2400 + SG_BAN_REPEAT_SECONDS;
    fail_n(t, "c", "*", 8, &ban);
    ck_assert_int_eq(ban->nth, 1);
}
END_TEST

static int reserve(table_store_t *t, const char *client)
{
    int granted = -1;

    ck_assert_int_eq(sg_ban_reserve(&t->st, &pol8, client, "*", clock_now, &granted,
                                    test_pool), APR_SUCCESS);
    return granted;
}

static void settle(table_store_t *t, const char *client)
{
    ck_assert_int_eq(sg_ban_settle(&t->st, &pol8, client, "*", clock_now, test_pool),
                     APR_SUCCESS);
}

/* Reservations: at most the limit of attempts reach the application, in
 * flight or counted; a success gives its slot back; a failure keeps it. */
START_TEST(reserve_at_most_limit)
{
    table_store_t *t = table_store();
    sg_ban_rec_t *ban, got;
    char buf[SG_BAN_VALUE_MAX];
    apr_size_t len = sizeof(buf);
    int i;

    for (i = 0; i < 8; i++) ck_assert_int_eq(reserve(t, "r"), 1);
    ck_assert_int_eq(reserve(t, "r"), 0);           /* eight in flight: the ninth waits */
    ck_assert_int_eq(t->st.get(&t->st, "sg1:c:r@*", buf, &len, test_pool), APR_SUCCESS);
    ck_assert_int_eq(sg_ban_rec_decode("sg1:c:r@*", buf, len, &got, test_pool), APR_SUCCESS);
    ck_assert_int_eq(got.pending, 8);
    ck_assert_int_eq(got.count, 0);
    settle(t, "r");                                   /* one succeeded */
    ck_assert_int_eq(reserve(t, "r"), 1);             /* its slot is free again */
    ck_assert_int_eq(reserve(t, "r"), 0);
    for (i = 0; i < 7; i++) {                         /* seven fail: no ban yet */
        settle(t, "r");
        ck_assert_int_eq(fail_n(t, "r", "*", 1, &ban), i + 1);
        ck_assert_ptr_null(ban);
        ck_assert_int_eq(reserve(t, "r"), 0);         /* 7 counted + 1 pending, or full */
    }
    settle(t, "r");
    ck_assert_int_eq(fail_n(t, "r", "*", 1, &ban), 8); /* the eighth failure bans */
    ck_assert_ptr_nonnull(ban);
    ck_assert_int_eq(reserve(t, "r"), 0);             /* banned */
    settle(t, "r");                                   /* nothing left to settle: fine */
    /* a window that is over starts afresh, pending included */
    ck_assert_int_eq(reserve(t, "s"), 1);
    clock_now += 600;
    ck_assert_int_eq(reserve(t, "s"), 1);
    settle(t, "s");
    settle(t, "s");                                   /* never below zero */
    len = sizeof(buf);
    ck_assert_int_eq(t->st.get(&t->st, "sg1:c:s@*", buf, &len, test_pool), APR_SUCCESS);
    ck_assert_int_eq(sg_ban_rec_decode("sg1:c:s@*", buf, len, &got, test_pool), APR_SUCCESS);
    ck_assert_int_eq(got.pending, 0);
    ck_assert_int_eq(sg_ban_rec_decode("sg1:c:s@*", "c1 5 3 2", 8, &got, test_pool),
                     APR_SUCCESS);
    ck_assert_int_eq(got.pending, 2);
    ck_assert_str_eq(sg_ban_rec_encode(&got, test_pool), "c1 5 3 2");
    ck_assert_int_eq(sg_ban_rec_decode("sg1:c:s@*", "c1 5 3 -2", 9, &got, test_pool),
                     APR_EINVAL);
}
END_TEST

START_TEST(remove_and_failures)
{
    table_store_t *t = table_store();
    sg_ban_rec_t *ban, *found;
    int count;

    fail_n(t, "c", "s:80", 8, &ban);
    ck_assert_int_eq(sg_ban_remove(&t->st, "c", "s:80", test_pool), APR_SUCCESS);
    ck_assert_int_eq(sg_ban_lookup(&t->st, "c", "s:80", clock_now, &found, test_pool),
                     APR_NOTFOUND);
    ck_assert_int_eq(sg_ban_remove(&t->st, "c", "s:80", test_pool), APR_SUCCESS);
    t->fail = 1;
    ck_assert_int_eq(sg_ban_lookup(&t->st, "c", "s:80", clock_now, &found, test_pool),
                     APR_ECONNREFUSED);
    ck_assert_int_eq(sg_ban_record_failures(&t->st, &pol8, "c", "s:80", 1, clock_now, "x",
                                            &ban, &count, test_pool), APR_ECONNREFUSED);
    ck_assert_ptr_null(ban);
}
END_TEST

START_TEST(escapes)
{
    ck_assert_str_eq(sg_json_escape("a\"b\\c\nd", test_pool), "a\\\"b\\\\c\\u000ad");
    ck_assert_str_eq(sg_html_escape("<a href='x'>&\"</a>", test_pool),
                     "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;");
}
END_TEST

/* ------------------------------------------------------------ XML-RPC */

static int count(const char *body)
{
    return sg_xmlrpc_count_logins(body, strlen(body));
}

#define CALL(m) "<struct><member><name>methodName</name><value><string>" m \
    "</string></value></member><member><name>params</name><value><array><data>" \
    "<value><string>admin</string></value><value><string>pw</string></value>" \
    "</data></array></value></member></struct>"

START_TEST(xmlrpc_counting)
{
    const char *multi = "<?xml version=\"1.0\"?>\n<methodCall><methodName>system.multicall"
        "</methodName><params><param><value><array><data>"
        "<value>" CALL("wp.getUsersBlogs") "</value>"
        "<value>" CALL("wp.getUsersBlogs") "</value>"
        "<value>" CALL("metaWeblog.getUsersBlogs") "</value>"
        "<value>" CALL("system.listMethods") "</value>"
        "<value>" CALL("pingback.ping") "</value>"
        "<value><struct><member><name>methodName</name><value>  wp.getProfile </value>"
        "</member></struct></value>"
        "</data></array></value></param></params></methodCall>";

    ck_assert_int_eq(count(multi), 4);
    /* cut short: what is complete counts */
    ck_assert_int_eq(sg_xmlrpc_count_logins(multi, strstr(multi, "metaWeblog") - multi + 4), 2);
    ck_assert_int_eq(count("<methodCall><methodName>wp.getUsersBlogs</methodName>"), 1);
    ck_assert_int_eq(count("<methodCall>\n <methodName> wp.getUsersBlogs\n</methodName>"), 1);
    ck_assert_int_eq(count("<methodCall><methodName>pingback.ping</methodName>"), 0);
    ck_assert_int_eq(count("<methodCall><methodName>mt.supportedMethods</methodName>"), 0);
    ck_assert_int_eq(count("<methodCall><methodName>wp.getUsersBl"), 0);
    ck_assert_int_eq(count("not xml at all"), 0);
    ck_assert_int_eq(count(""), 0);
    ck_assert(sg_xmlrpc_is_login_method("blogger.getUserInfo", 19));
    ck_assert(!sg_xmlrpc_is_login_method("wp.", 3));
}
END_TEST

Suite *ban_suite(void)
{
    Suite *s = suite_create("ban");
    TCase *tc = tcase_create("ban");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, client_keys);
    tcase_add_test(tc, cidr_ranges);
    tcase_add_test(tc, records_round_trip);
    tcase_add_test(tc, ban_exactly_at_limit);
    tcase_add_test(tc, window_and_growth);
    tcase_add_test(tc, reserve_at_most_limit);
    tcase_add_test(tc, remove_and_failures);
    tcase_add_test(tc, escapes);
    tcase_add_test(tc, xmlrpc_counting);
    suite_add_tcase(s, tc);
    return s;
}
