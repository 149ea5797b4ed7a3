/* sg_zinflate.c: the tool's zlib inflate for the core's de-obfuscator. */
#include <string.h>
#include <zlib.h>
#include "sg_cli.h"

apr_status_t sg_cli_inflate(int zlib, const char *in, apr_size_t len, apr_size_t max,
                            char **out, apr_size_t *outlen, apr_pool_t *p)
{
    z_stream zs;
    apr_size_t cap = len * 4 + 1024;
    char *buf;
    int rc;

    if (cap > max + 1) cap = max + 1;
    memset(&zs, 0, sizeof(zs));
    if (inflateInit2(&zs, zlib == 0 ? -15 : zlib == 1 ? 15 : 31) != Z_OK) {
        return APR_ENOMEM;
    }
    buf = apr_palloc(p, cap + 1);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)len;
    zs.next_out = (Bytef *)buf;
    zs.avail_out = (uInt)cap;
    for (;;) {
        rc = inflate(&zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END || rc != Z_OK || zs.avail_out > 0) {
            break;
        }
        if (zs.total_out > max) {
            inflateEnd(&zs);
            return APR_ENOSPC;
        }
        /* Full: double the buffer (up to MAX + 1, so "over MAX" is seen). */
        {
            apr_size_t ncap = cap * 2 > max + 1 ? max + 1 : cap * 2;
            char *nbuf;
            if (ncap <= cap) { inflateEnd(&zs); return APR_ENOSPC; }
            nbuf = apr_palloc(p, ncap + 1);
            memcpy(nbuf, buf, zs.total_out);
            buf = nbuf;
            zs.next_out = (Bytef *)buf + zs.total_out;
            zs.avail_out = (uInt)(ncap - zs.total_out);
            cap = ncap;
        }
    }
    *outlen = zs.total_out;
    inflateEnd(&zs);
    if (*outlen > max) {
        return APR_ENOSPC;
    }
    if (rc != Z_STREAM_END && *outlen == 0) {
        return APR_EINVAL;
    }
    buf[*outlen] = '\0';
    *out = buf;
    return APR_SUCCESS;
}
