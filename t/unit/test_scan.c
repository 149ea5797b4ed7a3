/* test_scan.c: the scan engine's core pieces: prefilter, codecs, rules, decoder. */
#include <string.h>
#include <apr_strings.h>
#include <apr_base64.h>
#include "tests.h"
#include "sg_acm.h"
#include "sg_codec.h"
#include "sg_deobf.h"
#include "sg_engine.h"
#include "sg_memfind.h"
#include "sg_sig.h"

START_TEST(acm_finds_every_anchor_case_folded)
{
    sg_acm_t *acm = sg_acm_create(test_pool);
    unsigned char hit[4] = { 0 };

    ck_assert_int_eq(sg_acm_add(acm, "eval", 4, 0, NULL), APR_SUCCESS);
    ck_assert_int_eq(sg_acm_add(acm, "val(", 4, 1, NULL), APR_SUCCESS);
    ck_assert_int_eq(sg_acm_add(acm, "$_POST", 6, 2, NULL), APR_SUCCESS);
    ck_assert_int_eq(sg_acm_add(acm, "zzz", 3, 3, NULL), APR_SUCCESS);
    sg_acm_compile(acm);
    ck_assert_int_eq(sg_acm_scan(acm, "@EVAL($_post['x'])", 18, hit), 3);
    ck_assert(hit[0] && hit[1] && hit[2] && !hit[3]);
}
END_TEST

/* Long buffers are walked in four interleaved parts: anchors across the
 * part boundaries, at the start and at the end are still found. */
START_TEST(acm_finds_anchors_across_parts)
{
    static const apr_size_t lens[] = { 4096, 10001, 65536 };
    apr_size_t i, k;

    for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        sg_acm_t *acm = sg_acm_create(test_pool);
        apr_size_t len = lens[i], part = len / 4;
        char *buf = apr_palloc(test_pool, len);
        char long_anchor[SG_ACM_MAX_ANCHOR];
        unsigned char hit[8] = { 0 };
        memset(buf, 'x', len);
        memset(long_anchor, 'q', sizeof(long_anchor));
        long_anchor[0] = 'L';
        memcpy(buf, "head", 4);
        memcpy(buf + part - 2, "one1", 4);
        memcpy(buf + 2 * part - 1, "two2", 4);
        memcpy(buf + 3 * part + 50, "thr3", 4);
        memcpy(buf + len - 4, "tail", 4);
        memcpy(buf + 3 * part - 250, long_anchor, sizeof(long_anchor));   /* across */
        ck_assert_int_eq(sg_acm_add(acm, "head", 4, 0, NULL), APR_SUCCESS);
        ck_assert_int_eq(sg_acm_add(acm, "one1", 4, 1, NULL), APR_SUCCESS);
        ck_assert_int_eq(sg_acm_add(acm, "two2", 4, 2, NULL), APR_SUCCESS);
        ck_assert_int_eq(sg_acm_add(acm, "thr3", 4, 3, NULL), APR_SUCCESS);
        ck_assert_int_eq(sg_acm_add(acm, "tail", 4, 4, NULL), APR_SUCCESS);
        ck_assert_int_eq(sg_acm_add(acm, long_anchor, sizeof(long_anchor), 5, NULL),
                         APR_SUCCESS);
        ck_assert_int_eq(sg_acm_add(acm, "none", 4, 6, NULL), APR_SUCCESS);
        sg_acm_compile(acm);
        ck_assert_int_eq(sg_acm_scan(acm, buf, len, hit), 6);
        for (k = 0; k < 6; k++) ck_assert_msg(hit[k], "anchor %d missed at %d", (int)k, (int)len);
        ck_assert(!hit[6]);
    }
}
END_TEST

/* The prefilter reads what every match needs: each of these rules must still
 * match its text (alternations, optional parts, lookarounds, named groups). */
START_TEST(prefilter_keeps_every_match)
{
    static const char *const rules[][2] = {
        { "(?:foo|barbaz)qux", "barbazqux" },
        { "\\b(?:include|require)(?:_once)?\\s*[\"'](?:https?|ftp):", "REQUIRE 'ftp:" },
        { "abc(?:def)?ghi", "abcghi" },
        { "(?!zzz)(?<n>xyz)+w?\\x41bc", "xyzxyzAbc" },
        { "(?<=pre)fix|other", "other" },
        { "c99sh_|\\$c99sh|c99_buff", "$C99SH" },
        { "(?:chr\\(\\d+\\)\\.){3}", "chr(1).chr(2).chr(3)." },
        { "a{0}bcd(?i)EFG", "bcdefg" },
        { "(a)b\\1cdef|ghij", "abacdef" },
        { "(x)?(?(1)abc|def)ghi", "defghi" },
        { "\\$_(?:GET|POST)\\[(?:ab|cd)+yz(?:efg|hij)?klm", "$_POST[cdabyzklm" },
        { "[a-c]{40}[^;]{0,5}\\)", "x;abcabcabcabcabcabcabcabcabcabcabcabcabcaBCA)" },
        { "[xyz]{40}q|ab", "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzab" },
    };
    apr_array_header_t *hits = apr_array_make(test_pool, 2, sizeof(sg_sig_hit_t));
    const char *note;
    apr_size_t i;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        sg_sigset_t *set = sg_sigset_create(test_pool);
        sg_result_t res = { APR_SUCCESS, NULL };
        const char *line = apr_psprintf(test_pool, "T.R%d malicious any ire %s\n", (int)i,
                                        rules[i][0]);
        ck_assert_msg(sg_sigset_add_text(set, "t", line, strlen(line), &res) == APR_SUCCESS,
                      "%s", res.problem);
        ck_assert_int_eq(sg_sigset_compile(set, &res), APR_SUCCESS);
        apr_array_clear(hits);
        sg_sigset_match(set, rules[i][1], strlen(rules[i][1]), SG_TARGET_PHP, hits, 4,
                        test_pool, &note);
        ck_assert_msg(hits->nelts == 1, "rule %s missed %s", rules[i][0], rules[i][1]);
        apr_array_clear(hits);
        sg_sigset_match(set, "nothing here", 12, SG_TARGET_PHP, hits, 4, test_pool, &note);
        ck_assert_int_eq(hits->nelts, 0);
    }
}
END_TEST

/* A regex whose matches begin with known literals is run only from their
 * occurrences: the hit is still the leftmost one, past decoys, in the
 * interleaved parts of a long buffer and when occurrences outnumber the
 * list (then the regex runs from the start). */
START_TEST(leading_literals_find_the_leftmost_match)
{
    static const char *const rules[][2] = {
        { "\\b(?:eval|assert)\\s*\\(\\s*\\$_POST", "Assert ( $_post" },
        { "safe_?mode\\s*bypass|disable_functions\\s*bypass", "SAFEMODE bypass" },
        { "(?:abc|xyzw)+q", "xyzwxyzwq" },
        { "leafmailer|\\bowl\\s*php", "Owl  PHP" },
    };
    static const int decoys[] = { 3, 5000, 40000 };
    apr_array_header_t *hits = apr_array_make(test_pool, 2, sizeof(sg_sig_hit_t));
    const char *note;
    apr_size_t i, d;

    for (i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
        sg_sigset_t *set = sg_sigset_create(test_pool);
        sg_result_t res = { APR_SUCCESS, NULL };
        const char *line = apr_psprintf(test_pool, "T.L%d malicious any ire %s\n"
                                        "T.Lit suspicious any hex 7a7a7a7a\n", (int)i,
                                        rules[i][0]);
        ck_assert_int_eq(sg_sigset_add_text(set, "t", line, strlen(line), &res), APR_SUCCESS);
        ck_assert_int_eq(sg_sigset_compile(set, &res), APR_SUCCESS);
        for (d = 0; d < sizeof(decoys) / sizeof(decoys[0]); d++) {
            apr_size_t m = strlen(rules[i][1]), k, len = 0;
            char *buf = apr_palloc(test_pool, (apr_size_t)decoys[d] * (m + 1) + 2 * m + 2);
            for (k = 0; k < (apr_size_t)decoys[d]; k++) {   /* the text less its last byte */
                memcpy(buf + len, rules[i][1], m - 1);
                len += m - 1;
                buf[len++] = '\n';
            }
            memcpy(buf + len, rules[i][1], m);
            memcpy(buf + len + m, rules[i][1], m);
            buf[len + 2 * m] = '\0';
            apr_array_clear(hits);
            sg_sigset_match(set, buf, len + 2 * m, SG_TARGET_PHP, hits, 4, test_pool, &note);
            ck_assert_msg(hits->nelts == 1, "rule %s missed after %d decoys", rules[i][0],
                          decoys[d]);
            apr_array_clear(hits);
            memcpy(buf + len + m, "zzzz", 4);   /* and a literal rule's anchor */
            sg_sigset_match(set, buf, len + 2 * m, SG_TARGET_PHP, hits, 4, test_pool, &note);
            ck_assert_msg(hits->nelts == 2, "rule %s or a literal missed after %d decoys",
                          rules[i][0], decoys[d]);
            memcpy(buf + len + m, rules[i][1], m);
            apr_array_clear(hits);
            sg_sigset_match(set, buf, len + 2 * m, SG_TARGET_PHP, hits, 4, test_pool, &note);
            ck_assert_uint_eq(APR_ARRAY_IDX(hits, 0, sg_sig_hit_t).start, len);
            ck_assert_uint_eq(APR_ARRAY_IDX(hits, 0, sg_sig_hit_t).end, len + m);
            apr_array_clear(hits);
            sg_sigset_match(set, buf, len, SG_TARGET_PHP, hits, 4, test_pool, &note);
            ck_assert_int_eq(hits->nelts, 0);
        }
    }
}
END_TEST

START_TEST(base64_round_trip_and_cap)
{
    apr_size_t n, m;
    const char *enc = sg_base64_encode("hello world!?", 13, &n, test_pool);
    char *dec = sg_base64_decode(enc, n, 100, &m, NULL, test_pool);

    ck_assert_str_eq(enc, "aGVsbG8gd29ybGQhPw==");
    ck_assert_uint_eq(m, 13);
    ck_assert_str_eq(dec, "hello world!?");
    ck_assert_ptr_null(sg_base64_decode(enc, n, 5, &m, NULL, test_pool));
}
END_TEST

START_TEST(native_rules_errors_name_file_line)
{
    sg_sigset_t *set = sg_sigset_create(test_pool);
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *text = "# c\nA.B malicious php re eval\n    clean bogus\n";

    ck_assert_int_eq(sg_sigset_add_text(set, "t.sigs", text, strlen(text), &res), APR_EINVAL);
    ck_assert_str_eq(res.problem, "t.sigs:3: expected 'clean match' or 'clean re PATTERN'");
    text = "A.B malicious nowhere re eval\n";
    ck_assert_int_eq(sg_sigset_add_text(set, "u.sigs", text, strlen(text), &res), APR_EINVAL);
    ck_assert_ptr_nonnull(strstr(res.problem, "u.sigs:1: target 'nowhere'"));
}
END_TEST

START_TEST(match_and_clean)
{
    sg_sigset_t *set = sg_sigset_create(test_pool);
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *text = "X.Hex malicious html re <!--[0-9a-f]{4}-->.*?<!--/[0-9a-f]{4}-->\n"
                       "    clean match\nX.Lit suspicious any hex 41424344\n";
    const char *buf = "<p>a</p><!--beef-->bad<!--/beef--><p>b</p>ABCD";
    apr_array_header_t *hits = apr_array_make(test_pool, 2, sizeof(sg_sig_hit_t));
    const char *note;
    char *out;
    apr_size_t outlen;

    ck_assert_int_eq(sg_sigset_add_text(set, "t", text, strlen(text), &res), APR_SUCCESS);
    sg_sigset_compile(set, &res);
    sg_sigset_match(set, buf, strlen(buf), SG_TARGET_HTML, hits, 16, test_pool, &note);
    ck_assert_int_eq(hits->nelts, 2);
    ck_assert_str_eq(sg_sig_name(APR_ARRAY_IDX(hits, 0, sg_sig_hit_t).sig), "X.Hex");
    ck_assert_int_eq(sg_sig_clean(&APR_ARRAY_IDX(hits, 0, sg_sig_hit_t), buf, strlen(buf),
                                  &out, &outlen, test_pool), APR_SUCCESS);
    ck_assert_str_eq(out, "<p>a</p><p>b</p>ABCD");
    ck_assert_int_eq(sg_sig_clean(&APR_ARRAY_IDX(hits, 1, sg_sig_hit_t), buf, strlen(buf),
                                  &out, &outlen, test_pool), APR_ENOTIMPL);
    /* Target php only: the html rule is not tried. */
    apr_array_clear(hits);
    sg_sigset_match(set, buf, strlen(buf), SG_TARGET_HTACCESS, hits, 16, test_pool, &note);
    ck_assert_int_eq(hits->nelts, 1);
}
END_TEST

/* The prefilter's anchor sets (alternations, "$_" joined with its group,
 * several required sets, a long class run) never hide a match, and keep a
 * regex from running when a required literal is missing. */
static int count_hits(sg_sigset_t *set, const char *buf)
{
    apr_array_header_t *hits = apr_array_make(test_pool, 2, sizeof(sg_sig_hit_t));
    const char *note;

    sg_sigset_match(set, buf, strlen(buf), SG_TARGET_PHP, hits, 16, test_pool, &note);
    return hits->nelts;
}

START_TEST(regex_anchor_sets_keep_matches)
{
    sg_sigset_t *set = sg_sigset_create(test_pool);
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *text =
        "X.Eval malicious php ire (?:@|\\b)(?:eval|assert)\\s*\\(\\s*\\$_(?:POST|GET|SERVER\\s*\\[)\n"
        "X.Var malicious php re \\$_(?:POST|GET)\\s*\\[\\s*'?\\w*'?\\s*\\]\\s*\\(\n"
        "X.Alt malicious php ire abc\\d+xyz|(?:foo|barbaz)\\s*!\n"
        "X.Opt malicious php re (?:ghost)?wanted(?i:caps)\n"
        "X.Run suspicious php re [A-Za-z0-9+/]{100}[^;]{0,10};\n";
    char run[200];

    ck_assert_int_eq(sg_sigset_add_text(set, "t", text, strlen(text), &res), APR_SUCCESS);
    ck_assert_int_eq(sg_sigset_compile(set, &res), APR_SUCCESS);
    ck_assert_int_eq(count_hits(set, "<?php @EVAL( $_GET['x']);"), 1);
    ck_assert_int_eq(count_hits(set, "<?php assert($_SERVER ['a']);"), 1);
    ck_assert_int_eq(count_hits(set, "<?php eval($x); $_GETS;"), 0);
    ck_assert_int_eq(count_hits(set, "<?php $_POST['f']($y);"), 1);
    ck_assert_int_eq(count_hits(set, "<?php $_Post['f']($y);"), 0);
    ck_assert_int_eq(count_hits(set, "abc12xyz"), 1);
    ck_assert_int_eq(count_hits(set, "BARBAZ !"), 1);
    ck_assert_int_eq(count_hits(set, "foo!"), 1);
    ck_assert_int_eq(count_hits(set, "wantedCAPS"), 1);
    ck_assert_int_eq(count_hits(set, "ghostwantedcaps"), 1);
    memset(run, 'A', 150);
    strcpy(run + 150, "-;");
    ck_assert_int_eq(count_hits(set, run), 1);
    run[50] = ' ';   /* runs of 50 and 99: none reaches 100 */
    ck_assert_int_eq(count_hits(set, run), 0);
    run[50] = 'A';
    run[0] = ';';    /* 149 left, starting right after a non-class byte */
    ck_assert_int_eq(count_hits(set, run), 1);
}
END_TEST

static const char *layer_text(apr_array_header_t *layers, int i)
{
    return i < layers->nelts ? APR_ARRAY_IDX(layers, i, sg_deobf_layer_t).buf : "";
}

START_TEST(deobf_layers_and_caps)
{
    /* base64("str_rot13") is not needed: strrev + base64 chain, escapes, chr(). */
    const char *src = "<?php $g = ${\"\\x47LOB\\101LS\"}; $f = chr(115).chr(121).'s';"
                      " eval(strrev(base64_decode('OykpJ3gnKHRlZ18kKGxhdmU=')));";
    apr_array_header_t *layers;
    const char *note;

    sg_deobf_set_inflate(NULL);
    sg_deobf_run(src, strlen(src), 8, 1 << 20, test_pool, &layers, &note);
    ck_assert_ptr_null(note);
    ck_assert_int_eq(layers->nelts, 2);
    ck_assert_ptr_nonnull(strstr(layer_text(layers, 0), "${\"GLOBALS\"}"));
    ck_assert_ptr_nonnull(strstr(layer_text(layers, 0), "$f = \"sys\";"));
    /* A lone literal with nothing decoded keeps its own quotes. */
    ck_assert_str_eq(layer_text(layers, 1), "eval($_get('x'));");
    ck_assert_str_eq(APR_ARRAY_IDX(layers, 1, sg_deobf_layer_t).how,
                     "strrev(base64_decode())");
    /* Depth 1: the payload is not decoded, and the note says why. */
    sg_deobf_run(src, strlen(src), 1, 1 << 20, test_pool, &layers, &note);
    ck_assert_int_eq(layers->nelts, 1);
    ck_assert_str_eq(note, "decode depth 1 reached");
    /* Size cap. */
    sg_deobf_run(src, strlen(src), 8, 10, test_pool, &layers, &note);
    ck_assert_int_eq(layers->nelts, 0);
    ck_assert_ptr_nonnull(strstr(note, "decoded size cap"));
    /* Nothing to fold or decode: no layer at all (the file itself is matched). */
    src = "<?php $a = 'one'; $b = \"two\\q\"; echo $a, $b, chrx(1);";
    sg_deobf_run(src, strlen(src), 8, 1 << 20, test_pool, &layers, &note);
    ck_assert_int_eq(layers->nelts, 0);
    /* One escape decoded, or two pieces joined: a layer. */
    src = "<?php $a = 'it\\'s';";
    sg_deobf_run(src, strlen(src), 8, 1 << 20, test_pool, &layers, &note);
    ck_assert_int_eq(layers->nelts, 1);
    ck_assert_str_eq(layer_text(layers, 0), "<?php $a = \"it's\";");
    src = "<?php $a = 'a' . 'b';";
    sg_deobf_run(src, strlen(src), 8, 1 << 20, test_pool, &layers, &note);
    ck_assert_int_eq(layers->nelts, 1);
    ck_assert_str_eq(layer_text(layers, 0), "<?php $a = \"ab\";");
}
END_TEST

START_TEST(engine_scans_buffer_and_whitelists)
{
    sg_engine_t *e;
    sg_engine_options_t opts;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *f;
    const char *bad = "<?php eval(base64_decode('ZXZhbCgkX1BPU1RbMV0pOw=='));";

    sg_engine_options_default(&opts);
    ck_assert_int_eq(sg_engine_create(&e, test_pool, &opts, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_add_rules(e, "t", "T.Eval malicious php re eval\\(\\$_POST\n",
                                         &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_load(e, NULL, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_scan_buffer(e, "x.php", bad, strlen(bad), -1, test_pool, &f,
                                           &res), APR_SUCCESS);
    ck_assert_int_eq(f->nelts, 1);
    ck_assert_int_eq(APR_ARRAY_IDX(f, 0, sg_finding_t).layer, 2);
    ck_assert_str_eq(sg_sha256_hex("abc", 3, test_pool),
                     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    opts.clamav = "sometimes";
    ck_assert_int_eq(sg_engine_create(&e, test_pool, &opts, &res), APR_EINVAL);
}
END_TEST

/* CORE wrapped LAYERS times in eval(base64_decode('...')). */
static const char *onion(const char *core, int layers)
{
    const char *code = core;
    int i;

    for (i = 0; i < layers; i++) {
        char *b64 = apr_palloc(test_pool, apr_base64_encode_len((int)strlen(code)));
        apr_base64_encode(b64, code, (int)strlen(code));
        code = apr_pstrcat(test_pool, "eval(base64_decode('", b64, "'));", NULL);
    }
    return apr_pstrcat(test_pool, "<?php ", code, NULL);
}

static apr_array_header_t *scan_with(const char *rules, const char *name, const char *text)
{
    sg_engine_t *e;
    sg_engine_options_t opts;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *f;

    sg_engine_options_default(&opts);
    ck_assert_int_eq(sg_engine_create(&e, test_pool, &opts, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_add_rules(e, "t", rules, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_load(e, NULL, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_scan_buffer(e, name, text, strlen(text), -1, test_pool, &f,
                                           &res), APR_SUCCESS);
    return f;
}

static int has_signature(const apr_array_header_t *f, const char *sig)
{
    int i;

    for (i = 0; i < f->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(f, i, sg_finding_t).signature, sig)) return 1;
    }
    return 0;
}

/* An onion is peeled to its core (30 layers here) while nothing says the
 * file is malicious; once something does, peeling stops after
 * SG_ENGINE_ONION_PEEL layers and the verdict stands without the core. */
START_TEST(engine_peels_onions_until_judged)
{
    const char *deep = onion("echo 'CORE-MARK';", SG_ENGINE_ONION_PEEL + 6);
    const char *core_rule = "T.Core malicious php re CORE-MARK\n";
    apr_array_header_t *f;

    f = scan_with(core_rule, "o.php", deep);
    ck_assert(has_signature(f, "T.Core"));
    f = scan_with(apr_pstrcat(test_pool, core_rule,
                              "T.Wrap malicious php re ^<\\?php eval\\(base64_decode\n", NULL),
                  "o.php", deep);
    ck_assert(has_signature(f, "T.Wrap"));
    ck_assert(!has_signature(f, "T.Core"));
    /* a shallow onion is read to its core all the same */
    f = scan_with(apr_pstrcat(test_pool, core_rule,
                              "T.Wrap malicious php re ^<\\?php eval\\(base64_decode\n", NULL),
                  "o.php", onion("echo 'CORE-MARK';", SG_ENGINE_ONION_PEEL - 2));
    ck_assert(has_signature(f, "T.Wrap"));
    ck_assert(has_signature(f, "T.Core"));
}
END_TEST

/* A host matcher (what host/sg_yara.c installs) that finds "MARK" and
 * records what it was handed; TIMEUP makes it report its limit ran out. */
typedef struct fake_matcher_t {
    int calls, layers_seen, timeup;
    apr_interval_time_t limit;
} fake_matcher_t;

static apr_status_t fake_match(void *baton, const sg_matcher_input_t *in,
                               apr_array_header_t *hits, apr_pool_t *p)
{
    fake_matcher_t *fm = baton;
    sg_matcher_hit_t *h;

    fm->calls++;
    fm->layers_seen |= 1 << (in->layer < 8 ? in->layer : 7);
    fm->limit = in->limit;
    if (sg_memfind(in->buf, in->len, "MARK", 4)) {
        h = apr_array_push(hits);
        h->name = "ns:Mark";
        h->severity = SG_SEV_MALICIOUS;
        h->detail = "a test mark";
    }
    return fm->timeup ? APR_TIMEUP : APR_SUCCESS;
}

START_TEST(engine_runs_host_matchers)
{
    sg_engine_t *e;
    sg_engine_options_t opts;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *f;
    fake_matcher_t fm = { 0, 0, 0, 0 };
    sg_matcher_t m = { "FAKE", 0, fake_match, &fm };
    /* eval(base64_decode('echo "MARK";')): MARK only in the decoded layer */
    const char *packed = "<?php eval(base64_decode('ZWNobyAiTUFSSyI7'));";
    const sg_finding_t *x;
    int i;

    sg_engine_options_default(&opts);
    ck_assert_int_eq(sg_engine_create(&e, test_pool, &opts, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_add_matcher(e, &m), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_load(e, NULL, &res), APR_SUCCESS);
    /* the file itself: one call, at layer 0, with the budget's rest as limit */
    ck_assert_int_eq(sg_engine_scan_buffer(e, "a.txt", "x MARK y", 8, -1, test_pool, &f, &res),
                     APR_SUCCESS);
    ck_assert_int_eq(fm.calls, 1);
    ck_assert_int_eq(f->nelts, 1);
    x = &APR_ARRAY_IDX(f, 0, sg_finding_t);
    ck_assert_str_eq(x->engine, "FAKE");
    ck_assert_str_eq(x->signature, "ns:Mark");
    ck_assert_str_eq(x->detail, "a test mark");
    ck_assert_int_eq(x->layer, 0);
    ck_assert(fm.limit > 0 && fm.limit <= SG_ENGINE_DEFAULT_BUDGET);
    /* a matcher that does not want layers never sees the decoded payload */
    fm.calls = fm.layers_seen = 0;
    ck_assert_int_eq(sg_engine_scan_buffer(e, "p.php", packed, strlen(packed), -1, test_pool,
                                           &f, &res), APR_SUCCESS);
    ck_assert_int_eq(fm.layers_seen, 1);
    ck_assert_int_eq(f->nelts, 0);
    /* one that does sees it, and its finding names the layer */
    m.wants_layers = 1;
    fm.calls = fm.layers_seen = 0;
    ck_assert_int_eq(sg_engine_scan_buffer(e, "p.php", packed, strlen(packed), -1, test_pool,
                                           &f, &res), APR_SUCCESS);
    ck_assert(fm.layers_seen & (1 << 2));
    for (i = 0, x = NULL; i < f->nelts; i++) {
        if (!strcmp(APR_ARRAY_IDX(f, i, sg_finding_t).engine, "FAKE")) x = &APR_ARRAY_IDX(f, i, sg_finding_t);
    }
    ck_assert_ptr_nonnull(x);
    ck_assert_int_eq(x->layer, 2);
    /* its limit running out spends the file's budget: Scan.BudgetExceeded */
    fm.timeup = 1;
    ck_assert_int_eq(sg_engine_scan_buffer(e, "a.txt", "clean", 5, -1, test_pool, &f, &res),
                     APR_TIMEUP);
    ck_assert_int_eq(f->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(f, 0, sg_finding_t).signature, SG_ENGINE_BUDGET_SIGNATURE);
    /* no more than SG_ENGINE_MAX_MATCHERS */
    for (i = 1; i < SG_ENGINE_MAX_MATCHERS; i++) {
        ck_assert_int_eq(sg_engine_add_matcher(e, &m), APR_SUCCESS);
    }
    ck_assert_int_eq(sg_engine_add_matcher(e, &m), APR_ENOSPC);
}
END_TEST

START_TEST(targets_of_files)
{
    static const char tagged[] = "\x89PNG....<?PhP system($_GET[1]);";
    static const char short_echo[] = "GIF89a<?=`$_GET[1]`?>";
    static const char xml[] = "<?xml version=\"1.0\"?><svg/>";
    static const char bin[] = "\x89PNG\r\n\x1a\n<?\x01\x02<?ph";

    ck_assert_int_eq(sg_sig_target_of("a.php", "x", 1), SG_TARGET_PHP | SG_TARGET_HTML);
    ck_assert_int_eq(sg_sig_target_of("a.js", "x", 1), SG_TARGET_HTML);
    ck_assert_int_eq(sg_sig_target_of("x/.htaccess", "x", 1), SG_TARGET_HTACCESS);
    /* PHP's open tag in any case, or <?=, makes any file PHP. */
    ck_assert_int_eq(sg_sig_target_of("a.png", tagged, sizeof(tagged) - 1),
                     SG_TARGET_PHP | SG_TARGET_HTML);
    ck_assert_int_eq(sg_sig_target_of("a.gif", short_echo, sizeof(short_echo) - 1),
                     SG_TARGET_PHP | SG_TARGET_HTML);
    ck_assert_int_eq(sg_sig_target_of("a.svg", xml, sizeof(xml) - 1), SG_TARGET_ANY);
    ck_assert_int_eq(sg_sig_target_of("a.png", bin, sizeof(bin) - 1), SG_TARGET_ANY);
}
END_TEST

START_TEST(untargeted_file_reads_nothing)
{
    sg_engine_t *e;
    sg_engine_options_t opts;
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_array_header_t *f;
    static const char body[] = "\x89PNG eval($_POST[1]) <?ph";

    sg_engine_options_default(&opts);
    opts.decode = 1;
    ck_assert_int_eq(sg_engine_create(&e, test_pool, &opts, &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_add_rules(e, "t", "T.Php malicious php re eval\\(\\$_POST\n"
                                         "T.Any malicious any lit PNG eval\n", &res), APR_SUCCESS);
    ck_assert_int_eq(sg_engine_load(e, NULL, &res), APR_SUCCESS);
    /* The untargeted signature still runs on a file no PHP signature applies to. */
    ck_assert_int_eq(sg_engine_scan_buffer(e, "x.png", body, sizeof(body) - 1, -1, test_pool,
                                           &f, &res), APR_SUCCESS);
    ck_assert_int_eq(f->nelts, 1);
    ck_assert_str_eq(APR_ARRAY_IDX(f, 0, sg_finding_t).signature, "T.Any");
    /* Named .php: both. */
    ck_assert_int_eq(sg_engine_scan_buffer(e, "x.php", body, sizeof(body) - 1, -1, test_pool,
                                           &f, &res), APR_SUCCESS);
    ck_assert_int_eq(f->nelts, 2);
}
END_TEST

Suite *scan_suite(void)
{
    Suite *s = suite_create("scan");
    TCase *tc = tcase_create("scan");

    tcase_add_checked_fixture(tc, test_pool_setup, test_pool_teardown);
    tcase_add_test(tc, acm_finds_every_anchor_case_folded);
    tcase_add_test(tc, prefilter_keeps_every_match);
    tcase_add_test(tc, acm_finds_anchors_across_parts);
    tcase_add_test(tc, leading_literals_find_the_leftmost_match);
    tcase_add_test(tc, base64_round_trip_and_cap);
    tcase_add_test(tc, native_rules_errors_name_file_line);
    tcase_add_test(tc, match_and_clean);
    tcase_add_test(tc, regex_anchor_sets_keep_matches);
    tcase_add_test(tc, deobf_layers_and_caps);
    tcase_add_test(tc, engine_scans_buffer_and_whitelists);
    tcase_add_test(tc, engine_peels_onions_until_judged);
    tcase_add_test(tc, engine_runs_host_matchers);
    tcase_add_test(tc, targets_of_files);
    tcase_add_test(tc, untargeted_file_reads_nothing);
    suite_add_tcase(s, tc);
    return s;
}
