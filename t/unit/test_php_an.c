/* test_php_an.c: the PHP analyser's stages after the lexer: literal values
 * (sg_php_literal), folded builtins and operators (sg_php_fold_call,
 * sg_php_fold_op), and the facts sg_php_analyse writes about short snippets,
 * down to a 10 MB pathological input that must finish with bounded output.
 * What rules make of the facts is t/cli/cases/644's job. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <apr_strings.h>
#include "sg_inflate.h"
#include "tests.h"
#include "sg_cli.h"
#include "sg_deobf.h"
#include "sg_php_fold.h"
#include "sg_php_lex.h"
#include "sg_php_taint.h"

#define MB (1024 * 1024)

/* ---------------------------------------------------------------- literals */

/* The value of the first token of CODE (read as PHP code); fails the test
 * when it has none.  *ESC: whether an escape produced a byte. */
static sg_php_str_t lit(const char *code, int *esc)
{
    sg_php_lexer_t lx;
    sg_tok_t t;
    sg_php_str_t v = { NULL, 0 };
    int e = 0;

    sg_php_lex_init_code(&lx, code, strlen(code));
    do sg_php_lex_next(&lx, &t); while (t.kind == SG_TK_WS);
    ck_assert_msg(sg_php_literal(&t, test_pool, &v, &e), "no value: %s", code);
    if (esc) *esc = e;
    return v;
}

/* Asserts that the literal CODE has the value WANT[0..N) and escape flag ESC. */
#define ck_lit(code, want, len, esc) do { \
    int e_; sg_php_str_t v_ = lit(code, &e_); \
    ck_assert_msg(v_.n == (apr_size_t)(len) && !memcmp(v_.s, want, len), \
                  "%s: got [%s] (%d bytes)", code, v_.s, (int)v_.n); \
    ck_assert_int_eq(e_, esc); } while (0)

START_TEST(literal_double_quoted_escapes)
{
    ck_lit("\"a\\nb\\tc\\rd\\ve\\ff\"", "a\nb\tc\rd\ve\ff", 11, 0);
    ck_lit("\"\\e\"", "\033", 1, 0);
    ck_lit("\"\\\\ \\$x \\\"\"", "\\ $x \"", 6, 0);
    ck_lit("\"\\x41\\x4a\\x7\"", "AJ\007", 3, 1);
    ck_lit("\"\\101\\60\\0\"", "A0\0", 3, 1);
    ck_lit("\"\\400\"", "\0", 1, 1);            /* PHP: octal over \377 wraps */
    ck_lit("\"\\u{41}\\u{e9}\"", "A\xc3\xa9", 3, 1);
    ck_lit("\"\\u{1F600}\"", "\xf0\x9f\x98\x80", 4, 1);
    ck_lit("\"\\q\\x\\u{zz}\\'\"", "\\q\\x\\u{zz}\\'", 12, 0);   /* not escapes: kept */
    ck_lit("b\"\\x62\"", "b", 1, 1);            /* binary string prefix */
}
END_TEST

START_TEST(literal_single_quoted_and_numbers)
{
    ck_lit("'it\\'s \\\\ \\n \\x41'", "it's \\ \\n \\x41", 14, 0);
    ck_lit("'plain'", "plain", 5, 0);
    ck_lit("0x1F", "31", 2, 0);
    ck_lit("0b101", "5", 1, 0);
    ck_lit("0o17", "15", 2, 0);
    ck_lit("017", "15", 2, 0);
    ck_lit("1_000_000", "1000000", 7, 0);
    ck_lit("1.5", "1.5", 3, 0);
}
END_TEST

START_TEST(literal_heredoc_nowdoc)
{
    int e;
    sg_php_lexer_t lx;
    sg_tok_t t;
    sg_php_str_t v;
    const char *interp = "<<<EOT\n$x\nEOT;\n";

    ck_lit("<<<EOT\nline \\x41\nEOT;\n", "line A", 6, 1);
    ck_lit("<<<\"EOT\"\n\\101\nEOT;\n", "A", 1, 1);
    /* PHP 7.3: the closing label's indentation is removed from every line. */
    ck_lit("<<<EOT\n    a\\x41\n      b\n    EOT;\n", "aA\n  b", 6, 1);
    ck_lit("<<<'EOT'\n  x\\x41\\n\n  EOT;\n", "x\\x41\\n", 7, 0);
    ck_lit("<<<'EOT'\nEOT;\n", "", 0, 0);
    /* Interpolation has no constant value. */
    sg_php_lex_init_code(&lx, interp, strlen(interp));
    sg_php_lex_next(&lx, &t);
    ck_assert(!sg_php_literal(&t, test_pool, &v, &e));
}
END_TEST

/* ---------------------------------------------------------------- builtins */

/* Folds NAME over the string arguments (NULL-terminated); NULL when not folded. */
static const char *fold(const char *name, int *decoder, ...)
{
    sg_php_arg_t a[8];
    sg_php_str_t out;
    const char *s;
    int n = 0, d = 0;
    va_list ap;

    memset(a, 0, sizeof(a));
    va_start(ap, decoder);
    while (n < 8 && (s = va_arg(ap, const char *))) {
        a[n].v.s = s;
        a[n].v.n = strlen(s);
        n++;
    }
    va_end(ap);
    if (!sg_php_fold_call(name, a, n, 1 << 20, test_pool, &out, &d)) return NULL;
    if (decoder) *decoder = d;
    return apr_pstrmemdup(test_pool, out.s, out.n);
}

#define ck_fold(want, ...) do { const char *g_ = fold(__VA_ARGS__, NULL); \
    ck_assert_msg(g_ && !strcmp(g_, want), "%s: got %s", #__VA_ARGS__, g_ ? g_ : "(not folded)"); \
    } while (0)

START_TEST(fold_decoders)
{
    int d = 0;

    ck_fold("eval($_POST['x']);", "base64_decode", &d, "ZXZhbCgkX1BPU1RbJ3gnXSk7");
    ck_assert_int_eq(d, 1);
    ck_fold("eval", "base64_decode", NULL, "ZX Zh\nbA");   /* PHP skips what is not base64 */
    ck_fold("Uryyb, jbeyq!", "str_rot13", &d, "Hello, world!");
    ck_assert_int_eq(d, 1);
    ck_fold("lave", "strrev", NULL, "eval");
    ck_fold("system", "hex2bin", NULL, "73797374656d");
    ck_assert(!fold("hex2bin", NULL, "7", NULL));
    ck_fold("a b+c/", "urldecode", NULL, "a+b%2Bc%2f");
    ck_fold("a+b c", "rawurldecode", NULL, "a+b%20c");
    ck_fold("sys", "convert_uudecode", NULL, "#<WES\n`\n");
    ck_fold("system", "pack", &d, "H*", "73797374656d");
    ck_assert_int_eq(d, 1);
    ck_fold("AB", "pack", NULL, "C*", "65", "66");
    ck_fold("ab", "pack", NULL, "a*", "ab");
    ck_assert(!fold("pack", NULL, "N", "1", NULL));
    /* digests of constants, hex only (raw output is not folded) */
    ck_fold("0cc175b9c0f1b6a831c399e269772661", "md5", &d, "a");
    ck_assert_int_eq(d, 0);
    ck_fold("86f7e437faa5a7fce15d1ddcb9eaeaea377667b8", "sha1", NULL, "a");
    ck_assert(!fold("md5", NULL, "a", "1", NULL));
}
END_TEST

/* The unit test installs the tool's zlib inflate, as scan does. */
START_TEST(fold_inflate)
{
    static const char deflated[] = "\x4b\x2d\x4b\xcc\xd1\x50\x89\x0f\xf0\x0f\x0e\x89\x56\xaf\x50"
                                   "\x8f\xd5\xb4\x06\x00";
    static const char zlib[] = "\x78\x9c\xcb\x48\xcd\xc9\xc9\x07\x00\x06\x2c\x02\x15";
    static const char gzip[] = "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xcb\x48\xcd\xc9\xc9"
                               "\x07\x00\x86\xa6\x10\x36\x05\x00\x00\x00";
    sg_php_arg_t a;
    sg_php_str_t out;
    int d = 0;

    sg_deobf_set_inflate(sg_host_inflate);
    memset(&a, 0, sizeof(a));
    a.v.s = deflated;
    a.v.n = sizeof(deflated) - 1;
    ck_assert(sg_php_fold_call("gzinflate", &a, 1, 1024, test_pool, &out, &d));
    ck_assert_int_eq(d, 1);
    ck_assert_str_eq(out.s, "eval($_POST['x']);");
    /* The caller's cap: a result over MAX is not folded. */
    ck_assert(!sg_php_fold_call("gzinflate", &a, 1, 8, test_pool, &out, &d));
    a.v.s = zlib;
    a.v.n = sizeof(zlib) - 1;
    ck_assert(sg_php_fold_call("gzuncompress", &a, 1, 1024, test_pool, &out, &d));
    ck_assert_str_eq(out.s, "hello");
    a.v.s = gzip;
    a.v.n = sizeof(gzip) - 1;
    ck_assert(sg_php_fold_call("gzdecode", &a, 1, 1024, test_pool, &out, &d));
    ck_assert_str_eq(out.s, "hello");
    a.v.s = "not deflate";
    a.v.n = 11;
    ck_assert(!sg_php_fold_call("gzinflate", &a, 1, 1024, test_pool, &out, &d));
}
END_TEST

START_TEST(fold_str_replace_arrays)
{
    sg_php_str_t search[2] = { { "`", 1 }, { "X", 1 } }, repl[1] = { { "", 0 } };
    sg_php_arg_t a[3];
    sg_php_str_t out;
    int d = 0;

    ck_fold("assert", "str_replace", &d, "`", "", "a`s`s`e`r`t");
    ck_assert_int_eq(d, 0);
    ck_fold("asSert", "str_ireplace", NULL, "x", "", "aXsxSeXrt");
    ck_fold("abc", "str_replace", NULL, "", "z", "abc");      /* empty search: unchanged */
    /* Arrays: each search in turn, a missing replacement is "". */
    memset(a, 0, sizeof(a));
    a[0].items = search;
    a[0].nitems = 2;
    a[1].items = repl;
    a[1].nitems = 1;
    a[2].v.s = "s`yXs`tXem";
    a[2].v.n = 10;
    ck_assert(sg_php_fold_call("str_replace", a, 3, 1024, test_pool, &out, &d));
    ck_assert_str_eq(out.s, "system");
    /* A scalar replacement for every search. */
    a[1].items = NULL;
    a[1].v.s = "-";
    a[1].v.n = 1;
    ck_assert(sg_php_fold_call("str_replace", a, 3, 1024, test_pool, &out, &d));
    ck_assert_str_eq(out.s, "s-y-s-t-em");
    /* A result over MAX is not folded. */
    a[0].items = NULL;
    a[0].v.s = "a";
    a[0].v.n = 1;
    a[1].v.s = "bbbbbbbb";
    a[1].v.n = 8;
    a[2].v.s = "aaaa";
    a[2].v.n = 4;
    ck_assert(!sg_php_fold_call("str_replace", a, 3, 16, test_pool, &out, &d));
}
END_TEST

START_TEST(fold_reshaping)
{
    ck_fold("stem", "substr", NULL, "system", "2");
    ck_fold("st", "substr", NULL, "system", "2", "2");
    ck_fold("em", "substr", NULL, "system", "-2");
    ck_fold("assert", "substr_replace", NULL, "aert", "ss", "1", "0");
    ck_fold("sysXm", "substr_replace", NULL, "system", "X", "3", "2");
    ck_fold("systX", "substr_replace", NULL, "system", "X", "-2");
    ck_fold("Xem", "substr_replace", NULL, "system", "X", "0", "-2");
    ck_assert(!fold("substr_replace", NULL, "system", "X", NULL));
    ck_fold("syst", "substr", NULL, "system", "0", "-2");
    ck_fold("", "substr", NULL, "system", "9");
    ck_fold("system", "strtr", NULL, "xyxzqm", "xzq", "ste");
    ck_assert(!fold("strtr", NULL, "abc", "a", NULL));    /* the array form: not folded */
    ck_fold("SYSTEM", "strtoupper", NULL, "sYstem");
    ck_fold("_POST", "strtoupper", NULL, "_post");
    ck_fold("system", "strtolower", NULL, "SyStEm");
    ck_fold("System", "ucfirst", NULL, "system");
    ck_fold("aaa", "str_repeat", NULL, "a", "3");
    ck_fold("abababa" "bababab", "str_repeat", NULL, "ab", "7");   /* copies double */
    ck_fold("", "str_repeat", NULL, "ab", "0");
    ck_fold("", "str_repeat", NULL, "", "5");
    ck_assert(fold("str_repeat", NULL, "A", "65536", NULL));
    ck_assert(!fold("str_repeat", NULL, "A", "65537", NULL));     /* filler: not folded */
    ck_fold("<a>&b\"c'd'\xc3\xa9\xe2\x82\xac&nbsp;&#0;", "htmlspecialchars_decode", NULL,
            "&lt;a&gt;&amp;b&quot;c&#039;d&apos;&#233;&#x20AC;&nbsp;&#0;");
    ck_fold("&#x;&#12a;&", "html_entity_decode", NULL, "&#x;&#12a;&");
    ck_fold("x", "trim", NULL, " \t\nx\r ");
    ck_fold("x", "trim", NULL, "--x--", "-");
    ck_fold("x  ", "ltrim", NULL, "  x  ");
    ck_fold("  x", "rtrim", NULL, "  x  ");
    ck_fold("7379", "bin2hex", NULL, "sy");
    ck_fold("a'b", "stripslashes", NULL, "a\\'b");
    ck_fold("255", "hexdec", NULL, "ff");
    ck_fold("8", "octdec", NULL, "10");
    ck_fold("5", "bindec", NULL, "101");
    ck_fold("ff", "dechex", NULL, "255");
    ck_fold("abc", "strval", NULL, "abc");
}
END_TEST

START_TEST(fold_implode_chr_ord_sprintf)
{
    sg_php_str_t items[3] = { { "sys", 3 }, { "te", 2 }, { "m", 1 } };
    sg_php_arg_t a[2];
    sg_php_str_t out;
    int d = 0;

    memset(a, 0, sizeof(a));
    a[0].v.s = "";
    a[0].v.n = 0;
    a[1].items = items;
    a[1].nitems = 3;
    ck_assert(sg_php_fold_call("implode", a, 2, 1024, test_pool, &out, &d));
    ck_assert_str_eq(out.s, "system");
    /* The legacy order implode(array, glue) and join. */
    a[0].items = items;
    a[0].nitems = 3;
    a[1].items = NULL;
    a[1].v.s = "-";
    a[1].v.n = 1;
    ck_assert(sg_php_fold_call("join", a, 2, 1024, test_pool, &out, &d));
    ck_assert_str_eq(out.s, "sys-te-m");
    ck_assert(sg_php_fold_call("implode", a, 1, 1024, test_pool, &out, &d));
    ck_assert_str_eq(out.s, "system");
    ck_fold("s", "chr", NULL, "115");
    ck_fold("A", "chr", NULL, "321");     /* modulo 256, as PHP */
    ck_fold("A", "chr", NULL, "-191");
    ck_fold("115", "ord", NULL, "system");
    ck_fold("0", "ord", NULL, "");
    ck_fold("sys-7-%", "sprintf", NULL, "%s%c%c-%d-%%", "s", "121", "115", "7");
    ck_assert(!fold("sprintf", NULL, "%s%s", "a", NULL));   /* too few arguments */
    ck_assert(!fold("sprintf", NULL, "%05.2f", "1", NULL)); /* other conversions */
    ck_assert(!fold("no_such_function", NULL, "a", NULL));
    ck_assert(sg_php_fold_known("base64_decode") && sg_php_fold_known("sprintf"));
    ck_assert(!sg_php_fold_known("eval"));
}
END_TEST

/* A OP B folded, NULL when not. */
static const char *op(const char *o, const char *a, apr_size_t an, const char *b, apr_size_t bn)
{
    sg_php_str_t x = { a, an }, y = { b, bn }, out;

    if (!sg_php_fold_op(o, strlen(o), &x, b ? &y : NULL, 1024, test_pool, &out)) return NULL;
    return apr_pstrmemdup(test_pool, out.s, out.n);
}

#define ck_op(want, o, a, b) do { const char *g_ = op(o, a, strlen(a), b, strlen(b)); \
    ck_assert_msg(g_ && !strcmp(g_, want), "%s %s %s: got %s", a, o, b, \
                  g_ ? g_ : "(not folded)"); } while (0)

START_TEST(fold_operators)
{
    sg_php_str_t big = { "0123456789", 10 }, out;

    ck_op("system", ".", "sys", "tem");
    ck_op("system", "^", "NDNIXP", "======");
    ck_op("sy", "^", "NDNIXP", "==");          /* the shorter operand's length */
    ck_op("cb", "|", "a", "\"b");           /* 0x61 | 0x22, then the longer's tail */
    ck_op("a", "&", "q", "a");
    ck_op("6", "^", "5", "3");                 /* numbers */
    ck_op("7", "|", "5", "3");
    ck_op("1", "&", "5", "3");
    ck_op("115", "+", "100", "15");
    ck_op("-5", "-", "10", "15");
    ck_op("116", "*", "58", "2");
    ck_op("101", "/", "202", "2");
    ck_op("1", "%", "7", "3");
    ck_op("8", "<<", "1", "3");
    ck_op("2", ">>", "16", "3");
    ck_assert_str_eq(op("~", "5", 1, NULL, 0), "-6");
    ck_assert_ptr_null(op("/", "7", 1, "2", 1));   /* not a whole number */
    ck_assert_ptr_null(op("%", "7", 1, "0", 1));
    ck_assert_ptr_null(op("/", "7", 1, "0", 1));
    ck_assert_ptr_null(op("+", "a", 1, "1", 1));   /* not numeric */
    ck_assert_ptr_null(op("==", "a", 1, "a", 1));
    ck_assert_str_eq(op("~", "\x8c\x86\x8c\x8b\x9a\x92", 6, NULL, 0), "system");
    /* Concatenation over MAX is not folded. */
    ck_assert(!sg_php_fold_op(".", 1, &big, &big, 15, test_pool, &out));
}
END_TEST

/* ---------------------------------------------------------------- facts */

/* The facts about CODE (a file when FILE, else eval'd code), one text. */
static const char *facts_of(const char *code, int file, sg_php_facts_t *f)
{
    sg_php_limits_t lim = { 1 << 20, NULL, NULL };
    sg_php_facts_t local;
    apr_size_t len;

    if (!f) f = &local;
    ck_assert_int_eq(sg_php_analyse(code, strlen(code), !file, &lim, test_pool, f), APR_SUCCESS);
    return sg_php_facts_text(f, &len, test_pool);
}

#define ck_fact(code, want) do { const char *t_ = facts_of(code, 1, NULL); \
    ck_assert_msg(strstr(t_, want), "%s\nwanted: %s\ngot:\n%s", code, want, t_); } while (0)

#define ck_no_fact(code, unwanted) do { const char *t_ = facts_of(code, 1, NULL); \
    ck_assert_msg(!strstr(t_, unwanted), "%s\nunwanted: %s\ngot:\n%s", code, unwanted, t_); \
    } while (0)

START_TEST(taint_paths)
{
    sg_php_init();
    /* Through a variable. */
    ck_fact("<?php\n$c = $_GET['c'];\nsystem($c);\n",
            "taint exec system src=request line=3 via=$_GET['c'] (line 2) -> $c (line 2) "
            "-> system() (line 3)\n");
    /* Through a function parameter. */
    ck_fact("<?php\nfunction f($x) {\n  eval($x);\n}\nf($_POST['a']);\n",
            "taint code eval src=request line=3 via=$_POST['a'] (line 5) -> f() param $x "
            "(line 5) -> eval() (line 3)\n");
    /* Through a closure called by a variable, and one given to array_map. */
    ck_fact("<?php $f = function ($x) { assert($x); }; $f($_COOKIE['k']);",
            "taint code assert src=request line=1 via=$_COOKIE['k'] (line 1) -> {closure}() "
            "param $x (line 1) -> assert() (line 1)\n");
    ck_fact("<?php array_map(function ($x) { eval($x); }, $_REQUEST);",
            "taint code eval src=request");
    /* A callback named by a constant, and a callback the request names. */
    ck_fact("<?php array_map('system', $_GET['cmds']);",
            "taint exec system src=request line=1 via=$_GET['cmds'] (line 1) -> system()");
    ck_fact("<?php call_user_func($_GET['f'], $_GET['a']);",
            "taint callname call_user_func src=request line=1");
    /* Through a return value. */
    ck_fact("<?php function g() { return $_REQUEST['r']; } eval(g());",
            "taint code eval src=request line=1 via=");
    /* Request sources beyond the superglobals. */
    ck_fact("<?php $h = getallheaders(); exec($h['X']);", "taint exec exec src=request");
    ck_fact("<?php eval(file_get_contents('php://input'));",
            "taint code eval src=request line=1 via=php://input");
    ck_fact("<?php $s = fsockopen('h', 1); shell_exec(fgets($s));",
            "taint exec shell_exec src=net");
    /* Through a constructor's parameter kept in a property, to a method's
     * sink (the method defined first, as the call after both). */
    ck_fact("<?php\nclass S {\n  function run() { return shell_exec($this->cmd); }\n"
            "  function __construct($get) { $this->cmd = $get['c']; }\n}\n"
            "$s = new S($_GET);\necho $s->run();\n",
            "taint exec shell_exec src=request line=3 via=$_GET (line 6) -> __construct() "
            "param $get -> ->cmd (line 4) -> shell_exec() (line 3)\n");
    /* ... but not when the caller hands it constants. */
    ck_no_fact("<?php\nclass S {\n  function run() { return shell_exec($this->cmd); }\n"
               "  function __construct($c) { $this->cmd = $c; }\n}\n"
               "$s = new S('uptime');\necho $s->run();\n", "taint ");
    /* The session outlives the request: a payload stored there by one
     * request and run by the next, the store written after the read. */
    ck_fact("<?php\nif (isset($_SESSION['k'])) {\n  eval($_SESSION['k']);\n} else {\n"
            "  $_SESSION['k'] = base64_decode($_POST['p']);\n}\n",
            "taint code eval src=request line=3 via=$_POST['p'] (line 5)");
    ck_no_fact("<?php\nif (isset($_SESSION['k'])) {\n  eval($_SESSION['k']);\n} else {\n"
               "  $_SESSION['k'] = 'echo 1;';\n}\n", "taint ");
    /* Through a global a function stores its parameter in. */
    ck_fact("<?php\nfunction keep($c) { global $x; $x = $c; }\nkeep($_POST['p']);\neval($x);\n",
            "taint code eval src=request line=4 via=$_POST['p'] (line 3) -> keep() param $c "
            "-> global $x (line 2) -> eval() (line 4)\n");
    /* Through the output buffer: what is echoed reaches ob_start()'s callback. */
    ck_fact("<?php\n$cb = 'system';\nob_start($cb);\necho $_GET['c'];\nob_end_flush();\n",
            "taint exec system src=request line=4 via=$_GET['c'] (line 4) -> system()");
    ck_fact("<?php\n$s = '';\nob_start(function ($b) { global $s; $s = $b; });\n"
            "echo $_REQUEST['p'];\nob_end_flush();\nassert($s);\n",
            "taint code assert src=request line=6 via=$_REQUEST['p'] (line 4)");
    /* ... not what the script echoes without one, nor constants through one. */
    ck_no_fact("<?php\nfunction keep($c) { global $x; $x = $c; }\nkeep('1');\neval($x);\n",
               "taint ");
    ck_no_fact("<?php\nob_start('ob_gzhandler');\necho $_GET['q'];\n", "taint ");
    /* A decoder with no data path (a lookup table): its result, computed
     * from request data, counts at a code sink, and only there. */
    ck_fact("<?php\nfunction dec($s) { $t = array('a' => 'e', 'b' => 'v'); $r = '';\n"
            "  foreach ($t as $k => $v) { if ($s == $k) $r .= $v; } return $r; }\n"
            "eval(dec($_POST['x']));\n",
            "taint code eval src=request line=4 via=$_POST['x'] (line 4) -> dec() computes "
            "from it (line 4) -> eval() (line 4)\n");
    ck_no_fact("<?php\nfunction dec($s) { $t = array('a' => 'e'); $r = '';\n"
               "  foreach ($t as $k => $v) { if ($s == $k) $r .= $v; } return $r; }\n"
               "system(dec($_POST['x'])); include dec($_GET['p']);\n", "taint ");
    /* register_globals: a variable nobody sets, named like a request key the
     * file reads, is that request data. */
    ck_fact("<?php\nfunction run($c) { return shell_exec($c); }\n"
            "if (isset($_GET['cmd'])) echo run($cmd);\n",
            "taint exec shell_exec src=request line=2 via=$cmd (line 3) -> run() param $c "
            "(line 3) -> (register_globals: $_GET['cmd']) (line 2) -> shell_exec() (line 2)\n");
    ck_fact("<?php\nfunction run($c) { return shell_exec($c); }\necho run($cmd);\n",
            "unset exec shell_exec line=2 via=$cmd (line 3)");
    /* Constant data reaches sinks without a taint fact. */
    ck_no_fact("<?php $c = 'ls'; system($c); include 'config.php';", "taint ");
    ck_no_fact("<?php mail('me@example.com', 'Form', $_POST['m']);", "taint mail");
}
END_TEST

START_TEST(dyncall_obfuscation)
{
    sg_php_init();
    ck_fact("<?php $f = 'system'; $f($_GET['c']);", "dyncall exec system obf=0 line=1\n");
    /* obf=1: assembled the way any code might (concatenation, str_replace). */
    ck_fact("<?php $f = 'sys' . 'tem'; $f($_GET['c']);", "dyncall exec system obf=1 line=1\n");
    ck_fact("<?php $f = str_replace('`', '', 'a`s`s`e`r`t'); $f($_POST['c']);",
            "dyncall code assert obf=1");
    /* obf=2: escapes, character offsets, xor, decoders: only obfuscators do that. */
    ck_fact("<?php $f = \"\\x61ssert\"; $f($_POST['c']);", "dyncall code assert obf=2 line=1\n");
    ck_fact("<?php $f = chr(115) . chr(121) . chr(115) . chr(116) . chr(101) . chr(109);"
            " $f($_GET['c']);", "dyncall exec system obf=2");
    ck_fact("<?php $f = 'NDNIXP' ^ '======'; $f($_GET['c']);", "dyncall exec system obf=2");
    ck_fact("<?php $d = \"\\142\\141\\163\\145\\66\\64\\137\\144\\145\\143\\157\\144\\145\";"
            " echo $d('eA==');", "dyncall decode base64_decode obf=2");
    /* A callback name hidden by a decoder; any other function named the hard way. */
    ck_fact("<?php usort($a, str_rot13('nffreg'));", "dyncall callback assert obf=2 line=1\n");
    ck_fact("<?php $f = \"\\x73trlen\"; echo $f('abc');", "dyncall other strlen obf=2 line=1\n");
    ck_no_fact("<?php $f = 'strlen'; echo $f('abc');", "dyncall");
    /* A variable nothing set yet is "" to ".": appending to it folds ... */
    ck_fact("<?php $f = $f . 'sys'; $f .= 'tem'; $f($_GET['c']);",
            "dyncall exec system obf=1 line=1\n");
    /* ... but not in a loop body, where the first reading is not the only run. */
    ck_no_fact("<?php for ($i = 0; $i < 2; $i++) $f = $f . 'system'; $f($_GET['c']);",
               "dyncall exec");
    ck_no_fact("<?php while ($n--) { $f .= 'system'; } $f($_GET['c']);", "dyncall exec");
    ck_no_fact("<?php foreach ($a as $x): $f .= 'system'; endforeach; $f($_GET['c']);",
               "dyncall exec");
    ck_no_fact("<?php do { $f .= 'system'; } while (0); $f($_GET['c']);", "dyncall exec");
}
END_TEST

START_TEST(decoded_depth)
{
    sg_php_facts_t f;
    const sg_php_payload_t *pl;
    const char *t;

    sg_php_init();
    sg_deobf_set_inflate(sg_host_inflate);
    /* Plain literal code is the byte rules' business; code built the way
     * only obfuscators build it (chr(), escapes) counts as decoded once. */
    t = facts_of("<?php eval('echo 1;');", 1, &f);
    ck_assert_msg(!strstr(t, "decoded"), "%s", t);
    ck_assert_int_eq(f.payloads->nelts, 0);
    t = facts_of("<?php eval('ec' . 'ho 1;');", 1, &f);
    ck_assert_msg(!strstr(t, "decoded"), "%s", t);
    t = facts_of("<?php eval(chr(101) . 'cho 1;');", 1, &f);
    ck_assert_msg(strstr(t, "decoded code eval depth=1 line=1\n"), "%s", t);
    t = facts_of("<?php\neval(base64_decode('ZXZhbCgkX1BPU1RbJ3gnXSk7'));", 1, &f);
    ck_assert_msg(strstr(t, "decoded code eval depth=1 line=2\n"), "%s", t);
    ck_assert_int_eq(f.payloads->nelts, 2);
    pl = &APR_ARRAY_IDX(f.payloads, 0, sg_php_payload_t);
    ck_assert_str_eq(pl->buf, "eval($_POST['x']);");
    ck_assert_str_eq(pl->sink, "eval");
    ck_assert_int_eq(pl->line, 2);
    /* The short decoded value is also kept with the file's other hidden
     * strings, one layer (no sink) for the signatures. */
    pl = &APR_ARRAY_IDX(f.payloads, 1, sg_php_payload_t);
    ck_assert_ptr_null(pl->sink);
    ck_assert_str_eq(pl->buf, "eval($_POST['x']);\n");
    t = facts_of("<?php eval(base64_decode(str_rot13('MKMuoPtxK1OCH1EoW3taKFx7')));", 1, &f);
    ck_assert_msg(strstr(t, "decoded code eval depth=2 line=1\n"), "%s", t);
    t = facts_of("<?php eval(gzinflate(base64_decode('Sy1LzNFQiQ/wDw6JVq9Qj9W0BgA=')));", 1, &f);
    ck_assert_msg(strstr(t, "decoded code eval depth=2 line=1\n"), "%s", t);
    t = facts_of("<?php $x = base64_decode('ZXZhbCgkX1BPU1RbJ3gnXSk7'); assert($x);", 1, &f);
    ck_assert_msg(strstr(t, "decoded code assert depth=1 line=1\n"), "%s", t);
    /* The payload is code (CODE 1): analysed without an open tag. */
    t = facts_of("eval($_POST['x']);", 0, &f);
    ck_assert_msg(strstr(t, "taint code eval src=request line=1"), "%s", t);
}
END_TEST

START_TEST(capabilities)
{
    const char *fm = "<?php\n"
        "if (md5($_POST['pw']) !== '5f4dcc3b5aa765d61d8327deb882cf99') exit;\n"
        "echo php_uname();\n"
        "foreach (scandir('.') as $f) echo $f;\n"
        "unlink($_GET['rm']);\n"
        "move_uploaded_file($_FILES['u']['tmp_name'], 'x/' . $_FILES['u']['name']);\n"
        "chmod('x', 0755);\n";
    const char *t;
    sg_php_facts_t f;

    sg_php_init();
    t = facts_of(fm, 1, &f);
    ck_assert_msg(strstr(t, "cap pwgate line=2\n") && strstr(t, "cap recon line=3\n")
                  && strstr(t, "cap filelist line=4\n") && strstr(t, "cap fileedit line=5\n")
                  && strstr(t, "cap upload line=6\n") && strstr(t, "cap chmod line=7\n"), "%s", t);
    ck_assert_msg(strstr(t, "caps filelist fileedit upload pwgate recon request chmod\n"), "%s", t);
    /* upload, pwgate, recon, chmod, and listing with editing: 5. */
    ck_assert_msg(strstr(t, "capscore 5\n"), "%s", t);
    ck_assert(f.caps & SG_CAP_PWGATE);
    /* The same capabilities without request data score 0. */
    t = facts_of("<?php echo php_uname(); foreach (scandir('.') as $f) unlink($f);"
                 " chmod('x', 0755);", 1, &f);
    ck_assert_msg(strstr(t, "capscore 0\n"), "%s", t);
    t = facts_of("<?php echo 'hello';", 1, &f);
    ck_assert_msg(!strstr(t, "capscore"), "%s", t);
}
END_TEST

/* ---------------------------------------------------------------- pathologies */

static void put(char **o, const char *s, apr_size_t n)
{
    memcpy(*o, s, n);
    *o += n;
}

/* 10 MB at once: 100,000 nested parentheses around request data, 1,000,000
 * self-doubling concatenations, unclosed strings; linear, bounded output. */
START_TEST(ten_megabytes)
{
    apr_size_t cap = 12 * MB, i, tlen = 0;
    char *buf = apr_palloc(test_pool, cap), *o = buf;
    sg_php_limits_t lim = { 4 * MB, NULL, NULL };
    sg_php_facts_t f;
    const char *t;
    clock_t c0;
    double secs;

    sg_php_init();
    put(&o, "<?php $a = 'ab';\n", 17);
    for (i = 0; i < 1000000; i++) put(&o, "$a=$a.$a;", 9);
    put(&o, "\neval(", 6);
    for (i = 0; i < 100000; i++) put(&o, "(", 1);
    put(&o, "$_GET['x']", 10);
    for (i = 0; i < 100000; i++) put(&o, ")", 1);
    put(&o, ");\neval($a);\n", 13);
    while ((apr_size_t)(o - buf) < 10 * MB - 64) put(&o, "'\" `/* <<<A\n$x[", 15);
    c0 = clock();
    sg_php_analyse(buf, (apr_size_t)(o - buf), 0, &lim, test_pool, &f);
    t = sg_php_facts_text(&f, &tlen, test_pool);
    secs = (double)(clock() - c0) / CLOCKS_PER_SEC;
    fprintf(stderr, "php_an: 10 MB pathological file: %lu fact bytes, %d payloads, %.3f s\n",
            (unsigned long)tlen, f.payloads->nelts, secs);
    ck_assert(t != NULL);
    ck_assert_msg(tlen < 64 * 1024, "facts of %lu bytes", (unsigned long)tlen);
    ck_assert_int_le(f.payloads->nelts, 16);
    for (i = 0; i < (apr_size_t)f.payloads->nelts; i++) {
        ck_assert_uint_le(APR_ARRAY_IDX(f.payloads, i, sg_php_payload_t).len, lim.max_bytes);
    }
    ck_assert_msg(secs < 60, "%.3f s", secs);
}
END_TEST

static int polls;

static int stop_soon(void *baton)
{
    (void)baton;
    return ++polls > 10;
}

/* The caller's budget stops the pass: APR_TIMEUP, stopped set. */
START_TEST(budget_stops)
{
    apr_size_t n = 2 * MB, i;
    char *buf = apr_palloc(test_pool, n + 8);
    sg_php_limits_t lim = { MB, stop_soon, NULL };
    sg_php_facts_t f;

    sg_php_init();
    memcpy(buf, "<?php ", 6);
    for (i = 6; i + 9 <= n; i += 9) memcpy(buf + i, "$a=$a.$a;", 9);
    polls = 0;
    ck_assert_int_eq(sg_php_analyse(buf, i, 0, &lim, test_pool, &f), APR_TIMEUP);
    ck_assert_int_eq(f.stopped, 1);
}
END_TEST

Suite *php_an_suite(void)
{
    Suite *s = suite_create("php_an");
    TCase *tc = tcase_create("php_an");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    /* The 10 MB input under valgrind or a sanitizer takes minutes. */
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, literal_double_quoted_escapes);
    tcase_add_test(tc, literal_single_quoted_and_numbers);
    tcase_add_test(tc, literal_heredoc_nowdoc);
    tcase_add_test(tc, fold_decoders);
    tcase_add_test(tc, fold_inflate);
    tcase_add_test(tc, fold_str_replace_arrays);
    tcase_add_test(tc, fold_reshaping);
    tcase_add_test(tc, fold_implode_chr_ord_sprintf);
    tcase_add_test(tc, fold_operators);
    tcase_add_test(tc, taint_paths);
    tcase_add_test(tc, dyncall_obfuscation);
    tcase_add_test(tc, decoded_depth);
    tcase_add_test(tc, capabilities);
    tcase_add_test(tc, ten_megabytes);
    tcase_add_test(tc, budget_stops);
    suite_add_tcase(s, tc);
    return s;
}
