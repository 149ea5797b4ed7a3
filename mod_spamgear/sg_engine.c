/* sg_engine.c: every detector over one buffer; findings out. */
#include <clamav.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "sg_archive.h"
#include "sg_clamav.h"
#include "sg_codec.h"
#include "sg_deobf.h"
#include "sg_engine.h"
#include "sg_log.h"
#include "sg_memfind.h"
#include "sg_media.h"
#include "sg_php_lex.h"
#include "sg_php_taint.h"

struct sg_engine_t {
    apr_pool_t *pool;             /* owns everything below */
    sg_engine_options_t opts;     /* copy of the caller's */
    sg_sigset_t *sigs;            /* project and legacy rules */
    sg_av_t *av;                  /* ClamAV backend, or NULL when off */
    apr_hash_t *whitelist;        /* sha256 hex -> "" (known-good files) */
    int loaded;                   /* sg_engine_load ran */
    const char *av_down;          /* clamd was configured but unreachable: why */
    const sg_matcher_t *matchers[SG_ENGINE_MAX_MATCHERS]; /* the host's (YARA) */
    int nmatchers;
};

void sg_engine_options_default(sg_engine_options_t *opts)
{
    memset(opts, 0, sizeof(*opts));
    opts->clamav = "off";
    opts->clamd_timeout = SG_CLAMD_DEFAULT_TIMEOUT;
    opts->decode = 1;
    opts->decode_depth = 8;
    opts->decode_max = 8 * 1024 * 1024;
    opts->analyse = 1;
    opts->budget = SG_ENGINE_DEFAULT_BUDGET;
}

apr_status_t sg_engine_create(sg_engine_t **engine, apr_pool_t *p,
                              const sg_engine_options_t *opts, sg_result_t *res)
{
    sg_engine_t *e = apr_pcalloc(p, sizeof(*e));
    const char *mode = opts->clamav ? opts->clamav : "off";

    if (strcmp(mode, "off") && strncmp(mode, "engine", 6) && strncmp(mode, "socket ", 7)
        && strncmp(mode, "tcp ", 4)) {
        return sg_result_set(res, p, APR_EINVAL,
                             "unknown ClamAV mode '%s' (expected off, engine [DBDIR], "
                             "socket PATH or tcp HOST:PORT)", mode);
    }
    e->pool = p;
    e->opts = *opts;
    e->opts.clamav = apr_pstrdup(p, mode);
    e->sigs = sg_sigset_create(p);
    sg_php_init();
    e->whitelist = apr_hash_make(p);
    *engine = e;
    return APR_SUCCESS;
}

static apr_status_t open_av(sg_engine_t *e, const char *sigdir, sg_result_t *res)
{
    const char *mode = e->opts.clamav;

    if (!strcmp(mode, "off")) {
        return APR_SUCCESS;
    }
    if (!strncmp(mode, "engine", 6)) {
        const char *db = mode + 6;
        db += strspn(db, " \t");
        return sg_clamav_open_engine(&e->av, e->pool, *db ? db : SG_ENGINE_DEFAULT_CLAMAV_DB,
                                     *db != '\0', sigdir, res);
    }
    if (sg_clamav_open_clamd(&e->av, e->pool, strchr(mode, ' ') + 1, e->opts.clamd_fildes,
                             e->opts.clamd_timeout, !e->opts.clamd_no_ping, res) == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    if (!e->opts.clamd_optional) {
        return res->status;
    }
    /* the other engines still run; the caller reports what was not consulted */
    e->av = NULL;
    e->av_down = apr_pstrdup(e->pool, res->problem ? res->problem : "clamd failed");
    res->status = APR_SUCCESS;
    res->problem = NULL;
    return APR_SUCCESS;
}

const char *sg_engine_clamav_down(const sg_engine_t *e)
{
    return e->av_down;
}

apr_status_t sg_engine_load(sg_engine_t *e, const char *sigdir, sg_result_t *res)
{
    int n = 0;
    apr_status_t rv;

    if (sigdir && (rv = sg_sigset_load_dir(e->sigs, sigdir, &n, res)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = sg_sigset_compile(e->sigs, res)) != APR_SUCCESS) {
        return rv;
    }
    if ((rv = open_av(e, sigdir, res)) != APR_SUCCESS) {
        return rv;
    }
    e->loaded = 1;
    sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, e->pool,
                  "engine: %d project signatures from %s; ClamAV %s (%u signatures)", n,
                  sigdir ? sigdir : "(none)", e->av ? e->av->name : "off",
                  e->av ? e->av->sigs : 0);
    return APR_SUCCESS;
}

apr_status_t sg_engine_add_rules(sg_engine_t *e, const char *origin, const char *text,
                                 sg_result_t *res)
{
    return sg_sigset_add_text(e->sigs, origin, text, strlen(text), res);
}

apr_status_t sg_engine_add_matcher(sg_engine_t *e, const sg_matcher_t *m)
{
    if (e->nmatchers >= SG_ENGINE_MAX_MATCHERS) return APR_ENOSPC;
    e->matchers[e->nmatchers++] = m;
    return APR_SUCCESS;
}

apr_status_t sg_engine_load_whitelist(sg_engine_t *e, const char *path, sg_result_t *res)
{
    apr_file_t *f;
    char line[1024];
    int n = 0;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED, 0, e->pool);

    if (rv != APR_SUCCESS) {
        return sg_result_set(res, e->pool, rv, "%s: cannot open the whitelist", path);
    }
    while ((rv = apr_file_gets(line, sizeof(line), f)) == APR_SUCCESS) {
        apr_size_t hex = strspn(line, "0123456789abcdef");
        n++;
        if (line[0] == '#' || line[0] == '\n') {
            continue;
        }
        if (hex != 64 || (line[64] != ' ' && line[64] != '\t' && line[64] != '\n')) {
            apr_file_close(f);
            return sg_result_set(res, e->pool, APR_EINVAL,
                                 "%s:%d: expected a lower-case SHA-256 in hex", path, n);
        }
        apr_hash_set(e->whitelist, apr_pstrmemdup(e->pool, line, 64), 64, "");
    }
    apr_file_close(f);
    return APR_SUCCESS;
}

const char *sg_sha256_hex(const char *buf, apr_size_t len, apr_pool_t *p)
{
    unsigned char digest[32];
    unsigned int olen = sizeof(digest);

    if (!cl_hash_data("sha256", buf, len, digest, &olen) || olen != 32) {
        return "";
    }
    return sg_hex_encode(digest, 32, p);
}

int sg_engine_sig_count(const sg_engine_t *e)
{
    return sg_sigset_count(e->sigs);
}

unsigned sg_engine_clamav_count(const sg_engine_t *e)
{
    return e->av ? e->av->sigs : 0;
}

/* ---------------------------------------------------------------- scanning */

/* ---------------------------------------------------------------- budget */

/* CPU time this thread has used, in microseconds: a file's budget is CPU,
 * not wall time, so a loaded machine does not make clean files "expensive". */
static apr_interval_time_t thread_cpu_now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) {
        return 0;
    }
    return (apr_interval_time_t)ts.tv_sec * APR_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* The monotonic clock in microseconds (read without a system call, unlike
 * a thread's CPU clock). */
static apr_interval_time_t mono_now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
    return (apr_interval_time_t)ts.tv_sec * APR_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* A file's CPU budget.  A thread gets at most one CPU second per second, so
 * until the monotonic clock reaches QUIET the CPU clock cannot have reached
 * DEADLINE and is not read: a check is then a vDSO call, not a system call
 * (three or four per file, each 1.5 us on a paravirtualised VM). */
typedef struct budget_t {
    apr_interval_time_t deadline;     /* thread CPU time to stop at (0: none) */
    apr_interval_time_t quiet;        /* monotonic time before which it cannot be */
} budget_t;

/* The thread's last CPU clock reading and the monotonic time it was taken. */
#define CPU_READING_FRESH 1000        /* us: a reading this recent stands for now */
static __thread apr_interval_time_t last_cpu, last_cpu_mono;

/* The thread's CPU time at monotonic time NOW, or a little less: a reading
 * taken under CPU_READING_FRESH before stands for it (the CPU clock never
 * runs faster than the monotonic one, so a budget started from it ends at
 * most that much early, never late).  A scan of many small files then makes
 * one system call per millisecond, not one per file. */
static apr_interval_time_t thread_cpu_at(apr_interval_time_t now)
{
    if (last_cpu_mono && now >= last_cpu_mono && now - last_cpu_mono < CPU_READING_FRESH) {
        return last_cpu;
    }
    last_cpu = thread_cpu_now();
    last_cpu_mono = now;
    return last_cpu;
}

/* Starts a budget of LIMIT (0: none) at the thread's CPU time now. */
static void budget_start(budget_t *b, apr_interval_time_t limit)
{
    apr_interval_time_t now;

    if (limit <= 0) {
        b->deadline = b->quiet = 0;
        return;
    }
    now = mono_now();
    b->deadline = thread_cpu_at(now) + limit;
    b->quiet = now + limit;
}

/* 1 when the budget B is spent; moves its quiet time on when not. */
static int budget_over(budget_t *b)
{
    apr_interval_time_t now, cpu;

    if (!b->deadline || ((now = mono_now()) < b->quiet && now != 0)) return 0;
    cpu = thread_cpu_now();
    last_cpu = cpu;
    last_cpu_mono = now;
    if (cpu >= b->deadline) return 1;
    b->quiet = now + (b->deadline - cpu);
    return 0;
}

/* What is left of the budget B (0: no limit; 1 at least while not spent),
 * from a CPU reading at most CPU_READING_FRESH old (a little more than is
 * left, never less: the budget itself still ends it). */
static apr_interval_time_t budget_left(const budget_t *b)
{
    apr_interval_time_t left;

    if (!b->deadline) return 0;
    left = b->deadline - thread_cpu_at(mono_now());
    return left > 0 ? left : 1;
}

/* The state of one sg_engine_scan_buffer() call. */
typedef struct scan_t {
    sg_engine_t *e;
    const char *name;                 /* file name, or NULL */
    int targets;                      /* sg_target_t bits of the file */
    apr_array_header_t *findings;     /* of sg_finding_t */
    budget_t *budget;                 /* the file's (an archive's members share it) */
    int over;                         /* 1: the budget is spent */
    int decided;                      /* 1: malicious, and the caller wants no more */
    apr_pool_t *p;
} scan_t;

/* Marks the file's budget spent and says so, as a finding (once). */
static void spend_budget(scan_t *sc)
{
    sg_finding_t *f;

    if (sc->over) return;
    sc->over = 1;
    f = apr_array_push(sc->findings);
    memset(f, 0, sizeof(*f));
    f->engine = "SPAMGEAR";
    f->signature = SG_ENGINE_BUDGET_SIGNATURE;
    f->severity = SG_SEV_SUSPICIOUS;
}

/* 1 when the file's budget is spent (and says so once, as a finding), or
 * when the verdict is in and the caller asked to stop there. */
static int budget_spent(scan_t *sc)
{
    if (sc->over || sc->decided) return 1;
    if (!budget_over(sc->budget)) return 0;
    spend_budget(sc);
    return 1;
}

/* ---------------------------------------------------------------- scanning */

static int already(apr_array_header_t *findings, const char *engine, const char *signature)
{
    int i;

    for (i = 0; i < findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(findings, i, sg_finding_t);
        if (!strcmp(f->signature, signature) && !strcmp(f->engine, engine)) {
            return 1;
        }
    }
    return 0;
}

/* The line of TEXT that holds byte AT (facts: one per line). */
static const char *line_at(const char *text, apr_size_t len, apr_size_t at, apr_pool_t *p)
{
    apr_size_t s = at, e = at;

    while (s > 0 && text[s - 1] != '\n') s--;
    while (e < len && text[e] != '\n') e++;
    return apr_pstrmemdup(p, text + s, e - s);
}

/* " line=N " in a fact: the file line it points at (0 when none). */
static int fact_line(const char *fact)
{
    const char *l = strstr(fact, " line=");

    return l ? atoi(l + 6) : 0;
}

static void run_matchers(scan_t *sc, const char *buf, apr_size_t len, int layer);

static void match_layer(scan_t *sc, const char *buf, apr_size_t len, int targets, int layer)
{
    apr_array_header_t *hits = apr_array_make(sc->p, 4, sizeof(sg_sig_hit_t));
    const char *note;
    int i;

    if (budget_spent(sc)) return;
    sg_sigset_match(sc->e->sigs, buf, len, targets, hits,
                    SG_ENGINE_MAX_FINDINGS - sc->findings->nelts, sc->p, &note);
    if (note) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, APR_SUCCESS, sc->p, "%s: %s",
                      sc->name ? sc->name : "(buffer)", note);
    }
    for (i = 0; i < hits->nelts && sc->findings->nelts < SG_ENGINE_MAX_FINDINGS; i++) {
        const sg_sig_hit_t *h = &APR_ARRAY_IDX(hits, i, sg_sig_hit_t);
        sg_finding_t *f;
        if (already(sc->findings, sg_sig_engine(h->sig), sg_sig_name(h->sig))) {
            continue;
        }
        f = apr_array_push(sc->findings);
        memset(f, 0, sizeof(*f));
        f->engine = sg_sig_engine(h->sig);
        f->signature = sg_sig_name(h->sig);
        f->severity = sg_sig_severity(h->sig);
        f->layer = layer;
        f->hit = *h;
        if (f->severity == SG_SEV_MALICIOUS && sc->e->opts.first_malicious) sc->decided = 1;
        if (targets == SG_TARGET_FACTS) {
            f->detail = line_at(buf, len, h->start, sc->p);
            f->line = layer == 0 ? fact_line(f->detail) : 0;
            memset(&f->hit, 0, sizeof(f->hit));
            f->hit.sig = h->sig;   /* facts are not file bytes: nothing to clean */
        }
    }
    /* the file itself goes to the host's matchers once, from scan_buffer */
    if (layer > 0 && targets != SG_TARGET_FACTS) run_matchers(sc, buf, len, layer);
}

/* The host's matchers (YARA) over BUF at LAYER, within what is left of the
 * file's budget: their running out of it spends the budget. */
static void run_matchers(scan_t *sc, const char *buf, apr_size_t len, int layer)
{
    sg_matcher_input_t in;
    apr_array_header_t *hits;
    apr_status_t rv;
    int m, i;

    in.name = sc->name;
    in.buf = buf;
    in.len = len;
    in.layer = layer;
    for (m = 0; m < sc->e->nmatchers; m++) {
        const sg_matcher_t *mt = sc->e->matchers[m];
        if ((layer > 0 && !mt->wants_layers) || budget_spent(sc)) continue;
        hits = apr_array_make(sc->p, 2, sizeof(sg_matcher_hit_t));
        in.limit = budget_left(sc->budget);
        rv = mt->match(mt->baton, &in, hits, sc->p);
        for (i = 0; i < hits->nelts && sc->findings->nelts < SG_ENGINE_MAX_FINDINGS; i++) {
            const sg_matcher_hit_t *h = &APR_ARRAY_IDX(hits, i, sg_matcher_hit_t);
            sg_finding_t *f;
            if (already(sc->findings, mt->engine, h->name)) continue;
            f = apr_array_push(sc->findings);
            memset(f, 0, sizeof(*f));
            f->engine = mt->engine;
            f->signature = h->name;
            f->severity = h->severity;
            f->detail = h->detail;
            f->layer = layer;
            if (f->severity == SG_SEV_MALICIOUS && sc->e->opts.first_malicious) sc->decided = 1;
        }
        if (rv == APR_TIMEUP) spend_budget(sc);   /* it had what was left */
        else if (rv != APR_SUCCESS) {
            sg_log_perror(SG_LOG_MARK, SG_LOG_WARNING, rv, sc->p, "%s: %s failed",
                          sc->name ? sc->name : "(buffer)", mt->engine);
        }
    }
}

static int over_budget_cb(void *baton)
{
    return budget_spent(baton);
}

static int code_payloads(const sg_php_facts_t *facts)
{
    int i, n = 0;

    for (i = 0; i < facts->payloads->nelts; i++) {
        n += APR_ARRAY_IDX(facts->payloads, i, sg_php_payload_t).sink != NULL;
    }
    return n;
}

/* 1 when the facts TEXT hold a "decoded code" fact: the layer runs a
 * constant it decoded. */
static int runs_decoded(const char *text, apr_size_t len)
{
    static const char line[] = "\ndecoded code ";   /* a fact starts a line */
    apr_size_t n = sizeof(line) - 1;

    return (len >= n - 1 && !memcmp(text, line + 1, n - 1)) || sg_memfind(text, len, line, n);
}

/* DECODED layers in a row each ran a constant they decoded: from two on,
 * one fact says so, as a two-decoder expression would (eval(base64_decode(
 * 'ZXZhbChiYXNlNjRfZGVjb2RlKC...')) is a payload hidden twice). */
static void nested_decoded(scan_t *sc, int decoded, int layer)
{
    char fact[64];
    int n;

    if (decoded < 2) return;
    n = apr_snprintf(fact, sizeof(fact), "decoded code layers depth=%d line=0", decoded);
    match_layer(sc, fact, (apr_size_t)n, SG_TARGET_FACTS, layer);
}

/* 1 when a finding of the file (not of an archive member) is malicious. */
static int has_malicious(const scan_t *sc)
{
    int i;

    for (i = 0; i < sc->findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(sc->findings, i, sg_finding_t);
        if (f->severity == SG_SEV_MALICIOUS && !f->member) return 1;
    }
    return 0;
}

/* The PHP analyser over BUF (CODE: an eval'd payload, not a file) at LAYER;
 * its facts go through the facts rules and its payloads are analysed again,
 * down to SG_ENGINE_PAYLOAD_DEPTH and within *BYTES_LEFT.  MATCH: BUF is a
 * payload the signatures should read too.
 *
 * An onion (a layer whose only payload is the next layer: packed shells
 * nest 30-90) is peeled in a loop, each layer in a pool of its own that is
 * dropped once the next one is out, so memory stays at two layers.  Its
 * middle layers only wrap the next one: the signatures read the first
 * SG_ENGINE_MATCHED_WRAPPERS layers and the core, not every wrapper.  Past
 * SG_ENGINE_ONION_PEEL layers, an onion already judged malicious is not
 * peeled further: the verdict stands, only the core's names are not read. */
static void analyse(scan_t *sc, const char *buf, apr_size_t len, int code, int layer,
                    apr_size_t *bytes_left, int match, int decoded)
{
    apr_pool_t *held = NULL, *lp;
    sg_php_limits_t lim;
    sg_php_facts_t facts;
    const sg_php_payload_t *pl;
    const char *text;
    apr_size_t tlen;
    int i, next, peeled = 0;

    lim.over_budget = over_budget_cb;
    lim.baton = sc;
    for (;;) {
        if (budget_spent(sc)) break;
        apr_pool_create(&lp, sc->p);
        lim.max_bytes = *bytes_left;
        sg_php_analyse(buf, len, code, &lim, lp, &facts);
        text = sg_php_facts_text(&facts, &tlen, lp);
        if (tlen > 0) match_layer(sc, text, tlen, SG_TARGET_FACTS, layer);
        /* DECODED counts the layers above this one that ran a decoded
         * constant; this one's payload came from such a sink when it did */
        decoded = runs_decoded(text, tlen) ? decoded + 1 : 0;
        nested_decoded(sc, decoded, layer);
        if (match && (code_payloads(&facts) == 0 || layer <= SG_ENGINE_MATCHED_WRAPPERS + 1)) {
            match_layer(sc, buf, len, sc->targets | SG_TARGET_PHP | SG_TARGET_HTML, layer);
        }
        if (held) apr_pool_destroy(held);   /* BUF's own storage: read for good */
        held = lp;
        /* Layers are numbered as the de-obfuscator's: 1 is its normalised
         * copy of the file, so the first decoded payload is layer 2. */
        next = layer == 0 ? 2 : layer + 1;
        if (next > SG_ENGINE_PAYLOAD_DEPTH + 1) break;
        pl = facts.payloads->nelts == 1 ? &APR_ARRAY_IDX(facts.payloads, 0, sg_php_payload_t)
                                        : NULL;
        if (pl && pl->sink && ++peeled > SG_ENGINE_ONION_PEEL && has_malicious(sc)) {
            /* a deep onion already judged malicious: its core would only
             * name the shell, at the cost of inflating every layer (92
             * layers of 110 KB are 35 ms) */
            break;
        }
        if (pl && pl->sink && pl->len <= *bytes_left) {
            *bytes_left -= pl->len;
            buf = pl->buf;
            len = pl->len;
            code = 1;
            layer = next;
            match = 1;
            continue;
        }
        for (i = 0; i < facts.payloads->nelts && !sc->over; i++) {
            pl = &APR_ARRAY_IDX(facts.payloads, i, sg_php_payload_t);
            if (pl->len > *bytes_left) break;
            *bytes_left -= pl->len;
            if (pl->sink) analyse(sc, pl->buf, pl->len, 1, next, bytes_left, 1, decoded);
            else if (sg_php_find_open_tag(pl->buf, pl->len) >= 0) {
                analyse(sc, pl->buf, pl->len, 0, next, bytes_left, 1, 0);
            }
            else match_layer(sc, pl->buf, pl->len, sc->targets | SG_TARGET_PHP | SG_TARGET_HTML,
                             next);
        }
        break;
    }
    if (held) apr_pool_destroy(held);
}

/* ---------------------------------------------------------------- corroboration */

#define EVIDENCE_SHELL_UI 8    /* a shell's interface: its forms, names, helpers */

/* The kinds of evidence a suspicious finding is (by signature prefix);
 * 0: none of them (limits, archives, ClamAV, user rules). */
static int evidence_kind(const sg_finding_t *f)
{
    static const struct { const char *prefix; int kind; } kinds[] = {
        { "PHP.Caps.", 1 },                                  /* what it offers */
        { "PHP.Obfuscated.", 2 }, { "PHP.Hidden.", 2 },      /* what it hides */
        { "PHP.Taint.", 4 }, { "PHP.Backdoor.", 4 },         /* request -> sink */
        { "PHP.Shell.", EVIDENCE_SHELL_UI }, { "ASP.Shell.", EVIDENCE_SHELL_UI },
        { "JSP.Shell.", EVIDENCE_SHELL_UI },
        { "PHP.Inject.", 16 }, { "PHP.Polyglot.", 16 }, { "JS.Inject.", 16 },
        { NULL, 0 }
    };
    int i;

    if (strcmp(f->engine, "SPAMGEAR") || f->member) return 0;
    for (i = 0; kinds[i].prefix; i++) {
        if (!strncmp(f->signature, kinds[i].prefix, strlen(kinds[i].prefix))) {
            return kinds[i].kind;
        }
    }
    return 0;
}

/* Suspicious findings of two kinds of evidence in one file (capabilities of a
 * shell and hidden code, a request-driven sink and a shell's form, ...) make
 * it malicious: SG_ENGINE_CORROBORATED_SIGNATURE, naming both.  Each alone
 * stays suspicious, as benign software shows one of them now and then (on
 * the 74,024 files of the benign development tree, none shows two).  Two
 * different shell-interface rules count as two kinds. */
static void corroborate(scan_t *sc)
{
    const sg_finding_t *first = NULL, *second = NULL, *shell = NULL;
    int i, seen = 0;

    for (i = 0; i < sc->findings->nelts; i++) {
        const sg_finding_t *f = &APR_ARRAY_IDX(sc->findings, i, sg_finding_t);
        int kind;
        if (f->severity == SG_SEV_MALICIOUS && !f->member) return;
        kind = evidence_kind(f);
        if (!kind) continue;
        /* Two different shell interfaces (a request-driven file manager and
         * a command object, a shell's title and a safe-mode bypass) are two
         * pieces of evidence; the same rule on two layers is one. */
        if ((seen & kind) && (kind != EVIDENCE_SHELL_UI || !strcmp(shell->signature, f->signature))) {
            continue;
        }
        if (kind == EVIDENCE_SHELL_UI && !shell) shell = f;
        seen |= kind;
        if (!first) first = f;
        else if (!second) second = f;
    }
    if (second && sc->findings->nelts < SG_ENGINE_MAX_FINDINGS) {
        /* the detail first: the push may move the array FIRST points into */
        const char *detail = apr_pstrcat(sc->p, first->signature, " + ", second->signature,
                                         NULL);
        sg_finding_t *f = apr_array_push(sc->findings);
        memset(f, 0, sizeof(*f));
        f->engine = "SPAMGEAR";
        f->signature = SG_ENGINE_CORROBORATED_SIGNATURE;
        f->severity = SG_SEV_MALICIOUS;
        f->detail = detail;
    }
}

static void decode_and_match(scan_t *sc, const char *buf, apr_size_t len)
{
    apr_array_header_t *layers;
    const char *note;
    int i;

    sg_deobf_run(buf, len, sc->e->opts.decode_depth, sc->e->opts.decode_max, sc->p, &layers,
                 &note);
    if (note) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, sc->p, "%s: %s",
                      sc->name ? sc->name : "(buffer)", note);
    }
    for (i = 0; i < layers->nelts && sc->findings->nelts < SG_ENGINE_MAX_FINDINGS; i++) {
        const sg_deobf_layer_t *l = &APR_ARRAY_IDX(layers, i, sg_deobf_layer_t);
        /* Decoded payloads are PHP whatever the file's name says. */
        match_layer(sc, l->buf, l->len, sc->targets | SG_TARGET_PHP | SG_TARGET_HTML, l->depth);
    }
}

static void clamav(scan_t *sc, const char *buf, apr_size_t len, int fd, apr_status_t *rv,
                   sg_result_t *res)
{
    const char *virname = NULL;

    *rv = sc->e->av->scan(sc->e->av, sc->name, buf, len, fd, sc->p, &virname, res);
    if (*rv == APR_SUCCESS && virname && sc->findings->nelts < SG_ENGINE_MAX_FINDINGS) {
        sg_finding_t *f = apr_array_push(sc->findings);
        memset(f, 0, sizeof(*f));
        f->engine = "CLAMAV";
        f->signature = virname;
        f->severity = strncmp(virname, "Heuristics.", 11) ? SG_SEV_MALICIOUS : SG_SEV_SUSPICIOUS;
    }
}

/* An image, audio, video or document file with PHP code in it (sg_media.h):
 * never a legitimate file, whatever the code does.  Linear, so not budgeted. */
static void media_code(scan_t *sc, const char *buf, apr_size_t len)
{
    const char *how = NULL, *c;
    apr_size_t at = 0;
    sg_media_kind_t kind = sg_media_php_code(sc->name, buf, len, &at, &how);
    sg_finding_t *f;

    if (kind == SG_MEDIA_NONE || sc->findings->nelts >= SG_ENGINE_MAX_FINDINGS) return;
    f = apr_array_push(sc->findings);
    memset(f, 0, sizeof(*f));
    f->engine = "SPAMGEAR";
    f->signature = SG_MEDIA_CODE_SIGNATURE;
    f->severity = SG_SEV_SUSPICIOUS;
    f->detail = apr_psprintf(sc->p, "%s (%s) with PHP code at byte %" APR_SIZE_T_FMT,
                             sg_media_kind_name(kind), how, at);
    for (f->line = 1, c = buf; (c = memchr(c, '\n', at - (apr_size_t)(c - buf))); c++) f->line++;
}

static void scan_archive(sg_engine_t *e, const char *name, const char *buf, apr_size_t len,
                         sg_archive_walk_t *inside, budget_t *budget,
                         apr_array_header_t *out, apr_pool_t *p);

/* A file saved as UTF-16 (a BOM, then mostly ASCII: a Windows editor's
 * "Unicode") narrowed to one byte per character, *OUT_LEN long; NULL when
 * BUF is not such a file.  PHP code in it reads as "< ? p h p" byte by byte:
 * the signatures and the analyser read the narrowed copy as layer 1 (a
 * normalised copy: no cleaning rule cuts its bytes out of the file). */
static const char *utf16_narrow(const char *buf, apr_size_t len, apr_pool_t *p,
                                apr_size_t *out_len)
{
    const unsigned char *u = (const unsigned char *)buf;
    apr_size_t units = (len - 2) / 2, i, sample, ascii = 0;
    int le;
    char *o;

    if (len < 8 || !((u[0] == 0xff && u[1] == 0xfe) || (u[0] == 0xfe && u[1] == 0xff))) return NULL;
    le = u[0] == 0xff;
    sample = units < 4096 ? units : 4096;
    for (i = 0; i < sample; i++) {
        ascii += u[2 + 2 * i + (le ? 1 : 0)] == 0;
    }
    if (ascii * 100 < sample * 95) return NULL;   /* not mostly ASCII: no code to see */
    o = apr_palloc(p, units + 1);
    for (i = 0; i < units; i++) {
        unsigned char lo = u[2 + 2 * i + (le ? 0 : 1)], hi = u[2 + 2 * i + (le ? 1 : 0)];
        o[i] = hi ? '?' : (char)lo;
    }
    o[units] = '\0';
    *out_len = units;
    return o;
}

/* The narrowed copy of a UTF-16 file through the signatures and the analyser. */
static void scan_utf16(scan_t *sc, const char *buf, apr_size_t len, apr_size_t *bytes_left)
{
    apr_size_t n = 0;
    const char *text = utf16_narrow(buf, len, sc->p, &n);
    int targets;

    if (!text || budget_spent(sc)) return;
    targets = sg_sig_target_of(sc->name, text, n);
    match_layer(sc, text, n, targets, 1);
    if (sc->e->opts.analyse && (targets & SG_TARGET_PHP)) {
        analyse(sc, text, n, 0, 1, bytes_left, 0, 0);
    }
}

/* sg_engine_scan_buffer; INSIDE is the archive walk a member comes from
 * (NULL: a file). */
static apr_status_t scan_buffer(sg_engine_t *e, const char *name, const char *buf,
                                apr_size_t len, int fd, sg_archive_walk_t *inside,
                                budget_t *budget,
                                apr_pool_t *p, apr_array_header_t **findings, sg_result_t *res)
{
    scan_t sc;
    apr_status_t rv = APR_SUCCESS;
    apr_size_t bytes_left = e->opts.decode_max * SG_ENGINE_PAYLOAD_BYTES_X;

    memset(&sc, 0, sizeof(sc));
    sc.e = e;
    sc.name = name;
    sc.p = p;
    sc.findings = apr_array_make(p, 2, sizeof(sg_finding_t));
    sc.targets = sg_sig_target_of(name, buf, len);
    /* An archive's members share the archive's budget. */
    sc.budget = budget;
    *findings = sc.findings;
    match_layer(&sc, buf, len, sc.targets, 0);
    run_matchers(&sc, buf, len, 0);
    if (e->opts.analyse && (sc.targets & SG_TARGET_PHP)) {
        analyse(&sc, buf, len, 0, 0, &bytes_left, 0, 0);
    }
    scan_utf16(&sc, buf, len, &bytes_left);
    /* The analyser folds and decodes PHP on tokens: the text-level
     * de-obfuscator is left for what it cannot read (HTML and JS). */
    if (e->opts.decode && (sc.targets & (SG_TARGET_PHP | SG_TARGET_HTML))
        && !(e->opts.analyse && (sc.targets & SG_TARGET_PHP)) && !budget_spent(&sc)) {
        /* Big HTML and JS (minified libraries of megabytes) are decoded where
         * injections go, the head and the tail: its cost is bounded. */
        if (len > 2 * SG_ENGINE_DEOBF_EDGE) {
            decode_and_match(&sc, buf, SG_ENGINE_DEOBF_EDGE);
            decode_and_match(&sc, buf + len - SG_ENGINE_DEOBF_EDGE, SG_ENGINE_DEOBF_EDGE);
        }
        else decode_and_match(&sc, buf, len);
    }
    /* ClamAV reads archives itself: members are not handed to it again. */
    if (e->av && !inside && !budget_spent(&sc)) {
        clamav(&sc, buf, len, fd, &rv, res);
    }
    if (!budget_spent(&sc)) {
        scan_archive(e, name, buf, len, inside, sc.budget, sc.findings, p);
    }
    media_code(&sc, buf, len);
    corroborate(&sc);
    if (sc.findings->nelts > 0 && apr_hash_count(e->whitelist) > 0
        && apr_hash_get(e->whitelist, sg_sha256_hex(buf, len, p), 64)) {
        apr_array_clear(sc.findings);
        return rv;
    }
    if (sc.over && rv == APR_SUCCESS) {
        rv = sg_result_set(res, p, APR_TIMEUP, "%s: the CPU budget of %" APR_TIME_T_FMT
                           " ms per file was spent before every detector ran",
                           name ? name : "(buffer)", apr_time_as_msec(e->opts.budget));
    }
    return rv;
}

/* ---------------------------------------------------------------- archives */

typedef struct member_scan_t {
    sg_engine_t *engine;
    const char *name;             /* the file's name, for targets and messages */
    apr_array_header_t *out;      /* where the members' findings go */
    apr_pool_t *pool;             /* out's pool */
    budget_t *budget;             /* the archive's, which members share */
} member_scan_t;

/* sg_archive_member_fn: one member scanned as a file; stops when the
 * findings are full or a nested walk hit a limit. */
static int scan_member(void *baton, const char *path, const char *buf, apr_size_t len,
                       sg_archive_walk_t *walk, apr_pool_t *p)
{
    member_scan_t *ms = baton;
    apr_array_header_t *found;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *prefix = walk->prefix;
    int i;

    walk->prefix = path;   /* a nested archive's members are "PATH!..." */
    scan_buffer(ms->engine, apr_pstrcat(p, ms->name ? ms->name : "", "!", path, NULL), buf, len,
                -1, walk, ms->budget, p, &found, &res);
    walk->prefix = prefix;
    for (i = 0; i < found->nelts && ms->out->nelts < SG_ENGINE_MAX_FINDINGS; i++) {
        sg_finding_t *f = apr_array_push(ms->out);
        *f = APR_ARRAY_IDX(found, i, sg_finding_t);
        memset(&f->hit, 0, sizeof(f->hit));   /* offsets in the member: not for cleaning */
        f->member = apr_pstrdup(ms->pool, f->member ? f->member : path);
        f->signature = apr_pstrdup(ms->pool, f->signature);
        if (f->detail) f->detail = apr_pstrdup(ms->pool, f->detail);
    }
    return ms->out->nelts >= SG_ENGINE_MAX_FINDINGS || walk->limit != NULL;
}

static void archive_finding(apr_array_header_t *out, const char *signature, const char *member,
                            const char *detail)
{
    sg_finding_t *f;

    if (out->nelts >= SG_ENGINE_MAX_FINDINGS) return;
    f = apr_array_push(out);
    f->engine = "SPAMGEAR";
    f->signature = signature;
    f->severity = SG_SEV_SUSPICIOUS;
    f->member = member;
    f->detail = detail;
}

/* Drops the archive's own findings (before N0: a stored member's bytes
 * matched in the archive) that a member's finding (from N0) names better. */
static void drop_explained(apr_array_header_t *out, int n0)
{
    int i, j, kept = 0;

    for (i = 0; i < out->nelts; i++) {
        sg_finding_t *f = &APR_ARRAY_IDX(out, i, sg_finding_t);
        int dup = 0;
        for (j = n0; i < n0 && j < out->nelts && !dup; j++) {
            const sg_finding_t *m = &APR_ARRAY_IDX(out, j, sg_finding_t);
            dup = !strcmp(m->signature, f->signature) && !strcmp(m->engine, f->engine);
        }
        if (!dup) APR_ARRAY_IDX(out, kept++, sg_finding_t) = *f;
    }
    out->nelts = kept;
}

/* Scans the members of BUF when it is an archive and a reader is installed.
 * The walk's limit is reported once, by the outermost call (INSIDE NULL):
 * a limit hit deep down stops every level above it. */
static void scan_archive(sg_engine_t *e, const char *name, const char *buf, apr_size_t len,
                         sg_archive_walk_t *inside, budget_t *budget,
                         apr_array_header_t *out, apr_pool_t *p)
{
    sg_archive_walk_t top;
    sg_archive_walk_t *walk = inside ? inside : &top;
    member_scan_t ms = { e, name, out, p, budget };
    const char *err, *err_at;
    int n0;

    if (!sg_archive_enabled() || out->nelts >= SG_ENGINE_MAX_FINDINGS
        || !sg_archive_sniff(buf, len)) {
        return;
    }
    memset(&top, 0, sizeof(top));
    n0 = out->nelts;
    sg_archive_walk(buf, len, walk, scan_member, &ms, p, &err, &err_at);
    drop_explained(out, n0);
    if (err) {
        archive_finding(out, SG_ENGINE_ARCHIVE_UNREADABLE, err_at, err);
    }
    if (!inside && walk->limit) {
        archive_finding(out, apr_pstrcat(p, SG_ENGINE_ARCHIVE_LIMIT ".", walk->limit, NULL),
                        walk->limit_at, walk->limit_detail);
        sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, p, "%s: archive limit %s hit at "
                      "%s: %s", name ? name : "(buffer)", walk->limit, walk->limit_at,
                      walk->limit_detail);
    }
}

apr_status_t sg_engine_scan_buffer(sg_engine_t *e, const char *name, const char *buf,
                                   apr_size_t len, int fd, apr_pool_t *p,
                                   apr_array_header_t **findings, sg_result_t *res)
{
    budget_t budget;

    budget_start(&budget, e->opts.budget);
    return scan_buffer(e, name, buf, len, fd, NULL, &budget, p, findings, res);
}
