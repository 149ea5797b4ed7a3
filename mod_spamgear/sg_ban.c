/* sg_ban.c: client keys, CIDR ranges, ban records and ban arithmetic. */
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <arpa/inet.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "sg_ban.h"

static const unsigned char v4_mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* ------------------------------------------------------------------ addresses */

apr_status_t sg_ip_parse(const char *text, unsigned char ip[16])
{
    struct in_addr a4;

    if (!text || !*text) {
        return APR_EINVAL;
    }
    if (inet_pton(AF_INET, text, &a4) == 1) {
        memcpy(ip, v4_mapped_prefix, 12);
        memcpy(ip + 12, &a4, 4);
        return APR_SUCCESS;
    }
    return inet_pton(AF_INET6, text, ip) == 1 ? APR_SUCCESS : APR_EINVAL;
}

int sg_ip_is_v4(const unsigned char ip[16])
{
    return memcmp(ip, v4_mapped_prefix, 12) == 0;
}

static void clear_host_bits(unsigned char addr[16], int bits)
{
    int i;

    for (i = 0; i < 16; i++) {
        int keep = bits - i * 8;
        if (keep <= 0) {
            addr[i] = 0;
        }
        else if (keep < 8) {
            addr[i] &= (unsigned char)(0xff << (8 - keep));
        }
    }
}

apr_status_t sg_cidr_parse(const char *text, sg_cidr_t *cidr, apr_pool_t *p,
                           sg_result_t *res)
{
    char *addr = apr_pstrdup(p, text), *slash = strchr(addr, '/'), *end;
    long bits = -1;
    int v4;

    if (slash) {
        *slash++ = '\0';
        bits = strtol(slash, &end, 10);
        if (!*slash || *end || bits < 0) {
            return sg_result_set(res, p, APR_EINVAL, "bad prefix length in %s", text);
        }
    }
    if (sg_ip_parse(addr, cidr->addr) != APR_SUCCESS) {
        return sg_result_set(res, p, APR_EINVAL, "not an IPv4 or IPv6 address: %s", text);
    }
    /* "::ffff:10.0.0.0/104" is taken as written; "10.0.0.0/8" is IPv4. */
    v4 = sg_ip_is_v4(cidr->addr) && !strchr(addr, ':');
    if (bits > (v4 ? 32 : 128)) {
        return sg_result_set(res, p, APR_EINVAL, "prefix longer than %d bits in %s",
                             v4 ? 32 : 128, text);
    }
    cidr->bits = bits < 0 ? 128 : (int)bits + (v4 ? 96 : 0);
    clear_host_bits(cidr->addr, cidr->bits);
    return APR_SUCCESS;
}

int sg_cidr_match(const sg_cidr_t *cidr, const unsigned char ip[16])
{
    unsigned char masked[16];

    memcpy(masked, ip, 16);
    clear_host_bits(masked, cidr->bits);
    return memcmp(masked, cidr->addr, 16) == 0;
}

int sg_cidr_list_match(const apr_array_header_t *list, const unsigned char ip[16])
{
    int i;

    for (i = 0; list && i < list->nelts; i++) {
        if (sg_cidr_match(&APR_ARRAY_IDX(list, i, sg_cidr_t), ip)) {
            return 1;
        }
    }
    return 0;
}

const char *sg_ban_client(const unsigned char ip[16], int v6_prefix, apr_pool_t *p)
{
    char buf[INET6_ADDRSTRLEN];
    unsigned char net[16];

    if (sg_ip_is_v4(ip)) {
        return inet_ntop(AF_INET, ip + 12, buf, sizeof(buf)) ? apr_pstrdup(p, buf) : NULL;
    }
    memcpy(net, ip, 16);
    if (v6_prefix < 128) {
        clear_host_bits(net, v6_prefix);
    }
    if (!inet_ntop(AF_INET6, net, buf, sizeof(buf))) {
        return NULL;
    }
    return v6_prefix < 128 ? apr_psprintf(p, "%s/%d", buf, v6_prefix) : apr_pstrdup(p, buf);
}

const char *sg_ban_client_parse(const char *text, int v6_prefix, apr_pool_t *p)
{
    sg_cidr_t c;
    const char *slash = strchr(text, '/');

    if (sg_cidr_parse(text, &c, p, NULL) != APR_SUCCESS) {
        return NULL;
    }
    if (slash && !sg_ip_is_v4(c.addr)) {
        v6_prefix = c.bits;
    }
    return sg_ban_client(c.addr, v6_prefix, p);
}

/* ------------------------------------------------------------------ records */

const char *sg_ban_key(sg_ban_rec_type_t type, const char *client, const char *scope,
                       apr_pool_t *p)
{
    const char *key = apr_psprintf(p, "sg1:%c:%s@%s", (char)type, client, scope);

    return strlen(key) > SG_BAN_KEY_MAX ? NULL : key;
}

const char *sg_ban_rec_encode(const sg_ban_rec_t *rec, apr_pool_t *p)
{
    switch (rec->type) {
    case SG_BAN_REC_COUNTER:
        /* "c1 START COUNT [PENDING]": without PENDING as older versions wrote it */
        return rec->pending > 0
            ? apr_psprintf(p, "c1 %" APR_INT64_T_FMT " %d %d", rec->start, rec->count,
                           rec->pending)
            : apr_psprintf(p, "c1 %" APR_INT64_T_FMT " %d", rec->start, rec->count);
    case SG_BAN_REC_BAN:
        return apr_psprintf(p, "b1 %" APR_INT64_T_FMT " %" APR_INT64_T_FMT " %d %d %d %s",
                            rec->start, rec->until, rec->count, rec->nth, rec->local_only,
                            rec->reason ? rec->reason : "");
    default:
        return apr_psprintf(p, "h1 %d", rec->nth);
    }
}

apr_status_t sg_ban_key_decode(const char *key, sg_ban_rec_t *rec, apr_pool_t *p)
{
    const char *at;

    if (strncmp(key, "sg1:", 4) || !strchr("cbh", key[4]) || !key[4] || key[5] != ':') {
        return APR_EINVAL;
    }
    at = strchr(key + 6, '@');
    if (!at || at == key + 6 || !at[1]) {
        return APR_EINVAL;
    }
    rec->type = (sg_ban_rec_type_t)key[4];
    rec->client = apr_pstrmemdup(p, key + 6, (apr_size_t)(at - key - 6));
    rec->scope = apr_pstrdup(p, at + 1);
    return APR_SUCCESS;
}

apr_status_t sg_ban_rec_decode(const char *key, const char *value, apr_size_t len,
                               sg_ban_rec_t *rec, apr_pool_t *p)
{
    char *v;
    int used = 0;

    memset(rec, 0, sizeof(*rec));
    if (sg_ban_key_decode(key, rec, p) != APR_SUCCESS || len >= SG_BAN_VALUE_MAX) {
        return APR_EINVAL;
    }
    v = apr_pstrmemdup(p, value, len);
    if (rec->type == SG_BAN_REC_COUNTER
        && sscanf(v, "c1 %" APR_INT64_T_FMT " %d%n", &rec->start, &rec->count, &used) == 2) {
        int more = 0;
        rec->until = rec->start;   /* the host knows the window; see sg_ban_record_failures */
        if (v[used] == ' ' && sscanf(v + used, " %d%n", &rec->pending, &more) == 1
            && rec->pending >= 0) {
            used += more;
        }
    }
    else if (rec->type == SG_BAN_REC_BAN
             && sscanf(v, "b1 %" APR_INT64_T_FMT " %" APR_INT64_T_FMT " %d %d %d %n",
                       &rec->start, &rec->until, &rec->count, &rec->nth, &rec->local_only,
                       &used) == 5) {
        rec->reason = apr_pstrdup(p, v + used);
        used = (int)len;
    }
    else if (rec->type == SG_BAN_REC_HISTORY && sscanf(v, "h1 %d%n", &rec->nth, &used) == 1) {
        /* nothing more */
    }
    else {
        return APR_EINVAL;
    }
    return (apr_size_t)used == len ? APR_SUCCESS : APR_EINVAL;
}

/* ------------------------------------------------------------------ store */

apr_int64_t sg_ban_duration(const sg_ban_policy_t *pol, int nth)
{
    double d = pol->ban_time;

    for (; nth > 1 && d < SG_BAN_MAX_SECONDS; nth--) {
        d *= pol->growth;
    }
    return d > SG_BAN_MAX_SECONDS ? SG_BAN_MAX_SECONDS : (apr_int64_t)d;
}

/* Reads and decodes the record of TYPE; APR_NOTFOUND for none (or garbage). */
static apr_status_t get_rec(sg_ban_store_t *st, sg_ban_rec_type_t type, const char *client,
                            const char *scope, sg_ban_rec_t *rec, apr_pool_t *p)
{
    char buf[SG_BAN_VALUE_MAX];
    apr_size_t len = sizeof(buf);
    const char *key = sg_ban_key(type, client, scope, p);
    apr_status_t rv;

    if (!key) {
        return APR_EINVAL;
    }
    rv = st->get(st, key, buf, &len, p);
    if (rv != APR_SUCCESS) {
        return rv;
    }
    return sg_ban_rec_decode(key, buf, len, rec, p) == APR_SUCCESS ? APR_SUCCESS : APR_NOTFOUND;
}

static apr_status_t put_rec(sg_ban_store_t *st, const sg_ban_rec_t *rec, apr_int64_t expires,
                            apr_pool_t *p)
{
    const char *key = sg_ban_key(rec->type, rec->client, rec->scope, p);

    return key ? st->set(st, key, sg_ban_rec_encode(rec, p), expires, p) : APR_EINVAL;
}

apr_status_t sg_ban_lookup(sg_ban_store_t *st, const char *client, const char *scope,
                           apr_int64_t now, sg_ban_rec_t **ban, apr_pool_t *p)
{
    sg_ban_rec_t *rec = apr_pcalloc(p, sizeof(*rec));
    apr_status_t rv = get_rec(st, SG_BAN_REC_BAN, client, scope, rec, p);

    *ban = NULL;
    if (rv == APR_SUCCESS && rec->until <= now) {
        rv = APR_NOTFOUND;   /* a store that keeps keys a little past their expiry */
    }
    if (rv == APR_SUCCESS) {
        *ban = rec;
    }
    return rv;
}

apr_status_t sg_ban_store_ban(sg_ban_store_t *st, const sg_ban_rec_t *ban, apr_pool_t *p)
{
    return put_rec(st, ban, ban->until, p);
}

/* Bans CLIENT now: the NTH ban by the history, written with its history. */
static apr_status_t ban_now(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                            sg_ban_rec_t *ban, apr_int64_t now, apr_pool_t *p)
{
    sg_ban_rec_t hist = { SG_BAN_REC_HISTORY, ban->client, ban->scope, 0, 0, 0, 0, 0, 0, NULL };
    apr_int64_t len, keep;
    apr_status_t rv;

    if (get_rec(st, SG_BAN_REC_HISTORY, ban->client, ban->scope, &hist, p) != APR_SUCCESS) {
        hist.nth = 0;
    }
    hist.type = SG_BAN_REC_HISTORY;
    ban->nth = hist.nth + 1;
    len = sg_ban_duration(pol, ban->nth);
    ban->start = now;
    ban->until = now + len;
    if ((rv = sg_ban_store_ban(st, ban, p)) != APR_SUCCESS) {
        return rv;
    }
    hist.nth = ban->nth;
    keep = len + SG_BAN_REPEAT_SECONDS;
    put_rec(st, &hist, now + keep, p);
    st->del(st, sg_ban_key(SG_BAN_REC_COUNTER, ban->client, ban->scope, p), p);
    return APR_SUCCESS;
}

/* The counter of CLIENT in SCOPE at NOW: the stored one, or a fresh one
 * (window starting now) when there is none or its window is over. */
static apr_status_t current_counter(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                                    const char *client, const char *scope, apr_int64_t now,
                                    sg_ban_rec_t *ctr, apr_pool_t *p)
{
    apr_status_t rv = get_rec(st, SG_BAN_REC_COUNTER, client, scope, ctr, p);

    if (rv == APR_NOTFOUND || (rv == APR_SUCCESS && ctr->start + pol->window <= now)) {
        memset(ctr, 0, sizeof(*ctr));
        ctr->type = SG_BAN_REC_COUNTER;
        ctr->client = client;
        ctr->scope = scope;
        ctr->start = now;
        return APR_SUCCESS;
    }
    return rv;
}

apr_status_t sg_ban_reserve(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                            const char *client, const char *scope, apr_int64_t now,
                            int *granted, apr_pool_t *p)
{
    sg_ban_rec_t *existing, ctr;
    apr_status_t rv;

    *granted = 0;
    rv = sg_ban_lookup(st, client, scope, now, &existing, p);
    if (rv != APR_NOTFOUND) {
        return rv;   /* banned (APR_SUCCESS, not granted), or the store failed */
    }
    if ((rv = current_counter(st, pol, client, scope, now, &ctr, p)) != APR_SUCCESS) {
        return rv;
    }
    if (ctr.count + ctr.pending >= pol->limit) {
        return APR_SUCCESS;
    }
    ctr.pending++;
    if ((rv = put_rec(st, &ctr, ctr.start + pol->window, p)) == APR_SUCCESS) {
        *granted = 1;
    }
    return rv;
}

apr_status_t sg_ban_settle(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                           const char *client, const char *scope, apr_int64_t now,
                           apr_pool_t *p)
{
    sg_ban_rec_t ctr;
    apr_status_t rv = get_rec(st, SG_BAN_REC_COUNTER, client, scope, &ctr, p);

    if (rv == APR_NOTFOUND || (rv == APR_SUCCESS && (ctr.start + pol->window <= now
                                                      || ctr.pending == 0))) {
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    ctr.pending--;
    return put_rec(st, &ctr, ctr.start + pol->window, p);
}

apr_status_t sg_ban_record_failures(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                                    const char *client, const char *scope, int n,
                                    apr_int64_t now, const char *reason,
                                    sg_ban_rec_t **ban, int *count, apr_pool_t *p)
{
    sg_ban_rec_t *existing, ctr;
    apr_status_t rv;

    *ban = NULL;
    if (count) {
        *count = 0;
    }
    rv = sg_ban_lookup(st, client, scope, now, &existing, p);
    if (rv != APR_NOTFOUND) {
        return rv;   /* banned already (requests in flight when the ban came), or failed */
    }
    if ((rv = current_counter(st, pol, client, scope, now, &ctr, p)) != APR_SUCCESS) {
        return rv;
    }
    ctr.count += n;
    if (count) {
        *count = ctr.count;
    }
    if (ctr.count < pol->limit) {
        return put_rec(st, &ctr, ctr.start + pol->window, p);
    }
    *ban = apr_pcalloc(p, sizeof(**ban));
    (*ban)->type = SG_BAN_REC_BAN;
    (*ban)->client = client;
    (*ban)->scope = scope;
    (*ban)->count = ctr.count;
    (*ban)->reason = reason;
    rv = ban_now(st, pol, *ban, now, p);
    if (rv != APR_SUCCESS) {
        *ban = NULL;
    }
    return rv;
}

apr_status_t sg_ban_remove(sg_ban_store_t *st, const char *client, const char *scope,
                           apr_pool_t *p)
{
    const char *bkey = sg_ban_key(SG_BAN_REC_BAN, client, scope, p);
    const char *ckey = sg_ban_key(SG_BAN_REC_COUNTER, client, scope, p);
    apr_status_t rv;

    if (!bkey || !ckey) {
        return APR_EINVAL;
    }
    rv = st->del(st, bkey, p);
    if (rv != APR_SUCCESS && rv != APR_NOTFOUND) {
        return rv;
    }
    rv = st->del(st, ckey, p);
    return rv == APR_NOTFOUND ? APR_SUCCESS : rv;
}

/* ------------------------------------------------------------------ text */

const char *sg_json_escape(const char *s, apr_pool_t *p)
{
    apr_size_t n = strlen(s);
    char *out = apr_palloc(p, n * 6 + 1), *o = out;

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
        }
        else if (c < 0x20) {
            o += apr_snprintf(o, 7, "\\u%04x", c);
        }
        else {
            *o++ = (char)c;
        }
    }
    *o = '\0';
    return out;
}

const char *sg_html_escape(const char *s, apr_pool_t *p)
{
    apr_size_t n = strlen(s);
    char *out = apr_palloc(p, n * 6 + 1), *o = out;

    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: *o++ = *s; continue;
        }
        o = apr_cpystrn(o, rep, 7);
    }
    *o = '\0';
    return out;
}
