#ifndef SG_ENGINE_H
#define SG_ENGINE_H
/*
 * The scan engine: one buffer in, every detector over it, findings out.
 *
 * Detectors: the project's signatures (sg_sig.h), ClamAV through the
 * backend chosen in the options (sg_clamav.h: libclamav in-process or a
 * clamd daemon), and the static de-obfuscator (sg_deobf.h), whose decoded
 * layers go through the signatures again.
 *
 * Life cycle: sg_engine_create(), sg_engine_load() once (not thread-safe:
 * run it in the parent, before threads or children start), then any number
 * of threads may call sg_engine_scan_buffer() at once, each with its own
 * pool.  Everything the engine holds (PCRE2 code, the ClamAV engine) is
 * released by cleanups on the pool given to sg_engine_create().
 */
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "sg_result.h"
#include "sg_sig.h"

#define SG_ENGINE_MAX_FINDINGS 16        /* per file: enough to act, bounded output */
#define SG_ENGINE_PAYLOAD_DEPTH 128      /* eval'd payloads the analyser follows, nested
                                          * (packed shells seen: 90 layers) */
#define SG_ENGINE_DEOBF_EDGE (128 * 1024) /* bytes of head and of tail of a big HTML/JS
                                          * file that the de-obfuscator reads */
#define SG_ENGINE_PAYLOAD_BYTES_X 4      /* ...adding up to this many times decode_max */
#define SG_ENGINE_ONION_PEEL 24          /* onion layers peeled once the file is malicious */
#define SG_ENGINE_MATCHED_WRAPPERS 4     /* payload layers the signatures read even when
                                          * they only wrap a further payload */
#define SG_ENGINE_DEFAULT_CLAMAV_DB "/var/lib/clamav"

typedef struct sg_engine_t sg_engine_t;

typedef struct sg_engine_options_t {
    const char *clamav;               /* off | engine [DBDIR] | socket PATH | tcp HOST:PORT */
    int clamd_fildes;                 /* socket: pass the open file (FILDES), not its bytes */
    int clamd_no_ping;                /* 1: do not ping clamd at load (it may be down then) */
    int clamd_optional;               /* 1: clamd unreachable at load is no error: the
                                       * engine runs without ClamAV, and
                                       * sg_engine_clamav_down() says why */
    apr_interval_time_t clamd_timeout;/* per clamd request */
    int decode;                       /* 1: run the de-obfuscator */
    int decode_depth;                 /* nested layers decoded at most */
    apr_size_t decode_max;            /* bytes all layers of one file may add up to */
    int analyse;                      /* 1: run the PHP analyser (sg_php_*) on PHP code */
    apr_interval_time_t budget;       /* CPU time one file may cost (0: no limit) */
    int first_malicious;              /* 1: stop at the first malicious finding (an
                                       * upload is refused on it: the rest is cost) */
} sg_engine_options_t;

#define SG_ENGINE_DEFAULT_BUDGET apr_time_from_msec(1000)
/* Archives (sg_archive.h): members are scanned like files once the host
 * installed a reader; their findings name the member.  A walk that hits a
 * limit gets a suspicious finding "Archive.LimitExceeded.<Limit>" (Depth,
 * Members, Size, MemberSize, Ratio) naming the member where it stopped; an
 * archive or member the reader fails on gets "Archive.Unreadable". */
#define SG_ENGINE_ARCHIVE_LIMIT "Archive.LimitExceeded"
#define SG_ENGINE_ARCHIVE_UNREADABLE "Archive.Unreadable"
/* The finding a file gets when it spent its budget before every detector ran. */
#define SG_ENGINE_BUDGET_SIGNATURE "Scan.BudgetExceeded"
/* The finding for suspicious findings of two kinds of evidence in one file
 * (malicious; its detail names two of them). */
#define SG_ENGINE_CORROBORATED_SIGNATURE "Scan.Corroborated"

/* One thing found in a file. */
typedef struct sg_finding_t {
    const char *engine;        /* SPAMGEAR, CUSTOM, DETECTOR, CLAMAV or a host
                                * matcher's (YARA) */
    const char *signature;     /* signature or virus name */
    sg_severity_t severity;    /* malicious or suspicious */
    int layer;                 /* 0: the file itself; N: found in the N-th decoded layer */
    sg_sig_hit_t hit;          /* for cleaning (layer 0 project signatures only) */
    const char *detail;        /* NULL, or what the analyser saw: "$_POST (line 3) ->
                                * $cmd (line 3) -> system() (line 5)" */
    int line;                  /* 0, or the line of the file (layer 0) it points at */
    const char *member;        /* NULL: the file itself; else the archive member it was
                                * found in, nested archives joined by '!': "b.tar.gz!x.php" */
} sg_finding_t;

/* One thing a host matcher found. */
typedef struct sg_matcher_hit_t {
    const char *name;          /* the rule's name, as findings show it */
    sg_severity_t severity;
    const char *detail;        /* NULL, or what the rule says it detects */
} sg_matcher_hit_t;

/* What a host matcher is asked to match. */
typedef struct sg_matcher_input_t {
    const char *name;          /* the file's path ("ARCHIVE!MEMBER" for a member), or NULL */
    const char *buf;
    apr_size_t len;
    int layer;                 /* 0: the file itself; N: a decoded layer (as findings) */
    apr_interval_time_t limit; /* time the call may take (the rest of the file's
                                * budget), 0: no limit */
} sg_matcher_input_t;

/* A detector the host adds to the engine for a library the core does not
 * link (host/sg_yara.c: YARA rules through libyara).  MATCH runs on every
 * file (archive members included) after the project's signatures and, when
 * WANTS_LAYERS, on the decoded layers too; it appends sg_matcher_hit_t to
 * HITS (from P), and returns APR_TIMEUP when IN->limit cut it short (the
 * engine then reports the budget as spent), another status on failure (the
 * engine logs it; the file's other findings stand).  Called from any number
 * of threads at once. */
typedef struct sg_matcher_t {
    const char *engine;        /* the findings' engine: "YARA" */
    int wants_layers;
    apr_status_t (*match)(void *baton, const sg_matcher_input_t *in, apr_array_header_t *hits,
                          apr_pool_t *p);
    void *baton;
} sg_matcher_t;

#define SG_ENGINE_MAX_MATCHERS 4

/* Sets OPTS to the defaults: ClamAV off, decoding on (depth 8, 8 MB), the
 * PHP analyser on, a CPU budget of SG_ENGINE_DEFAULT_BUDGET per file. */
void sg_engine_options_default(sg_engine_options_t *opts);

/* Creates an engine owned by P with a copy of OPTS; checks OPTS->clamav. */
apr_status_t sg_engine_create(sg_engine_t **engine, apr_pool_t *p,
                              const sg_engine_options_t *opts, sg_result_t *res);

/* Loads the rule files of SIGDIR (NULL: none) and, unless ClamAV is off,
 * prepares the backend: libclamav loads the databases of its DBDIR plus
 * the ClamAV-format files of SIGDIR; clamd is pinged.  Logs counts at info. */
apr_status_t sg_engine_load(sg_engine_t *engine, const char *sigdir, sg_result_t *res);

/* Why ClamAV is not consulted although configured (clamd_optional and clamd
 * unreachable at load), or NULL. */
const char *sg_engine_clamav_down(const sg_engine_t *engine);

/* Adds native rules from TEXT (tests, and hosts that embed rules). */
apr_status_t sg_engine_add_rules(sg_engine_t *engine, const char *origin, const char *text,
                                 sg_result_t *res);

/* Adds the host matcher M (kept by pointer: it must outlive the engine's
 * pool); before any scan.  APR_ENOSPC over SG_ENGINE_MAX_MATCHERS. */
apr_status_t sg_engine_add_matcher(sg_engine_t *engine, const sg_matcher_t *m);

/* Reads a known-good list: lines "SHA256HEX [anything]", '#' comments. */
apr_status_t sg_engine_load_whitelist(sg_engine_t *engine, const char *path, sg_result_t *res);

/* Scans BUF[0..LEN) of the file NAME (used for targets and messages; may be
 * NULL); FD is the open file (or -1) for clamd FILDES.  Sets *FINDINGS to an
 * array of sg_finding_t from P (empty when clean or whitelisted).  A
 * ClamAV failure returns its status with RES set; the project signatures'
 * findings are still in *FINDINGS.  A file that spends the options' CPU
 * budget returns APR_TIMEUP with RES set and a suspicious finding named
 * SG_ENGINE_BUDGET_SIGNATURE among what was found until then.  The members
 * of an archive are scanned as well, by everything but ClamAV (which reads
 * archives itself), their findings after the file's. */
apr_status_t sg_engine_scan_buffer(sg_engine_t *engine, const char *name, const char *buf,
                                   apr_size_t len, int fd, apr_pool_t *p,
                                   apr_array_header_t **findings, sg_result_t *res);

/* The lower-case hex SHA-256 of BUF (libclamav's hash), from P. */
const char *sg_sha256_hex(const char *buf, apr_size_t len, apr_pool_t *p);

/* Signatures loaded: project rules, and ClamAV's (0 when off or clamd). */
int sg_engine_sig_count(const sg_engine_t *engine);
unsigned sg_engine_clamav_count(const sg_engine_t *engine);

#endif /* SG_ENGINE_H */
