/* fuzz_archive.c: the archive walker (sg_archive.c) over the host's reader
 * (host/sg_libarchive.c: libarchive, and the native phar parser), as the
 * engine runs it: the input walked as an archive, every member that sniffs
 * as an archive walked again inside it.  This binary has its own copy of
 * sg_archive.c built with small limits (Makefile.am), so the limit paths
 * are reached by inputs of a few KiB.
 *
 * Checks: the walk returns one of its documented statuses, with a limit
 * named exactly when it says APR_ENOSPC and an error exactly when it fails
 * otherwise; each member is NUL-terminated, no longer than the member
 * limit, named, and seen at a depth within the limit; the members and
 * bytes counted stay within their limits (plus the one that tripped). */
#include <string.h>
#include "fuzz.h"
#include "sg_archive.h"
#include "sg_libarchive.h"

typedef struct seen_t {
    apr_int64_t bytes;   /* member bytes handed to the callback */
} seen_t;

static void walk(const char *buf, apr_size_t len, sg_archive_walk_t *w, seen_t *seen,
                 apr_pool_t *p);

static int member(void *baton, const char *path, const char *buf, apr_size_t len,
                  sg_archive_walk_t *w, apr_pool_t *p)
{
    seen_t *seen = baton;
    const char *prefix = w->prefix;

    FUZZ_CHECK(path && *path && buf[len] == '\0');
    FUZZ_CHECK(len <= (apr_size_t)SG_ARCHIVE_MAX_MEMBER);
    FUZZ_CHECK(w->depth >= 1 && w->depth <= SG_ARCHIVE_MAX_DEPTH && !w->limit);
    FUZZ_CHECK(w->members <= SG_ARCHIVE_MAX_MEMBERS && w->expanded <= SG_ARCHIVE_MAX_TOTAL);
    seen->bytes += (apr_int64_t)len;
    FUZZ_CHECK(seen->bytes <= w->expanded);
    if (sg_archive_sniff(buf, len)) {
        w->prefix = path;   /* as the engine does: members of PATH are "PATH!..." */
        walk(buf, len, w, seen, p);
        w->prefix = prefix;
    }
    return w->limit != NULL;
}

static void walk(const char *buf, apr_size_t len, sg_archive_walk_t *w, seen_t *seen,
                 apr_pool_t *p)
{
    const char *err = "unset", *err_at = "unset";
    int depth = w->depth;
    apr_status_t rv = sg_archive_walk(buf, len, w, member, seen, p, &err, &err_at);

    FUZZ_CHECK(w->depth == depth);
    if (rv == APR_ENOSPC) {
        FUZZ_CHECK(w->limit && w->limit_at && w->limit_detail && !err);
    }
    else if (rv == APR_SUCCESS || rv == APR_EOF) {
        FUZZ_CHECK(!err && !w->limit);
    }
    else {
        FUZZ_CHECK(err && !strncmp(err, "unreadable: ", 12));
    }
    FUZZ_CHECK(!err_at || err);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    sg_archive_walk_t w;
    seen_t seen = { 0 };

    if (size == 0) return 0;   /* the engine never walks an empty file (sniff) */
    p = fuzz_pool();
    sg_archive_set_reader(sg_libarchive_reader());
    memset(&w, 0, sizeof(w));
    /* Sniffed or not: every input is offered to the reader. */
    (void)sg_archive_sniff((const char *)data, size);
    walk((const char *)data, size, &w, &seen, p);
    FUZZ_CHECK(w.depth == 0);
    FUZZ_CHECK(w.members <= SG_ARCHIVE_MAX_MEMBERS + 1);
    FUZZ_CHECK(w.expanded <= SG_ARCHIVE_MAX_TOTAL + 65536);
    apr_pool_destroy(p);
    return 0;
}
