/* test_archive.c: the archive walker and the engine's member scans, through a
 * fake reader (no libarchive): naming, nesting, limits, unreadable members. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_archive.h"
#include "sg_engine.h"

/* The fake format: "PK\3\4", then per member "NAME\nDECLARED\nLEN\n" and LEN
 * bytes (DECLARED: the size the reader claims, -1 unknown).  A member named
 * "broken" fails to read. */
typedef struct fake_t {
    const char *p, *end;      /* the members not read yet */
    const char *cur;          /* the current member's bytes */
    apr_size_t left;          /* not served yet */
    int broken;               /* the current member fails */
    apr_pool_t *pool;
} fake_t;

static apr_status_t fake_open(const char *buf, apr_size_t len, apr_pool_t *p, void **h)
{
    fake_t *f = apr_pcalloc(p, sizeof(*f));

    f->p = buf + 4;
    f->end = buf + len;
    f->pool = p;
    *h = f;
    return APR_SUCCESS;
}

/* Reads one "TEXT\n" field at f->p. */
static const char *field(fake_t *f)
{
    const char *nl = memchr(f->p, '\n', (apr_size_t)(f->end - f->p));
    const char *v;

    if (!nl) return NULL;
    v = apr_pstrmemdup(f->pool, f->p, (apr_size_t)(nl - f->p));
    f->p = nl + 1;
    return v;
}

static apr_status_t fake_next(void *h, const char **name, int *regular, apr_int64_t *size)
{
    fake_t *f = h;
    const char *declared, *len;

    if (f->p >= f->end) return APR_EOF;
    if (!(*name = field(f)) || !(declared = field(f)) || !(len = field(f))) return APR_EGENERAL;
    *size = apr_atoi64(declared);
    *regular = 1;
    f->cur = f->p;
    f->left = (apr_size_t)apr_atoi64(len);
    f->p += f->left;
    f->broken = !strcmp(*name, "broken");
    return APR_SUCCESS;
}

static apr_status_t fake_read(void *h, char *buf, apr_size_t n, apr_size_t *got)
{
    fake_t *f = h;

    if (f->broken) return APR_EGENERAL;
    *got = n < f->left ? n : f->left;
    memcpy(buf, f->cur, *got);
    f->cur += *got;
    f->left -= *got;
    return APR_SUCCESS;
}

static const char *fake_error(void *h)
{
    return "fake: damaged";
}

static void fake_close(void *h)
{
}

static const sg_archive_reader_t fake = { fake_open, fake_next, fake_read, fake_error,
                                          fake_close };

/* A fake archive of NAME, CONTENT pairs (NULL-terminated), from P. */
static char *fake_archive(apr_pool_t *p, apr_size_t *len, ...)
{
    va_list ap;
    const char *name;
    char *out = apr_pstrdup(p, "PK\003\004");

    va_start(ap, len);
    while ((name = va_arg(ap, const char *))) {
        const char *content = va_arg(ap, const char *);
        out = apr_psprintf(p, "%s%s\n%d\n%d\n%s", out, name, (int)strlen(content),
                           (int)strlen(content), content);
    }
    va_end(ap);
    *len = strlen(out);
    return out;
}

static sg_engine_t *engine(void)
{
    sg_engine_t *e;
    sg_engine_options_t opts;
    sg_result_t res = { APR_SUCCESS, NULL };

    sg_engine_options_default(&opts);
    ck_assert_int_eq(sg_engine_create(&e, test_pool, &opts, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_add_rules(e, "t", "T.Bad malicious any lit BADTHING\n", &res),
                     APR_SUCCESS);
    ck_assert_int_eq(sg_engine_load(e, NULL, &res), APR_SUCCESS);
    return e;
}

static const sg_finding_t *finding(const apr_array_header_t *f, int i)
{
    return &APR_ARRAY_IDX(f, i, sg_finding_t);
}

START_TEST(sniffs_by_content)
{
    char tar[600];

    ck_assert_str_eq(sg_archive_sniff("PK\003\004xx", 6), "zip");
    ck_assert_str_eq(sg_archive_sniff("\x1f\x8b\x08\0", 4), "gzip");
    ck_assert_str_eq(sg_archive_sniff("BZh91AY", 7), "bzip2");
    ck_assert_str_eq(sg_archive_sniff("\xfd" "7zXZ\0\0", 7), "xz");
    memset(tar, 0, sizeof(tar));
    memcpy(tar + 257, "ustar", 5);
    ck_assert_str_eq(sg_archive_sniff(tar, sizeof(tar)), "tar");
    ck_assert_str_eq(sg_archive_sniff("GIF89a....PK\005\006" "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
                                      32), "zip");
    ck_assert_str_eq(sg_archive_sniff("<?php __HALT_COMPILER(); ?>", 27), "phar");
    ck_assert_ptr_null(sg_archive_sniff("<?php echo 1;", 13));
    ck_assert_ptr_null(sg_archive_sniff("PK", 2));
}
END_TEST

START_TEST(members_named_nested_and_stored_once)
{
    sg_engine_t *e = engine();
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *f;
    apr_size_t ilen, len;
    const char *inner = fake_archive(test_pool, &ilen, "x.txt", "a BADTHING", NULL);
    const char *outer = fake_archive(test_pool, &len, "a.txt", "hello", "d/b.txt",
                                     "the BADTHING", "in.zip", inner, NULL);

    sg_archive_set_reader(NULL);
    ck_assert_int_eq(sg_engine_scan_buffer(e, "o.zip", outer, len, -1, test_pool, &f, &res),
                     APR_SUCCESS);
    ck_assert_int_eq(f->nelts, 1);   /* no reader: only the archive's own bytes */
    ck_assert_ptr_null(finding(f, 0)->member);
    sg_archive_set_reader(&fake);
    ck_assert_int_eq(sg_engine_scan_buffer(e, "o.zip", outer, len, -1, test_pool, &f, &res),
                     APR_SUCCESS);
    /* The archive's own match is named by the members instead. */
    ck_assert_int_eq(f->nelts, 2);
    ck_assert_str_eq(finding(f, 0)->member, "d/b.txt");
    ck_assert_str_eq(finding(f, 0)->signature, "T.Bad");
    ck_assert_ptr_null(finding(f, 0)->hit.sig);   /* not for cleaning the archive */
    ck_assert_str_eq(finding(f, 1)->member, "in.zip!x.txt");
    sg_archive_set_reader(NULL);
}
END_TEST

/* Scans a fake archive of N members of "x" and returns the findings. */
static apr_array_header_t *scan_many(sg_engine_t *e, int n)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *f;
    char *buf = malloc((apr_size_t)n * 12 + 8), *o = buf;
    int i;

    o += sprintf(o, "PK\003\004");
    for (i = 0; i < n; i++) o += sprintf(o, "m\n1\n1\nx");
    sg_engine_scan_buffer(e, "many.zip", buf, (apr_size_t)(o - buf), -1, test_pool, &f, &res);
    free(buf);
    return f;
}

START_TEST(limits_are_findings)
{
    sg_engine_t *e = engine();
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *f;
    apr_size_t len;
    const char *a, *big;

    sg_archive_set_reader(&fake);
    f = scan_many(e, SG_ARCHIVE_MAX_MEMBERS);
    ck_assert_int_eq(f->nelts, 0);
    f = scan_many(e, SG_ARCHIVE_MAX_MEMBERS + 1);
    ck_assert_int_eq(f->nelts, 1);
    ck_assert_str_eq(finding(f, 0)->signature, "Archive.LimitExceeded.Members");
    ck_assert_int_eq(finding(f, 0)->severity, SG_SEV_SUSPICIOUS);
    /* Declared over the member limit: refused before reading. */
    big = apr_psprintf(test_pool, "PK\003\004big\n%" APR_INT64_T_FMT "\n1\nx",
                       SG_ARCHIVE_MAX_MEMBER + 1);
    ck_assert_int_eq(sg_engine_scan_buffer(e, "b.zip", big, strlen(big), -1, test_pool, &f,
                                           &res), APR_SUCCESS);
    ck_assert_str_eq(finding(f, 0)->signature, "Archive.LimitExceeded.MemberSize");
    ck_assert_str_eq(finding(f, 0)->member, "big");
    /* Four archives inside each other: the fourth is not opened. */
    a = fake_archive(test_pool, &len, "x.txt", "BADTHING", NULL);
    a = fake_archive(test_pool, &len, "l1", a, NULL);
    a = fake_archive(test_pool, &len, "l2", a, NULL);
    a = fake_archive(test_pool, &len, "l3", a, NULL);
    ck_assert_int_eq(sg_engine_scan_buffer(e, "d.zip", a, len, -1, test_pool, &f, &res),
                     APR_SUCCESS);
    ck_assert_int_eq(f->nelts, 2);
    /* l1's own (stored) bytes were still matched; its member was not scanned. */
    ck_assert_str_eq(finding(f, 0)->signature, "T.Bad");
    ck_assert_str_eq(finding(f, 0)->member, "l3!l2!l1");
    ck_assert_str_eq(finding(f, 1)->signature, "Archive.LimitExceeded.Depth");
    ck_assert_str_eq(finding(f, 1)->member, "l3!l2!l1");
    /* A member that fails to read: said, with the reader's reason. */
    a = fake_archive(test_pool, &len, "ok.txt", "fine", "broken", "zzz", NULL);
    ck_assert_int_eq(sg_engine_scan_buffer(e, "u.zip", a, len, -1, test_pool, &f, &res),
                     APR_SUCCESS);
    ck_assert_int_eq(f->nelts, 1);
    ck_assert_str_eq(finding(f, 0)->signature, "Archive.Unreadable");
    ck_assert_str_eq(finding(f, 0)->member, "broken");
    ck_assert_str_eq(finding(f, 0)->detail, "unreadable: fake: damaged");
    sg_archive_set_reader(NULL);
}
END_TEST

Suite *archive_suite(void)
{
    Suite *s = suite_create("archive");
    TCase *tc = tcase_create("archive");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, sniffs_by_content);
    tcase_add_test(tc, members_named_nested_and_stored_once);
    tcase_add_test(tc, limits_are_findings);
    suite_add_tcase(s, tc);
    return s;
}
