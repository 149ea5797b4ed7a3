#ifndef SG_UPDATE_H
#define SG_UPDATE_H
/*
 * spamgear update's pure logic: the update-source config lines, the
 * published manifest ("SHA256  FILENAME" lines, sha256sum's format), the
 * state kept beside the installed set (which source installed which file, and
 * the ETag/Last-Modified to send next time) and the list of changes between
 * two sets.  Downloading, hashing and installing are the tool's business
 * (cli/cmd_update.c, libcurl and OpenSSL); nothing here does I/O.
 */
#include <apr_pools.h>
#include <apr_tables.h>

#define SG_UPDATE_MAX_FILES 1000          /* files in one manifest, and in a whole set */
#define SG_UPDATE_MAX_TEXT (1024 * 1024)  /* bytes of a manifest or of the state file */
#define SG_UPDATE_MAX_NAME 128            /* bytes of a signature file name */
#define SG_UPDATE_MAX_URL 2048            /* bytes of a source URL */
#define SG_UPDATE_MAX_VALIDATOR 256       /* bytes of an ETag or Last-Modified kept */
#define SG_SHA256_HEX_LEN 64              /* a SHA-256 in hex */
#define SG_UPDATE_STATE_FILE ".spamgear-update"   /* state, inside the installed set */

/* One update-source line:  https://HOST/PATH [sha256=HEX] [cacert=PATH]
 * Without sha256= the URL names a manifest and the files it lists are fetched
 * from the manifest's directory; with sha256= the URL names the one file to
 * install (under the last segment of its path) and HEX is its hash. */
typedef struct sg_update_source_t {
    const char *url;      /* as given (https only, no query or fragment) */
    const char *base;     /* url up to and including its last '/' */
    const char *sha256;   /* pinned hash, lowercase hex; NULL: url is a manifest */
    const char *name;     /* pinned: the file name installed; NULL otherwise */
    const char *cacert;   /* CA bundle to verify the server with; NULL: system's */
} sg_update_source_t;

/* Parses SPEC into *SOURCE (from P).  Returns APR_SUCCESS, or APR_EINVAL with
 * *PROBLEM saying what is wrong (one line, from P). */
apr_status_t sg_update_source_parse(const char *spec, apr_pool_t *p,
                                    sg_update_source_t **source, const char **problem);

/* One file of a set: its name and its hash. */
typedef struct sg_update_file_t {
    const char *name;     /* passes sg_update_name_ok */
    const char *sha256;   /* SG_SHA256_HEX_LEN lowercase hex digits */
} sg_update_file_t;

/* 1 when NAME may be a signature file name: 1 to SG_UPDATE_MAX_NAME bytes of
 * letters, digits, '.', '_', '-', not starting with '.' or '-'; else 0. */
int sg_update_name_ok(const char *name);

/* Parses a manifest: one "HEX  NAME" (or "HEX *NAME") per line, '#' comment
 * and blank lines, CRLF accepted.  *FILES gets sg_update_file_t in file
 * order, hashes lowercased.  A bad line, a name listed twice, no file at all,
 * more than SG_UPDATE_MAX_FILES or SG_UPDATE_MAX_TEXT bytes are APR_EINVAL
 * with *PROBLEM ("line N: ..."); everything from P. */
apr_status_t sg_update_manifest_parse(const char *data, apr_size_t len, apr_pool_t *p,
                                      apr_array_header_t **files, const char **problem);

/* What one source installed last time, and how to ask whether it changed. */
typedef struct sg_update_record_t {
    const char *url;             /* the source's url */
    const char *etag;            /* the server's ETag, NULL when it sent none */
    const char *last_modified;   /* the server's Last-Modified, NULL when none */
    apr_array_header_t *files;   /* sg_update_file_t the source installed */
} sg_update_record_t;

/* 1 when VALUE may be kept and sent back as a header: 1 to
 * SG_UPDATE_MAX_VALIDATOR printable ASCII bytes; else 0. */
int sg_update_validator_ok(const char *value);

/* Parses the state file (as written by sg_update_state_format) into
 * *RECORDS (sg_update_record_t, from P).  APR_EINVAL with *PROBLEM when it is
 * not one: the caller then goes on without it. */
apr_status_t sg_update_state_parse(const char *data, apr_size_t len, apr_pool_t *p,
                                   apr_array_header_t **records, const char **problem);

/* The state file's text for RECORDS (sg_update_record_t), from P. */
const char *sg_update_state_format(const apr_array_header_t *records, apr_pool_t *p);

typedef enum {
    SG_UPDATE_ADDED,      /* in the new set only */
    SG_UPDATE_CHANGED,    /* in both, other hash */
    SG_UPDATE_REMOVED     /* in the old set only */
} sg_update_change_kind_t;

typedef struct sg_update_change_t {
    sg_update_change_kind_t kind;   /* what happened to the file */
    const char *name;               /* the file */
} sg_update_change_t;

/* The changes from set OLD to set NEW (both sg_update_file_t, names unique
 * in each) as sg_update_change_t sorted by name, from P; empty when equal. */
apr_array_header_t *sg_update_changes(const apr_array_header_t *old_set,
                                      const apr_array_header_t *new_set, apr_pool_t *p);

/* "added", "changed" or "removed". */
const char *sg_update_change_word(sg_update_change_kind_t kind);

#endif /* SG_UPDATE_H */
