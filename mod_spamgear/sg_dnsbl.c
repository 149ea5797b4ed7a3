/* sg_dnsbl.c: DNS blocklists: lists file, query names, judging answers. */
#include <ctype.h>
#include <string.h>
#include <arpa/inet.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "sg_dnsbl.h"

#define LOOPBACK_NET 0x7f000000u     /* 127.0.0.0/8 */
#define REFUSED_NET 0x7fffff00u      /* 127.255.255.0/24: Spamhaus error codes */
/* Room left in a name for the longest prefix: 32 nibbles and their dots. */
#define MAX_ZONE (SG_DNSBL_MAX_NAME - 64)

/* ------------------------------------------------------------ lists file */

static int is_loopback(apr_uint32_t a)
{
    return (a & 0xff000000u) == LOOPBACK_NET;
}

static int is_refused_code(apr_uint32_t a)
{
    return (a & 0xffffff00u) == REFUSED_NET;
}

static const char *code_text(apr_pool_t *p, apr_uint32_t a)
{
    return apr_psprintf(p, "%u.%u.%u.%u", (a >> 24) & 0xff, (a >> 16) & 0xff, (a >> 8) & 0xff,
                        a & 0xff);
}

static int parse_ipv4(const char *text, apr_uint32_t *a)
{
    struct in_addr in;

    if (inet_pton(AF_INET, text, &in) != 1) {
        return 0;
    }
    *a = ntohl(in.s_addr);
    return 1;
}

/* Checks ZONE: DNS labels of letters, digits, '-' and '_', 1-63 bytes each. */
static const char *check_zone(const char *zone)
{
    const char *c, *label = zone;

    if (strlen(zone) > MAX_ZONE) {
        return "zone longer than 189 bytes (no room left for an IPv6 query)";
    }
    for (c = zone;; c++) {
        if (*c == '.' || !*c) {
            if (c == label || c - label > 63) {
                return "zone has an empty or over-long (> 63 bytes) label";
            }
            if (!*c) {
                return NULL;
            }
            label = c + 1;
        }
        else if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_') {
            return "zone may hold only letters, digits, '-', '_' and dots";
        }
    }
}

static const char *parse_range(char *word, sg_dnsbl_range_t *r, apr_pool_t *p)
{
    char *dash = strchr(word, '-');

    if (dash) {
        *dash = '\0';
    }
    if (!parse_ipv4(word, &r->lo) || (dash && !parse_ipv4(dash + 1, &r->hi))) {
        return apr_psprintf(p, "bad return code '%s%s%s' (expected 127.0.0.2 or "
                            "127.0.0.2-127.0.0.11)", word, dash ? "-" : "",
                            dash ? dash + 1 : "");
    }
    if (!dash) {
        r->hi = r->lo;
    }
    if (r->hi < r->lo) {
        return apr_psprintf(p, "range %s-%s ends before it starts", word, dash + 1);
    }
    if (!is_loopback(r->lo) || !is_loopback(r->hi)) {
        return apr_psprintf(p, "return code %s is outside 127.0.0.0/8", word);
    }
    if (is_refused_code(r->hi) || (r->lo <= REFUSED_NET && r->hi >= REFUSED_NET)) {
        return apr_psprintf(p, "return codes in 127.255.255.0/24 mean 'query refused', "
                            "they cannot be accepted (%s)", word);
    }
    return NULL;
}

static const char *parse_codes(const char *codes, sg_dnsbl_list_t *list, apr_pool_t *p)
{
    char *copy = apr_pstrdup(p, codes), *last, *word;
    const char *problem;

    for (word = apr_strtok(copy, ",", &last); word; word = apr_strtok(NULL, ",", &last)) {
        if (list->nranges == SG_DNSBL_MAX_RANGES) {
            return apr_psprintf(p, "more than %d return codes or ranges", SG_DNSBL_MAX_RANGES);
        }
        if ((problem = parse_range(word, &list->ranges[list->nranges++], p))) {
            return problem;
        }
    }
    return list->nranges ? NULL : "no return code";
}

static int parse_families(const char *word)
{
    if (!strcmp(word, "ipv4")) {
        return SG_DNSBL_IPV4;
    }
    if (!strcmp(word, "ipv6")) {
        return SG_DNSBL_IPV6;
    }
    if (!strcmp(word, "any")) {
        return SG_DNSBL_IPV4 | SG_DNSBL_IPV6;
    }
    return 0;
}

/* Splits the first word off *REST (modified); NULL when none is left. */
static char *next_word(char **rest)
{
    char *word = *rest + strspn(*rest, " \t\r"), *end;

    if (!*word) {
        return NULL;
    }
    end = word + strcspn(word, " \t\r");
    *rest = end + (*end ? 1 : 0);
    *end = '\0';
    return word;
}

static void trim_end(char *s)
{
    apr_size_t len = strlen(s);

    while (len > 0 && isspace((unsigned char)s[len - 1])) {
        s[--len] = '\0';
    }
}

int sg_dnsbl_parse_line(char *line, sg_dnsbl_list_t *list, apr_pool_t *p,
                        const char **problem)
{
    char *rest = line, *zone, *codes, *c;
    apr_size_t len;
    int families;

    zone = next_word(&rest);
    if (!zone || *zone == '#') {
        return 0;
    }
    memset(list, 0, sizeof(*list));
    if (!(codes = next_word(&rest))) {
        *problem = "missing return codes (expected: ZONE CODES [ipv4|ipv6|any] [NAME])";
        return -1;
    }
    len = strlen(zone);
    if (len > 1 && zone[len - 1] == '.') {
        zone[len - 1] = '\0';
    }
    if ((*problem = check_zone(zone)) || (*problem = parse_codes(codes, list, p))) {
        return -1;
    }
    for (c = zone; *c; c++) {
        *c = (char)tolower((unsigned char)*c);
    }
    list->zone = apr_pstrdup(p, zone);
    list->codes = apr_pstrdup(p, codes);
    list->families = SG_DNSBL_IPV4 | SG_DNSBL_IPV6;
    rest += strspn(rest, " \t\r");
    len = strcspn(rest, " \t\r");
    families = parse_families(apr_pstrndup(p, rest, len));
    if (families) {
        list->families = families;
        rest += len;
        rest += strspn(rest, " \t\r");
    }
    trim_end(rest);
    list->name = *rest ? apr_pstrdup(p, rest) : list->zone;
    return 1;
}

/* Reads one line into BUF; APR_ENAMETOOLONG when it does not fit. */
static apr_status_t read_line(apr_file_t *f, char *buf, apr_size_t size, int *eof)
{
    apr_status_t rv = apr_file_gets(buf, (int)size, f);
    apr_size_t len;

    if (rv == APR_EOF) {
        *eof = 1;
        return APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        return rv;
    }
    len = strlen(buf);
    if (len == size - 1 && buf[len - 1] != '\n' && apr_file_eof(f) != APR_EOF) {
        return APR_ENAMETOOLONG;
    }
    if (len > 0 && buf[len - 1] == '\n') {
        buf[len - 1] = '\0';
    }
    return APR_SUCCESS;
}

static apr_status_t add_line(apr_array_header_t *lists, apr_hash_t *seen, char *buf,
                             const char *path, int lineno, apr_pool_t *p, sg_result_t *res)
{
    sg_dnsbl_list_t list;
    const char *problem = NULL;
    int *first;

    switch (sg_dnsbl_parse_line(buf, &list, p, &problem)) {
    case 0:
        return APR_SUCCESS;
    case -1:
        return sg_result_set(res, p, APR_EINVAL, "%s:%d: %s", path, lineno, problem);
    }
    if ((first = apr_hash_get(seen, list.zone, APR_HASH_KEY_STRING))) {
        return sg_result_set(res, p, APR_EINVAL, "%s:%d: zone %s is already listed on line %d",
                             path, lineno, list.zone, *first);
    }
    if (lists->nelts == SG_DNSBL_MAX_LISTS) {
        return sg_result_set(res, p, APR_EINVAL, "%s:%d: more than %d lists", path, lineno,
                             SG_DNSBL_MAX_LISTS);
    }
    list.line = lineno;
    *(sg_dnsbl_list_t *)apr_array_push(lists) = list;
    first = apr_palloc(p, sizeof(*first));
    *first = lineno;
    apr_hash_set(seen, list.zone, APR_HASH_KEY_STRING, first);
    return APR_SUCCESS;
}

apr_status_t sg_dnsbl_lists_read(apr_array_header_t **lists, const char *path,
                                 apr_pool_t *p, sg_result_t *res)
{
    apr_file_t *f = NULL;
    apr_hash_t *seen = apr_hash_make(p);
    char *buf = apr_palloc(p, SG_DNSBL_MAX_LINE + 2);
    apr_status_t rv;
    int lineno = 0, eof = 0;

    *lists = apr_array_make(p, 16, sizeof(sg_dnsbl_list_t));
    rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BUFFERED, 0, p);
    if (rv != APR_SUCCESS) {
        return sg_result_set(res, p, rv, "%s: cannot open lists file: %pm", path, &rv);
    }
    while (rv == APR_SUCCESS) {
        rv = read_line(f, buf, SG_DNSBL_MAX_LINE + 2, &eof);
        if (rv != APR_SUCCESS || eof) {
            break;
        }
        if (++lineno > SG_DNSBL_MAX_LINES) {
            rv = sg_result_set(res, p, APR_EINVAL, "%s:%d: more than %d lines", path, lineno,
                               SG_DNSBL_MAX_LINES);
            break;
        }
        rv = add_line(*lists, seen, buf, path, lineno, p, res);
    }
    if (rv == APR_ENAMETOOLONG) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s:%d: line longer than %d bytes", path,
                           lineno + 1, SG_DNSBL_MAX_LINE);
    }
    else if (rv != APR_SUCCESS && (!res || !res->problem)) {
        rv = sg_result_set(res, p, rv, "%s:%d: read error: %pm", path, lineno + 1, &rv);
    }
    else if (rv == APR_SUCCESS && (*lists)->nelts == 0) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s:%d: no list in the file", path, lineno);
    }
    apr_file_close(f);
    return rv;
}

/* ------------------------------------------------------------ query names */

apr_status_t sg_dnsbl_addr_parse(sg_dnsbl_addr_t *addr, const char *text)
{
    memset(addr, 0, sizeof(*addr));
    if (strlen(text) >= sizeof(addr->text)) {
        return APR_EINVAL;
    }
    if (inet_pton(AF_INET, text, addr->bytes) == 1) {
        addr->family = SG_DNSBL_IPV4;
        inet_ntop(AF_INET, addr->bytes, addr->text, sizeof(addr->text));
        return APR_SUCCESS;
    }
    if (inet_pton(AF_INET6, text, addr->bytes) == 1) {
        addr->family = SG_DNSBL_IPV6;
        inet_ntop(AF_INET6, addr->bytes, addr->text, sizeof(addr->text));
        return APR_SUCCESS;
    }
    return APR_EINVAL;
}

apr_status_t sg_dnsbl_query_name(const sg_dnsbl_addr_t *addr, const char *zone,
                                 char *buf, apr_size_t size)
{
    static const char hex[] = "0123456789abcdef";
    char prefix[65], *w = prefix;
    int i;

    if (addr->family == SG_DNSBL_IPV4) {
        apr_snprintf(prefix, sizeof(prefix), "%u.%u.%u.%u.", addr->bytes[3], addr->bytes[2],
                     addr->bytes[1], addr->bytes[0]);
    }
    else {
        for (i = 15; i >= 0; i--) {
            *w++ = hex[addr->bytes[i] & 0x0f];
            *w++ = '.';
            *w++ = hex[addr->bytes[i] >> 4];
            *w++ = '.';
        }
        *w = '\0';
    }
    if (strlen(prefix) + strlen(zone) > SG_DNSBL_MAX_NAME
        || strlen(prefix) + strlen(zone) >= size) {
        return APR_ENAMETOOLONG;
    }
    apr_snprintf(buf, size, "%s%s", prefix, zone);
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ answers */

static const char *refused_text(apr_pool_t *p, apr_uint32_t code)
{
    const char *why;

    switch (code & 0xff) {
    case 252:
        why = "typing error in the list's zone";
        break;
    case 254:
        why = "queried through a public or open resolver";
        break;
    case 255:
        why = "too many queries from this resolver";
        break;
    default:
        why = "error code";
    }
    return apr_psprintf(p, "query refused: %s (%s)", why, code_text(p, code));
}

static int accepted(const sg_dnsbl_list_t *list, apr_uint32_t code)
{
    int i;

    for (i = 0; i < list->nranges; i++) {
        if (code >= list->ranges[i].lo && code <= list->ranges[i].hi) {
            return 1;
        }
    }
    return 0;
}

sg_dnsbl_verdict_t sg_dnsbl_classify(const sg_dnsbl_list_t *list, const apr_uint32_t *codes,
                                     int n, apr_pool_t *p, const char **what)
{
    const char *listed = NULL, *unexpected = NULL;
    int i;

    *what = NULL;
    for (i = 0; i < n && i < SG_DNSBL_MAX_ANSWERS; i++) {
        if (!is_loopback(codes[i])) {
            *what = apr_psprintf(p, "answer %s is outside 127.0.0.0/8 (a resolver that "
                                 "rewrites NXDOMAIN?)", code_text(p, codes[i]));
            return SG_DNSBL_ERROR;
        }
        if (is_refused_code(codes[i])) {
            *what = refused_text(p, codes[i]);
            return SG_DNSBL_ERROR;
        }
        if (accepted(list, codes[i])) {
            listed = listed ? apr_pstrcat(p, listed, ",", code_text(p, codes[i]), NULL)
                            : code_text(p, codes[i]);
        }
        else if (!unexpected) {
            unexpected = code_text(p, codes[i]);
        }
    }
    if (listed) {
        *what = listed;
        return SG_DNSBL_LISTED;
    }
    if (unexpected) {
        *what = apr_psprintf(p, "unexpected return code %s (accepted: %s)", unexpected,
                             list->codes);
        return SG_DNSBL_ERROR;
    }
    return SG_DNSBL_CLEAN;
}

char *sg_dnsbl_clean_text(apr_pool_t *p, const unsigned char *txt, apr_size_t len,
                          apr_size_t max)
{
    apr_size_t keep = len > max ? max : len, i;
    char *out = apr_palloc(p, keep + 4);

    for (i = 0; i < keep; i++) {
        out[i] = (txt[i] >= 0x20 && txt[i] < 0x7f) ? (char)txt[i] : '?';
    }
    if (keep < len) {
        memcpy(out + keep, "...", 3);
        keep += 3;
    }
    out[keep] = '\0';
    return out;
}

sg_dnsbl_state_t sg_dnsbl_state(int listed, int failed, int warn, int crit)
{
    if (listed >= crit) {
        return SG_DNSBL_CRITICAL;
    }
    if (listed >= warn) {
        return SG_DNSBL_WARNING;
    }
    return failed ? SG_DNSBL_UNKNOWN : SG_DNSBL_OK;
}

const char *sg_dnsbl_state_name(sg_dnsbl_state_t state)
{
    static const char *const names[] = { "OK", "WARNING", "CRITICAL", "UNKNOWN" };

    return (unsigned)state < 4 ? names[state] : "UNKNOWN";
}
