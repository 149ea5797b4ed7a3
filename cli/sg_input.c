/* sg_input.c: logs as buffers of whole lines, from files, stdin or gzip. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE   /* memmem, memrchr */
#endif
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <zlib.h>
#include <apr_strings.h>
#include "sg_input.h"

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

/* Streams a source through a buffer, handing over whole lines and carrying
 * the unfinished last line to the next read. */
static apr_status_t stream_lines(read_fn *rd, void *src, sg_input_lines_cb *lines,
                                 sg_input_oversize_cb *oversize, void *baton,
                                 apr_uint64_t *bytes, apr_pool_t *p)
{
    char *buf = apr_palloc(p, SG_INPUT_CHUNK);
    apr_size_t have = 0;
    int dropping = 0;   /* inside a line longer than the buffer */
    long n;

    while ((n = rd(src, buf + have, SG_INPUT_CHUNK - have)) > 0) {
        const char *nl;
        *bytes += (apr_uint64_t)n;
        have += (apr_size_t)n;
        nl = memrchr(buf, '\n', have);
        if (!nl) {
            if (have == SG_INPUT_CHUNK) {
                dropping = 1;
                have = 0;
            }
            continue;
        }
        if (dropping) {
            /* The head of the buffer ends the dropped line. */
            const char *first = memchr(buf, '\n', have);
            apr_size_t skip = (apr_size_t)(first + 1 - buf);
            oversize(baton);
            dropping = 0;
            memmove(buf, buf + skip, have - skip);
            have -= skip;
            nl = memrchr(buf, '\n', have);
            if (!nl) {
                continue;
            }
        }
        lines(baton, buf, (apr_size_t)(nl + 1 - buf));
        have -= (apr_size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, have);
    }
    if (n < 0) {
        return APR_EGENERAL;
    }
    if (dropping) {
        oversize(baton);
    }
    else if (have > 0) {
        lines(baton, buf, have);
    }
    return APR_SUCCESS;
}

static int is_gzip_name(const char *path)
{
    apr_size_t len = strlen(path);

    return len > 3 && !strcmp(path + len - 3, ".gz");
}

#define MAP_STEP (16 * 1024 * 1024)   /* pages handed back to the kernel per step */

/* Maps a regular file and feeds it in steps of whole lines, dropping the pages
 * of each step once read: the file is read without a copy, and the resident
 * size stays a step, not the file. */
static apr_status_t read_mapped(int fd, apr_size_t size, sg_input_lines_cb *lines, void *baton)
{
    char *map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    apr_size_t done = 0, dropped = 0, page = (apr_size_t)sysconf(_SC_PAGESIZE);

    if (map == MAP_FAILED) {
        return APR_FROM_OS_ERROR(errno);
    }
    (void)madvise(map, size, MADV_SEQUENTIAL);
    while (done < size) {
        apr_size_t end = size - done > MAP_STEP ? done + MAP_STEP : size;
        const char *nl = (end < size) ? memrchr(map + done, '\n', end - done) : NULL;
        /* A step ends after its last newline; a step without one is a single
         * huge line, handed over whole so the scanner counts it as too long. */
        if (end < size && nl) {
            end = (apr_size_t)(nl + 1 - map);
        }
        else if (end < size) {
            nl = memchr(map + end, '\n', size - end);
            end = nl ? (apr_size_t)(nl + 1 - map) : size;
        }
        lines(baton, map + done, end - done);
        done = end;
        if (done - dropped >= MAP_STEP) {
            apr_size_t upto = done / page * page;
            (void)madvise(map + dropped, upto - dropped, MADV_DONTNEED);
            dropped = upto;
        }
    }
    munmap(map, size);
    return APR_SUCCESS;
}

apr_status_t sg_input_read(const char *path, sg_input_lines_cb *lines,
                           sg_input_oversize_cb *oversize, void *baton,
                           apr_uint64_t *bytes, apr_pool_t *p, sg_result_t *res)
{
    struct stat st;
    int fd, dup_fd;
    apr_status_t rv;
    gzFile gz;

    *bytes = 0;
    if (!strcmp(path, "-")) {
        fd = STDIN_FILENO;
        rv = stream_lines(read_fd, &fd, lines, oversize, baton, bytes, p);
        return rv == APR_SUCCESS ? rv : sg_result_set(res, p, rv, "stdin: read error");
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
        if (fd >= 0) {
            close(fd);
        }
        return sg_result_set(res, p, rv, "%s: cannot open: %s", path, strerror(errno));
    }
    if (is_gzip_name(path)) {
        dup_fd = dup(fd);
        gz = dup_fd >= 0 ? gzdopen(dup_fd, "rb") : NULL;
        close(fd);
        if (!gz) {
            return sg_result_set(res, p, APR_ENOMEM, "%s: cannot start gzip", path);
        }
        gzbuffer(gz, 256 * 1024);
        rv = stream_lines(read_gz, gz, lines, oversize, baton, bytes, p);
        gzclose(gz);
        return rv == APR_SUCCESS ? rv : sg_result_set(res, p, rv, "%s: corrupt gzip data", path);
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0) {
        *bytes = (apr_uint64_t)st.st_size;
        rv = read_mapped(fd, (apr_size_t)st.st_size, lines, baton);
    }
    else if (S_ISDIR(st.st_mode)) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: is a directory", path);
    }
    else {
        rv = stream_lines(read_fd, &fd, lines, oversize, baton, bytes, p);
    }
    close(fd);
    return rv == APR_SUCCESS || (res && res->problem) ? rv
           : sg_result_set(res, p, rv, "%s: read error", path);
}
