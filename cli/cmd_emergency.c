/* cmd_emergency.c: emergency-mail, alerts that bypass a full local queue.
 *
 * Copies stdin to stdout (it sits at the end of a cron pipe), then, when the
 * input is not empty and the local queue holds more than THRESHOLD messages,
 * mails the input through every configured external SMTP server with libcurl.
 * The settings, queue counting and message text are core logic
 * (sg_emergency.c, sg_queue.c); this file does the I/O. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <curl/curl.h>
#include <apr_file_io.h>
#include <apr_network_io.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "sg_cli.h"
#include "sg_emergency.h"
#include "sg_queue.h"
#include "sg_units.h"

#define EM_IO_CHUNK 65536          /* bytes per read of stdin or a queue command */
#define EM_MAX_PASSWORD 1024       /* a password file's first line, at most */
#define EM_MAX_STDERR_LINE 300     /* a queue command's stderr shown in our error */
#define EM_SEARCH_DIRS "/usr/sbin:/usr/bin:/sbin:/bin"   /* cron's PATH lacks sbin */

typedef struct em_run_t {
    sg_cli_t *cli;                   /* the tool */
    apr_pool_t *p;                   /* cli->pool */
    char *body;                      /* input kept for the mail, SG_EMERGENCY_MAX_BODY */
    apr_size_t body_len;             /* bytes in body */
    apr_off_t input_len;             /* bytes read from stdin in all */
    apr_uint64_t threshold;          /* send when the queue holds more than this */
    apr_int64_t timeout;             /* seconds, for the queue command and each server */
    const char *queue_kind;          /* auto, postfix or exim */
    const char *queue_command;       /* NULL: the MTA's own tool */
    const char *cacert;              /* --cacert, for servers without cacert= */
    apr_array_header_t *servers;     /* sg_smtp_server_t * */
} em_run_t;

/* ------------------------------------------------------------ stdin */

/* Copies all of stdin to stdout and keeps the first SG_EMERGENCY_MAX_BODY
 * bytes.  Goes on reading when stdout fails so the mail still has the input. */
static int copy_stdin(em_run_t *run)
{
    apr_file_t *in, *out;
    char *buf = apr_palloc(run->p, EM_IO_CHUNK);
    apr_size_t n, keep;
    apr_status_t rv, wrv = APR_SUCCESS;

    run->body = apr_palloc(run->p, SG_EMERGENCY_MAX_BODY);
    if (apr_file_open_stdin(&in, run->p) != APR_SUCCESS
        || apr_file_open_stdout(&out, run->p) != APR_SUCCESS) {
        sg_cli_error("emergency-mail: cannot open stdin/stdout");
        return SG_EXIT_ERROR;
    }
    for (;;) {
        n = EM_IO_CHUNK;
        rv = apr_file_read(in, buf, &n);
        if (rv != APR_SUCCESS) {
            break;
        }
        if (wrv == APR_SUCCESS) {
            wrv = apr_file_write_full(out, buf, n, NULL);
        }
        keep = SG_EMERGENCY_MAX_BODY - run->body_len;
        keep = n < keep ? n : keep;
        memcpy(run->body + run->body_len, buf, keep);
        run->body_len += keep;
        run->input_len += (apr_off_t)n;
    }
    if (!APR_STATUS_IS_EOF(rv)) {
        sg_cli_error("emergency-mail: reading stdin: %s", apr_psprintf(run->p, "%pm", &rv));
        return SG_EXIT_ERROR;
    }
    if (wrv != APR_SUCCESS) {
        sg_cli_error("emergency-mail: writing stdout: %s", apr_psprintf(run->p, "%pm", &wrv));
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

/* ------------------------------------------------------------ settings */

static int add_server(em_run_t *run, const char *spec, const char *where)
{
    sg_smtp_server_t *server;
    const char *problem;

    if (sg_smtp_server_parse(spec, run->p, &server, &problem) != APR_SUCCESS) {
        sg_cli_error("emergency-mail: %s: %s", where, problem);
        return SG_EXIT_ERROR;
    }
    APR_ARRAY_PUSH(run->servers, sg_smtp_server_t *) = server;
    return SG_EXIT_OK;
}

/* Servers from --smtp (all of them), else from the config's emergency-smtp lines. */
static int load_servers(em_run_t *run)
{
    const apr_array_header_t *opts = apr_table_elts(run->cli->opts), *conf;
    const apr_table_entry_t *e = (const apr_table_entry_t *)opts->elts;
    int i, rc = SG_EXIT_OK;

    run->servers = apr_array_make(run->p, 4, sizeof(sg_smtp_server_t *));
    for (i = 0; i < opts->nelts && rc == SG_EXIT_OK; i++) {
        if (!strcmp(e[i].key, "smtp")) {
            rc = add_server(run, e[i].val, "--smtp");
        }
    }
    conf = run->servers->nelts ? NULL : sg_conf_get_all(run->cli->conf, "emergency-smtp");
    for (i = 0; conf && i < conf->nelts && rc == SG_EXIT_OK; i++) {
        /* Checked when the file was read; parsed again for the struct. */
        rc = add_server(run, APR_ARRAY_IDX(conf, i, sg_conf_entry_t).value, "emergency-smtp");
    }
    return rc;
}

static int load_settings(em_run_t *run, int argc, const char *const *argv)
{
    const char *threshold, *timeout;
    apr_int64_t n;
    int bad = 0;

    if (argc > 1) {
        sg_cli_error("emergency-mail: takes at most one THRESHOLD; "
                     "try 'spamgear emergency-mail --help'");
        return SG_EXIT_ERROR;
    }
    if (sg_cli_load_conf(run->cli) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    threshold = sg_conf_get(run->cli->conf, "emergency-threshold");
    if (argc == 1) {
        threshold = argv[0];
        if (sg_conf_check_value(sg_conf_key("emergency-threshold"), threshold, run->p)) {
            sg_cli_error("emergency-mail: THRESHOLD '%s' is not a whole number; "
                         "try 'spamgear emergency-mail --help'", threshold);
            return SG_EXIT_ERROR;
        }
    }
    run->threshold = (apr_uint64_t)apr_atoi64(threshold);
    timeout = sg_cli_setting(run->cli, "timeout", "emergency-timeout", &bad);
    run->queue_kind = sg_cli_setting(run->cli, "queue", "emergency-queue", &bad);
    run->queue_command = sg_cli_setting(run->cli, "queue-command", "emergency-queue-command", &bad);
    run->cacert = sg_cli_opt_path(run->cli, "cacert");
    if (bad || (sg_cli_opt(run->cli, "cacert") && !run->cacert)) {
        return SG_EXIT_ERROR;
    }
    if (sg_parse_duration(timeout, &n) != APR_SUCCESS || n < 1 || n > 86400) {
        sg_cli_error("emergency-mail: timeout '%s' must be from 1 second to 1 day", timeout);
        return SG_EXIT_ERROR;
    }
    run->timeout = n;
    return load_servers(run);
}

/* ------------------------------------------------------------ the queue */

/* Finds NAME in PATH and the sbin directories; NULL when it is not there. */
static const char *find_program(apr_pool_t *p, const char *name)
{
    const char *path = getenv("PATH");
    char *dirs = apr_pstrcat(p, path ? path : "", ":" EM_SEARCH_DIRS, NULL), *last, *dir;

    for (dir = apr_strtok(dirs, ":", &last); dir; dir = apr_strtok(NULL, ":", &last)) {
        const char *full = apr_pstrcat(p, dir, "/", name, NULL);
        if (dir[0] == '/' && access(full, X_OK) == 0) {
            return full;
        }
    }
    return NULL;
}

/* Picks the command line and its output kind; SG_EXIT_ERROR when none fits. */
static int queue_command(em_run_t *run, const char **cmdline, sg_queue_kind_t *kind)
{
    const char *tool = NULL;
    int auto_kind = !strcmp(run->queue_kind, "auto");

    *kind = !strcmp(run->queue_kind, "exim") ? SG_QUEUE_EXIM : SG_QUEUE_POSTFIX;
    if (run->queue_command) {
        *cmdline = run->queue_command;
        return SG_EXIT_OK;
    }
    if (auto_kind || *kind == SG_QUEUE_POSTFIX) {
        if ((tool = find_program(run->p, "postqueue"))) {
            *kind = SG_QUEUE_POSTFIX;
            *cmdline = apr_pstrcat(run->p, tool, " -j", NULL);
            return SG_EXIT_OK;
        }
    }
    if (auto_kind || *kind == SG_QUEUE_EXIM) {
        if ((tool = find_program(run->p, "exim4")) || (tool = find_program(run->p, "exim"))) {
            *kind = SG_QUEUE_EXIM;
            *cmdline = apr_pstrcat(run->p, tool, " -bpc", NULL);
            return SG_EXIT_OK;
        }
    }
    sg_cli_error("emergency-mail: no queue tool installed (looked for %s in PATH and %s); "
                 "set emergency-queue-command or use --queue-command",
                 auto_kind ? "postqueue, exim4 and exim"
                           : (*kind == SG_QUEUE_EXIM ? "exim4 and exim" : "postqueue"),
                 EM_SEARCH_DIRS);
    return SG_EXIT_ERROR;
}

/* First line of what the command wrote on stderr (kept in ERR), or "". */
static const char *stderr_line(apr_file_t *err, apr_pool_t *p)
{
    char line[EM_MAX_STDERR_LINE];
    apr_off_t start = 0;
    apr_size_t i;

    line[0] = '\0';
    if (apr_file_seek(err, APR_SET, &start) == APR_SUCCESS) {
        apr_file_gets(line, sizeof(line), err);
    }
    for (i = 0; line[i]; i++) {
        if ((unsigned char)line[i] < 0x20) {
            line[i] = line[i + 1] ? ' ' : '\0';
        }
    }
    return line[0] ? apr_pstrcat(p, ": ", line, NULL) : "";
}

/* Starts CMDLINE (no shell) with stdout to a pipe and stderr to ERR. */
static apr_status_t start_command(em_run_t *run, const char *cmdline, apr_proc_t *proc,
                                  apr_file_t *err)
{
    apr_procattr_t *attr;
    char **args;
    apr_status_t rv;

    if ((rv = apr_tokenize_to_argv(cmdline, &args, run->p)) != APR_SUCCESS
        || (rv = apr_procattr_create(&attr, run->p)) != APR_SUCCESS
        || (rv = apr_procattr_io_set(attr, APR_NO_PIPE, APR_FULL_BLOCK, APR_NO_PIPE))
               != APR_SUCCESS
        || (rv = apr_procattr_child_err_set(attr, err, NULL)) != APR_SUCCESS
        || (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM_ENV)) != APR_SUCCESS
        || (rv = apr_procattr_error_check_set(attr, 1)) != APR_SUCCESS) {
        return rv;
    }
    return apr_proc_create(proc, args[0], (const char *const *)args, NULL, attr, run->p);
}

/* Feeds the command's stdout to QC until EOF or the deadline. */
static apr_status_t read_command(em_run_t *run, apr_proc_t *proc, sg_queue_count_t *qc)
{
    apr_time_t deadline = apr_time_now() + apr_time_from_sec(run->timeout);
    char *buf = apr_palloc(run->p, EM_IO_CHUNK);
    apr_size_t n;
    apr_status_t rv;

    do {
        apr_interval_time_t left = deadline - apr_time_now();
        if (left <= 0) {
            return APR_TIMEUP;
        }
        apr_file_pipe_timeout_set(proc->out, left);
        n = EM_IO_CHUNK;
        rv = apr_file_read(proc->out, buf, &n);
        if (rv == APR_SUCCESS) {
            sg_queue_count_feed(qc, buf, n);
        }
    } while (rv == APR_SUCCESS);
    return APR_STATUS_IS_EOF(rv) ? APR_SUCCESS : rv;
}

/* Runs the queue tool and counts; SG_EXIT_ERROR (printed, naming the command)
 * when it cannot be run, fails, hangs or prints something else. */
static int count_queue(em_run_t *run, apr_uint64_t *count)
{
    const char *cmdline, *problem = NULL;
    sg_queue_kind_t kind;
    sg_queue_count_t qc;
    apr_proc_t proc;
    apr_file_t *err;
    apr_exit_why_e why;
    int code = 0;
    char *tmpl = apr_pstrdup(run->p, "/tmp/spamgear-queue-XXXXXX");
    apr_status_t rv;

    if (queue_command(run, &cmdline, &kind) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    rv = apr_file_mktemp(&err, tmpl, APR_FOPEN_CREATE | APR_FOPEN_READ | APR_FOPEN_WRITE
                         | APR_FOPEN_EXCL | APR_FOPEN_DELONCLOSE, run->p);
    if (rv == APR_SUCCESS) {
        rv = start_command(run, cmdline, &proc, err);
    }
    if (rv != APR_SUCCESS) {
        sg_cli_error("emergency-mail: %s: cannot run: %s", cmdline,
                     apr_psprintf(run->p, "%pm", &rv));
        return SG_EXIT_ERROR;
    }
    sg_queue_count_init(&qc, kind);
    rv = read_command(run, &proc, &qc);
    if (rv != APR_SUCCESS) {
        apr_proc_kill(&proc, SIGKILL);
    }
    apr_file_close(proc.out);
    apr_proc_wait(&proc, &code, &why, APR_WAIT);
    if (rv == APR_TIMEUP) {
        problem = apr_psprintf(run->p, "no answer within %" APR_INT64_T_FMT " s", run->timeout);
    }
    else if (rv != APR_SUCCESS) {
        problem = apr_psprintf(run->p, "reading its output: %pm", &rv);
    }
    else if (why != APR_PROC_EXIT || code != 0) {
        problem = apr_psprintf(run->p, "%s %d%s", why == APR_PROC_EXIT ? "exited with status"
                               : "killed by signal", code, stderr_line(err, run->p));
    }
    else if (sg_queue_count_finish(&qc, count, &problem, run->p) == APR_SUCCESS) {
        return SG_EXIT_OK;
    }
    sg_cli_error("emergency-mail: %s: %s", cmdline, problem);
    return SG_EXIT_ERROR;
}

/* ------------------------------------------------------------ sending */

typedef struct em_upload_t {
    const char *data;   /* the whole message */
    size_t len;         /* its length */
    size_t pos;         /* bytes handed to libcurl so far */
} em_upload_t;

static size_t upload_read(char *buf, size_t size, size_t nitems, void *baton)
{
    em_upload_t *up = baton;
    size_t n = size * nitems;

    if (n > up->len - up->pos) {
        n = up->len - up->pos;
    }
    memcpy(buf, up->data + up->pos, n);
    up->pos += n;
    return n;
}

/* Reads the first line of the server's password file; NULL and *PROBLEM set on failure. */
static const char *read_password(const sg_smtp_server_t *s, apr_pool_t *p, const char **problem)
{
    char line[EM_MAX_PASSWORD + 2];
    apr_file_t *f;
    apr_size_t len;
    apr_status_t rv = apr_file_open(&f, s->password_file, APR_FOPEN_READ, 0, p);

    line[0] = '\0';
    if (rv == APR_SUCCESS) {
        rv = apr_file_gets(line, sizeof(line), f);
        apr_file_close(f);
    }
    len = strcspn(line, "\r\n");
    if (rv != APR_SUCCESS || len == 0 || len > EM_MAX_PASSWORD) {
        *problem = rv != APR_SUCCESS
            ? apr_psprintf(p, "password-file %s: cannot read: %pm", s->password_file, &rv)
            : apr_psprintf(p, "password-file %s: first line empty or longer than %d bytes",
                           s->password_file, EM_MAX_PASSWORD);
        return NULL;
    }
    return apr_pstrndup(p, line, len);
}

/* One line saying why the transfer failed, from libcurl's code and message. */
static const char *describe_failure(em_run_t *run, const sg_smtp_server_t *s, CURLcode rc,
                                    long reply, char *errbuf)
{
    char *c;

    for (c = errbuf; *c; c++) {
        if ((unsigned char)*c < 0x20) {
            *c = ' ';
        }
    }
    switch (rc) {
    case CURLE_USE_SSL_FAILED:
        return "STARTTLS required but not offered";
    case CURLE_OPERATION_TIMEDOUT:
        return apr_psprintf(run->p, "gave up after %" APR_INT64_T_FMT " s (timeout): %s",
                            run->timeout, errbuf);
    case CURLE_LOGIN_DENIED:
        return apr_psprintf(run->p, "AUTH as %s refused (reply %ld)", s->user, reply);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return apr_psprintf(run->p, "TLS certificate not trusted (set cacert=): %s", errbuf);
    default:
        return apr_psprintf(run->p, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
    }
}

/* Sends MSG through S; NULL when the server took it, else why not. */
static const char *send_one(em_run_t *run, const sg_smtp_server_t *s, const char *hostname,
                            const char *msg, apr_size_t len)
{
    char errbuf[CURL_ERROR_SIZE];
    em_upload_t up = { msg, len, 0 };
    struct curl_slist *rcpt = NULL;
    const char *password = NULL, *problem = NULL, *cacert = s->cacert ? s->cacert : run->cacert;
    CURL *curl;
    CURLcode rc;
    int i;

    if (s->user && !(password = read_password(s, run->p, &problem))) {
        return problem;
    }
    if (!(curl = curl_easy_init())) {
        return "cannot initialise libcurl";
    }
    for (i = 0; i < s->to->nelts; i++) {
        rcpt = curl_slist_append(rcpt, apr_psprintf(run->p, "<%s>",
                                                    APR_ARRAY_IDX(s->to, i, const char *)));
    }
    errbuf[0] = '\0';
    /* The URL path is the name libcurl gives in EHLO. */
    curl_easy_setopt(curl, CURLOPT_URL, apr_psprintf(run->p, "%s/%s", s->url, hostname));
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(curl, CURLOPT_USE_SSL,
                     (long)(s->implicit_tls || s->starttls_required ? CURLUSESSL_ALL
                                                                    : CURLUSESSL_TRY));
    if (cacert) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
    }
    if (s->user) {
        curl_easy_setopt(curl, CURLOPT_USERNAME, s->user);
        curl_easy_setopt(curl, CURLOPT_PASSWORD, password);
    }
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, apr_psprintf(run->p, "<%s>", s->from));
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, upload_read);
    curl_easy_setopt(curl, CURLOPT_READDATA, &up);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, (long)run->timeout);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, (long)run->timeout);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    rc = curl_easy_perform(curl);
    if (rc != CURLE_OK) {
        long reply = 0;
        curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &reply);
        problem = describe_failure(run, s, rc, reply, errbuf);
    }
    curl_slist_free_all(rcpt);
    curl_easy_cleanup(curl);
    return problem;
}

/* Random hex for the Message-ID. */
static const char *unique_id(apr_pool_t *p)
{
    unsigned char rnd[8];
    char hex[sizeof(rnd) * 2 + 1];
    apr_size_t i;

    if (apr_generate_random_bytes(rnd, sizeof(rnd)) != APR_SUCCESS) {
        memset(rnd, 0, sizeof(rnd));
    }
    for (i = 0; i < sizeof(rnd); i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", rnd[i]);
    }
    return apr_psprintf(p, "%" APR_TIME_T_FMT ".%ld.%s", apr_time_sec(apr_time_now()),
                        (long)getpid(), hex);
}

/* Mails the input through every server; one stderr line per failure. */
static int send_all(em_run_t *run, apr_uint64_t queue)
{
    char host[256] = "", *msg;
    const char *problem;
    apr_size_t len;
    sg_emergency_mail_t m;
    int i, rc = SG_EXIT_OK;

    apr_gethostname(host, sizeof(host), run->p);
    memset(&m, 0, sizeof(m));
    m.hostname = sg_safe_hostname(host, run->p);
    m.queue = queue;
    apr_time_exp_lt(&m.date, apr_time_now());
    m.unique = unique_id(run->p);
    m.body = run->body;
    m.body_len = run->body_len;
    m.input_len = run->input_len;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        sg_cli_error("emergency-mail: cannot initialise libcurl");
        return SG_EXIT_ERROR;
    }
    for (i = 0; i < run->servers->nelts; i++) {
        const sg_smtp_server_t *s = APR_ARRAY_IDX(run->servers, i, sg_smtp_server_t *);
        apr_pool_t *sp;   /* the message (input size x 1.4) lives only while sending */
        apr_pool_create(&sp, run->p);
        m.from = s->from;
        m.to = s->to;
        problem = sg_emergency_message(&m, sp, &msg, &len) != APR_SUCCESS
                      ? "cannot build the message (bad address)"
                      : send_one(run, s, m.hostname, msg, len);
        if (problem) {
            sg_cli_error("emergency-mail: %s: %s", s->url, problem);
            rc = SG_EXIT_ERROR;
        }
        apr_pool_destroy(sp);
    }
    curl_global_cleanup();
    return rc;
}

/* ------------------------------------------------------------ the command */

int sg_cmd_emergency_mail(sg_cli_t *cli, int argc, const char *const *argv)
{
    em_run_t run;
    apr_uint64_t queue = 0;
    int rc;

    memset(&run, 0, sizeof(run));
    run.cli = cli;
    run.p = cli->pool;
    /* A reader that went away must not kill us before the mail is out. */
    signal(SIGPIPE, SIG_IGN);
    rc = copy_stdin(&run);
    if (load_settings(&run, argc, argv) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    if (run.input_len == 0) {
        return rc;
    }
    if (count_queue(&run, &queue) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    if (queue <= run.threshold) {
        return rc;
    }
    if (run.servers->nelts == 0) {
        sg_cli_error("emergency-mail: queue holds %" APR_UINT64_T_FMT " messages (threshold %"
                     APR_UINT64_T_FMT ") but no emergency-smtp server is configured",
                     queue, run.threshold);
        return SG_EXIT_ERROR;
    }
    return send_all(&run, queue) == SG_EXIT_OK ? rc : SG_EXIT_ERROR;
}
