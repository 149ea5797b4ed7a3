/* sg_update.c: update sources, manifests, the update state and change lists. */
#include <stdlib.h>
#include <string.h>
#include <apr_hash.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_update.h"

/* ------------------------------------------------------------ small checks */

int sg_update_name_ok(const char *name)
{
    const char *c;

    if (!name[0] || name[0] == '.' || name[0] == '-' || strlen(name) > SG_UPDATE_MAX_NAME) {
        return 0;
    }
    for (c = name; *c; c++) {
        if (!apr_isalnum(*c) && *c != '.' && *c != '_' && *c != '-') {
            return 0;
        }
    }
    return 1;
}

/* Lowercased copy of HEX when it is a SHA-256 in hex, else NULL. */
static char *sha256_hex(const char *hex, apr_size_t len, apr_pool_t *p)
{
    char *out;
    apr_size_t i;

    if (len != SG_SHA256_HEX_LEN) {
        return NULL;
    }
    out = apr_pstrndup(p, hex, len);
    for (i = 0; i < len; i++) {
        if (!apr_isxdigit(out[i])) {
            return NULL;
        }
        out[i] = (char)apr_tolower(out[i]);
    }
    return out;
}

int sg_update_validator_ok(const char *value)
{
    const char *c;

    if (!value[0] || strlen(value) > SG_UPDATE_MAX_VALIDATOR) {
        return 0;
    }
    for (c = value; *c; c++) {
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* ------------------------------------------------------------ sources */

/* Checks the URL part; NULL when fine, else why not. */
static const char *check_url(const char *url)
{
    const char *c, *path;

    if (strncmp(url, "https://", 8)) {
        return "the URL must start with https://";
    }
    if (strlen(url) > SG_UPDATE_MAX_URL) {
        return "the URL is longer than 2048 bytes";
    }
    for (c = url; *c; c++) {
        if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f) {
            return "control, blank or non-ASCII character in the URL";
        }
        if (*c == '?' || *c == '#') {
            return "query strings and fragments are not supported in the URL";
        }
    }
    path = strchr(url + 8, '/');
    if (!path || path == url + 8) {
        return "the URL needs a host and a path (https://HOST/PATH)";
    }
    if (url[strlen(url) - 1] == '/') {
        return "the URL must name a file (the manifest, or the file with sha256=), not end in '/'";
    }
    return NULL;
}

/* Takes one NAME=VALUE word into SOURCE; NULL when fine, else why not. */
static const char *source_setting(sg_update_source_t *source, char *word, apr_pool_t *p)
{
    char *eq = strchr(word, '=');

    if (!eq || eq == word || !eq[1]) {
        return apr_psprintf(p, "'%s' is not NAME=VALUE", word);
    }
    *eq++ = '\0';
    if (!strcmp(word, "sha256")) {
        if (source->sha256) {
            return "sha256: given twice";
        }
        source->sha256 = sha256_hex(eq, strlen(eq), p);
        return source->sha256 ? NULL : "sha256= needs 64 hex digits";
    }
    if (!strcmp(word, "cacert")) {
        if (source->cacert) {
            return "cacert: given twice";
        }
        source->cacert = eq;
        return eq[0] == '/' ? NULL : "cacert= must be an absolute path";
    }
    return apr_psprintf(p, "unknown setting '%s' (expected sha256= or cacert=)", word);
}

apr_status_t sg_update_source_parse(const char *spec, apr_pool_t *p,
                                    sg_update_source_t **source, const char **problem)
{
    char *copy = apr_pstrdup(p, spec), *last, *word;
    sg_update_source_t *s = apr_pcalloc(p, sizeof(*s));
    const char *why;

    word = apr_strtok(copy, " \t", &last);
    if (!word) {
        *problem = "missing URL";
        return APR_EINVAL;
    }
    if ((why = check_url(word))) {
        *problem = apr_psprintf(p, "%s: %s", word, why);
        return APR_EINVAL;
    }
    s->url = word;
    s->base = apr_pstrndup(p, word, (apr_size_t)(strrchr(word, '/') + 1 - word));
    while ((word = apr_strtok(NULL, " \t", &last))) {
        if ((why = source_setting(s, word, p))) {
            *problem = why;
            return APR_EINVAL;
        }
    }
    if (s->sha256) {
        s->name = s->url + strlen(s->base);
        if (!sg_update_name_ok(s->name)) {
            *problem = apr_psprintf(p, "%s: with sha256= the URL's last segment is the file "
                                    "name and must be letters, digits, '.', '_', '-'", s->url);
            return APR_EINVAL;
        }
    }
    *source = s;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ manifests */

/* Parses one manifest line (NUL-terminated, no newline) into FILE. */
static const char *manifest_line(char *line, sg_update_file_t *file, apr_pool_t *p)
{
    apr_size_t hexlen = strcspn(line, " \t");
    char *name = line + hexlen;

    if (!(file->sha256 = sha256_hex(line, hexlen, p))) {
        return "expected 'SHA256  FILENAME' with 64 hex digits";
    }
    if (*name == ' ' && name[1] == ' ') {
        name += 2;            /* sha256sum: "HEX  NAME" */
    }
    else if (*name == ' ' && name[1] == '*') {
        name += 2;            /* sha256sum --binary: "HEX *NAME" */
    }
    else if (*name == ' ' || *name == '\t') {
        name++;
    }
    if (!sg_update_name_ok(name)) {
        return apr_psprintf(p, "bad file name '%.*s' (letters, digits, '.', '_', '-'; "
                            "no path, not starting with '.' or '-')", SG_UPDATE_MAX_NAME, name);
    }
    file->name = apr_pstrdup(p, name);
    return NULL;
}

apr_status_t sg_update_manifest_parse(const char *data, apr_size_t len, apr_pool_t *p,
                                      apr_array_header_t **files, const char **problem)
{
    apr_array_header_t *list = apr_array_make(p, 16, sizeof(sg_update_file_t));
    apr_hash_t *seen = apr_hash_make(p);
    const char *pos = data, *end = data + len, *why;
    int lineno = 0;

    if (len > SG_UPDATE_MAX_TEXT) {
        *problem = apr_psprintf(p, "larger than %d bytes", SG_UPDATE_MAX_TEXT);
        return APR_EINVAL;
    }
    for (; pos < end; pos++) {
        const char *nl = memchr(pos, '\n', (apr_size_t)(end - pos));
        apr_size_t llen = nl ? (apr_size_t)(nl - pos) : (apr_size_t)(end - pos);
        char *line = apr_pstrndup(p, pos, llen);
        sg_update_file_t file;

        lineno++;
        pos += llen;
        if (llen && line[llen - 1] == '\r') {
            line[--llen] = '\0';
        }
        if (memchr(line, '\0', llen)) {
            *problem = apr_psprintf(p, "line %d: NUL byte (not a manifest)", lineno);
            return APR_EINVAL;
        }
        if (!line[strspn(line, " \t")] || line[0] == '#') {
            continue;
        }
        if ((why = manifest_line(line, &file, p))) {
            *problem = apr_psprintf(p, "line %d: %s", lineno, why);
            return APR_EINVAL;
        }
        if (apr_hash_get(seen, file.name, APR_HASH_KEY_STRING)) {
            *problem = apr_psprintf(p, "line %d: '%s' listed twice", lineno, file.name);
            return APR_EINVAL;
        }
        if (list->nelts >= SG_UPDATE_MAX_FILES) {
            *problem = apr_psprintf(p, "line %d: more than %d files", lineno,
                                    SG_UPDATE_MAX_FILES);
            return APR_EINVAL;
        }
        apr_hash_set(seen, file.name, APR_HASH_KEY_STRING, "");
        *(sg_update_file_t *)apr_array_push(list) = file;
    }
    if (list->nelts == 0) {
        /* An empty answer must never empty the installed set. */
        *problem = "lists no file";
        return APR_EINVAL;
    }
    *files = list;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ state */

/* Takes one "WORD VALUE" state line into *CUR (a new record for "source"). */
static const char *state_line(char *line, apr_array_header_t *records,
                              sg_update_record_t **cur, apr_pool_t *p)
{
    char *value = line + strcspn(line, " ");
    sg_update_file_t file;
    const char *why;

    if (*value) {
        *value++ = '\0';
    }
    if (!strcmp(line, "source")) {
        *cur = apr_array_push(records);
        (*cur)->url = value;
        (*cur)->etag = (*cur)->last_modified = NULL;
        (*cur)->files = apr_array_make(p, 8, sizeof(sg_update_file_t));
        return check_url(value);
    }
    if (!*cur) {
        return "expected 'source URL' first";
    }
    if (!strcmp(line, "etag") || !strcmp(line, "last-modified")) {
        *(line[0] == 'e' ? &(*cur)->etag : &(*cur)->last_modified) = value;
        return sg_update_validator_ok(value) ? NULL : "bad validator";
    }
    if (!strcmp(line, "file")) {
        if ((why = manifest_line(value, &file, p))) {
            return why;
        }
        if ((*cur)->files->nelts >= SG_UPDATE_MAX_FILES) {
            return "too many files";
        }
        *(sg_update_file_t *)apr_array_push((*cur)->files) = file;
        return NULL;
    }
    return apr_psprintf(p, "unknown word '%s'", line);
}

apr_status_t sg_update_state_parse(const char *data, apr_size_t len, apr_pool_t *p,
                                   apr_array_header_t **records, const char **problem)
{
    apr_array_header_t *list = apr_array_make(p, 4, sizeof(sg_update_record_t));
    sg_update_record_t *cur = NULL;
    char *copy, *line, *last;
    const char *why;
    int lineno = 0;

    if (len > SG_UPDATE_MAX_TEXT || memchr(data, '\0', len)) {
        *problem = "too large or binary";
        return APR_EINVAL;
    }
    copy = apr_pstrndup(p, data, len);
    for (line = apr_strtok(copy, "\n", &last); line; line = apr_strtok(NULL, "\n", &last)) {
        lineno++;
        if (line[0] == '#') {
            continue;
        }
        if ((why = state_line(line, list, &cur, p))) {
            *problem = apr_psprintf(p, "line %d: %s", lineno, why);
            return APR_EINVAL;
        }
    }
    *records = list;
    return APR_SUCCESS;
}

const char *sg_update_state_format(const apr_array_header_t *records, apr_pool_t *p)
{
    apr_array_header_t *parts = apr_array_make(p, 16, sizeof(const char *));
    int i, j;

    APR_ARRAY_PUSH(parts, const char *) =
        "# spamgear update: what each source installed (do not edit)\n";
    for (i = 0; i < records->nelts; i++) {
        const sg_update_record_t *r = &APR_ARRAY_IDX(records, i, sg_update_record_t);
        APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(p, "source %s\n", r->url);
        if (r->etag) {
            APR_ARRAY_PUSH(parts, const char *) = apr_psprintf(p, "etag %s\n", r->etag);
        }
        if (r->last_modified) {
            APR_ARRAY_PUSH(parts, const char *) =
                apr_psprintf(p, "last-modified %s\n", r->last_modified);
        }
        for (j = 0; j < r->files->nelts; j++) {
            const sg_update_file_t *f = &APR_ARRAY_IDX(r->files, j, sg_update_file_t);
            APR_ARRAY_PUSH(parts, const char *) =
                apr_psprintf(p, "file %s  %s\n", f->sha256, f->name);
        }
    }
    return apr_array_pstrcat(p, parts, '\0');
}

/* ------------------------------------------------------------ changes */

static int by_name(const void *a, const void *b)
{
    return strcmp(((const sg_update_change_t *)a)->name, ((const sg_update_change_t *)b)->name);
}

/* Name -> hash of every file of SET. */
static apr_hash_t *index_set(const apr_array_header_t *set, apr_pool_t *p)
{
    apr_hash_t *h = apr_hash_make(p);
    int i;

    for (i = 0; i < set->nelts; i++) {
        const sg_update_file_t *f = &APR_ARRAY_IDX(set, i, sg_update_file_t);
        apr_hash_set(h, f->name, APR_HASH_KEY_STRING, f->sha256);
    }
    return h;
}

/* Appends to CHANGES every file of A that B lacks (as KIND) or, when
 * CHANGED_TOO, holds with another hash. */
static void compare_sets(const apr_array_header_t *a, apr_hash_t *b, int changed_too,
                         sg_update_change_kind_t kind, apr_array_header_t *changes)
{
    int i;

    for (i = 0; i < a->nelts; i++) {
        const sg_update_file_t *f = &APR_ARRAY_IDX(a, i, sg_update_file_t);
        const char *other = apr_hash_get(b, f->name, APR_HASH_KEY_STRING);
        sg_update_change_t *c;
        if (other && (!changed_too || !strcmp(other, f->sha256))) {
            continue;
        }
        c = apr_array_push(changes);
        c->kind = other ? SG_UPDATE_CHANGED : kind;
        c->name = f->name;
    }
}

apr_array_header_t *sg_update_changes(const apr_array_header_t *old_set,
                                      const apr_array_header_t *new_set, apr_pool_t *p)
{
    apr_array_header_t *changes = apr_array_make(p, 8, sizeof(sg_update_change_t));

    compare_sets(new_set, index_set(old_set, p), 1, SG_UPDATE_ADDED, changes);
    compare_sets(old_set, index_set(new_set, p), 0, SG_UPDATE_REMOVED, changes);
    if (changes->nelts > 1) {
        qsort(changes->elts, (size_t)changes->nelts, sizeof(sg_update_change_t), by_name);
    }
    return changes;
}

const char *sg_update_change_word(sg_update_change_kind_t kind)
{
    switch (kind) {
    case SG_UPDATE_ADDED:
        return "added";
    case SG_UPDATE_CHANGED:
        return "changed";
    case SG_UPDATE_REMOVED:
        return "removed";
    }
    return "?";
}
