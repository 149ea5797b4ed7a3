#ifndef SG_BAN_H
#define SG_BAN_H
/*
 * Login brute-force counting and bans: client identity (IPv4, IPv4-mapped
 * IPv6 and IPv6 prefixes), exempt CIDR ranges, the records kept in a ban
 * store and the arithmetic that turns failed logins into bans.
 *
 * The store is a small interface (sg_ban_store_t) the host installs: httpd's
 * socache in mod_spamgear, a redis/memcache client in the tool, a plain
 * table in unit tests.  The core does no locking: a host that shares a store
 * between processes holds its own lock around sg_ban_record_failures() when
 * it wants exact counts.
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include "sg_result.h"

/* Longest key the core builds ("sg1:" type ':' client '@' scope). */
#define SG_BAN_KEY_MAX 120
/* Longest record value; values are short text lines. */
#define SG_BAN_VALUE_MAX 512
/* Longest ban, whatever the growth: 30 days. */
#define SG_BAN_MAX_SECONDS (30 * 86400)
/* A ban within this many seconds after the previous one is a repeat. */
#define SG_BAN_REPEAT_SECONDS 86400
/* The scope name of bans that apply on every virtual host. */
#define SG_BAN_SCOPE_GLOBAL "*"

/* ------------------------------------------------------------------ addresses */

/* An address range; IPv4 is held IPv4-mapped (::ffff:a.b.c.d, prefix + 96). */
typedef struct sg_cidr_t {
    unsigned char addr[16];  /* network address, host bits cleared */
    int bits;                /* prefix length, 0..128 */
} sg_cidr_t;

/* Parses an IPv4 or IPv6 address into IP (IPv4 mapped); APR_EINVAL if bad. */
apr_status_t sg_ip_parse(const char *text, unsigned char ip[16]);

/* Non-zero when IP is IPv4 (IPv4-mapped). */
int sg_ip_is_v4(const unsigned char ip[16]);

/* Parses "ADDR" or "ADDR/BITS" (IPv4 or IPv6) into CIDR; on error returns
 * APR_EINVAL and says what is wrong in RES. */
apr_status_t sg_cidr_parse(const char *text, sg_cidr_t *cidr, apr_pool_t *p,
                           sg_result_t *res);

/* Non-zero when IP lies in CIDR. */
int sg_cidr_match(const sg_cidr_t *cidr, const unsigned char ip[16]);

/* Non-zero when IP lies in any sg_cidr_t of LIST (may be NULL). */
int sg_cidr_list_match(const apr_array_header_t *list, const unsigned char ip[16]);

/* The key that counts for IP: the dotted IPv4 address (IPv4-mapped IPv6
 * included), the IPv6 address when V6_PREFIX is 128, else the IPv6 network
 * as "2001:db8:1:2::/64".  Allocated from P. */
const char *sg_ban_client(const unsigned char ip[16], int v6_prefix, apr_pool_t *p);

/* Parses a client key as sg_ban_client() writes it ("ADDR" or "ADDR/BITS"),
 * normalising it the same way (an IPv4-mapped address becomes dotted IPv4).
 * Returns NULL when TEXT is no address. */
const char *sg_ban_client_parse(const char *text, int v6_prefix, apr_pool_t *p);

/* ------------------------------------------------------------------ records */

typedef enum {
    SG_BAN_REC_COUNTER = 'c',   /* failed logins in the current window */
    SG_BAN_REC_BAN = 'b',       /* an active ban */
    SG_BAN_REC_HISTORY = 'h'    /* how many bans the client had lately (growth) */
} sg_ban_rec_type_t;

/* One store record, decoded. */
typedef struct sg_ban_rec_t {
    sg_ban_rec_type_t type;  /* what it is */
    const char *client;      /* client key (sg_ban_client) */
    const char *scope;       /* SG_BAN_SCOPE_GLOBAL or a vhost name "host:port" */
    apr_int64_t start;       /* counter: window start; ban: when it began (epoch s) */
    apr_int64_t until;       /* ban: end (epoch s); counter: window end */
    int count;               /* counter/ban: failed logins counted */
    int pending;             /* counter: login attempts reserved, not yet settled */
    int nth;                 /* ban, history: 1 for a first ban, 2 for a repeat... */
    int local_only;          /* ban: made while a shared store was down (not in it) */
    const char *reason;      /* ban: one line, why (free text) */
} sg_ban_rec_t;

/* The store key of a record of TYPE for CLIENT in SCOPE; NULL when it would
 * exceed SG_BAN_KEY_MAX.  Allocated from P. */
const char *sg_ban_key(sg_ban_rec_type_t type, const char *client, const char *scope,
                       apr_pool_t *p);

/* Decodes KEY (as sg_ban_key writes it) into REC's type, client and scope;
 * APR_EINVAL when it is not a spamgear key. */
apr_status_t sg_ban_key_decode(const char *key, sg_ban_rec_t *rec, apr_pool_t *p);

/* Encodes REC's value as one text line, allocated from P. */
const char *sg_ban_rec_encode(const sg_ban_rec_t *rec, apr_pool_t *p);

/* Decodes KEY and VALUE[0..LEN) into REC; APR_EINVAL when either is not a
 * spamgear record (other users of a shared store). */
apr_status_t sg_ban_rec_decode(const char *key, const char *value, apr_size_t len,
                               sg_ban_rec_t *rec, apr_pool_t *p);

/* ------------------------------------------------------------------ store */

typedef struct sg_ban_store_t sg_ban_store_t;

/* The host's store.  Times are epoch seconds.  get() returns APR_NOTFOUND
 * for a missing or expired key, and any other error when the store failed;
 * *LEN holds the buffer size on entry and the value length on return. */
struct sg_ban_store_t {
    apr_status_t (*get)(sg_ban_store_t *st, const char *key, char *buf, apr_size_t *len,
                        apr_pool_t *p);
    apr_status_t (*set)(sg_ban_store_t *st, const char *key, const char *value,
                        apr_int64_t expires, apr_pool_t *p);
    apr_status_t (*del)(sg_ban_store_t *st, const char *key, apr_pool_t *p);
    void *baton;                 /* the host's */
};

/* How failed logins turn into bans. */
typedef struct sg_ban_policy_t {
    int limit;          /* failed logins that ban... */
    int window;         /* ...within this many seconds (fixed window from the first) */
    int ban_time;       /* seconds of a first ban */
    double growth;      /* each repeat ban lasts this many times longer (1: no growth) */
} sg_ban_policy_t;

/* The length of the NTH ban (1-based) under POL, capped at SG_BAN_MAX_SECONDS. */
apr_int64_t sg_ban_duration(const sg_ban_policy_t *pol, int nth);

/* Adds N failed logins of CLIENT in SCOPE at NOW.  A client already banned
 * there is not counted.  When the count reaches the limit the client is
 * banned (ban and history written, counter dropped) and *BAN is set to the
 * new ban (else NULL); *COUNT (may be NULL) gets the count after adding.
 * Store failures are returned as they are. */
apr_status_t sg_ban_record_failures(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                                    const char *client, const char *scope, int n,
                                    apr_int64_t now, const char *reason,
                                    sg_ban_rec_t **ban, int *count, apr_pool_t *p);

/* Reserves one login attempt of CLIENT in SCOPE at NOW, before the attempt
 * reaches the application: *GRANTED = 1 and the counter's pending count
 * goes up, unless the client is banned or the failures counted plus the
 * attempts pending reach the limit already (*GRANTED = 0: refuse it).  So at
 * most LIMIT failed logins per window ever reach the application, however
 * many arrive at once.  Every granted reservation is settled by
 * sg_ban_settle(). */
apr_status_t sg_ban_reserve(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                            const char *client, const char *scope, apr_int64_t now,
                            int *granted, apr_pool_t *p);

/* Settles a reservation: the pending count goes down by one (never below 0;
 * a counter gone or expired since has nothing to settle).  The attempt's
 * failures, if any, are then counted with sg_ban_record_failures(). */
apr_status_t sg_ban_settle(sg_ban_store_t *st, const sg_ban_policy_t *pol,
                           const char *client, const char *scope, apr_int64_t now,
                           apr_pool_t *p);

/* Looks up the ban of CLIENT in SCOPE at NOW: APR_SUCCESS with *BAN set,
 * APR_NOTFOUND, or the store's error. */
apr_status_t sg_ban_lookup(sg_ban_store_t *st, const char *client, const char *scope,
                           apr_int64_t now, sg_ban_rec_t **ban, apr_pool_t *p);

/* Writes BAN (a record of type SG_BAN_REC_BAN) as it is, expiring at its end. */
apr_status_t sg_ban_store_ban(sg_ban_store_t *st, const sg_ban_rec_t *ban, apr_pool_t *p);

/* Removes the ban and the counter of CLIENT in SCOPE (the history stays, so
 * growth still applies).  APR_SUCCESS also when there was none. */
apr_status_t sg_ban_remove(sg_ban_store_t *st, const char *client, const char *scope,
                           apr_pool_t *p);

/* ------------------------------------------------------------------ text */

/* S escaped for a JSON string (without the quotes), allocated from P. */
const char *sg_json_escape(const char *s, apr_pool_t *p);

/* S escaped for HTML text and attribute values, allocated from P. */
const char *sg_html_escape(const char *s, apr_pool_t *p);

#endif /* SG_BAN_H */
