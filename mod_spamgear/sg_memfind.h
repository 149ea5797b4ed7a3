#ifndef SG_MEMFIND_H
#define SG_MEMFIND_H
/*
 * Substring search for the log scanner's hot loop.  glibc's memmem() runs at
 * a few GB/s; comparing a needle's first and last bytes 32 positions at a
 * time with AVX2 (or 16 with SSE2) and checking the middle only on a double
 * hit runs several times faster on log text.  The CPU is asked once which
 * version to use; every version returns what memmem() would.
 */
#include <apr_general.h>

#define SG_MEMFIND_MAX_NEEDLES 4

/* The first occurrence of NEEDLE[0..NLEN) in HAY[0..LEN), or NULL. */
const char *sg_memfind(const char *hay, apr_size_t len, const char *needle, apr_size_t nlen);

/* The first position in HAY[0..LEN) where any of the N (at most
 * SG_MEMFIND_MAX_NEEDLES) NUL-terminated NEEDLES starts, or NULL; one pass
 * over HAY whatever N is.  Every needle must be at least 2 bytes long. */
const char *sg_memfind_any(const char *hay, apr_size_t len, const char *const *needles, int n);

#endif /* SG_MEMFIND_H */
