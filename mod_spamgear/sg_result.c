/* sg_result.c: carrying one-line failures up to the host. */
#include <apr_strings.h>
#include "sg_result.h"

apr_status_t sg_result_set(sg_result_t *res, apr_pool_t *p, apr_status_t status,
                           const char *fmt, ...)
{
    va_list ap;

    if (res) {
        va_start(ap, fmt);
        res->status = status;
        res->problem = apr_pvsprintf(p, fmt, ap);
        va_end(ap);
    }
    return status;
}

void sg_result_clear(sg_result_t *res)
{
    if (res) {
        res->status = APR_SUCCESS;
        res->problem = NULL;
    }
}
