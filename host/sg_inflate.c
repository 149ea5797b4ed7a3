/* sg_inflate.c: the hosts' inflate (see sg_inflate.h). */
#include <string.h>
#include <libdeflate.h>
#include <zlib.h>
#include "sg_inflate.h"

/* First output buffer: 4 x the input (text deflates 3-4 to 1), then x 4. */
#define FIRST_RATIO 4
#define FIRST_EXTRA 1024

static apr_size_t first_cap(apr_size_t len, apr_size_t max)
{
    apr_size_t cap = len * FIRST_RATIO + FIRST_EXTRA;

    return cap > max + 1 ? max + 1 : cap;
}

/* libdeflate on a whole stream: APR_SUCCESS, APR_ENOSPC (over MAX) or
 * APR_EINVAL (damaged: zlib's turn). */
static apr_status_t whole(int zlib, const char *in, apr_size_t len, apr_size_t max,
                          char **out, apr_size_t *outlen, apr_pool_t *p)
{
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    apr_size_t cap = first_cap(len, max), n = 0;
    enum libdeflate_result r = LIBDEFLATE_BAD_DATA;
    apr_status_t rv = APR_EINVAL;
    char *buf = NULL;

    if (!d) return APR_ENOMEM;
    for (;;) {
        buf = apr_palloc(p, cap + 1);
        r = zlib == 0 ? libdeflate_deflate_decompress(d, in, len, buf, cap, &n)
          : zlib == 1 ? libdeflate_zlib_decompress(d, in, len, buf, cap, &n)
          : libdeflate_gzip_decompress(d, in, len, buf, cap, &n);
        if (r != LIBDEFLATE_INSUFFICIENT_SPACE) break;
        if (cap > max) { rv = APR_ENOSPC; goto cleanup; }
        /* Output full: start again with a larger buffer (up to MAX + 1). */
        cap = cap * 4 > max + 1 ? max + 1 : cap * 4;
    }
    if (r != LIBDEFLATE_SUCCESS) goto cleanup;
    if (n > max) { rv = APR_ENOSPC; goto cleanup; }
    buf[n] = '\0';
    *out = buf;
    *outlen = n;
    rv = APR_SUCCESS;
cleanup:
    libdeflate_free_decompressor(d);
    return rv;
}

/* zlib's streaming inflate: what decodes before damage or the end counts. */
static apr_status_t streaming(int zlib, const char *in, apr_size_t len, apr_size_t max,
                              char **out, apr_size_t *outlen, apr_pool_t *p)
{
    z_stream zs;
    apr_size_t cap = first_cap(len, max);
    apr_status_t rv = APR_SUCCESS;
    char *buf;
    int rc;

    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, zlib == 0 ? -15 : zlib == 1 ? 15 : 31) != Z_OK) return APR_ENOMEM;
    buf = apr_palloc(p, cap + 1);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)cap;
    for (;;) {
        apr_size_t ncap;
        char *nbuf;
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END || rc != Z_OK || zs.avail_out > 0) break;
        if (zs.total_out > max) { rv = APR_ENOSPC; goto cleanup; }
        /* Full: double the buffer (up to MAX + 1, so "over MAX" is seen). */
        ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
        if (ncap <= cap) { rv = APR_ENOSPC; goto cleanup; }
        nbuf = apr_palloc(p, ncap + 1);
        memcpy(nbuf, buf, zs.total_out);
        buf = nbuf;
        zs.next_out = (Bytef *)buf + zs.total_out;
        zs.avail_out = (uInt)(ncap - zs.total_out);
        cap = ncap;
    }
    if (zs.total_out > max) rv = APR_ENOSPC;
    else if (rc != Z_STREAM_END && zs.total_out == 0) rv = APR_EINVAL;
    else {
        buf[zs.total_out] = '\0';
        *out = buf;
        *outlen = zs.total_out;
    }
cleanup:
    inflateEnd(&zs);
    return rv;
}

apr_status_t sg_host_inflate(int zlib, const char *in, apr_size_t len, apr_size_t max,
                             char **out, apr_size_t *outlen, apr_pool_t *p)
{
    apr_status_t rv = whole(zlib, in, len, max, out, outlen, p);

    return rv == APR_EINVAL ? streaming(zlib, in, len, max, out, outlen, p) : rv;
}
