/* cmd_mail_state.c: spamgear mail --state DIR: incremental runs.
 *
 * Per source, DIR holds two files:
 *   mail-SOURCE.state    JSON: per log path the inode, the offset read up to
 *                        (always a line start) and the log's first line; and
 *                        the name of its lines file;
 *   mail-SOURCE.lines.N  the dated lines that counted last time, or were newer
 *                        than its window: fed again first, so --period stays
 *                        exact across runs without re-reading old logs.
 * One run commits by one rename: it writes lines file N+1 (synced), then the
 * state naming it (temp, sync, rename, directory sync), then removes file N.
 * A crash or a failed write at any step leaves the old state with the lines
 * file it names, so the next run counts every line once.  (A state without
 * "lines", from before, names mail-SOURCE.lines.)
 * A log whose inode or first line changed was rotated: the rest of the old
 * file is read from PATH.1 or PATH.1.gz (found by its first line), then the
 * new file from its start.  A corrupt state is said and rebuilt from the logs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include <apr_lib.h>
#include <jansson.h>
#include "cmd_mail.h"

#define STATE_VERSION 1
#define KEPT_CAP ((apr_size_t)256 * 1024 * 1024)   /* lines kept for the next run */

typedef struct kept_t {
    apr_file_t *file;       /* the new .lines file being written */
    apr_size_t written;     /* bytes so far */
    int full;               /* KEPT_CAP hit: later lines are not kept */
    apr_status_t rv;        /* the first write error; APR_SUCCESS while none */
} kept_t;

static void keep_line(void *baton, const char *line, apr_size_t len)
{
    kept_t *k = baton;
    apr_size_t n;

    if (k->rv != APR_SUCCESS) {
        return;
    }
    if (k->full || k->written + len + 1 > KEPT_CAP) {
        k->full = 1;
        return;
    }
    if ((k->rv = apr_file_write_full(k->file, line, len, &n)) == APR_SUCCESS) {
        k->rv = apr_file_putc('\n', k->file);
    }
    k->written += len + 1;
}

static const char *state_path(mail_run_t *run, const char *ext)
{
    return apr_psprintf(run->cli->pool, "%s/mail-%s.%s", run->state_dir,
                        sg_mailsrc_name(run->source), ext);
}

/* The lines file's name prefix, "mail-SOURCE.lines". */
static const char *lines_prefix(mail_run_t *run)
{
    return apr_pstrcat(run->cli->pool, "mail-", sg_mailsrc_name(run->source), ".lines", NULL);
}

/* The generation of the lines file STATE names: N of mail-SOURCE.lines.N; 0
 * for a state without one (mail-SOURCE.lines) or none at all. */
static apr_int64_t lines_generation(mail_run_t *run, json_t *state)
{
    const char *name = state ? json_string_value(json_object_get(state, "lines")) : NULL;
    const char *prefix = lines_prefix(run);
    apr_size_t plen = strlen(prefix);

    if (!name || strncmp(name, prefix, plen) || name[plen] != '.' || !apr_isdigit(name[plen + 1])
        || strspn(name + plen + 1, "0123456789") != strlen(name + plen + 1)
        || strlen(name + plen + 1) > 15) {
        return 0;
    }
    return apr_atoi64(name + plen + 1);
}

/* The lines file of generation GEN, full path (0: the name from before). */
static const char *lines_path(mail_run_t *run, apr_int64_t gen)
{
    return gen ? apr_psprintf(run->cli->pool, "%s/%s.%" APR_INT64_T_FMT, run->state_dir,
                              lines_prefix(run), gen)
               : apr_pstrcat(run->cli->pool, run->state_dir, "/", lines_prefix(run), NULL);
}

/* Loads the state; NULL when there is none, or after saying it is corrupt. */
static json_t *load_state(mail_run_t *run, const char *path)
{
    json_error_t err;
    json_t *state;
    apr_finfo_t fi;

    if (apr_stat(&fi, path, APR_FINFO_TYPE, run->cli->pool) != APR_SUCCESS) {
        return NULL;
    }
    state = json_load_file(path, JSON_REJECT_DUPLICATES, &err);
    if (!state || json_integer_value(json_object_get(state, "version")) != STATE_VERSION
        || !json_is_object(json_object_get(state, "logs"))) {
        fprintf(stderr, "spamgear: mail: %s is corrupt (%s); rebuilding it from the logs\n",
                path, state ? "unknown layout" : err.text);
        json_decref(state);
        return NULL;
    }
    return state;
}

/* Where the old part of a rotated log went: PATH.1 or PATH.1.gz starting
 * with the same first line; NULL when neither does. */
static const char *rotated_to(mail_run_t *run, const char *path, const char *head)
{
    const char *candidates[] = { ".1", ".1.gz", ".0", NULL };
    char found[SG_INPUT_HEAD + 1];
    int i;

    for (i = 0; candidates[i]; i++) {
        const char *c = apr_pstrcat(run->cli->pool, path, candidates[i], NULL);
        if (sg_input_head(c, found) == APR_SUCCESS && !strcmp(found, head)) {
            return c;
        }
    }
    return NULL;
}

/* Reads one log from where SAVED (may be NULL) says the last run stopped;
 * records where this one stops in LOGS. */
static int read_incrementally(mail_run_t *run, const char *path, json_t *saved, json_t *logs)
{
    sg_input_t in;
    struct stat st;
    const char *head = saved ? json_string_value(json_object_get(saved, "head")) : NULL;
    apr_uint64_t used = saved ? (apr_uint64_t)json_integer_value(json_object_get(saved, "used")) : 0;
    apr_ino_t inode = saved ? (apr_ino_t)json_integer_value(json_object_get(saved, "inode")) : 0;
    char now_head[SG_INPUT_HEAD + 1];
    int rc;

    memset(&in, 0, sizeof(in));
    in.whole_lines_only = 1;
    if (head && stat(path, &st) == 0 && st.st_ino == inode && (apr_uint64_t)st.st_size >= used
        && sg_input_head(path, now_head) == APR_SUCCESS && !strcmp(now_head, head)) {
        in.skip = used;   /* the same file, grown: go on where we stopped */
    }
    else if (head && used > 0) {
        const char *old = rotated_to(run, path, head);
        if (old) {
            sg_input_t rest;
            memset(&rest, 0, sizeof(rest));
            rest.skip = used;
            if ((rc = mail_read_one_log(run, old, &rest)) != SG_EXIT_OK) {
                return rc;
            }
        }
        else {
            fprintf(stderr, "spamgear: mail: %s was rotated and the rest of the old file was "
                    "not found (%s.1, %s.1.gz): lines logged before the rotation since the last "
                    "run are missed\n", path, path, path);
        }
    }
    if ((rc = mail_read_one_log(run, path, &in)) != SG_EXIT_OK) {
        return rc;
    }
    json_object_set_new(logs, path, json_pack("{s:I, s:I, s:s}", "inode", (json_int_t)in.inode,
                                              "used", (json_int_t)in.used, "head", in.head));
    return SG_EXIT_OK;
}

/* Says that PATH could not be written and why; the exit code. */
static int state_error(const char *path, apr_status_t rv)
{
    sg_cli_error("mail: %s: cannot write the state: %pm", path, &rv);
    return SG_EXIT_ERROR;
}

/* fsync()s directory DIR, so the renames in it are on disk. */
static apr_status_t sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0 || fsync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (fd >= 0) {
        close(fd);
    }
    return rv;
}

/* Flushes, syncs and closes F (always closed); the first error. */
static apr_status_t finish_file(apr_file_t *f)
{
    apr_status_t rv = apr_file_flush(f), rv2;

    if (rv == APR_SUCCESS) {
        rv = apr_file_sync(f);
    }
    rv2 = apr_file_close(f);
    return rv != APR_SUCCESS ? rv : rv2;
}

/* Writes DOC to PATH: temp file, sync, rename, directory sync.  Sets
 * *RENAMED once PATH is the new one (a later failure of the directory sync is
 * still an error); before that PATH is as it was and no temp file is left. */
static int save_json(mail_run_t *run, const char *path, json_t *doc, int *renamed)
{
    const char *tmp = apr_pstrcat(run->cli->pool, path, ".new", NULL);
    char *text = json_dumps(doc, JSON_COMPACT);
    apr_file_t *f;
    apr_size_t n;
    apr_status_t rv = text ? APR_SUCCESS : APR_ENOMEM, rv2;

    if (rv == APR_SUCCESS
        && (rv = apr_file_open(&f, tmp, APR_FOPEN_CREATE | APR_FOPEN_WRITE | APR_FOPEN_TRUNCATE,
                               APR_FPROT_UREAD | APR_FPROT_UWRITE, run->cli->pool))
           == APR_SUCCESS) {
        rv = apr_file_write_full(f, text, strlen(text), &n);
        rv2 = finish_file(f);
        rv = rv != APR_SUCCESS ? rv : rv2;
    }
    free(text);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, run->cli->pool);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, run->cli->pool);
        return state_error(path, rv);
    }
    *renamed = 1;
    if ((rv = sync_dir(run->state_dir)) != APR_SUCCESS) {
        return state_error(run->state_dir, rv);
    }
    return SG_EXIT_OK;
}

/* Removes every lines file of this source but KEEP (older generations, and
 * those of runs that crashed or failed). */
static void remove_old_lines(mail_run_t *run, const char *keep)
{
    const char *prefix = lines_prefix(run);
    apr_dir_t *d;
    apr_finfo_t fi;

    if (apr_dir_open(&d, run->state_dir, run->cli->pool) != APR_SUCCESS) {
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        const char *path = apr_pstrcat(run->cli->pool, run->state_dir, "/", fi.name, NULL);
        if (!strncmp(fi.name, prefix, strlen(prefix)) && strcmp(path, keep)) {
            apr_file_remove(path, run->cli->pool);
        }
    }
    apr_dir_close(d);
}

/* Feeds last run's kept lines (a missing file: none). */
static int feed_kept(mail_run_t *run, const char *path)
{
    sg_input_t in;
    apr_finfo_t fi;

    if (apr_stat(&fi, path, APR_FINFO_TYPE, run->cli->pool) != APR_SUCCESS) {
        return SG_EXIT_OK;
    }
    memset(&in, 0, sizeof(in));
    return mail_read_one_log(run, path, &in);
}

static int read_all(mail_run_t *run, json_t *state, json_t *logs, kept_t *kept,
                    const char *lines_path)
{
    int i, rc = SG_EXIT_OK;

    /* Kept lines still in the window are kept again for the run after. */
    sg_maillog_set_keep(run->ml, keep_line, kept);
    if (state && (rc = feed_kept(run, lines_path)) != SG_EXIT_OK) {
        return rc;
    }
    for (i = 0; i < run->logs->nelts && rc == SG_EXIT_OK; i++) {
        const char *path = APR_ARRAY_IDX(run->logs, i, const char *);
        if (!strcmp(path, "-")) {
            sg_cli_error("mail: --state needs log files, not stdin");
            return SG_EXIT_ERROR;
        }
        rc = read_incrementally(run, path, state ? json_object_get(json_object_get(state, "logs"),
                                                                   path) : NULL, logs);
    }
    return rc;
}

int mail_state_read_logs(mail_run_t *run)
{
    const char *state_file = state_path(run, "state");
    json_t *state = load_state(run, state_file);
    apr_int64_t gen = lines_generation(run, state);
    const char *old_lines = lines_path(run, gen), *new_lines = lines_path(run, gen + 1);
    json_t *logs = json_object();
    kept_t kept = { NULL, 0, 0, APR_SUCCESS };
    apr_status_t rv;
    int rc, renamed = 0;

    if ((rv = apr_dir_make_recursive(run->state_dir, APR_FPROT_OS_DEFAULT, run->cli->pool))
        != APR_SUCCESS
        || (rv = apr_file_open(&kept.file, new_lines, APR_FOPEN_CREATE | APR_FOPEN_WRITE
                               | APR_FOPEN_TRUNCATE | APR_FOPEN_BUFFERED,
                               APR_FPROT_UREAD | APR_FPROT_UWRITE, run->cli->pool))
           != APR_SUCCESS) {
        rc = state_error(new_lines, rv);
        goto cleanup;
    }
    rc = read_all(run, state, logs, &kept, old_lines);
    sg_maillog_set_keep(run->ml, NULL, NULL);
    rv = finish_file(kept.file);
    kept.file = NULL;
    if (rc == SG_EXIT_OK && (kept.rv != APR_SUCCESS || rv != APR_SUCCESS)) {
        rc = state_error(new_lines, kept.rv != APR_SUCCESS ? kept.rv : rv);
    }
    if (rc == SG_EXIT_OK && kept.full) {
        fprintf(stderr, "spamgear: mail: more than %lu MB of lines in the window: the next run "
                "counts only part of this one's\n", (unsigned long)(KEPT_CAP >> 20));
    }
    if (rc == SG_EXIT_OK) {
        json_t *doc = json_pack("{s:i, s:O, s:s}", "version", STATE_VERSION, "logs", logs,
                                "lines", strrchr(new_lines, '/') + 1);
        rc = save_json(run, state_file, doc, &renamed);
        json_decref(doc);
    }
    if (rc == SG_EXIT_OK) {
        remove_old_lines(run, new_lines);
    }
cleanup:
    if (kept.file) {
        apr_file_close(kept.file);
    }
    if (rc != SG_EXIT_OK && !renamed) {
        apr_file_remove(new_lines, run->cli->pool);   /* the state still names the old one */
    }
    json_decref(logs);
    json_decref(state);
    return rc;
}
