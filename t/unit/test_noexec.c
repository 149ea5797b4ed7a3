/* test_noexec.c: which requests count as running a script in a no-exec path. */
#include <string.h>
#include "tests.h"
#include "sg_noexec.h"

static sg_noexec_rules_t *rules;

static void setup(void)
{
    test_pool_setup();
    rules = sg_noexec_rules_create(test_pool);
    ck_assert_int_eq(sg_noexec_rules_add_defaults(rules, NULL), APR_SUCCESS);
}

static sg_noexec_verdict_t judge(const char *filename, const char *path_info,
                                 const char *handler, const char *type, sg_noexec_mode_t mode)
{
    sg_noexec_request_t req;
    sg_noexec_verdict_t v;

    req.filename = filename;
    req.path_info = path_info;
    req.handler = handler;
    req.content_type = type;
    req.docroot = "/var/www/html";
    req.mode = mode;
    sg_noexec_judge(rules, &req, test_pool, &v);
    return v;
}

#define PHP "application/x-httpd-php"
#define FPM "proxy:unix:/run/php/php8.2-fpm.sock|fcgi://localhost"

START_TEST(php_in_default_paths_is_refused)
{
    static const char *const paths[] = {
        "/var/www/html/wp-content/uploads/2024/01/x.php",
        "/var/www/html/upload/x.php",
        "/var/www/html/Uploads/x.php",
        "/var/www/html/sites/default/files/x.php",
        "/var/www/html/images/x.php",
        "/var/www/html/tmp/x.php",
        "/var/www/html/cache/x.php",
        "/var/www/html//uploads/./x.php",
        NULL
    };
    const char *const *p;

    for (p = paths; *p; p++) {
        sg_noexec_verdict_t v = judge(*p, NULL, PHP, NULL, SG_NOEXEC_UNSET);
        ck_assert_msg(v.refuse, "not refused: %s", *p);
        ck_assert_ptr_nonnull(v.rule);
    }
}
END_TEST

START_TEST(php_elsewhere_runs)
{
    ck_assert_int_eq(judge("/var/www/html/index.php", NULL, PHP, NULL, SG_NOEXEC_UNSET).refuse, 0);
    ck_assert_int_eq(judge("/var/www/html/uploadsx/a.php", NULL, PHP, NULL, SG_NOEXEC_UNSET).refuse, 0);
    ck_assert_int_eq(judge("/var/www/html/my-cache.php", NULL, PHP, NULL, SG_NOEXEC_UNSET).refuse, 0);
    /* The docroot itself living under /tmp does not make every script no-exec. */
    ck_assert_int_eq(judge("/var/www/html/../html/index.php", NULL, FPM, NULL,
                           SG_NOEXEC_UNSET).refuse, 0);
}
END_TEST

START_TEST(static_files_in_upload_paths_serve)
{
    sg_noexec_verdict_t v = judge("/var/www/html/uploads/a.jpg", NULL, NULL, "image/jpeg",
                                  SG_NOEXEC_UNSET);
    ck_assert_int_eq(v.refuse, 0);
    ck_assert_ptr_nonnull(v.rule);
    ck_assert_int_eq(judge("/var/www/html/uploads/a.txt", NULL, "default-handler", "text/plain",
                           SG_NOEXEC_UNSET).refuse, 0);
}
END_TEST

START_TEST(handlers_that_run_code)
{
    static const char *const handlers[] = {
        PHP, "application/x-httpd-php-source", FPM, "proxy:fcgi://127.0.0.1:9000",
        "cgi-script", "fcgid-script", "php-cgi", "my-action-handler", NULL
    };
    const char *const *h;

    for (h = handlers; *h; h++) {
        sg_noexec_verdict_t v = judge("/var/www/html/uploads/a.jpg", NULL, *h, NULL,
                                      SG_NOEXEC_UNSET);
        ck_assert_msg(v.refuse, "handler not refused: %s", *h);
    }
    /* AddType application/x-httpd-php: httpd uses the type as the handler. */
    ck_assert(judge("/var/www/html/uploads/a.jpg", NULL, NULL, PHP "; charset=utf-8",
                    SG_NOEXEC_UNSET).refuse);
}
END_TEST

START_TEST(script_names_and_path_info)
{
    ck_assert(judge("/var/www/html/uploads/x.PHP", NULL, NULL, "text/plain", SG_NOEXEC_UNSET).refuse);
    ck_assert(judge("/var/www/html/uploads/x.pHtMl", NULL, NULL, NULL, SG_NOEXEC_UNSET).refuse);
    ck_assert(judge("/var/www/html/uploads/x.phar", NULL, NULL, NULL, SG_NOEXEC_UNSET).refuse);
    ck_assert(judge("/var/www/html/uploads/x.php5", NULL, NULL, NULL, SG_NOEXEC_UNSET).refuse);
    ck_assert(judge("/var/www/html/uploads/x.pht", NULL, NULL, NULL, SG_NOEXEC_UNSET).refuse);
    ck_assert(judge("/var/www/html/uploads/a.jpg", "/x.php", NULL, "image/jpeg",
                    SG_NOEXEC_UNSET).refuse);
    ck_assert_int_eq(judge("/var/www/html/uploads/a.jpg", "/x.txt", NULL, "image/jpeg",
                           SG_NOEXEC_UNSET).refuse, 0);
}
END_TEST

START_TEST(proxy_filenames)
{
    sg_noexec_verdict_t v = judge("proxy:fcgi://127.0.0.1:9000/var/www/html/uploads/a.jpg/x.php",
                                  NULL, "proxy-server", NULL, SG_NOEXEC_UNSET);
    ck_assert(v.refuse);
    ck_assert_str_eq(v.script, "/var/www/html/uploads/a.jpg/x.php");
    ck_assert_int_eq(judge("proxy:http://backend/uploads/x.php", NULL, "proxy-server", NULL,
                           SG_NOEXEC_UNSET).refuse, 0);
    ck_assert_int_eq(judge("redirect:/uploads/x.php", NULL, NULL, NULL, SG_NOEXEC_UNSET).refuse, 0);
}
END_TEST

START_TEST(directory_switch_overrides_rules)
{
    sg_noexec_verdict_t v = judge("/var/www/html/files/x.php", NULL, PHP, NULL, SG_NOEXEC_ON);
    ck_assert(v.refuse);
    ck_assert_str_eq(v.rule, "SpamGearNoExec On");
    ck_assert_int_eq(judge("/var/www/html/uploads/x.php", NULL, PHP, NULL, SG_NOEXEC_OFF).refuse, 0);
}
END_TEST

START_TEST(custom_rules_replace_and_extend)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_noexec_rules_t *own = sg_noexec_rules_create(test_pool);

    ck_assert_int_eq(sg_noexec_rules_add_path(own, "/media/", &res), APR_SUCCESS);
    sg_noexec_rules_add_handler(own, "text/x-own-runner");
    ck_assert_int_eq(sg_noexec_rules_add_path(own, "(unclosed", &res), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(res.problem, "(unclosed"));
    ck_assert_int_eq(sg_noexec_rules_add_defaults(own, NULL), APR_SUCCESS);
    ck_assert_int_eq(sg_regex_list_count(own->paths), 1);
    rules = own;
    ck_assert(judge("/var/www/html/media/x.php", NULL, PHP, NULL, SG_NOEXEC_UNSET).refuse);
    ck_assert_int_eq(judge("/var/www/html/uploads/x.php", NULL, PHP, NULL, SG_NOEXEC_UNSET).refuse, 0);
    /* An own handler glob adds to the built-ins: PHP by content type still counts. */
    ck_assert(judge("/var/www/html/media/page.html", NULL, NULL, PHP, SG_NOEXEC_UNSET).refuse);
    ck_assert(judge("/var/www/html/media/page.html", NULL, NULL, "text/x-own-runner",
                    SG_NOEXEC_UNSET).refuse);
    ck_assert_int_eq(own->handlers->nelts, 8);
    ck_assert_int_eq(sg_noexec_rules_add_defaults(own, NULL), APR_SUCCESS);
    ck_assert_int_eq(own->handlers->nelts, 8);
}
END_TEST

/* sg_regex_list_join: .htaccess additions after a directory's list, neither changed. */
START_TEST(regex_lists_join_in_order)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_regex_list_t *a = sg_regex_list_create(test_pool), *b = sg_regex_list_create(test_pool);
    sg_regex_list_t *j;

    ck_assert_int_eq(sg_regex_list_add(a, "\\.php$", 1, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_regex_list_add(b, "\\.svgz$", 1, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_regex_list_add(b, "\\.PHP$", 1, &res), APR_SUCCESS);
    j = sg_regex_list_join(a, b, test_pool);
    ck_assert_int_eq(sg_regex_list_count(j), 3);
    ck_assert_str_eq(sg_regex_list_match(j, "x.PHP", 5), "\\.php$");   /* A's first */
    ck_assert_str_eq(sg_regex_list_match(j, "logo.svgz", 9), "\\.svgz$");
    ck_assert_ptr_null(sg_regex_list_match(j, "logo.svg", 8));
    ck_assert_int_eq(sg_regex_list_count(a), 1);
    ck_assert_int_eq(sg_regex_list_count(b), 2);
    ck_assert_int_eq(sg_regex_list_count(sg_regex_list_join(NULL, b, test_pool)), 2);
    ck_assert_int_eq(sg_regex_list_count(sg_regex_list_join(a, NULL, test_pool)), 1);
    ck_assert_ptr_null(sg_regex_list_match(sg_regex_list_join(NULL, NULL, test_pool), "x", 1));
}
END_TEST

Suite *noexec_suite(void)
{
    Suite *s = suite_create("noexec");
    TCase *tc = tcase_create("noexec");

    tcase_add_checked_fixture(tc, setup, test_pool_teardown);
    tcase_add_test(tc, php_in_default_paths_is_refused);
    tcase_add_test(tc, php_elsewhere_runs);
    tcase_add_test(tc, static_files_in_upload_paths_serve);
    tcase_add_test(tc, handlers_that_run_code);
    tcase_add_test(tc, script_names_and_path_info);
    tcase_add_test(tc, proxy_filenames);
    tcase_add_test(tc, directory_switch_overrides_rules);
    tcase_add_test(tc, custom_rules_replace_and_extend);
    tcase_add_test(tc, regex_lists_join_in_order);
    suite_add_tcase(s, tc);
    return s;
}
