/* sg_queue.c: counting queued messages in postqueue -j / exim -bpc output. */
#include <ctype.h>
#include <string.h>
#include <apr_strings.h>
#include "sg_queue.h"

void sg_queue_count_init(sg_queue_count_t *qc, sg_queue_kind_t kind)
{
    memset(qc, 0, sizeof(*qc));
    qc->kind = kind;
    qc->line = 1;
}

/* Postfix: a line is one message when it is "{...}"; blank lines are skipped. */
static void end_line(sg_queue_count_t *qc)
{
    if (qc->first == '{' && qc->last == '}') {
        qc->count++;
    }
    else if (qc->first && !qc->bad_line) {
        qc->bad_line = qc->line;
    }
    qc->first = qc->last = 0;
    qc->line++;
}

void sg_queue_count_feed(sg_queue_count_t *qc, const char *buf, apr_size_t len)
{
    apr_size_t i;

    if (qc->kind == SG_QUEUE_EXIM) {
        for (i = 0; i < len; i++) {
            if (qc->text_len + 1 >= sizeof(qc->text)) {
                qc->overflow = 1;
                return;
            }
            qc->text[qc->text_len++] = buf[i];
        }
        return;
    }
    for (i = 0; i < len; i++) {
        if (buf[i] == '\n') {
            end_line(qc);
        }
        else if (!isspace((unsigned char)buf[i])) {
            if (!qc->first) {
                qc->first = buf[i];
            }
            qc->last = buf[i];
        }
    }
}

static apr_status_t exim_count(sg_queue_count_t *qc, apr_uint64_t *count, const char **problem,
                               apr_pool_t *p)
{
    char *start = qc->text, *end;

    qc->text[qc->text_len] = '\0';
    while (isspace((unsigned char)*start)) {
        start++;
    }
    for (end = start; isdigit((unsigned char)*end); end++) {
    }
    if (qc->overflow) {
        *problem = "output longer than a message count";
        return APR_EINVAL;
    }
    if (strlen(qc->text) != qc->text_len || end == start || end - start > 18
        || strspn(end, " \t\r\n") != strlen(end)) {
        *problem = "output is not a message count";
        return APR_EINVAL;
    }
    *count = apr_strtoi64(start, NULL, 10);
    return APR_SUCCESS;
}

apr_status_t sg_queue_count_finish(sg_queue_count_t *qc, apr_uint64_t *count,
                                   const char **problem, apr_pool_t *p)
{
    if (qc->kind == SG_QUEUE_EXIM) {
        return exim_count(qc, count, problem, p);
    }
    if (qc->first) {
        end_line(qc);   /* last line without a newline */
    }
    if (qc->bad_line) {
        *problem = apr_psprintf(p, "line %" APR_UINT64_T_FMT " is not a JSON object "
                                "(expected postqueue -j output: one object per line)",
                                qc->bad_line);
        return APR_EINVAL;
    }
    *count = qc->count;
    return APR_SUCCESS;
}
