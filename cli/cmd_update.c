/* cmd_update.c: update, signature downloads over HTTPS.
 *
 * Fetches every update source's manifest (conditionally: the ETag and
 * Last-Modified of the last run are sent back), builds the new set in a
 * fresh directory beside the installed one (unchanged files copied from the
 * installed set, the others downloaded with libcurl and checked against
 * their published SHA-256), then swaps it in with one atomic rename and keeps
 * the previous set as DIR.prev.  Any failure before the swap leaves the
 * installed set as it was.  Manifest, state and change logic are core code
 * (sg_update.c); this file does the I/O. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <curl/curl.h>
#include <openssl/evp.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "sg_cli.h"
#include "sg_units.h"
#include "sg_update.h"
#include "sg_version.h"
#include "sg_yara.h"
#include "sites_feed.h"

#define UP_IO_CHUNK 65536            /* bytes per read when hashing or copying */
#define UP_CONNECT_TIMEOUT 30        /* seconds to connect, at most (less when --timeout is) */
#define UP_MAX_REDIRECTS 5           /* redirects followed, https only */
#define UP_MAX_ENTRIES 10000         /* entries read from the installed directory */
#define UP_MAX_DEPTH 16              /* directory levels removed with the previous set */
#define UP_MAX_SIZE_LIMIT ((apr_int64_t)4 << 30)   /* highest update-max-size */

/* One file of the new set. */
typedef struct up_item_t {
    sg_update_file_t file;               /* name and published hash */
    const sg_update_source_t *source;    /* the source that lists it; NULL: a local file */
    int keep;                            /* 1: the installed copy has that hash already */
} up_item_t;

typedef struct up_run_t {
    sg_cli_t *cli;                    /* the tool */
    apr_pool_t *p;                    /* cli->pool */
    const char *dir;                  /* the installed set (signatures, --dir) */
    const char *parent;               /* the directory that holds it */
    const char *cacert;               /* --cacert, for sources without cacert= */
    long timeout;                     /* seconds per download */
    apr_off_t max_size;               /* bytes per downloaded file */
    const char *graceful;             /* command run after an install; NULL: none */
    int dry_run;                      /* --dry-run: build and verify, install nothing */
    int swapped;                      /* the new set is in place (even if a later step failed) */
    apr_array_header_t *sources;      /* sg_update_source_t * */
    apr_array_header_t *installed;    /* sg_update_file_t in dir now */
    apr_hash_t *installed_sha;        /* name -> sha256 of the installed files */
    apr_array_header_t *old_state;    /* sg_update_record_t of the installed set */
    const char *old_state_text;       /* its state file, "" when there is none */
    apr_array_header_t *new_state;    /* sg_update_record_t of the new set */
    apr_array_header_t *items;        /* up_item_t, the new set */
    apr_hash_t *owner;                /* name -> url of the source that lists it */
    CURL *curl;                       /* one handle for the run: connections are reused */
} up_run_t;

/* ------------------------------------------------------------ hashing */

/* Lowercase hex of CTX's digest (finishes it), from P; NULL on failure. */
static const char *sha_hex(EVP_MD_CTX *ctx, apr_pool_t *p)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0, i;
    char *hex;

    if (!EVP_DigestFinal_ex(ctx, md, &len)) {
        return NULL;
    }
    hex = apr_palloc(p, len * 2 + 1);
    for (i = 0; i < len; i++) {
        apr_snprintf(hex + 2 * i, 3, "%02x", md[i]);
    }
    return hex;
}

static EVP_MD_CTX *sha_new(void)
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();

    if (ctx && !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* Hashes file SRC and, when DST is not NULL, copies it there (synced).
 * Returns NULL with *HEX set, else why not (from P). */
static const char *hash_copy(const char *src, apr_file_t *dst, const char **hex, apr_pool_t *p)
{
    EVP_MD_CTX *ctx = sha_new();
    char *buf = apr_palloc(p, UP_IO_CHUNK);
    const char *problem = NULL;
    apr_file_t *in = NULL;
    apr_size_t n;
    apr_status_t rv = ctx ? apr_file_open(&in, src, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p)
                          : APR_ENOMEM;
    int copy_failed = 0;   /* the error is the copy's (disk full), not SRC's */

    while (rv == APR_SUCCESS) {
        n = UP_IO_CHUNK;
        if ((rv = apr_file_read(in, buf, &n)) == APR_SUCCESS) {
            EVP_DigestUpdate(ctx, buf, n);
            rv = dst ? apr_file_write_full(dst, buf, n, NULL) : APR_SUCCESS;
            copy_failed = rv != APR_SUCCESS;
        }
    }
    if (APR_STATUS_IS_EOF(rv)) {
        rv = dst ? apr_file_sync(dst) : APR_SUCCESS;
        copy_failed = rv != APR_SUCCESS;
    }
    if (rv != APR_SUCCESS) {
        problem = copy_failed ? apr_psprintf(p, "writing the file: %pm", &rv)
                              : apr_psprintf(p, "%s: %pm", src, &rv);
    }
    else if (!(*hex = sha_hex(ctx, p))) {
        problem = "SHA-256 failed";
    }
    if (in) {
        apr_file_close(in);
    }
    EVP_MD_CTX_free(ctx);
    return problem;
}

/* ------------------------------------------------------------ files and directories */

/* Removes PATH and, for a directory, everything below it (symlinks are not
 * followed).  A missing PATH is fine. */
static apr_status_t rm_tree(const char *path, apr_pool_t *p, int depth)
{
    apr_finfo_t fi;
    apr_dir_t *d;
    apr_pool_t *sp;
    apr_status_t rv = apr_stat(&fi, path, APR_FINFO_TYPE | APR_FINFO_LINK, p);

    if (rv != APR_SUCCESS) {
        return APR_STATUS_IS_ENOENT(rv) ? APR_SUCCESS : rv;
    }
    if (fi.filetype != APR_DIR) {
        return apr_file_remove(path, p);
    }
    if (depth > UP_MAX_DEPTH) {
        return APR_EINVAL;
    }
    apr_pool_create(&sp, p);
    if ((rv = apr_dir_open(&d, path, sp)) == APR_SUCCESS) {
        while (rv == APR_SUCCESS && apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
            if (strcmp(fi.name, ".") && strcmp(fi.name, "..")) {
                rv = rm_tree(apr_pstrcat(sp, path, "/", fi.name, NULL), sp, depth + 1);
            }
        }
        apr_dir_close(d);
    }
    if (rv == APR_SUCCESS) {
        rv = apr_dir_remove(path, sp);
    }
    apr_pool_destroy(sp);
    return rv;
}

/* fsync()s a directory, so the renames and files in it are on disk. */
static apr_status_t sync_dir(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    apr_status_t rv = APR_SUCCESS;

    if (fd < 0 || fsync(fd) != 0) {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (fd >= 0) {
        close(fd);
    }
    return rv;
}

/* Writes TEXT to PATH (created, synced), from P. */
static apr_status_t write_text(const char *path, const char *text, apr_pool_t *p)
{
    apr_file_t *f;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                                    | APR_FOPEN_TRUNCATE | APR_FOPEN_BINARY,
                                    APR_FPROT_OS_DEFAULT, p);

    if (rv == APR_SUCCESS) {
        rv = apr_file_write_full(f, text, strlen(text), NULL);
        if (rv == APR_SUCCESS) {
            rv = apr_file_sync(f);
        }
        apr_file_close(f);
    }
    return rv;
}

/* Reads PATH whole (at most SG_UPDATE_MAX_TEXT bytes) into *TEXT, from P. */
static apr_status_t read_text(const char *path, const char **text, apr_pool_t *p)
{
    apr_file_t *f;
    char *buf = apr_palloc(p, SG_UPDATE_MAX_TEXT + 1);
    apr_size_t len = 0;
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ | APR_FOPEN_BINARY, 0, p);

    if (rv != APR_SUCCESS) {
        return rv;
    }
    rv = apr_file_read_full(f, buf, SG_UPDATE_MAX_TEXT + 1, &len);
    apr_file_close(f);
    if (rv != APR_SUCCESS && !APR_STATUS_IS_EOF(rv)) {
        return rv;
    }
    buf[len] = '\0';
    *text = buf;
    return len > SG_UPDATE_MAX_TEXT || memchr(buf, '\0', len) ? APR_EINVAL : APR_SUCCESS;
}

/* ------------------------------------------------------------ HTTPS */

/* One download: where the body goes and what the server said. */
typedef struct up_fetch_t {
    apr_file_t *file;         /* the body goes here, or */
    char *mem;                /* here (cap bytes) when file is NULL */
    apr_off_t cap;            /* a longer body is refused */
    apr_off_t got;            /* body bytes received */
    EVP_MD_CTX *sha;          /* hashes the body, when not NULL */
    int over_cap;             /* the body was longer than cap */
    apr_status_t write_rv;    /* writing to file failed with this */
    char etag[SG_UPDATE_MAX_VALIDATOR + 1];            /* response's ETag, "" if none */
    char last_modified[SG_UPDATE_MAX_VALIDATOR + 1];   /* its Last-Modified, "" if none */
} up_fetch_t;

/* Copies header NAME's value from the header line BUF into OUT when it is one. */
static void keep_header(const char *buf, size_t len, const char *name, char *out)
{
    size_t nlen = strlen(name);

    if (len <= nlen || strncasecmp(buf, name, nlen)) {
        return;
    }
    buf += nlen;
    len -= nlen;
    while (len && (*buf == ' ' || *buf == '\t')) {
        buf++;
        len--;
    }
    while (len && (buf[len - 1] == '\r' || buf[len - 1] == '\n' || buf[len - 1] == ' ')) {
        len--;
    }
    out[0] = '\0';
    if (len && len <= SG_UPDATE_MAX_VALIDATOR) {
        memcpy(out, buf, len);
        out[len] = '\0';
        if (!sg_update_validator_ok(out)) {
            out[0] = '\0';    /* validators are an optimisation: drop odd ones */
        }
    }
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *baton)
{
    up_fetch_t *f = baton;
    size_t len = size * nitems;

    if (len >= 5 && !strncmp(buf, "HTTP/", 5)) {
        /* A new response (after a redirect): forget the previous one's. */
        f->etag[0] = f->last_modified[0] = '\0';
    }
    keep_header(buf, len, "etag:", f->etag);
    keep_header(buf, len, "last-modified:", f->last_modified);
    return len;
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *baton)
{
    up_fetch_t *f = baton;
    size_t len = size * nitems;

    if (f->got + (apr_off_t)len > f->cap) {
        f->over_cap = 1;
        return 0;
    }
    if (f->file) {
        if ((f->write_rv = apr_file_write_full(f->file, buf, len, NULL)) != APR_SUCCESS) {
            return 0;
        }
    }
    else {
        memcpy(f->mem + f->got, buf, len);
    }
    if (f->sha) {
        EVP_DigestUpdate(f->sha, buf, len);
    }
    f->got += (apr_off_t)len;
    return len;
}

/* One line saying why a transfer failed; NULL when it did not. */
static const char *describe(up_run_t *run, const up_fetch_t *f, CURLcode rc, long status,
                            int conditional, char *errbuf)
{
    char *c;

    for (c = errbuf; *c; c++) {
        if ((unsigned char)*c < 0x20) {
            *c = ' ';
        }
    }
    if (rc == CURLE_OK) {
        return status == 200 || (status == 304 && conditional)
                   ? NULL : apr_psprintf(run->p, "unexpected HTTP status %ld", status);
    }
    if (f->over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
        return apr_psprintf(run->p, "larger than %" APR_OFF_T_FMT " bytes (%s)", f->cap,
                            f->mem ? "the manifest limit" : "update-max-size");
    }
    switch (rc) {
    case CURLE_HTTP_RETURNED_ERROR:
        return apr_psprintf(run->p, "server answered HTTP %ld", status);
    case CURLE_PARTIAL_FILE:
        return apr_psprintf(run->p, "download cut short after %" APR_OFF_T_FMT " bytes: %s",
                            f->got, errbuf);
    case CURLE_OPERATION_TIMEDOUT:
        return apr_psprintf(run->p, "gave up after %ld s (update-timeout): %s", run->timeout,
                            errbuf);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
        return apr_psprintf(run->p, "TLS certificate not trusted (set cacert= or --cacert): %s",
                            errbuf);
    case CURLE_WRITE_ERROR:
        if (f->write_rv != APR_SUCCESS) {
            return apr_psprintf(run->p, "writing the file: %pm", &f->write_rv);
        }
        /* fall through */
    default:
        return apr_psprintf(run->p, "%s", *errbuf ? errbuf : curl_easy_strerror(rc));
    }
}

/* Downloads URL (from SRC) into F, sending OLD's validators when not NULL.
 * NULL when the server answered 200, or 304 to a conditional request (then
 * *STATUS says which); else why not. */
static const char *fetch(up_run_t *run, const sg_update_source_t *src, const char *url,
                         const sg_update_record_t *old, up_fetch_t *f, long *status)
{
    char errbuf[CURL_ERROR_SIZE];
    struct curl_slist *headers = NULL;
    const char *cacert = src->cacert ? src->cacert : run->cacert;
    CURL *curl = run->curl;
    CURLcode rc;
    int conditional;

    if (old && old->etag) {
        headers = curl_slist_append(headers, apr_pstrcat(run->p, "If-None-Match: ",
                                                         old->etag, NULL));
    }
    if (old && old->last_modified) {
        headers = curl_slist_append(headers, apr_pstrcat(run->p, "If-Modified-Since: ",
                                                         old->last_modified, NULL));
    }
    conditional = headers != NULL;
    errbuf[0] = '\0';
    *status = 0;
    curl_easy_reset(curl);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, (long)UP_MAX_REDIRECTS);
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "spamgear/" SG_VERSION);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)f->cap);
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT,
                     run->timeout < UP_CONNECT_TIMEOUT ? run->timeout : (long)UP_CONNECT_TIMEOUT);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, run->timeout);
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, f);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, f);
    if (cacert) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, cacert);
    }
    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(headers);
    return describe(run, f, rc, *status, conditional, errbuf);
}

/* ------------------------------------------------------------ the installed set */

/* Reads the installed set's files and hashes, and its state file. */
static int read_installed(up_run_t *run)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    const char *hex, *problem;
    apr_status_t rv = apr_dir_open(&d, run->dir, run->p);

    run->installed = apr_array_make(run->p, 16, sizeof(sg_update_file_t));
    run->installed_sha = apr_hash_make(run->p);
    run->old_state = apr_array_make(run->p, 1, sizeof(sg_update_record_t));
    run->old_state_text = "";
    if (APR_STATUS_IS_ENOENT(rv)) {
        return SG_EXIT_OK;      /* first run */
    }
    if (rv != APR_SUCCESS) {
        sg_cli_error("update: %s: cannot read: %pm", run->dir, &rv);
        return SG_EXIT_ERROR;
    }
    /* Names only: asked for more, apr_dir_read may answer APR_INCOMPLETE. */
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        sg_update_file_t *f;
        const char *path = apr_pstrcat(run->p, run->dir, "/", fi.name, NULL);
        apr_finfo_t st;
        if (!sg_update_name_ok(fi.name)
            || apr_stat(&st, path, APR_FINFO_TYPE | APR_FINFO_LINK, run->p) != APR_SUCCESS
            || st.filetype != APR_REG) {
            continue;   /* dot files (the state), subdirectories, links */
        }
        if (run->installed->nelts >= UP_MAX_ENTRIES) {
            apr_dir_close(d);
            sg_cli_error("update: %s: more than %d files", run->dir, UP_MAX_ENTRIES);
            return SG_EXIT_ERROR;
        }
        if ((problem = hash_copy(path, NULL, &hex, run->p))) {
            apr_dir_close(d);
            sg_cli_error("update: cannot read the installed set: %s", problem);
            return SG_EXIT_ERROR;
        }
        f = apr_array_push(run->installed);
        f->name = apr_pstrdup(run->p, fi.name);
        f->sha256 = hex;
        apr_hash_set(run->installed_sha, f->name, APR_HASH_KEY_STRING, hex);
    }
    apr_dir_close(d);
    return SG_EXIT_OK;
}

/* Reads the installed set's state file; a bad one is ignored (with a warning):
 * every source is then fetched without validators. */
static void read_state(up_run_t *run)
{
    const char *path = apr_pstrcat(run->p, run->dir, "/" SG_UPDATE_STATE_FILE, NULL);
    const char *text = NULL, *problem = NULL;
    apr_status_t rv = read_text(path, &text, run->p);

    if (APR_STATUS_IS_ENOENT(rv)) {
        return;
    }
    if (rv != APR_SUCCESS) {
        problem = apr_psprintf(run->p, "%pm", &rv);
    }
    else if (sg_update_state_parse(text, strlen(text), run->p, &run->old_state, &problem)
             == APR_SUCCESS) {
        run->old_state_text = text;
        return;
    }
    run->old_state = apr_array_make(run->p, 1, sizeof(sg_update_record_t));
    sg_cli_error("update: %s: ignored (%s); downloading everything again", path, problem);
}

/* The last run's record for URL when the installed set still holds exactly
 * the files it lists; NULL otherwise (then nothing may be taken for granted). */
static const sg_update_record_t *old_record(up_run_t *run, const char *url)
{
    int i, j;

    for (i = 0; i < run->old_state->nelts; i++) {
        const sg_update_record_t *r = &APR_ARRAY_IDX(run->old_state, i, sg_update_record_t);
        if (strcmp(r->url, url)) {
            continue;
        }
        for (j = 0; j < r->files->nelts; j++) {
            const sg_update_file_t *f = &APR_ARRAY_IDX(r->files, j, sg_update_file_t);
            const char *have = apr_hash_get(run->installed_sha, f->name, APR_HASH_KEY_STRING);
            if (!have || strcmp(have, f->sha256)) {
                return NULL;
            }
        }
        return (r->etag || r->last_modified) ? r : NULL;
    }
    return NULL;
}

/* ------------------------------------------------------------ planning */

/* Adds SRC's FILES to the new set; SG_EXIT_ERROR when two sources list one name. */
static int add_items(up_run_t *run, const sg_update_source_t *src,
                     const apr_array_header_t *files)
{
    int i;

    for (i = 0; i < files->nelts; i++) {
        const sg_update_file_t *f = &APR_ARRAY_IDX(files, i, sg_update_file_t);
        const char *other = apr_hash_get(run->owner, f->name, APR_HASH_KEY_STRING);
        const char *have = apr_hash_get(run->installed_sha, f->name, APR_HASH_KEY_STRING);
        up_item_t *it;
        if (other) {
            sg_cli_error("update: %s: '%s' is also listed by %s", src->url, f->name, other);
            return SG_EXIT_ERROR;
        }
        if (run->items->nelts >= SG_UPDATE_MAX_FILES) {
            sg_cli_error("update: %s: the sources list more than %d files", src->url,
                         SG_UPDATE_MAX_FILES);
            return SG_EXIT_ERROR;
        }
        apr_hash_set(run->owner, f->name, APR_HASH_KEY_STRING, src->url);
        it = apr_array_push(run->items);
        it->file = *f;
        it->source = src;
        it->keep = have && !strcmp(have, f->sha256);
    }
    return SG_EXIT_OK;
}

/* Asks for SRC's manifest (conditionally when the last run's record holds)
 * and fills REC with what the source publishes now. */
static int plan_manifest(up_run_t *run, const sg_update_source_t *src, sg_update_record_t *rec)
{
    const sg_update_record_t *old = old_record(run, src->url);
    const char *problem;
    up_fetch_t f;
    long status;

    memset(&f, 0, sizeof(f));
    f.cap = SG_UPDATE_MAX_TEXT;
    f.mem = apr_palloc(run->p, SG_UPDATE_MAX_TEXT);
    if ((problem = fetch(run, src, src->url, old, &f, &status))) {
        sg_cli_error("update: %s: %s", src->url, problem);
        return SG_EXIT_ERROR;
    }
    if (status == 304) {
        *rec = *old;
        return SG_EXIT_OK;
    }
    if (sg_update_manifest_parse(f.mem, (apr_size_t)f.got, run->p, &rec->files, &problem)
        != APR_SUCCESS) {
        sg_cli_error("update: %s: not a usable manifest: %s", src->url, problem);
        return SG_EXIT_ERROR;
    }
    rec->url = src->url;
    rec->etag = f.etag[0] ? apr_pstrdup(run->p, f.etag) : NULL;
    rec->last_modified = f.last_modified[0] ? apr_pstrdup(run->p, f.last_modified) : NULL;
    return SG_EXIT_OK;
}

/* 1 when an earlier update installed NAME (the state file lists it). */
static int installed_by_update(const up_run_t *run, const char *name)
{
    int i, j;

    for (i = 0; i < run->old_state->nelts; i++) {
        const sg_update_record_t *r = &APR_ARRAY_IDX(run->old_state, i, sg_update_record_t);
        for (j = 0; j < r->files->nelts; j++) {
            if (!strcmp(APR_ARRAY_IDX(r->files, j, sg_update_file_t).name, name)) return 1;
        }
    }
    return 0;
}

/* Local files stay in the new set: those in the installed set that no
 * source lists and no update installed (the signatures make install put
 * there, the admin's own).  A file an earlier update installed and that no
 * source lists any more is update's to remove.  (Without a usable state
 * file every unlisted file counts as local: nothing is removed that might
 * not be update's.) */
static void add_local_items(up_run_t *run)
{
    int i;

    for (i = 0; i < run->installed->nelts; i++) {
        const sg_update_file_t *f = &APR_ARRAY_IDX(run->installed, i, sg_update_file_t);
        up_item_t *it;
        if (apr_hash_get(run->owner, f->name, APR_HASH_KEY_STRING)
            || installed_by_update(run, f->name)) {
            continue;
        }
        it = apr_array_push(run->items);
        it->file = *f;
        it->source = NULL;
        it->keep = 1;
    }
}

/* Works out the new set from every source; downloads only manifests. */
static int plan(up_run_t *run)
{
    int i;

    run->items = apr_array_make(run->p, 16, sizeof(up_item_t));
    run->owner = apr_hash_make(run->p);
    run->new_state = apr_array_make(run->p, run->sources->nelts, sizeof(sg_update_record_t));
    for (i = 0; i < run->sources->nelts; i++) {
        const sg_update_source_t *src = APR_ARRAY_IDX(run->sources, i, sg_update_source_t *);
        sg_update_record_t *rec = apr_array_push(run->new_state);
        memset(rec, 0, sizeof(*rec));
        if (src->sha256) {
            /* A pinned file: its hash says whether the installed copy is current. */
            sg_update_file_t *f;
            rec->url = src->url;
            rec->files = apr_array_make(run->p, 1, sizeof(sg_update_file_t));
            f = apr_array_push(rec->files);
            f->name = src->name;
            f->sha256 = src->sha256;
        }
        else if (plan_manifest(run, src, rec) != SG_EXIT_OK) {
            return SG_EXIT_ERROR;
        }
        if (add_items(run, src, rec->files) != SG_EXIT_OK) {
            return SG_EXIT_ERROR;
        }
    }
    add_local_items(run);
    return SG_EXIT_OK;
}

/* ------------------------------------------------------------ building */

/* Downloads IT into the open file F and checks its hash; NULL or why not. */
static const char *download(up_run_t *run, const up_item_t *it, apr_file_t *file)
{
    const char *url = it->source->sha256 ? it->source->url
                      : apr_pstrcat(run->p, it->source->base, it->file.name, NULL);
    const char *problem, *got = NULL;
    up_fetch_t f;
    long status;

    memset(&f, 0, sizeof(f));
    f.file = file;
    f.cap = run->max_size;
    if (!(f.sha = sha_new())) {
        return "SHA-256 is not available";
    }
    problem = fetch(run, it->source, url, NULL, &f, &status);
    if (!problem && !(got = sha_hex(f.sha, run->p))) {
        problem = "SHA-256 failed";
    }
    else if (!problem && strcmp(got, it->file.sha256)) {
        problem = apr_psprintf(run->p, "SHA-256 does not match %s (expected %s, got %s)",
                               it->source->sha256 ? "sha256=" : "the manifest",
                               it->file.sha256, got);
    }
    else if (!problem && (f.write_rv = apr_file_sync(file)) != APR_SUCCESS) {
        problem = apr_psprintf(run->p, "writing the file: %pm", &f.write_rv);
    }
    EVP_MD_CTX_free(f.sha);
    return problem;
}

/* Puts one file of the new set into NEWDIR: copied from the installed set
 * when it has the same hash, else downloaded.  Either way it is verified. */
static int build_item(up_run_t *run, const up_item_t *it, const char *newdir)
{
    const char *path = apr_pstrcat(run->p, newdir, "/", it->file.name, NULL), *problem, *got;
    apr_file_t *out;
    apr_status_t rv = apr_file_open(&out, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE
                                    | APR_FOPEN_EXCL | APR_FOPEN_BINARY,
                                    APR_FPROT_OS_DEFAULT, run->p);

    if (rv != APR_SUCCESS) {
        sg_cli_error("update: %s: cannot create: %pm", path, &rv);
        return SG_EXIT_ERROR;
    }
    if (it->keep) {
        problem = hash_copy(apr_pstrcat(run->p, run->dir, "/", it->file.name, NULL), out,
                            &got, run->p);
        if (!problem && strcmp(got, it->file.sha256)) {
            problem = "the installed copy changed during the update";
        }
    }
    else {
        problem = download(run, it, out);
    }
    apr_file_close(out);
    if (problem && !it->source) {
        sg_cli_error("update: %s: %s", it->file.name, problem);
    }
    else if (problem && it->source->sha256) {
        sg_cli_error("update: %s: %s", it->source->url, problem);
    }
    else if (problem) {
        sg_cli_error("update: %s: %s: %s", it->source->url, it->file.name, problem);
    }
    return problem ? SG_EXIT_ERROR : SG_EXIT_OK;
}

/* Makes the new set's directory beside the installed one, same mode. */
static const char *make_newdir(up_run_t *run)
{
    char *path = apr_pstrcat(run->p, run->dir, ".new-XXXXXX", NULL);
    struct stat st;

    if (!mkdtemp(path)) {
        sg_cli_error("update: %s: cannot create: %s", path, strerror(errno));
        return NULL;
    }
    /* mkdtemp makes it 0700; readers of the installed set need what they had. */
    chmod(path, stat(run->dir, &st) == 0 ? (st.st_mode & 07777) : 0755);
    return path;
}

/* Fills NEWDIR with the new set and its state file, all synced. */
static int build(up_run_t *run, const char *newdir)
{
    const char *state = sg_update_state_format(run->new_state, run->p);
    apr_status_t rv;
    int i;

    for (i = 0; i < run->items->nelts; i++) {
        if (build_item(run, &APR_ARRAY_IDX(run->items, i, up_item_t), newdir) != SG_EXIT_OK) {
            return SG_EXIT_ERROR;
        }
    }
    rv = write_text(apr_pstrcat(run->p, newdir, "/" SG_UPDATE_STATE_FILE, NULL), state, run->p);
    if (rv == APR_SUCCESS) {
        rv = sync_dir(newdir);
    }
    if (rv != APR_SUCCESS) {
        sg_cli_error("update: %s: cannot write: %pm", newdir, &rv);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

/* The YARA rule files of the new set NEWDIR compiled as scan and httpd will
 * compile them: a set that does not compile is not installed (the old one
 * stays, so the next scan and graceful restart still load). */
static int check_yara(up_run_t *run, const char *newdir)
{
    sg_result_t res = { APR_SUCCESS, NULL };
    apr_pool_t *p;
    sg_yara_t *y;
    const char *problem;
    apr_size_t n = strlen(newdir);
    int rc = SG_EXIT_OK;

    apr_pool_create(&p, run->p);
    if (sg_yara_load(&y, newdir, NULL, p, &res) != APR_SUCCESS) {
        /* the staging directory means nothing to the admin: the file's name */
        problem = res.problem;
        if (!strncmp(problem, newdir, n) && problem[n] == '/') problem += n + 1;
        sg_cli_error("update: %s; the new set is not installed, %s is kept", problem, run->dir);
        rc = SG_EXIT_ERROR;
    }
    apr_pool_destroy(p);   /* the compiled rules: only the check needed them */
    return rc;
}

/* The vulnerability feeds (*.osv.json, *.wordfence.json) and end-of-life
 * files (PRODUCT.eol.json) of the new set loaded as spamgear sites loads
 * them: one that does not load stops the install as a YARA compile error
 * does. */
static int check_feeds(up_run_t *run, const char *newdir)
{
    const char *problem = "";
    apr_pool_t *p;
    apr_size_t n = strlen(newdir);
    int count, rc = SG_EXIT_OK;

    sf_eol_t *eol;

    apr_pool_create(&p, run->p);
    if (sf_feeds_load_dir(sf_feeds_create(p), newdir, &count, &problem, p) != APR_SUCCESS
        || sf_eol_load_dir(&eol, newdir, &problem, p) != APR_SUCCESS) {
        if (!strncmp(problem, newdir, n) && problem[n] == '/') problem += n + 1;
        sg_cli_error("update: %s; the new set is not installed, %s is kept", problem, run->dir);
        rc = SG_EXIT_ERROR;
    }
    apr_pool_destroy(p);   /* the index: only the check needed it */
    return rc;
}

/* ------------------------------------------------------------ installing */

/* Swaps NEWDIR in as the installed set; the old one becomes DIR.prev. */
static int install(up_run_t *run, const char *newdir)
{
    const char *prev = apr_pstrcat(run->p, run->dir, ".prev", NULL);
    apr_finfo_t fi;
    apr_status_t rv;

    if (apr_stat(&fi, run->dir, APR_FINFO_TYPE, run->p) != APR_SUCCESS) {
        rv = rename(newdir, run->dir) ? APR_FROM_OS_ERROR(errno) : APR_SUCCESS;
    }
    else if ((rv = rm_tree(prev, run->p, 0)) != APR_SUCCESS) {
        sg_cli_error("update: %s: cannot remove the older set: %pm", prev, &rv);
        return SG_EXIT_ERROR;
    }
    else if (renameat2(AT_FDCWD, newdir, AT_FDCWD, run->dir, RENAME_EXCHANGE) == 0) {
        /* One atomic step: readers see the old set or the new one, never none. */
        run->swapped = 1;
        rv = rename(newdir, prev) ? APR_FROM_OS_ERROR(errno) : APR_SUCCESS;
        if (rv != APR_SUCCESS) {
            sg_cli_error("update: installed, but the previous set could not be kept as %s: %pm",
                         prev, &rv);
            return SG_EXIT_ERROR;
        }
    }
    else if (errno == EINVAL || errno == ENOSYS) {
        /* A file system without RENAME_EXCHANGE: two renames. */
        rv = rename(run->dir, prev) ? APR_FROM_OS_ERROR(errno) : APR_SUCCESS;
        if (rv == APR_SUCCESS && rename(newdir, run->dir)) {
            rv = APR_FROM_OS_ERROR(errno);
            rename(prev, run->dir);
        }
    }
    else {
        rv = APR_FROM_OS_ERROR(errno);
    }
    if (rv != APR_SUCCESS) {
        sg_cli_error("update: %s: cannot install: %pm", run->dir, &rv);
        return SG_EXIT_ERROR;
    }
    run->swapped = 1;
    if ((rv = sync_dir(run->parent)) != APR_SUCCESS) {
        /* The new set is in place; only its durability across a crash is in doubt. */
        sg_cli_error("update: installed, but %s: cannot sync: %pm", run->parent, &rv);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

/* No file changed: only the state may have (new validators); replace it in place. */
static int save_state(up_run_t *run)
{
    const char *state = sg_update_state_format(run->new_state, run->p);
    const char *path = apr_pstrcat(run->p, run->dir, "/" SG_UPDATE_STATE_FILE, NULL);
    const char *tmp = apr_pstrcat(run->p, path, ".tmp", NULL);
    apr_status_t rv;

    if (run->dry_run || !strcmp(state, run->old_state_text)) {
        return SG_EXIT_OK;
    }
    rv = write_text(tmp, state, run->p);
    if (rv == APR_SUCCESS) {
        rv = apr_file_rename(tmp, path, run->p);
    }
    if (rv == APR_SUCCESS) {
        rv = sync_dir(run->dir);
    }
    if (rv != APR_SUCCESS) {
        apr_file_remove(tmp, run->p);
        sg_cli_error("update: %s: cannot write: %pm", path, &rv);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

/* Runs the graceful command (no shell), its output on our stderr. */
static int run_graceful(up_run_t *run)
{
    apr_procattr_t *attr;
    apr_file_t *err;
    apr_proc_t proc;
    apr_exit_why_e why;
    int code = 0;
    char **args;
    apr_status_t rv;

    if ((rv = apr_tokenize_to_argv(run->graceful, &args, run->p)) == APR_SUCCESS
        && (rv = apr_file_open_stderr(&err, run->p)) == APR_SUCCESS
        && (rv = apr_procattr_create(&attr, run->p)) == APR_SUCCESS
        && (rv = apr_procattr_child_out_set(attr, err, NULL)) == APR_SUCCESS
        && (rv = apr_procattr_cmdtype_set(attr, APR_PROGRAM)) == APR_SUCCESS
        && (rv = apr_procattr_error_check_set(attr, 1)) == APR_SUCCESS) {
        rv = apr_proc_create(&proc, args[0], (const char *const *)args, NULL, attr, run->p);
    }
    if (rv != APR_SUCCESS) {
        sg_cli_error("update: installed, but %s: cannot run: %pm", run->graceful, &rv);
        return SG_EXIT_ERROR;
    }
    apr_proc_wait(&proc, &code, &why, APR_WAIT);
    if (why != APR_PROC_EXIT || code != 0) {
        sg_cli_error("update: installed, but %s %s %d", run->graceful,
                     why == APR_PROC_EXIT ? "exited with status" : "was killed by signal", code);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

/* ------------------------------------------------------------ settings */

/* Sources from --source (all of them), else from the config's update-source lines. */
static int load_sources(up_run_t *run)
{
    const apr_array_header_t *opts = apr_table_elts(run->cli->opts), *conf;
    const apr_table_entry_t *e = (const apr_table_entry_t *)opts->elts;
    sg_update_source_t *src;
    const char *problem;
    int i;

    run->sources = apr_array_make(run->p, 4, sizeof(sg_update_source_t *));
    for (i = 0; i < opts->nelts; i++) {
        if (strcmp(e[i].key, "source")) {
            continue;
        }
        if (sg_update_source_parse(e[i].val, run->p, &src, &problem) != APR_SUCCESS) {
            sg_cli_error("update: --source: %s; try 'spamgear update --help'", problem);
            return SG_EXIT_ERROR;
        }
        APR_ARRAY_PUSH(run->sources, sg_update_source_t *) = src;
    }
    conf = run->sources->nelts ? NULL : sg_conf_get_all(run->cli->conf, "update-source");
    for (i = 0; conf && i < conf->nelts; i++) {
        /* Checked when the file was read; parsed again for the struct. */
        sg_update_source_parse(APR_ARRAY_IDX(conf, i, sg_conf_entry_t).value, run->p, &src,
                               &problem);
        APR_ARRAY_PUSH(run->sources, sg_update_source_t *) = src;
    }
    if (!run->sources->nelts) {
        sg_cli_error("update: no source: set update-source in %s (spamgear.conf.sample has "
                     "the classic php-shell-detector database ready to uncomment) or use "
                     "--source", run->cli->conf_path);
        return SG_EXIT_ERROR;
    }
    return SG_EXIT_OK;
}

/* The install directory without trailing slashes, and its parent. */
static int set_dir(up_run_t *run, const char *dir)
{
    char *d = apr_pstrdup(run->p, dir), *slash;
    apr_size_t len = strlen(d);

    while (len > 1 && d[len - 1] == '/') {
        d[--len] = '\0';
    }
    slash = strrchr(d, '/');
    if (!slash || !slash[1] || !strcmp(slash, "/.") || !strcmp(slash, "/..")) {
        sg_cli_error("update: '%s' cannot be the signature directory", dir);
        return SG_EXIT_ERROR;
    }
    run->dir = d;
    run->parent = slash == d ? "/" : apr_pstrndup(run->p, d, (apr_size_t)(slash - d));
    return SG_EXIT_OK;
}

static int load_settings(up_run_t *run, int argc)
{
    const char *timeout, *max_size, *dir;
    apr_int64_t n, size;
    int bad = 0;

    if (argc > 0) {
        sg_cli_error("update: takes no arguments; try 'spamgear update --help'");
        return SG_EXIT_ERROR;
    }
    if (sg_cli_load_conf(run->cli) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    dir = sg_cli_setting(run->cli, "dir", "signatures", &bad);
    timeout = sg_cli_setting(run->cli, "timeout", "update-timeout", &bad);
    max_size = sg_conf_get(run->cli->conf, "update-max-size");
    run->cacert = sg_cli_opt_path(run->cli, "cacert");
    bad |= sg_cli_opt(run->cli, "cacert") && !run->cacert;
    run->dry_run = sg_cli_opt(run->cli, "dry-run") != NULL;
    run->graceful = sg_cli_opt(run->cli, "graceful")
                        ? sg_conf_get(run->cli->conf, "update-graceful-command") : NULL;
    if (bad || set_dir(run, dir) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    if (sg_parse_duration(timeout, &n) != APR_SUCCESS || n < 1 || n > 86400) {
        sg_cli_error("update: timeout '%s' must be from 1 second to 1 day", timeout);
        return SG_EXIT_ERROR;
    }
    if (sg_parse_size(max_size, &size) != APR_SUCCESS || size < 1 || size > UP_MAX_SIZE_LIMIT) {
        sg_cli_error("update: update-max-size '%s' must be from 1 byte to 4G", max_size);
        return SG_EXIT_ERROR;
    }
    run->timeout = (long)n;
    run->max_size = (apr_off_t)size;
    return load_sources(run);
}

/* ------------------------------------------------------------ the command */

/* Keeps a second update (cron and an admin at once) out: an flock on the
 * parent directory, held until exit.  Then removes what a crashed run left. */
static int lock_and_tidy(up_run_t *run)
{
    const char *prefix = apr_pstrcat(run->p, strrchr(run->dir, '/') + 1, ".new-", NULL);
    int fd = open(run->parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    apr_dir_t *d;
    apr_finfo_t fi;

    if (fd < 0) {
        sg_cli_error("update: %s: cannot open: %s", run->parent, strerror(errno));
        return SG_EXIT_ERROR;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        sg_cli_error("update: %s: %s", run->parent, errno == EWOULDBLOCK
                     ? "another spamgear update is running there" : strerror(errno));
        close(fd);
        return SG_EXIT_ERROR;
    }
    if (apr_dir_open(&d, run->parent, run->p) == APR_SUCCESS) {
        while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
            if (!strncmp(fi.name, prefix, strlen(prefix))) {
                rm_tree(apr_pstrcat(run->p, run->parent, "/", fi.name, NULL), run->p, 0);
            }
        }
        apr_dir_close(d);
    }
    return SG_EXIT_OK;
}

static void print_changes(up_run_t *run, const apr_array_header_t *changes)
{
    int i;

    for (i = 0; i < changes->nelts; i++) {
        const sg_update_change_t *c = &APR_ARRAY_IDX(changes, i, sg_update_change_t);
        fprintf(run->cli->out, "%s %s\n", sg_update_change_word(c->kind), c->name);
    }
    fflush(run->cli->out);
}

static int update(up_run_t *run)
{
    apr_array_header_t *files, *changes;
    const char *newdir;
    int i, rc;

    if (lock_and_tidy(run) != SG_EXIT_OK || read_installed(run) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    read_state(run);
    if (plan(run) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    files = apr_array_make(run->p, run->items->nelts, sizeof(sg_update_file_t));
    for (i = 0; i < run->items->nelts; i++) {
        *(sg_update_file_t *)apr_array_push(files) = APR_ARRAY_IDX(run->items, i, up_item_t).file;
    }
    changes = sg_update_changes(run->installed, files, run->p);
    if (changes->nelts == 0) {
        return save_state(run);
    }
    if (!(newdir = make_newdir(run))) {
        return SG_EXIT_ERROR;
    }
    rc = build(run, newdir);
    if (rc == SG_EXIT_OK) {
        rc = check_yara(run, newdir);
    }
    if (rc == SG_EXIT_OK) {
        rc = check_feeds(run, newdir);
    }
    if (rc == SG_EXIT_OK && !run->dry_run) {
        rc = install(run, newdir);
    }
    rm_tree(newdir, run->p, 0);
    if (rc != SG_EXIT_OK && !run->swapped) {
        return rc;
    }
    /* Installed, even when a step after the swap failed: say what changed and
     * have httpd load it. */
    print_changes(run, changes);
    if (run->graceful && run->swapped && run_graceful(run) != SG_EXIT_OK) {
        rc = SG_EXIT_ERROR;
    }
    return rc;
}

int sg_cmd_update(sg_cli_t *cli, int argc, const char *const *argv)
{
    up_run_t run;
    int rc;

    memset(&run, 0, sizeof(run));
    run.cli = cli;
    run.p = cli->pool;
    if (load_settings(&run, argc) != SG_EXIT_OK) {
        return SG_EXIT_ERROR;
    }
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || !(run.curl = curl_easy_init())) {
        sg_cli_error("update: cannot initialise libcurl");
        return SG_EXIT_ERROR;
    }
    rc = update(&run);
    curl_easy_cleanup(run.curl);
    curl_global_cleanup();
    return rc;
}
