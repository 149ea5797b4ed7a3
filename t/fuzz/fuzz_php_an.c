/* fuzz_php_an.c: the PHP analyser (sg_php_analyse) on a file and on eval'd
 * code under a byte budget and a budget callback, and the constant folder
 * (sg_php_fold_call, sg_php_fold_op) on chosen names and arguments.
 *
 * Input, byte 0 bit 7 clear: the analyser.  Byte 0 (bits 0-4) picks
 * max_bytes (16 << n bytes, at most 1 MiB), byte 1 how many budget polls
 * answer "go on" (255: all of them); the rest is PHP, analysed as a file
 * and as code.  Checks: the status matches facts.stopped, which only the
 * callback sets; every fact is one line that starts with a fact keyword;
 * the facts text is the lines joined; every payload is NUL-terminated, has
 * a sink and a line in the input, and is no longer than max_bytes or the
 * input (a literal of the file itself).
 *
 * Byte 0 bit 7 set: the folder.  Bit 6 picks an operator (else a builtin),
 * bits 0-5 which one; byte 1 max (0..1 MiB); the rest are the arguments,
 * split at NUL bytes: "\1a\1b" is the array [a, b], "\2" a value that is
 * not constant; the builtin gets exactly its arguments (ASan sees a read past
 * them).  Checks: a fold returns 0 or 1, its result is NUL-terminated and
 * no longer than max, an argument (strval, substr and trim hand back what
 * they were given) or SMALL bytes (chr, ord, hexdec: a number). */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "sg_php_fold.h"
#include "sg_php_taint.h"
#include "sg_deobf.h"

#include "sg_inflate.h"

#define MAX_ARGS 8
#define MAX_ITEMS 16
#define SMALL 32   /* a number or a character: folded whatever the budget */

static const char *const names[] = {
    "base64_decode", "str_rot13", "strrev", "gzinflate", "gzuncompress", "gzdecode", "hex2bin",
    "urldecode", "rawurldecode", "strtolower", "strtoupper", "ucfirst", "lcfirst",
    "str_replace", "str_ireplace", "substr", "strtr", "implode", "join", "chr", "ord",
    "str_repeat", "trim", "ltrim", "rtrim", "chop", "pack", "convert_uudecode", "strval",
    "hexdec", "octdec", "bindec", "dechex", "bin2hex", "stripslashes", "sprintf", "eval",
    "substr_replace", "create_function", "system", "exec", "passthru", "unserialize", ""
};
static const char *const ops[] = { ".", "^", "|", "&", "+", "-", "*", "/", "%", "<<", ">>", "~",
                                   "<", "**", "" };
static const char *const keywords[] = { "taint ", "dyncall ", "decoded ", "cap ", "capscore ",
                                        "caps", "opaque code ", "drop ", "unset ",
                                        "hiddencall ", "hidden include ", "evalcaps ",
                                        "exechelper ", "covertracks ", "spawnshell ",
                                        "notcode ", "fetch php ", "uploadphp ", "wpadmin ", "selfdel ",
                                        NULL };

typedef struct polls_t {
    int left;        /* polls still answered "go on"; -1: all */
    int said_stop;   /* the callback said stop */
} polls_t;

static int over_budget(void *baton)
{
    polls_t *b = baton;

    if (b->left < 0) return 0;
    if (b->left == 0) {
        b->said_stop = 1;
        return 1;
    }
    b->left--;
    return 0;
}

/* 1 when LINE is one fact: a keyword, then anything but a line end. */
static int fact_ok(const char *line)
{
    int k;

    if (strchr(line, '\n')) return 0;
    for (k = 0; keywords[k]; k++) {
        apr_size_t n = strlen(keywords[k]);
        if (!strncmp(line, keywords[k], n)) {
            /* "caps" alone (no capability) or "caps NAME ..." */
            return keywords[k][n - 1] == ' ' || line[n] == '\0' || line[n] == ' ';
        }
    }
    return 0;
}

static void check_facts(const sg_php_facts_t *f, apr_size_t size, apr_size_t lines,
                        apr_size_t max_bytes, apr_pool_t *p)
{
    apr_size_t tlen, off = 0;
    const char *text = sg_php_facts_text(f, &tlen, p);
    int i;

    FUZZ_CHECK(f->lines && f->payloads && text[tlen] == '\0');
    for (i = 0; i < f->lines->nelts; i++) {
        const char *l = APR_ARRAY_IDX(f->lines, i, const char *);
        apr_size_t n = strlen(l);
        FUZZ_CHECK(fact_ok(l));
        FUZZ_CHECK(off + n + 1 <= tlen && !memcmp(text + off, l, n) && text[off + n] == '\n');
        off += n + 1;
    }
    FUZZ_CHECK(off == tlen);
    for (i = 0; i < f->payloads->nelts; i++) {
        const sg_php_payload_t *pl = &APR_ARRAY_IDX(f->payloads, i, sg_php_payload_t);
        FUZZ_CHECK(pl->buf && pl->buf[pl->len] == '\0');   /* sink NULL: decoded data */
        FUZZ_CHECK(pl->len <= max_bytes || pl->len <= size);
        FUZZ_CHECK(pl->line >= 1 && (apr_size_t)pl->line <= lines);
    }
}

static void analyse(const char *buf, apr_size_t size, int code, apr_size_t max_bytes,
                    int polls)
{
    apr_pool_t *p = fuzz_pool();
    polls_t b = { polls, 0 };
    sg_php_limits_t lim = { max_bytes, over_budget, &b };
    sg_php_facts_t facts;
    apr_size_t lines = 1, i;
    apr_status_t rv;

    for (i = 0; i < size; i++) lines += buf[i] == '\n';
    rv = sg_php_analyse(buf, size, code, &lim, p, &facts);
    FUZZ_CHECK(rv == APR_SUCCESS || rv == APR_TIMEUP);
    FUZZ_CHECK((rv == APR_TIMEUP) == (facts.stopped != 0));
    FUZZ_CHECK(!facts.stopped || b.said_stop);
    check_facts(&facts, size, lines, max_bytes, p);
    apr_pool_destroy(p);
}

/* The arguments in DATA[0..SIZE) (see the top), NUL-terminated copies. */
static int parse_args(const char *data, apr_size_t size, sg_php_arg_t *args, apr_size_t *longest,
                      apr_pool_t *p)
{
    int n = 0;
    apr_size_t off = 0;

    *longest = 0;
    while (n < MAX_ARGS && (off < size || n == 0)) {
        const char *f = data + off, *nul = memchr(f, '\0', size - off);
        apr_size_t flen = nul ? (apr_size_t)(nul - f) : size - off;
        sg_php_arg_t *a = &args[n++];

        memset(a, 0, sizeof(*a));
        off += flen + (nul != NULL);
        if (flen == 1 && f[0] == '\2') continue;
        if (flen > 0 && f[0] == '\1') {
            sg_php_str_t *items = apr_pcalloc(p, sizeof(*items) * MAX_ITEMS);
            apr_size_t at = 1;
            while (a->nitems < MAX_ITEMS && at <= flen) {
                const char *s = f + at, *e = memchr(s, '\1', flen - at);
                apr_size_t k = e ? (apr_size_t)(e - s) : flen - at;
                items[a->nitems].s = fuzz_strdup((const uint8_t *)s, k, p);
                items[a->nitems++].n = k;
                if (k > *longest) *longest = k;
                at += k + 1;
            }
            a->items = items;
            continue;
        }
        a->v.s = fuzz_strdup((const uint8_t *)f, flen, p);
        a->v.n = flen;
        if (flen > *longest) *longest = flen;
    }
    return n;
}

static void check_result(int ok, const sg_php_str_t *out, apr_size_t max, apr_size_t longest)
{
    FUZZ_CHECK(ok == 0 || ok == 1);
    if (!ok) return;
    FUZZ_CHECK(out->s && out->s[out->n] == '\0');
    FUZZ_CHECK(out->n <= max || out->n <= longest || out->n <= SMALL);
}

static void fold(const uint8_t *data, size_t size)
{
    apr_pool_t *p = fuzz_pool();
    sg_php_arg_t args[MAX_ARGS] = { { { NULL, 0 }, NULL, 0 } };
    sg_php_str_t out = { NULL, 0 };
    apr_size_t max = size > 1 ? (apr_size_t)data[1] << 12 : 0, longest;
    int nargs = parse_args((const char *)data + 2, size > 2 ? size - 2 : 0, args, &longest, p);
    int decoder = -1, ok;

    if (data[0] & 0x40) {
        const char *op = ops[(data[0] & 0x3f) % (sizeof(ops) / sizeof(ops[0]))];
        ok = sg_php_fold_op(op, strlen(op), &args[0].v, nargs > 1 ? &args[1].v : NULL, max, p,
                            &out);
        check_result(ok, &out, max, longest);
    }
    else {
        const char *name = names[(data[0] & 0x3f) % (sizeof(names) / sizeof(names[0]))];
        /* Exactly NARGS of them on the heap: ASan sees a read past the last. */
        sg_php_arg_t *exact = malloc(sizeof(*exact) * (apr_size_t)nargs);

        memcpy(exact, args, sizeof(*exact) * (apr_size_t)nargs);
        ok = sg_php_fold_call(name, exact, nargs, max, p, &out, &decoder);
        free(exact);
        check_result(ok, &out, max, longest);
        FUZZ_CHECK(!ok || decoder == 0 || decoder == 1);
        FUZZ_CHECK(!ok || sg_php_fold_known(name));
    }
    apr_pool_destroy(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_size_t max_bytes;
    int polls;

    if (size < 2) return 0;
    fuzz_root_pool();
    sg_php_init();
    sg_deobf_set_inflate(sg_host_inflate);   /* gzinflate & co fold, as in spamgear scan */
    if (data[0] & 0x80) {
        fold(data, size);
        return 0;
    }
    max_bytes = (apr_size_t)16 << (data[0] & 0x1f) > (1u << 20) ? (1u << 20)
                                                               : (apr_size_t)16 << (data[0] & 0x1f);
    polls = data[1] == 255 ? -1 : data[1];
    analyse((const char *)data + 2, size - 2, 0, max_bytes, polls);
    analyse((const char *)data + 2, size - 2, 1, max_bytes, polls);
    return 0;
}
