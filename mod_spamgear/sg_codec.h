#ifndef SG_CODEC_H
#define SG_CODEC_H
/* Small encoders and decoders shared by the rule loaders and the de-obfuscator. */
#include <apr_pools.h>

/* Decodes base64 IN[0..LEN) (standard or URL alphabet; blanks and newlines
 * skipped; stops at '=' or the first other byte) into a new NUL-terminated
 * buffer from P, at most MAX bytes.  Sets *OUTLEN; *CONSUMED (if not NULL)
 * to the input bytes used.  Returns NULL when MAX would be exceeded. */
char *sg_base64_decode(const char *in, apr_size_t len, apr_size_t max, apr_size_t *outlen,
                       apr_size_t *consumed, apr_pool_t *p);

/* Encodes IN[0..LEN) as standard base64 (no newlines) into a new
 * NUL-terminated buffer from P; sets *OUTLEN. */
char *sg_base64_encode(const char *in, apr_size_t len, apr_size_t *outlen, apr_pool_t *p);

/* Lower-case hex of IN[0..LEN) into a new NUL-terminated buffer from P. */
char *sg_hex_encode(const unsigned char *in, apr_size_t len, apr_pool_t *p);

/* Writes code point CP (at most 0x10ffff) as UTF-8 into OUT (4 bytes of
 * room); returns the bytes written (1-4). */
apr_size_t sg_utf8_encode(unsigned long cp, char *out);

/* Value of hex digit C, or -1. */
int sg_hex_value(int c);

#endif /* SG_CODEC_H */
