#ifndef SG_NOTIFY_H
#define SG_NOTIFY_H
/*
 * The mail that tells an account owner which of their files a scan found:
 * a template with ${EMAIL}, ${USERNAME} and ${SHELLS} filled in as plain
 * text, never evaluated.  Names are checked (sg_notify_name_ok) before they
 * reach a header, and ${SHELLS} is one line per file in the body but a
 * single ", "-joined line in the header part, with control bytes written
 * \xNN: no path can start a header line or end the headers.
 */
#include <apr_pools.h>
#include <apr_tables.h>

#define SG_NOTIFY_MAX_TEMPLATE 65536    /* bytes of a template file */
#define SG_NOTIFY_MAX_FILES 1000        /* files listed in one mail; the rest counted */

/* The template used without --notify-template. */
extern const char sg_notify_default_template[];

/* 1 when NAME may stand in a mail header as an account or address:
 * 1 to 64 of [A-Za-z0-9._-] (plus one '@' and a domain of the same set
 * when AT_OK), not starting with '-' or '.'. */
int sg_notify_name_ok(const char *name, int at_ok);

/* TEXT with bytes below 0x20 and 0x7f written \xNN, from P. */
const char *sg_notify_escape(const char *text, apr_pool_t *p);

/* The message: TEMPLATE with ${EMAIL}, ${USERNAME} and ${SHELLS} (FILES:
 * const char * lines, escaped by the caller) replaced; from P.  Other
 * ${...} and $ are left as they are. */
const char *sg_notify_expand(const char *tmpl, const char *email, const char *user,
                             const apr_array_header_t *files, apr_pool_t *p);

#endif /* SG_NOTIFY_H */
