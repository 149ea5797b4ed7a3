/* sg_kv.c: minimal redis (RESP) and memcached (text) clients with time-outs. */
#include <string.h>
#include <stdlib.h>
#include <apr_network_io.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include "sg_kv.h"

#define NS "spamgear:"

struct sg_kv_t {
    sg_ban_store_t st;          /* the store interface */
    apr_socket_t *sock;         /* connected */
    int redis;                  /* 1 redis, 0 memcached */
    char buf[SG_KV_LINE_MAX];   /* read buffer */
    apr_size_t have, pos;       /* bytes in buf, next to read */
    apr_pool_t *pool;           /* owns the socket */
};

/* ------------------------------------------------------------------ I/O */

static apr_status_t send_all(sg_kv_t *kv, const char *data, apr_size_t len)
{
    while (len) {
        apr_size_t n = len;
        apr_status_t rv = apr_socket_send(kv->sock, data, &n);
        if (rv != APR_SUCCESS) {
            return rv;
        }
        data += n;
        len -= n;
    }
    return APR_SUCCESS;
}

static apr_status_t fill(sg_kv_t *kv)
{
    apr_size_t n;
    apr_status_t rv;

    if (kv->pos < kv->have) {
        return APR_SUCCESS;
    }
    kv->pos = kv->have = 0;
    n = sizeof(kv->buf);
    rv = apr_socket_recv(kv->sock, kv->buf, &n);
    kv->have = n;
    return n ? APR_SUCCESS : (rv == APR_SUCCESS ? APR_EOF : rv);
}

/* Reads one CRLF-terminated line (without it) into a pool string. */
static apr_status_t read_line(sg_kv_t *kv, char **line, apr_pool_t *p)
{
    char tmp[SG_KV_LINE_MAX];
    apr_size_t len = 0;
    apr_status_t rv;

    for (;;) {
        if ((rv = fill(kv)) != APR_SUCCESS) {
            return rv;
        }
        while (kv->pos < kv->have) {
            char c = kv->buf[kv->pos++];
            if (c == '\n') {
                len -= len && tmp[len - 1] == '\r';
                *line = apr_pstrmemdup(p, tmp, len);
                return APR_SUCCESS;
            }
            if (len >= sizeof(tmp) - 1) {
                return APR_ENOSPC;   /* a reply line longer than SG_KV_LINE_MAX */
            }
            tmp[len++] = c;
        }
    }
}

/* Reads exactly LEN bytes plus the CRLF after them. */
static apr_status_t read_block(sg_kv_t *kv, char *out, apr_size_t len)
{
    apr_size_t got = 0;
    char crlf[2];
    apr_status_t rv;

    while (got < len + 2) {
        apr_size_t n;
        if ((rv = fill(kv)) != APR_SUCCESS) {
            return rv;
        }
        for (n = 0; kv->pos < kv->have && got < len + 2; n++, got++) {
            char c = kv->buf[kv->pos++];
            if (got < len) {
                out[got] = c;
            }
            else {
                crlf[got - len] = c;
            }
        }
    }
    return memcmp(crlf, "\r\n", 2) ? APR_EGENERAL : APR_SUCCESS;
}

/* ------------------------------------------------------------------ redis */

/* Sends a command of ARGC arguments (binary-safe lengths in LENS). */
static apr_status_t resp_send(sg_kv_t *kv, int argc, const char *const *argv,
                              const apr_size_t *lens, apr_pool_t *p)
{
    char *cmd = apr_psprintf(p, "*%d\r\n", argc);
    int i;

    for (i = 0; i < argc; i++) {
        cmd = apr_psprintf(p, "%s$%" APR_SIZE_T_FMT "\r\n%s\r\n", cmd, lens[i],
                           apr_pstrmemdup(p, argv[i], lens[i]));
    }
    return send_all(kv, cmd, strlen(cmd));
}

/* Reads one bulk reply into BUF (*LEN in: size, out: length); APR_NOTFOUND for nil. */
static apr_status_t resp_bulk(sg_kv_t *kv, char *buf, apr_size_t *len, apr_pool_t *p)
{
    char *line;
    long n;
    apr_status_t rv = read_line(kv, &line, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (line[0] != '$') {
        return APR_EGENERAL;
    }
    n = strtol(line + 1, NULL, 10);
    if (n < 0) {
        return APR_NOTFOUND;
    }
    if ((apr_size_t)n >= *len) {
        return APR_ENOSPC;
    }
    *len = (apr_size_t)n;
    return read_block(kv, buf, *len);
}

/* Reads a status or integer reply; APR_EGENERAL for an error reply. */
static apr_status_t resp_simple(sg_kv_t *kv, long *value, apr_pool_t *p)
{
    char *line;
    apr_status_t rv = read_line(kv, &line, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    if (line[0] == ':' && value) {
        *value = strtol(line + 1, NULL, 10);
    }
    return (line[0] == '+' || line[0] == ':') ? APR_SUCCESS : APR_EGENERAL;
}

/* ------------------------------------------------------------------ keys */

static const char *to_key(const char *id, apr_pool_t *p)
{
    apr_size_t n = strlen(id), i;
    char *key = apr_palloc(p, sizeof(NS) + n * 2), *o;

    o = apr_cpystrn(key, NS, sizeof(NS));
    for (i = 0; i < n; i++) {
        o += apr_snprintf(o, 3, "%02x", (unsigned char)id[i]);
    }
    return key;
}

/* The id of a store key; NULL when it is not one of spamgear's. */
static const char *from_key(const char *key, apr_size_t len, apr_pool_t *p)
{
    char *id, *o;
    apr_size_t i;

    if (len < sizeof(NS) - 1 || memcmp(key, NS, sizeof(NS) - 1) || (len - sizeof(NS) + 1) % 2) {
        return NULL;
    }
    o = id = apr_palloc(p, len / 2 + 1);
    for (i = sizeof(NS) - 1; i + 1 < len; i += 2) {
        char hex[3] = { key[i], key[i + 1], '\0' };
        if (!apr_isxdigit(hex[0]) || !apr_isxdigit(hex[1])) {
            return NULL;
        }
        *o++ = (char)strtol(hex, NULL, 16);
    }
    *o = '\0';
    return id;
}

/* ------------------------------------------------------------------ the store */

static apr_status_t kv_get(sg_ban_store_t *st, const char *id, char *buf, apr_size_t *len,
                           apr_pool_t *p)
{
    sg_kv_t *kv = st->baton;
    const char *key = to_key(id, p);
    char *line;
    apr_status_t rv;

    if (kv->redis) {
        const char *argv[2] = { "GET", key };
        apr_size_t lens[2] = { 3, strlen(key) };
        rv = resp_send(kv, 2, argv, lens, p);
        return rv == APR_SUCCESS ? resp_bulk(kv, buf, len, p) : rv;
    }
    if ((rv = send_all(kv, apr_pstrcat(p, "get ", key, "\r\n", NULL), strlen(key) + 6))
        != APR_SUCCESS || (rv = read_line(kv, &line, p)) != APR_SUCCESS) {
        return rv;
    }
    if (!strcmp(line, "END")) {
        return APR_NOTFOUND;
    }
    if (strncmp(line, "VALUE ", 6)) {
        return APR_EGENERAL;
    }
    {
        const char *sp = strrchr(line, ' ');
        long n = strtol(sp + 1, NULL, 10);
        if (n < 0 || (apr_size_t)n >= *len) {
            return APR_ENOSPC;
        }
        *len = (apr_size_t)n;
        if ((rv = read_block(kv, buf, *len)) != APR_SUCCESS
            || (rv = read_line(kv, &line, p)) != APR_SUCCESS) {
            return rv;
        }
        return strcmp(line, "END") ? APR_EGENERAL : APR_SUCCESS;
    }
}

static apr_status_t kv_set(sg_ban_store_t *st, const char *id, const char *value,
                           apr_int64_t expires, apr_pool_t *p)
{
    sg_kv_t *kv = st->baton;
    const char *key = to_key(id, p);
    apr_int64_t ttl = expires - apr_time_sec(apr_time_now());
    char *line, *cmd;
    apr_status_t rv;

    if (ttl <= 0) {
        return APR_EINVAL;
    }
    if (kv->redis) {
        const char *t = apr_psprintf(p, "%" APR_INT64_T_FMT, ttl);
        const char *argv[4] = { "SETEX", key, t, value };
        apr_size_t lens[4] = { 5, strlen(key), strlen(t), strlen(value) };
        rv = resp_send(kv, 4, argv, lens, p);
        return rv == APR_SUCCESS ? resp_simple(kv, NULL, p) : rv;
    }
    cmd = apr_psprintf(p, "set %s 0 %" APR_INT64_T_FMT " %" APR_SIZE_T_FMT "\r\n%s\r\n", key,
                       ttl, strlen(value), value);
    if ((rv = send_all(kv, cmd, strlen(cmd))) != APR_SUCCESS
        || (rv = read_line(kv, &line, p)) != APR_SUCCESS) {
        return rv;
    }
    return strcmp(line, "STORED") ? APR_EGENERAL : APR_SUCCESS;
}

static apr_status_t kv_del(sg_ban_store_t *st, const char *id, apr_pool_t *p)
{
    sg_kv_t *kv = st->baton;
    const char *key = to_key(id, p);
    char *line;
    long n = 0;
    apr_status_t rv;

    if (kv->redis) {
        const char *argv[2] = { "DEL", key };
        apr_size_t lens[2] = { 3, strlen(key) };
        if ((rv = resp_send(kv, 2, argv, lens, p)) != APR_SUCCESS
            || (rv = resp_simple(kv, &n, p)) != APR_SUCCESS) {
            return rv;
        }
        return n ? APR_SUCCESS : APR_NOTFOUND;
    }
    if ((rv = send_all(kv, apr_pstrcat(p, "delete ", key, "\r\n", NULL), strlen(key) + 9))
        != APR_SUCCESS || (rv = read_line(kv, &line, p)) != APR_SUCCESS) {
        return rv;
    }
    return !strcmp(line, "DELETED") ? APR_SUCCESS
        : !strcmp(line, "NOT_FOUND") ? APR_NOTFOUND : APR_EGENERAL;
}

sg_ban_store_t *sg_kv_store(sg_kv_t *kv)
{
    return &kv->st;
}

/* ------------------------------------------------------------------ listing */

static apr_status_t list_redis(sg_kv_t *kv, apr_array_header_t *ids, apr_pool_t *p)
{
    char cursor[64] = "0", *line;
    apr_status_t rv;

    do {
        const char *argv[6] = { "SCAN", cursor, "MATCH", NS "*", "COUNT", "500" };
        apr_size_t lens[6] = { 4, strlen(cursor), 5, sizeof(NS), 5, 3 };
        apr_size_t len = sizeof(cursor);
        long n, i;
        if ((rv = resp_send(kv, 6, argv, lens, p)) != APR_SUCCESS
            || (rv = read_line(kv, &line, p)) != APR_SUCCESS) {
            return rv;
        }
        if (strcmp(line, "*2") || (rv = resp_bulk(kv, cursor, &len, p)) != APR_SUCCESS
            || (rv = read_line(kv, &line, p)) != APR_SUCCESS || line[0] != '*') {
            return rv != APR_SUCCESS ? rv : APR_EGENERAL;
        }
        cursor[len] = '\0';
        n = strtol(line + 1, NULL, 10);
        for (i = 0; i < n; i++) {
            char key[SG_KV_LINE_MAX];
            apr_size_t klen = sizeof(key);
            const char *id;
            if ((rv = resp_bulk(kv, key, &klen, p)) != APR_SUCCESS) {
                return rv;
            }
            if ((id = from_key(key, klen, p)) != NULL) {
                APR_ARRAY_PUSH(ids, const char *) = id;
            }
        }
    } while (strcmp(cursor, "0"));
    return APR_SUCCESS;
}

/* Decodes %XX in place (memcached's metadump escapes keys). */
static void url_decode(char *s)
{
    char *o = s;

    for (; *s; s++) {
        if (s[0] == '%' && apr_isxdigit(s[1]) && apr_isxdigit(s[2])) {
            char hex[3] = { s[1], s[2], '\0' };
            *o++ = (char)strtol(hex, NULL, 16);
            s += 2;
        }
        else {
            *o++ = *s;
        }
    }
    *o = '\0';
}

static apr_status_t list_memcache(sg_kv_t *kv, apr_array_header_t *ids, apr_pool_t *p)
{
    static const char cmd[] = "lru_crawler metadump all\r\n";
    char *line;
    apr_status_t rv = send_all(kv, cmd, sizeof(cmd) - 1);

    while (rv == APR_SUCCESS && (rv = read_line(kv, &line, p)) == APR_SUCCESS
           && strcmp(line, "END")) {
        char *end;
        const char *id;
        if (strncmp(line, "key=", 4)) {
            return APR_EGENERAL;   /* "BUSY" or "ERROR": the crawler is unavailable */
        }
        end = strchr(line + 4, ' ');
        if (end) {
            *end = '\0';
        }
        url_decode(line + 4);
        if ((id = from_key(line + 4, strlen(line + 4), p)) != NULL) {
            APR_ARRAY_PUSH(ids, const char *) = id;
        }
    }
    return rv;
}

apr_status_t sg_kv_list(sg_kv_t *kv, apr_array_header_t *ids, sg_result_t *res)
{
    apr_status_t rv = kv->redis ? list_redis(kv, ids, kv->pool) : list_memcache(kv, ids, kv->pool);

    if (rv != APR_SUCCESS) {
        return sg_result_set(res, kv->pool, rv, "cannot list the keys of the %s store",
                             kv->redis ? "redis" : "memcache");
    }
    return APR_SUCCESS;
}

/* ------------------------------------------------------------------ connecting */

apr_status_t sg_kv_open(const char *spec, apr_interval_time_t timeout, apr_pool_t *p,
                        sg_kv_t **out, sg_result_t *res)
{
    sg_kv_t *kv = apr_pcalloc(p, sizeof(*kv));
    char *host, *scope;
    apr_port_t port;
    apr_sockaddr_t *sa;
    const char *addr;
    apr_status_t rv;

    if (!strncmp(spec, "redis:", 6)) {
        kv->redis = 1;
        addr = spec + 6;
    }
    else if (!strncmp(spec, "memcache:", 9)) {
        addr = spec + 9;
    }
    else {
        return sg_result_set(res, p, APR_EINVAL, "store must be redis:HOST:PORT or "
                             "memcache:HOST:PORT (%s)", spec);
    }
    if (apr_parse_addr_port(&host, &scope, &port, addr, p) != APR_SUCCESS || !host) {
        return sg_result_set(res, p, APR_EINVAL, "bad HOST:PORT in %s", spec);
    }
    port = port ? port : (kv->redis ? 6379 : 11211);
    if ((rv = apr_sockaddr_info_get(&sa, host, APR_UNSPEC, port, 0, p)) != APR_SUCCESS
        || (rv = apr_socket_create(&kv->sock, sa->family, SOCK_STREAM, APR_PROTO_TCP, p))
           != APR_SUCCESS
        || (rv = apr_socket_timeout_set(kv->sock, timeout)) != APR_SUCCESS
        || (rv = apr_socket_connect(kv->sock, sa)) != APR_SUCCESS) {
        return sg_result_set(res, p, rv, "cannot connect to %s", spec);
    }
    kv->st.get = kv_get;
    kv->st.set = kv_set;
    kv->st.del = kv_del;
    kv->st.baton = kv;
    kv->pool = p;
    *out = kv;
    return APR_SUCCESS;
}
