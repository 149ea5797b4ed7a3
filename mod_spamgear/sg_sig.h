#ifndef SG_SIG_H
#define SG_SIG_H
/*
 * spamgear's own signatures, and the legacy rule files it still reads.
 *
 * Native format (*.sigs), one signature per line, fields separated by blanks:
 *
 *     NAME  SEVERITY  TARGET  KIND  PATTERN...
 *         clean match | clean re PATTERN...        (optional continuation)
 *
 *   NAME      letters, digits and ._- (e.g. PHP.Backdoor.EvalRequest)
 *   SEVERITY  malicious | suspicious
 *   TARGET    any | php | html | htaccess (which files it applies to; see
 *             sg_sig_target_of()), or facts: the rule reads the lines the
 *             PHP analyser wrote about a PHP file (sg_php_taint.h), not the
 *             file; its finding's detail is the fact line it matched
 *   KIND      re (PCRE2, JIT), ire (caseless PCRE2), lit (exact bytes) or
 *             hex (exact bytes written as hex digits)
 *   PATTERN   the rest of the line, leading blanks dropped
 *
 * A line that starts with blanks and then "clean" gives the previous
 * signature a cleaning rule: "clean match" removes the text the signature
 * matched, "clean re PATTERN" removes every match of PATTERN.  Blank lines
 * and lines starting with '#' are ignored.  Errors name FILE:LINE.
 *
 * Legacy formats load as they are: fingerprints.txt (one literal per line,
 * engine CUSTOM, signature PHP.Finger.N), backdoors.re (one regex per line,
 * cleanable, PHP.Backdoor.N) and PHP-Shell-Detector's shelldetect.db (base64
 * of a PHP-serialized array "fingerprint" => "name[..][..][..]"; plain keys
 * are matched against the base64 of the content, "bb:" keys are base64 of a
 * literal; engine DETECTOR).
 *
 * A set is built once, then read-only: many threads may match at once.
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include "sg_result.h"

#define SG_SIG_MAX_LINE 8192          /* bytes of one rule line */
#define SG_SIG_MAX_FILE (32 << 20)    /* bytes of one rule file */
#define SG_SIG_MAX_SIGS 100000        /* signatures in one set */
#define SG_SIG_MATCH_LIMIT 2000000    /* PCRE2 match limit per pattern and buffer */

typedef enum { SG_SEV_SUSPICIOUS = 1, SG_SEV_MALICIOUS = 2 } sg_severity_t;

typedef enum {
    SG_TARGET_ANY = 0,      /* every file */
    SG_TARGET_PHP = 1,      /* PHP scripts: *.php*, *.phtml, *.inc, or any PHP open tag
                             * that starts code (sg_php_find_open_tag()) */
    SG_TARGET_HTML = 2,     /* HTML and JS, and PHP (which prints HTML) */
    SG_TARGET_HTACCESS = 4, /* .htaccess, .user.ini, php.ini */
    SG_TARGET_FACTS = 8,    /* the PHP analyser's facts about a file (sg_php_taint.h) */
    SG_TARGET_SCRIPT = 16   /* other server-side scripts: ASP, ASP.NET, JSP, ColdFusion,
                             * Perl CGI, by name, or "<%" and "%>" in the first 4 KB */
} sg_target_t;

typedef struct sg_sig_t sg_sig_t;
typedef struct sg_sigset_t sg_sigset_t;

/* One match of a signature in a buffer. */
typedef struct sg_sig_hit_t {
    const sg_sig_t *sig;     /* the signature */
    apr_size_t start, end;   /* matched bytes [start, end) */
} sg_sig_hit_t;

/* Creates an empty set owned by P (compiled code is freed by P's cleanup). */
sg_sigset_t *sg_sigset_create(apr_pool_t *p);

/* Loads one rule file, choosing the format from its name: *.sigs native,
 * *fingerprints.txt, *.re (backdoors), *.db (shelldetect).  Sets *LOADED (if
 * not NULL) to the number of rules read.  Errors: RES says "FILE:LINE: why". */
apr_status_t sg_sigset_load_file(sg_sigset_t *set, const char *path, int *loaded,
                                 sg_result_t *res);

/* Loads every rule file of DIR (sorted by name; other files are left to
 * ClamAV or ignored).  Sets *LOADED to the rules read. */
apr_status_t sg_sigset_load_dir(sg_sigset_t *set, const char *dir, int *loaded,
                                sg_result_t *res);

/* Parses native rules from TEXT[0..LEN) as if read from ORIGIN. */
apr_status_t sg_sigset_add_text(sg_sigset_t *set, const char *origin, const char *text,
                                apr_size_t len, sg_result_t *res);

/* Builds the prefilter; call once after loading and before matching. */
apr_status_t sg_sigset_compile(sg_sigset_t *set, sg_result_t *res);

/* Number of signatures in SET. */
int sg_sigset_count(const sg_sigset_t *set);

/* The targets a file named NAME (may be NULL) holding BUF[0..LEN) belongs to. */
int sg_sig_target_of(const char *name, const char *buf, apr_size_t len);

/* Matches BUF[0..LEN) (targets TARGETS) against SET; appends one sg_sig_hit_t
 * per matching signature to HITS (at most MAX).  P is scratch for this call.
 * Sets *NOTE to a message when a pattern hit its match limit (not fatal). */
void sg_sigset_match(const sg_sigset_t *set, const char *buf, apr_size_t len, int targets,
                     apr_array_header_t *hits, int max, apr_pool_t *p, const char **note);

/* Accessors. */
const char *sg_sig_name(const sg_sig_t *sig);
const char *sg_sig_engine(const sg_sig_t *sig);          /* SPAMGEAR, CUSTOM or DETECTOR */
sg_severity_t sg_sig_severity(const sg_sig_t *sig);
int sg_sig_cleanable(const sg_sig_t *sig);
const char *sg_severity_name(sg_severity_t sev);

/* Writes into *OUT a copy of BUF with what SIG's cleaning rule removes taken
 * out (the first hit is HIT).  Returns APR_ENOTIMPL when SIG has no rule. */
apr_status_t sg_sig_clean(const sg_sig_hit_t *hit, const char *buf, apr_size_t len,
                          char **out, apr_size_t *outlen, apr_pool_t *p);

#endif /* SG_SIG_H */
