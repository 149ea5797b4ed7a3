/* test_proc.c: /proc text parsing and the judging rules of spamgear ps. */
#include <string.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_proc.h"

/* ------------------------------------------------------------ stat, status */

START_TEST(stat_plain_and_tricky_names)
{
    const char *plain = "4242 (perl) S 4200 4242 4200 0 -1 4194560 300 0 0 0\n";
    const char *tricky = "77 (a) b (x) Z 1 2) R 31 77 77 0 -1\n";
    sg_proc_stat_t st;

    ck_assert_int_eq(sg_proc_parse_stat(plain, strlen(plain), &st), APR_SUCCESS);
    ck_assert_str_eq(st.comm, "perl");
    ck_assert_int_eq(st.state, 'S');
    ck_assert_int_eq(st.ppid, 4200);
    /* A name may hold ") Z 1 ": only the last ')' ends it. */
    ck_assert_int_eq(sg_proc_parse_stat(tricky, strlen(tricky), &st), APR_SUCCESS);
    ck_assert_str_eq(st.comm, "a) b (x) Z 1 2");
    ck_assert_int_eq(st.state, 'R');
    ck_assert_int_eq(st.ppid, 31);
}
END_TEST

START_TEST(stat_malformed)
{
    static const char *const bad[] = { "", "12 perl S 1", "12 (perl", "12 (perl) S",
                                       "12 (perl) S x 3", "12 (perl)S 1 2", "12 (perl) S  1" };
    sg_proc_stat_t st;
    int i;

    for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
        ck_assert_msg(sg_proc_parse_stat(bad[i], strlen(bad[i]), &st) == APR_EINVAL,
                      "accepted '%s'", bad[i]);
    }
    /* Not NUL-terminated: the length is what counts. */
    ck_assert_int_eq(sg_proc_parse_stat("1 (x) S 9999", 10, &st), APR_SUCCESS);
    ck_assert_int_eq(st.ppid, 99);
}
END_TEST

START_TEST(status_uids)
{
    const char *text = "Name:\tpython3\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t9\n"
                       "Uid:\t1001\t33\t1001\t1001\nGid:\t1001\t1001\t1001\t1001\n";
    apr_uint32_t r = 0, e = 0;

    ck_assert_int_eq(sg_proc_parse_status(text, strlen(text), &r, &e), APR_SUCCESS);
    ck_assert_uint_eq(r, 1001);
    ck_assert_uint_eq(e, 33);
    ck_assert_int_eq(sg_proc_parse_status("Name:\tx\nGid:\t1\t1\n", 16, &r, &e), APR_EINVAL);
    ck_assert_int_eq(sg_proc_parse_status("Uid:\tx\t1\n", 9, &r, &e), APR_EINVAL);
    /* Cut before the Uid: line ends (a short read) is no uid. */
    ck_assert_int_eq(sg_proc_parse_status(text, strlen("Name:\tpython3\nUmask:\t0022\n"
                                                       "State:\tS (sleeping)\nTgid:\t9\nUid:"),
                                          &r, &e), APR_EINVAL);
}
END_TEST

/* ------------------------------------------------------------ printable text */

START_TEST(printable_cmdline)
{
    static const char argv[] = "perl\0-e\0print \"\\x\";\n\x1b[2J\xc3\xa9\0\0";

    ck_assert_str_eq(sg_proc_printable(test_pool, argv, sizeof(argv) - 1, SG_PROC_ARGV, 0),
                     "perl -e print \"\\\\x\";\\x0a\\x1b[2J\\xc3\\xa9");
    ck_assert_str_eq(sg_proc_printable(test_pool, "a b", 3, SG_PROC_ARGV, 1), "a b...");
    ck_assert_str_eq(sg_proc_printable(test_pool, "/tmp/a b\n", 9, SG_PROC_WORD, 0),
                     "/tmp/a\\x20b\\x0a");
    ck_assert_str_eq(sg_proc_printable(test_pool, "a\0b", 3, 0, 0), "a\\x00b");
    ck_assert_str_eq(sg_proc_printable(test_pool, "", 0, SG_PROC_ARGV, 0), "");
}
END_TEST

START_TEST(exe_links)
{
    int deleted = -1;
    apr_uint64_t inode = 0;

    ck_assert_str_eq(sg_proc_exe_path(test_pool, "/usr/bin/perl", &deleted), "/usr/bin/perl");
    ck_assert_int_eq(deleted, 0);
    ck_assert_str_eq(sg_proc_exe_path(test_pool, "/tmp/x/sleep (deleted)", &deleted),
                     "/tmp/x/sleep");
    ck_assert_int_eq(deleted, 1);
    ck_assert_str_eq(sg_proc_exe_path(test_pool, " (deleted)", &deleted), " (deleted)");
    ck_assert_int_eq(deleted, 0);
    ck_assert_int_eq(sg_proc_socket_inode("socket:[123456]", &inode), 1);
    ck_assert_uint_eq(inode, 123456);
    ck_assert_int_eq(sg_proc_socket_inode("pipe:[123456]", &inode), 0);
    ck_assert_int_eq(sg_proc_socket_inode("socket:[12x]", &inode), 0);
    ck_assert_int_eq(sg_proc_socket_inode("socket:[0]", &inode), 0);
    ck_assert_int_eq(sg_proc_socket_inode("socket:[]", &inode), 0);
    ck_assert_int_eq(sg_proc_socket_inode("anon_inode:[eventpoll]", &inode), 0);
}
END_TEST

/* ------------------------------------------------------------ /proc/net/tcp */

START_TEST(tcp_lines)
{
    const char *v4 = "   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000  1001        0 87654 1 0000000000000000 100 0 0 10 0\n";
    const char *v4c = "  12: 0100007F:A2C4 0100007F:1F90 01 00000000:00000000 00:00000000 "
                      "00000000  1001        0 87655 1 0000000000000000 20 4 30 10 -1";
    const char *v6 = "   0: 00000000000000000000000001000000:0050 "
                     "00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 "
                     "00000000    33        0 4242 1 0000000000000000 100 0 0 10 0\n";
    const char *any6 = "   1: 00000000000000000000000000000000:01BB "
                       "00000000000000000000000000000000:0000 0A 00000000:00000000 "
                       "00:00000000 00000000     0        0 77 1 0000000000000000 100 0 0 10 0";
    sg_proc_tcp_t t;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    ck_assert_int_eq(sg_proc_parse_tcp_line(v4, &t), APR_SUCCESS);
    ck_assert_str_eq(t.local, "127.0.0.1:8080");
    ck_assert_int_eq(t.state, SG_PROC_TCP_LISTEN);
    ck_assert_uint_eq(t.inode, 87654);
    ck_assert_int_eq(sg_proc_parse_tcp_line(v4c, &t), APR_SUCCESS);
    ck_assert_str_eq(t.local, "127.0.0.1:41668");
    ck_assert_int_eq(t.state, 1);
    ck_assert_int_eq(sg_proc_parse_tcp_line(v6, &t), APR_SUCCESS);
    ck_assert_str_eq(t.local, "[::1]:80");
    ck_assert_uint_eq(t.inode, 4242);
#endif
    ck_assert_int_eq(sg_proc_parse_tcp_line(any6, &t), APR_SUCCESS);
    ck_assert_str_eq(t.local, "[::]:443");
    ck_assert_uint_eq(t.inode, 77);
}
END_TEST

START_TEST(tcp_bad_lines)
{
    static const char *const bad[] = {
        "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  "
        "timeout inode\n",
        "",
        "   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1001\n",
        "   3: 0100007G:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1 0 5\n",
        "   3: 0100007F1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1 0 5\n",
        "   3: 0100007F:1F90 00000000:0000 A 00000000:00000000 00:00000000 00000000 1 0 5\n",
        "   3: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1 0 -5\n",
        "   3 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000 1 0 5\n",
    };
    sg_proc_tcp_t t;
    int i;

    for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
        ck_assert_msg(sg_proc_parse_tcp_line(bad[i], &t) == APR_EINVAL, "accepted '%s'", bad[i]);
    }
}
END_TEST

/* ------------------------------------------------------------ settings */

START_TEST(uid_lists)
{
    apr_array_header_t *r;
    const char *problem = NULL;

    ck_assert_int_eq(sg_proc_parse_uids("1000-60000", &r, test_pool, &problem), APR_SUCCESS);
    ck_assert_int_eq(r->nelts, 1);
    ck_assert(sg_proc_uid_in(r, 1000) && sg_proc_uid_in(r, 60000) && sg_proc_uid_in(r, 4321));
    ck_assert(!sg_proc_uid_in(r, 999) && !sg_proc_uid_in(r, 60001) && !sg_proc_uid_in(r, 0));
    ck_assert_int_eq(sg_proc_parse_uids("33, 1000-1999 5000", &r, test_pool, &problem),
                     APR_SUCCESS);
    ck_assert_int_eq(r->nelts, 3);
    ck_assert(sg_proc_uid_in(r, 33) && sg_proc_uid_in(r, 5000) && !sg_proc_uid_in(r, 34));
    ck_assert_int_eq(sg_proc_parse_uids("none", &r, test_pool, &problem), APR_SUCCESS);
    ck_assert_int_eq(r->nelts, 0);
    ck_assert(!sg_proc_uid_in(r, 1000));
    ck_assert_int_eq(sg_proc_parse_uids("0-4294967294", &r, test_pool, &problem), APR_SUCCESS);
}
END_TEST

START_TEST(uid_lists_bad)
{
    static const char *const bad[] = { "", " , ", "x", "10-5", "-5", "5-", "1000-60000x",
                                       "4294967295", "0-4294967295", "1--2", "none,5" };
    apr_array_header_t *r;
    const char *problem;
    char *many = apr_pstrdup(test_pool, "");
    int i;

    for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
        problem = NULL;
        ck_assert_msg(sg_proc_parse_uids(bad[i], &r, test_pool, &problem) == APR_EINVAL,
                      "accepted '%s'", bad[i]);
        ck_assert_ptr_nonnull(problem);
    }
    for (i = 0; i < SG_PROC_MAX_UID_RANGES + 1; i++) {
        many = apr_psprintf(test_pool, "%s%d,", many, i);
    }
    ck_assert_int_eq(sg_proc_parse_uids(many, &r, test_pool, &problem), APR_EINVAL);
}
END_TEST

START_TEST(names_and_globs)
{
    apr_array_header_t *a;
    const char *problem = NULL;

    ck_assert_int_eq(sg_proc_parse_names("www-data, web_1 ftp$", &a, test_pool, &problem),
                     APR_SUCCESS);
    ck_assert_int_eq(a->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(a, 2, const char *), "ftp$");
    ck_assert_int_eq(sg_proc_parse_names("none", &a, test_pool, &problem), APR_SUCCESS);
    ck_assert_int_eq(a->nelts, 0);
    ck_assert_int_eq(sg_proc_parse_names("www-data;rm", &a, test_pool, &problem), APR_EINVAL);
    ck_assert_int_eq(sg_proc_parse_names("-x", &a, test_pool, &problem), APR_EINVAL);
    ck_assert_int_eq(sg_proc_parse_globs("/usr/sbin/apache2 /usr/sbin/php-fpm*", &a, test_pool,
                                         &problem), APR_SUCCESS);
    ck_assert(sg_proc_exe_allowed(a, "/usr/sbin/php-fpm8.2"));
    ck_assert(sg_proc_exe_allowed(a, "/usr/sbin/apache2"));
    ck_assert(!sg_proc_exe_allowed(a, "/usr/sbin/apache2x"));
    ck_assert(!sg_proc_exe_allowed(a, "/usr/sbin/php-fpm8.2/../../../tmp/x"));
    ck_assert_int_eq(sg_proc_parse_globs("/usr/bin/* php*", &a, test_pool, &problem),
                     APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(problem, "'php*'"));
    ck_assert_int_eq(sg_proc_parse_globs("none", &a, test_pool, &problem), APR_SUCCESS);
    ck_assert(!sg_proc_exe_allowed(a, "/usr/sbin/apache2"));
}
END_TEST

/* ------------------------------------------------------------ judging */

START_TEST(exe_kinds)
{
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/perl5.36.0"), SG_PROC_EXE_INTERPRETER);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/python3.11"), SG_PROC_EXE_INTERPRETER);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/ruby3.1"), SG_PROC_EXE_INTERPRETER);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/nc.openbsd"), SG_PROC_EXE_NETTOOL);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/ncat"), SG_PROC_EXE_NETTOOL);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/socat"), SG_PROC_EXE_NETTOOL);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/bash"), SG_PROC_EXE_SHELL);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/dash"), SG_PROC_EXE_SHELL);
    ck_assert_int_eq(sg_proc_exe_kind("/tmp/.x/xmrig-notls"), SG_PROC_EXE_MINER);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/perldoc-x"), SG_PROC_EXE_OTHER);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/shred"), SG_PROC_EXE_OTHER);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/bin/ncal"), SG_PROC_EXE_OTHER);
    ck_assert_int_eq(sg_proc_exe_kind("/usr/sbin/php-fpm8.2"), SG_PROC_EXE_OTHER);
    ck_assert_int_eq(sg_proc_exe_kind("sh"), SG_PROC_EXE_SHELL);
}
END_TEST

static sg_proc_facts_t facts(const char *exe)
{
    sg_proc_facts_t f;

    memset(&f, 0, sizeof(f));
    f.exe = exe;
    f.home = "/var/www";
    f.cmdline = "x";
    return f;
}

START_TEST(judge_rules)
{
    sg_proc_facts_t f = facts("/usr/bin/sleep");

    ck_assert_uint_eq(sg_proc_judge(&f), 0);
    f = facts("/usr/bin/perl");
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_INTERPRETER);
    f = facts("/usr/bin/python3.11");
    f.tcp_sockets = f.listening = 1;
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_INTERPRETER | SG_PROC_LISTEN);
    /* A shell: plain is fine, holding TCP is suspect, reading a socket is worse. */
    f = facts("/usr/bin/bash");
    ck_assert_uint_eq(sg_proc_judge(&f), 0);
    f.tcp_sockets = 1;
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_SHELL_SOCKET);
    f.stdin_socket = 1;
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_REVERSE_SHELL);
    f = facts("/usr/bin/dash");
    f.stdout_tcp = f.tcp_sockets = 1;
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_REVERSE_SHELL);
    /* A non-shell reading a socket on stdin (inetd style) is not judged for it. */
    f = facts("/usr/bin/sleep");
    f.stdin_socket = 1;
    ck_assert_uint_eq(sg_proc_judge(&f), 0);
}
END_TEST

START_TEST(judge_places)
{
    sg_proc_facts_t f = facts("/tmp/.x/sleep");

    f.exe_deleted = 1;
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_DELETED_EXE | SG_PROC_EXE_IN_TMP);
    f = facts("/dev/shm/a");
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_EXE_IN_TMP);
    f = facts("/var/tmp/a");
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_EXE_IN_TMP);
    f = facts("/tmpfoo/a");
    ck_assert_uint_eq(sg_proc_judge(&f), 0);
    f = facts("/home/web1/bin/a");
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_EXE_IN_HOME);
    f = facts("/var/www/html/.cache/kworker");
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_EXE_IN_HOME);
    f = facts("/var/wwwx/a");
    ck_assert_uint_eq(sg_proc_judge(&f), 0);
    f = facts("/usr/local/bin/x");
    f.cmdline = "x -o stratum+tcp://pool.example:3333 -u W";
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_MINER);
    /* Unreadable exe: only what else is known counts. */
    f = facts(NULL);
    ck_assert_uint_eq(sg_proc_judge(&f), 0);
    f.listening = 1;
    ck_assert_uint_eq(sg_proc_judge(&f), SG_PROC_LISTEN);
}
END_TEST

START_TEST(reason_names)
{
    ck_assert_str_eq(sg_proc_reason_name(0), "interpreter");
    ck_assert_str_eq(sg_proc_reason_name(4), "reverse-shell");
    ck_assert_str_eq(sg_proc_reason_name(SG_PROC_NREASONS - 1), "listen");
    ck_assert_uint_eq(1u << (SG_PROC_NREASONS - 1), SG_PROC_LISTEN);
    ck_assert_str_eq(sg_proc_reason_name(SG_PROC_NREASONS), "?");
}
END_TEST

Suite *proc_suite(void)
{
    Suite *s = suite_create("proc");
    TCase *tc = tcase_create("proc");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, stat_plain_and_tricky_names);
    tcase_add_test(tc, stat_malformed);
    tcase_add_test(tc, status_uids);
    tcase_add_test(tc, printable_cmdline);
    tcase_add_test(tc, exe_links);
    tcase_add_test(tc, tcp_lines);
    tcase_add_test(tc, tcp_bad_lines);
    tcase_add_test(tc, uid_lists);
    tcase_add_test(tc, uid_lists_bad);
    tcase_add_test(tc, names_and_globs);
    tcase_add_test(tc, exe_kinds);
    tcase_add_test(tc, judge_rules);
    tcase_add_test(tc, judge_places);
    tcase_add_test(tc, reason_names);
    suite_add_tcase(s, tc);
    return s;
}
