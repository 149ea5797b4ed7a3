/* test_emergency.c: emergency-mail's server lines and alert message. */
#include <string.h>
#include <apr_base64.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_emergency.h"

static sg_smtp_server_t *parse_ok(const char *spec)
{
    sg_smtp_server_t *s = NULL;
    const char *problem = NULL;

    ck_assert_msg(sg_smtp_server_parse(spec, test_pool, &s, &problem) == APR_SUCCESS,
                  "'%s': %s", spec, problem);
    return s;
}

START_TEST(server_line_full)
{
    sg_smtp_server_t *s = parse_ok("smtp://mx.example.net:587 from=root@web1.example.org "
                                   "to=a@example.net,b@example.net starttls=optional "
                                   "user=web1 password-file=/etc/spamgear/pw cacert=/etc/ca.pem");

    ck_assert_str_eq(s->url, "smtp://mx.example.net:587");
    ck_assert_str_eq(s->host, "mx.example.net");
    ck_assert_int_eq(s->port, 587);
    ck_assert_int_eq(s->implicit_tls, 0);
    ck_assert_int_eq(s->starttls_required, 0);
    ck_assert_str_eq(s->from, "root@web1.example.org");
    ck_assert_int_eq(s->to->nelts, 2);
    ck_assert_str_eq(APR_ARRAY_IDX(s->to, 1, const char *), "b@example.net");
    ck_assert_str_eq(s->user, "web1");
    ck_assert_str_eq(s->password_file, "/etc/spamgear/pw");
    ck_assert_str_eq(s->cacert, "/etc/ca.pem");
}
END_TEST

START_TEST(server_line_defaults)
{
    sg_smtp_server_t *s = parse_ok("smtp://127.0.0.1 from=a@b.c to=d@e.f");

    ck_assert_str_eq(s->url, "smtp://127.0.0.1:25");
    ck_assert_int_eq(s->starttls_required, 1);
    ck_assert_ptr_null(s->user);
    ck_assert_ptr_null(s->cacert);
    s = parse_ok("smtps://[::1]\tfrom=a@b.c   to=d@e.f");
    ck_assert_str_eq(s->url, "smtps://[::1]:465");
    ck_assert_int_eq(s->implicit_tls, 1);
}
END_TEST

START_TEST(server_line_errors)
{
    static const struct { const char *spec; const char *says; } cases[] = {
        { "", "missing server" },
        { "mx.example.net from=a@b.c to=d@e.f", "smtp://HOST" },
        { "http://mx from=a@b.c to=d@e.f", "smtp://HOST" },
        { "smtp://mx:0 from=a@b.c to=d@e.f", "port" },
        { "smtp://mx:99999 from=a@b.c to=d@e.f", "port" },
        { "smtp://mx:25x from=a@b.c to=d@e.f", "port" },
        { "smtp://mx/path from=a@b.c to=d@e.f", "unexpected text" },
        { "smtp://[zz] from=a@b.c to=d@e.f", "IPv6" },
        { "smtp://mx to=d@e.f", "needs from=" },
        { "smtp://mx from=a@b.c", "needs from=" },
        { "smtp://mx from=a@b.c to=", "NAME=VALUE" },
        { "smtp://mx from=a@b.c to=d@e.f bogus=1", "unknown setting 'bogus'" },
        { "smtp://mx from=a@b.c to=d@e.f from=x@y.z", "from: given twice" },
        { "smtp://mx from=a@b.c to=d@e.f starttls=maybe", "required or optional" },
        { "smtps://mx from=a@b.c to=d@e.f starttls=required", "not for smtps" },
        { "smtp://mx from=a@b.c to=d@e.f user=u", "go together" },
        { "smtp://mx from=a@b.c to=d@e.f password-file=/p", "go together" },
        { "smtp://mx from=a@b.c to=d@e.f user=u password-file=pw", "absolute path" },
        { "smtp://mx from=a@b.c to=d@e.f cacert=ca.pem", "absolute path" },
        { "smtp://mx from=<a@b.c> to=d@e.f", "not a plain address" },
        { "smtp://mx from=a@b.c to=d@e.f,x@y@z", "'x@y@z' is not a plain address" },
        { "smtp://mx from=a@b.c to=d@e.f\r\nRCPT TO:<x@y.z>", "control character" },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sg_smtp_server_t *s = NULL;
        const char *problem = NULL;

        ck_assert_int_eq(sg_smtp_server_parse(cases[i].spec, test_pool, &s, &problem),
                         APR_EINVAL);
        ck_assert_msg(problem && strstr(problem, cases[i].says), "case %u: got '%s'", i,
                      problem ? problem : "(null)");
    }
}
END_TEST

START_TEST(too_many_recipients)
{
    char *spec = apr_pstrdup(test_pool, "smtp://mx from=a@b.c to=r0@x.y");
    sg_smtp_server_t *s;
    const char *problem = NULL;
    int i;

    for (i = 1; i < SG_SMTP_MAX_RCPT; i++) {
        spec = apr_psprintf(test_pool, "%s,r%d@x.y", spec, i);
    }
    parse_ok(spec);
    spec = apr_pstrcat(test_pool, spec, ",one@more.y", NULL);
    ck_assert_int_eq(sg_smtp_server_parse(spec, test_pool, &s, &problem), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(problem, "more than 32 recipients"));
}
END_TEST

START_TEST(addresses)
{
    ck_assert_int_eq(sg_mail_address_ok("root@example.org"), 1);
    ck_assert_int_eq(sg_mail_address_ok("first.last+tag@mx-1.example.org"), 1);
    ck_assert_int_eq(sg_mail_address_ok("root"), 0);
    ck_assert_int_eq(sg_mail_address_ok("@example.org"), 0);
    ck_assert_int_eq(sg_mail_address_ok("root@"), 0);
    ck_assert_int_eq(sg_mail_address_ok("root@.example.org"), 0);
    ck_assert_int_eq(sg_mail_address_ok("root@example.org."), 0);
    ck_assert_int_eq(sg_mail_address_ok("a b@example.org"), 0);
    ck_assert_int_eq(sg_mail_address_ok("a@example.org\r\nBcc: x@y.z"), 0);
    ck_assert_int_eq(sg_mail_address_ok("a,b@example.org"), 0);
    ck_assert_int_eq(sg_mail_address_ok("\"a\"@example.org"), 0);
    ck_assert_int_eq(sg_mail_address_ok("a@exa_mple.org"), 0);
    ck_assert_str_eq(sg_safe_hostname("web1.example.org", test_pool), "web1.example.org");
    ck_assert_str_eq(sg_safe_hostname("evil\r\nBcc: x", test_pool), "evil--Bcc--x");
    ck_assert_str_eq(sg_safe_hostname("", test_pool), "localhost");
}
END_TEST

static sg_emergency_mail_t sample_mail(const char *body, apr_size_t len)
{
    sg_emergency_mail_t m;
    apr_array_header_t *to = apr_array_make(test_pool, 2, sizeof(const char *));

    APR_ARRAY_PUSH(to, const char *) = "a@example.net";
    APR_ARRAY_PUSH(to, const char *) = "b@example.net";
    memset(&m, 0, sizeof(m));
    m.from = "root@web1.example.org";
    m.to = to;
    m.hostname = "web1.example.org";
    m.queue = 5123;
    m.date.tm_year = 124;   /* Tue, 02 Apr 2024 13:05:09 +0200 */
    m.date.tm_mon = 3;
    m.date.tm_mday = 2;
    m.date.tm_wday = 2;
    m.date.tm_hour = 13;
    m.date.tm_min = 5;
    m.date.tm_sec = 9;
    m.date.tm_gmtoff = 7200;
    m.unique = "1712055909.42.abcdef";
    m.body = body;
    m.body_len = len;
    m.input_len = (apr_off_t)len;
    return m;
}

/* Decodes the base64 body of MSG (after the blank line) into *OUT. */
static apr_size_t decode_body(const char *msg, char **out)
{
    const char *body = strstr(msg, "\r\n\r\n") + 4;
    char *joined = apr_palloc(test_pool, strlen(body) + 1), *j = joined;

    for (; *body; body++) {
        if (*body != '\r' && *body != '\n') {
            *j++ = *body;
        }
    }
    *j = '\0';
    *out = apr_palloc(test_pool, (apr_size_t)apr_base64_decode_len(joined) + 1);
    return (apr_size_t)apr_base64_decode_binary((unsigned char *)*out, joined);
}

START_TEST(message_headers)
{
    const char input[] = "Subject: fake\nBcc: victim@example.com\n\n.\n..dots\n";
    sg_emergency_mail_t m = sample_mail(input, sizeof(input) - 1);
    char *msg, *head;
    apr_size_t len;

    ck_assert_int_eq(sg_emergency_message(&m, test_pool, &msg, &len), APR_SUCCESS);
    ck_assert_uint_eq(len, strlen(msg));
    head = apr_pstrndup(test_pool, msg, (apr_size_t)(strstr(msg, "\r\n\r\n") - msg) + 2);
    ck_assert_str_eq(head,
        "From: root@web1.example.org\r\n"
        "To: a@example.net,\r\n b@example.net\r\n"
        "Subject: [spamgear] emergency: web1.example.org queue 5123\r\n"
        "Date: Tue, 02 Apr 2024 13:05:09 +0200\r\n"
        "Message-ID: <1712055909.42.abcdef@web1.example.org>\r\n"
        "Auto-Submitted: auto-generated\r\nMIME-Version: 1.0\r\n"
        "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n");
    /* The input's header-like lines stay in the (encoded) body. */
    ck_assert_ptr_null(strstr(msg, "Bcc"));
    ck_assert_ptr_null(strstr(msg, "fake"));
}
END_TEST

START_TEST(message_body_is_exact)
{
    char input[1000];
    sg_emergency_mail_t m;
    char *msg, *decoded;
    const char *line;
    apr_size_t len, i;

    for (i = 0; i < sizeof(input); i++) {
        input[i] = (char)(i * 7 + 3);   /* every byte value: NUL, CR, LF, 8 bit */
    }
    m = sample_mail(input, sizeof(input));
    ck_assert_int_eq(sg_emergency_message(&m, test_pool, &msg, &len), APR_SUCCESS);
    ck_assert_uint_eq(decode_body(msg, &decoded), sizeof(input));
    ck_assert_int_eq(memcmp(decoded, input, sizeof(input)), 0);
    for (line = msg; (line = strstr(line, "\r\n")); line += 2) {
        ck_assert_int_le(strcspn(line + 2, "\r\n"), 76);
    }
    m = sample_mail("", 0);
    ck_assert_int_eq(sg_emergency_message(&m, test_pool, &msg, &len), APR_SUCCESS);
    ck_assert_str_eq(msg + len - 4, "\r\n\r\n");
}
END_TEST

START_TEST(message_truncated_and_unsafe)
{
    sg_emergency_mail_t m = sample_mail("abc", 3);
    char *msg;
    apr_size_t len;

    m.input_len = 5000000;
    m.date.tm_gmtoff = -(3 * 3600 + 1800);
    ck_assert_int_eq(sg_emergency_message(&m, test_pool, &msg, &len), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(msg, "queue 5123 (truncated)\r\n"));
    ck_assert_ptr_nonnull(strstr(msg, "X-Spamgear-Truncated: first 3 of 5000000 input bytes\r\n"));
    ck_assert_ptr_nonnull(strstr(msg, " -0330\r\n"));
    m.hostname = "bad\nhost";
    ck_assert_int_eq(sg_emergency_message(&m, test_pool, &msg, &len), APR_SUCCESS);
    ck_assert_ptr_nonnull(strstr(msg, "emergency: bad-host queue"));
    m.from = "x@y.z\r\nBcc: v@w.x";
    ck_assert_int_eq(sg_emergency_message(&m, test_pool, &msg, &len), APR_EINVAL);
    m.from = "x@y.z";
    m.unique = "a>\r\nX: y";
    ck_assert_int_eq(sg_emergency_message(&m, test_pool, &msg, &len), APR_EINVAL);
}
END_TEST

Suite *emergency_suite(void)
{
    Suite *s = suite_create("emergency");
    TCase *tc = tcase_create("emergency");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, server_line_full);
    tcase_add_test(tc, server_line_defaults);
    tcase_add_test(tc, server_line_errors);
    tcase_add_test(tc, too_many_recipients);
    tcase_add_test(tc, addresses);
    tcase_add_test(tc, message_headers);
    tcase_add_test(tc, message_body_is_exact);
    tcase_add_test(tc, message_truncated_and_unsafe);
    suite_add_tcase(s, tc);
    return s;
}
