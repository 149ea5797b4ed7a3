#ifndef SG_INPUT_H
#define SG_INPUT_H
/*
 * Reading logs as buffers of whole lines: plain files are mapped, "-" is
 * stdin, and "*.gz" (rotated logs) is inflated with zlib on the fly.
 */
#include <apr_pools.h>
#include "sg_result.h"

#define SG_INPUT_CHUNK (4 * 1024 * 1024)   /* read size for stdin and gzip */

/* Receives BUF[0..LEN) holding whole lines; BATON is the caller's. */
typedef void sg_input_lines_cb(void *baton, const char *buf, apr_size_t len);

/* Called for each line dropped because it did not fit SG_INPUT_CHUNK. */
typedef void sg_input_oversize_cb(void *baton);

/* Feeds PATH ("-" for stdin) to LINES.  Sets *BYTES to the bytes read
 * (uncompressed).  Errors name the file in RES. */
apr_status_t sg_input_read(const char *path, sg_input_lines_cb *lines,
                           sg_input_oversize_cb *oversize, void *baton,
                           apr_uint64_t *bytes, apr_pool_t *p, sg_result_t *res);

#endif /* SG_INPUT_H */
