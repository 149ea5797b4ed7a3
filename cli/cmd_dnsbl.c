/*
 * cmd_dnsbl.c: spamgear dnsbl (check_dnsbl), a Nagios plugin that asks DNS
 * blocklists about addresses.  Every query runs in parallel on one c-ares
 * channel; one deadline (-t) bounds the whole check, host resolution included.
 * What an answer means is decided by the core (sg_dnsbl.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <netinet/in.h>
#include <ares.h>
#include <jansson.h>
#include <apr_strings.h>
#include <apr_time.h>
#include "sg_cli.h"
#include "sg_dnsbl.h"

#define MAX_ARGS 32           /* IP|HOST arguments */
#define MAX_ADDRS 64          /* addresses checked in one run */
#define MAX_HOST_ADDRS 16     /* addresses taken from one HOST */
#define MAX_TIMEOUT 300       /* -t limit, seconds */
#define MAX_THRESHOLD 10000   /* -w/-c limit */
#define MAX_SUBJECT 200       /* bytes of the arguments echoed in the status line */
#define MAX_STATUS 2048       /* bytes of status text before the perfdata */

/* ares_getsock()'s bits, read unsigned: c-ares' own ARES_GETSOCK_WRITABLE
 * shifts an int 1 left by 31 for the last socket (undefined behaviour that
 * UBSan reports on every dnsbl run). */
#define SOCK_READABLE(bits, i) (((unsigned)(bits) >> (i)) & 1u)
#define SOCK_WRITABLE(bits, i) (((unsigned)(bits) >> ((i) + ARES_GETSOCK_MAXNUM)) & 1u)

/* ------------------------------------------------------------ state */

typedef enum {
    CHECK_PENDING = 0,        /* query in flight */
    CHECK_CLEAN,              /* NXDOMAIN or NODATA */
    CHECK_LISTED,             /* accepted return code */
    CHECK_FAILED              /* no usable answer */
} check_state_t;

typedef struct dnsbl_run_t dnsbl_run_t;

typedef struct dnsbl_check_t {
    dnsbl_run_t *run;               /* back pointer for callbacks */
    const sg_dnsbl_addr_t *addr;    /* address asked about */
    const sg_dnsbl_list_t *list;    /* list asked */
    const char *qname;              /* query name */
    check_state_t state;            /* result so far */
    const char *what;               /* listed: codes; failed: why */
    const char *txt;                /* listed: TXT reason, NULL when none */
} dnsbl_check_t;

typedef struct dnsbl_host_t {
    dnsbl_run_t *run;               /* back pointer for callbacks */
    const char *name;               /* HOST as given */
    apr_array_header_t *addrs;      /* sg_dnsbl_addr_t, sorted */
    const char *why;                /* resolution failed or was cut: why */
} dnsbl_host_t;

struct dnsbl_run_t {
    apr_pool_t *pool;               /* everything of this run */
    ares_channel channel;           /* one channel for every query */
    apr_array_header_t *lists;      /* sg_dnsbl_list_t */
    apr_array_header_t *addrs;      /* sg_dnsbl_addr_t, in argument order */
    apr_array_header_t *hosts;      /* dnsbl_host_t *, HOST arguments */
    apr_array_header_t *checks;     /* dnsbl_check_t *, address x list */
    int pending;                    /* queries whose callback has not run */
    int timeout;                    /* -t, seconds */
    int cancelled;                  /* the deadline passed: start nothing new */
};

typedef struct dnsbl_opts_t {
    int warn, crit, timeout, verbose, json;  /* -w -c -t -v --json */
    const char *lists_path;                  /* -l */
    const char *server;                      /* --server, NULL: resolv.conf */
} dnsbl_opts_t;

/* ------------------------------------------------------------ errors */

/* Config and usage errors: one line on stderr, and a Nagios status line on
 * stdout so the monitoring shows why; exit 3 (UNKNOWN). */
static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    apr_vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sg_cli_error("%s", msg);
    printf("DNSBL UNKNOWN - %s\n", msg);
    return SG_EXIT_UNKNOWN;
}

static const char *ares_status_text(const dnsbl_run_t *run, int status)
{
    switch (status) {
    case ARES_ETIMEOUT:      /* c-ares gave up: its tries fit in -t */
    case ARES_ECANCELLED:    /* the -t deadline passed */
    case ARES_EDESTRUCTION:
        return apr_psprintf(run->pool, "no answer within %d s", run->timeout);
    case ARES_ESERVFAIL:
        return "server failure (SERVFAIL)";
    case ARES_EREFUSED:
        return "the DNS server refused the query (REFUSED)";
    case ARES_ECONNREFUSED:
        return "the DNS server refused the query or cannot be reached";
    }
    return ares_strerror(status);
}

/* ------------------------------------------------------------ queries */

static void txt_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    dnsbl_check_t *check = arg;
    struct ares_txt_ext *txt = NULL, *t;
    unsigned char buf[SG_DNSBL_MAX_TXT + 1];
    apr_size_t len = 0, n;

    check->run->pending--;
    if (status != ARES_SUCCESS || ares_parse_txt_reply_ext(abuf, alen, &txt) != ARES_SUCCESS) {
        return;   /* the listing stands without a reason */
    }
    /* The first record only, its chunks joined; one byte over the cap marks a cut. */
    for (t = txt; t && (t == txt || !t->record_start) && len <= SG_DNSBL_MAX_TXT; t = t->next) {
        n = t->length > sizeof(buf) - len ? sizeof(buf) - len : t->length;
        memcpy(buf + len, t->txt, n);
        len += n;
    }
    check->txt = sg_dnsbl_clean_text(check->run->pool, buf, len, SG_DNSBL_MAX_TXT);
    ares_free_data(txt);
}

static void a_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    dnsbl_check_t *check = arg;
    dnsbl_run_t *run = check->run;
    struct ares_addrttl ttls[SG_DNSBL_MAX_ANSWERS];
    apr_uint32_t codes[SG_DNSBL_MAX_ANSWERS];
    int n = SG_DNSBL_MAX_ANSWERS, i, rc;

    run->pending--;
    if (status == ARES_ENOTFOUND || status == ARES_ENODATA) {
        check->state = CHECK_CLEAN;
        return;
    }
    if (status != ARES_SUCCESS) {
        check->state = CHECK_FAILED;
        check->what = ares_status_text(run, status);
        return;
    }
    rc = ares_parse_a_reply(abuf, alen, NULL, ttls, &n);
    if (rc == ARES_ENODATA) {
        n = 0;
    }
    else if (rc != ARES_SUCCESS) {
        check->state = CHECK_FAILED;
        check->what = apr_psprintf(run->pool, "bad answer: %s", ares_strerror(rc));
        return;
    }
    for (i = 0; i < n; i++) {
        codes[i] = ntohl(ttls[i].ipaddr.s_addr);
    }
    switch (sg_dnsbl_classify(check->list, codes, n, run->pool, &check->what)) {
    case SG_DNSBL_CLEAN:
        check->state = CHECK_CLEAN;
        break;
    case SG_DNSBL_ERROR:
        check->state = CHECK_FAILED;
        break;
    case SG_DNSBL_LISTED:
        check->state = CHECK_LISTED;
        if (!run->cancelled) {
            run->pending++;
            ares_query(run->channel, check->qname, ns_c_in, ns_t_txt, txt_done, check);
        }
        break;
    }
}

/* Queries every list that covers ADDR. */
static void start_checks(dnsbl_run_t *run, const sg_dnsbl_addr_t *addr)
{
    char qname[SG_DNSBL_MAX_NAME + 1];
    int i;

    for (i = 0; i < run->lists->nelts; i++) {
        const sg_dnsbl_list_t *list = &APR_ARRAY_IDX(run->lists, i, sg_dnsbl_list_t);
        dnsbl_check_t *check;

        if (!(list->families & addr->family)
            || sg_dnsbl_query_name(addr, list->zone, qname, sizeof(qname)) != APR_SUCCESS) {
            continue;   /* the lists file guarantees the name fits */
        }
        check = apr_pcalloc(run->pool, sizeof(*check));
        check->run = run;
        check->addr = addr;
        check->list = list;
        check->qname = apr_pstrdup(run->pool, qname);
        APR_ARRAY_PUSH(run->checks, dnsbl_check_t *) = check;
        run->pending++;
        ares_query(run->channel, check->qname, ns_c_in, ns_t_a, a_done, check);
    }
}

/* ------------------------------------------------------------ hosts */

static int addr_cmp(const void *a, const void *b)
{
    const sg_dnsbl_addr_t *x = a, *y = b;

    return x->family != y->family ? x->family - y->family
                                  : memcmp(x->bytes, y->bytes, sizeof(x->bytes));
}

static void host_add(dnsbl_host_t *host, const struct ares_addrinfo_node *node)
{
    sg_dnsbl_addr_t addr;
    const void *bytes;

    memset(&addr, 0, sizeof(addr));
    if (node->ai_family == AF_INET) {
        bytes = &((const struct sockaddr_in *)(const void *)node->ai_addr)->sin_addr;
        addr.family = SG_DNSBL_IPV4;
        memcpy(addr.bytes, bytes, 4);
        inet_ntop(AF_INET, bytes, addr.text, sizeof(addr.text));
    }
    else if (node->ai_family == AF_INET6) {
        bytes = &((const struct sockaddr_in6 *)(const void *)node->ai_addr)->sin6_addr;
        addr.family = SG_DNSBL_IPV6;
        memcpy(addr.bytes, bytes, 16);
        inet_ntop(AF_INET6, bytes, addr.text, sizeof(addr.text));
    }
    else {
        return;
    }
    if (host->addrs->nelts == MAX_HOST_ADDRS) {
        host->why = apr_psprintf(host->run->pool, "more than %d addresses, the first %d "
                                 "checked", MAX_HOST_ADDRS, MAX_HOST_ADDRS);
        return;
    }
    APR_ARRAY_PUSH(host->addrs, sg_dnsbl_addr_t) = addr;
}

static void host_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    dnsbl_host_t *host = arg;
    const struct ares_addrinfo_node *node;

    host->run->pending--;
    if (status != ARES_SUCCESS) {
        host->why = apr_psprintf(host->run->pool, "cannot resolve: %s",
                                 ares_status_text(host->run, status));
        return;
    }
    for (node = res->nodes; node; node = node->ai_next) {
        host_add(host, node);
    }
    ares_freeaddrinfo(res);
    if (host->addrs->nelts == 0) {
        host->why = "cannot resolve: no IPv4 or IPv6 address";
    }
    qsort(host->addrs->elts, (size_t)host->addrs->nelts, sizeof(sg_dnsbl_addr_t), addr_cmp);
}

/* ------------------------------------------------------------ event loop */

/* Runs the channel until every callback ran or DEADLINE passed; at the
 * deadline the queries left are cancelled (their callbacks run now). */
static void run_until(dnsbl_run_t *run, apr_time_t deadline)
{
    while (run->pending > 0) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        struct pollfd pfd[ARES_GETSOCK_MAXNUM];
        struct timeval max, tv, *next;
        apr_time_t left = deadline - apr_time_now();
        int bits, i, n = 0, ready;

        if (left <= 0) {
            run->cancelled = 1;
            ares_cancel(run->channel);
            break;
        }
        bits = ares_getsock(run->channel, socks, ARES_GETSOCK_MAXNUM);
        for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
            if (SOCK_READABLE(bits, i) || SOCK_WRITABLE(bits, i)) {
                pfd[n].fd = socks[i];
                pfd[n].events = (short)((SOCK_READABLE(bits, i) ? POLLIN : 0)
                                        | (SOCK_WRITABLE(bits, i) ? POLLOUT : 0));
                pfd[n++].revents = 0;
            }
        }
        max.tv_sec = (long)apr_time_sec(left);
        max.tv_usec = (long)apr_time_usec(left);
        next = ares_timeout(run->channel, &max, &tv);
        ready = poll(pfd, (nfds_t)n, (int)(next->tv_sec * 1000 + (next->tv_usec + 999) / 1000));
        if (ready < 0 && errno != EINTR) {
            run->cancelled = 1;
            ares_cancel(run->channel);
            break;
        }
        if (ready <= 0) {
            ares_process_fd(run->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
            continue;
        }
        for (i = 0; i < n; i++) {
            ares_process_fd(run->channel,
                            (pfd[i].revents & (POLLIN | POLLERR | POLLHUP)) ? pfd[i].fd
                                                                          : ARES_SOCKET_BAD,
                            (pfd[i].revents & POLLOUT) ? pfd[i].fd : ARES_SOCKET_BAD);
        }
    }
}

static void add_addr(dnsbl_run_t *run, const sg_dnsbl_addr_t *addr, dnsbl_host_t *host)
{
    int i;

    for (i = 0; i < run->addrs->nelts; i++) {
        if (!addr_cmp(addr, &APR_ARRAY_IDX(run->addrs, i, sg_dnsbl_addr_t))) {
            return;   /* asked already */
        }
    }
    if (run->addrs->nelts == MAX_ADDRS) {
        if (host && !host->why) {
            host->why = apr_psprintf(run->pool, "more than %d addresses in all, the first %d "
                                     "checked", MAX_ADDRS, MAX_ADDRS);
        }
        return;
    }
    APR_ARRAY_PUSH(run->addrs, sg_dnsbl_addr_t) = *addr;
}

/* Resolves the HOST arguments, then asks every list about every address.
 * ADDRS (parsed arguments) has a zero family where the argument is a HOST. */
static void run_checks(dnsbl_run_t *run, int argc, const char *const *argv,
                       const sg_dnsbl_addr_t *addrs)
{
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(run->timeout);
    struct ares_addrinfo_hints hints;
    dnsbl_host_t **hosts = apr_pcalloc(run->pool, sizeof(*hosts) * (apr_size_t)argc);
    int i, j;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_flags = ARES_AI_NOSORT;
    for (i = 0; i < argc; i++) {
        if (addrs[i].family) {
            continue;
        }
        hosts[i] = apr_pcalloc(run->pool, sizeof(dnsbl_host_t));
        hosts[i]->run = run;
        hosts[i]->name = argv[i];
        hosts[i]->addrs = apr_array_make(run->pool, 4, sizeof(sg_dnsbl_addr_t));
        APR_ARRAY_PUSH(run->hosts, dnsbl_host_t *) = hosts[i];
        run->pending++;
        ares_getaddrinfo(run->channel, argv[i], NULL, &hints, host_done, hosts[i]);
    }
    run_until(run, deadline);
    /* Addresses in argument order, so the output does not depend on timing. */
    for (i = 0; i < argc; i++) {
        if (!hosts[i]) {
            add_addr(run, &addrs[i], NULL);
            continue;
        }
        for (j = 0; j < hosts[i]->addrs->nelts; j++) {
            add_addr(run, &APR_ARRAY_IDX(hosts[i]->addrs, j, sg_dnsbl_addr_t), hosts[i]);
        }
    }
    for (i = 0; i < run->addrs->nelts && !run->cancelled; i++) {
        start_checks(run, &APR_ARRAY_IDX(run->addrs, i, sg_dnsbl_addr_t));
    }
    run_until(run, deadline);
}

/* ------------------------------------------------------------ output */

typedef struct dnsbl_tally_t {
    int listed;                     /* checks that found a listing */
    int failed;                     /* failed checks and hosts */
    int total;                      /* checks */
    sg_dnsbl_state_t state;         /* Nagios state */
} dnsbl_tally_t;

static dnsbl_tally_t tally(const dnsbl_run_t *run, const dnsbl_opts_t *o)
{
    dnsbl_tally_t t = { 0, 0, 0, SG_DNSBL_OK };
    int i;

    for (i = 0; i < run->checks->nelts; i++) {
        check_state_t s = APR_ARRAY_IDX(run->checks, i, dnsbl_check_t *)->state;
        t.listed += s == CHECK_LISTED;
        t.failed += s == CHECK_FAILED || s == CHECK_PENDING;
    }
    for (i = 0; i < run->hosts->nelts; i++) {
        t.failed += APR_ARRAY_IDX(run->hosts, i, dnsbl_host_t *)->why != NULL;
    }
    t.total = run->checks->nelts;
    /* No check at all (hosts unresolved, or no list covers the family) is no OK. */
    t.state = sg_dnsbl_state(t.listed, t.failed + (t.total == 0), o->warn, o->crit);
    return t;
}

/* "ZONE" with one address, "ADDR on ZONE" with several. */
static const char *check_label(const dnsbl_run_t *run, const dnsbl_check_t *c)
{
    return run->addrs->nelts > 1
               ? apr_pstrcat(run->pool, c->addr->text, " on ", c->list->zone, NULL)
               : c->list->zone;
}

static const char *items(const dnsbl_run_t *run, check_state_t want)
{
    const char *out = NULL, *item;
    int i;

    for (i = 0; i < run->checks->nelts; i++) {
        const dnsbl_check_t *c = APR_ARRAY_IDX(run->checks, i, dnsbl_check_t *);
        if (c->state != want && !(want == CHECK_FAILED && c->state == CHECK_PENDING)) {
            continue;
        }
        item = check_label(run, c);
        if (want == CHECK_FAILED) {
            item = apr_pstrcat(run->pool, item, ": ", c->what ? c->what : "no answer", NULL);
        }
        out = out ? apr_pstrcat(run->pool, out, want == CHECK_FAILED ? "; " : ", ", item, NULL)
                  : item;
    }
    for (i = 0; want == CHECK_FAILED && i < run->hosts->nelts; i++) {
        const dnsbl_host_t *h = APR_ARRAY_IDX(run->hosts, i, dnsbl_host_t *);
        if (h->why) {
            item = apr_pstrcat(run->pool, h->name, ": ", h->why, NULL);
            out = out ? apr_pstrcat(run->pool, out, "; ", item, NULL) : item;
        }
    }
    return out;
}

static const char *subject(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *s = argv[0];
    int i;

    for (i = 1; i < argc; i++) {
        s = apr_pstrcat(p, s, " ", argv[i], NULL);
    }
    return strlen(s) > MAX_SUBJECT ? apr_pstrcat(p, apr_pstrndup(p, s, MAX_SUBJECT), "...", NULL)
                                   : s;
}

static void print_status(const dnsbl_run_t *run, const dnsbl_opts_t *o, dnsbl_tally_t t,
                         const char *subj)
{
    const char *listed = items(run, CHECK_LISTED), *failed = items(run, CHECK_FAILED);
    char *text = apr_psprintf(run->pool, "%s: listed %d/%d%s%s%s", subj, t.listed, t.total,
                              listed ? " (" : "", listed ? listed : "", listed ? ")" : "");

    if (failed) {
        text = apr_psprintf(run->pool, "%s, %d failed (%s)", text, t.failed, failed);
    }
    else if (t.total == 0) {
        text = apr_pstrcat(run->pool, text, ", no list covers these addresses", NULL);
    }
    if (strlen(text) > MAX_STATUS) {
        memcpy(text + MAX_STATUS - 3, "...", 4);
    }
    printf("DNSBL %s - %s | listed=%d;%d;%d;0;%d\n", sg_dnsbl_state_name(t.state), text,
           t.listed, o->warn, o->crit, t.total);
}

static void print_details(const dnsbl_run_t *run)
{
    static const char *const names[] = { "failed", "clean", "listed", "failed" };
    int i;

    for (i = 0; i < run->hosts->nelts; i++) {
        const dnsbl_host_t *h = APR_ARRAY_IDX(run->hosts, i, dnsbl_host_t *);
        if (h->why) {
            printf("failed %s: %s\n", h->name, h->why);
        }
    }
    for (i = 0; i < run->checks->nelts; i++) {
        const dnsbl_check_t *c = APR_ARRAY_IDX(run->checks, i, dnsbl_check_t *);
        printf("%s %s on %s", names[c->state], c->addr->text, c->list->zone);
        if (strcmp(c->list->name, c->list->zone)) {
            printf(" (%s)", c->list->name);
        }
        if (c->state != CHECK_CLEAN) {
            printf(": %s", c->what ? c->what : "no answer");
        }
        if (c->txt) {
            printf(" \"%s\"", c->txt);
        }
        putchar('\n');
    }
}

static void print_json(const dnsbl_run_t *run, const dnsbl_opts_t *o, dnsbl_tally_t t)
{
    static const char *const names[] = { "failed", "clean", "listed", "failed" };
    json_t *root = json_object(), *checks = json_array(), *hosts = json_array();
    char *text;
    int i;

    for (i = 0; i < run->hosts->nelts; i++) {
        const dnsbl_host_t *h = APR_ARRAY_IDX(run->hosts, i, dnsbl_host_t *);
        json_array_append_new(hosts, json_pack("{s:s, s:s?}", "host", h->name, "error", h->why));
    }
    for (i = 0; i < run->checks->nelts; i++) {
        const dnsbl_check_t *c = APR_ARRAY_IDX(run->checks, i, dnsbl_check_t *);
        json_array_append_new(checks, json_pack(
            "{s:s, s:s, s:s, s:s, s:s?, s:s?, s:s?}", "address", c->addr->text,
            "zone", c->list->zone, "name", c->list->name, "result", names[c->state],
            "codes", c->state == CHECK_LISTED ? c->what : NULL,
            "error", c->state == CHECK_LISTED ? NULL : c->what, "txt", c->txt));
    }
    json_object_set_new(root, "status", json_string(sg_dnsbl_state_name(t.state)));
    json_object_set_new(root, "listed", json_integer(t.listed));
    json_object_set_new(root, "failed", json_integer(t.failed));
    json_object_set_new(root, "total", json_integer(t.total));
    json_object_set_new(root, "warning", json_integer(o->warn));
    json_object_set_new(root, "critical", json_integer(o->crit));
    json_object_set_new(root, "hosts", hosts);
    json_object_set_new(root, "checks", checks);
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (text) {
        puts(text);
        free(text);
    }
    json_decref(root);
}

/* ------------------------------------------------------------ options */

static const char *parse_number(const apr_table_t *opts, const char *name, int min, int max,
                                int *value)
{
    const char *arg = apr_table_get(opts, name);
    char *end;
    apr_int64_t n;

    if (!arg) {
        return NULL;
    }
    n = apr_strtoi64(arg, &end, 10);
    if (!*arg || *end || n < min || n > max) {
        return apr_psprintf(apr_table_elts(opts)->pool, "--%s needs a whole number from %d "
                            "to %d, not '%s'", name, min, max, arg);
    }
    *value = (int)n;
    return NULL;
}

static const char *parse_options(sg_cli_t *cli, dnsbl_opts_t *o)
{
    const char *problem;

    o->warn = 1;
    o->crit = 2;
    o->timeout = 10;
    o->lists_path = apr_table_get(cli->opts, "lists");
    o->server = apr_table_get(cli->opts, "server");
    o->verbose = apr_table_get(cli->opts, "verbose") != NULL;
    o->json = apr_table_get(cli->opts, "json") != NULL;
    if (!o->lists_path) {
        o->lists_path = SG_DNSBL_DEFAULT_LISTS;
    }
    if ((problem = parse_number(cli->opts, "warning", 1, MAX_THRESHOLD, &o->warn))
        || (problem = parse_number(cli->opts, "critical", 1, MAX_THRESHOLD, &o->crit))
        || (problem = parse_number(cli->opts, "timeout", 1, MAX_TIMEOUT, &o->timeout))) {
        return problem;
    }
    if (o->warn > o->crit) {
        return apr_psprintf(cli->pool, "-w %d is above -c %d", o->warn, o->crit);
    }
    if (o->server && (!*o->server || strlen(o->server) > 100
                      || strspn(o->server, "0123456789abcdefABCDEF.:[],") != strlen(o->server))) {
        return apr_psprintf(cli->pool, "--server needs IP:PORT, IP or [IPV6]:PORT, not '%s'",
                            o->server);
    }
    return NULL;
}

/* Parses each argument as an address; a HOST keeps a zero family. */
static const char *parse_args(apr_pool_t *p, int argc, const char *const *argv,
                              sg_dnsbl_addr_t *addrs)
{
    int i;

    for (i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (sg_dnsbl_addr_parse(&addrs[i], a) == APR_SUCCESS) {
            continue;
        }
        if (!*a || strlen(a) > SG_DNSBL_MAX_NAME || *a == '-' || *a == '.'
            || strspn(a, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_")
                   != strlen(a)) {
            return apr_psprintf(p, "'%s' is neither an IP address nor a host name", a);
        }
    }
    return NULL;
}

static apr_status_t cleanup_channel(void *data)
{
    dnsbl_run_t *run = data;

    ares_destroy(run->channel);
    ares_library_cleanup();
    return APR_SUCCESS;
}

static const char *open_channel(dnsbl_run_t *run, const dnsbl_opts_t *o)
{
    struct ares_options ao;
    int rc;

    rc = ares_library_init(ARES_LIB_INIT_ALL);
    if (rc != ARES_SUCCESS) {
        return apr_psprintf(run->pool, "cannot start c-ares: %s", ares_strerror(rc));
    }
    /* c-ares doubles the wait on each try: T/8 + 2T/8 + 4T/8 ends before the
     * -t deadline, which leaves time for the TXT query of a late listing. */
    memset(&ao, 0, sizeof(ao));
    ao.timeout = o->timeout * 1000 / 8;
    ao.tries = 3;
    rc = ares_init_options(&run->channel, &ao, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS) {
        ares_library_cleanup();
        return apr_psprintf(run->pool, "cannot start c-ares: %s", ares_strerror(rc));
    }
    apr_pool_cleanup_register(run->pool, run, cleanup_channel, apr_pool_cleanup_null);
    if (o->server && (rc = ares_set_servers_ports_csv(run->channel, o->server)) != ARES_SUCCESS) {
        return apr_psprintf(run->pool, "--server '%s': %s", o->server, ares_strerror(rc));
    }
    return NULL;
}

/* ------------------------------------------------------------ command */

int sg_cmd_dnsbl(sg_cli_t *cli, int argc, const char *const *argv)
{
    dnsbl_opts_t o;
    dnsbl_run_t *run;
    dnsbl_tally_t t;
    sg_dnsbl_addr_t *addrs;
    sg_result_t res = { APR_SUCCESS, NULL };
    const char *problem;

    memset(&o, 0, sizeof(o));
    if ((problem = parse_options(cli, &o))) {
        return fail("dnsbl: %s; try 'spamgear dnsbl --help'", problem);
    }
    if (argc < 1 || argc > MAX_ARGS) {
        return fail("dnsbl: needs 1 to %d IP|HOST arguments; try 'spamgear dnsbl --help'",
                    MAX_ARGS);
    }
    addrs = apr_pcalloc(cli->pool, sizeof(*addrs) * (apr_size_t)argc);
    if ((problem = parse_args(cli->pool, argc, argv, addrs))) {
        return fail("dnsbl: %s; try 'spamgear dnsbl --help'", problem);
    }
    if (sg_cli_load_conf(cli) != SG_EXIT_OK) {
        printf("DNSBL UNKNOWN - bad config file %s\n", cli->conf_path);
        return SG_EXIT_UNKNOWN;
    }
    run = apr_pcalloc(cli->pool, sizeof(*run));
    apr_pool_create(&run->pool, cli->pool);
    if (sg_dnsbl_lists_read(&run->lists, o.lists_path, run->pool, &res) != APR_SUCCESS) {
        return fail("%s", res.problem);
    }
    run->timeout = o.timeout;
    run->addrs = apr_array_make(run->pool, 8, sizeof(sg_dnsbl_addr_t));
    run->hosts = apr_array_make(run->pool, 4, sizeof(dnsbl_host_t *));
    run->checks = apr_array_make(run->pool, 64, sizeof(dnsbl_check_t *));
    if ((problem = open_channel(run, &o))) {
        return fail("dnsbl: %s", problem);
    }
    run_checks(run, argc, argv, addrs);
    t = tally(run, &o);
    if (o.json) {
        print_json(run, &o, t);
    }
    else {
        print_status(run, &o, t, subject(run->pool, argc, argv));
        if (o.verbose) {
            print_details(run);
        }
    }
    apr_pool_destroy(run->pool);
    return (int)t.state;
}
