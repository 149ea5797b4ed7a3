/* test_maillog.c: the mail-log analyser on lines of every source. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tests.h"
#include "sg_maillog.h"

/* Window (2026-11-07T09:00:00Z, 10:00:00Z]. */
#define UNTIL apr_time_from_sec(APR_INT64_C(1794045600))
#define HOUR apr_time_from_sec(3600)

static sg_maillog_t *feed(sg_mailsrc_t src, const char *text)
{
    sg_maillog_t *ml = sg_maillog_create(test_pool, src, UNTIL, HOUR);

    sg_maillog_feed(ml, text, strlen(text));
    return ml;
}

static const sg_mailacct_t *account_of(sg_maillog_t *ml, sg_mailkind_t kind, const char *name)
{
    return apr_hash_get(sg_maillog_accounts(ml, kind), name, APR_HASH_KEY_STRING);
}

static void setup(void)
{
    test_pool_setup();
    setenv("TZ", "UTC", 1);
    tzset();
}

START_TEST(postfix_submissions)
{
    sg_maillog_t *ml = feed(SG_MAILSRC_POSTFIX,
        "Nov  7 09:31:10 mail postfix/smtpd[1]: A: client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=a@example.org\n"
        "Nov  7 09:31:11 mail postfix/submission/smtpd[1]: B: client=h.example.net[198.51.100.1], sasl_method=LOGIN, sasl_username=a@example.org, sasl_sender=x@example.org\n"
        "Nov  7 09:31:12 mail postfix/smtpd[1]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: x, sasl_username=a@example.org\n");
    const sg_mailacct_t *a = account_of(ml, SG_MK_SASL_SUBMIT, "a@example.org");

    ck_assert_ptr_nonnull(a);
    ck_assert_uint_eq(a->count, 2);
    ck_assert_uint_eq(apr_hash_count(a->ips), 2);
    ck_assert_uint_eq(apr_hash_count(a->unknown_ips), 1);
    ck_assert_ptr_nonnull(account_of(ml, SG_MK_SASL_FAIL_IP, "192.0.2.1"));
    ck_assert_ptr_nonnull(account_of(ml, SG_MK_SASL_FAIL_USER, "a@example.org"));
}
END_TEST

/* An account with a NUL or control byte is a malformed line, never the
 * account before the NUL (that would lock another user). */
START_TEST(account_with_nul_is_malformed)
{
    static const char text[] =
        "Nov  7 09:31:10 mail postfix/smtpd[1]: A: client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=jo\0rdy\n"
        "Nov  7 09:31:11 mail postfix/smtpd[1]: B: client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=\0\0\0\n"
        "Nov  7 09:31:12 mail postfix/smtpd[1]: C: client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=a\tb\n"
        "Nov  7 09:31:13 mail postfix/smtpd[1]: D: client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=jordy\n";
    sg_maillog_t *ml = sg_maillog_create(test_pool, SG_MAILSRC_POSTFIX, UNTIL, HOUR);
    apr_hash_t *accts;

    sg_maillog_feed(ml, text, sizeof(text) - 1);
    accts = sg_maillog_accounts(ml, SG_MK_SASL_SUBMIT);
    ck_assert_ptr_null(apr_hash_get(accts, "jo", APR_HASH_KEY_STRING));
    ck_assert_ptr_null(apr_hash_get(accts, "", APR_HASH_KEY_STRING));
    ck_assert_ptr_nonnull(apr_hash_get(accts, "jordy", APR_HASH_KEY_STRING));
    ck_assert_uint_eq(apr_hash_count(accts), 1);
    ck_assert_uint_eq(sg_maillog_skipped(ml)->malformed, 3);
}
END_TEST

/* A lost SASL server is the server's fault: no failure for the client or
 * the account.  And a one-space day ("Nov 7") is a time like "Nov  7". */
START_TEST(postfix_sasl_server_lost_and_one_space_day)
{
    sg_maillog_t *ml = feed(SG_MAILSRC_POSTFIX,
        "Nov  7 09:31:12 mail postfix/smtpd[1]: warning: unknown[192.0.2.7]: SASL LOGIN authentication failed: Connection lost to authentication server, sasl_username=b@example.org\n"
        "Nov 7 09:31:13 mail postfix/smtpd[1]: warning: unknown[192.0.2.8]: SASL PLAIN authentication failed: UGFzc3dvcmQ6\n");

    ck_assert_ptr_null(account_of(ml, SG_MK_SASL_FAIL_IP, "192.0.2.7"));
    ck_assert_ptr_null(account_of(ml, SG_MK_SASL_FAIL_USER, "b@example.org"));
    ck_assert_ptr_nonnull(account_of(ml, SG_MK_SASL_FAIL_IP, "192.0.2.8"));
}
END_TEST

START_TEST(exim_arrivals)
{
    sg_maillog_t *ml = feed(SG_MAILSRC_EXIM,
        "2026-11-07 09:31:10 1ajLoq-0001wC-Pk <= www-data@host.example.org U=www-data P=local S=1234\n"
        "2026-11-07 09:31:11 1ajLoq-0001wC-Pl <= info@example.org H=(laptop) [198.51.100.7]:39926 P=esmtpsa A=dovecot_login:info@example.org S=964\n"
        "2026-11-07 09:31:12 [4242] 1ajLoq-0001wC-Pm-abcdef <= b@example.net H=mx.example.net [192.0.2.5] P=esmtp S=1\n"
        "2026-11-07 09:31:13 cwd=/home/alice/public_html/forum 3 args: /usr/sbin/sendmail -t -i\n"
        "2026-11-07 09:31:14 1ajLoq-0001wC-Pn => bob@example.net R=dnslookup T=remote_smtp\n");

    ck_assert_uint_eq(account_of(ml, SG_MK_EXIM_LOCAL, "www-data")->count, 1);
    ck_assert_uint_eq(account_of(ml, SG_MK_EXIM_AUTH, "info@example.org")->count, 1);
    ck_assert_uint_eq(account_of(ml, SG_MK_EXIM_HOST, "198.51.100.7")->count, 1);
    ck_assert_uint_eq(account_of(ml, SG_MK_EXIM_HOST, "192.0.2.5")->count, 1);
    ck_assert_uint_eq(account_of(ml, SG_MK_EXIM_CWD, "/home/alice/public_html/forum")->count, 1);
    ck_assert_uint_eq(apr_hash_count(sg_maillog_accounts(ml, SG_MK_EXIM_HOST)), 2);
}
END_TEST

START_TEST(webmail_and_scripts)
{
    sg_maillog_t *rc = feed(SG_MAILSRC_ROUNDCUBE,
        "[07-Nov-2026 10:31:10 +0100]: <4z506z6r> User alice@example.org [198.51.100.7]; Message <1@example.org> for bob@example.net; 250: 2.0.0 Ok\n"
        "[07-Nov-2026 10:31:11 +0100]: <4z506z6r> Failed login for admin@example.org from 192.0.2.4 in session x (error: 0)\n");
    sg_maillog_t *imp = feed(SG_MAILSRC_IMP,
        "Nov  7 09:31:10 HORDE [info] [imp] 198.51.100.7 Message sent to bob@example.net from alice [pid 6839 on line 961 of \"/x\"]\n"
        "Nov  7 09:31:11 HORDE [info] [imp] Message sent to b@example.net, c@example.net from alice (198.51.100.8) [pid 6839 on line 959 of \"/x\"]\n");
    sg_maillog_t *php = feed(SG_MAILSRC_PHP,
        "[07-Nov-2026 09:31:10 UTC] mail() on [/home/alice/public_html/contact.php:88]: To: bob@example.net -- Headers: From: x\n"
        "mail() on [/home/alice/public_html/contact.php:90]: To: bob@example.net -- Headers: From: x\n");

    ck_assert_uint_eq(account_of(rc, SG_MK_WEBMAIL_SENT, "alice@example.org")->count, 1);
    ck_assert_uint_eq(account_of(rc, SG_MK_WEBMAIL_FAIL, "192.0.2.4")->count, 1);
    ck_assert_uint_eq(account_of(imp, SG_MK_WEBMAIL_SENT, "alice")->count, 2);
    ck_assert_uint_eq(apr_hash_count(account_of(imp, SG_MK_WEBMAIL_SENT, "alice")->ips), 2);
    ck_assert_uint_eq(account_of(php, SG_MK_SCRIPT, "/home/alice/public_html/contact.php")->count, 2);
}
END_TEST

START_TEST(addresses_and_domains)
{
    char ip[64], net[64];

    ck_assert_int_eq(sg_mail_ip_canon("2001:0db8:0:0::7", 16, ip, net), APR_SUCCESS);
    ck_assert_str_eq(ip, "2001:db8::7");
    ck_assert_str_eq(net, "2001:db8:0::/48");
    ck_assert_int_eq(sg_mail_ip_canon("::ffff:192.0.2.1", 16, ip, net), APR_SUCCESS);
    ck_assert_str_eq(ip, "192.0.2.1");
    ck_assert_str_eq(net, "192.0.2.0/24");
    ck_assert_int_eq(sg_mail_ip_canon("laptop", 6, ip, net), APR_EINVAL);
    ck_assert_str_eq(sg_mail_host_domain(test_pool, "h16.dsl.example.net", 19), "example.net");
    ck_assert_str_eq(sg_mail_host_domain(test_pool, "mx.mail.example.co.uk", 21), "example.co.uk");
    ck_assert_ptr_null(sg_mail_host_domain(test_pool, "unknown", 7));
}
END_TEST

START_TEST(lines_split_anywhere_count_once)
{
    /* The same text fed whole and in two buffers cut at a line end counts alike. */
    const char *text =
        "Nov  7 09:31:10 mail postfix/smtpd[1]: A: client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=u\n"
        "Nov  7 09:31:11 mail postfix/smtpd[1]: B: client=unknown[203.0.113.9], sasl_method=LOGIN, sasl_username=u\n";
    const char *cut = strchr(text, '\n') + 1;
    sg_maillog_t *ml = sg_maillog_create(test_pool, SG_MAILSRC_POSTFIX, UNTIL, HOUR);

    sg_maillog_feed(ml, text, (apr_size_t)(cut - text));
    sg_maillog_feed(ml, cut, strlen(cut));
    ck_assert_uint_eq(account_of(ml, SG_MK_SASL_SUBMIT, "u")->count, 2);
}
END_TEST

Suite *maillog_suite(void)
{
    Suite *s = suite_create("maillog");
    TCase *tc = tcase_create("maillog");

    tcase_add_checked_fixture(tc, setup, test_pool_teardown);
    tcase_add_test(tc, postfix_submissions);
    tcase_add_test(tc, postfix_sasl_server_lost_and_one_space_day);
    tcase_add_test(tc, account_with_nul_is_malformed);
    tcase_add_test(tc, exim_arrivals);
    tcase_add_test(tc, webmail_and_scripts);
    tcase_add_test(tc, addresses_and_domains);
    tcase_add_test(tc, lines_split_anywhere_count_once);
    suite_add_tcase(s, tc);
    return s;
}
