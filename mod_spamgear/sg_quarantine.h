#ifndef SG_QUARANTINE_H
#define SG_QUARANTINE_H
/*
 * The quarantine: infected files moved out of the web tree, each kept as
 * DIR/ID.data with a record DIR/ID.rec, and put back on request.
 *
 * Crash safety.  Quarantining copies the file into DIR/ID.data.tmp (fsync),
 * renames it to ID.data, writes the record the same way (ID.rec.tmp, fsync,
 * rename, fsync of DIR), reads the copy back and checks its size and SHA-256,
 * and only then unlinks the original with unlinkat() from a directory fd.
 * At every step the file is still in place, or complete in the quarantine
 * with its record; when a step fails, what was written is removed again.
 * A record is the authority: ID.data without ID.rec is an unfinished copy
 * (purge removes it).
 *
 * Symlinks.  Paths are walked one component at a time with O_NOFOLLOW; a
 * symlink is followed only when the directory holding it is root's and not
 * writable by group or others (only root could have put it there), so a
 * user cannot swap a directory for a link and have root act elsewhere.
 *
 * Record format (text, one "KEY VALUE" per line, first line
 * "spamgear-quarantine 1"; in values, bytes below 0x21, 0x7f and '%' are
 * written %XX): id, path, uid, gid, owner, group, mode (4 octal digits),
 * mtime (SECONDS.NANOSECONDS), size, sha256, time (unix seconds), action, and
 * one "finding ENGINE SIGNATURE SEVERITY [MEMBER]" line per finding (the
 * first SG_QREC_MAX_FINDINGS; MEMBER: the archive member it was found in).  The reader is strict and capped (SG_QREC_MAX_*):
 * records are read back as root.  A file whose record the reader would
 * refuse (a path too long once escaped) is not quarantined.
 *
 * Refused uploads.  mod_spamgear keeps the body part it refused as an entry
 * with action "upload": no path (it never was a file on disk), the web
 * server user as owner, mode 0600, and the fields vhost (HOST:PORT), client
 * (IP), uri, part (form field, "-" for a raw body) and filename (client file
 * name, "-" when none).  Such an entry is only extracted (--to PATH): a
 * record someone other than root or the caller wrote never names a path
 * that restore writes to.
 */
#include <sys/stat.h>
#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>
#include "sg_paths.h"
#include "sg_result.h"

#define SG_QREC_MAX_SIZE 65536       /* bytes of one record */
#define SG_QREC_MAX_LINE 8192        /* bytes of one record line */
#define SG_QREC_MAX_FINDINGS 64      /* finding lines in one record */
#define SG_QREC_MAX_PATH 4096        /* bytes of the decoded original path */
#define SG_QUARANTINE_MAX_FILE (1024L << 20)   /* bytes of one quarantined file */
#define SG_QUARANTINE_MAX_LINKS 40   /* trusted symlinks followed in one path */
#define SG_QUARANTINE_DEFAULT_DIR SG_STATE_DEFAULT_DIR "/quarantine" /* CLI key, module default */

/* One finding kept in a record. */
typedef struct sg_qfinding_t {
    const char *engine;      /* SPAMGEAR, CLAMAV... */
    const char *signature;   /* its name */
    const char *severity;    /* malicious | suspicious */
    const char *member;      /* NULL, or the archive member it was found in */
} sg_qfinding_t;

/* What a record holds. */
typedef struct sg_qrecord_t {
    const char *id;              /* [0-9A-Za-z-], at most 64 bytes */
    const char *path;            /* the original path (absolute) */
    long uid, gid;               /* owner and group ids */
    const char *owner, *group;   /* their names when known, else the numbers */
    unsigned mode;               /* permission bits (07777) */
    apr_int64_t mtime_sec;       /* modification time */
    long mtime_nsec;             /* its nanoseconds */
    apr_int64_t size;            /* bytes */
    const char *sha256;          /* 64 lower-case hex digits */
    apr_int64_t time;            /* when it was quarantined, unix seconds */
    const char *action;          /* quarantined | cleaned | upload */
    apr_array_header_t *findings;/* sg_qfinding_t */
    const char *vhost;           /* upload: HOST:PORT; NULL for files */
    const char *client;          /* upload: client IP */
    const char *uri;             /* upload: request URI */
    const char *part;            /* upload: form field, "-" for a raw body */
    const char *filename;        /* upload: client file name, "-" when none */
} sg_qrecord_t;

/* Parses record text BUF[0..LEN) into *REC (from P).  Returns APR_EINVAL with
 * RES naming the line and the limit or field at fault. */
apr_status_t sg_qrecord_parse(const char *buf, apr_size_t len, sg_qrecord_t **rec,
                              apr_pool_t *p, sg_result_t *res);

/* The text of REC, from P (what sg_qrecord_parse reads back). */
const char *sg_qrecord_format(const sg_qrecord_t *rec, apr_pool_t *p);

/* 1 when ID is a well-formed quarantine id. */
int sg_quarantine_id_ok(const char *id);

/* Opens the directory holding PATH the symlink-safe way described above;
 * sets *DFD (caller closes it) and *BASE (PATH's last component, from P). */
apr_status_t sg_quarantine_open_parent(const char *path, int *dfd, const char **base,
                                       apr_pool_t *p, sg_result_t *res);

/* Copies PATH into the quarantine QDIR (created 0700 when missing) with a
 * record of FINDINGS (sg_qfinding_t) and ACTION, then, when REMOVE is set,
 * unlinks PATH.  EXPECT (may be NULL) is the stat of the file that was
 * scanned: a different file now at PATH is refused.  Sets *ID (from P). */
apr_status_t sg_quarantine_file(const char *qdir, const char *path, const struct stat *expect,
                                const apr_array_header_t *findings, const char *action,
                                int remove, const char **id, apr_pool_t *p, sg_result_t *res);

/* Keeps BUF[0..LEN), a refused upload, in the quarantine QDIR (created
 * 0700 when missing) as an entry with action "upload": FROM gives vhost,
 * client, uri, part and filename (the other fields are ignored), FINDINGS
 * (sg_qfinding_t) why it was refused.  Same crash-safe order and read-back
 * check as sg_quarantine_file.  Sets *ID (from P). */
apr_status_t sg_quarantine_buffer(const char *qdir, const char *buf, apr_size_t len,
                                  const sg_qrecord_t *from, const apr_array_header_t *findings,
                                  const char **id, apr_pool_t *p, sg_result_t *res);

/* Writes a copy of quarantined file ID to TO (mode 0600, owned by the
 * caller, the recorded mtime) after checking it against the record; an
 * existing TO is replaced only when FORCE is set.  The entry stays.
 * Sets *REC. */
apr_status_t sg_quarantine_extract(const char *qdir, const char *id, const char *to, int force,
                                   sg_qrecord_t **rec, apr_pool_t *p, sg_result_t *res);

/* Reads record ID of QDIR into *REC. */
apr_status_t sg_quarantine_read(const char *qdir, const char *id, sg_qrecord_t **rec,
                                apr_pool_t *p, sg_result_t *res);

/* Puts quarantined file ID back at its path with its owner, group, mode and
 * mtime, after checking the copy against the record; an existing file there
 * is replaced only when FORCE is set.  Then drops ID from QDIR.  Sets *REC.
 * Refused (APR_EACCES) for an upload entry and for a record not owned by
 * root or the caller: sg_quarantine_extract writes those elsewhere. */
apr_status_t sg_quarantine_restore(const char *qdir, const char *id, int force,
                                   sg_qrecord_t **rec, apr_pool_t *p, sg_result_t *res);

/* Sets *RECS to the records of QDIR (sg_qrecord_t *), sorted by id; a
 * record that does not parse is reported through *BAD (count) and skipped. */
apr_status_t sg_quarantine_list(const char *qdir, apr_array_header_t **recs, int *bad,
                                apr_pool_t *p, sg_result_t *res);

/* Removes entries quarantined before BEFORE (unix seconds), and unfinished
 * copies (.tmp, .data without record) last changed before it; *PURGED counts
 * entries removed. */
apr_status_t sg_quarantine_purge(const char *qdir, apr_int64_t before, int *purged,
                                 apr_pool_t *p, sg_result_t *res);

/* Removes entry ID from QDIR (record first). */
apr_status_t sg_quarantine_drop(const char *qdir, const char *id, apr_pool_t *p,
                                sg_result_t *res);

/* Replaces PATH with BUF[0..LEN) atomically: a temp file in the same
 * directory (walked as above) with PATH's owner, group and mode, fsync,
 * rename over PATH.  Refused when PATH is no longer the file EXPECT
 * describes (inode, size, mtime): it changed since it was scanned. */
apr_status_t sg_quarantine_replace(const char *path, const struct stat *expect, const char *buf,
                                   apr_size_t len, apr_pool_t *p, sg_result_t *res);

#endif /* SG_QUARANTINE_H */
