#ifndef SG_INFLATE_H
#define SG_INFLATE_H
/*
 * The hosts' inflate for the core's de-obfuscator and PHP analyser
 * (sg_deobf_set_inflate): gzinflate(), gzuncompress() and gzdecode() of
 * constants.  Host code, not core: both hosts (the spamgear tool and
 * mod_spamgear) link it.
 *
 * libdeflate decodes a whole, sound stream (two to three times zlib's
 * speed: packed shells nest 60-90 layers of gzinflate(base64_decode(...)),
 * each a whole stream); a damaged or truncated one goes to zlib, whose
 * streaming inflate returns what came out before the damage, as before.
 */
#include <apr_pools.h>

/* Inflates IN[0..LEN): ZLIB 0 raw deflate, 1 zlib, 2 gzip.  On success
 * *OUT (NUL-terminated, in P) holds *OUTLEN bytes, at most MAX; APR_ENOSPC
 * when the output would be larger, APR_EINVAL when nothing decodes. */
apr_status_t sg_host_inflate(int zlib, const char *in, apr_size_t len, apr_size_t max,
                             char **out, apr_size_t *outlen, apr_pool_t *p);

#endif
