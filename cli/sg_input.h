#ifndef SG_INPUT_H
#define SG_INPUT_H
/*
 * Reading logs as buffers of whole lines: plain files are mapped, "-" is
 * stdin, and "*.gz" (rotated logs) is inflated with zlib on the fly.  For
 * incremental runs a read can start where the last one stopped and leave an
 * unfinished last line for the next one.
 */
#include <apr_pools.h>
#include <apr_file_info.h>
#include "sg_result.h"

#define SG_INPUT_CHUNK (4 * 1024 * 1024)   /* read size for stdin and gzip */
#define SG_INPUT_HEAD 256                  /* bytes of the first line kept */

/* Receives BUF[0..LEN) holding whole lines; BATON is the caller's. */
typedef void sg_input_lines_cb(void *baton, const char *buf, apr_size_t len);

/* Called for each line dropped because it did not fit SG_INPUT_CHUNK. */
typedef void sg_input_oversize_cb(void *baton);

/* The time stamped at the start of LINE[0..LEN) in *WHEN; 0 when it has none. */
typedef int sg_input_time_cb(void *baton, const char *line, apr_size_t len, apr_time_t *when);

/* Lines may be this much out of order and still be found by the seek. */
#define SG_INPUT_SEEK_SLACK apr_time_from_sec(15 * 60)

typedef struct sg_input_t {
    sg_input_lines_cb *lines;       /* in: where lines go */
    sg_input_oversize_cb *oversize; /* in: told of dropped lines */
    void *baton;                    /* in: passed to both */
    apr_uint64_t skip;              /* in: bytes to pass over first (a line start) */
    int whole_lines_only;           /* in: hold back a last line without newline */
    apr_time_t since;               /* in: only lines after this matter (0: all)... */
    sg_input_time_cb *line_time;    /* in: ...as this tells; see sg_input_read */
    apr_uint64_t bytes;             /* out: bytes read (uncompressed), skip included */
    apr_uint64_t used;              /* out: where a next read should start */
    apr_uint64_t seeked;            /* out: bytes passed over by the seek */
    apr_ino_t inode;                /* out: the file's inode (0 for stdin) */
    char head[SG_INPUT_HEAD + 1];   /* out: the file's first line (start), for rotation */
    int truncated;                  /* out: gzip data ended before its stream did
                                     * ("unexpected end of file"); what came
                                     * before was read */
    int gzip_unnamed;               /* out: gzip data in a file not named *.gz
                                     * (found by its magic bytes, inflated) */
} sg_input_t;

/* A FIFO is read once something writes to it within this time; a FIFO
 * nobody writes to is an error, not a hang. */
#define SG_INPUT_FIFO_WAIT_MS 10000

/* Feeds PATH ("-" for stdin) to IN->lines as IN says.  A file shorter than
 * IN->skip is APR_EOF (it was truncated or replaced).  Errors name the file
 * in RES.  gzip data is inflated whatever the name; other binary data (over 5 %
 * control bytes in the first 4 KB of a plain file), devices and sockets are errors; a
 * FIFO waits SG_INPUT_FIFO_WAIT_MS for a writer.
 *
 * Seek: with IN->since and IN->line_time set, a plain file (not stdin, not
 * gzip) is bisected on its line stamps first, and the lines before the last
 * one stamped more than SG_INPUT_SEEK_SLACK before IN->since are passed over
 * unread: an hour's window at the end of a day's log reads an hour of it.
 * Logs are appended in time order; a line out of order by more than the
 * slack, before that point, is missed.  Probes without a stamp stop the
 * bisection early (more is read, never less). */
apr_status_t sg_input_read(const char *path, sg_input_t *in, apr_pool_t *p, sg_result_t *res);

/* Reads just the first line of PATH (plain or .gz) into HEAD
 * (SG_INPUT_HEAD + 1 bytes). */
apr_status_t sg_input_head(const char *path, char *head);

#endif /* SG_INPUT_H */
