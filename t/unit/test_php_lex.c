/* test_php_lex.c: the PHP lexer on pathological input (10 MB of unclosed
 * strings, heredocs and comments, deep nesting, tag storms): it must finish
 * in linear time and cover every byte.  Token boundaries on real code are
 * t/unit/php_lex_diff.sh's job (against PHP itself). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "tests.h"
#include "sg_php_lex.h"

#define MB (1024 * 1024)

/* A growing buffer of test_pool memory, filled by the pieces below. */
typedef struct {
    char *buf;        /* the input */
    apr_size_t len;   /* bytes written */
    apr_size_t cap;   /* bytes allocated */
} input_t;

static void put(input_t *in, const char *s, apr_size_t n)
{
    if (n == 0) return;
    if (in->len + n > in->cap) {
        apr_size_t cap = (in->len + n) * 2;
        char *nb = apr_palloc(test_pool, cap);
        if (in->len) memcpy(nb, in->buf, in->len);   /* the first call: no buffer yet */
        in->buf = nb;
        in->cap = cap;
    }
    memcpy(in->buf + in->len, s, n);
    in->len += n;
}

/* Appends S until the piece holds BYTES more bytes. */
static void repeat(input_t *in, const char *s, apr_size_t bytes)
{
    apr_size_t end = in->len + bytes, n = strlen(s);

    while (in->len + n <= end) put(in, s, n);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Lexes IN (from outside PHP or, CODE, inside it) and checks the tokens are
 * contiguous, non-empty and cover it; returns the number of tokens. */
static apr_size_t lex_all(const input_t *in, int code)
{
    sg_php_lexer_t lx;
    sg_tok_t tok;
    apr_size_t off = 0, n = 0;
    int contiguous = 1;

    if (code) sg_php_lex_init_code(&lx, in->buf, in->len);
    else sg_php_lex_init(&lx, in->buf, in->len);
    /* no ck_assert per token: each one is a message to Check's parent process */
    while (sg_php_lex_next(&lx, &tok) != SG_TK_END) {
        if (tok.text != in->buf + off || tok.len == 0) contiguous = 0;
        off += tok.len;
        n++;
    }
    ck_assert_msg(contiguous, "the tokens are not contiguous");
    ck_assert_uint_eq(off, in->len);
    return n;
}

/* One pathology (a piece of about BYTES) on its own, in both modes. */
static void pathology(const char *name, const char *head, const char *body, apr_size_t bytes)
{
    input_t in = { NULL, 0, 0 };
    double t0 = now();
    apr_size_t toks;

    put(&in, head, strlen(head));
    repeat(&in, body, bytes);
    toks = lex_all(&in, 0) + lex_all(&in, 1);
    fprintf(stderr, "php_lex: %-28s %8lu bytes, %8lu tokens, %.3f s\n", name,
            (unsigned long)in.len, (unsigned long)toks, now() - t0);
}

START_TEST(pathologies_one_by_one)
{
    pathology("unclosed double quote", "<?php \"", "{$a[\"x $b \\\" ", MB);
    pathology("nested {$ in strings", "<?php ", "\"{$a[", MB);
    pathology("unclosed single quote", "<?php '", "\\' \\\\ ", MB);
    pathology("unclosed backtick", "<?php `", "${x} ", MB);
    pathology("unclosed heredoc", "<?php <<<EOT\n", "EOTX {$a} \\\n  EOT_\n", MB);
    pathology("unclosed nowdoc", "<?php <<<'EOT'\n", " EOTEOT\n", MB);
    pathology("failed heredoc starts", "<?php ", "<<<A <<<'B ", MB);
    pathology("unclosed comment", "<?php /*", "** / *", MB);
    pathology("nested parentheses", "<?php ", "(", 100000);
    pathology("casts-to-be", "<?php ", "( int ", MB);
    pathology("short tags", "", "<?", MB);
    pathology("open and close tags", "", "<? ?>", MB);
    pathology("script tags", "", "<script language=  ", MB);
    pathology("variable variables", "<?php ", "$", MB);
    pathology("yield without from", "<?php ", "yield   ", MB);
}
END_TEST

START_TEST(ten_megabytes_at_once)
{
    input_t in = { NULL, 0, 0 };
    double t0;
    apr_size_t i, toks;

    /* Closed forms first, so that every pathology is reached. */
    put(&in, "<?php ", 6);
    for (i = 0; i < 100000; i++) put(&in, "(", 1);
    for (i = 0; i < 100000; i++) put(&in, ")", 1);
    repeat(&in, "$$$$$$$$ ", MB);
    repeat(&in, "\"{$a[\"{$b}\"]} $c\" ", MB);
    repeat(&in, "<<<X\n{$y}\nX;\n", MB);
    repeat(&in, "/* * */ // ?", MB);
    put(&in, "?>", 2);
    repeat(&in, "<?<? ?>", MB);
    put(&in, "<?php ", 6);
    repeat(&in, "(int)(  string  )( bool ", MB);
    /* then the unclosed ones, each swallowing the rest */
    repeat(&in, "\"{$", MB);
    repeat(&in, "<<<EOT\n", MB);
    repeat(&in, "/*", MB);
    repeat(&in, "'", 10 * MB - in.len);
    ck_assert_uint_ge(in.len, 10 * MB - 8);
    t0 = now();
    toks = lex_all(&in, 0);
    toks += lex_all(&in, 1);
    fprintf(stderr, "php_lex: 10 MB of pathologies, both modes: %lu tokens, %.3f s\n",
            (unsigned long)toks, now() - t0);
}
END_TEST

Suite *php_lex_suite(void)
{
    Suite *s = suite_create("php_lex");
    TCase *tc = tcase_create("php_lex");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    /* linear work; the bound only catches a quadratic path (or valgrind) */
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, pathologies_one_by_one);
    tcase_add_test(tc, ten_megabytes_at_once);
    suite_add_tcase(s, tc);
    return s;
}
