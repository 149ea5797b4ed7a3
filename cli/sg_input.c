/* sg_input.c: logs as buffers of whole lines, from files, stdin or gzip. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memrchr */
#endif
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include <apr_strings.h>
#include "sg_input.h"

#define MAP_STEP (16 * 1024 * 1024)   /* pages handed back to the kernel per step */

/* Pulls up to LEN bytes into BUF; returns the count, 0 at the end, -1 on error. */
typedef long read_fn(void *src, char *buf, apr_size_t len);

static long read_fd(void *src, char *buf, apr_size_t len)
{
    ssize_t n;

    do {
        n = read(*(int *)src, buf, len);
    } while (n < 0 && errno == EINTR);
    return (long)n;
}

static long read_gz(void *src, char *buf, apr_size_t len)
{
    int n = gzread((gzFile)src, buf, (unsigned)len);

    return n < 0 ? -1 : n;
}

static void keep_head(sg_input_t *in, const char *buf, apr_size_t len)
{
    apr_size_t n = 0;

    while (n < len && n < SG_INPUT_HEAD && buf[n] != '\n') {
        n++;
    }
    memcpy(in->head, buf, n);
    in->head[n] = '\0';
}

/* Passes over IN->skip bytes of a stream, keeping the head; the rest of the
 * last read goes back to the caller in BUF[0..*have). */
static apr_status_t skip_stream(read_fn *rd, void *src, sg_input_t *in, char *buf,
                                apr_size_t *have)
{
    apr_uint64_t left = in->skip;
    int first = 1;
    long n;

    *have = 0;
    while ((n = rd(src, buf, SG_INPUT_CHUNK)) > 0) {
        in->bytes += (apr_uint64_t)n;
        if (first) {
            keep_head(in, buf, (apr_size_t)n);
            first = 0;
        }
        if ((apr_uint64_t)n > left) {
            *have = (apr_size_t)n - (apr_size_t)left;
            memmove(buf, buf + left, *have);
            return APR_SUCCESS;
        }
        left -= (apr_uint64_t)n;
        if (left == 0) {
            return APR_SUCCESS;
        }
    }
    return n < 0 ? APR_EGENERAL : (left ? APR_EOF : APR_SUCCESS);
}

/* Streams a source through a buffer, handing over whole lines and carrying
 * the unfinished last line to the next read. */
static apr_status_t stream_lines(read_fn *rd, void *src, sg_input_t *in, apr_pool_t *p)
{
    char *buf = apr_palloc(p, SG_INPUT_CHUNK);
    apr_size_t have = 0;
    int dropping = 0;   /* inside a line longer than the buffer */
    long n = 0;
    apr_status_t rv = skip_stream(rd, src, in, buf, &have);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    in->used = in->skip;
    for (;;) {
        const char *nl = have ? memrchr(buf, '\n', have) : NULL;
        if (!nl && have == SG_INPUT_CHUNK) {
            dropping = 1;
            in->used += have;
            have = 0;
        }
        else if (nl && dropping) {
            /* The head of the buffer ends the dropped line. */
            apr_size_t skip = (apr_size_t)((const char *)memchr(buf, '\n', have) + 1 - buf);
            in->oversize(in->baton);
            dropping = 0;
            in->used += skip;
            memmove(buf, buf + skip, have - skip);
            have -= skip;
            continue;
        }
        else if (nl) {
            apr_size_t whole = (apr_size_t)(nl + 1 - buf);
            in->lines(in->baton, buf, whole);
            in->used += whole;
            have -= whole;
            memmove(buf, nl + 1, have);
        }
        if ((n = rd(src, buf + have, SG_INPUT_CHUNK - have)) <= 0) {
            break;
        }
        in->bytes += (apr_uint64_t)n;
        have += (apr_size_t)n;
    }
    if (n < 0) {
        return APR_EGENERAL;
    }
    if (dropping) {
        in->oversize(in->baton);
        in->used += have;
    }
    else if (have > 0 && !in->whole_lines_only) {
        in->lines(in->baton, buf, have);
        in->used += have;
    }
    return APR_SUCCESS;
}

#define SEEK_MIN_SPAN (64 * 1024)    /* bisect no closer than this */
#define SEEK_PROBE_LINES 16          /* lines tried for a stamp at each probe */

/* The start of the first line that begins after MAP[AT] (AT itself when it
 * starts one), or SIZE. */
static apr_size_t next_line_start(const char *map, apr_size_t at, apr_size_t size)
{
    const char *nl;

    if (at == 0 || map[at - 1] == '\n') return at;
    nl = memchr(map + at, '\n', size - at);
    return nl ? (apr_size_t)(nl + 1 - map) : size;
}

/* The stamp of the first of SEEK_PROBE_LINES lines from line start AT that
 * has one; 0 when none does. */
static int probe_time(const char *map, apr_size_t at, apr_size_t size, sg_input_t *in,
                      apr_time_t *when)
{
    int i;

    for (i = 0; i < SEEK_PROBE_LINES && at < size; i++) {
        const char *nl = memchr(map + at, '\n', size - at);
        apr_size_t end = nl ? (apr_size_t)(nl - map) : size;
        if (in->line_time(in->baton, map + at, end - at, when)) return 1;
        at = end + 1;
    }
    return 0;
}

/* Bisects MAP[FROM..SIZE) for a line start before which every probed line is
 * stamped before IN->since - SG_INPUT_SEEK_SLACK; returns FROM when there is
 * none or the probes cannot tell. */
static apr_size_t seek_since(const char *map, apr_size_t from, apr_size_t size, sg_input_t *in)
{
    apr_time_t limit = in->since - SG_INPUT_SEEK_SLACK, when;
    apr_size_t lo = from, hi = size;

    while (hi - lo > SEEK_MIN_SPAN) {
        apr_size_t mid = next_line_start(map, lo + (hi - lo) / 2, size);
        if (mid >= hi || !probe_time(map, mid, size, in, &when) || when >= limit) {
            hi = lo + (hi - lo) / 2;
        }
        else {
            lo = mid;
        }
    }
    return lo;
}

/* Maps a regular file and feeds it in steps of whole lines, dropping the pages
 * of each step once read: the file is read without a copy, and the resident
 * size stays a step, not the file. */
static apr_status_t read_mapped(int fd, apr_size_t size, sg_input_t *in)
{
    char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    apr_size_t done = (apr_size_t)in->skip, dropped = 0;
    apr_size_t page = (apr_size_t)sysconf(_SC_PAGESIZE);

    if (map == MAP_FAILED) {
        return APR_FROM_OS_ERROR(errno);
    }
    keep_head(in, map, size);
    if (in->since && in->line_time) {
        apr_size_t start = seek_since(map, done, size, in);
        in->seeked = start - done;
        done = start;
        dropped = start / page * page;
    }
    (void)madvise(map + dropped, size - dropped, MADV_SEQUENTIAL);
    while (done < size) {
        apr_size_t end = size - done > MAP_STEP ? done + MAP_STEP : size;
        const char *nl = memrchr(map + done, '\n', end - done);
        /* A step ends after its last newline; a step without one is a single
         * huge line, handed over whole so the scanner counts it as too long. */
        if (nl) {
            end = (end < size || in->whole_lines_only) ? (apr_size_t)(nl + 1 - map) : end;
        }
        else if (end < size) {
            nl = memchr(map + end, '\n', size - end);
            end = nl ? (apr_size_t)(nl + 1 - map) : size;
        }
        else if (in->whole_lines_only) {
            break;   /* an unfinished last line: the next run reads it whole */
        }
        in->lines(in->baton, map + done, end - done);
        done = end;
        if (done - dropped >= MAP_STEP) {
            apr_size_t upto = done / page * page;
            (void)madvise(map + dropped, upto - dropped, MADV_DONTNEED);
            dropped = upto;
        }
    }
    in->used = done;
    munmap(map, size);
    return APR_SUCCESS;
}

static int is_gzip_name(const char *path)
{
    apr_size_t len = strlen(path);

    return len > 3 && !strcmp(path + len - 3, ".gz");
}

static apr_status_t read_gzip_fd(int fd, const char *path, sg_input_t *in, apr_pool_t *p,
                                 sg_result_t *res)
{
    int dup_fd = dup(fd);
    gzFile gz = dup_fd >= 0 ? gzdopen(dup_fd, "rb") : NULL;
    apr_status_t rv;

    if (!gz) {
        if (dup_fd >= 0) {
            close(dup_fd);
        }
        return sg_result_set(res, p, APR_ENOMEM, "%s: cannot start gzip", path);
    }
    gzbuffer(gz, 256 * 1024);
    rv = stream_lines(read_gz, gz, in, p);
    if (rv == APR_SUCCESS) {
        int zerr = Z_OK;
        gzerror(gz, &zerr);
        in->truncated = zerr == Z_BUF_ERROR;   /* zlib's "unexpected end of file" */
    }
    gzclose(gz);
    if (rv == APR_EOF) {
        return sg_result_set(res, p, rv, "%s: shorter than the state says", path);
    }
    return rv == APR_SUCCESS ? rv : sg_result_set(res, p, rv, "%s: corrupt gzip data", path);
}

/* A FIFO: waits for data (or a writer that came and went) at most
 * SG_INPUT_FIFO_WAIT_MS, then makes FD blocking again for the read. */
static apr_status_t wait_for_writer(int fd, const char *path, apr_pool_t *p, sg_result_t *res)
{
    struct pollfd pf = { fd, POLLIN, 0 };
    int n;

    do {
        n = poll(&pf, 1, SG_INPUT_FIFO_WAIT_MS);
    } while (n < 0 && errno == EINTR);
    if (n == 0) {
        return sg_result_set(res, p, APR_TIMEUP, "%s: a FIFO nothing was written to for %d s: "
                             "not read", path, SG_INPUT_FIFO_WAIT_MS / 1000);
    }
    if (n < 0 || fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
        return sg_result_set(res, p, APR_FROM_OS_ERROR(errno), "%s: %s", path, strerror(errno));
    }
    return APR_SUCCESS;
}

/* /dev/null (an empty log, as cron lines and tests use it) */
static int is_dev_null(const struct stat *st)
{
    struct stat null;

    return S_ISCHR(st->st_mode) && stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode)
           && st->st_rdev == null.st_rdev;
}

/* What the first bytes of a regular file say: 1 gzip, -1 binary (over 5 %
 * of the first 4 KB are control bytes other than tab, CR and LF: compressed
 * or executable data has about 12 %, a text log with a garbage line or a
 * few NULs left by a crash far less), 0 text. */
static int sniff(int fd, const struct stat *st)
{
    unsigned char head[4096];
    ssize_t n, i, ctrl = 0;

    if (!S_ISREG(st->st_mode) || st->st_size < 2) return 0;
    n = pread(fd, head, sizeof(head), 0);
    if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) return 1;
    for (i = 0; i < n; i++) {
        unsigned char c = head[i];
        ctrl += (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f;
    }
    return n > 0 && ctrl * 20 > n ? -1 : 0;
}

apr_status_t sg_input_read(const char *path, sg_input_t *in, apr_pool_t *p, sg_result_t *res)
{
    struct stat st;
    int fd, kind;
    apr_status_t rv;

    in->bytes = in->used = in->seeked = 0;
    in->inode = 0;
    in->head[0] = '\0';
    if (!strcmp(path, "-")) {
        fd = STDIN_FILENO;
        rv = stream_lines(read_fd, &fd, in, p);
        return rv == APR_SUCCESS ? rv : sg_result_set(res, p, rv, "stdin: read error");
    }
    /* O_NONBLOCK: opening a FIFO nobody writes to would block for ever */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
        if (fd >= 0) {
            close(fd);
        }
        return sg_result_set(res, p, rv, "%s: cannot open: %s", path, strerror(errno));
    }
    in->inode = st.st_ino;
    kind = sniff(fd, &st);
    if (S_ISFIFO(st.st_mode) && (rv = wait_for_writer(fd, path, p, res)) != APR_SUCCESS) {
        /* said in RES */
    }
    else if (is_gzip_name(path) || kind == 1) {
        in->gzip_unnamed = !is_gzip_name(path);
        rv = read_gzip_fd(fd, path, in, p, res);
    }
    else if (S_ISDIR(st.st_mode)) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: is a directory", path);
    }
    else if (!S_ISREG(st.st_mode) && !S_ISFIFO(st.st_mode) && !is_dev_null(&st)) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: a device or socket, not a log file: not "
                           "read", path);
    }
    else if (kind < 0) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: binary data, not a text log (compressed "
                           "with something other than gzip?): not read", path);
    }
    else if (S_ISREG(st.st_mode) && (apr_uint64_t)st.st_size < in->skip) {
        rv = sg_result_set(res, p, APR_EOF, "%s: shorter than the state says", path);
    }
    else if (S_ISREG(st.st_mode) && st.st_size > 0) {
        in->bytes = (apr_uint64_t)st.st_size;
        rv = read_mapped(fd, (apr_size_t)st.st_size, in);
    }
    else {
        rv = stream_lines(read_fd, &fd, in, p);
    }
    close(fd);
    return rv == APR_SUCCESS || (res && res->problem) ? rv
           : sg_result_set(res, p, rv, "%s: read error", path);
}

apr_status_t sg_input_head(const char *path, char *head)
{
    gzFile gz = gzopen(path, "rb");   /* reads plain files as they are, too */
    char buf[SG_INPUT_HEAD];
    int n, i;

    head[0] = '\0';
    if (!gz) {
        return APR_FROM_OS_ERROR(errno);
    }
    n = gzread(gz, buf, sizeof(buf));
    gzclose(gz);
    if (n < 0) {
        return APR_EGENERAL;
    }
    for (i = 0; i < n && buf[i] != '\n'; i++) {
    }
    memcpy(head, buf, (size_t)i);
    head[i] = '\0';
    return APR_SUCCESS;
}
