/* sg_memfind.c: first/last-byte SIMD substring search (after Wojciech Mula's
 * "SIMD-friendly algorithms for substring searching"), with memmem() as the
 * portable fallback and for the tail of the buffer. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem */
#endif
#include <string.h>
#include "sg_memfind.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* Checks the candidate positions in MASK (bit i: HAY[i] and HAY[i+nlen-1] match). */
static const char *check_mask(const char *hay, unsigned mask, const char *needle,
                              apr_size_t nlen)
{
    while (mask) {
        unsigned bit = (unsigned)__builtin_ctz(mask);
        if (!memcmp(hay + bit + 1, needle + 1, nlen - 2)) {
            return hay + bit;
        }
        mask &= mask - 1;
    }
    return NULL;
}

__attribute__((target("avx2")))
static const char *find_avx2(const char *hay, apr_size_t len, const char *needle,
                             apr_size_t nlen)
{
    const __m256i first = _mm256_set1_epi8(needle[0]);
    const __m256i last = _mm256_set1_epi8(needle[nlen - 1]);
    apr_size_t i = 0;

    for (; i + nlen - 1 + 32 <= len; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i));
        __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i + nlen - 1));
        unsigned mask = (unsigned)_mm256_movemask_epi8(
            _mm256_and_si256(_mm256_cmpeq_epi8(a, first), _mm256_cmpeq_epi8(b, last)));
        const char *hit = mask ? check_mask(hay + i, mask, needle, nlen) : NULL;
        if (hit) {
            return hit;
        }
    }
    return memmem(hay + i, len - i, needle, nlen);
}

/* Earliest start of any needle, by memmem() on each: the slow, exact answer. */
static const char *find_any_slow(const char *hay, apr_size_t len, const char *const *needles,
                                 int n)
{
    const char *best = NULL;
    int k;

    for (k = 0; k < n; k++) {
        const char *hit = memmem(hay, len, needles[k], strlen(needles[k]));
        if (hit && (!best || hit < best)) {
            best = hit;
        }
    }
    return best;
}

__attribute__((target("avx2")))
static const char *find_any_avx2(const char *hay, apr_size_t len, const char *const *needles,
                                 int n)
{
    __m256i first[SG_MEMFIND_MAX_NEEDLES], last[SG_MEMFIND_MAX_NEEDLES];
    apr_size_t nlen[SG_MEMFIND_MAX_NEEDLES], longest = 0, i = 0;
    int k;

    for (k = 0; k < n; k++) {
        nlen[k] = strlen(needles[k]);
        longest = nlen[k] > longest ? nlen[k] : longest;
        first[k] = _mm256_set1_epi8(needles[k][0]);
        last[k] = _mm256_set1_epi8(needles[k][nlen[k] - 1]);
    }
    for (; i + longest - 1 + 32 <= len; i += 32) {
        __m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i));
        unsigned masks[SG_MEMFIND_MAX_NEEDLES], any = 0;
        for (k = 0; k < n; k++) {
            __m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(hay + i + nlen[k] - 1));
            masks[k] = (unsigned)_mm256_movemask_epi8(
                _mm256_and_si256(_mm256_cmpeq_epi8(a, first[k]), _mm256_cmpeq_epi8(b, last[k])));
            any |= masks[k];
        }
        while (any) {
            unsigned bit = (unsigned)__builtin_ctz(any);
            for (k = 0; k < n; k++) {
                if ((masks[k] >> bit & 1)
                    && !memcmp(hay + i + bit + 1, needles[k] + 1, nlen[k] - 2)) {
                    return hay + i + bit;
                }
            }
            any &= any - 1;
        }
    }
    return find_any_slow(hay + i, len - i, needles, n);
}

static const char *find_sse2(const char *hay, apr_size_t len, const char *needle,
                             apr_size_t nlen)
{
    const __m128i first = _mm_set1_epi8(needle[0]);
    const __m128i last = _mm_set1_epi8(needle[nlen - 1]);
    apr_size_t i = 0;

    for (; i + nlen - 1 + 16 <= len; i += 16) {
        __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(hay + i));
        __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(hay + i + nlen - 1));
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, last)));
        const char *hit = mask ? check_mask(hay + i, mask, needle, nlen) : NULL;
        if (hit) {
            return hit;
        }
    }
    return memmem(hay + i, len - i, needle, nlen);
}

/* 1 when AVX2 is there, 2 when not; asked once (a race only asks twice). */
static int cpu_kind(void)
{
    static int which;

    if (!which) {
        __builtin_cpu_init();
        which = __builtin_cpu_supports("avx2") ? 1 : 2;
    }
    return which;
}

const char *sg_memfind(const char *hay, apr_size_t len, const char *needle, apr_size_t nlen)
{
    if (nlen < 2 || len < nlen) {
        return memmem(hay, len, needle, nlen);
    }
    return cpu_kind() == 1 ? find_avx2(hay, len, needle, nlen)
                           : find_sse2(hay, len, needle, nlen);
}

const char *sg_memfind_any(const char *hay, apr_size_t len, const char *const *needles, int n)
{
    if (n == 1) {
        return sg_memfind(hay, len, needles[0], strlen(needles[0]));
    }
    return cpu_kind() == 1 ? find_any_avx2(hay, len, needles, n)
                           : find_any_slow(hay, len, needles, n);
}

#else

const char *sg_memfind(const char *hay, apr_size_t len, const char *needle, apr_size_t nlen)
{
    return memmem(hay, len, needle, nlen);
}

const char *sg_memfind_any(const char *hay, apr_size_t len, const char *const *needles, int n)
{
    const char *best = NULL;
    int k;

    for (k = 0; k < n; k++) {
        const char *hit = memmem(hay, len, needles[k], strlen(needles[k]));
        if (hit && (!best || hit < best)) {
            best = hit;
        }
    }
    return best;
}

#endif
