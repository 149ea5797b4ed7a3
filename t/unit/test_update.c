/* test_update.c: update sources, manifests, state and change lists. */
#include <string.h>
#include <apr_strings.h>
#include "tests.h"
#include "sg_update.h"

#define HEX_A "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HEX_B "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static const char *source_problem(const char *spec)
{
    sg_update_source_t *s = NULL;
    const char *problem = NULL;

    ck_assert_msg(sg_update_source_parse(spec, test_pool, &s, &problem) == APR_EINVAL,
                  "'%s' was accepted", spec);
    return problem;
}

START_TEST(source_lines)
{
    sg_update_source_t *s = NULL;
    const char *problem = NULL;

    ck_assert_int_eq(sg_update_source_parse("https://sigs.example.net/spamgear/SHA256SUMS",
                                            test_pool, &s, &problem), APR_SUCCESS);
    ck_assert_str_eq(s->url, "https://sigs.example.net/spamgear/SHA256SUMS");
    ck_assert_str_eq(s->base, "https://sigs.example.net/spamgear/");
    ck_assert_ptr_null(s->sha256);
    ck_assert_ptr_null(s->name);
    ck_assert_ptr_null(s->cacert);
    ck_assert_int_eq(sg_update_source_parse("https://h:8443/a/shells.sig  sha256="
                                            "E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA"
                                            "495991B7852B855\tcacert=/etc/ca.pem",
                                            test_pool, &s, &problem), APR_SUCCESS);
    ck_assert_str_eq(s->sha256, HEX_A);
    ck_assert_str_eq(s->name, "shells.sig");
    ck_assert_str_eq(s->base, "https://h:8443/a/");
    ck_assert_str_eq(s->cacert, "/etc/ca.pem");
}
END_TEST

START_TEST(source_errors)
{
    static const struct { const char *spec; const char *says; } cases[] = {
        { "", "missing URL" },
        { "http://h/SUMS", "https://" },
        { "ftp://h/SUMS", "https://" },
        { "https://h", "host and a path" },
        { "https:///SUMS", "host and a path" },
        { "https://h/dir/", "not end in '/'" },
        { "https://h/SUMS?x=1", "query strings" },
        { "https://h/SUMS#top", "query strings" },
        { "https://h/SUMS sha256=abc", "64 hex digits" },
        { "https://h/SUMS sha256=" HEX_A " sha256=" HEX_A, "given twice" },
        { "https://h/SUMS cacert=ca.pem", "absolute path" },
        { "https://h/SUMS mirror=x", "unknown setting 'mirror'" },
        { "https://h/SUMS sha256", "NAME=VALUE" },
        { "https://h/.hidden sha256=" HEX_A, "last segment" },
        { "https://h/a%20b sha256=" HEX_A, "last segment" },
        { "https://h/S\001UMS", "control" },
    };
    unsigned i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *problem = source_problem(cases[i].spec);
        ck_assert_msg(strstr(problem, cases[i].says), "'%s': got '%s', expected '%s'",
                      cases[i].spec, problem, cases[i].says);
    }
}
END_TEST

START_TEST(names)
{
    ck_assert_int_eq(sg_update_name_ok("php-shells.ndb"), 1);
    ck_assert_int_eq(sg_update_name_ok("A_1.sig"), 1);
    ck_assert_int_eq(sg_update_name_ok(""), 0);
    ck_assert_int_eq(sg_update_name_ok(".spamgear-update"), 0);
    ck_assert_int_eq(sg_update_name_ok(".."), 0);
    ck_assert_int_eq(sg_update_name_ok("-rf"), 0);
    ck_assert_int_eq(sg_update_name_ok("../etc/passwd"), 0);
    ck_assert_int_eq(sg_update_name_ok("a/b"), 0);
    ck_assert_int_eq(sg_update_name_ok("a b"), 0);
    ck_assert_int_eq(sg_update_name_ok(apr_psprintf(test_pool, "%0129d", 1)), 0);
    ck_assert_int_eq(sg_update_name_ok(apr_psprintf(test_pool, "%0128d", 1)), 1);
}
END_TEST

static const char *manifest_problem(const char *text)
{
    apr_array_header_t *files;
    const char *problem = NULL;

    ck_assert_msg(sg_update_manifest_parse(text, strlen(text), test_pool, &files, &problem)
                  == APR_EINVAL, "'%s' was accepted", text);
    return problem;
}

START_TEST(manifest_good)
{
    const char *text = "# spamgear signatures\n\n" HEX_A "  a.sig\r\n"
                       "2CF24DBA5FB0A30E26E83B2AC5B9E29E1B161E5C1FA7425E73043362938B9824 *b.sig\n"
                       HEX_A " c.sig";
    apr_array_header_t *files = NULL;
    const char *problem = NULL;

    ck_assert_int_eq(sg_update_manifest_parse(text, strlen(text), test_pool, &files, &problem),
                     APR_SUCCESS);
    ck_assert_int_eq(files->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(files, 0, sg_update_file_t).name, "a.sig");
    ck_assert_str_eq(APR_ARRAY_IDX(files, 1, sg_update_file_t).name, "b.sig");
    ck_assert_str_eq(APR_ARRAY_IDX(files, 1, sg_update_file_t).sha256, HEX_B);
    ck_assert_str_eq(APR_ARRAY_IDX(files, 2, sg_update_file_t).name, "c.sig");
}
END_TEST

START_TEST(manifest_errors)
{
    char *big;

    ck_assert_str_eq(manifest_problem(""), "lists no file");
    ck_assert_str_eq(manifest_problem("# nothing\n\n"), "lists no file");
    ck_assert_ptr_nonnull(strstr(manifest_problem(HEX_A "  a\n<html>\n"), "line 2: expected"));
    ck_assert_ptr_nonnull(strstr(manifest_problem("abc  a.sig\n"), "64 hex digits"));
    ck_assert_ptr_nonnull(strstr(manifest_problem(HEX_A "  ../x\n"), "bad file name '../x'"));
    ck_assert_ptr_nonnull(strstr(manifest_problem(HEX_A "  dir/x\n"), "bad file name"));
    ck_assert_ptr_nonnull(strstr(manifest_problem(HEX_A "  .hidden\n"), "bad file name"));
    ck_assert_ptr_nonnull(strstr(manifest_problem(HEX_A "\n"), "bad file name"));
    ck_assert_ptr_nonnull(strstr(manifest_problem(HEX_A "  a\n" HEX_B "  a\n"),
                                 "line 2: 'a' listed twice"));
    ck_assert_ptr_nonnull(strstr(manifest_problem(HEX_A "  a b\n"), "bad file name"));
    {
        apr_array_header_t *files;
        const char *problem = NULL;
        const char nul[] = HEX_A "  a\0b\n";
        ck_assert_int_eq(sg_update_manifest_parse(nul, sizeof(nul) - 1, test_pool, &files,
                                                  &problem), APR_EINVAL);
        ck_assert_ptr_nonnull(strstr(problem, "NUL"));
    }
    big = apr_palloc(test_pool, SG_UPDATE_MAX_TEXT + 2);
    memset(big, '#', SG_UPDATE_MAX_TEXT + 1);
    big[SG_UPDATE_MAX_TEXT + 1] = '\0';
    ck_assert_ptr_nonnull(strstr(manifest_problem(big), "larger than"));
}
END_TEST

START_TEST(manifest_too_many)
{
    apr_array_header_t *parts = apr_array_make(test_pool, 1001, sizeof(const char *));
    const char *text;
    int i;

    for (i = 0; i <= SG_UPDATE_MAX_FILES; i++) {
        APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(test_pool, HEX_A "  f%d\n", i);
    }
    text = apr_array_pstrcat(test_pool, parts, '\0');
    ck_assert_ptr_nonnull(strstr(manifest_problem(text), "line 1001: more than 1000 files"));
}
END_TEST

START_TEST(state_round_trip)
{
    apr_array_header_t *records = apr_array_make(test_pool, 2, sizeof(sg_update_record_t));
    apr_array_header_t *back = NULL;
    sg_update_record_t *r = apr_array_push(records);
    sg_update_file_t *f;
    const char *text, *problem = NULL;

    r->url = "https://h/SUMS";
    r->etag = "W/\"5f-abc\"";
    r->last_modified = "Tue, 01 Dec 2026 10:00:00 GMT";
    r->files = apr_array_make(test_pool, 2, sizeof(sg_update_file_t));
    f = apr_array_push(r->files);
    f->name = "a.sig";
    f->sha256 = HEX_A;
    r = apr_array_push(records);
    r->url = "https://h/pinned.sig";
    r->etag = r->last_modified = NULL;
    r->files = apr_array_make(test_pool, 1, sizeof(sg_update_file_t));
    f = apr_array_push(r->files);
    f->name = "pinned.sig";
    f->sha256 = HEX_B;
    text = sg_update_state_format(records, test_pool);
    ck_assert_int_eq(sg_update_state_parse(text, strlen(text), test_pool, &back, &problem),
                     APR_SUCCESS);
    ck_assert_int_eq(back->nelts, 2);
    r = &APR_ARRAY_IDX(back, 0, sg_update_record_t);
    ck_assert_str_eq(r->etag, "W/\"5f-abc\"");
    ck_assert_str_eq(r->last_modified, "Tue, 01 Dec 2026 10:00:00 GMT");
    ck_assert_str_eq(APR_ARRAY_IDX(r->files, 0, sg_update_file_t).sha256, HEX_A);
    r = &APR_ARRAY_IDX(back, 1, sg_update_record_t);
    ck_assert_ptr_null(r->etag);
    ck_assert_str_eq(APR_ARRAY_IDX(r->files, 0, sg_update_file_t).name, "pinned.sig");
    ck_assert_str_eq(sg_update_state_format(back, test_pool), text);
}
END_TEST

START_TEST(state_errors)
{
    static const char *const bad[] = {
        "etag \"x\"\n",                          /* before any source */
        "source http://h/SUMS\n",
        "source https://h/SUMS\nfile abc  a\n",
        "source https://h/SUMS\nsize 12\n",
        "source https://h/SUMS\netag \n",
    };
    apr_array_header_t *records;
    const char *problem;
    unsigned i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        problem = NULL;
        ck_assert_msg(sg_update_state_parse(bad[i], strlen(bad[i]), test_pool, &records,
                                            &problem) == APR_EINVAL, "'%s' accepted", bad[i]);
        ck_assert_ptr_nonnull(problem);
    }
    ck_assert_int_eq(sg_update_validator_ok("\"abc\""), 1);
    ck_assert_int_eq(sg_update_validator_ok("a\r\nX-Injected: 1"), 0);
    ck_assert_int_eq(sg_update_validator_ok(""), 0);
}
END_TEST

static apr_array_header_t *set_of(const char *const *pairs)
{
    apr_array_header_t *set = apr_array_make(test_pool, 4, sizeof(sg_update_file_t));

    for (; *pairs; pairs += 2) {
        sg_update_file_t *f = apr_array_push(set);
        f->name = pairs[0];
        f->sha256 = pairs[1];
    }
    return set;
}

START_TEST(changes)
{
    static const char *const old_set[] = { "d", HEX_A, "b", HEX_A, "c", HEX_A, NULL };
    static const char *const new_set[] = { "c", HEX_A, "b", HEX_B, "a", HEX_A, NULL };
    static const char *const none[] = { NULL };
    apr_array_header_t *c = sg_update_changes(set_of(old_set), set_of(new_set), test_pool);

    ck_assert_int_eq(c->nelts, 3);
    ck_assert_str_eq(APR_ARRAY_IDX(c, 0, sg_update_change_t).name, "a");
    ck_assert_str_eq(sg_update_change_word(APR_ARRAY_IDX(c, 0, sg_update_change_t).kind),
                     "added");
    ck_assert_str_eq(APR_ARRAY_IDX(c, 1, sg_update_change_t).name, "b");
    ck_assert_str_eq(sg_update_change_word(APR_ARRAY_IDX(c, 1, sg_update_change_t).kind),
                     "changed");
    ck_assert_str_eq(APR_ARRAY_IDX(c, 2, sg_update_change_t).name, "d");
    ck_assert_str_eq(sg_update_change_word(APR_ARRAY_IDX(c, 2, sg_update_change_t).kind),
                     "removed");
    ck_assert_int_eq(sg_update_changes(set_of(new_set), set_of(new_set), test_pool)->nelts, 0);
    ck_assert_int_eq(sg_update_changes(set_of(none), set_of(none), test_pool)->nelts, 0);
    ck_assert_int_eq(sg_update_changes(set_of(none), set_of(new_set), test_pool)->nelts, 3);
}
END_TEST

Suite *update_suite(void)
{
    Suite *s = suite_create("update");
    TCase *tc = tcase_create("update");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, source_lines);
    tcase_add_test(tc, source_errors);
    tcase_add_test(tc, names);
    tcase_add_test(tc, manifest_good);
    tcase_add_test(tc, manifest_errors);
    tcase_add_test(tc, manifest_too_many);
    tcase_add_test(tc, state_round_trip);
    tcase_add_test(tc, state_errors);
    tcase_add_test(tc, changes);
    suite_add_tcase(s, tc);
    return s;
}
