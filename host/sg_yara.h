#ifndef SG_YARA_H
#define SG_YARA_H
/*
 * YARA rules (libyara) as a matcher of the scan engine (sg_engine.h).  Host
 * code, not core: both hosts (the spamgear tool and mod_spamgear) link it;
 * the core only sees the sg_matcher_t it returns.  Built without libyara
 * (configure --without-yara), loading any rule file is an error that says so.
 *
 * Rules come from every *.yar and *.yara file of the signature directory
 * (sorted by name) and from the sources the admin names (the yara-rules key,
 * --yara, SpamGearYaraRules): a file, or a directory whose *.yar and *.yara
 * files are read; "NAMESPACE:PATH" puts that source's rules in a namespace,
 * as the yara tool does.  They are compiled once, into one rule set owned by
 * a pool; a source that does not compile is an error "FILE:LINE: message"
 * (the compiler's first error), and nothing is loaded.
 *
 * Matching: one libyara scanner per thread that scans at once (kept in a
 * free list, made on first need), on the buffer the engine already read,
 * with a time limit of what is left of the file's budget.  A finding is the
 * rule's name ("NAMESPACE:RULE" outside the default namespace) with the
 * severity of its meta `severity` ("malicious", the default, or
 * "suspicious") and its meta `description` as detail.  Rules with the meta
 * `spamgear_layers = true` also run on the engine's decoded layers; the
 * others see the file only.  External variables for rules that use them:
 * `filename` (the base name), `filepath` (the path as scanned, an archive
 * member as "ARCHIVE!MEMBER") and `extension` (lower case, without the dot;
 * "" when none).
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include "sg_engine.h"
#include "sg_result.h"

typedef struct sg_yara_t sg_yara_t;

/* Compiles the rules of SIGDIR (NULL: none) and of SOURCES (const char *:
 * "[NAMESPACE:]PATH", files or directories; may be NULL) into *Y, owned by P.
 * No rule file at all: *Y is NULL and APR_SUCCESS (no matcher to add). */
apr_status_t sg_yara_load(sg_yara_t **y, const char *sigdir, const apr_array_header_t *sources,
                          apr_pool_t *p, sg_result_t *res);

/* The matcher to add to an engine; valid while Y's pool lives. */
const sg_matcher_t *sg_yara_matcher(sg_yara_t *y);

/* Splits SOURCE "NAMESPACE:PATH" (NAMESPACE an identifier) into *NS (from
 * P) and the PATH it returns; *NS NULL and SOURCE itself when it has none. */
const char *sg_yara_split_namespace(const char *source, const char **ns, apr_pool_t *p);

/* Rules loaded, files they came from, and how long compiling them took. */
int sg_yara_rule_count(const sg_yara_t *y);
int sg_yara_file_count(const sg_yara_t *y);
apr_interval_time_t sg_yara_compile_time(const sg_yara_t *y);

/* libyara's version ("4.2.3"), or NULL when built without it. */
const char *sg_yara_version(void);

/* "libyara 4.2.3" or "without YARA", for version lines (static storage). */
const char *sg_yara_version_words(void);

#endif /* SG_YARA_H */
