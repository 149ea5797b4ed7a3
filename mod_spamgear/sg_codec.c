/* sg_codec.c: base64 and hex, lenient on input and bounded on output. */
#include "sg_codec.h"

/* Value of each byte in base64 (standard and URL alphabets); -2: a blank
 * (skipped), -1: anything else (ends the input). */
static const signed char b64_table[256] = {
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -2, -2, -1, -1, -2, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -2, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 62, -1, 62, -1, 63,
    52, 53, 54, 55, 56, 57, 58, 59, 60, 61, -1, -1, -1, -1, -1, -1,
    -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14,
    15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, -1, -1, -1, -1, 63,
    -1, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40,
    41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
    -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
};

/* Decodes up to NQ groups of four plain base64 characters at IN into OUT;
 * stops before a group with any other byte.  Returns the groups decoded. */
static apr_size_t quads(const unsigned char *in, apr_size_t nq, unsigned char *out)
{
    apr_size_t q;

    for (q = 0; q < nq; q++, in += 4, out += 3) {
        int a = b64_table[in[0]], b = b64_table[in[1]], c = b64_table[in[2]],
            d = b64_table[in[3]];
        unsigned w;
        if ((a | b | c | d) < 0) break;
        w = (unsigned)a << 18 | (unsigned)b << 12 | (unsigned)c << 6 | (unsigned)d;
        out[0] = (unsigned char)(w >> 16);
        out[1] = (unsigned char)(w >> 8);
        out[2] = (unsigned char)w;
    }
    return q;
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
        signed char v;
        if (bits == 0 && i + 4 <= len && n + 3 <= max) {
            /* Fast path: runs of plain characters, four making three bytes. */
            apr_size_t nq = (len - i) / 4, fit = (max - n) / 3, q;
            q = quads((const unsigned char *)in + i, nq < fit ? nq : fit,
                      (unsigned char *)out + n);
            i += q * 4;
            n += q * 3;
            if (i >= len) break;
        }
        v = b64_table[(unsigned char)in[i]];
        if (v < 0) {
            if (v == -2) {
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

apr_size_t sg_utf8_encode(unsigned long cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | ((cp >> 18) & 7));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}
