#ifndef SG_TESTS_H
#define SG_TESTS_H
/* Check unit tests of the core: one suite per core file. */
#include <check.h>
#include <apr_pools.h>

/* A pool created before and destroyed after every test (tests.c fixture). */
extern apr_pool_t *test_pool;
void test_pool_setup(void);
void test_pool_teardown(void);

/* Writes DATA[0..LEN) to a fresh file under /tmp and returns its path
 * (from test_pool); the caller unlinks it. */
const char *test_temp_file(const char *data, apr_size_t len);

Suite *path_suite(void);
Suite *noexec_suite(void);
Suite *conf_suite(void);
Suite *log_suite(void);
Suite *dnsbl_suite(void);
Suite *emergency_suite(void);
Suite *queue_suite(void);
Suite *logtime_suite(void);
Suite *maillog_suite(void);
Suite *accessmap_suite(void);
Suite *proc_suite(void);
Suite *update_suite(void);
Suite *ban_suite(void);
Suite *scan_suite(void);
Suite *archive_suite(void);
Suite *multipart_suite(void);
Suite *quarantine_suite(void);
Suite *php_lex_suite(void);
Suite *media_suite(void);
Suite *php_an_suite(void);
Suite *quota_suite(void);
Suite *vercmp_suite(void);

#endif /* SG_TESTS_H */
