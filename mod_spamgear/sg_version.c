/* sg_version.c: what we are built on, as the libraries report it at run time. */
#include <clamav.h>
#include <apr_strings.h>
#include <apr_version.h>
#include "sg_regex.h"
#include "sg_version.h"

const char *sg_version_clamav(void)
{
    return cl_retver();
}

const char *sg_version_line(apr_pool_t *p, const char *more)
{
    return apr_psprintf(p, "spamgear %s (ClamAV %s, PCRE2 %s, APR %s%s%s)", SG_VERSION,
                        sg_version_clamav(), sg_regex_version(), apr_version_string(),
                        more ? ", " : "", more ? more : "");
}
