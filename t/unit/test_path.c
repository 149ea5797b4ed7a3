/* test_path.c: lexical normalisation and proxy script paths. */
#include "tests.h"
#include "sg_path.h"

START_TEST(normalize_merges_slashes_and_dots)
{
    ck_assert_str_eq(sg_path_normalize(test_pool, "/var//www/./html///a.php"), "/var/www/html/a.php");
    ck_assert_str_eq(sg_path_normalize(test_pool, "/var/www/x/../uploads/a.php"), "/var/www/uploads/a.php");
    ck_assert_str_eq(sg_path_normalize(test_pool, "/../../etc/passwd"), "/etc/passwd");
    ck_assert_str_eq(sg_path_normalize(test_pool, "/a/b/"), "/a/b/");
    ck_assert_str_eq(sg_path_normalize(test_pool, "/"), "/");
    ck_assert_str_eq(sg_path_normalize(test_pool, "//"), "/");
}
END_TEST

START_TEST(below_strips_only_whole_components)
{
    ck_assert_str_eq(sg_path_below("/var/www/html/uploads/a.php", "/var/www/html"), "/uploads/a.php");
    ck_assert_str_eq(sg_path_below("/var/www/html/uploads/a.php", "/var/www/html/"), "/uploads/a.php");
    ck_assert_str_eq(sg_path_below("/var/www/html2/a.php", "/var/www/html"), "/var/www/html2/a.php");
    ck_assert_str_eq(sg_path_below("/var/www/html", "/var/www/html"), "/");
    ck_assert_str_eq(sg_path_below("/tmp/x.php", "/"), "/tmp/x.php");
    ck_assert_str_eq(sg_path_below("/tmp/x.php", NULL), "/tmp/x.php");
}
END_TEST

START_TEST(proxy_script_paths)
{
    ck_assert_str_eq(sg_path_proxy_script(test_pool, "proxy:fcgi://127.0.0.1:9000/var/www/u/a.php"),
                     "/var/www/u/a.php");
    ck_assert_str_eq(sg_path_proxy_script(test_pool,
                     "proxy:unix:/run/php/fpm.sock|fcgi://localhost/var/www/a.php?x=1"),
                     "/var/www/a.php");
    ck_assert_str_eq(sg_path_proxy_script(test_pool, "proxy:SCGI://h:1/s.py"), "/s.py");
    ck_assert_ptr_null(sg_path_proxy_script(test_pool, "proxy:http://backend/uploads/a.php"));
    ck_assert_ptr_null(sg_path_proxy_script(test_pool, "proxy:unix:/run/x.sock"));
    ck_assert_ptr_null(sg_path_proxy_script(test_pool, "proxy:fcgi://hostonly"));
    ck_assert_ptr_null(sg_path_proxy_script(test_pool, "/var/www/a.php"));
}
END_TEST

Suite *path_suite(void)
{
    Suite *s = suite_create("path");
    TCase *tc = tcase_create("path");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, normalize_merges_slashes_and_dots);
    tcase_add_test(tc, below_strips_only_whole_components);
    tcase_add_test(tc, proxy_script_paths);
    suite_add_tcase(s, tc);
    return s;
}
