/* sg_quarantine.c: moving infected files out, with a record, and back. */
#define _GNU_SOURCE 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_strings.h>
#include <apr_general.h>
#include <apr_hash.h>
#include <apr_file_io.h>
#include "sg_engine.h"
#include "sg_quarantine.h"

#define QREC_MAGIC "spamgear-quarantine"
#define QREC_VERSION "1"

/* ---------------------------------------------------------------- record text */

/* S with bytes below 0x21, 0x7f and '%' written %XX, from P. */
static const char *esc(const char *s, apr_pool_t *p)
{
    char *out = apr_palloc(p, strlen(s) * 3 + 1), *o = out;
    const unsigned char *c;

    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x21 || *c == 0x7f || *c == '%') o += sprintf(o, "%%%02X", *c);
        else *o++ = (char)*c;
    }
    *o = '\0';
    return out;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Undoes esc() on S[0..LEN); NULL when malformed (raw blank or control,
 * bad or NUL escape). */
static char *unesc(const char *s, apr_size_t len, apr_pool_t *p)
{
    char *out = apr_palloc(p, len + 1), *o = out;
    apr_size_t i;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x21 || c == 0x7f) return NULL;
        if (c == '%') {
            int hi, lo;
            if (i + 2 >= len) return NULL;
            hi = hexval((unsigned char)s[i + 1]);
            lo = hexval((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return NULL;
            c = (unsigned char)(hi * 16 + lo);
            i += 2;
        }
        *o++ = (char)c;
    }
    *o = '\0';
    return out;
}

const char *sg_qrecord_format(const sg_qrecord_t *r, apr_pool_t *p)
{
    apr_array_header_t *l = apr_array_make(p, 32, sizeof(const char *));
    int i;

#define LINE(k, v) (APR_ARRAY_PUSH(l, const char *) = apr_pstrcat(p, k, " ", esc(v, p), "\n", NULL))
    LINE(QREC_MAGIC, QREC_VERSION);
    LINE("id", r->id);
    if (r->path) LINE("path", r->path);
    LINE("uid", apr_ltoa(p, r->uid));
    LINE("gid", apr_ltoa(p, r->gid));
    LINE("owner", r->owner);
    LINE("group", r->group);
    LINE("mode", apr_psprintf(p, "%04o", r->mode & 07777));
    LINE("mtime", apr_psprintf(p, "%" APR_INT64_T_FMT ".%09ld", r->mtime_sec, r->mtime_nsec));
    LINE("size", apr_psprintf(p, "%" APR_INT64_T_FMT, r->size));
    LINE("sha256", r->sha256);
    LINE("time", apr_psprintf(p, "%" APR_INT64_T_FMT, r->time));
    LINE("action", r->action);
    if (r->vhost) {
        LINE("vhost", r->vhost);
        LINE("client", r->client);
        LINE("uri", r->uri);
        LINE("part", r->part);
        LINE("filename", r->filename);
    }
#undef LINE
    for (i = 0; r->findings && i < r->findings->nelts; i++) {
        const sg_qfinding_t *f = &APR_ARRAY_IDX(r->findings, i, sg_qfinding_t);
        APR_ARRAY_PUSH(l, const char *) = apr_pstrcat(p, "finding ", esc(f->engine, p), " ",
                                                      esc(f->signature, p), " ",
                                                      esc(f->severity, p),
                                                      f->member ? " " : "",
                                                      f->member ? esc(f->member, p) : "",
                                                      "\n", NULL);
    }
    return apr_array_pstrcat(p, l, '\0');
}

int sg_quarantine_id_ok(const char *id)
{
    const char *c;

    if (!id || !*id || strlen(id) > 64 || *id == '-') return 0;
    for (c = id; *c; c++) {
        if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')
              || *c == '-')) {
            return 0;
        }
    }
    return 1;
}

/* Parses a decimal integer in [MIN, MAX]; 0 when it is not one. */
static int parse_int(const char *s, apr_int64_t min, apr_int64_t max, apr_int64_t *out)
{
    char *end;
    long long v;

    if (!*s || (!(*s >= '0' && *s <= '9') && *s != '-')) return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max) return 0;
    *out = v;
    return 1;
}

static int sha256_ok(const char *s)
{
    int i;

    for (i = 0; i < 64; i++) {
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    }
    return s[64] == '\0';
}

/* Reads "finding ENGINE SIGNATURE SEVERITY [MEMBER]" from V[0..LEN) into R. */
static int parse_finding(sg_qrecord_t *r, const char *v, apr_size_t len, apr_pool_t *p)
{
    const char *sp1 = memchr(v, ' ', len), *sp2, *sp3 = NULL;
    sg_qfinding_t *f;

    if (!sp1 || !(sp2 = memchr(sp1 + 1, ' ', len - (apr_size_t)(sp1 + 1 - v)))) return 0;
    if (r->findings->nelts >= SG_QREC_MAX_FINDINGS) return 0;
    sp3 = memchr(sp2 + 1, ' ', len - (apr_size_t)(sp2 + 1 - v));
    f = apr_array_push(r->findings);
    f->engine = unesc(v, (apr_size_t)(sp1 - v), p);
    f->signature = unesc(sp1 + 1, (apr_size_t)(sp2 - sp1 - 1), p);
    f->severity = unesc(sp2 + 1, (apr_size_t)((sp3 ? sp3 : v + len) - sp2 - 1), p);
    if (sp3 && !(f->member = unesc(sp3 + 1, len - (apr_size_t)(sp3 + 1 - v), p))) return 0;
    return f->engine && *f->engine && f->signature && *f->signature && f->severity
           && (!sp3 || (*f->member && strlen(f->member) <= SG_QREC_MAX_PATH))
           && (!strcmp(f->severity, "malicious") || !strcmp(f->severity, "suspicious"));
}

/* Stores an upload field KEY = V in R; 0 when KEY is not one or V is bad. */
static int set_upload_field(sg_qrecord_t *r, const char *key, const char *v)
{
    const char **f = !strcmp(key, "vhost") ? &r->vhost : !strcmp(key, "client") ? &r->client
                     : !strcmp(key, "uri") ? &r->uri : !strcmp(key, "part") ? &r->part
                     : !strcmp(key, "filename") ? &r->filename : NULL;

    if (!f) return 0;
    *f = v;
    return *v != '\0' && strlen(v) <= SG_QREC_MAX_PATH;
}

/* Stores field KEY = V (decoded) in R; 0 when KEY is unknown or V is bad. */
static int set_field(sg_qrecord_t *r, const char *key, const char *v)
{
    apr_int64_t n;
    char *end;

    if (!strcmp(key, "id")) return sg_quarantine_id_ok(r->id = v);
    if (!strcmp(key, "path")) {
        r->path = v;
        return v[0] == '/' && strlen(v) <= SG_QREC_MAX_PATH;
    }
    if (!strcmp(key, "uid")) return parse_int(v, 0, 0xfffffffe, &n) && ((r->uid = (long)n), 1);
    if (!strcmp(key, "gid")) return parse_int(v, 0, 0xfffffffe, &n) && ((r->gid = (long)n), 1);
    if (!strcmp(key, "owner")) return *(r->owner = v) != '\0' && strlen(v) <= 256;
    if (!strcmp(key, "group")) return *(r->group = v) != '\0' && strlen(v) <= 256;
    if (!strcmp(key, "mode")) {
        unsigned long m;
        /* Exactly the writer's "%04o": text that formats back no longer. */
        if (strlen(v) != 4 || strspn(v, "01234567") != 4) return 0;
        m = strtoul(v, &end, 8);
        r->mode = (unsigned)m;
        return 1;
    }
    if (!strcmp(key, "mtime")) {
        const char *dot = strchr(v, '.');
        char sec[24];
        if (!dot || dot - v >= (long)sizeof(sec) || strlen(dot + 1) != 9
            || strspn(dot + 1, "0123456789") != 9) {
            return 0;
        }
        memcpy(sec, v, (size_t)(dot - v));
        sec[dot - v] = '\0';
        r->mtime_nsec = strtol(dot + 1, &end, 10);
        return parse_int(sec, -((apr_int64_t)1 << 40), (apr_int64_t)1 << 40, &r->mtime_sec);
    }
    if (!strcmp(key, "size")) return parse_int(v, 0, SG_QUARANTINE_MAX_FILE, &r->size);
    if (!strcmp(key, "sha256")) return sha256_ok(r->sha256 = v);
    if (!strcmp(key, "time")) return parse_int(v, 0, (apr_int64_t)1 << 40, &r->time);
    if (!strcmp(key, "action")) {
        r->action = v;
        return !strcmp(v, "quarantined") || !strcmp(v, "cleaned") || !strcmp(v, "upload");
    }
    return set_upload_field(r, key, v);
}

/* Fields every record has, then those of a file's and an upload's. */
static const char *const qrec_fields[] = {
    "id", "uid", "gid", "owner", "group", "mode", "mtime", "size", "sha256", "time", "action",
    NULL
};
static const char *const qrec_file_fields[] = { "path", NULL };
static const char *const qrec_upload_fields[] = {
    "vhost", "client", "uri", "part", "filename", NULL
};

/* NULL when SEEN holds every field of LIST, else the first missing one. */
static const char *missing_field(apr_hash_t *seen, const char *const *list)
{
    for (; *list; list++) {
        if (!apr_hash_get(seen, *list, APR_HASH_KEY_STRING)) return *list;
    }
    return NULL;
}

apr_status_t sg_qrecord_parse(const char *buf, apr_size_t len, sg_qrecord_t **rec,
                              apr_pool_t *p, sg_result_t *res)
{
    sg_qrecord_t *r = apr_pcalloc(p, sizeof(*r));
    apr_hash_t *seen = apr_hash_make(p);
    apr_size_t pos = 0;
    const char *miss;
    int line = 0, upload;

    if (len > SG_QREC_MAX_SIZE) {
        return sg_result_set(res, p, APR_EINVAL, "record of %lu bytes is over the limit of %d",
                             (unsigned long)len, SG_QREC_MAX_SIZE);
    }
    r->findings = apr_array_make(p, 4, sizeof(sg_qfinding_t));
    while (pos < len) {
        const char *l = buf + pos, *nl = memchr(l, '\n', len - pos), *sp;
        apr_size_t ll;
        char *key, *v;
        line++;
        if (!nl) return sg_result_set(res, p, APR_EINVAL, "line %d: no newline at the end", line);
        ll = (apr_size_t)(nl - l);
        pos += ll + 1;
        if (ll > SG_QREC_MAX_LINE) {
            return sg_result_set(res, p, APR_EINVAL, "line %d: longer than %d bytes", line,
                                 SG_QREC_MAX_LINE);
        }
        if (!(sp = memchr(l, ' ', ll))) {
            return sg_result_set(res, p, APR_EINVAL, "line %d: not 'KEY VALUE'", line);
        }
        key = apr_pstrmemdup(p, l, (apr_size_t)(sp - l));
        if (line == 1) {
            if (strcmp(key, QREC_MAGIC) || ll != strlen(QREC_MAGIC " " QREC_VERSION)
                || memcmp(sp + 1, QREC_VERSION, 1)) {
                return sg_result_set(res, p, APR_EINVAL, "line 1: not a spamgear-quarantine 1 "
                                     "record");
            }
            continue;
        }
        if (!strcmp(key, "finding")) {
            if (!parse_finding(r, sp + 1, ll - (apr_size_t)(sp + 1 - l), p)) {
                return sg_result_set(res, p, APR_EINVAL, "line %d: bad finding (or more than %d)",
                                     line, SG_QREC_MAX_FINDINGS);
            }
            continue;
        }
        if (apr_hash_get(seen, key, APR_HASH_KEY_STRING)) {
            return sg_result_set(res, p, APR_EINVAL, "line %d: '%.32s' given twice", line, key);
        }
        apr_hash_set(seen, key, APR_HASH_KEY_STRING, "");
        if (!(v = unesc(sp + 1, ll - (apr_size_t)(sp + 1 - l), p)) || !set_field(r, key, v)) {
            return sg_result_set(res, p, APR_EINVAL, "line %d: bad or unknown field '%.32s'",
                                 line, key);
        }
    }
    if (line == 0) return sg_result_set(res, p, APR_EINVAL, "empty record");
    upload = r->action && !strcmp(r->action, "upload");
    if ((miss = missing_field(seen, upload ? qrec_upload_fields : qrec_file_fields))
        || (miss = missing_field(seen, qrec_fields))) {
        return sg_result_set(res, p, APR_EINVAL, "field '%s' is missing", miss);
    }
    /* An upload has no path to restore to; a file entry no upload fields. */
    if (upload ? r->path != NULL : r->vhost || r->client || r->uri || r->part || r->filename) {
        return sg_result_set(res, p, APR_EINVAL, "fields of a file and of an upload mixed");
    }
    *rec = r;
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- file helpers */

static apr_status_t fail(sg_result_t *res, apr_pool_t *p, int err, const char *fmt,
                         const char *a, const char *b)
{
    return sg_result_set(res, p, APR_FROM_OS_ERROR(err), "%s%s%s: %s", a, fmt, b ? b : "",
                         strerror(err));
}

/* Reads the regular file FD of SIZE bytes whole into *BUF (NUL-ended, from P). */
static int read_all(int fd, apr_int64_t size, char **buf, apr_size_t *len, apr_pool_t *p)
{
    apr_size_t have = 0;
    char extra;

    if (size < 0 || size > SG_QUARANTINE_MAX_FILE) return EFBIG;
    *buf = apr_palloc(p, (apr_size_t)size + 1);
    while (have < (apr_size_t)size) {
        ssize_t n = read(fd, *buf + have, (apr_size_t)size - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) return ESTALE;   /* shrank while read */
        have += (apr_size_t)n;
    }
    if (read(fd, &extra, 1) != 0) return ESTALE;   /* grew while read */
    (*buf)[have] = '\0';
    *len = have;
    return 0;
}

static int write_all(int fd, const char *buf, apr_size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        buf += n;
        len -= (apr_size_t)n;
    }
    return 0;
}

/* Writes NAME in directory DFD through NAME.tmp: write, fsync, rename.  On
 * failure nothing is left and *STEP says what failed. */
static int write_atomic(int dfd, const char *name, const char *buf, apr_size_t len,
                        const char **step, apr_pool_t *p)
{
    const char *tmp = apr_pstrcat(p, name, ".tmp", NULL);
    int fd, err;

    *step = "cannot create";
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    *step = "cannot write";
    if ((err = write_all(fd, buf, len)) == 0) {
        *step = "cannot fsync";
        if (fsync(fd) != 0) err = errno;
    }
    if (close(fd) != 0 && !err) err = errno;
    if (!err) {
        *step = "cannot rename into place";
        if (renameat(dfd, tmp, dfd, name) != 0) err = errno;
    }
    if (err) unlinkat(dfd, tmp, 0);
    return err;
}

/* A directory that only root can change: links in it are root's doing. */
static int dir_trusted(int dfd)
{
    struct stat st;

    return fstat(dfd, &st) == 0 && st.st_uid == 0 && !(st.st_mode & (S_IWGRP | S_IWOTH));
}

/* Opens directory DIR one component at a time (see the header). */
static apr_status_t open_dir_safe(const char *dir, int *out, apr_pool_t *p, sg_result_t *res)
{
    char *rest = apr_pstrdup(p, dir);
    int fd, links = 0;

    fd = open(*rest == '/' ? "/" : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return fail(res, p, errno, ": cannot open the start directory", dir, NULL);
    for (;;) {
        char *comp, target[SG_QREC_MAX_PATH];
        struct stat st;
        ssize_t n;
        int nfd, err;
        while (*rest == '/') rest++;
        if (!*rest) break;
        comp = rest;
        rest += strcspn(rest, "/");
        if (*rest) *rest++ = '\0';
        if ((nfd = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
            close(fd);
            fd = nfd;
            continue;
        }
        err = errno;
        if ((err != ELOOP && err != ENOTDIR) || fstatat(fd, comp, &st, AT_SYMLINK_NOFOLLOW) != 0
            || !S_ISLNK(st.st_mode)) {
            close(fd);
            return fail(res, p, err, ": cannot open directory '", dir,
                        apr_pstrcat(p, comp, "'", NULL));
        }
        if (!dir_trusted(fd) || st.st_uid != 0 || ++links > SG_QUARANTINE_MAX_LINKS
            || (n = readlinkat(fd, comp, target, sizeof(target) - 1)) <= 0) {
            close(fd);
            return sg_result_set(res, p, APR_EACCES, "%s: '%s' is a symlink in a directory "
                                 "others can write (or too many links): not followed", dir, comp);
        }
        target[n] = '\0';
        rest = apr_pstrcat(p, target, "/", rest, NULL);
        if (target[0] == '/') {
            close(fd);
            if ((fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                return fail(res, p, errno, ": cannot open /", dir, NULL);
            }
        }
    }
    *out = fd;
    return APR_SUCCESS;
}

apr_status_t sg_quarantine_open_parent(const char *path, int *dfd, const char **base,
                                       apr_pool_t *p, sg_result_t *res)
{
    const char *slash = strrchr(path, '/'), *dir;

    if (!slash) dir = ".";
    else if (slash == path) dir = "/";
    else dir = apr_pstrmemdup(p, path, (apr_size_t)(slash - path));
    *base = slash ? slash + 1 : path;
    if (!**base || !strcmp(*base, ".") || !strcmp(*base, "..")) {
        return sg_result_set(res, p, APR_EINVAL, "%s: not a file name", path);
    }
    return open_dir_safe(dir, dfd, p, res);
}

/* Opens the quarantine directory, creating it (0700) when CREATE is set. */
static apr_status_t open_qdir(const char *qdir, int create, int *qfd, apr_pool_t *p,
                              sg_result_t *res)
{
    apr_fileperms_t perms = APR_FPROT_UREAD | APR_FPROT_UWRITE | APR_FPROT_UEXECUTE;
    apr_status_t rv;

    if (create && (rv = apr_dir_make_recursive(qdir, perms, p)) != APR_SUCCESS
        && !APR_STATUS_IS_EEXIST(rv)) {
        return sg_result_set(res, p, rv, "%s: cannot create the quarantine directory: %s", qdir,
                             strerror(APR_TO_OS_ERROR(rv)));
    }
    if ((*qfd = open(qdir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
        return fail(res, p, errno, ": cannot open the quarantine directory", qdir, NULL);
    }
    return APR_SUCCESS;
}

/* Removes entry ID from QFD: the record first, so a half-removed entry is
 * an unfinished copy, never a record without its file. */
static void drop_entry(int qfd, const char *id, apr_pool_t *p)
{
    unlinkat(qfd, apr_pstrcat(p, id, ".rec", NULL), 0);
    unlinkat(qfd, apr_pstrcat(p, id, ".data", NULL), 0);
    fsync(qfd);
}

static const char *new_id(apr_pool_t *p)
{
    unsigned char rnd[4] = { 0 };
    char stamp[32];
    apr_time_exp_t tm;
    apr_size_t n;

    apr_generate_random_bytes(rnd, sizeof(rnd));
    apr_time_exp_gmt(&tm, apr_time_now());
    apr_strftime(stamp, &n, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
    return apr_psprintf(p, "%s-%02x%02x%02x%02x", stamp, rnd[0], rnd[1], rnd[2], rnd[3]);
}

static const char *user_name(uid_t uid, apr_pool_t *p)
{
    struct passwd pw, *found = NULL;
    char buf[1024];

    if (getpwuid_r(uid, &pw, buf, sizeof(buf), &found) == 0 && found) {
        return apr_pstrdup(p, found->pw_name);
    }
    return apr_ltoa(p, (long)uid);
}

static const char *group_name(gid_t gid, apr_pool_t *p)
{
    struct group gr, *found = NULL;
    char buf[1024];

    if (getgrgid_r(gid, &gr, buf, sizeof(buf), &found) == 0 && found) {
        return apr_pstrdup(p, found->gr_name);
    }
    return apr_ltoa(p, (long)gid);
}

/* Reads QFD/NAME (a regular file, at most MAX bytes) whole. */
static int read_entry(int qfd, const char *name, apr_int64_t max, char **buf, apr_size_t *len,
                      apr_pool_t *p)
{
    struct stat st;
    int fd = openat(qfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), err;

    if (fd < 0) return errno;
    if (fstat(fd, &st) != 0) err = errno;
    else if (!S_ISREG(st.st_mode)) err = EINVAL;
    else if (st.st_size > max) err = EFBIG;
    else err = read_all(fd, st.st_size, buf, len, p);
    close(fd);
    return err;
}

/* ---------------------------------------------------------------- quarantining */

static const char *absolute(const char *path, apr_pool_t *p)
{
    char cwd[SG_QREC_MAX_PATH];

    if (path[0] == '/' || !getcwd(cwd, sizeof(cwd))) return path;
    return apr_pstrcat(p, cwd, "/", path, NULL);
}

/* The first SG_QREC_MAX_FINDINGS of FINDINGS (may be NULL), from P: all a
 * record can hold. */
static apr_array_header_t *kept_findings(const apr_array_header_t *findings, apr_pool_t *p)
{
    apr_array_header_t *kept = apr_array_make(p, 4, sizeof(sg_qfinding_t));
    int i;

    for (i = 0; findings && i < findings->nelts && i < SG_QREC_MAX_FINDINGS; i++) {
        APR_ARRAY_PUSH(kept, sg_qfinding_t) = APR_ARRAY_IDX(findings, i, sg_qfinding_t);
    }
    return kept;
}

/* The text of R, or NULL and *WHY when sg_qrecord_parse would refuse it: a
 * path or name so long, or so full of escaped bytes, that a line or the
 * record goes over the reader's caps.  Such an entry could never be listed
 * or restored, so the file is not quarantined at all. */
static const char *record_text(const sg_qrecord_t *r, apr_pool_t *p, const char **why)
{
    const char *text = sg_qrecord_format(r, p);
    sg_qrecord_t *back;
    sg_result_t res = { APR_SUCCESS, NULL };

    if (sg_qrecord_parse(text, strlen(text), &back, p, &res) != APR_SUCCESS) {
        *why = res.problem;
        return NULL;
    }
    return text;
}

/* Stores BUF[0..LEN) in QFD as a complete entry with record R (size and
 * sha256 filled here), read back and checked.  WHAT names it in errors. */
static apr_status_t store_bytes(int qfd, const char *qdir, const char *what, const char *buf,
                                apr_size_t len, sg_qrecord_t *r, apr_pool_t *p, sg_result_t *res)
{
    char *back;
    apr_size_t blen;
    const char *step, *text, *why = NULL;
    int err;

    r->size = (apr_int64_t)len;
    r->sha256 = sg_sha256_hex(buf, len, p);
    if (!(text = record_text(r, p, &why))) {
        return sg_result_set(res, p, APR_EINVAL, "%s: not quarantined: its record would not "
                             "read back (%s)", what, why);
    }
    if ((err = write_atomic(qfd, apr_pstrcat(p, r->id, ".data", NULL), buf, len, &step, p))) {
        return fail(res, p, err, apr_pstrcat(p, ": quarantine: ", step, " the copy in ", NULL),
                    what, qdir);
    }
    if ((err = write_atomic(qfd, apr_pstrcat(p, r->id, ".rec", NULL), text, strlen(text),
                            &step, p)) || (fsync(qfd) != 0 && (err = errno))) {
        drop_entry(qfd, r->id, p);
        return fail(res, p, err, apr_pstrcat(p, ": quarantine: ", step, " the record in ", NULL),
                    what, qdir);
    }
    err = read_entry(qfd, apr_pstrcat(p, r->id, ".data", NULL), SG_QUARANTINE_MAX_FILE, &back,
                     &blen, p);
    if (err || blen != len || strcmp(sg_sha256_hex(back, blen, p), r->sha256)) {
        drop_entry(qfd, r->id, p);
        return fail(res, p, err ? err : EIO, ": quarantine: the copy does not read back the same "
                    "in ", what, qdir);
    }
    return APR_SUCCESS;
}

/* Copies the file open as FD (stat ST) into QFD as a complete entry with
 * its record, read back and checked.  Fills R. */
static apr_status_t store_entry(int qfd, const char *qdir, int fd, const struct stat *st,
                                sg_qrecord_t *r, apr_pool_t *p, sg_result_t *res)
{
    char *buf;
    apr_size_t len;
    int err;

    if ((err = read_all(fd, st->st_size, &buf, &len, p)) != 0) {
        return fail(res, p, err, ": cannot read it for the quarantine", r->path, NULL);
    }
    return store_bytes(qfd, qdir, r->path, buf, len, r, p, res);
}

/* Unlinks BASE from DFD when it is still the file FD (stat ST), unchanged. */
static int remove_original(int dfd, const char *base, int fd, const struct stat *st)
{
    struct stat now, there;

    if (fstat(fd, &now) != 0) return errno;
    if (now.st_size != st->st_size || now.st_mtim.tv_sec != st->st_mtim.tv_sec
        || now.st_mtim.tv_nsec != st->st_mtim.tv_nsec) {
        return ESTALE;   /* written to since the copy: keep it */
    }
    if (fstatat(dfd, base, &there, AT_SYMLINK_NOFOLLOW) != 0) return errno;
    if (there.st_dev != st->st_dev || there.st_ino != st->st_ino) return ESTALE;
    if (unlinkat(dfd, base, 0) != 0) return errno;
    fsync(dfd);
    return 0;
}

apr_status_t sg_quarantine_file(const char *qdir, const char *path, const struct stat *expect,
                                const apr_array_header_t *findings, const char *action,
                                int remove, const char **id, apr_pool_t *p, sg_result_t *res)
{
    sg_qrecord_t r;
    struct stat st;
    const char *base;
    int dfd = -1, fd = -1, qfd = -1, err;
    apr_status_t rv;

    memset(&r, 0, sizeof(r));
    if ((rv = sg_quarantine_open_parent(path, &dfd, &base, p, res)) != APR_SUCCESS) goto cleanup;
    fd = openat(dfd, base, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rv = fail(res, p, errno, ": cannot open it for the quarantine", path, NULL);
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)
        || (expect && (expect->st_dev != st.st_dev || expect->st_ino != st.st_ino))) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: not the file that was scanned (replaced, "
                           "or a link): not quarantined", path);
        goto cleanup;
    }
    if ((rv = open_qdir(qdir, 1, &qfd, p, res)) != APR_SUCCESS) goto cleanup;
    r.id = new_id(p);
    r.path = absolute(path, p);
    r.uid = (long)st.st_uid;
    r.gid = (long)st.st_gid;
    r.owner = user_name(st.st_uid, p);
    r.group = group_name(st.st_gid, p);
    r.mode = (unsigned)st.st_mode & 07777;
    r.mtime_sec = (apr_int64_t)st.st_mtim.tv_sec;
    r.mtime_nsec = st.st_mtim.tv_nsec;
    r.time = (apr_int64_t)apr_time_sec(apr_time_now());
    r.action = action;
    r.findings = kept_findings(findings, p);
    if ((rv = store_entry(qfd, qdir, fd, &st, &r, p, res)) != APR_SUCCESS) goto cleanup;
    if (remove && (err = remove_original(dfd, base, fd, &st)) != 0) {
        drop_entry(qfd, r.id, p);
        rv = fail(res, p, err, ": quarantine: cannot remove the original (it stays in place)",
                  path, NULL);
        goto cleanup;
    }
    *id = r.id;
cleanup:
    if (qfd >= 0) close(qfd);
    if (fd >= 0) close(fd);
    if (dfd >= 0) close(dfd);
    return rv;
}

apr_status_t sg_quarantine_buffer(const char *qdir, const char *buf, apr_size_t len,
                                  const sg_qrecord_t *from, const apr_array_header_t *findings,
                                  const char **id, apr_pool_t *p, sg_result_t *res)
{
    sg_qrecord_t r;
    int qfd;
    apr_status_t rv;

    if (len > SG_QUARANTINE_MAX_FILE) {
        return sg_result_set(res, p, APR_EINVAL, "%s: %lu bytes are over the quarantine's limit "
                             "of %ld", qdir, (unsigned long)len, SG_QUARANTINE_MAX_FILE);
    }
    memset(&r, 0, sizeof(r));
    r.id = new_id(p);
    r.uid = (long)geteuid();
    r.gid = (long)getegid();
    r.owner = user_name(geteuid(), p);
    r.group = group_name(getegid(), p);
    r.mode = 0600;
    r.time = r.mtime_sec = (apr_int64_t)apr_time_sec(apr_time_now());
    r.action = "upload";
    r.findings = kept_findings(findings, p);
#define FIELD(f) r.f = from->f && *from->f ? from->f : "-"
    FIELD(vhost);
    FIELD(client);
    FIELD(uri);
    FIELD(part);
    FIELD(filename);
#undef FIELD
    if ((rv = open_qdir(qdir, 1, &qfd, p, res)) != APR_SUCCESS) return rv;
    rv = store_bytes(qfd, qdir, apr_pstrcat(p, "upload ", r.uri, NULL), buf, len, &r, p, res);
    close(qfd);
    if (rv == APR_SUCCESS) *id = r.id;
    return rv;
}

/* ---------------------------------------------------------------- records */

static apr_status_t read_record(int qfd, const char *qdir, const char *id, sg_qrecord_t **rec,
                                apr_pool_t *p, sg_result_t *res)
{
    char *buf;
    apr_size_t len;
    sg_result_t why = { APR_SUCCESS, NULL };
    int err;

    if (!sg_quarantine_id_ok(id)) {
        return sg_result_set(res, p, APR_EINVAL, "'%s' is not a quarantine id", id);
    }
    err = read_entry(qfd, apr_pstrcat(p, id, ".rec", NULL), SG_QREC_MAX_SIZE, &buf, &len, p);
    if (err == ENOENT) {
        return sg_result_set(res, p, APR_ENOENT, "%s: no quarantined file %s", qdir, id);
    }
    if (err) return fail(res, p, err, ": cannot read the record ", qdir, id);
    if (sg_qrecord_parse(buf, len, rec, p, &why) != APR_SUCCESS) {
        return sg_result_set(res, p, APR_EINVAL, "%s/%s.rec: %s", qdir, id, why.problem);
    }
    if (strcmp((*rec)->id, id)) {
        return sg_result_set(res, p, APR_EINVAL, "%s/%s.rec: holds id %s", qdir, id, (*rec)->id);
    }
    return APR_SUCCESS;
}

apr_status_t sg_quarantine_read(const char *qdir, const char *id, sg_qrecord_t **rec,
                                apr_pool_t *p, sg_result_t *res)
{
    int qfd;
    apr_status_t rv;

    if ((rv = open_qdir(qdir, 0, &qfd, p, res)) != APR_SUCCESS) return rv;
    rv = read_record(qfd, qdir, id, rec, p, res);
    close(qfd);
    return rv;
}

/* ---------------------------------------------------------------- restoring */

/* Writes BUF as BASE in DFD with R's mtime and, when OWN is set, R's owner
 * and mode (else the caller's, 0600), through a temp file and a rename that
 * replaces an existing file only when FORCE is set. */
static int put_back(int dfd, const char *base, const sg_qrecord_t *r, const char *buf,
                    apr_size_t len, int force, int own, const char **step, apr_pool_t *p)
{
    const char *tmp = apr_pstrcat(p, ".", base, ".sg-restore-", r->id, NULL);
    struct timespec times[2];
    int fd, err = 0;

    *step = "cannot create a temporary file next to it";
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return errno;
    times[0].tv_sec = 0;
    times[0].tv_nsec = UTIME_OMIT;
    times[1].tv_sec = (time_t)r->mtime_sec;
    times[1].tv_nsec = r->mtime_nsec;
    /* chown before chmod: chown clears set-id bits the mode may bring back. */
    if ((*step = "cannot write", err = write_all(fd, buf, len)) == 0
        && (*step = "cannot set the owner", !own || fchown(fd, (uid_t)r->uid, (gid_t)r->gid) == 0)
        && (*step = "cannot set the mode", !own || fchmod(fd, (mode_t)r->mode) == 0)
        && (*step = "cannot set the mtime", futimens(fd, times)) == 0
        && (*step = "cannot fsync", fsync(fd)) == 0) {
        err = 0;
    }
    else if (!err) err = errno;
    if (close(fd) != 0 && !err) err = errno;
    if (!err) {
        *step = force ? "cannot rename into place" : "cannot rename into place (exists?)";
        if (renameat2(dfd, tmp, dfd, base, force ? 0 : RENAME_NOREPLACE) != 0) {
            err = errno;
            /* Without RENAME_NOREPLACE support, link() is the no-replace rename. */
            if (err == EINVAL && !force && linkat(dfd, tmp, dfd, base, 0) == 0) err = 0;
        }
    }
    unlinkat(dfd, tmp, 0);
    if (!err) fsync(dfd);
    return err;
}

/* Reads record ID of QFD and its copy (*BUF, *LEN), checked against it. */
static apr_status_t load_entry(int qfd, const char *qdir, const char *id, sg_qrecord_t **rec,
                               char **buf, apr_size_t *len, apr_pool_t *p, sg_result_t *res)
{
    apr_status_t rv;
    int err;

    if ((rv = read_record(qfd, qdir, id, rec, p, res)) != APR_SUCCESS) return rv;
    err = read_entry(qfd, apr_pstrcat(p, id, ".data", NULL), SG_QUARANTINE_MAX_FILE, buf, len, p);
    if (err || (apr_int64_t)*len != (*rec)->size
        || strcmp(sg_sha256_hex(*buf, *len, p), (*rec)->sha256)) {
        return fail(res, p, err ? err : EIO, ": the quarantined copy is missing or does not "
                    "match its record", id, NULL);
    }
    return APR_SUCCESS;
}

/* Whether entry R of QFD may go back to its recorded path: a file entry
 * whose record root or the caller wrote (the web server user, who may write
 * uploads into the same directory, must not pick where root writes). */
static apr_status_t restorable(int qfd, const sg_qrecord_t *r, apr_pool_t *p, sg_result_t *res)
{
    struct stat st;

    if (!r->path) {
        return sg_result_set(res, p, APR_EACCES, "%s: a refused upload has no path; extract it "
                             "with --to PATH", r->id);
    }
    if (fstatat(qfd, apr_pstrcat(p, r->id, ".rec", NULL), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        return fail(res, p, errno, ": cannot stat the record", r->id, NULL);
    }
    if (st.st_uid != 0 && st.st_uid != geteuid()) {
        return sg_result_set(res, p, APR_EACCES, "%s: the record belongs to uid %ld, not root or "
                             "you: not restored to its path (use --to PATH)", r->id,
                             (long)st.st_uid);
    }
    return APR_SUCCESS;
}

/* Writes entry ID of QDIR out: RESTORE 1 puts it back at its record's path
 * (as its owner, with its mode and mtime; only a record root or the caller
 * wrote) and drops the entry; 0 writes a copy to TO, owned by the caller, and
 * keeps the entry.  Never over an existing file without FORCE. */
static apr_status_t write_out(const char *qdir, const char *id, const char *to, int force,
                              int restore, sg_qrecord_t **rec, apr_pool_t *p, sg_result_t *res)
{
    struct stat st;
    const char *base, *step;
    char *buf;
    apr_size_t len;
    int qfd = -1, dfd = -1, err;
    apr_status_t rv;

    if (!sg_quarantine_id_ok(id)) {
        return sg_result_set(res, p, APR_EINVAL, "'%s' is not a quarantine id", id);
    }
    if ((rv = open_qdir(qdir, 0, &qfd, p, res)) != APR_SUCCESS) return rv;
    if ((rv = load_entry(qfd, qdir, id, rec, &buf, &len, p, res)) != APR_SUCCESS) goto cleanup;
    if (restore) {
        if ((rv = restorable(qfd, *rec, p, res)) != APR_SUCCESS) goto cleanup;
        to = (*rec)->path;
    }
    if ((rv = sg_quarantine_open_parent(to, &dfd, &base, p, res)) != APR_SUCCESS) goto cleanup;
    if (!force && fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        rv = sg_result_set(res, p, APR_EEXIST, "%s: exists; --force replaces it", to);
        goto cleanup;
    }
    if ((err = put_back(dfd, base, *rec, buf, len, force, restore, &step, p)) != 0) {
        rv = fail(res, p, err, apr_pstrcat(p, restore ? ": restore: " : ": extract: ", step, NULL),
                  to, NULL);
        goto cleanup;
    }
    if (restore) drop_entry(qfd, id, p);
cleanup:
    if (dfd >= 0) close(dfd);
    close(qfd);
    return rv;
}

apr_status_t sg_quarantine_restore(const char *qdir, const char *id, int force,
                                   sg_qrecord_t **rec, apr_pool_t *p, sg_result_t *res)
{
    return write_out(qdir, id, NULL, force, 1, rec, p, res);
}

apr_status_t sg_quarantine_extract(const char *qdir, const char *id, const char *to, int force,
                                   sg_qrecord_t **rec, apr_pool_t *p, sg_result_t *res)
{
    return write_out(qdir, id, to, force, 0, rec, p, res);
}

/* ---------------------------------------------------------------- list and purge */

static int by_id(const void *a, const void *b)
{
    return strcmp((*(sg_qrecord_t *const *)a)->id, (*(sg_qrecord_t *const *)b)->id);
}

apr_status_t sg_quarantine_list(const char *qdir, apr_array_header_t **recs, int *bad,
                                apr_pool_t *p, sg_result_t *res)
{
    struct dirent *de;
    DIR *d;
    int qfd;
    apr_status_t rv;

    *recs = apr_array_make(p, 16, sizeof(sg_qrecord_t *));
    *bad = 0;
    if ((rv = open_qdir(qdir, 0, &qfd, p, res)) != APR_SUCCESS) {
        if (APR_STATUS_IS_ENOENT(rv)) { sg_result_clear(res); return APR_SUCCESS; }
        return rv;
    }
    if (!(d = fdopendir(qfd))) {
        close(qfd);
        return fail(res, p, errno, ": cannot read the quarantine directory", qdir, NULL);
    }
    while ((de = readdir(d)) != NULL) {
        size_t n = strlen(de->d_name);
        sg_qrecord_t *r;
        const char *id;
        if (n < 5 || strcmp(de->d_name + n - 4, ".rec")) continue;
        id = apr_pstrmemdup(p, de->d_name, n - 4);
        if (read_record(dirfd(d), qdir, id, &r, p, NULL) == APR_SUCCESS) {
            APR_ARRAY_PUSH(*recs, sg_qrecord_t *) = r;
        }
        else (*bad)++;
    }
    closedir(d);
    qsort((*recs)->elts, (size_t)(*recs)->nelts, sizeof(sg_qrecord_t *), by_id);
    return APR_SUCCESS;
}

/* Removes unfinished copies (.tmp, .data without .rec) older than BEFORE. */
static int purge_unfinished(int qfd, apr_int64_t before, apr_pool_t *p)
{
    struct dirent *de;
    DIR *d;
    int fd = dup(qfd), n = 0;

    if (fd < 0 || !(d = fdopendir(fd))) {
        if (fd >= 0) close(fd);
        return 0;
    }
    while ((de = readdir(d)) != NULL) {
        size_t len = strlen(de->d_name);
        struct stat st;
        int tmp = len > 4 && !strcmp(de->d_name + len - 4, ".tmp");
        int data = len > 5 && !strcmp(de->d_name + len - 5, ".data");
        if (!tmp && !data) continue;
        if (data && faccessat(qfd, apr_pstrcat(p, apr_pstrmemdup(p, de->d_name, len - 5), ".rec",
                                               NULL), F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
            continue;
        }
        if (fstatat(qfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode)
            && (apr_int64_t)st.st_mtime < before && unlinkat(qfd, de->d_name, 0) == 0) {
            n++;
        }
    }
    closedir(d);
    return n;
}

apr_status_t sg_quarantine_purge(const char *qdir, apr_int64_t before, int *purged,
                                 apr_pool_t *p, sg_result_t *res)
{
    apr_array_header_t *recs;
    int i, bad, qfd;
    apr_status_t rv;

    *purged = 0;
    if ((rv = sg_quarantine_list(qdir, &recs, &bad, p, res)) != APR_SUCCESS) return rv;
    if ((rv = open_qdir(qdir, 0, &qfd, p, res)) != APR_SUCCESS) {
        if (APR_STATUS_IS_ENOENT(rv)) { sg_result_clear(res); return APR_SUCCESS; }
        return rv;
    }
    for (i = 0; i < recs->nelts; i++) {
        const sg_qrecord_t *r = APR_ARRAY_IDX(recs, i, sg_qrecord_t *);
        if (r->time < before) {
            drop_entry(qfd, r->id, p);
            (*purged)++;
        }
    }
    purge_unfinished(qfd, before, p);
    fsync(qfd);
    close(qfd);
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- cleaning */

apr_status_t sg_quarantine_drop(const char *qdir, const char *id, apr_pool_t *p,
                                sg_result_t *res)
{
    int qfd;
    apr_status_t rv;

    if (!sg_quarantine_id_ok(id)) {
        return sg_result_set(res, p, APR_EINVAL, "'%s' is not a quarantine id", id);
    }
    if ((rv = open_qdir(qdir, 0, &qfd, p, res)) != APR_SUCCESS) return rv;
    drop_entry(qfd, id, p);
    close(qfd);
    return APR_SUCCESS;
}

apr_status_t sg_quarantine_replace(const char *path, const struct stat *expect, const char *buf,
                                   apr_size_t len, apr_pool_t *p, sg_result_t *res)
{
    struct stat now;
    const char *base, *tmp;
    int dfd = -1, fd = -1, err = 0;
    apr_status_t rv;

    if ((rv = sg_quarantine_open_parent(path, &dfd, &base, p, res)) != APR_SUCCESS) return rv;
    if (fstatat(dfd, base, &now, AT_SYMLINK_NOFOLLOW) != 0) {
        rv = fail(res, p, errno, ": clean: cannot stat it", path, NULL);
        goto cleanup;
    }
    if (!S_ISREG(now.st_mode) || now.st_dev != expect->st_dev || now.st_ino != expect->st_ino
        || now.st_size != expect->st_size || now.st_mtim.tv_sec != expect->st_mtim.tv_sec
        || now.st_mtim.tv_nsec != expect->st_mtim.tv_nsec) {
        rv = sg_result_set(res, p, APR_EINVAL, "%s: clean: changed since it was scanned: left "
                           "as it is", path);
        goto cleanup;
    }
    tmp = apr_pstrcat(p, ".", base, ".sg-clean-", apr_ltoa(p, (long)getpid()), NULL);
    fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        rv = fail(res, p, errno, ": clean: cannot create a temporary file next to it", path, NULL);
        goto cleanup;
    }
    /* chown before chmod: chown clears set-id bits the mode may bring back. */
    if ((err = write_all(fd, buf, len)) == 0
        && (fchown(fd, now.st_uid, now.st_gid) != 0 || fchmod(fd, now.st_mode & 07777) != 0
            || fsync(fd) != 0)) {
        err = errno;
    }
    if (close(fd) != 0 && !err) err = errno;
    if (!err && renameat(dfd, tmp, dfd, base) != 0) err = errno;
    if (err) {
        unlinkat(dfd, tmp, 0);
        rv = fail(res, p, err, ": clean: cannot write the cleaned file (the original stays)",
                  path, NULL);
        goto cleanup;
    }
    fsync(dfd);
cleanup:
    if (dfd >= 0) close(dfd);
    return rv;
}
