/* fuzz_common.c: APR setup and temp files for the harnesses (see fuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <apr_general.h>
#include <apr_file_io.h>
#include <apr_strings.h>
#include "fuzz.h"

static apr_pool_t *root;
static char tmpdir[64];

/* Removes the temp directory at exit (its files are rewritten every input). */
static void remove_tmpdir(void)
{
    apr_dir_t *d;
    apr_finfo_t fi;

    if (!tmpdir[0] || !root || apr_dir_open(&d, tmpdir, root) != APR_SUCCESS) {
        return;
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        if (strcmp(fi.name, ".") && strcmp(fi.name, "..")) {
            apr_file_remove(apr_pstrcat(root, tmpdir, "/", fi.name, NULL), root);
        }
    }
    apr_dir_close(d);
    apr_dir_remove(tmpdir, root);
}

apr_pool_t *fuzz_root_pool(void)
{
    if (!root) {
        const char *base = getenv("TMPDIR");

        apr_initialize();
        apr_pool_create(&root, NULL);
        snprintf(tmpdir, sizeof(tmpdir), "%.30s/sg-fuzz.%ld", base && *base ? base : "/tmp",
                 (long)getpid());
        if (apr_dir_make(tmpdir, APR_FPROT_OS_DEFAULT, root) != APR_SUCCESS) {
            tmpdir[0] = '\0';
        }
        atexit(remove_tmpdir);
    }
    return root;
}

apr_pool_t *fuzz_pool(void)
{
    apr_pool_t *p;

    apr_pool_create(&p, fuzz_root_pool());
    return p;
}

const char *fuzz_write_file(const char *name, const uint8_t *data, size_t size, apr_pool_t *p)
{
    const char *path;
    apr_file_t *f;
    apr_size_t n = size;

    fuzz_root_pool();
    if (!tmpdir[0]) {
        return NULL;
    }
    path = apr_pstrcat(p, tmpdir, "/", name, NULL);
    if (apr_file_open(&f, path, APR_FOPEN_WRITE | APR_FOPEN_CREATE | APR_FOPEN_TRUNCATE,
                      APR_FPROT_OS_DEFAULT, p) != APR_SUCCESS) {
        return NULL;
    }
    if (size > 0 && apr_file_write_full(f, data, size, &n) != APR_SUCCESS) {
        apr_file_close(f);
        return NULL;
    }
    apr_file_close(f);
    return path;
}

char *fuzz_strdup(const uint8_t *data, size_t size, apr_pool_t *p)
{
    char *s = apr_palloc(p, size + 1);

    if (size > 0) {
        memcpy(s, data, size);
    }
    s[size] = '\0';
    return s;
}

void fuzz_fail(const char *what, const char *file, int line)
{
    fprintf(stderr, "fuzz: check failed: %s (%s:%d)\n", what, file, line);
    fflush(stderr);
    __builtin_trap();
}
