#ifndef SG_ARCHIVE_H
#define SG_ARCHIVE_H
/*
 * Archives: the members of a zip, a tar (plain, gzip, bzip2, xz), a phar
 * (PHP's own format, or stored as zip or tar), or one gzip/bzip2/xz-compressed
 * file, handed one by one to a callback, under hard limits.
 *
 * The core knows archives by their first bytes (sg_archive_sniff), never by
 * their name, and walks them; reading a format is the host's: it installs
 * an sg_archive_reader_t (the spamgear tool and mod_spamgear install
 * libarchive's, host/sg_libarchive.c).  Without a reader archives are left
 * alone, as before.
 *
 * Limits (one walk covers an archive and every archive nested in it):
 * nesting depth, members, bytes expanded in all, bytes of one member, and
 * the ratio of bytes expanded to the outer archive's size (checked once
 * SG_ARCHIVE_RATIO_FLOOR bytes are out).  The first limit hit ends the
 * walk; the walker says which one and where, and the engine turns that
 * into a suspicious finding "Archive.LimitExceeded.<Limit>".  Time and
 * memory are bounded by the limits: a member is read in chunks into one
 * buffer of at most SG_ARCHIVE_MAX_MEMBER bytes per nesting level.
 */
#include <apr_pools.h>
#include <apr_tables.h>

/* A build may set them smaller with -D (t/fuzz/fuzz_archive does, to reach
 * the limits with small inputs); MEMBER, TOTAL and RATIO_FLOOR are
 * apr_int64_t, MEMBERS and RATIO int. */
#ifndef SG_ARCHIVE_MAX_DEPTH
#define SG_ARCHIVE_MAX_DEPTH 3                        /* archives opened inside each other */
#endif
#ifndef SG_ARCHIVE_MAX_MEMBERS
#define SG_ARCHIVE_MAX_MEMBERS 20000                  /* members, all levels together */
#endif
#ifndef SG_ARCHIVE_MAX_TOTAL
#define SG_ARCHIVE_MAX_TOTAL (APR_INT64_C(256) << 20) /* bytes expanded, all levels */
#endif
#ifndef SG_ARCHIVE_MAX_MEMBER
#define SG_ARCHIVE_MAX_MEMBER (APR_INT64_C(16) << 20) /* bytes of one member */
#endif
#ifndef SG_ARCHIVE_MAX_RATIO
#define SG_ARCHIVE_MAX_RATIO 200                      /* expanded / outer archive bytes */
#endif
#ifndef SG_ARCHIVE_RATIO_FLOOR
#define SG_ARCHIVE_RATIO_FLOOR (APR_INT64_C(8) << 20) /* ratio checked past this */
#endif

/* What the host installs: a reader over an archive held in memory.  All
 * strings it returns live in the pool given to open, at least until the
 * next call. */
typedef struct sg_archive_reader_t {
    /* Opens BUF[0..LEN) (not copied; it outlives the handle).  *H is
     * released by close, or by a cleanup on P.  APR_ENOTIMPL: not an archive
     * after all (e.g. PHP code that halts with no phar after it); nothing
     * is reported. */
    apr_status_t (*open)(const char *buf, apr_size_t len, apr_pool_t *p, void **h);
    /* Moves to the next member: *NAME its path in the archive, *REGULAR 1
     * for a file (0: directory, link, device), *SIZE its declared size or -1.
     * APR_EOF after the last one. */
    apr_status_t (*next)(void *h, const char **name, int *regular, apr_int64_t *size);
    /* Reads up to N bytes of the member into BUF; *GOT is 0 at its end. */
    apr_status_t (*read)(void *h, char *buf, apr_size_t n, apr_size_t *got);
    /* One line: why the last call failed. */
    const char *(*error)(void *h);
    void (*close)(void *h);
} sg_archive_reader_t;

/* Installs the host's reader (NULL: none; archives are not opened).  Call
 * before threads start; READER must outlive every scan. */
void sg_archive_set_reader(const sg_archive_reader_t *reader);

/* 1 when a reader is installed. */
int sg_archive_enabled(void);

/* The kind of archive BUF[0..LEN) is by its bytes ("zip", "gzip", "bzip2",
 * "xz", "tar"; "zip" too for a zip's end record in the last 64 KiB:
 * self-extracting files, images with a zip appended; "phar" for PHP code
 * that calls __HALT_COMPILER()), or NULL when it is none. */
const char *sg_archive_sniff(const char *buf, apr_size_t len);

/* Where a walk stands; one per scanned file, shared by the nested walks. */
typedef struct sg_archive_walk_t {
    int depth;                   /* 0: the file; N: inside N archives */
    apr_int64_t members;         /* members seen so far */
    apr_int64_t expanded;        /* bytes expanded so far */
    apr_size_t outer_len;        /* bytes of the outermost archive */
    const char *prefix;          /* path of the archive being walked ("" for the file) */
    const char *limit;           /* NULL, or the limit hit: Depth, Members, Size, MemberSize, Ratio */
    const char *limit_at;        /* the member where it was hit ("a.zip!b.zip" for Depth) */
    const char *limit_detail;    /* "more than 16777216 bytes" */
} sg_archive_walk_t;

/* Called with each regular member: PATH is its path from the outermost
 * file, nested archives joined by '!' ("b.tar.gz!x.php" when WALK->prefix
 * is "b.tar.gz"), BUF
 * its content (NUL-terminated, valid during the call).  Returns 0 to go
 * on, non-zero to stop the walk (e.g. findings full). */
typedef int sg_archive_member_fn(void *baton, const char *path, const char *buf,
                                 apr_size_t len, sg_archive_walk_t *walk, apr_pool_t *p);

/* Walks the archive BUF[0..LEN) one level deeper than WALK->depth, calling
 * FN for each member (a sub-pool of P per member).  Returns APR_SUCCESS,
 * APR_EOF when FN stopped it, APR_ENOSPC when a limit was hit (WALK says
 * which), or the reader's failure with *ERR set to "unreadable: ..." and
 * *ERR_AT to the member (NULL: the archive itself). */
apr_status_t sg_archive_walk(const char *buf, apr_size_t len, sg_archive_walk_t *walk,
                             sg_archive_member_fn *fn, void *baton, apr_pool_t *p,
                             const char **err, const char **err_at);

#endif /* SG_ARCHIVE_H */
