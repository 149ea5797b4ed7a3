/* sg_sig.c: signature sets: native and legacy loaders, prefilter, matching. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_acm.h"
#include "sg_codec.h"
#include "sg_memfind.h"
#include "sg_path.h"
#include "sg_php_lex.h"
#include "sg_sig.h"

/* The prefilter's reading of a regex (see "prefilter anchors"). */
#define AN_MAX_LIT 32      /* bytes of a literal kept (a prefix is still required) */
#define AN_MAX_ALTS 16     /* literals in one factor */
#define AN_MAX_FACTORS 3   /* factors kept per regex (the most selective) */
#define AN_MIN_LEN 3       /* shorter literals occur everywhere: not worth a factor */
#define AN_MIN_RUN 32      /* "[A-Za-z0-9+/]{4000}": a class run this long is a factor too */
#define LEAD_MAX 16        /* literals a match may begin with, at most */
#define LEAD_PUNCT "_/-@<>!,:=%&~;\"'`"   /* bytes that stand for themselves in a regex */
#define LEAD_GAP 64        /* starts closer than this are tried in one pcre2_match */
#define LEAD_MAX_POS 16384 /* their occurrences recorded per scan, at most */
#define LEAD_MIN_LEN 16384 /* shorter content: regexes are searched from 0 (the common
                              words among leading literals would cost the prefilter
                              more than they save) */

typedef enum {
    SIG_RE,        /* PCRE2 on the content */
    SIG_LIT,       /* exact bytes in the content */
    SIG_B64LIT     /* exact bytes in the base64 of the content (shelldetect.db) */
} sig_kind_t;

typedef enum { CLEAN_NONE, CLEAN_MATCH, CLEAN_RE } clean_kind_t;

struct sg_sig_t {
    const char *name;           /* e.g. PHP.Backdoor.EvalRequest */
    const char *engine;         /* SPAMGEAR, CUSTOM, DETECTOR */
    sg_severity_t severity;     /* malicious or suspicious */
    int targets;                /* sg_target_t bits; 0 = any */
    sig_kind_t kind;            /* how PATTERN matches */
    pcre2_code *code;           /* SIG_RE */
    const char *lit;            /* SIG_LIT, SIG_B64LIT */
    apr_size_t litlen;          /* bytes of lit */
    int anchor[AN_MAX_FACTORS]; /* prefilter ids, all needed (each: one literal of a set) */
    int nanchors;               /* of them; 0: always tried */
    apr_size_t runlen;          /* > 0: tried only on a run this long of runcls bytes */
    const unsigned char *runcls;/* 256 flags */
    clean_kind_t clean;         /* cleaning rule */
    pcre2_code *clean_code;     /* CLEAN_RE */
    pcre2_match_context *mctx;  /* the set's match limits */
    int lead;                   /* nlead > 0: first of nlead prefilter ids (positional), one
                                   per literal every match begins with */
    int nlead;                  /* of them; 0: the regex is tried from the start */
    unsigned char leadlen[LEAD_MAX]; /* bytes of each of those literals */
};

struct sg_sigset_t {
    apr_pool_t *pool;              /* owns sigs and compiled code */
    apr_array_header_t *sigs;      /* of sg_sig_t * */
    sg_acm_t *acm;                 /* anchors in the content */
    sg_acm_t *leadacm;             /* the same, and leading literals (positional): for
                                      content of LEAD_MIN_LEN bytes or more */
    sg_acm_t *b64acm;              /* anchors in the content's base64 */
    int nanchors;                  /* ids handed out (shared by both automata) */
    int nb64;                      /* SIG_B64LIT signatures */
    int targets;                   /* union of the signatures' targets */
    int untargeted;                /* signatures for any file */
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
    set->leadacm = sg_acm_create(p);
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

/* What a regex needs in every match, for the prefilter: a conjunction of
 * factors, each a set of literals at least one of which occurs. */

typedef struct an_factor_t {
    int n;                                 /* literals; 0: none */
    unsigned char len[AN_MAX_ALTS];        /* bytes of each */
    char lit[AN_MAX_ALTS][AN_MAX_LIT];     /* the literals */
} an_factor_t;

typedef struct an_conj_t {
    int n;                                 /* factors, all required */
    an_factor_t f[AN_MAX_FACTORS];         /* each: one of its literals required */
    apr_size_t runlen;                     /* > 0: also RUNLEN bytes in a row of runcls */
    unsigned char runcls[256];             /* 1: the byte is in the class */
} an_conj_t;

/* Shortest literal of F: the higher, the fewer files pass. */
static int an_score(const an_factor_t *f)
{
    int i, m = AN_MAX_LIT + 1;

    for (i = 0; i < f->n; i++) {
        if (f->len[i] < m) m = f->len[i];
    }
    return f->n ? m * 64 - f->n : 0;
}

/* Non-zero when A and B hold the same literals (only the LEN[j] bytes of
 * each are set; the rest of a literal's slot is garbage). */
static int same_factor(const an_factor_t *a, const an_factor_t *b)
{
    int j;

    if (a->n != b->n) return 0;
    for (j = 0; j < a->n; j++) {
        if (a->len[j] != b->len[j] || memcmp(a->lit[j], b->lit[j], a->len[j])) return 0;
    }
    return 1;
}

/* Adds F to C when it is worth it, keeping the AN_MAX_FACTORS best. */
static void an_keep(an_conj_t *c, const an_factor_t *f)
{
    int i, worst = 0;

    if (f->n == 0 || an_score(f) < AN_MIN_LEN * 64 - AN_MAX_ALTS) {
        return;
    }
    for (i = 0; i < f->n; i++) {
        if (f->len[i] < AN_MIN_LEN) return;
    }
    for (i = 0; i < c->n; i++) {
        if (same_factor(&c->f[i], f)) {
            return;   /* the same factor twice ("\$_(?:GET)...\$_(?:GET)") */
        }
    }
    if (c->n < AN_MAX_FACTORS) {
        c->f[c->n++] = *f;
        return;
    }
    for (i = 1; i < c->n; i++) {
        if (an_score(&c->f[i]) < an_score(&c->f[worst])) worst = i;
    }
    if (an_score(f) > an_score(&c->f[worst])) c->f[worst] = *f;
}

/* Skips a [...] class starting at P[I] == '['; returns the index after it. */
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

/* The pattern being read. */
typedef struct an_ctx_t {
    const char *p;      /* the pattern */
    apr_size_t len;     /* its bytes */
    apr_size_t i;       /* where reading is */
    int bad;            /* 1: a construct not understood: no prefilter at all */
    int seq_pure;       /* the last branch read was only literal bytes: seq_lit */
    int alt_pure;       /* the last alternation read was only literals: alt */
    int group_lits;     /* the last group read is needed once, and is alt */
    an_factor_t seq_lit;/* see seq_pure */
    an_factor_t alt;    /* see alt_pure */
    int top_branches;   /* branches of the whole pattern */
    apr_size_t runlen;  /* the longest class run a top-level branch needs, or 0 */
    unsigned char runcls[256]; /* its class */
} an_ctx_t;

static void an_alt(an_ctx_t *x, int depth, an_conj_t *out);

/* Skips a quantifier at X->i, if any; returns -1 when there is none, 0
 * when the atom before it may be absent, 1 when it stays required. */
static int an_quant(an_ctx_t *x)
{
    const char *p = x->p;
    int min;

    if (x->i >= x->len) return -1;
    if (p[x->i] == '?' || p[x->i] == '*' || p[x->i] == '+') {
        min = p[x->i] == '+';
        x->i++;
    }
    else if (p[x->i] == '{' && x->i + 1 < x->len && apr_isdigit((unsigned char)p[x->i + 1])) {
        min = atoi(p + x->i + 1) > 0;
        while (x->i < x->len && p[x->i] != '}') x->i++;
        x->i++;
    }
    else return -1;
    if (x->i < x->len && (p[x->i] == '?' || p[x->i] == '+')) x->i++;   /* lazy, possessive */
    return min;
}

/* A group at X->i == '('; its factors go to OUT when every match needs them. */
static void an_group(an_ctx_t *x, int depth, an_conj_t *out)
{
    const char *p = x->p;
    an_conj_t sub;
    apr_size_t k;
    int counts = 1, j, q;

    x->group_lits = 0;
    if (++depth > 8) { x->bad = 1; return; }
    x->i++;
    if (x->i < x->len && p[x->i] == '?') {
        k = x->i + 1;
        if (k + 1 < x->len && (p[k] == '<' || p[k] == 'P' || p[k] == '\'')
            && p[k + 1] != '=' && p[k + 1] != '!') {
            for (k++; k < x->len && p[k] != '>' && p[k] != '\''; k++) {}   /* a name */
            if (p[x->i + 1] == 'P' && p[x->i + 2] != '<') { x->bad = 1; return; }
        }
        else {
            for (; k < x->len && (apr_isalpha((unsigned char)p[k]) || p[k] == '-' || p[k] == '^'); k++) {
                if (p[k] == 'x') { x->bad = 1; return; }   /* extended: spaces mean nothing */
            }
            if (k >= x->len || p[k] == '(' || p[k] == '#' || p[k] == 'C'
                || apr_isdigit((unsigned char)p[k]) || p[k] == '&' || p[k] == 'R') {
                x->bad = 1;   /* conditions, comments, callouts, recursion */
                return;
            }
            if (p[k] == ')') { x->i = k + 1; return; }   /* (?i): flags only */
            counts = p[k] == ':';    /* lookarounds, atomic, (?|: not counted */
        }
        x->i = k + 1;
    }
    an_alt(x, depth, &sub);
    if (x->i >= x->len || p[x->i] != ')') { x->bad = 1; return; }
    x->i++;
    if ((q = an_quant(x)) == 0) counts = 0;
    /* Only literals: the caller's run takes them (and keeps them if it cannot). */
    x->group_lits = counts && q < 0 && x->alt_pure;
    for (j = 0; counts && !x->group_lits && j < sub.n; j++) an_keep(out, &sub.f[j]);
}

/* At depth 0, "[a-z0-9+/]{N}" with N >= AN_MIN_RUN (a class of plain bytes
 * and ranges from FROM to X->i) is remembered when it is the longest yet. */
static void an_class_run(an_ctx_t *x, apr_size_t from)
{
    const char *p = x->p;
    unsigned char cls[256];
    apr_size_t k = from + 1, end = x->i - 1;   /* between '[' and ']' */
    long n;

    if (x->i >= x->len || p[x->i] != '{' || !apr_isdigit((unsigned char)p[x->i + 1])
        || (n = atol(p + x->i + 1)) < AN_MIN_RUN || (apr_size_t)n <= x->runlen
        || k >= end || p[k] == '^') {
        return;
    }
    memset(cls, 0, sizeof(cls));
    for (; k < end; k++) {
        unsigned char a = (unsigned char)p[k], b = a;
        int c;
        if (a == '\\' || a == '[') return;   /* escapes, POSIX classes: not read */
        if (k + 2 < end && p[k + 1] == '-') { b = (unsigned char)p[k + 2]; k += 2; }
        for (c = a; c <= b; c++) {
            cls[c] = 1;
            cls[apr_tolower(c)] = cls[apr_toupper(c)] = 1;   /* caseless rules too */
        }
    }
    memcpy(x->runcls, cls, sizeof(cls));
    x->runlen = (apr_size_t)n;
}

/* RUN followed by one of ALT's literals (the run goes on after the group). */
static void an_cross(an_factor_t *run, const an_factor_t *alt)
{
    an_factor_t pre = *run;
    int i, j;

    run->n = 0;
    for (i = 0; i < pre.n; i++) {
        for (j = 0; j < alt->n; j++) {
            apr_size_t n = pre.len[i], m = alt->len[j];
            if (n + m > AN_MAX_LIT) m = AN_MAX_LIT - n;
            memcpy(run->lit[run->n], pre.lit[i], n);
            memcpy(run->lit[run->n] + n, alt->lit[j], m);
            run->len[run->n++] = (unsigned char)(n + m);
        }
    }
}

/* One branch: literal runs, groups, classes up to '|' or ')'.  A run is a
 * set of literals: "\$_(?:POST|GET)\[" reads as "$_post[" or "$_get[", far
 * rarer than "get". */
static void an_seq(an_ctx_t *x, int depth, an_conj_t *out)
{
    const char *p = x->p;
    an_factor_t run;
    int q, pure = 1, j;

    memset(out, 0, sizeof(*out));
    run.n = 1;
    run.len[0] = 0;
#define END_RUN() do { if (run.len[0]) an_keep(out, &run); run.n = 1; run.len[0] = 0; pure = 0; } while (0)
    while (!x->bad && x->i < x->len && p[x->i] != '|' && p[x->i] != ')') {
        char c = p[x->i];
        if (c == '(') {
            an_factor_t pre = run;
            an_group(x, depth, out);
            pure = 0;
            if (x->group_lits && run.n * x->alt.n <= AN_MAX_ALTS) {
                an_cross(&run, &x->alt);
            }
            else {
                run = pre;
                END_RUN();
                if (x->group_lits) an_keep(out, &x->alt);
            }
            continue;
        }
        if (c == '[') {
            apr_size_t from = x->i;
            END_RUN();
            x->i = skip_class(p, x->i, x->len);
            if (depth == 0) an_class_run(x, from);
            an_quant(x);
            continue;
        }
        if (c == '\\' && x->i + 1 < x->len && !apr_isalnum((unsigned char)p[x->i + 1])) {
            c = p[x->i + 1];
            x->i += 2;
        }
        else if (c == '\\' && x->i + 1 < x->len && strchr("pPkgNocu", p[x->i + 1])) {
            x->bad = 1;   /* escapes with arguments: not worth reading */
            break;
        }
        else if (c == '\\' && x->i + 1 < x->len && p[x->i + 1] == 'x') {
            int h = 0;
            x->i += 2;
            if (x->i < x->len && p[x->i] == '{') { x->bad = 1; break; }
            while (h < 2 && x->i < x->len && apr_isxdigit((unsigned char)p[x->i])) { x->i++; h++; }
            END_RUN();   /* \xHH could be named, but rules rarely need it */
            an_quant(x);
            continue;
        }
        else if (c == '\\' || c == '.' || c == '^' || c == '$' || c == '*' || c == '+'
                 || c == '?' || c == '{') {
            /* \s \d \b \1 ...: not one literal byte */
            x->i += c == '\\' ? 2 : 1;
            while (c == '\\' && x->i < x->len && apr_isdigit((unsigned char)p[x->i])
                   && apr_isdigit((unsigned char)p[x->i - 1])) x->i++;   /* \12 */
            END_RUN();
            an_quant(x);
            continue;
        }
        else x->i++;
        q = an_quant(x);
        if (q == 0) { END_RUN(); continue; }
        for (j = 0; j < run.n; j++) {
            if (run.len[j] < AN_MAX_LIT) run.lit[j][run.len[j]++] = c;
        }
        if (q == 1) END_RUN();   /* "x+": x is there, what follows may not touch it */
    }
    x->seq_pure = pure && run.n == 1 && run.len[0] > 0 && run.len[0] < AN_MAX_LIT;
    x->seq_lit = run;
    if (run.len[0]) an_keep(out, &run);
#undef END_RUN
}

/* Branches up to ')' or the end: one factor, the union of each branch's best. */
static void an_alt(an_ctx_t *x, int depth, an_conj_t *out)
{
    an_conj_t br;
    an_factor_t u, lits;
    int first = 1, ok = 1, pure = 1, j, best;

    memset(out, 0, sizeof(*out));
    u.n = lits.n = 0;
    x->alt_pure = 0;
    for (;;) {
        an_seq(x, depth, &br);
        if (x->bad) return;
        if (!x->seq_pure || lits.n == AN_MAX_ALTS) pure = 0;
        else {
            memcpy(lits.lit[lits.n], x->seq_lit.lit[0], x->seq_lit.len[0]);
            lits.len[lits.n++] = x->seq_lit.len[0];
        }
        if (depth == 0 && !first) x->top_branches = 2;
        if (first && (x->i >= x->len || x->p[x->i] != '|')) {
            *out = br;
            x->alt = lits;
            x->alt_pure = pure;
            return;
        }
        first = 0;
        for (best = -1, j = 0; j < br.n; j++) {
            if (best < 0 || an_score(&br.f[j]) > an_score(&br.f[best])) best = j;
        }
        if (best < 0 || u.n + br.f[best].n > AN_MAX_ALTS) ok = 0;
        for (j = 0; ok && j < br.f[best].n; j++) {
            memcpy(u.lit[u.n], br.f[best].lit[j], br.f[best].len[j]);
            u.len[u.n++] = br.f[best].len[j];
        }
        if (x->i >= x->len || x->p[x->i] != '|') break;
        x->i++;
    }
    if (ok) an_keep(out, &u);
    x->alt = lits;
    x->alt_pure = pure;
}

/* Fills C with what every match of PATTERN needs; C->n is 0 when nothing
 * usable was found (the regex is then tried on every file of its target). */
static void regex_anchors(const char *pat, an_conj_t *c)
{
    an_ctx_t x;

    memset(&x, 0, sizeof(x));
    x.p = pat;
    x.len = strlen(pat);

    if (strstr(pat, "\\Q") || strstr(pat, "(*")) {
        memset(c, 0, sizeof(*c));
        return;   /* quoting, verbs: not worth reading */
    }
    an_alt(&x, 0, c);
    if (x.bad || x.i < x.len) {
        c->n = 0;   /* not understood, or an unbalanced ')' */
        return;
    }
    if (x.top_branches < 2 && x.runlen) {   /* a branch's run is not the pattern's */
        c->runlen = x.runlen;
        memcpy(c->runcls, x.runcls, sizeof(c->runcls));
    }
}

/* An anchor in the content: in both automata, the one for short content
 * and the one that also holds the leading literals. */
static apr_status_t add_content_anchor(sg_sigset_t *set, const char *text, apr_size_t len,
                                       int id, sg_result_t *res)
{
    apr_status_t rv = sg_acm_add(set->acm, text, len, id, res);

    return rv != APR_SUCCESS ? rv : sg_acm_add(set->leadacm, text, len, id, res);
}

static apr_status_t add_anchor(sg_sigset_t *set, sg_sig_t *sig, const char *text,
                               apr_size_t len, sg_acm_t *acm, sg_result_t *res)
{
    if (len < 2) {
        sig->nanchors = 0;
        return APR_SUCCESS;
    }
    if (len > SG_ACM_MAX_ANCHOR) {
        len = SG_ACM_MAX_ANCHOR;   /* a prefix is still required */
    }
    sig->anchor[0] = set->nanchors++;
    sig->nanchors = 1;
    if (acm == set->acm) return add_content_anchor(set, text, len, sig->anchor[0], res);
    return sg_acm_add(acm, text, len, sig->anchor[0], res);
}

/* A regex's factors: one prefilter id each, shared by its literals. */
static apr_status_t add_regex_anchors(sg_sigset_t *set, sg_sig_t *sig, const an_conj_t *c,
                                      sg_result_t *res)
{
    apr_status_t rv;
    int f, j;

    for (f = 0; f < c->n; f++) {
        int id = set->nanchors++;
        for (j = 0; j < c->f[f].n; j++) {
            if ((rv = add_content_anchor(set, c->f[f].lit[j], c->f[f].len[j], id, res))
                != APR_SUCCESS) {
                return rv;
            }
        }
        sig->anchor[sig->nanchors++] = id;
    }
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- leading literals */

/* The literals one of which every match of a regex begins with (after only
 * \b or ^): matching then starts at their occurrences, which the prefilter
 * records, instead of at every byte of a long file. */

typedef struct lead_t {
    int n;                                /* literals; -1: not known */
    unsigned char len[LEAD_MAX];          /* bytes of each */
    char lit[LEAD_MAX][AN_MAX_LIT];       /* the literals */
} lead_t;

/* Advances *I past the rest of a branch: to the '|' or ')' that ends it. */
static void lead_skip(const char *p, apr_size_t *i, apr_size_t len)
{
    int depth = 0;

    while (*i < len) {
        char c = p[*i];
        if (c == '\\') *i += 2;
        else if (c == '[') *i = skip_class(p, *i, len);
        else if (c == '(') { depth++; (*i)++; }
        else if ((c == ')' || c == '|') && depth == 0) return;
        else { depth -= c == ')'; (*i)++; }
    }
}

/* A literal run at P[*I]: letters, digits, '_', punctuation that is no
 * regex syntax (LEAD_PUNCT: not even under (?x), which gives '#' and
 * space a meaning) and escaped punctuation, less a last byte a quantifier
 * makes optional.  0 when shorter than 3. */
static int lead_lit(const char *p, apr_size_t *i, apr_size_t len, lead_t *out)
{
    char lit[AN_MAX_LIT];
    apr_size_t n = 0, atoms = 0;

    while (*i < len) {
        unsigned char c = (unsigned char)p[*i];
        if (c < 0x80 && (apr_isalnum(c) || (c && strchr(LEAD_PUNCT, c)))) (*i)++;
        else if (c == '\\' && *i + 1 < len && (unsigned char)p[*i + 1] < 0x80
                 && apr_ispunct(p[*i + 1])) { c = (unsigned char)p[*i + 1]; *i += 2; }
        else break;
        if (n < AN_MAX_LIT) lit[n++] = (char)c;
        atoms++;
    }
    /* "safe_?mode": the '_' may be absent; a truncated run kept no last atom. */
    if (*i < len && (p[*i] == '?' || p[*i] == '*' || p[*i] == '{') && atoms == n && n) n--;
    if (n < 3 || out->n >= LEAD_MAX) return 0;
    memcpy(out->lit[out->n], lit, n);
    out->len[out->n++] = (unsigned char)n;
    return 1;
}

static int lead_alt(const char *p, apr_size_t *i, apr_size_t len, lead_t *out, int depth);

/* One branch: zero-width \b or ^, then a literal or a group needed once. */
static int lead_branch(const char *p, apr_size_t *i, apr_size_t len, lead_t *out, int depth)
{
    for (;;) {
        if (*i + 1 < len && p[*i] == '\\' && p[*i + 1] == 'b') *i += 2;
        else if (*i < len && p[*i] == '^') (*i)++;
        else break;
    }
    if (*i < len && p[*i] == '(') {
        (*i)++;
        if (*i < len && p[*i] == '?') {
            if (*i + 1 >= len || p[*i + 1] != ':') return 0;
            *i += 2;
        }
        if (depth > 4 || !lead_alt(p, i, len, out, depth + 1)) return 0;
        if (*i >= len || p[*i] != ')') return 0;
        (*i)++;
        if (*i < len && (p[*i] == '?' || p[*i] == '*' || p[*i] == '{')) return 0;
    }
    else if (!lead_lit(p, i, len, out)) {
        return 0;
    }
    lead_skip(p, i, len);
    return 1;
}

static int lead_alt(const char *p, apr_size_t *i, apr_size_t len, lead_t *out, int depth)
{
    for (;;) {
        if (!lead_branch(p, i, len, out, depth)) return 0;
        if (*i >= len || p[*i] != '|') return 1;
        (*i)++;
    }
}

/* Fills L with the literals every match of PAT begins with; L->n is 0 when
 * they are not known. */
static void regex_leads(const char *pat, lead_t *l)
{
    apr_size_t i = 0, len = strlen(pat);

    l->n = 0;
    if (strstr(pat, "\\Q") || strstr(pat, "(*") || strstr(pat, "\\G")
        || !lead_alt(pat, &i, len, l, 0) || i < len) {
        l->n = 0;
    }
}

/* ---------------------------------------------------------------- adding */

/* CASELESS: PCRE2_CASELESS; facts rules also get PCRE2_MULTILINE (2), so
 * that ^ and $ anchor at each fact line; 4: PCRE2_USE_OFFSET_LIMIT. */
static apr_status_t compile_re(sg_sigset_t *set, const char *pattern, int caseless,
                               pcre2_code **code, const char *where, sg_result_t *res)
{
    int err;
    PCRE2_SIZE off;
    PCRE2_UCHAR msg[160];

    *code = pcre2_compile((PCRE2_SPTR)pattern, strlen(pattern),
                          (caseless & 1 ? PCRE2_CASELESS : 0)
                          | (caseless & 2 ? PCRE2_MULTILINE : 0)
                          | (caseless & 4 ? PCRE2_USE_OFFSET_LIMIT : 0), &err, &off, NULL);
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
    set->targets |= sig->targets;
    set->untargeted += !sig->targets;
    return APR_SUCCESS;
}

static apr_status_t add_regex_sig(sg_sigset_t *set, sg_sig_t *sig, const char *pattern,
                                  int caseless, const char *where, sg_result_t *res)
{
    an_conj_t c;
    lead_t l;
    apr_status_t rv;
    int j;

    sig->kind = SIG_RE;
    regex_leads(pattern, &l);
    if ((rv = compile_re(set, pattern, caseless | (sig->targets == SG_TARGET_FACTS ? 2 : 0)
                         | (l.n ? 4 : 0), &sig->code, where, res)) != APR_SUCCESS) {
        return rv;
    }
    sig->lead = set->nanchors;
    for (j = 0; j < l.n; j++) {
        if ((rv = sg_acm_add_pos(set->leadacm, l.lit[j], l.len[j], set->nanchors++, res))
            != APR_SUCCESS) {
            return rv;
        }
        sig->leadlen[sig->nlead++] = l.len[j];
    }
    regex_anchors(pattern, &c);
    if ((rv = add_regex_anchors(set, sig, &c, res)) != APR_SUCCESS) {
        return rv;
    }
    if (c.runlen) {
        sig->runlen = c.runlen;
        sig->runcls = apr_pmemdup(set->pool, c.runcls, sizeof(c.runcls));
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
    static const char *const names[] = { "any", "php", "html", "htaccess", "facts", "script" };
    static const int values[] = { SG_TARGET_ANY, SG_TARGET_PHP, SG_TARGET_HTML,
                                  SG_TARGET_HTACCESS, SG_TARGET_FACTS, SG_TARGET_SCRIPT };
    int i;

    for (i = 0; i < 6; i++) {
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
                             "%s: target '%s' is not any, php, html, htaccess or facts", where, target);
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
    sg_acm_compile(set->leadacm);
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

/* "<%" then "%>" in the first 4 KB: ASP, ASP.NET or JSP code, whatever the
 * file's name. */
/* 1 when BUF[0..N) holds runat="server" (or runat=server), any case: an
 * ASP.NET server-side script block.  Looks only at each '='. */
static int has_runat_server(const char *buf, apr_size_t n)
{
    const char *p = buf, *end = buf + n;

    while ((p = memchr(p, '=', (apr_size_t)(end - p))) != NULL) {
        const char *v = p + 1;
        if (p - buf >= 5 && !strncasecmp(p - 5, "runat", 5)) {
            if (v < end && *v == '"') v++;
            if (end - v >= 6 && !strncasecmp(v, "server", 6)) return 1;
        }
        p++;
    }
    return 0;
}

static int has_server_tags(const char *buf, apr_size_t len)
{
    apr_size_t n = len < 4096 ? len : 4096;
    const char *p = buf, *end = buf + n;
    const char *nl;

    /* a Perl CGI script: "#!/usr/bin/perl" on its first line */
    if (n > 2 && buf[0] == '#' && buf[1] == '!') {
        nl = memchr(buf, '\n', n);
        if (sg_memfind(buf, nl ? (apr_size_t)(nl - buf) : n, "perl", 4)) return 1;
    }
    /* ASP.NET's server-side script block: <script runat="server"> */
    if (has_runat_server(buf, n)) return 1;

    while ((p = memchr(p, '<', (apr_size_t)(end - p))) != NULL && p + 1 < end) {
        if (p[1] == '%') {
            for (p += 2; (p = memchr(p, '%', (apr_size_t)(end - p))) != NULL && p + 1 < end; p++) {
                if (p[1] == '>') return 1;
            }
            return 0;
        }
        p++;
    }
    return 0;
}

int sg_sig_target_of(const char *name, const char *buf, apr_size_t len)
{
    static const char *const php[] = { "php", "php3", "php4", "php5", "php7", "php8", "phtml",
                                       "pht", "phps", "inc", "module", NULL };
    /* xsl, xslt: stylesheets whose php:function() calls run PHP (PHP.Shell.XslFunction) */
    static const char *const html[] = { "html", "htm", "shtml", "js", "tpl", "twig", "xsl", "xslt",
                                        NULL };
    static const char *const script[] = { "asp", "aspx", "asa", "asax", "ascx", "ashx", "asmx",
                                          "cer", "cdx", "jsp", "jspx", "jspf", "cfm", "cfc",
                                          "pl", "cgi", NULL };
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
    if (!(t & SG_TARGET_PHP) && sg_php_find_open_tag(buf, len) >= 0) {
        t |= SG_TARGET_PHP | SG_TARGET_HTML;
    }
    if ((dot && ext_in(dot + 1, script)) || has_server_tags(buf, len)) {
        t |= SG_TARGET_SCRIPT;
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

/* Non-zero when BUF holds RUN bytes in a row that CLS flags.  Probes every
 * RUN-th byte: a byte outside the class rules out every run over it. */
static int has_run(const char *buf, apr_size_t len, const unsigned char *cls, apr_size_t run)
{
    const unsigned char *s = (const unsigned char *)buf;
    apr_size_t start = 0;

    while (len >= run && start <= len - run) {
        apr_size_t probe = start + run - 1, back = probe;
        if (!cls[s[probe]]) {
            start = probe + 1;
            continue;
        }
        while (back > start && cls[s[back - 1]]) back--;
        if (back > start) {           /* a gap in [start, probe): start after it */
            start = back;
            continue;
        }
        return 1;                     /* [start, probe] is all in the class */
    }
    return 0;
}

/* A scan's occurrences of leading literals, by id, and the match context
 * that limits a search to a few of them (made on first use). */
typedef struct lead_scan_t {
    int on;                     /* 0: the content is too short, nothing below is set */
    sg_acm_posbuf_t pb;         /* occurrences of every signature's leading literals */
    int *first;                 /* after lead_sort: id's occurrences are by[first[id]] to
                                   by[first[id + 1]] (exclusive) */
    apr_size_t *by;             /* their end offsets, grouped by id */
    pcre2_match_context *mc;    /* the set's limits, and an offset limit; or NULL */
    apr_pool_t *p;              /* for the starts */
} lead_scan_t;

/* Groups the recorded occurrences by id (a counting sort over NIDS ids). */
static void lead_sort(lead_scan_t *ls, int nids)
{
    int i, *fill = apr_pcalloc(ls->p, sizeof(int) * (apr_size_t)(nids + 1));

    ls->first = apr_pcalloc(ls->p, sizeof(int) * (apr_size_t)(nids + 2));
    ls->by = apr_palloc(ls->p, sizeof(apr_size_t) * (apr_size_t)(ls->pb.n + 1));
    for (i = 0; i < ls->pb.n; i++) ls->first[ls->pb.pos[i].id + 1]++;
    for (i = 0; i < nids + 1; i++) ls->first[i + 1] += ls->first[i];
    for (i = 0; i < ls->pb.n; i++) {
        int id = ls->pb.pos[i].id;
        ls->by[ls->first[id] + fill[id]++] = ls->pb.pos[i].end;
    }
}

static int cmp_size(const void *a, const void *b)
{
    apr_size_t x = *(const apr_size_t *)a, y = *(const apr_size_t *)b;

    return x < y ? -1 : x > y;
}

/* Where SIG's matches may begin, ascending, in *START; returns how many,
 * or -1 when some occurrence found no room in the list. */
static int lead_starts(const sg_sig_t *sig, lead_scan_t *ls, apr_size_t **start)
{
    int k, j, n = 0;

    for (k = 0; k < sig->nlead; k++) {
        if (ls->pb.lost[sig->lead + k]) return -1;
        n += ls->first[sig->lead + k + 1] - ls->first[sig->lead + k];
    }
    *start = apr_palloc(ls->p, sizeof(apr_size_t) * (apr_size_t)(n + 1));
    n = 0;
    for (k = 0; k < sig->nlead; k++) {
        for (j = ls->first[sig->lead + k]; j < ls->first[sig->lead + k + 1]; j++) {
            (*start)[n++] = ls->by[j] - sig->leadlen[k];
        }
    }
    qsort(*start, (size_t)n, sizeof(apr_size_t), cmp_size);
    return n;
}

/* Runs SIG's regex only from where one of its leading literals occurs, in
 * increasing order: the leftmost match, as a search from 0 finds it (a
 * match can begin nowhere else).  Starts closer than LEAD_GAP share one
 * search, whose offset limit is the last of them.  As run_re. */
static int lead_match(const sg_sig_t *sig, const char *buf, apr_size_t len, lead_scan_t *ls,
                      pcre2_match_data *md, sg_sig_hit_t *hit)
{
    apr_size_t *start;
    int i, n = lead_starts(sig, ls, &start), rc;

    if (n < 0 || (!ls->mc && !(ls->mc = pcre2_match_context_copy(sig->mctx)))) {
        return run_re(sig->mctx, sig->code, buf, len, 0, md, &hit->start, &hit->end);
    }
    for (i = 0; i < n; i++) {
        apr_size_t from = start[i];
        while (i + 1 < n && start[i + 1] - start[i] < LEAD_GAP) i++;
        pcre2_set_offset_limit(ls->mc, start[i]);
        if ((rc = run_re(ls->mc, sig->code, buf, len, from, md, &hit->start, &hit->end))) {
            return rc;
        }
    }
    return 0;
}

static int try_sig(const sg_sigset_t *set, const sg_sig_t *sig, const char *buf,
                   apr_size_t len, const char *b64, apr_size_t b64len, pcre2_match_data *md,
                   lead_scan_t *ls, sg_sig_hit_t *hit)
{
    const char *at;

    hit->sig = sig;
    switch (sig->kind) {
    case SIG_RE:
        if (sig->nlead && ls->on) return lead_match(sig, buf, len, ls, md, hit);
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

void sg_sigset_match(const sg_sigset_t *set, const char *buf, apr_size_t len, int targets,
                     apr_array_header_t *hits, int max, apr_pool_t *p, const char **note)
{
    unsigned char *seen = apr_pcalloc(p, (apr_size_t)set->nanchors + 1);
    const char *b64 = NULL;
    apr_size_t b64len = 0;
    pcre2_match_data *md;
    lead_scan_t ls;
    int i, found = 0;

    *note = NULL;
    /* No signature for this kind of file (an image upload, say): not one
     * byte needs reading. */
    if (set->sigs->nelts == 0 || (!set->untargeted && !(set->targets & targets))) {
        return;
    }
    ls.on = len >= LEAD_MIN_LEN;
    ls.mc = NULL;
    ls.p = p;
    if (ls.on) {
        ls.pb.max = LEAD_MAX_POS;
        ls.pb.pos = apr_palloc(p, sizeof(sg_acm_pos_t) * (apr_size_t)ls.pb.max);
        ls.pb.n = 0;
        ls.pb.lost = apr_pcalloc(p, (apr_size_t)set->nanchors + 1);
        sg_acm_scan_pos(set->leadacm, buf, len, seen, &ls.pb);
        lead_sort(&ls, set->nanchors);
    }
    else {
        sg_acm_scan(set->acm, buf, len, seen);
    }
    if (set->nb64 && (targets & (SG_TARGET_PHP | SG_TARGET_HTML))) {
        b64 = sg_base64_encode(buf, len, &b64len, p);
        sg_acm_scan(set->b64acm, b64, b64len, seen);
    }
    md = pcre2_match_data_create(1, NULL);
    for (i = 0; i < set->sigs->nelts && found < max; i++) {
        const sg_sig_t *sig = APR_ARRAY_IDX(set->sigs, i, const sg_sig_t *);
        sg_sig_hit_t hit;
        int rc, k;
        /* The analyser's facts are not file content: only facts rules read them. */
        if (sig->targets ? !(sig->targets & targets) : (targets & SG_TARGET_FACTS) != 0) {
            continue;
        }
        for (k = 0; k < sig->nanchors && seen[sig->anchor[k]]; k++) {}
        if (k < sig->nanchors || (sig->runlen && !has_run(buf, len, sig->runcls, sig->runlen))) {
            continue;
        }
        rc = try_sig(set, sig, buf, len, b64, b64len, md, &ls, &hit);
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
    if (ls.mc) pcre2_match_context_free(ls.mc);
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
