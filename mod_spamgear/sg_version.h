#ifndef SG_VERSION_H
#define SG_VERSION_H
/* Versions of spamgear and of the libraries it runs on, for --version and logs. */
#include <apr_pools.h>

/* The version is configure.ac's AC_INIT (the one place it is written; the
 * Debian changelog's upstream part must match it: t/check-version.sh). */
#ifndef SG_VERSION
#error "SG_VERSION comes from configure (PACKAGE_VERSION): build through make"
#endif

/* "spamgear 0.1.0 (ClamAV 1.x.y, PCRE2 10.42, APR 1.7.2, MORE)", allocated
 * from P; MORE (the host's libraries: "libyara 4.2.3") may be NULL. */
const char *sg_version_line(apr_pool_t *p, const char *more);

/* libclamav's own version string (static storage). */
const char *sg_version_clamav(void);

#endif /* SG_VERSION_H */
