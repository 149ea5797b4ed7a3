/* test_quota.c: the spool quota shared by processes (sg_quota). */
#include <sys/wait.h>
#include <unistd.h>
#include <apr_shm.h>
#include "tests.h"
#include "sg_quota.h"

#define SLOTS 4

/* A fresh quota of LIMIT bytes in anonymous shared memory (fork shares it). */
static sg_quota_t *quota(apr_off_t limit)
{
    apr_shm_t *shm;

    ck_assert_int_eq(apr_shm_create(&shm, sg_quota_shm_size(SLOTS), NULL, test_pool),
                     APR_SUCCESS);
    return sg_quota_init(apr_shm_baseaddr_get(shm), SLOTS, limit, test_pool);
}

START_TEST(reserve_up_to_the_limit)
{
    sg_quota_t *q = quota(1000);

    ck_assert_int_eq(sg_quota_join(q, getpid()), APR_SUCCESS);
    ck_assert_int_eq(sg_quota_limit(q), 1000);
    ck_assert_int_eq(sg_quota_reserve(q, 600), 1);
    ck_assert_int_eq(sg_quota_reserve(q, 400), 1);       /* exactly the limit */
    ck_assert_int_eq(sg_quota_used(q), 1000);
    ck_assert_int_eq(sg_quota_reserve(q, 1), 0);         /* over: nothing taken */
    ck_assert_int_eq(sg_quota_used(q), 1000);
    sg_quota_release(q, 600);
    ck_assert_int_eq(sg_quota_used(q), 400);
    ck_assert_int_eq(sg_quota_reserve(q, 601), 0);
    ck_assert_int_eq(sg_quota_reserve(q, 600), 1);
    ck_assert_int_eq(sg_quota_reserve(q, 0), 1);         /* nothing always fits */
    /* our own slot is never reclaimed: we are alive */
    ck_assert_int_eq(sg_quota_reclaim(q), 0);
    ck_assert_int_eq(sg_quota_used(q), 1000);
}
END_TEST

/* A child that reserves N bytes and exits without releasing them (killed
 * in the middle of an upload). */
static void child_dies_holding(sg_quota_t *q, apr_off_t n, int join)
{
    int status;
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        if (join && sg_quota_join(q, getpid()) != APR_SUCCESS) _exit(2);
        _exit(sg_quota_reserve(q, n) ? 0 : 1);
    }
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_int_eq(WEXITSTATUS(status), 0);
}

START_TEST(a_dead_process_gives_its_bytes_back)
{
    sg_quota_t *q = quota(1000);

    ck_assert_int_eq(sg_quota_join(q, getpid()), APR_SUCCESS);
    child_dies_holding(q, 700, 1);
    ck_assert_int_eq(sg_quota_used(q), 700);
    /* 400 does not fit with the dead child's 700: they are reclaimed first */
    ck_assert_int_eq(sg_quota_reserve(q, 400), 1);
    ck_assert_int_eq(sg_quota_used(q), 400);
    /* a live process's bytes are not: a real over-limit stays refused */
    ck_assert_int_eq(sg_quota_reserve(q, 601), 0);
    ck_assert_int_eq(sg_quota_used(q), 400);
}
END_TEST

START_TEST(a_joiner_takes_a_dead_process_slot)
{
    sg_quota_t *q = quota(100000);
    int i;

    /* Each child joins, reserves and dies: the next joiner takes the slot
     * of the one before (gone) and frees its bytes, so slots never run out
     * however many children come and go, and one dead child's bytes at most
     * are held until the next join or reclaim. */
    for (i = 0; i < 3 * SLOTS; i++) {
        child_dies_holding(q, 100, 1);
        ck_assert_int_eq(sg_quota_used(q), 100);
    }
    ck_assert_int_eq(sg_quota_join(q, getpid()), APR_SUCCESS);
    ck_assert_int_eq(sg_quota_used(q), 0);
    /* a slotless process that died is not reclaimable: its bytes stay */
    child_dies_holding(q, 100, 0);
    ck_assert_int_eq(sg_quota_reclaim(q), 0);
    ck_assert_int_eq(sg_quota_used(q), 100);
}
END_TEST

START_TEST(no_slot_still_counts)
{
    sg_quota_t *q = quota(500);
    pid_t kids[SLOTS];
    int go[2], ready[2], i, status;
    char c;

    /* SLOTS live children hold every slot (each joins, says so, and waits). */
    ck_assert_int_eq(pipe(go), 0);
    ck_assert_int_eq(pipe(ready), 0);
    for (i = 0; i < SLOTS; i++) {
        ck_assert_int_ge(kids[i] = fork(), 0);
        if (kids[i] == 0) {
            close(go[1]);
            c = sg_quota_join(q, getpid()) == APR_SUCCESS ? 'y' : 'n';
            if (write(ready[1], &c, 1) != 1) _exit(3);
            _exit(read(go[0], &c, 1) >= 0 ? 0 : 3);
        }
    }
    for (i = 0; i < SLOTS; i++) {
        ck_assert_int_eq(read(ready[0], &c, 1), 1);
        ck_assert_int_eq(c, 'y');
    }
    /* no slot: the process still reserves and releases, on the total alone */
    ck_assert_int_eq(sg_quota_join(q, getpid()), APR_EGENERAL);
    ck_assert_int_eq(sg_quota_reserve(q, 500), 1);
    ck_assert_int_eq(sg_quota_reserve(q, 1), 0);
    sg_quota_release(q, 500);
    ck_assert_int_eq(sg_quota_used(q), 0);
    close(go[1]);
    for (i = 0; i < SLOTS; i++) ck_assert_int_eq(waitpid(kids[i], &status, 0), kids[i]);
    close(go[0]);
    close(ready[0]);
    close(ready[1]);
}
END_TEST

Suite *quota_suite(void)
{
    Suite *s = suite_create("quota");
    TCase *tc = tcase_create("quota");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, reserve_up_to_the_limit);
    tcase_add_test(tc, a_dead_process_gives_its_bytes_back);
    tcase_add_test(tc, a_joiner_takes_a_dead_process_slot);
    tcase_add_test(tc, no_slot_still_counts);
    suite_add_tcase(s, tc);
    return s;
}
