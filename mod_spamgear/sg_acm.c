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
    int *delta;                  /* nodes x nclasses transitions, after compile; each the
                                    next node's row offset (node * nclasses), nodes
                                    renumbered so that those with ids come last */
    int first_out;               /* row offset of the first node with ids */
    int *out_start;              /* per node: first index into out_ids */
    int *out_count;              /* per node: number of ids (own + fail chain) */
    int *out_ids;                /* flattened output lists */
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

/* An output id with this bit set is recorded with its position. */
#define ACM_POS_BIT (1 << 30)

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

apr_status_t sg_acm_add_pos(sg_acm_t *acm, const char *text, apr_size_t len, int id,
                            sg_result_t *res)
{
    return sg_acm_add(acm, text, len, id | ACM_POS_BIT, res);
}

/* Puts the nodes with ids last and stores row offsets in delta: the scan
 * loop then follows one load per byte and tests for ids with a compare. */
static void renumber(sg_acm_t *acm, int nn, int nc)
{
    int *to = apr_palloc(acm->pool, sizeof(int) * (apr_size_t)nn);
    int *delta = apr_palloc(acm->pool, sizeof(int) * (apr_size_t)nn * (apr_size_t)nc);
    int *start = apr_palloc(acm->pool, sizeof(int) * (apr_size_t)nn);
    int *count = apr_palloc(acm->pool, sizeof(int) * (apr_size_t)nn);
    int u, c, next = 0;

    for (u = 0; u < nn; u++) if (!acm->out_count[u]) to[u] = next++;   /* the root is 0 */
    acm->first_out = next * nc;
    for (u = 0; u < nn; u++) if (acm->out_count[u]) to[u] = next++;
    for (u = 0; u < nn; u++) {
        for (c = 0; c < nc; c++) {
            delta[(apr_size_t)to[u] * nc + c] = to[acm->delta[(apr_size_t)u * nc + c]] * nc;
        }
        start[to[u]] = acm->out_start[u];
        count[to[u]] = acm->out_count[u];
    }
    acm->delta = delta;
    acm->out_start = start;
    acm->out_count = count;
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
    renumber(acm, nn, nc);
    acm->compiled = 1;
    return APR_SUCCESS;
}

/* Records that positional anchor ID ends at END. */
static void record(sg_acm_posbuf_t *out, int id, apr_size_t end)
{
    if (!out) return;
    if (out->n == out->max) {
        out->lost[id] = 1;
        return;
    }
    out->pos[out->n].id = id;
    out->pos[out->n++].end = end;
}

/* Marks the ids of the node at row offset OFF, reached after the byte
 * before END. */
static int report(const sg_acm_t *acm, int off, unsigned char *hit, sg_acm_posbuf_t *out,
                  apr_size_t end)
{
    int node = off / acm->nclasses, i, found = 0;
    const int *ids = acm->out_ids + acm->out_start[node];

    for (i = 0; i < acm->out_count[node]; i++) {
        int id = ids[i] & ~ACM_POS_BIT;
        if (ids[i] & ACM_POS_BIT) record(out, id, end);
        if (!hit[id]) {
            hit[id] = 1;
            found++;
        }
    }
    return found;
}

#define ACM_WAYS 4           /* walks interleaved: each step waits on the last one's load */
#define ACM_WAYS_MIN 4096    /* below this many bytes, one walk */
#define ACM_OVERLAP (SG_ACM_MAX_ANCHOR - 1)

/* One walk over S[0..LEN) from row offset *ST; S is BASE + OFF. */
static int walk(const sg_acm_t *acm, const unsigned char *s, apr_size_t len, int *st,
                unsigned char *hit, sg_acm_posbuf_t *out, apr_size_t off)
{
    const int *delta = acm->delta;
    const unsigned char *cls = acm->cls;
    int state = *st, found = 0;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        state = delta[state + cls[s[i]]];
        if (state >= acm->first_out) found += report(acm, state, hit, out, off + i + 1);
    }
    *st = state;
    return found;
}

int sg_acm_scan(const sg_acm_t *acm, const char *buf, apr_size_t len, unsigned char *hit)
{
    return sg_acm_scan_pos(acm, buf, len, hit, NULL);
}

int sg_acm_scan_pos(const sg_acm_t *acm, const char *buf, apr_size_t len, unsigned char *hit,
                    sg_acm_posbuf_t *out)
{
    const unsigned char *s = (const unsigned char *)buf, *w[ACM_WAYS];
    const unsigned char *cls = acm->cls;
    const int *delta = acm->delta;
    int first_out = acm->first_out, found = 0, st[ACM_WAYS] = { 0 }, k;
    apr_size_t i, part;

    if (!acm->compiled || acm->nodes->nelts < 2) {
        return 0;
    }
    if (len < ACM_WAYS_MIN) {
        return walk(acm, s, len, &st[0], hit, out, 0);
    }
    /* Way k ends where way k + 1 starts to count (k + 1) * part, but starts
     * ACM_OVERLAP bytes before its own part: an anchor that ends in the part
     * starts there at the earliest.  A match seen twice is marked once. */
    part = len / ACM_WAYS;
    for (k = 0; k < ACM_WAYS; k++) {
        w[k] = s + (k ? (apr_size_t)k * part - ACM_OVERLAP : 0);
    }
    for (i = 0; i < part; i++) {
        for (k = 0; k < ACM_WAYS; k++) {
            st[k] = delta[st[k] + cls[w[k][i]]];
        }
        for (k = 0; k < ACM_WAYS; k++) {
            if (st[k] >= first_out) {
                found += report(acm, st[k], hit, out, (apr_size_t)(w[k] - s) + i + 1);
            }
        }
    }
    /* The rest of each way: its overlap's worth, and the last one's tail. */
    for (k = 1; k < ACM_WAYS; k++) {
        const unsigned char *end = k + 1 < ACM_WAYS ? s + (apr_size_t)(k + 1) * part : s + len;
        found += walk(acm, w[k] + part, (apr_size_t)(end - (w[k] + part)), &st[k], hit, out,
                      (apr_size_t)(w[k] + part - s));
    }
    return found;
}

int sg_acm_states(const sg_acm_t *acm)
{
    return acm->nodes->nelts;
}
