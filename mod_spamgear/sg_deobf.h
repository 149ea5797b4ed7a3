#ifndef SG_DEOBF_H
#define SG_DEOBF_H
/*
 * Static de-obfuscation of PHP: undoes the usual wrappers without running
 * anything, so the signatures see what the file would execute.
 *
 * Layer 1 is a normalised copy of the file: escapes in double-quoted strings
 * decoded (\x47, \107, \u{47}), chr(N).chr(N)... chains and 'ab'.'cd'
 * concatenations folded into one quoted string, so ${"\x47LOBALS"} reads
 * ${"GLOBALS"}; a lone literal with nothing decoded keeps its own quotes, and
 * a file with nothing to fold gets no layer 1 at all (it would only repeat
 * the file, which the caller matches anyway).  Every literal argument of base64_decode / str_rot13 /
 * strrev / gzinflate / gzuncompress / gzdecode / hex2bin / urldecode chains
 * is decoded innermost first and becomes a layer of its own, which is
 * de-obfuscated again, down to MAX_DEPTH.  All layers of one file add up to
 * at most MAX_BYTES; hitting a cap ends decoding and says which one.
 *
 * zlib stays out of the core: the host installs an inflate function (the
 * spamgear tool installs zlib's); without one gz* payloads are left alone.
 */
#include <apr_pools.h>
#include <apr_tables.h>

#define SG_DEOBF_MAX_CALLS 256   /* decoder calls looked at per layer */

/* Inflates IN[0..LEN) (ZLIB: 1 for a zlib header as gzuncompress, 0 raw
 * deflate as gzinflate, 2 gzip as gzdecode) into *OUT from P, at most MAX
 * bytes; APR_ENOSPC when MAX is hit, APR_EINVAL for bad data. */
typedef apr_status_t sg_inflate_fn(int zlib, const char *in, apr_size_t len, apr_size_t max,
                                   char **out, apr_size_t *outlen, apr_pool_t *p);

/* Installs the host's inflate (NULL: none).  Call before threads start. */
void sg_deobf_set_inflate(sg_inflate_fn *fn);

/* The inflate the host installed, or NULL (the PHP folder uses it too). */
sg_inflate_fn *sg_deobf_inflate(void);

typedef struct sg_deobf_layer_t {
    const char *buf;    /* decoded text, NUL-terminated */
    apr_size_t len;     /* bytes in buf */
    int depth;          /* 1: normalised file; 2+: decoded payloads */
    const char *how;    /* e.g. "gzinflate(base64_decode())" */
} sg_deobf_layer_t;

/* Decodes BUF[0..LEN); sets *LAYERS to an array of sg_deobf_layer_t from P
 * (layers identical to their parent are left out).  Sets *NOTE to the cap
 * hit, if any ("decode depth 8 reached", "decoded size cap ... reached"). */
void sg_deobf_run(const char *buf, apr_size_t len, int max_depth, apr_size_t max_bytes,
                  apr_pool_t *p, apr_array_header_t **layers, const char **note);

#endif /* SG_DEOBF_H */
