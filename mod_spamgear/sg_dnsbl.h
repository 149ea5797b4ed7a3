#ifndef SG_DNSBL_H
#define SG_DNSBL_H
/*
 * DNS blocklists: the lists file, query names and the meaning of answers.
 *
 * Pure logic, no network: the spamgear tool sends the queries (c-ares) and
 * hands the A records it got to sg_dnsbl_classify().
 *
 * Lists file format (conf/dnsbl.lists), one list per line:
 *
 *     ZONE  CODES  [ipv4|ipv6|any]  [NAME...]
 *
 * ZONE is the list's DNS zone (zen.spamhaus.org); CODES the comma-separated
 * return codes that mean "listed", each an address or an A-B range inside
 * 127.0.0.0/8 (127.0.0.2-127.0.0.11,127.0.0.20); the optional third word says
 * which addresses the list covers (default any); the rest of the line is a
 * display name.  '#' starts a comment line; blank lines are ignored.
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include "sg_result.h"

#define SG_DNSBL_MAX_LISTS 200       /* lists in one file */
#define SG_DNSBL_MAX_RANGES 32       /* code ranges per list */
#define SG_DNSBL_MAX_LINE 1024       /* bytes per line of the lists file */
#define SG_DNSBL_MAX_LINES 10000     /* lines in the lists file */
#define SG_DNSBL_MAX_NAME 253        /* a DNS name, without the final dot */
#define SG_DNSBL_MAX_ANSWERS 16      /* A records looked at per answer */
#define SG_DNSBL_MAX_TXT 300         /* bytes of TXT reason kept */

#define SG_DNSBL_IPV4 1              /* sg_dnsbl_list_t.families bits */
#define SG_DNSBL_IPV6 2

typedef struct sg_dnsbl_range_t {
    apr_uint32_t lo;                 /* first accepted code, host byte order */
    apr_uint32_t hi;                 /* last accepted code (>= lo) */
} sg_dnsbl_range_t;

typedef struct sg_dnsbl_list_t {
    const char *zone;                /* DNS zone, lower case, no final dot */
    const char *name;                /* display name; the zone when none given */
    const char *codes;               /* CODES as written, for messages */
    int families;                    /* SG_DNSBL_IPV4 | SG_DNSBL_IPV6 */
    int nranges;                     /* ranges used */
    sg_dnsbl_range_t ranges[SG_DNSBL_MAX_RANGES]; /* codes that mean "listed" */
    int line;                        /* line of the lists file */
} sg_dnsbl_list_t;

typedef struct sg_dnsbl_addr_t {
    int family;                      /* SG_DNSBL_IPV4 or SG_DNSBL_IPV6 */
    unsigned char bytes[16];         /* network order; 4 used for IPv4 */
    char text[48];                   /* canonical text form */
} sg_dnsbl_addr_t;

typedef enum {
    SG_DNSBL_CLEAN = 0,              /* no A record (NXDOMAIN/NODATA) */
    SG_DNSBL_LISTED,                 /* at least one accepted code */
    SG_DNSBL_ERROR                   /* refused, out-of-range or unexpected code */
} sg_dnsbl_verdict_t;

typedef enum {
    SG_DNSBL_OK = 0,                 /* Nagios states, in exit-code order */
    SG_DNSBL_WARNING,
    SG_DNSBL_CRITICAL,
    SG_DNSBL_UNKNOWN
} sg_dnsbl_state_t;

/* Parses one line of a lists file (LINE is modified).  Returns 0 for a blank
 * or comment line, 1 with *LIST filled (from P), -1 with *PROBLEM set. */
int sg_dnsbl_parse_line(char *line, sg_dnsbl_list_t *list, apr_pool_t *p,
                        const char **problem);

/* Reads the lists file PATH into *LISTS (an array of sg_dnsbl_list_t from P).
 * An empty file, a duplicate zone or any bad line is APR_EINVAL with
 * RES->problem "PATH:LINE: what is wrong". */
apr_status_t sg_dnsbl_lists_read(apr_array_header_t **lists, const char *path,
                                 apr_pool_t *p, sg_result_t *res);

/* Parses an IPv4 or IPv6 address in TEXT; APR_EINVAL when it is not one. */
apr_status_t sg_dnsbl_addr_parse(sg_dnsbl_addr_t *addr, const char *text);

/* Writes the query name of ADDR under ZONE into BUF: reversed octets for
 * IPv4 (2.0.0.127.zone), reversed nibbles for IPv6 (32 labels).
 * APR_ENAMETOOLONG when it does not fit in SIZE or exceeds a DNS name. */
apr_status_t sg_dnsbl_query_name(const sg_dnsbl_addr_t *addr, const char *zone,
                                 char *buf, apr_size_t size);

/* Judges the A records CODES (N of them, host byte order) that LIST answered.
 * Any code in 127.255.255.0/24 (query refused: typo in the zone, public or
 * open resolver, too many queries) or outside 127.0.0.0/8 makes the answer an
 * error, whatever else it holds; else one accepted code makes it a listing;
 * else it is an error (unexpected code).  N == 0 is clean.  *WHAT gets the
 * codes ("127.0.0.2,127.0.0.4") for a listing, or the reason for an error
 * (from P). */
sg_dnsbl_verdict_t sg_dnsbl_classify(const sg_dnsbl_list_t *list, const apr_uint32_t *codes,
                                     int n, apr_pool_t *p, const char **what);

/* Copies TXT (LEN bytes, untrusted) for a one-line display: control and
 * non-ASCII bytes become '?', at most MAX bytes are kept ("..." marks a cut). */
char *sg_dnsbl_clean_text(apr_pool_t *p, const unsigned char *txt, apr_size_t len,
                          apr_size_t max);

/* Nagios state from the counts: CRITICAL when LISTED >= CRIT, WARNING when
 * LISTED >= WARN, else UNKNOWN when anything FAILED, else OK. */
sg_dnsbl_state_t sg_dnsbl_state(int listed, int failed, int warn, int crit);

/* "OK", "WARNING", "CRITICAL" or "UNKNOWN". */
const char *sg_dnsbl_state_name(sg_dnsbl_state_t state);

#endif /* SG_DNSBL_H */
