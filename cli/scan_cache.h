#ifndef SCAN_CACHE_H
#define SCAN_CACHE_H
/*
 * scan_cache: spamgear scan's verdict cache (the scan-cache key), an LMDB
 * environment in one directory.
 *
 * Key: the file's device and inode.  Value: its size, mtime and ctime (in
 * nanoseconds), the SHA-256 of the bytes scanned and the worst severity
 * found.  An entry vouches for a file only while all three stat fields are
 * unchanged and the whole cache belongs to the signature set in use: the
 * set's version (scan_cache_set_version) is stored in the cache, and opening
 * it for another version empties it first.  ctime is the guard an attacker
 * cannot forge: every write, chmod, chown, rename or utimes() of the inode
 * sets it to the present, and only the kernel sets it.
 *
 * Clean verdicts let a file be skipped; so do suspicious ones kept with
 * their findings (scan_cache_put_findings(): the caller's blob, at most
 * SCAN_CACHE_MAX_FINDINGS bytes, tied to the content's SHA-256), which the
 * caller reports again in full.  Any other file with findings (malicious
 * ones: they are acted on) is scanned again every time.
 *
 * Threads: scan_cache_clean() and scan_cache_put() may be called by any
 * number of workers at once, each with its own scan_cache_reader_t.  Puts
 * are collected under a mutex and written in batches (one LMDB write
 * transaction per SCAN_CACHE_BATCH entries, and one at scan_cache_close()).
 * LMDB keeps the file consistent across crashes; a crash loses at most the
 * batch not yet written.
 */
#include <sys/stat.h>
#include <apr_pools.h>
#include "sg_result.h"

typedef struct scan_cache_t scan_cache_t;
typedef struct scan_cache_reader_t scan_cache_reader_t;

/* Figures for the scan summary (read after the workers are joined). */
typedef struct scan_cache_stats_t {
    unsigned long hits;      /* files skipped: unchanged since a clean verdict */
    unsigned long misses;    /* files looked up and scanned */
    unsigned long stored;    /* verdicts written */
    int dropped;             /* 1: the cache held another set's verdicts, emptied */
} scan_cache_stats_t;

/* Folds what decides verdicts into one hex SHA-256 (from P): RECIPE (the
 * program version and the engine options), the regular files of SIGDIR
 * (names and contents), the YARA SOURCES ("[NS:]PATH", files or the
 * rule files of directories: *.yar, *.yara), the WHITELIST file (or NULL) and, for
 * CLAMAV_DB (a directory, or NULL when ClamAV is off), the names, sizes and
 * mtimes of its database files.  APR_SUCCESS, or RES names what could not be
 * read. */
apr_status_t scan_cache_set_version(const char *recipe, const char *sigdir,
                                    const apr_array_header_t *sources,
                                    const char *whitelist, const char *clamav_db,
                                    const char **version, apr_pool_t *p, sg_result_t *res);

/* Opens (creating DIR with mode 0700 when missing) the cache for the set
 * VERSION, emptying it when it holds another version's verdicts.  The cache
 * is closed by scan_cache_close() or a cleanup of P.  On failure RES says
 * why (the caller goes on without a cache). */
apr_status_t scan_cache_open(scan_cache_t **cache, const char *dir, const char *version,
                             apr_pool_t *p, sg_result_t *res);

/* A reader for one worker thread (malloc'ed: workers clear their pools
 * after every file), or NULL when out of memory (every lookup a miss).
 * scan_cache_reader_done() adds its hits and misses to the cache's figures
 * and frees it; it must be called before scan_cache_close(). */
scan_cache_reader_t *scan_cache_reader(scan_cache_t *cache);
void scan_cache_reader_done(scan_cache_reader_t *r);

/* 1 when the cache vouches that the file whose stat is ST is clean (counted
 * as a hit), else 0 (a miss).  R may be NULL (a miss, not counted). */
int scan_cache_clean(scan_cache_reader_t *r, const struct stat *st);

#define SCAN_CACHE_MAX_FINDINGS 65536   /* bytes of findings kept with a verdict */

/* As scan_cache_clean(), and a file whose verdict was kept with its
 * findings vouches too: *FINDINGS is then a copy (from P) of the blob,
 * *LEN its size; NULL for a clean verdict.  SHA256 (32 bytes) receives the
 * content hash of any matching entry.  Counted as a hit or a miss. */
int scan_cache_vouch(scan_cache_reader_t *r, const struct stat *st, apr_pool_t *p,
                     const void **findings, apr_size_t *len, unsigned char *sha256);

/* 1 when the cache holds a verdict for the file whose stat is ST (size,
 * mtime and ctime unchanged), whatever it is: its worst severity (-1: clean)
 * in *SEVERITY; else 0.  Not counted as a hit or a miss.  R may be NULL (0).
 * Sees what scan_cache_put() recorded once it is written (a full batch,
 * scan_cache_sync() or scan_cache_close()). */
int scan_cache_verdict(scan_cache_reader_t *r, const struct stat *st, int *severity);

/* Writes the verdicts put so far (one write transaction), so that lookups
 * see them: watch --prevent's answers do, once a second. */
void scan_cache_sync(scan_cache_t *cache);

/* scan_cache_put() of a verdict SEVERITY (not clean) with its findings
 * BLOB (LEN bytes; over SCAN_CACHE_MAX_FINDINGS: the verdict alone is
 * kept), which scan_cache_vouch() hands back while the file is unchanged. */
void scan_cache_put_findings(scan_cache_t *cache, const struct stat *st,
                             const unsigned char *sha256, int severity, const void *blob,
                             apr_size_t len);

/* Records that the file whose stat (taken before it was read) is ST has
 * SHA256 (32 bytes) and worst SEVERITY (an sg_severity_t, or -1 for none). */
void scan_cache_put(scan_cache_t *cache, const struct stat *st,
                    const unsigned char *sha256, int severity);

/* Writes what is pending and closes; APR_SUCCESS, or RES says what was lost. */
apr_status_t scan_cache_close(scan_cache_t *cache, scan_cache_stats_t *stats,
                              sg_result_t *res);

#endif /* SCAN_CACHE_H */
