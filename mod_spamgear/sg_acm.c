/* sg_acm.c: Aho-Corasick automaton over a compressed, case-folded alphabet. */
#include <string.h>
#include <apr_tables.h>
#include <apr_lib.h>
#include "sg_acm.h"

/* Building: a trie with sparse edges; compiling turns it into a dense DFA
 * over "classes" (one per distinct folded byte used by any anchor, 0 for
 * every other byte), so the table stays small with thousands of anchors. */
typedef struct acm_node_t {
    apr_array_header_t *edges;   /* of acm_edge_t, while building */
    apr_array_header_t *ids;     /* anchor ids ending here (int), or NULL */
} acm_node_t;

typedef struct acm_edge_t {
    unsigned char byte;          /* folded byte */
    int to;                      /* node index */
} acm_edge_t;

struct sg_acm_t {
    apr_pool_t *pool;            /* owns everything */
    apr_array_header_t *nodes;   /* of acm_node_t; 0 is the root */
    unsigned char cls[256];      /* byte -> class */
    int nclasses;                /* classes in use, including 0 */
    int *delta;                  /* nodes x nclasses transitions, after compile */
    int *out_start;              /* per node: first index into out_ids */
    int *out_count;              /* per node: number of ids (own + fail chain) */
    int *out_ids;                /* flattened output lists */
    int *fast;                   /* delta for the scan loop: next row offset * 2, + 1
                                    when the next node has outputs */
    int compiled;                /* 1 after sg_acm_compile */
};

sg_acm_t *sg_acm_create(apr_pool_t *p)
{
    sg_acm_t *acm = apr_pcalloc(p, sizeof(*acm));
    acm_node_t *root;

    acm->pool = p;
    acm->nodes = apr_array_make(p, 256, sizeof(acm_node_t));
    root = apr_array_push(acm->nodes);
    root->edges = apr_array_make(p, 16, sizeof(acm_edge_t));
    root->ids = NULL;
    acm->nclasses = 1;
    return acm;
}

static int child(const sg_acm_t *acm, int node, unsigned char b)
{
    const acm_node_t *n = &APR_ARRAY_IDX(acm->nodes, node, acm_node_t);
    int i;

    for (i = 0; i < n->edges->nelts; i++) {
        if (APR_ARRAY_IDX(n->edges, i, acm_edge_t).byte == b) {
            return APR_ARRAY_IDX(n->edges, i, acm_edge_t).to;
        }
    }
    return -1;
}

apr_status_t sg_acm_add(sg_acm_t *acm, const char *text, apr_size_t len, int id,
                        sg_result_t *res)
{
    int node = 0, next;
    apr_size_t i;
    acm_node_t *n;

    if (len == 0 || len > SG_ACM_MAX_ANCHOR || acm->compiled) {
        return sg_result_set(res, acm->pool, APR_EINVAL,
                             "anchor is empty or longer than %d bytes", SG_ACM_MAX_ANCHOR);
    }
    for (i = 0; i < len; i++) {
        unsigned char b = (unsigned char)apr_tolower((unsigned char)text[i]);
        if ((next = child(acm, node, b)) < 0) {
            acm_edge_t *e;
            if (acm->nodes->nelts >= SG_ACM_MAX_STATES) {
                return sg_result_set(res, acm->pool, APR_EINVAL,
                                     "prefilter full (%d states)", SG_ACM_MAX_STATES);
            }
            next = acm->nodes->nelts;
            n = apr_array_push(acm->nodes);
            n->edges = apr_array_make(acm->pool, 2, sizeof(acm_edge_t));
            n->ids = NULL;
            e = apr_array_push(APR_ARRAY_IDX(acm->nodes, node, acm_node_t).edges);
            e->byte = b;
            e->to = next;
            if (!acm->cls[b]) {
                acm->cls[b] = (unsigned char)acm->nclasses++;
                acm->cls[apr_toupper(b)] = acm->cls[b];
            }
        }
        node = next;
    }
    n = &APR_ARRAY_IDX(acm->nodes, node, acm_node_t);
    if (!n->ids) {
        n->ids = apr_array_make(acm->pool, 1, sizeof(int));
    }
    APR_ARRAY_PUSH(n->ids, int) = id;
    return APR_SUCCESS;
}

/* Breadth-first: each node's failure link and dense row, then its outputs
 * (own ids followed by those of its failure node, already complete). */
apr_status_t sg_acm_compile(sg_acm_t *acm)
{
    int nn = acm->nodes->nelts, nc = acm->nclasses, head = 0, tail = 0, i, c;
    int *queue = apr_palloc(acm->pool, sizeof(int) * (apr_size_t)nn);
    int *fail = apr_pcalloc(acm->pool, sizeof(int) * (apr_size_t)nn);
    apr_array_header_t *outs = apr_array_make(acm->pool, 64, sizeof(int));

    acm->delta = apr_pcalloc(acm->pool, sizeof(int) * (apr_size_t)nn * (apr_size_t)nc);
    acm->out_start = apr_pcalloc(acm->pool, sizeof(int) * (apr_size_t)nn);
    acm->out_count = apr_pcalloc(acm->pool, sizeof(int) * (apr_size_t)nn);
    queue[tail++] = 0;
    while (head < tail) {
        int u = queue[head++];
        const acm_node_t *n = &APR_ARRAY_IDX(acm->nodes, u, acm_node_t);
        /* Rows start as the failure node's row (complete, it was earlier in BFS). */
        if (u != 0) {
            memcpy(acm->delta + (apr_size_t)u * nc, acm->delta + (apr_size_t)fail[u] * nc,
                   sizeof(int) * (apr_size_t)nc);
        }
        for (i = 0; i < n->edges->nelts; i++) {
            const acm_edge_t *e = &APR_ARRAY_IDX(n->edges, i, acm_edge_t);
            c = acm->cls[e->byte];
            fail[e->to] = (u == 0) ? 0 : acm->delta[(apr_size_t)fail[u] * nc + c];
            acm->delta[(apr_size_t)u * nc + c] = e->to;
            queue[tail++] = e->to;
        }
        acm->out_start[u] = outs->nelts;
        if (n->ids) {
            for (i = 0; i < n->ids->nelts; i++) {
                APR_ARRAY_PUSH(outs, int) = APR_ARRAY_IDX(n->ids, i, int);
            }
        }
        if (u != 0) {
            int f = fail[u];
            for (i = 0; i < acm->out_count[f]; i++) {
                APR_ARRAY_PUSH(outs, int) = APR_ARRAY_IDX(outs, acm->out_start[f] + i, int);
            }
        }
        acm->out_count[u] = outs->nelts - acm->out_start[u];
    }
    acm->out_ids = (int *)outs->elts;
    /* Row offsets instead of node numbers and the output flag in the same
     * word: one dependent load per byte in sg_acm_scan, no multiply. */
    acm->fast = apr_palloc(acm->pool, sizeof(int) * (apr_size_t)nn * (apr_size_t)nc);
    for (i = 0; i < nn * nc; i++) {
        int to = acm->delta[i];
        acm->fast[i] = to * nc * 2 + (acm->out_count[to] > 0);
    }
    acm->compiled = 1;
    return APR_SUCCESS;
}

/* Records the outputs of row offset OFF (a node with outputs) in HIT. */
static int acm_outputs(const sg_acm_t *acm, int off, unsigned char *hit)
{
    int state = off / acm->nclasses, found = 0, i;
    const int *ids = acm->out_ids + acm->out_start[state];

    for (i = 0; i < acm->out_count[state]; i++) {
        if (!hit[ids[i]]) {
            hit[ids[i]] = 1;
            found++;
        }
    }
    return found;
}

#define ACM_LANES 4               /* independent walks interleaved (see sg_acm_scan) */
#define ACM_LANE_MIN 4096         /* shorter buffers are walked in one lane */

/* One DFA step: T = next word; flag bit set when the node has outputs. */
#define ACM_STEP(off, c) do {                                         \
        int t_ = fast[(off) + cls[(c)]];                              \
        (off) = t_ >> 1;                                              \
        if (t_ & 1) found += acm_outputs(acm, (off), hit);            \
    } while (0)

int sg_acm_scan(const sg_acm_t *acm, const char *buf, apr_size_t len, unsigned char *hit)
{
    const unsigned char *s = (const unsigned char *)buf;
    const unsigned char *cls = acm->cls;
    const int *fast = acm->fast;
    apr_size_t pos[ACM_LANES], end[ACM_LANES], seg, n, i;
    int off[ACM_LANES] = { 0 }, found = 0, k;

    if (!acm->compiled || acm->nodes->nelts < 2) {
        return 0;
    }
    if (len < ACM_LANE_MIN) {
        for (i = 0; i < len; i++) ACM_STEP(off[0], s[i]);
        return found;
    }
    /* A DFA walk waits on one table load per byte; four walks over four
     * slices of the buffer overlap those waits.  Each slice but the first
     * starts an anchor's length early, so an anchor across a slice
     * boundary is found whole (twice at worst: HIT is idempotent). */
    seg = len / ACM_LANES;
    for (k = 0; k < ACM_LANES; k++) {
        pos[k] = k ? (apr_size_t)k * seg - (SG_ACM_MAX_ANCHOR - 1) : 0;
        end[k] = k == ACM_LANES - 1 ? len : (apr_size_t)(k + 1) * seg;
    }
    n = end[0] - pos[0];              /* the shortest slice */
    for (i = 0; i < n; i++) {
        ACM_STEP(off[0], s[pos[0] + i]);
        ACM_STEP(off[1], s[pos[1] + i]);
        ACM_STEP(off[2], s[pos[2] + i]);
        ACM_STEP(off[3], s[pos[3] + i]);
    }
    for (k = 0; k < ACM_LANES; k++) {
        for (i = pos[k] + n; i < end[k]; i++) ACM_STEP(off[k], s[i]);
    }
    return found;
}

int sg_acm_states(const sg_acm_t *acm)
{
    return acm->nodes->nelts;
}
