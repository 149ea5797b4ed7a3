/* sg_run.c: helper programs by argument vector, with a deadline. */
#include <string.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "sg_run.h"

#define ERR_CAP 512   /* bytes of a helper's stderr kept for the message */

static apr_status_t start(apr_pool_t *p, const char *const *argv, int want_stdin,
                          apr_proc_t *proc)
{
    apr_procattr_t *attr;
    apr_status_t rv;

    if ((rv = apr_procattr_create(&attr, p)) != APR_SUCCESS
        || (rv = apr_procattr_io_set(attr, want_stdin ? APR_FULL_BLOCK : APR_NO_PIPE,
                                     APR_NO_PIPE, APR_FULL_BLOCK)) != APR_SUCCESS
        || (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM_PATH)) != APR_SUCCESS
        || (rv = apr_procattr_error_check_set(attr, 1)) != APR_SUCCESS) {
        return rv;
    }
    return apr_proc_create(proc, argv[0], argv, NULL, attr, p);
}

/* Reads the child's stderr until EOF or the deadline; keeps its first line. */
static void read_stderr(apr_proc_t *proc, apr_time_t deadline, char *first, apr_size_t cap)
{
    char buf[ERR_CAP];
    apr_size_t kept = 0, n;

    first[0] = '\0';
    for (;;) {
        apr_interval_time_t left = deadline - apr_time_now();
        if (left <= 0) {
            return;
        }
        apr_file_pipe_timeout_set(proc->err, left);
        n = sizeof(buf);
        if (apr_file_read(proc->err, buf, &n) != APR_SUCCESS) {
            return;
        }
        if (kept + 1 < cap) {
            apr_size_t take = n < cap - 1 - kept ? n : cap - 1 - kept;
            memcpy(first + kept, buf, take);
            kept += take;
            first[kept] = '\0';
            first[strcspn(first, "\r\n")] = '\0';
        }
    }
}

apr_status_t sg_run(apr_pool_t *p, const char *const *argv, const char *input, apr_size_t len,
                    apr_interval_time_t timeout, sg_run_result_t *out)
{
    apr_time_t deadline = apr_time_now() + timeout;
    char *first = apr_palloc(p, ERR_CAP);
    apr_exit_why_e why;
    apr_proc_t proc;
    apr_status_t rv;

    out->exit_code = -1;
    out->problem = NULL;
    if ((rv = start(p, argv, input != NULL, &proc)) != APR_SUCCESS) {
        out->problem = apr_psprintf(p, "cannot run %s: %pm", argv[0], &rv);
        return rv;
    }
    if (input) {
        apr_size_t written = 0;
        apr_file_pipe_timeout_set(proc.in, timeout);
        apr_file_write_full(proc.in, input, len, &written);
        apr_file_close(proc.in);
    }
    read_stderr(&proc, deadline, first, ERR_CAP);
    rv = apr_proc_wait(&proc, &out->exit_code, &why, APR_NOWAIT);
    while (rv == APR_CHILD_NOTDONE && apr_time_now() < deadline) {
        apr_sleep(apr_time_from_msec(10));
        rv = apr_proc_wait(&proc, &out->exit_code, &why, APR_NOWAIT);
    }
    if (rv == APR_CHILD_NOTDONE) {
        apr_proc_kill(&proc, SIGKILL);
        apr_proc_wait(&proc, &out->exit_code, &why, APR_WAIT);
        out->exit_code = -1;
        out->problem = apr_psprintf(p, "%s: gave up after %" APR_TIME_T_FMT " s", argv[0],
                                    apr_time_sec(timeout));
        return APR_TIMEUP;
    }
    if (why != APR_PROC_EXIT || out->exit_code != 0) {
        out->problem = apr_psprintf(p, "%s: %s %d%s%s", argv[0],
                                    why == APR_PROC_EXIT ? "exited with status" : "killed by signal",
                                    out->exit_code, first[0] ? ": " : "", first);
        return APR_EGENERAL;
    }
    return APR_SUCCESS;
}

const char *sg_run_describe(apr_pool_t *p, const char *const *argv)
{
    const char *line = "";
    int i;

    for (i = 0; argv[i]; i++) {
        int plain = argv[i][0] && !argv[i][strcspn(argv[i], " \t'\"\\$`")];
        line = apr_pstrcat(p, line, i ? " " : "", plain ? argv[i] : "'", plain ? "" : argv[i],
                           plain ? "" : "'", NULL);
    }
    return line;
}
