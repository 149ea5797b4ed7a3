/* sg_sig.c: signature sets: native and legacy loaders, prefilter, matching. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_acm.h"
#include "sg_codec.h"
#include "sg_memfind.h"
#include "sg_path.h"
#include "sg_sig.h"

typedef enum {
    SIG_RE,        /* PCRE2 on the content */
    SIG_LIT,       /* exact bytes in the content */
    SIG_B64LIT     /* exact bytes in the base64 of the content (shelldetect.db) */
} sig_kind_t;

typedef enum { CLEAN_NONE, CLEAN_MATCH, CLEAN_RE } clean_kind_t;

#define SG_SIG_MORE_ANCHORS 3       /* required anchor sets beyond the first */
#define SG_SIG_RUN_MIN 64           /* [class]{N} with N >= this gets a run check */

struct sg_sig_t {
    const char *name;           /* e.g. PHP.Backdoor.EvalRequest */
    const char *engine;         /* SPAMGEAR, CUSTOM, DETECTOR */
    sg_severity_t severity;     /* malicious or suspicious */
    int targets;                /* sg_target_t bits; 0 = any */
    sig_kind_t kind;            /* how PATTERN matches */
    pcre2_code *code;           /* SIG_RE */
    const char *lit;            /* SIG_LIT, SIG_B64LIT */
    apr_size_t litlen;          /* bytes of lit */
    int anchor;                 /* prefilter id, or -1: always tried */
    int more[SG_SIG_MORE_ANCHORS]; /* further ids that must all be seen too */
    int nmore;                  /* entries in more */
    unsigned char *run_class;   /* 256 flags: a run of run_min such bytes is required */
    apr_size_t run_min;         /* 0: no run requirement */
    clean_kind_t clean;         /* cleaning rule */
    pcre2_code *clean_code;     /* CLEAN_RE */
    pcre2_match_context *mctx;  /* the set's match limits */
};

struct sg_sigset_t {
    apr_pool_t *pool;              /* owns sigs and compiled code */
    apr_array_header_t *sigs;      /* of sg_sig_t * */
    sg_acm_t *acm;                 /* anchors in the content */
    sg_acm_t *b64acm;              /* anchors in the content's base64 */
    int nanchors;                  /* ids handed out (shared by both automata) */
    int nb64;                      /* SIG_B64LIT signatures */
    pcre2_match_context *mctx;     /* match limits, shared read-only */
    int compiled;                  /* 1 after sg_sigset_compile */
};

static apr_status_t free_code(void *data)
{
    pcre2_code_free((pcre2_code *)data);
    return APR_SUCCESS;
}

static apr_status_t free_mctx(void *data)
{
    pcre2_match_context_free((pcre2_match_context *)data);
    return APR_SUCCESS;
}

sg_sigset_t *sg_sigset_create(apr_pool_t *p)
{
    sg_sigset_t *set = apr_pcalloc(p, sizeof(*set));

    set->pool = p;
    set->sigs = apr_array_make(p, 64, sizeof(sg_sig_t *));
    set->acm = sg_acm_create(p);
    set->b64acm = sg_acm_create(p);
    set->mctx = pcre2_match_context_create(NULL);
    pcre2_set_match_limit(set->mctx, SG_SIG_MATCH_LIMIT);
    pcre2_set_depth_limit(set->mctx, SG_SIG_MATCH_LIMIT / 10);
    apr_pool_cleanup_register(p, set->mctx, free_mctx, apr_pool_cleanup_null);
    return set;
}

int sg_sigset_count(const sg_sigset_t *set)
{
    return set->sigs->nelts;
}

const char *sg_sig_name(const sg_sig_t *sig) { return sig->name; }
const char *sg_sig_engine(const sg_sig_t *sig) { return sig->engine; }
sg_severity_t sg_sig_severity(const sg_sig_t *sig) { return sig->severity; }
int sg_sig_cleanable(const sg_sig_t *sig) { return sig->clean != CLEAN_NONE; }

const char *sg_severity_name(sg_severity_t sev)
{
    return sev == SG_SEV_MALICIOUS ? "malicious" : "suspicious";
}

/* ---------------------------------------------------------------- prefilter anchors */

/* Skips a [...] class starting at P[0] == '['; returns the index after it. */
static apr_size_t skip_class(const char *p, apr_size_t i, apr_size_t len)
{
    i++;
    if (i < len && p[i] == '^') i++;
    if (i < len && p[i] == ']') i++;
    for (; i < len && p[i] != ']'; i++) {
        if (p[i] == '\\') i++;
    }
    return i + 1;
}

/* The longest literal run every match of PATTERN must contain, taken from
 * its top level only (groups, classes and alternations are skipped); sets
 * *LEN to 0 when there is none worth using (shorter than 3 bytes). */
static const char *regex_anchor(const char *pat, apr_size_t plen, char *buf, apr_size_t *len)
{
    char run[SG_ACM_MAX_ANCHOR];
    apr_size_t i = 0, n = 0, best = 0;
    int depth = 0;

    if (strstr(pat, "(?x") || strstr(pat, "\\Q")) {
        *len = 0;
        return NULL;
    }
#define END_RUN() do { if (n > best) { best = n; memcpy(buf, run, n); } n = 0; } while (0)
    while (i < plen) {
        char c = pat[i];
        if (depth > 0) {
            if (c == '\\') i++;
            else if (c == '[') { i = skip_class(pat, i, plen); continue; }
            else if (c == '(') depth++;
            else if (c == ')') depth--;
            i++;
            continue;
        }
        if (c == '|') { *len = 0; return NULL; }
        if (c == '?' || c == '*' || c == '{') {
            if (n > 0) n--;                      /* the previous atom is optional */
            END_RUN();
            if (c == '{') { while (i < plen && pat[i] != '}') i++; }
            i++;
            continue;
        }
        if (c == '\\' && i + 1 < plen && !apr_isalnum((unsigned char)pat[i + 1])) {
            if (n < sizeof(run)) run[n++] = pat[i + 1];
            i += 2;
        }
        else if (c == '\\' || c == '.' || c == '^' || c == '$' || c == '+') {
            /* "x+" keeps x; "\s", ".", "^" end the run */
            if (c == '\\' && i + 1 < plen && pat[i + 1] == 'x') {
                i += 2;   /* \xHH or \x{...} */
                if (i < plen && pat[i] == '{') while (i < plen && pat[i] != '}') i++;
                else i++;
            }
            else if (c == '\\') i++;
            END_RUN();
            i++;
        }
        else if (c == '[') { END_RUN(); i = skip_class(pat, i, plen); }
        else if (c == '(') { END_RUN(); depth++; i++; }
        else { if (n < sizeof(run)) run[n++] = c; else END_RUN(); i++; }
        /* A quantifier after a group or class: the run already ended. */
    }
    END_RUN();
#undef END_RUN
    *len = best >= 3 ? best : 0;
    return *len ? buf : NULL;
}

/* Anchor sets: literals of which every match of a pattern contains at least
 * one, so "(?:eval|assert)\s*\(" is only tried on a buffer holding "eval" or
 * "assert".  A recursive walk: a sequence offers its literal runs (one
 * literal each) and its required groups (the union of their branches' sets);
 * the best offer (longest shortest literal, then fewest literals) is kept.
 * Anything not understood ends the current run, which only shortens what is
 * required, never makes it wrong; an alternation with a branch that requires
 * nothing requires nothing. */
#define ASET_MAX 24

typedef struct aset_t {
    int n;
    const char *s[ASET_MAX];
    apr_size_t l[ASET_MAX];
} aset_t;

typedef struct rx_t {
    const char *p;
    apr_size_t i, len;
    apr_pool_t *pool;
    int bad;                       /* give up: no anchors for this pattern */
    aset_t *all;                   /* top-level sequence: every offer (all required) */
    int nall, maxall;
    int caseless;                  /* the pattern is matched caselessly */
    unsigned char *run_class;      /* top-level [class]{N}, N >= SG_SIG_RUN_MIN */
    apr_size_t run_min;
} rx_t;

static apr_size_t aset_min(const aset_t *a)
{
    apr_size_t m = 0;
    int k;

    for (k = 0; k < a->n; k++) {
        if (k == 0 || a->l[k] < m) m = a->l[k];
    }
    return m;
}

/* Words any PHP file is full of: a poor anchor whatever its length. */
static apr_size_t effective_len(const char *s, apr_size_t l)
{
    static const char *const common[] = {
        "function", "return", "isset", "include", "require", "array", "echo", "http",
        "name", "data", "php", "for", "while", "foreach", "get", "post", "class", "string",
        "shell", "mail", "input", "title", NULL
    };
    int k;

    for (k = 0; common[k]; k++) {
        if (strlen(common[k]) == l && !strncasecmp(common[k], s, l)) return 2;
    }
    return l;
}

/* How selective a set looks: its shortest literal, common words counting 2. */
static apr_size_t aset_score(const aset_t *a)
{
    apr_size_t m = 0, e;
    int k;

    for (k = 0; k < a->n; k++) {
        e = effective_len(a->s[k], a->l[k]);
        if (k == 0 || e < m) m = e;
    }
    return m;
}

static void aset_offer(aset_t *best, int *have, const aset_t *cand)
{
    apr_size_t mb, mc = aset_score(cand);

    if (cand->n == 0) return;
    mb = *have ? aset_score(best) : 0;
    if (!*have || mc > mb || (mc == mb && cand->n < best->n)) {
        *best = *cand;
        *have = 1;
    }
}

/* A quantifier at rx->i, consumed with a lazy/possessive suffix: its minimum
 * (0, or 1 for one or more), or -1 when there is none. */
static int rx_quantifier(rx_t *rx)
{
    const char *p = rx->p;
    apr_size_t i = rx->i, len = rx->len;
    int min = -1;

    if (i >= len) return -1;
    if (p[i] == '?' || p[i] == '*') { min = 0; i++; }
    else if (p[i] == '+') { min = 1; i++; }
    else if (p[i] == '{' && i + 1 < len && apr_isdigit((unsigned char)p[i + 1])) {
        apr_size_t j = i + 1;
        int nonzero = 0;
        for (; j < len && apr_isdigit((unsigned char)p[j]); j++) nonzero |= p[j] != '0';
        if (j < len && p[j] == ',') for (j++; j < len && apr_isdigit((unsigned char)p[j]); j++);
        if (j < len && p[j] == '}') { min = nonzero; i = j + 1; }
    }
    if (min >= 0) {
        if (i < len && (p[i] == '?' || p[i] == '+')) i++;
        rx->i = i;
    }
    return min;
}

static int rx_alt(rx_t *rx, aset_t *out, int depth, aset_t *leads);

/* An offer: kept as the best of this sequence, and at the top level (where
 * every offer is required at once) collected too. */
static void rx_offer(rx_t *rx, int depth, aset_t *best, int *have, const aset_t *cand)
{
    aset_offer(best, have, cand);
    if (depth == 0 && rx->all && aset_min(cand) >= 3 && rx->nall < rx->maxall) {
        rx->all[rx->nall++] = *cand;
    }
}

/* Literal [...] class at P[I] (after '['): 256 flags, or NULL when it has
 * escapes, ranges of escapes or POSIX names this does not follow. */
static unsigned char *class_flags(const char *p, apr_size_t i, apr_size_t end, int caseless,
                                  apr_pool_t *pool)
{
    unsigned char *f = apr_pcalloc(pool, 256);
    int neg = 0, c;

    if (i < end && p[i] == '^') { neg = 1; i++; }
    for (; i < end; i++) {
        unsigned char a = (unsigned char)p[i], b;
        if (a == '\\' || a == '[') return NULL;
        if (i + 2 < end && p[i + 1] == '-' && p[i + 2] != '\\' && p[i + 2] != '[') {
            b = (unsigned char)p[i + 2];
            if (b < a) return NULL;
            for (c = a; c <= b; c++) f[c] = 1;
            i += 2;
        }
        else f[a] = 1;
    }
    if (caseless) {
        for (c = 'a'; c <= 'z'; c++) f[c] = f[c - 32] = f[c] | f[c - 32];
    }
    if (neg) for (c = 0; c < 256; c++) f[c] = !f[c];
    return f;
}

/* ",}" quantifier minimum at P[I] == '{' (0 when not a counted one). */
static apr_size_t count_min(const char *p, apr_size_t i, apr_size_t len)
{
    apr_size_t v = 0;

    if (i >= len || p[i] != '{') return 0;
    for (i++; i < len && apr_isdigit((unsigned char)p[i]) && v < 100000; i++) v = v * 10 + (apr_size_t)(p[i] - '0');
    return v;
}

/* LEAD: the literal run the sequence starts with ("" when it starts with
 * anything else), which a literal just before the group it is in joins. */
static int rx_seq(rx_t *rx, aset_t *best, int depth, const char **lead, apr_size_t *leadlen)
{
    const char *p = rx->p;
    char run[SG_ACM_MAX_ANCHOR];
    apr_size_t n = 0;
    int have = 0, leading = 1;
    aset_t cand;

    *lead = "";
    *leadlen = 0;
#define END_RUN() do { if (leading) { *lead = apr_pstrmemdup(rx->pool, run, n); *leadlen = n; \
        leading = 0; } \
        if (n > 0) { cand.n = 1; cand.s[0] = apr_pstrmemdup(rx->pool, run, n); \
        cand.l[0] = n; rx_offer(rx, depth, best, &have, &cand); } n = 0; } while (0)
    while (rx->i < rx->len && !rx->bad && p[rx->i] != '|' && p[rx->i] != ')') {
        char c = p[rx->i];
        if (c == '(') {
            int kind = 1, ok, q;          /* 1: a group that must match; 0: lookaround */
            aset_t leads;
            apr_size_t pre = n;           /* literal run just before the group */
            char prefix[SG_ACM_MAX_ANCHOR];
            memcpy(prefix, run, n);
            END_RUN();
            rx->i++;
            if (rx->i < rx->len && p[rx->i] == '?') {
                char d = rx->i + 1 < rx->len ? p[rx->i + 1] : 0;
                rx->i++;
                if (d == ':' || d == '>') rx->i++;
                else if (d == '=' || d == '!') { kind = 0; rx->i++; }
                else if (d == '<' && rx->i + 1 < rx->len
                         && (p[rx->i + 1] == '=' || p[rx->i + 1] == '!')) { kind = 0; rx->i += 2; }
                else if (d == '<' || d == 'P' || d == '\'') {
                    while (rx->i < rx->len && p[rx->i] != '>' && p[rx->i] != '\'' + 0
                           && p[rx->i] != ')') rx->i++;
                    if (rx->i < rx->len && (p[rx->i] == '>' || p[rx->i] == '\'')) rx->i++;
                    else { rx->bad = 1; break; }
                }
                else if (d == '-' || apr_isalpha((unsigned char)d)) {
                    /* inline options: (?i) (?s-i) (?i:...) */
                    while (rx->i < rx->len && (p[rx->i] == '-' || apr_isalpha((unsigned char)p[rx->i]))) {
                        if (p[rx->i] == 'x') rx->bad = 1;
                        rx->i++;
                    }
                    if (rx->i < rx->len && p[rx->i] == ')') { rx->i++; continue; }
                    if (rx->i < rx->len && p[rx->i] == ':') rx->i++;
                    else { rx->bad = 1; break; }
                }
                else { rx->bad = 1; break; }   /* comments, conditionals, recursion... */
            }
            ok = rx_alt(rx, &cand, depth + 1, &leads);
            if (rx->bad || rx->i >= rx->len || p[rx->i] != ')') { rx->bad = 1; break; }
            rx->i++;
            q = rx_quantifier(rx);
            if (kind && ok && q != 0) {
                aset_t joined;
                int k;
                rx_offer(rx, depth, best, &have, &cand);
                /* "\$_(?:POST|SERVER\s*\[)": the run just before a group met once,
                 * joined with the literal each branch starts with. */
                if (pre > 0 && leads.n > 0 && q < 0) {
                    joined.n = 0;
                    for (k = 0; k < leads.n && pre + leads.l[k] <= SG_ACM_MAX_ANCHOR; k++) {
                        char *j = apr_palloc(rx->pool, pre + leads.l[k]);
                        memcpy(j, prefix, pre);
                        memcpy(j + pre, leads.s[k], leads.l[k]);
                        joined.s[k] = j;
                        joined.l[k] = pre + leads.l[k];
                        joined.n++;
                    }
                    if (joined.n == leads.n) rx_offer(rx, depth, best, &have, &joined);
                }
            }
            continue;
        }
        if (c == '[') {
            apr_size_t open = rx->i, min;
            END_RUN();
            rx->i = skip_class(p, rx->i, rx->len);
            min = count_min(p, rx->i, rx->len);
            if (depth == 0 && rx->all && min >= SG_SIG_RUN_MIN && min > rx->run_min
                && rx->i <= rx->len) {
                unsigned char *f = class_flags(p, open + 1, rx->i - 1, rx->caseless, rx->pool);
                if (f) { rx->run_class = f; rx->run_min = min; }
            }
            (void)rx_quantifier(rx);
            continue;
        }
        if (c == '\\' && rx->i + 1 < rx->len && !apr_isalnum((unsigned char)p[rx->i + 1])) {
            c = p[rx->i + 1];
            rx->i += 2;
        }
        else if (c == '\\') {
            char d = rx->i + 1 < rx->len ? p[rx->i + 1] : 0;
            END_RUN();
            if (d == 'Q' || d == 'E') { rx->bad = 1; break; }
            rx->i += 2;
            if (rx->i < rx->len && (p[rx->i] == '{' || p[rx->i] == '<')
                && (d == 'x' || d == 'p' || d == 'P' || d == 'g' || d == 'k' || d == 'N' || d == 'o')) {
                while (rx->i < rx->len && p[rx->i] != '}' && p[rx->i] != '>') rx->i++;
                rx->i++;
            }
            else if (d == 'x') {
                while (rx->i < rx->len && apr_isxdigit((unsigned char)p[rx->i])) rx->i++;
            }
            else if (d == 'p' || d == 'P') rx->i++;
            (void)rx_quantifier(rx);
            continue;
        }
        else if (c == '.' || c == '^' || c == '$') {
            END_RUN();
            rx->i++;
            (void)rx_quantifier(rx);
            continue;
        }
        else {
            rx->i++;
        }
        /* A literal byte C, maybe quantified. */
        {
            int q = rx_quantifier(rx);
            if (q == 0) { END_RUN(); continue; }
            if (n == sizeof(run)) END_RUN();
            run[n++] = c;
            if (q > 0) END_RUN();
        }
    }
    END_RUN();
#undef END_RUN
    return have;
}

/* Branches up to ')' or the end; 1 with OUT set when every branch requires
 * one of its literals. */
static int rx_alt(rx_t *rx, aset_t *out, int depth, aset_t *leads)
{
    aset_t br;
    int ok = 1, k, leads_ok = 1;
    const char *lead;
    apr_size_t leadlen;

    out->n = 0;
    leads->n = 0;
    if (depth > 32) { rx->bad = 1; return 0; }
    for (;;) {
        int got = rx_seq(rx, &br, depth, &lead, &leadlen);
        if (leadlen == 0 || leads->n == ASET_MAX) leads_ok = 0;
        else if (leads_ok) { leads->s[leads->n] = lead; leads->l[leads->n++] = leadlen; }
        if (!got) ok = 0;
        else if (ok) {
            if (out->n + br.n > ASET_MAX) ok = 0;
            else for (k = 0; k < br.n; k++) {
                out->s[out->n] = br.s[k];
                out->l[out->n++] = br.l[k];
            }
        }
        if (!rx->bad && rx->i < rx->len && rx->p[rx->i] == '|') { rx->i++; continue; }
        break;
    }
    if (!leads_ok) leads->n = 0;
    return ok && !rx->bad && out->n > 0;
}

/* The anchor sets of PATTERN, every one required (at most MAX, the most
 * selective-looking first), and a required byte-class run: returns how many
 * sets, 0 when none is worth using (a literal shorter than 3 bytes, or a
 * pattern this walk does not follow). */
static int regex_anchor_sets(const char *pat, int caseless, aset_t *sets, int max,
                             unsigned char **run_class, apr_size_t *run_min, apr_pool_t *pool)
{
    rx_t rx;
    aset_t one;
    aset_t leads;
    const char *lead;
    apr_size_t leadlen;
    int k, j;

    *run_class = NULL;
    *run_min = 0;
    if (strstr(pat, "(?x") || strstr(pat, "\\Q")) {
        return 0;
    }
    memset(&rx, 0, sizeof(rx));
    rx.p = pat;
    rx.len = strlen(pat);
    rx.pool = pool;
    rx.caseless = caseless || strstr(pat, "(?") != NULL;   /* inline options: assume i */
    rx.all = apr_palloc(pool, sizeof(aset_t) * 8);
    rx.maxall = 8;
    /* One top-level branch: each of its offers is required. */
    if (rx_seq(&rx, &one, 0, &lead, &leadlen) && !rx.bad && rx.i == rx.len && rx.nall > 0) {
        /* best first (longest shortest literal, then fewest) */
        for (k = 0; k < rx.nall; k++) {
            for (j = k + 1; j < rx.nall; j++) {
                apr_size_t mk = aset_score(&rx.all[k]), mj = aset_score(&rx.all[j]);
                if (mj > mk || (mj == mk && rx.all[j].n < rx.all[k].n)) {
                    aset_t t = rx.all[k]; rx.all[k] = rx.all[j]; rx.all[j] = t;
                }
            }
        }
        for (k = 0; k < rx.nall && k < max; k++) sets[k] = rx.all[k];
        *run_class = rx.run_class;
        *run_min = rx.run_min;
        return k;
    }
    if (!rx.bad && rx.i == rx.len && rx.run_class) {
        *run_class = rx.run_class;
        *run_min = rx.run_min;
    }
    /* Alternation at the top: the union of the branches, if all require one. */
    memset(&rx, 0, sizeof(rx));
    rx.p = pat;
    rx.len = strlen(pat);
    rx.pool = pool;
    if (!rx_alt(&rx, &sets[0], 0, &leads) || rx.i != rx.len || aset_min(&sets[0]) < 3) {
        return 0;
    }
    return 1;
}

static apr_status_t add_anchor(sg_sigset_t *set, sg_sig_t *sig, const char *text,
                               apr_size_t len, sg_acm_t *acm, sg_result_t *res)
{
    if (len < 2) {
        sig->anchor = -1;
        return APR_SUCCESS;
    }
    if (len > SG_ACM_MAX_ANCHOR) {
        len = SG_ACM_MAX_ANCHOR;   /* a prefix is still required */
    }
    sig->anchor = set->nanchors++;
    return sg_acm_add(acm, text, len, sig->anchor, res);
}

/* ---------------------------------------------------------------- adding */

static apr_status_t compile_re(sg_sigset_t *set, const char *pattern, int caseless,
                               pcre2_code **code, const char *where, sg_result_t *res)
{
    int err;
    PCRE2_SIZE off;
    PCRE2_UCHAR msg[160];

    *code = pcre2_compile((PCRE2_SPTR)pattern, strlen(pattern),
                          (caseless ? PCRE2_CASELESS : 0), &err, &off, NULL);
    if (!*code) {
        pcre2_get_error_message(err, msg, sizeof(msg));
        return sg_result_set(res, set->pool, APR_EINVAL, "%s: bad regex at offset %lu: %s",
                             where, (unsigned long)off, (const char *)msg);
    }
    /* JIT is an optimisation: a platform without it still matches correctly. */
    (void)pcre2_jit_compile(*code, PCRE2_JIT_COMPLETE);
    apr_pool_cleanup_register(set->pool, *code, free_code, apr_pool_cleanup_null);
    return APR_SUCCESS;
}

static sg_sig_t *new_sig(sg_sigset_t *set, const char *name, const char *engine,
                         sg_severity_t sev, int targets)
{
    sg_sig_t *sig = apr_pcalloc(set->pool, sizeof(*sig));

    sig->name = apr_pstrdup(set->pool, name);
    sig->engine = engine;
    sig->severity = sev;
    sig->targets = targets;
    sig->anchor = -1;
    sig->mctx = set->mctx;
    return sig;
}

static apr_status_t push_sig(sg_sigset_t *set, sg_sig_t *sig, const char *where,
                             sg_result_t *res)
{
    if (set->sigs->nelts >= SG_SIG_MAX_SIGS) {
        return sg_result_set(res, set->pool, APR_EINVAL, "%s: more than %d signatures",
                             where, SG_SIG_MAX_SIGS);
    }
    APR_ARRAY_PUSH(set->sigs, sg_sig_t *) = sig;
    return APR_SUCCESS;
}

static apr_status_t add_regex_sig(sg_sigset_t *set, sg_sig_t *sig, const char *pattern,
                                  int caseless, const char *where, sg_result_t *res)
{
    char buf[SG_ACM_MAX_ANCHOR];
    apr_size_t alen;
    const char *anchor;
    aset_t asets[1 + SG_SIG_MORE_ANCHORS];
    int nsets;
    apr_status_t rv;

    sig->kind = SIG_RE;
    if ((rv = compile_re(set, pattern, caseless, &sig->code, where, res)) != APR_SUCCESS) {
        return rv;
    }
    nsets = regex_anchor_sets(pattern, caseless, asets, 1 + SG_SIG_MORE_ANCHORS, &sig->run_class,
                              &sig->run_min, set->pool);
    if (nsets > 0) {
        /* One id per set (any of its literals); every set must be seen. */
        int k, q, id;
        for (q = 0; q < nsets; q++) {
        aset_t aset = asets[q];
        id = set->nanchors++;
        if (q == 0) sig->anchor = id;
        else sig->more[sig->nmore++] = id;
        for (k = 0; k < aset.n; k++) {
            apr_size_t l = aset.l[k] > SG_ACM_MAX_ANCHOR ? SG_ACM_MAX_ANCHOR : aset.l[k];
            if ((rv = sg_acm_add(set->acm, aset.s[k], l, id, res)) != APR_SUCCESS) {
                return rv;
            }
        }
        }
    }
    else if ((anchor = regex_anchor(pattern, strlen(pattern), buf, &alen))
             && (rv = add_anchor(set, sig, anchor, alen, set->acm, res)) != APR_SUCCESS) {
        return rv;
    }
    return push_sig(set, sig, where, res);
}

static apr_status_t add_literal_sig(sg_sigset_t *set, sg_sig_t *sig, const char *lit,
                                    apr_size_t len, int b64, const char *where,
                                    sg_result_t *res)
{
    apr_status_t rv;

    sig->kind = b64 ? SIG_B64LIT : SIG_LIT;
    sig->lit = apr_pmemdup(set->pool, lit, len);
    sig->litlen = len;
    set->nb64 += b64;
    rv = add_anchor(set, sig, lit, len, b64 ? set->b64acm : set->acm, res);
    return rv != APR_SUCCESS ? rv : push_sig(set, sig, where, res);
}

/* ---------------------------------------------------------------- native format */

static int valid_name(const char *name)
{
    const char *c;

    for (c = name; *c; c++) {
        if (!apr_isalnum((unsigned char)*c) && !strchr("._-:", *c)) {
            return 0;
        }
    }
    return c != name && c - name <= 128;
}

static int parse_target(const char *word)
{
    static const char *const names[] = { "any", "php", "html", "htaccess" };
    static const int values[] = { SG_TARGET_ANY, SG_TARGET_PHP, SG_TARGET_HTML,
                                  SG_TARGET_HTACCESS };
    int i;

    for (i = 0; i < 4; i++) {
        if (!strcmp(word, names[i])) {
            return values[i];
        }
    }
    return -1;
}

/* Next blank-separated word of *S (advanced past it), or NULL. */
static char *word(char **s)
{
    char *w = *s + strspn(*s, " \t");
    char *end;

    if (!*w) {
        return NULL;
    }
    end = w + strcspn(w, " \t");
    *s = *end ? end + 1 : end;
    *end = '\0';
    return w;
}

static apr_status_t parse_clean(sg_sigset_t *set, sg_sig_t *last, char *rest,
                                const char *where, sg_result_t *res)
{
    char *how = word(&rest);

    if (!last) {
        return sg_result_set(res, set->pool, APR_EINVAL, "%s: 'clean' without a signature",
                             where);
    }
    if (how && !strcmp(how, "match") && !*(rest + strspn(rest, " \t"))) {
        last->clean = CLEAN_MATCH;
        return APR_SUCCESS;
    }
    if (how && !strcmp(how, "re")) {
        rest += strspn(rest, " \t");
        if (!*rest) {
            return sg_result_set(res, set->pool, APR_EINVAL, "%s: 'clean re' needs a PATTERN",
                                 where);
        }
        last->clean = CLEAN_RE;
        return compile_re(set, rest, 0, &last->clean_code, where, res);
    }
    return sg_result_set(res, set->pool, APR_EINVAL,
                         "%s: expected 'clean match' or 'clean re PATTERN'", where);
}

static apr_status_t parse_hex(sg_sigset_t *set, const char *hex, char **out, apr_size_t *len,
                              const char *where, sg_result_t *res)
{
    apr_size_t n = strlen(hex), i;

    if (n == 0 || n % 2) {
        return sg_result_set(res, set->pool, APR_EINVAL, "%s: odd or empty hex pattern", where);
    }
    *out = apr_palloc(set->pool, n / 2);
    for (i = 0; i < n; i += 2) {
        int hi = sg_hex_value(hex[i]), lo = sg_hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            return sg_result_set(res, set->pool, APR_EINVAL, "%s: not a hex digit in '%s'",
                                 where, hex);
        }
        (*out)[i / 2] = (char)(hi * 16 + lo);
    }
    *len = n / 2;
    return APR_SUCCESS;
}

static apr_status_t parse_native_line(sg_sigset_t *set, char *line, sg_sig_t **last,
                                      const char *where, sg_result_t *res)
{
    char *s = line, *name, *sev, *target, *kind, *lit = NULL;
    int targets;
    apr_size_t len = 0;
    sg_sig_t *sig;
    apr_status_t rv;

    if (line[0] == ' ' || line[0] == '\t') {
        char *w = word(&s);
        if (w && !strcmp(w, "clean")) {
            return parse_clean(set, *last, s, where, res);
        }
        return sg_result_set(res, set->pool, APR_EINVAL,
                             "%s: an indented line must be 'clean ...'", where);
    }
    name = word(&s); sev = word(&s); target = word(&s); kind = word(&s);
    s += strspn(s, " \t");
    if (!kind || !*s) {
        return sg_result_set(res, set->pool, APR_EINVAL,
                             "%s: expected NAME SEVERITY TARGET KIND PATTERN", where);
    }
    if (!valid_name(name)) {
        return sg_result_set(res, set->pool, APR_EINVAL, "%s: bad signature name '%s'",
                             where, name);
    }
    if (strcmp(sev, "malicious") && strcmp(sev, "suspicious")) {
        return sg_result_set(res, set->pool, APR_EINVAL,
                             "%s: severity '%s' is not malicious or suspicious", where, sev);
    }
    if ((targets = parse_target(target)) < 0) {
        return sg_result_set(res, set->pool, APR_EINVAL,
                             "%s: target '%s' is not any, php, html or htaccess", where, target);
    }
    sig = new_sig(set, name, "SPAMGEAR",
                  sev[0] == 'm' ? SG_SEV_MALICIOUS : SG_SEV_SUSPICIOUS, targets);
    *last = sig;
    if (!strcmp(kind, "re") || !strcmp(kind, "ire")) {
        return add_regex_sig(set, sig, s, kind[0] == 'i', where, res);
    }
    if (!strcmp(kind, "lit")) {
        return add_literal_sig(set, sig, s, strlen(s), 0, where, res);
    }
    if (!strcmp(kind, "hex")) {
        if ((rv = parse_hex(set, s, &lit, &len, where, res)) != APR_SUCCESS) {
            return rv;
        }
        return add_literal_sig(set, sig, lit, len, 0, where, res);
    }
    return sg_result_set(res, set->pool, APR_EINVAL,
                         "%s: kind '%s' is not re, ire, lit or hex", where, kind);
}

/* Calls FN on each line of TEXT (CR/LF stripped) with "ORIGIN:N" for errors. */
typedef apr_status_t line_fn(sg_sigset_t *set, char *line, int n, void *baton,
                             const char *where, sg_result_t *res);

static apr_status_t each_line(sg_sigset_t *set, const char *origin, const char *text,
                              apr_size_t len, line_fn *fn, void *baton, sg_result_t *res)
{
    apr_pool_t *scratch;
    apr_size_t off = 0;
    apr_status_t rv = APR_SUCCESS;
    int n = 0;

    apr_pool_create(&scratch, set->pool);
    while (off < len && rv == APR_SUCCESS) {
        const char *nl = memchr(text + off, '\n', len - off);
        apr_size_t end = nl ? (apr_size_t)(nl - text) : len, l = end - off;
        char *line;
        const char *where = apr_psprintf(scratch, "%s:%d", origin, ++n);
        if (l > SG_SIG_MAX_LINE) {
            rv = sg_result_set(res, set->pool, APR_EINVAL, "%s: line longer than %d bytes",
                               apr_pstrdup(set->pool, where), SG_SIG_MAX_LINE);
            break;
        }
        while (l > 0 && (text[off + l - 1] == '\r')) l--;
        line = apr_pstrmemdup(scratch, text + off, l);
        if (memchr(text + off, '\0', l)) {
            rv = sg_result_set(res, set->pool, APR_EINVAL, "%s: NUL byte in a rule line", where);
            break;
        }
        rv = fn(set, line, n, baton, where, res);
        off = end + 1;
        apr_pool_clear(scratch);
    }
    apr_pool_destroy(scratch);
    return rv;
}

static apr_status_t native_line(sg_sigset_t *set, char *line, int n, void *baton,
                                const char *where, sg_result_t *res)
{
    const char *t = line + strspn(line, " \t");

    if (!*t || *t == '#') {
        return APR_SUCCESS;
    }
    return parse_native_line(set, line, (sg_sig_t **)baton, where, res);
}

apr_status_t sg_sigset_add_text(sg_sigset_t *set, const char *origin, const char *text,
                                apr_size_t len, sg_result_t *res)
{
    sg_sig_t *last = NULL;

    return each_line(set, origin, text, len, native_line, &last, res);
}

/* ---------------------------------------------------------------- legacy formats */

static apr_status_t fingerprint_line(sg_sigset_t *set, char *line, int n, void *baton,
                                     const char *where, sg_result_t *res)
{
    apr_size_t len;
    sg_sig_t *sig;

    /* The classic tool stripped blanks and numbered lines from 0. */
    while (*line == ' ' || *line == '\t') line++;
    len = strlen(line);
    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t')) len--;
    if (len == 0) {
        return APR_SUCCESS;   /* an empty fingerprint would match every file */
    }
    sig = new_sig(set, apr_psprintf(set->pool, "PHP.Finger.%d", n - 1), "CUSTOM",
                  SG_SEV_MALICIOUS, SG_TARGET_PHP | SG_TARGET_HTML);
    return add_literal_sig(set, sig, line, len, 0, where, res);
}

static apr_status_t backdoor_line(sg_sigset_t *set, char *line, int n, void *baton,
                                  const char *where, sg_result_t *res)
{
    sg_sig_t *sig;
    apr_size_t len = strlen(line);

    while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = '\0';
    while (*line == ' ' || *line == '\t') line++;
    if (!*line) {
        return APR_SUCCESS;
    }
    sig = new_sig(set, apr_psprintf(set->pool, "PHP.Backdoor.%d", n - 1), "CUSTOM",
                  SG_SEV_MALICIOUS, SG_TARGET_PHP | SG_TARGET_HTML);
    sig->clean = CLEAN_MATCH;
    return add_regex_sig(set, sig, line, 0, where, res);
}

/* PHP serialize() subset: s:LEN:"..."; i:N; b:N; d:X; N; and a:N:{...}. */
typedef struct ser_t {
    const char *s, *end;   /* unread input */
} ser_t;

static int ser_string(ser_t *in, const char **str, apr_size_t *len)
{
    char *e;
    unsigned long n;

    if (in->end - in->s < 4 || in->s[0] != 's' || in->s[1] != ':') return -1;
    n = strtoul(in->s + 2, &e, 10);
    if (e >= in->end || *e != ':' || (apr_size_t)(in->end - e) < n + 4 || e[1] != '"') return -1;
    *str = e + 2;
    *len = n;
    if (e[2 + n] != '"' || e[3 + n] != ';') return -1;
    in->s = e + 4 + n;
    return 0;
}

static int ser_skip_scalar(ser_t *in)
{
    const char *semi = memchr(in->s, ';', (apr_size_t)(in->end - in->s));

    if (!semi || in->s >= in->end || !strchr("ibdN", in->s[0])) return -1;
    in->s = semi + 1;
    return 0;
}

static apr_status_t shelldetect_entry(sg_sigset_t *set, const char *key, apr_size_t klen,
                                      const char *val, apr_size_t vlen, const char *where,
                                      sg_result_t *res)
{
    /* "name[version][info][flag]": flags 0/1 were trusted by the classic tool. */
    const char *br = memchr(val, '[', vlen);
    const char *name = apr_pstrmemdup(set->pool, val, br ? (apr_size_t)(br - val) : vlen);
    sg_severity_t sev = SG_SEV_SUSPICIOUS;
    sg_sig_t *sig;
    int field = 0;
    apr_size_t i;

    for (i = br ? (apr_size_t)(br - val) : vlen; i < vlen; i++) {
        if (val[i] == '[' && ++field == 3 && i + 2 < vlen && val[i + 2] == ']'
            && (val[i + 1] == '0' || val[i + 1] == '1')) {
            sev = SG_SEV_MALICIOUS;
        }
    }
    if (!valid_name(name)) {
        name = apr_psprintf(set->pool, "Detector.%d", set->sigs->nelts);
    }
    sig = new_sig(set, name, "DETECTOR", sev, SG_TARGET_PHP | SG_TARGET_HTML);
    if (klen > 3 && !memcmp(key, "bb:", 3)) {
        apr_size_t len;
        char *lit = sg_base64_decode(key + 3, klen - 3, SG_SIG_MAX_LINE, &len, NULL, set->pool);
        if (!lit || len == 0) {
            return sg_result_set(res, set->pool, APR_EINVAL, "%s: bad bb: key", where);
        }
        return add_literal_sig(set, sig, lit, len, 0, where, res);
    }
    return add_literal_sig(set, sig, key, klen, 1, where, res);
}

static apr_status_t load_shelldetect(sg_sigset_t *set, const char *path, const char *text,
                                     apr_size_t len, int *loaded, sg_result_t *res)
{
    apr_size_t plen;
    char *plain = sg_base64_decode(text, len, SG_SIG_MAX_FILE, &plen, NULL, set->pool), *e;
    ser_t in;
    unsigned long n, i;
    const char *where = apr_psprintf(set->pool, "%s:1", path);
    apr_status_t rv;

    if (!plain || plen < 6 || strncmp(plain, "a:", 2)) {
        return sg_result_set(res, set->pool, APR_EINVAL,
                             "%s: not base64 of a PHP-serialized array", where);
    }
    n = strtoul(plain + 2, &e, 10);
    if (*e != ':' || e[1] != '{' || n > SG_SIG_MAX_SIGS) {
        return sg_result_set(res, set->pool, APR_EINVAL,
                             "%s: bad array header (or more than %d entries)", where,
                             SG_SIG_MAX_SIGS);
    }
    in.s = e + 2;
    in.end = plain + plen;
    for (i = 0; i < n; i++) {
        const char *key, *val;
        apr_size_t klen, vlen;
        if (ser_string(&in, &key, &klen) != 0) {
            return sg_result_set(res, set->pool, APR_EINVAL,
                                 "%s: entry %lu: key is not a string", where, i + 1);
        }
        if (ser_string(&in, &val, &vlen) != 0) {
            if (ser_skip_scalar(&in) == 0) continue;   /* "version" => i:N and friends */
            return sg_result_set(res, set->pool, APR_EINVAL,
                                 "%s: entry %lu: bad value", where, i + 1);
        }
        if ((klen == 7 && !memcmp(key, "version", 7)) || klen == 0) {
            continue;
        }
        if ((rv = shelldetect_entry(set, key, klen, val, vlen, where, res)) != APR_SUCCESS) {
            return rv;
        }
        ++*loaded;
    }
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- files */

static int ends_with(const char *s, const char *suffix)
{
    apr_size_t a = strlen(s), b = strlen(suffix);

    return a >= b && !strcmp(s + a - b, suffix);
}

/* Which loader reads NAME: 'n'ative, 'f'ingerprints, 'b'ackdoors, 'd'etector, 0: none. */
static int format_of(const char *name)
{
    if (ends_with(name, ".sigs")) return 'n';
    if (ends_with(name, "fingerprints.txt")) return 'f';
    if (ends_with(name, ".re")) return 'b';
    if (ends_with(name, "shelldetect.db")) return 'd';
    return 0;
}

static apr_status_t read_whole(const char *path, char **text, apr_size_t *len,
                               apr_pool_t *p, sg_result_t *res)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ, 0, p);

    if (rv != APR_SUCCESS) {
        return sg_result_set(res, p, rv, "%s: cannot open", path);
    }
    if ((rv = apr_file_info_get(&fi, APR_FINFO_SIZE, f)) == APR_SUCCESS
        && fi.size > SG_SIG_MAX_FILE) {
        apr_file_close(f);
        return sg_result_set(res, p, APR_EINVAL, "%s: larger than the %d MB rule file limit",
                             path, SG_SIG_MAX_FILE >> 20);
    }
    *text = apr_palloc(p, (apr_size_t)fi.size + 1);
    *len = (apr_size_t)fi.size;
    if (rv == APR_SUCCESS && *len > 0) {
        rv = apr_file_read_full(f, *text, *len, len);
    }
    apr_file_close(f);
    if (rv != APR_SUCCESS && rv != APR_EOF) {
        return sg_result_set(res, p, rv, "%s: cannot read", path);
    }
    (*text)[*len] = '\0';
    return APR_SUCCESS;
}

apr_status_t sg_sigset_load_file(sg_sigset_t *set, const char *path, int *loaded,
                                 sg_result_t *res)
{
    char *text = NULL;
    apr_size_t len = 0;
    int before = set->sigs->nelts, n = 0, fmt = format_of(sg_path_basename(path));
    apr_status_t rv;

    if ((rv = read_whole(path, &text, &len, set->pool, res)) != APR_SUCCESS) {
        return rv;
    }
    switch (fmt) {
    case 'f': rv = each_line(set, path, text, len, fingerprint_line, NULL, res); break;
    case 'b': rv = each_line(set, path, text, len, backdoor_line, NULL, res); break;
    case 'd': rv = load_shelldetect(set, path, text, len, &n, res); break;
    default: rv = sg_sigset_add_text(set, path, text, len, res); break;
    }
    if (loaded) {
        *loaded = set->sigs->nelts - before;
    }
    return rv;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

apr_status_t sg_sigset_load_dir(sg_sigset_t *set, const char *dir, int *loaded,
                                sg_result_t *res)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    apr_array_header_t *names = apr_array_make(set->pool, 16, sizeof(const char *));
    apr_status_t rv = apr_dir_open(&d, dir, set->pool);
    int i, n;

    *loaded = 0;
    if (rv != APR_SUCCESS) {
        return sg_result_set(res, set->pool, rv, "%s: cannot open the signature directory", dir);
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (fi.name[0] != '.' && format_of(fi.name) && fi.filetype != APR_DIR) {
            APR_ARRAY_PUSH(names, const char *) = apr_pstrdup(set->pool, fi.name);
        }
    }
    apr_dir_close(d);
    qsort(names->elts, (size_t)names->nelts, sizeof(const char *), cmp_names);
    for (i = 0; i < names->nelts; i++) {
        const char *path = apr_pstrcat(set->pool, dir, "/",
                                       APR_ARRAY_IDX(names, i, const char *), NULL);
        if ((rv = sg_sigset_load_file(set, path, &n, res)) != APR_SUCCESS) {
            return rv;
        }
        *loaded += n;
    }
    return APR_SUCCESS;
}

apr_status_t sg_sigset_compile(sg_sigset_t *set, sg_result_t *res)
{
    sg_acm_compile(set->acm);
    sg_acm_compile(set->b64acm);
    set->compiled = 1;
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- matching */

static int ext_in(const char *ext, const char *const *list)
{
    for (; *list; list++) {
        if (!strcasecmp(ext, *list)) return 1;
    }
    return 0;
}

int sg_sig_target_of(const char *name, const char *buf, apr_size_t len)
{
    static const char *const php[] = { "php", "php3", "php4", "php5", "php7", "php8", "phtml",
                                       "pht", "phps", "inc", "module", NULL };
    static const char *const html[] = { "html", "htm", "shtml", "js", "tpl", "twig", NULL };
    const char *base = name ? sg_path_basename(name) : "";
    const char *dot = strrchr(base, '.');
    int t = 0;

    if (!strcmp(base, ".htaccess") || !strcmp(base, ".user.ini") || !strcmp(base, "php.ini")) {
        t |= SG_TARGET_HTACCESS;
    }
    if (dot && ext_in(dot + 1, php)) {
        t |= SG_TARGET_PHP | SG_TARGET_HTML;
    }
    else if (dot && ext_in(dot + 1, html)) {
        t |= SG_TARGET_HTML;
    }
    if (!(t & SG_TARGET_PHP) && (sg_memfind(buf, len, "<?php", 5) || sg_memfind(buf, len, "<?=", 3)
                                 || sg_memfind(buf, len, "<?PHP", 5))) {
        t |= SG_TARGET_PHP | SG_TARGET_HTML;
    }
    if (!name || !*base) {
        t |= SG_TARGET_HTML;   /* an upload without a usable name */
    }
    return t;
}

/* Runs a compiled pattern; returns 1 on a match (sets *START and *END), 0 on
 * none, -1 when a limit was hit. */
static int run_re(pcre2_match_context *mctx, pcre2_code *code, const char *buf, apr_size_t len,
                  apr_size_t from, pcre2_match_data *md, apr_size_t *start, apr_size_t *end)
{
    int rc = pcre2_match(code, (PCRE2_SPTR)buf, len, from, 0, md, mctx);

    if (rc == PCRE2_ERROR_JIT_STACKLIMIT) {
        /* Deep backtracking: retry once with a larger JIT stack for this call. */
        pcre2_match_context *mc = pcre2_match_context_copy(mctx);
        pcre2_jit_stack *st = pcre2_jit_stack_create(64 * 1024, 4 * 1024 * 1024, NULL);
        pcre2_jit_stack_assign(mc, NULL, st);
        rc = pcre2_match(code, (PCRE2_SPTR)buf, len, from, 0, md, mc);
        pcre2_jit_stack_free(st);
        pcre2_match_context_free(mc);
    }
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        *start = ov[0];
        *end = ov[1];
        return 1;
    }
    return rc == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static int try_sig(const sg_sigset_t *set, const sg_sig_t *sig, const char *buf,
                   apr_size_t len, const char *b64, apr_size_t b64len, pcre2_match_data *md,
                   sg_sig_hit_t *hit)
{
    const char *at;

    hit->sig = sig;
    switch (sig->kind) {
    case SIG_RE:
        return run_re(sig->mctx, sig->code, buf, len, 0, md, &hit->start, &hit->end);
    case SIG_LIT:
        at = sg_memfind(buf, len, sig->lit, sig->litlen);
        if (!at) return 0;
        hit->start = (apr_size_t)(at - buf);
        hit->end = hit->start + sig->litlen;
        return 1;
    case SIG_B64LIT:
        hit->start = hit->end = 0;
        return b64 && sg_memfind(b64, b64len, sig->lit, sig->litlen) != NULL;
    }
    return 0;
}

static int more_seen(const sg_sig_t *sig, const unsigned char *seen)
{
    int k;

    for (k = 0; k < sig->nmore; k++) {
        if (!seen[sig->more[k]]) return 0;
    }
    return 1;
}

/* A run of sig->run_min bytes of sig->run_class somewhere in BUF: probed
 * every run_min bytes (a run that long covers a probe), then measured. */
static int has_run(const sg_sig_t *sig, const char *buf, apr_size_t len)
{
    const unsigned char *b = (const unsigned char *)buf, *f = sig->run_class;
    apr_size_t m = sig->run_min, i, lo, hi;

    for (i = m - 1; i < len; i += m) {
        if (!f[b[i]]) continue;
        for (lo = i; lo > 0 && i - lo + 1 < m && f[b[lo - 1]]; lo--);
        for (hi = i + 1; hi < len && hi - lo < m && f[b[hi]]; hi++);
        if (hi - lo >= m) return 1;
    }
    return 0;
}

void sg_sigset_match(const sg_sigset_t *set, const char *buf, apr_size_t len, int targets,
                     apr_array_header_t *hits, int max, apr_pool_t *p, const char **note)
{
    unsigned char *seen = apr_pcalloc(p, (apr_size_t)set->nanchors + 1);
    const char *b64 = NULL;
    apr_size_t b64len = 0;
    pcre2_match_data *md;
    int i, found = 0;

    *note = NULL;
    if (set->sigs->nelts == 0) {
        return;
    }
    sg_acm_scan(set->acm, buf, len, seen);
    if (set->nb64 && (targets & (SG_TARGET_PHP | SG_TARGET_HTML))) {
        b64 = sg_base64_encode(buf, len, &b64len, p);
        sg_acm_scan(set->b64acm, b64, b64len, seen);
    }
    md = pcre2_match_data_create(1, NULL);
    for (i = 0; i < set->sigs->nelts && found < max; i++) {
        const sg_sig_t *sig = APR_ARRAY_IDX(set->sigs, i, const sg_sig_t *);
        sg_sig_hit_t hit;
        int rc;
        if ((sig->targets && !(sig->targets & targets)) || (sig->anchor >= 0 && !seen[sig->anchor])
            || !more_seen(sig, seen) || (sig->run_min && !has_run(sig, buf, len))) {
            continue;
        }
        rc = try_sig(set, sig, buf, len, b64, b64len, md, &hit);
        if (rc > 0) {
            *(sg_sig_hit_t *)apr_array_push(hits) = hit;
            found++;
        }
        else if (rc < 0) {
            *note = apr_psprintf(p, "signature %s hit the PCRE2 match limit (%d)", sig->name,
                                 SG_SIG_MATCH_LIMIT);
        }
    }
    pcre2_match_data_free(md);
}

/* ---------------------------------------------------------------- cleaning */

apr_status_t sg_sig_clean(const sg_sig_hit_t *hit, const char *buf, apr_size_t len,
                          char **out, apr_size_t *outlen, apr_pool_t *p)
{
    const sg_sig_t *sig = hit->sig;
    pcre2_code *code = sig->clean == CLEAN_RE ? sig->clean_code : sig->code;
    pcre2_match_data *md;
    apr_size_t from = 0, s, e, n = 0;
    char *o;

    if (sig->clean == CLEAN_NONE || (sig->kind != SIG_RE && sig->clean == CLEAN_MATCH
                                     && sig->kind != SIG_LIT)) {
        return APR_ENOTIMPL;
    }
    o = apr_palloc(p, len + 1);
    md = pcre2_match_data_create(1, NULL);
    while (from <= len) {
        int rc;
        if (sig->clean == CLEAN_MATCH && sig->kind == SIG_LIT) {
            const char *at = sg_memfind(buf + from, len - from, sig->lit, sig->litlen);
            rc = at != NULL;
            if (rc) { s = (apr_size_t)(at - buf); e = s + sig->litlen; }
        }
        else {
            rc = run_re(sig->mctx, code, buf, len, from, md, &s, &e);
        }
        if (rc <= 0) break;
        memcpy(o + n, buf + from, s - from);
        n += s - from;
        from = e > s ? e : e + 1;   /* an empty match must still advance */
        if (e == s && s < len) o[n++] = buf[s];
    }
    pcre2_match_data_free(md);
    if (from < len) {
        memcpy(o + n, buf + from, len - from);
        n += len - from;
    }
    o[n] = '\0';
    *out = o;
    *outlen = n;
    return APR_SUCCESS;
}
