/* sg_vercmp.c: PHP version_compare() order and CVSS v3 base scores. */
#include <math.h>
#include <string.h>
#include <apr_errno.h>
#include <apr_lib.h>
#include "sg_vercmp.h"

/* ------------------------------------------------------------ version_compare */

/* One piece of a version: a run of digits or a run of other alphanumerics. */
typedef struct piece_t {
    const char *s;      /* first byte */
    apr_size_t len;     /* 0: no piece left */
    int digits;         /* 1: a number */
} piece_t;

/* Next piece at *P (advanced past it); len 0 at the end. */
static piece_t next_piece(const char **p)
{
    piece_t pc = { NULL, 0, 0 };
    const char *s = *p;

    while (*s && !apr_isalnum(*s)) {
        s++;
    }
    pc.s = s;
    pc.digits = apr_isdigit(*s) != 0;
    while (*s && apr_isalnum(*s) && (apr_isdigit(*s) != 0) == pc.digits) {
        s++;
    }
    pc.len = (apr_size_t)(s - pc.s);
    *p = s;
    return pc;
}

/* Rank of a word as PHP's compare_special_version_forms() finds it: the
 * first form the word starts with; -1 for none. */
static int word_rank(const piece_t *w)
{
    static const struct { const char *name; int rank; } forms[] = {
        { "dev", 0 }, { "alpha", 1 }, { "a", 1 }, { "beta", 2 }, { "b", 2 },
        { "RC", 3 }, { "rc", 3 }, { "#", 4 }, { "pl", 5 }, { "p", 5 }, { NULL, 0 }
    };
    int i;

    for (i = 0; forms[i].name; i++) {
        apr_size_t n = strlen(forms[i].name);
        if (w->len >= n && !memcmp(w->s, forms[i].name, n)) {
            return forms[i].rank;
        }
    }
    return -1;
}

#define RANK_NUMBER 4   /* where a number stands among the words ("#") */

static int sign(int v)
{
    return (v > 0) - (v < 0);
}

/* Numbers of any length: leading zeros dropped, then longer is larger. */
static int cmp_numbers(const piece_t *a, const piece_t *b)
{
    const char *x = a->s, *y = b->s;
    apr_size_t lx = a->len, ly = b->len;
    int c;

    while (lx > 1 && *x == '0') { x++; lx--; }
    while (ly > 1 && *y == '0') { y++; ly--; }
    if (lx != ly) {
        return lx > ly ? 1 : -1;
    }
    c = memcmp(x, y, lx);
    return sign(c);
}

static int cmp_pieces(const piece_t *a, const piece_t *b)
{
    if (a->digits && b->digits) {
        return cmp_numbers(a, b);
    }
    return sign((a->digits ? RANK_NUMBER : word_rank(a))
                - (b->digits ? RANK_NUMBER : word_rank(b)));
}

/* What is left of the longer version after the shorter one ran out: a number
 * wins, a word is ranked against a number (PHP compares it with "#N#"). */
static int cmp_rest(piece_t pc, const char *rest)
{
    int c;

    while (pc.len) {
        if (pc.digits) {
            return 1;
        }
        if ((c = sign(word_rank(&pc) - RANK_NUMBER)) != 0) {
            return c;
        }
        pc = next_piece(&rest);
    }
    return 0;
}

int sg_vercmp(const char *a, const char *b)
{
    piece_t pa, pb;
    int c;

    if (!*a || !*b) {
        return (*a != '\0') - (*b != '\0');
    }
    for (;;) {
        pa = next_piece(&a);
        pb = next_piece(&b);
        if (!pa.len || !pb.len) {
            break;
        }
        if ((c = cmp_pieces(&pa, &pb)) != 0) {
            return c;
        }
    }
    if (pa.len) {
        return cmp_rest(pa, a);
    }
    return pb.len ? -cmp_rest(pb, b) : 0;
}

int sg_vercmp_is_origin(const char *v)
{
    return !*v || !strcmp(v, "*") || !strcmp(v, "0");
}

int sg_version_ok(const char *v)
{
    apr_size_t n = strlen(v), i;

    if (v[0] == 'v' && apr_isdigit(v[1])) {
        v++;
        n--;
    }
    if (n < 1 || n > SG_VERSION_MAX || !apr_isdigit(v[0])) {
        return 0;
    }
    for (i = 0; i < n; i++) {
        if (!apr_isalnum(v[i]) && !strchr(".-+_~", v[i])) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ CVSS v3 */

/* One base metric: its name and each value's weight (PR has two sets). */
typedef struct metric_t {
    const char *name;        /* "AV" */
    const char *values;      /* value letters, e.g. "NALP" */
    double weight[4];        /* weight of each value */
    double changed[4];       /* weight when the scope is changed (PR only) */
} metric_t;

static const metric_t metrics[] = {
    { "AV", "NALP", { 0.85, 0.62, 0.55, 0.2 }, { 0 } },
    { "AC", "LH", { 0.77, 0.44 }, { 0 } },
    { "PR", "NLH", { 0.85, 0.62, 0.27 }, { 0.85, 0.68, 0.5 } },
    { "UI", "NR", { 0.85, 0.62 }, { 0 } },
    { "S", "UC", { 0, 1 }, { 0 } },
    { "C", "HLN", { 0.56, 0.22, 0 }, { 0 } },
    { "I", "HLN", { 0.56, 0.22, 0 }, { 0 } },
    { "A", "HLN", { 0.56, 0.22, 0 }, { 0 } },
};
#define N_METRICS (sizeof(metrics) / sizeof(metrics[0]))

/* CVSS 3.1 Roundup: the smallest one-decimal number >= X, computed on
 * integers so that 4.000000001 stays 4.0. */
static double roundup(double x)
{
    long i = lround(x * 100000.0);

    if (i % 10000 == 0) {
        return (double)i / 100000.0;
    }
    return (floor((double)i / 10000.0) + 1.0) / 10.0;
}

/* Index of each metric's value in VECTOR ("AV:N/AC:L/..." after the
 * version prefix) into IDX; APR_EINVAL unless each appears exactly once.
 * Temporal and environmental metrics after them are ignored. */
static apr_status_t parse_vector(const char *v, int idx[N_METRICS])
{
    apr_size_t m, n;
    const char *colon, *dot;

    for (m = 0; m < N_METRICS; m++) idx[m] = -1;
    while (*v) {
        if (!(colon = strchr(v, ':'))) return APR_EINVAL;
        for (m = 0; m < N_METRICS; m++) {
            n = strlen(metrics[m].name);
            if ((apr_size_t)(colon - v) == n && !strncmp(v, metrics[m].name, n)) break;
        }
        if (m < N_METRICS) {
            if (idx[m] >= 0 || !colon[1] || (colon[2] && colon[2] != '/')
                || !(dot = strchr(metrics[m].values, colon[1]))) {
                return APR_EINVAL;
            }
            idx[m] = (int)(dot - metrics[m].values);
        }
        v = strchr(colon, '/');
        if (!v) break;
        v++;
    }
    for (m = 0; m < N_METRICS; m++) {
        if (idx[m] < 0) return APR_EINVAL;
    }
    return APR_SUCCESS;
}

apr_status_t sg_cvss3_score(const char *vector, double *score)
{
    int idx[N_METRICS], changed;
    double iss, impact, expl, w[N_METRICS];
    apr_size_t m;

    if (strncmp(vector, "CVSS:3.0/", 9) && strncmp(vector, "CVSS:3.1/", 9)) {
        return APR_EINVAL;
    }
    if (parse_vector(vector + 9, idx) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    changed = idx[4] == 1;
    for (m = 0; m < N_METRICS; m++) {
        w[m] = (changed && m == 2) ? metrics[m].changed[idx[m]] : metrics[m].weight[idx[m]];
    }
    iss = 1.0 - (1.0 - w[5]) * (1.0 - w[6]) * (1.0 - w[7]);
    impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow(iss - 0.02, 15) : 6.42 * iss;
    expl = 8.22 * w[0] * w[1] * w[2] * w[3];
    if (impact <= 0) {
        *score = 0.0;
    }
    else if (changed) {
        *score = roundup(fmin(1.08 * (impact + expl), 10.0));
    }
    else {
        *score = roundup(fmin(impact + expl, 10.0));
    }
    return APR_SUCCESS;
}

const char *sg_cvss_rating(double score)
{
    if (score <= 0.0) return "none";
    if (score < 4.0) return "low";
    if (score < 7.0) return "medium";
    if (score < 9.0) return "high";
    return "critical";
}
