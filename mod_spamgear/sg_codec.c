/* sg_codec.c: base64 and hex, lenient on input and bounded on output. */
#include "sg_codec.h"

static signed char b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') return (signed char)(c - 'A');
    if (c >= 'a' && c <= 'z') return (signed char)(c - 'a' + 26);
    if (c >= '0' && c <= '9') return (signed char)(c - '0' + 52);
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
}

char *sg_base64_decode(const char *in, apr_size_t len, apr_size_t max, apr_size_t *outlen,
                       apr_size_t *consumed, apr_pool_t *p)
{
    apr_size_t i, n = 0, cap = len / 4 * 3 + 3;
    unsigned acc = 0;
    int bits = 0;
    char *out;

    if (cap > max + 3) {
        cap = max + 3;
    }
    out = apr_palloc(p, cap + 1);
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)in[i];
        signed char v = b64_value(c);
        if (v < 0) {
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                continue;
            }
            break;
        }
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (n >= max) {
                return NULL;
            }
            out[n++] = (char)((acc >> bits) & 0xff);
        }
    }
    out[n] = '\0';
    *outlen = n;
    if (consumed) {
        *consumed = i;
    }
    return out;
}

char *sg_base64_encode(const char *in, apr_size_t len, apr_size_t *outlen, apr_pool_t *p)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *s = (const unsigned char *)in;
    char *out = apr_palloc(p, (len + 2) / 3 * 4 + 1), *o = out;
    apr_size_t i;

    for (i = 0; i + 2 < len; i += 3) {
        *o++ = alphabet[s[i] >> 2];
        *o++ = alphabet[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
        *o++ = alphabet[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
        *o++ = alphabet[s[i + 2] & 63];
    }
    if (i < len) {
        *o++ = alphabet[s[i] >> 2];
        if (i + 1 < len) {
            *o++ = alphabet[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
            *o++ = alphabet[(s[i + 1] & 15) << 2];
        }
        else {
            *o++ = alphabet[(s[i] & 3) << 4];
            *o++ = '=';
        }
        *o++ = '=';
    }
    *o = '\0';
    *outlen = (apr_size_t)(o - out);
    return out;
}

char *sg_hex_encode(const unsigned char *in, apr_size_t len, apr_pool_t *p)
{
    static const char digits[] = "0123456789abcdef";
    char *out = apr_palloc(p, len * 2 + 1);
    apr_size_t i;

    for (i = 0; i < len; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}

int sg_hex_value(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
