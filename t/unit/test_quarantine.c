/* test_quarantine.c: the quarantine record reader and writer, its caps, and the
 * notification template. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <apr_strings.h>
#include <apr_file_io.h>
#include "tests.h"
#include "sg_engine.h"
#include "sg_notify.h"
#include "sg_quarantine.h"

#define SHA "f6fea1315fdba512d7cca6bbffa1791e6152e46fbedc32d0b6e88c4486f1f60e"

static sg_qrecord_t *sample(void)
{
    sg_qrecord_t *r = apr_pcalloc(test_pool, sizeof(*r));
    sg_qfinding_t *f;

    r->id = "20261127-082245-eb5a0efb";
    r->path = "/home/a b/%x\n.php";
    r->uid = 1000;
    r->gid = 33;
    r->owner = "alice";
    r->group = "www data";
    r->mode = 04755;
    r->mtime_sec = 1577934245;
    r->mtime_nsec = 123456789;
    r->size = 26;
    r->sha256 = SHA;
    r->time = 1795767765;
    r->action = "quarantined";
    r->findings = apr_array_make(test_pool, 1, sizeof(sg_qfinding_t));
    f = apr_array_push(r->findings);
    f->engine = "CLAMAV";
    f->signature = "Php.Trojan X";
    f->severity = "suspicious";
    return r;
}

/* Parses TEXT; returns the problem, or NULL when it parsed. */
static const char *problem(const char *text)
{
    sg_qrecord_t *r;
    sg_result_t res = { APR_SUCCESS, NULL };

    return sg_qrecord_parse(text, strlen(text), &r, test_pool, &res) == APR_SUCCESS ? NULL
                                                                                   : res.problem;
}

START_TEST(record_round_trip)
{
    const char *text = sg_qrecord_format(sample(), test_pool);
    sg_qrecord_t *r;
    sg_result_t res = { APR_SUCCESS, NULL };

    ck_assert_ptr_nonnull(strstr(text, "path /home/a%20b/%25x%0A.php\n"));
    ck_assert_int_eq(sg_qrecord_parse(text, strlen(text), &r, test_pool, &res), APR_SUCCESS);
    ck_assert_str_eq(r->path, "/home/a b/%x\n.php");
    ck_assert_str_eq(r->group, "www data");
    ck_assert_int_eq(r->mode, 04755);
    ck_assert_int_eq(r->mtime_nsec, 123456789);
    ck_assert_int_eq(r->findings->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(r->findings, 0, sg_qfinding_t).signature, "Php.Trojan X");
}
END_TEST

START_TEST(record_reader_is_strict)
{
    const char *good = sg_qrecord_format(sample(), test_pool);
    char *text;

    ck_assert_ptr_null(problem(good));
    ck_assert_str_eq(problem(""), "empty record");
    ck_assert_str_eq(problem("spamgear-quarantine 2\n"), "line 1: not a spamgear-quarantine 1 record");
    ck_assert_str_eq(problem(apr_pstrndup(test_pool, good, strlen(good) - 1)),
                     "line 14: no newline at the end");
    text = apr_pstrcat(test_pool, good, "uid 0\n", NULL);
    ck_assert_str_eq(problem(text), "line 15: 'uid' given twice");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nid x\n"), "field 'path' is missing");
    ck_assert_str_eq(problem("spamgear-quarantine 1\npath relative\n"),
                     "line 2: bad or unknown field 'path'");
    ck_assert_str_eq(problem("spamgear-quarantine 1\npath /a%00b\n"),
                     "line 2: bad or unknown field 'path'");
    ck_assert_str_eq(problem("spamgear-quarantine 1\npath /a%4\n"),
                     "line 2: bad or unknown field 'path'");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nid ../x\n"),
                     "line 2: bad or unknown field 'id'");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nmode 17777\n"),
                     "line 2: bad or unknown field 'mode'");
    /* the writer's %04o only: "0" would format back 3 bytes longer */
    ck_assert_str_eq(problem("spamgear-quarantine 1\nmode 0\n"),
                     "line 2: bad or unknown field 'mode'");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nsize -1\n"),
                     "line 2: bad or unknown field 'size'");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nmtime 1.5\n"),
                     "line 2: bad or unknown field 'mtime'");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nfinding A B evil\n"),
                     "line 2: bad finding (or more than 64)");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nnoblank\n"), "line 2: not 'KEY VALUE'");
}
END_TEST

START_TEST(record_reader_caps)
{
    apr_array_header_t *lines = apr_array_make(test_pool, 80, sizeof(const char *));
    char *big = apr_palloc(test_pool, SG_QREC_MAX_SIZE + 2);
    char *longline = apr_palloc(test_pool, SG_QREC_MAX_LINE + 40);
    int i;

    APR_ARRAY_PUSH(lines, const char *) = "spamgear-quarantine 1\n";
    for (i = 0; i <= SG_QREC_MAX_FINDINGS; i++) {
        APR_ARRAY_PUSH(lines, const char *) = "finding E S malicious\n";
    }
    ck_assert_str_eq(problem(apr_array_pstrcat(test_pool, lines, '\0')),
                     "line 66: bad finding (or more than 64)");
    memset(big, 'a', SG_QREC_MAX_SIZE + 1);
    big[SG_QREC_MAX_SIZE + 1] = '\0';
    ck_assert_str_eq(problem(big), "record of 65537 bytes is over the limit of 65536");
    strcpy(longline, "spamgear-quarantine 1\npath /");
    memset(longline + 28, 'a', SG_QREC_MAX_LINE);
    strcpy(longline + 28 + SG_QREC_MAX_LINE, "\n");
    ck_assert_str_eq(problem(longline), "line 2: longer than 8192 bytes");
}
END_TEST

/* ---------------------------------------------------------------- writer vs reader */

/* Findings for a record: N of them. */
static apr_array_header_t *findings(int n)
{
    apr_array_header_t *a = apr_array_make(test_pool, n, sizeof(sg_qfinding_t));
    int i;

    for (i = 0; i < n; i++) {
        sg_qfinding_t *f = apr_array_push(a);
        f->engine = "SPAMGEAR";
        f->signature = apr_psprintf(test_pool, "PHP.Test.%d", i);
        f->severity = "malicious";
    }
    return a;
}

START_TEST(writer_keeps_what_the_reader_takes)
{
    char *top = apr_pstrdup(test_pool, "/tmp/sg-qtest-XXXXXX");
    const char *qdir, *path, *id = NULL;
    sg_qrecord_t *r;
    sg_result_t res = { APR_SUCCESS, NULL };
    int fd;

    ck_assert_ptr_nonnull(mkdtemp(top));
    qdir = apr_pstrcat(test_pool, top, "/q", NULL);
    path = apr_pstrcat(test_pool, top, "/x.php", NULL);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "<?php eval($x);", 15), 15);
    close(fd);
    /* more findings than a record holds: the first SG_QREC_MAX_FINDINGS */
    ck_assert_int_eq(sg_quarantine_file(qdir, path, NULL, findings(SG_QREC_MAX_FINDINGS + 6),
                                        "cleaned", 0, &id, test_pool, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_quarantine_read(qdir, id, &r, test_pool, &res), APR_SUCCESS);
    ck_assert_int_eq(r->findings->nelts, SG_QREC_MAX_FINDINGS);
    ck_assert_int_eq(sg_quarantine_drop(qdir, id, test_pool, &res), APR_SUCCESS);
    unlink(path);
    rmdir(qdir);
    rmdir(top);
}
END_TEST

START_TEST(unreadable_record_is_not_written)
{
    char *top = apr_pstrdup(test_pool, "/tmp/sg-qtest-XXXXXX");
    char blanks[201];
    const char *qdir, *dirs[16], *path, *id = NULL;
    sg_result_t res = { APR_SUCCESS, NULL };
    struct stat st;
    int fd, i, n = 0;

    ck_assert_ptr_nonnull(mkdtemp(top));
    qdir = apr_pstrcat(test_pool, top, "/q", NULL);
    memset(blanks, ' ', 200);
    blanks[200] = '\0';
    /* 14 levels of 200 blanks: 2800 bytes written %20 each, a path line
     * over SG_QREC_MAX_LINE */
    for (path = top; n < 14; n++) {
        path = dirs[n] = apr_pstrcat(test_pool, path, "/", blanks, NULL);
        ck_assert_int_eq(mkdir(path, 0700), 0);
    }
    path = apr_pstrcat(test_pool, path, "/x.php", NULL);
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0644);
    ck_assert_int_ge(fd, 0);
    close(fd);
    ck_assert_int_eq(sg_quarantine_file(qdir, path, NULL, findings(1), "quarantined", 1, &id,
                                        test_pool, &res), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(res.problem, "not quarantined: its record would not read back "
                                 "(line 3: longer than 8192 bytes)"));
    ck_assert_int_eq(stat(path, &st), 0);   /* still in place */
    unlink(path);
    for (i = n - 1; i >= 0; i--) {
        rmdir(dirs[i]);
    }
    rmdir(qdir);
    ck_assert_int_eq(rmdir(top), 0);   /* and nothing left in the quarantine */
}
END_TEST

/* ---------------------------------------------------------------- refused uploads */

/* The record of a refused upload: no path, where it came from instead. */
START_TEST(upload_record_round_trip)
{
    sg_qrecord_t *in = sample(), *r;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *text, *mixed;

    in->path = NULL;
    in->action = "upload";
    in->vhost = "www.example.org:80";
    in->client = "127.0.0.1";
    in->uri = "/wp-admin/theme-editor.php";
    in->part = "new content";
    in->filename = "-";
    text = sg_qrecord_format(in, test_pool);
    ck_assert_ptr_null(strstr(text, "\npath "));
    ck_assert_ptr_nonnull(strstr(text, "\npart new%20content\n"));
    ck_assert_int_eq(sg_qrecord_parse(text, strlen(text), &r, test_pool, &res), APR_SUCCESS);
    ck_assert_ptr_null(r->path);
    ck_assert_str_eq(r->vhost, "www.example.org:80");
    ck_assert_str_eq(r->uri, "/wp-admin/theme-editor.php");
    ck_assert_str_eq(r->part, "new content");
    ck_assert_str_eq(r->filename, "-");
    /* An upload without its origin, a file with an upload's fields, or both kinds' fields. */
    ck_assert_str_eq(problem(apr_pstrcat(test_pool, "spamgear-quarantine 1\naction upload\n",
                                         NULL)), "field 'vhost' is missing");
    mixed = apr_pstrcat(test_pool, sg_qrecord_format(sample(), test_pool), "uri /x\n", NULL);
    ck_assert_str_eq(problem(mixed), "fields of a file and of an upload mixed");
    mixed = apr_pstrcat(test_pool, text, "path /etc/cron.d/x\n", NULL);
    ck_assert_str_eq(problem(mixed), "fields of a file and of an upload mixed");
    ck_assert_str_eq(problem("spamgear-quarantine 1\nvhost \n"),
                     "line 2: bad or unknown field 'vhost'");
}
END_TEST

static const char *temp_dir(void)
{
    char *dir = apr_pstrdup(test_pool, "/tmp/sg-qtest-XXXXXX");

    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void remove_tree(const char *dir)
{
    ck_assert_int_eq(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static sg_qrecord_t *upload_origin(void)
{
    sg_qrecord_t *from = apr_pcalloc(test_pool, sizeof(*from));

    from->vhost = "h:8080";
    from->client = "::1";
    from->uri = "/up/rec.php";
    from->part = "x";
    return from;
}

/* Kept, listed, never restored to a path, extracted (not over a file without force). */
START_TEST(upload_kept_listed_extracted)
{
    static const char body[] = "<?php @eval($_POST['x']);\n\0binary";
    const char *dir = temp_dir(), *qdir = apr_pstrcat(test_pool, dir, "/q/sub", NULL);
    const char *to = apr_pstrcat(test_pool, dir, "/out.bin", NULL), *id = NULL;
    apr_array_header_t *recs, *findings = apr_array_make(test_pool, 1, sizeof(sg_qfinding_t));
    sg_qfinding_t *f = apr_array_push(findings);
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_qrecord_t *r = NULL;
    apr_file_t *fp;
    char back[64];
    apr_size_t n = sizeof(back);
    struct stat st;
    int bad;

    f->engine = "SPAMGEAR";
    f->signature = "PHP.Backdoor.EvalRequest";
    f->severity = "malicious";
    ck_assert_int_eq(sg_quarantine_buffer(qdir, body, sizeof(body) - 1, upload_origin(), findings,
                                          &id, test_pool, &res), APR_SUCCESS);
    ck_assert(sg_quarantine_id_ok(id));
    ck_assert_int_eq(stat(qdir, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0700);
    ck_assert_int_eq(sg_quarantine_list(qdir, &recs, &bad, test_pool, &res), APR_SUCCESS);
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(recs->nelts, 1);
    r = APR_ARRAY_IDX(recs, 0, sg_qrecord_t *);
    ck_assert_str_eq(r->action, "upload");
    ck_assert_str_eq(r->filename, "-");
    ck_assert_str_eq(r->client, "::1");
    ck_assert_int_eq(r->size, (apr_int64_t)sizeof(body) - 1);
    ck_assert_str_eq(r->sha256, sg_sha256_hex(body, sizeof(body) - 1, test_pool));
    ck_assert_str_eq(APR_ARRAY_IDX(r->findings, 0, sg_qfinding_t).signature,
                     "PHP.Backdoor.EvalRequest");
    ck_assert_int_eq(sg_quarantine_restore(qdir, id, 1, &r, test_pool, &res), APR_EACCES);
    ck_assert_ptr_nonnull(strstr(res.problem, "with --to PATH"));
    ck_assert_int_eq(sg_quarantine_extract(qdir, id, to, 0, &r, test_pool, &res), APR_SUCCESS);
    ck_assert_int_eq(stat(to, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(st.st_uid, geteuid());
    ck_assert_int_eq(apr_file_open(&fp, to, APR_FOPEN_READ, 0, test_pool), APR_SUCCESS);
    apr_file_read(fp, back, &n);
    apr_file_close(fp);
    ck_assert_uint_eq(n, sizeof(body) - 1);
    ck_assert(memcmp(back, body, n) == 0);
    ck_assert_int_eq(sg_quarantine_extract(qdir, id, to, 0, &r, test_pool, &res), APR_EEXIST);
    ck_assert_int_eq(sg_quarantine_extract(qdir, id, to, 1, &r, test_pool, &res), APR_SUCCESS);
    /* Extracting keeps the entry. */
    ck_assert_int_eq(sg_quarantine_read(qdir, id, &r, test_pool, &res), APR_SUCCESS);
    remove_tree(dir);
}
END_TEST

/* A quarantine directory that cannot be written: an error naming it. */
START_TEST(upload_unwritable_quarantine)
{
    const char *dir = temp_dir(), *id = NULL;
    const char *qdir = apr_pstrcat(test_pool, dir, "/file/q", NULL);
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_file_t *fp;

    ck_assert_int_eq(apr_file_open(&fp, apr_pstrcat(test_pool, dir, "/file", NULL),
                                   APR_FOPEN_CREATE | APR_FOPEN_WRITE, APR_FPROT_OS_DEFAULT,
                                   test_pool), APR_SUCCESS);
    apr_file_close(fp);
    ck_assert_int_ne(sg_quarantine_buffer(qdir, "x", 1, upload_origin(), NULL, &id, test_pool,
                                          &res), APR_SUCCESS);
    ck_assert_ptr_null(id);
    ck_assert_ptr_nonnull(strstr(res.problem, qdir));
    remove_tree(dir);
}
END_TEST

/* A file entry whose record another user wrote (the web server's, say) is
 * not restored to the path it names (root only: needs chown). */
START_TEST(foreign_record_not_restored)
{
    const char *dir, *qdir, *path, *id = NULL;
    sg_result_t res = { APR_SUCCESS, NULL };
    sg_qrecord_t *r;
    apr_file_t *fp;

    if (geteuid() != 0) return;
    dir = temp_dir();
    qdir = apr_pstrcat(test_pool, dir, "/q", NULL);
    path = apr_pstrcat(test_pool, dir, "/victim.php", NULL);
    ck_assert_int_eq(apr_file_open(&fp, path, APR_FOPEN_CREATE | APR_FOPEN_WRITE,
                                   APR_FPROT_OS_DEFAULT, test_pool), APR_SUCCESS);
    apr_file_puts("<?php evil();\n", fp);
    apr_file_close(fp);
    ck_assert_int_eq(sg_quarantine_file(qdir, path, NULL, NULL, "quarantined", 1, &id, test_pool,
                                        &res), APR_SUCCESS);
    ck_assert_int_eq(chown(apr_pstrcat(test_pool, qdir, "/", id, ".rec", NULL), 65534, 65534), 0);
    ck_assert_int_eq(sg_quarantine_restore(qdir, id, 0, &r, test_pool, &res), APR_EACCES);
    ck_assert_ptr_nonnull(strstr(res.problem, "belongs to uid 65534"));
    ck_assert_int_ne(access(path, F_OK), 0);
    ck_assert_int_eq(chown(apr_pstrcat(test_pool, qdir, "/", id, ".rec", NULL), 0, 0), 0);
    ck_assert_int_eq(sg_quarantine_restore(qdir, id, 0, &r, test_pool, &res), APR_SUCCESS);
    ck_assert_int_eq(access(path, F_OK), 0);
    remove_tree(dir);
}
END_TEST

/* ---------------------------------------------------------------- notification */

START_TEST(notify_names)
{
    ck_assert(sg_notify_name_ok("alice", 0));
    ck_assert(sg_notify_name_ok("web_1.x-y", 0));
    ck_assert(!sg_notify_name_ok("", 0));
    ck_assert(!sg_notify_name_ok("-oQ", 0));
    ck_assert(!sg_notify_name_ok(".x", 0));
    ck_assert(!sg_notify_name_ok("a b", 0));
    ck_assert(!sg_notify_name_ok("a\nBcc: x", 0));
    ck_assert(!sg_notify_name_ok("a@b", 0));
    ck_assert(sg_notify_name_ok("a@example.org", 1));
    ck_assert(!sg_notify_name_ok("a@b@c", 1));
    ck_assert(!sg_notify_name_ok("@b", 1));
}
END_TEST

START_TEST(notify_expand_header_and_body)
{
    apr_array_header_t *files = apr_array_make(test_pool, 2, sizeof(const char *));
    const char *msg;

    APR_ARRAY_PUSH(files, const char *) = sg_notify_escape("/home/a/x\nBcc: v@e", test_pool);
    APR_ARRAY_PUSH(files, const char *) = "/home/a/y";
    msg = sg_notify_expand("Subject: ${SHELLS} ${USER} $x\n\n${USERNAME}:\n${SHELLS}\n${EMAIL}",
                           "a@e.org", "a", files, test_pool);
    ck_assert_str_eq(msg, "Subject: /home/a/x\\x0aBcc: v@e, /home/a/y ${USER} $x\n\n"
                          "a:\n/home/a/x\\x0aBcc: v@e\n/home/a/y\na@e.org");
    /* No blank line: it is all headers, so the list stays on one line. */
    msg = sg_notify_expand("X: ${SHELLS}\n", "a", "a", files, test_pool);
    ck_assert_str_eq(msg, "X: /home/a/x\\x0aBcc: v@e, /home/a/y\n");
}
END_TEST

Suite *quarantine_suite(void)
{
    Suite *s = suite_create("quarantine");
    TCase *tc = tcase_create("quarantine");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, record_round_trip);
    tcase_add_test(tc, record_reader_is_strict);
    tcase_add_test(tc, record_reader_caps);
    tcase_add_test(tc, writer_keeps_what_the_reader_takes);
    tcase_add_test(tc, unreadable_record_is_not_written);
    tcase_add_test(tc, upload_record_round_trip);
    tcase_add_test(tc, upload_kept_listed_extracted);
    tcase_add_test(tc, upload_unwritable_quarantine);
    tcase_add_test(tc, foreign_record_not_restored);
    tcase_add_test(tc, notify_names);
    tcase_add_test(tc, notify_expand_header_and_body);
    suite_add_tcase(s, tc);
    return s;
}
