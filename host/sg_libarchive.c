/* sg_libarchive.c: libarchive as the core's archive reader (host glue). */
#include <string.h>
#include <zlib.h>
#include <archive.h>
#include <archive_entry.h>
#include <apr_strings.h>
#include "sg_libarchive.h"

#define PHAR_HALT "__HALT_COMPILER();"
#define PHAR_GZ 0x1000          /* member flag: raw deflate */
#define PHAR_BZ2 0x2000         /* member flag: a bzip2 stream */

/* A native phar (PHP's own format, which libarchive does not read): the
 * manifest parsed in place, the current member served from its bytes. */
typedef struct phar_t {
    const unsigned char *man, *man_end; /* the manifest entries not read yet */
    const unsigned char *data, *end;    /* the next member's bytes; end of the file */
    apr_uint32_t left;                  /* members not read yet */
    const unsigned char *cur;           /* the current member's stored bytes */
    apr_size_t cur_len, cur_off;        /* their length; bytes served (stored) */
    apr_uint32_t flags;                 /* its flags */
    z_stream zs;                        /* PHAR_GZ: its inflater */
    int zs_on;                          /* zs initialised */
    struct archive *bz;                 /* PHAR_BZ2: libarchive's raw reader on it */
} phar_t;

typedef struct la_t {
    struct archive *a;     /* NULL once closed */
    apr_pool_t *pool;      /* the open's pool: names and messages */
    const char *error;     /* a failure of ours, before libarchive's */
    phar_t *phar;          /* a native phar, or NULL */
    struct archive_entry *first; /* the first header, read by open; next returns it */
    int first_rc;          /* and what reading it returned */
    int first_pending;     /* 1: next has not returned it yet */
} la_t;

/* ---------------------------------------------------------------- native phar */

static apr_uint32_t le32(const unsigned char *p)
{
    return (apr_uint32_t)p[0] | (apr_uint32_t)p[1] << 8 | (apr_uint32_t)p[2] << 16
           | (apr_uint32_t)p[3] << 24;
}

/* Takes N bytes at *P (before END); NULL when they are not there. */
static const unsigned char *take(const unsigned char **p, const unsigned char *end, apr_size_t n)
{
    const unsigned char *at = *p;

    if ((apr_size_t)(end - at) < n) return NULL;
    *p += n;
    return at;
}

static void phar_member_end(phar_t *ph)
{
    if (ph->zs_on) inflateEnd(&ph->zs);
    ph->zs_on = 0;
    if (ph->bz) archive_read_free(ph->bz);
    ph->bz = NULL;
}

/* Parses the manifest after PHP's __HALT_COMPILER(); (and " ?>" and a line
 * end, as PHP skips them).  APR_ENOTIMPL: no phar manifest there. */
static apr_status_t phar_open(la_t *la, const char *buf, apr_size_t len)
{
    const unsigned char *p = (const unsigned char *)buf, *end = p + len, *halt, *q;
    phar_t *ph = apr_pcalloc(la->pool, sizeof(*ph));
    apr_uint32_t man_len;

    if (!(halt = memmem(p, len, PHAR_HALT, sizeof(PHAR_HALT) - 1))) return APR_ENOTIMPL;
    q = halt + sizeof(PHAR_HALT) - 1;
    if (end - q >= 3 && !memcmp(q, " ?>", 3)) q += 3;
    else if (end - q >= 2 && !memcmp(q, "?>", 2)) q += 2;
    if (end - q >= 2 && !memcmp(q, "\r\n", 2)) q += 2;
    else if (end - q >= 1 && *q == '\n') q += 1;
    if (end - q < 18 || (man_len = le32(q)) < 14 || (apr_size_t)(end - q - 4) < man_len) {
        return APR_ENOTIMPL;
    }
    ph->man = q + 4;
    ph->man_end = ph->data = q + 4 + man_len;
    ph->end = end;
    ph->left = le32(ph->man);
    p = ph->man + 10;                                             /* count, API, flags */
    if (!(q = take(&p, ph->man_end, 4)) || !take(&p, ph->man_end, le32(q))   /* alias */
        || !(q = take(&p, ph->man_end, 4)) || !take(&p, ph->man_end, le32(q))) { /* metadata */
        return APR_ENOTIMPL;
    }
    ph->man = p;
    la->phar = ph;
    return APR_SUCCESS;
}

/* A member's name from its NLEN bytes at NM.  A NUL byte would cut it short
 * (or leave it empty, a nameless finding): each becomes '?', and no name at
 * all is "?", as libarchive's nameless members are. */
static const char *phar_name(apr_pool_t *p, const unsigned char *nm, apr_uint32_t nlen)
{
    char *n = apr_pstrmemdup(p, (const char *)nm, nlen);
    apr_uint32_t i;

    for (i = 0; i < nlen; i++) {
        if (n[i] == '\0') n[i] = '?';
    }
    return nlen ? n : "?";
}

static apr_status_t phar_next(la_t *la, const char **name, int *regular, apr_int64_t *size)
{
    phar_t *ph = la->phar;
    const unsigned char *p = ph->man, *nm, *q;
    struct archive_entry *e;
    apr_uint32_t nlen;

    phar_member_end(ph);
    if (ph->left == 0) return APR_EOF;
    if (!(q = take(&p, ph->man_end, 4)) || !(nm = take(&p, ph->man_end, nlen = le32(q)))
        || !(q = take(&p, ph->man_end, 24)) || !take(&p, ph->man_end, le32(q + 20))) {
        la->error = "phar: manifest truncated";
        return APR_EGENERAL;
    }
    *size = le32(q);
    ph->flags = le32(q + 16);
    ph->cur_len = le32(q + 8);
    if ((apr_size_t)(ph->end - ph->data) < ph->cur_len) {
        la->error = "phar: member data truncated";
        return APR_EGENERAL;
    }
    ph->cur = ph->data;
    ph->cur_off = 0;
    ph->data += ph->cur_len;
    ph->man = p;
    ph->left--;
    *name = phar_name(la->pool, nm, nlen);
    *regular = nlen > 0 && nm[nlen - 1] != '/';
    if (ph->flags & PHAR_GZ) {
        if (inflateInit2(&ph->zs, -15) != Z_OK) {
            la->error = "phar: out of memory";
            return APR_ENOMEM;
        }
        ph->zs_on = 1;
        ph->zs.next_in = (Bytef *)(uintptr_t)ph->cur;
        ph->zs.avail_in = (uInt)ph->cur_len;
    }
    else if (ph->flags & PHAR_BZ2) {
        ph->bz = archive_read_new();
        archive_read_support_filter_bzip2(ph->bz);
        archive_read_support_format_raw(ph->bz);
        if (archive_read_open_memory(ph->bz, ph->cur, ph->cur_len) != ARCHIVE_OK
            || archive_read_next_header(ph->bz, &e) != ARCHIVE_OK) {
            la->error = apr_pstrcat(la->pool, "phar: bzip2 member: ",
                                    archive_error_string(ph->bz) ? archive_error_string(ph->bz)
                                                                 : "unreadable", NULL);
            return APR_EGENERAL;
        }
    }
    return APR_SUCCESS;
}

static apr_status_t phar_read(la_t *la, char *buf, apr_size_t n, apr_size_t *got)
{
    phar_t *ph = la->phar;
    int rc;

    *got = 0;
    if (ph->bz) {
        la_ssize_t r = archive_read_data(ph->bz, buf, n);
        if (r < 0) { la->error = "phar: bzip2 member is damaged"; return APR_EGENERAL; }
        *got = (apr_size_t)r;
    }
    else if (ph->zs_on) {
        ph->zs.next_out = (Bytef *)buf;
        ph->zs.avail_out = (uInt)n;
        rc = inflate(&ph->zs, Z_NO_FLUSH);
        if (rc != Z_OK && rc != Z_STREAM_END && !(rc == Z_BUF_ERROR && ph->zs.avail_in == 0)) {
            la->error = "phar: gzip member is damaged";
            return APR_EGENERAL;
        }
        *got = n - ph->zs.avail_out;
    }
    else {
        *got = ph->cur_len - ph->cur_off < n ? ph->cur_len - ph->cur_off : n;
        memcpy(buf, ph->cur + ph->cur_off, *got);
        ph->cur_off += *got;
    }
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- libarchive */

static apr_status_t la_cleanup(void *data)
{
    la_t *la = data;

    if (la->a) archive_read_free(la->a);
    la->a = NULL;
    if (la->phar) phar_member_end(la->phar);
    return APR_SUCCESS;
}

static apr_status_t la_open(const char *buf, apr_size_t len, apr_pool_t *p, void **h)
{
    la_t *la = apr_pcalloc(p, sizeof(*la));

    *h = la;
    la->pool = p;
    if (!(la->a = archive_read_new())) {
        la->error = "out of memory";
        return APR_ENOMEM;
    }
    apr_pool_cleanup_register(p, la, la_cleanup, apr_pool_cleanup_null);
    /* PHP's own phar format first (a zip or tar phar is libarchive's). */
    if ((buf[0] == '<' || buf[0] == '#') && phar_open(la, buf, len) == APR_SUCCESS) {
        return APR_SUCCESS;
    }
    archive_read_support_filter_gzip(la->a);
    archive_read_support_filter_bzip2(la->a);
    archive_read_support_filter_xz(la->a);
    archive_read_support_format_zip(la->a);
    archive_read_support_format_tar(la->a);
    archive_read_support_format_gnutar(la->a);
    archive_read_support_format_cpio(la->a);
    archive_read_support_format_7zip(la->a);
    /* Bids lowest: only a compressed file that holds no archive is "raw". */
    archive_read_support_format_raw(la->a);
    if (archive_read_open_memory(la->a, buf, len) != ARCHIVE_OK) {
        return APR_EGENERAL;
    }
    /* The first header tells the format: raw without a filter is the input
     * itself (a PHP file that halts without a phar after it, a file that
     * only starts like a zip): not an archive. */
    la->first_rc = archive_read_next_header(la->a, &la->first);
    la->first_pending = 1;
    if (la->first_rc >= ARCHIVE_WARN && archive_format(la->a) == ARCHIVE_FORMAT_RAW
        && archive_filter_code(la->a, 0) == ARCHIVE_FILTER_NONE) {
        return APR_ENOTIMPL;
    }
    return APR_SUCCESS;
}

static apr_status_t la_next(void *h, const char **name, int *regular, apr_int64_t *size)
{
    la_t *la = h;
    struct archive_entry *e;
    const char *n;
    int rc;

    if (la->phar) return phar_next(la, name, regular, size);
    if (la->first_pending) {
        rc = la->first_rc;
        e = la->first;
        la->first_pending = 0;
    }
    else {
        rc = archive_read_next_header(la->a, &e);
    }
    if (rc == ARCHIVE_EOF) return APR_EOF;
    if (rc < ARCHIVE_WARN) return APR_EGENERAL;
    n = archive_entry_pathname_utf8(e);
    if (!n) n = archive_entry_pathname(e);
    *name = apr_pstrdup(la->pool, n && *n ? n : "?");
    *regular = archive_entry_filetype(e) == AE_IFREG;
    *size = archive_entry_size_is_set(e) ? (apr_int64_t)archive_entry_size(e) : -1;
    if (archive_format(la->a) == ARCHIVE_FORMAT_RAW) *size = -1;   /* raw says 0 */
    return APR_SUCCESS;
}

static apr_status_t la_read(void *h, char *buf, apr_size_t n, apr_size_t *got)
{
    la_t *la = h;
    la_ssize_t r;

    if (la->phar) return phar_read(la, buf, n, got);
    r = archive_read_data(la->a, buf, n);

    if (r < 0) {
        *got = 0;
        return APR_EGENERAL;
    }
    *got = (apr_size_t)r;
    return APR_SUCCESS;
}

static const char *la_error(void *h)
{
    la_t *la = h;
    const char *msg = la->error ? la->error : la->a ? archive_error_string(la->a) : NULL;

    char *m;
    apr_size_t n;

    if (!msg) return "unknown error";
    m = apr_pstrdup(la->pool, msg);
    for (n = strlen(m); n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '); n--) m[n - 1] = '\0';
    return m;
}

static void la_close(void *h)
{
    la_t *la = h;

    apr_pool_cleanup_run(la->pool, la, la_cleanup);
}

const sg_archive_reader_t *sg_libarchive_reader(void)
{
    static const sg_archive_reader_t reader = { la_open, la_next, la_read, la_error, la_close };

    return &reader;
}
