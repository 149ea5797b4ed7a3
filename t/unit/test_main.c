/* test_main.c: runs every core suite; exit status 0 only when all pass. */
#include <stdlib.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_general.h>
#include "tests.h"

apr_pool_t *test_pool;

void test_pool_setup(void)
{
    apr_pool_create(&test_pool, NULL);
}

void test_pool_teardown(void)
{
    apr_pool_destroy(test_pool);
    test_pool = NULL;
}

const char *test_temp_file(const char *data, apr_size_t len)
{
    char *path = apr_pstrdup(test_pool, "/tmp/sg-test-XXXXXX");
    int fd = mkstemp(path);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

int main(void)
{
    SRunner *sr;
    int failed;

    apr_initialize();
    sr = srunner_create(path_suite());
    srunner_add_suite(sr, noexec_suite());
    srunner_add_suite(sr, conf_suite());
    srunner_add_suite(sr, log_suite());
    srunner_add_suite(sr, dnsbl_suite());
    srunner_add_suite(sr, emergency_suite());
    srunner_add_suite(sr, queue_suite());
    srunner_add_suite(sr, logtime_suite());
    srunner_add_suite(sr, maillog_suite());
    srunner_add_suite(sr, accessmap_suite());
    srunner_add_suite(sr, proc_suite());
    srunner_add_suite(sr, update_suite());
    srunner_add_suite(sr, ban_suite());
    srunner_add_suite(sr, scan_suite());
    srunner_add_suite(sr, archive_suite());
    srunner_add_suite(sr, multipart_suite());
    srunner_add_suite(sr, quarantine_suite());
    srunner_add_suite(sr, php_lex_suite());
    srunner_add_suite(sr, media_suite());
    srunner_add_suite(sr, php_an_suite());
    srunner_add_suite(sr, quota_suite());
    srunner_add_suite(sr, vercmp_suite());
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    apr_terminate();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
