/* cmd_whitelist.c: spamgear whitelist add DIR: sha256 of pristine files. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <apr_hash.h>
#include <apr_strings.h>
#include "sg_cli.h"
#include "sg_engine.h"
#include "sg_notify.h"
#include "sg_units.h"

#define WL_MAX_DEPTH 256           /* directory nesting followed */
#define WL_MAX_PATH_SHOWN 900      /* bytes of a path written after the hash */
#define WL_MAX_FILE (64 << 20)     /* bytes of an existing whitelist read */

typedef struct wl_run_t {
    apr_pool_t *pool;
    apr_hash_t *known;             /* sha256 hex -> "" */
    apr_array_header_t *lines;     /* the whole new file, const char * lines */
    apr_int64_t max_size;          /* larger files are skipped */
    int added, errors;
} wl_run_t;

/* Reads the existing whitelist (if any) into RUN, lines kept as they are. */
static int read_existing(wl_run_t *run, const char *path)
{
    FILE *fp = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    long total = 0;

    if (!fp) {
        if (errno == ENOENT) return 0;
        sg_cli_error("whitelist: %s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    while ((n = getline(&line, &cap, fp)) > 0) {
        if ((total += n) > WL_MAX_FILE) {
            sg_cli_error("whitelist: %s: larger than 64 MiB", path);
            break;
        }
        if (line[n - 1] == '\n') line[--n] = '\0';
        APR_ARRAY_PUSH(run->lines, const char *) = apr_pstrmemdup(run->pool, line, (apr_size_t)n);
        if (n >= 64 && strspn(line, "0123456789abcdef") == 64) {
            apr_hash_set(run->known, apr_pstrmemdup(run->pool, line, 64), 64, "");
        }
    }
    free(line);
    fclose(fp);
    return total > WL_MAX_FILE ? -1 : 0;
}

static void add_file(wl_run_t *run, int dfd, const char *name, const char *path,
                     const struct stat *st)
{
    apr_pool_t *p;
    char *buf;
    apr_size_t have = 0;
    const char *sum;
    int fd;

    if (st->st_size > run->max_size) {
        sg_cli_error("whitelist: %s: skipped: over the max-size", sg_notify_escape(path, run->pool));
        return;
    }
    if ((fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) < 0) {
        sg_cli_error("whitelist: %s: cannot open: %s", sg_notify_escape(path, run->pool),
                     strerror(errno));
        run->errors++;
        return;
    }
    apr_pool_create(&p, run->pool);
    buf = apr_palloc(p, (apr_size_t)st->st_size + 1);
    while (have < (apr_size_t)st->st_size) {
        ssize_t n = read(fd, buf + have, (apr_size_t)st->st_size - have);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        have += (apr_size_t)n;
    }
    close(fd);
    sum = sg_sha256_hex(buf, have, p);
    if (!apr_hash_get(run->known, sum, 64)) {
        const char *shown = sg_notify_escape(path, p);
        if (strlen(shown) > WL_MAX_PATH_SHOWN) shown = apr_pstrndup(p, shown, WL_MAX_PATH_SHOWN);
        sum = apr_pstrdup(run->pool, sum);
        apr_hash_set(run->known, sum, 64, "");
        APR_ARRAY_PUSH(run->lines, const char *) = apr_pstrcat(run->pool, sum, "  ", shown, NULL);
        run->added++;
    }
    apr_pool_destroy(p);
}

/* Walks DFD (PATH) without following symlinks; entries sorted by name so the
 * file comes out the same every time. */
static void walk(wl_run_t *run, int dfd, const char *path, int depth)
{
    struct dirent **list;
    int n, i;

    if ((n = scandirat(dfd, ".", &list, NULL, alphasort)) < 0) {
        sg_cli_error("whitelist: %s: cannot read: %s", sg_notify_escape(path, run->pool),
                     strerror(errno));
        run->errors++;
        close(dfd);
        return;
    }
    for (i = 0; i < n; i++) {
        const char *name = list[i]->d_name, *child;
        struct stat st;
        int cfd;
        if (strcmp(name, ".") && strcmp(name, "..")
            && fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
            child = apr_pstrcat(run->pool, path, "/", name, NULL);
            if (S_ISREG(st.st_mode)) add_file(run, dfd, name, child, &st);
            else if (S_ISDIR(st.st_mode) && depth < WL_MAX_DEPTH
                     && (cfd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW
                                                 | O_CLOEXEC)) >= 0) {
                walk(run, cfd, child, depth + 1);
            }
        }
        free(list[i]);
    }
    free(list);
    close(dfd);
}

/* Writes RUN's lines to PATH atomically: a temp file beside it, fsync, rename. */
static int write_list(wl_run_t *run, const char *path)
{
    char *tmp = apr_pstrcat(run->pool, path, ".XXXXXX", NULL);
    int fd = mkstemp(tmp), i, err = 0;
    FILE *fp;

    if (fd < 0 || !(fp = fdopen(fd, "w"))) {
        sg_cli_error("whitelist: %s: cannot create a temporary file beside it: %s", path,
                     strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    fchmod(fd, 0644);
    for (i = 0; i < run->lines->nelts; i++) {
        fprintf(fp, "%s\n", APR_ARRAY_IDX(run->lines, i, const char *));
    }
    if (fflush(fp) != 0 || fsync(fd) != 0) err = errno;
    if (fclose(fp) != 0 && !err) err = errno;
    if (!err && rename(tmp, path) != 0) err = errno;
    if (err) {
        unlink(tmp);
        sg_cli_error("whitelist: %s: cannot write: %s", path, strerror(err));
        return -1;
    }
    return 0;
}

int sg_cmd_whitelist(sg_cli_t *cli, int argc, const char *const *argv)
{
    wl_run_t run;
    const char *file, *v;
    int rc, i, fd;

    if ((rc = sg_cli_load_conf(cli)) != SG_EXIT_OK) return rc;
    if (argc < 2 || strcmp(argv[0], "add")) {
        sg_cli_error("whitelist: needs add DIR...; try 'spamgear whitelist --help'");
        return SG_EXIT_ERROR;
    }
    if (!(file = sg_cli_opt(cli, "whitelist")) && !(file = sg_conf_get(cli->conf, "whitelist"))) {
        sg_cli_error("whitelist: no whitelist file: set the whitelist key or give --whitelist "
                     "FILE; try 'spamgear whitelist --help'");
        return SG_EXIT_ERROR;
    }
    memset(&run, 0, sizeof(run));
    run.pool = cli->pool;
    run.known = apr_hash_make(cli->pool);
    run.lines = apr_array_make(cli->pool, 1024, sizeof(const char *));
    v = sg_conf_get(cli->conf, "max-file-size");
    if (sg_parse_size(v, &run.max_size) != APR_SUCCESS) run.max_size = 16 << 20;
    if (read_existing(&run, file) != 0) return SG_EXIT_ERROR;
    for (i = 1; i < argc; i++) {
        if ((fd = open(argv[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
            sg_cli_error("whitelist: %s: cannot open directory: %s", argv[i], strerror(errno));
            return SG_EXIT_ERROR;
        }
        walk(&run, fd, argv[i][strlen(argv[i]) - 1] == '/' && strlen(argv[i]) > 1
                       ? apr_pstrndup(cli->pool, argv[i], strlen(argv[i]) - 1) : argv[i], 0);
    }
    if (write_list(&run, file) != 0) return SG_EXIT_ERROR;
    fprintf(cli->out, "%d added to %s (%u known)\n", run.added, file,
            apr_hash_count(run.known));
    return run.errors ? SG_EXIT_ERROR : SG_EXIT_OK;
}
