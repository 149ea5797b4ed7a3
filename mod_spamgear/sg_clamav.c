/* sg_clamav.c: the ClamAV backends: libclamav in-process and clamd sockets. */
#include <clamav.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <apr_file_info.h>
#include <apr_network_io.h>
#include <apr_portable.h>
#include <apr_strings.h>
#include <apr_thread_proc.h>
#include "sg_clamav.h"
#include "sg_log.h"

const char *sg_clamav_version(void)
{
    return cl_retver();
}

/* ---------------------------------------------------------------- libclamav */

/* libclamav prints to stderr unless told otherwise: route it to sg_log. */
static void clamav_msg(enum cl_msg severity, const char *fullmsg, const char *msg, void *ctx)
{
    apr_size_t len = strlen(msg);

    while (len > 0 && msg[len - 1] == '\n') len--;
    sg_log_perror(SG_LOG_MARK, severity == CL_MSG_ERROR ? SG_LOG_INFO : SG_LOG_DEBUG,
                  APR_SUCCESS, NULL, "libclamav: %.*s", (int)len, msg);
}

static int has_databases(const char *dir, apr_pool_t *p);

int sg_clamav_has_databases(const char *dbdir, apr_pool_t *p)
{
    return has_databases(dbdir, p);
}

static apr_status_t engine_free(void *data)
{
    cl_engine_free((struct cl_engine *)data);
    return APR_SUCCESS;
}

/* The libclamav backend's baton. */
typedef struct engine_t {
    struct cl_engine *engine;
    int image_hash;     /* 1: some loaded database may use image fuzzy hashes */
} engine_t;

static apr_status_t engine_scan(sg_av_t *av, const char *name, const char *buf, apr_size_t len,
                                int fd, apr_pool_t *p, const char **virname, sg_result_t *res)
{
    const engine_t *e = av->baton;
    struct cl_scan_options opts;
    cl_fmap_t *map;
    cl_error_t ret;
    unsigned long scanned = 0;

    *virname = NULL;
    memset(&opts, 0, sizeof(opts));
    opts.parse = ~0u;   /* archives, PDFs, mail...: as clamscan's defaults */
    /* libclamav decodes every image to compute its fuzzy hash even when no
     * loaded signature has a fuzzy_img# subsignature to compare it with; on a
     * web tree full of PNGs that is most of its time.  Skipped only then, so
     * what can be detected is unchanged. */
    if (!e->image_hash) {
        opts.parse &= ~(unsigned)CL_SCAN_PARSE_IMAGE_FUZZY_HASH;
    }
    map = cl_fmap_open_memory(buf, len);
    if (!map) {
        return sg_result_set(res, p, APR_ENOMEM, "libclamav: cannot map the buffer");
    }
    ret = cl_scanmap_callback(map, name, virname, &scanned, e->engine, &opts, NULL);
    cl_fmap_close(map);
    if (ret == CL_VIRUS) {
        *virname = apr_pstrdup(p, *virname);
        return APR_SUCCESS;
    }
    *virname = NULL;
    if (ret != CL_CLEAN) {
        return sg_result_set(res, p, APR_EGENERAL, "libclamav: %s", cl_strerror(ret));
    }
    return APR_SUCCESS;
}

/* ClamAV database extensions loaded from the project's signature directory
 * (its .yar and .yara files are YARA's, host/sg_yara.c: the whole language,
 * not the subset libclamav reads). */
static int is_clamav_db(const char *name)
{
    static const char *const exts[] = { ".ndb", ".hdb", ".hsb", ".ldb",
                                        ".cvd", ".cld", ".cud", ".mdb", ".msb", ".ndu",
                                        ".ldu", ".hdu", ".hsu", ".cdb", ".fp", ".sfp",
                                        ".ign2", ".idb", ".pdb", ".wdb", ".ftm", NULL };
    const char *dot = strrchr(name, '.');
    int i;

    for (i = 0; dot && exts[i]; i++) {
        if (!strcmp(dot, exts[i])) {
            return 1;
        }
    }
    return 0;
}

/* Largest .ldb read to look for fuzzy_img# (a bigger one is assumed to use it). */
#define SG_LDB_PROBE_MAX (64 * 1024 * 1024)

/* Non-zero when the database file PATH may hold an image fuzzy hash
 * subsignature: signed containers (.cvd .cld .cud) cannot be read cheaply,
 * so they are assumed to; logical signature files (.ldb .ldu) are searched for
 * "fuzzy_img#"; the other formats cannot express one. */
static int db_may_use_image_hash(const char *path, apr_pool_t *p)
{
    static const char *const containers[] = { ".cvd", ".cld", ".cud", NULL };
    const char *dot = strrchr(path, '.');
    apr_finfo_t fi;
    apr_file_t *f;
    char *buf;
    apr_size_t n;
    int i, found = 1;

    for (i = 0; dot && containers[i]; i++) {
        if (!strcmp(dot, containers[i])) return 1;
    }
    if (!dot || (strcmp(dot, ".ldb") && strcmp(dot, ".ldu"))) {
        return 0;
    }
    if (apr_stat(&fi, path, APR_FINFO_SIZE, p) != APR_SUCCESS || fi.size > SG_LDB_PROBE_MAX
        || apr_file_open(&f, path, APR_FOPEN_READ, APR_OS_DEFAULT, p) != APR_SUCCESS) {
        return 1;
    }
    n = (apr_size_t)fi.size;
    buf = apr_palloc(p, n + 1);
    if (apr_file_read_full(f, buf, n, &n) == APR_SUCCESS || n > 0) {
        buf[n] = '\0';
        found = memmem(buf, n, "fuzzy_img#", 10) != NULL;
    }
    apr_file_close(f);
    return found;
}

/* Non-zero when some database file in DIR may use image fuzzy hashes. */
static int dir_may_use_image_hash(const char *dir, apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    int found = 0;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return 0;   /* nothing loaded from there */
    }
    while (!found && apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        if (fi.filetype != APR_DIR && is_clamav_db(fi.name)) {
            found = db_may_use_image_hash(apr_pstrcat(p, dir, "/", fi.name, NULL), p);
        }
    }
    apr_dir_close(d);
    return found;
}

static int has_databases(const char *dir, apr_pool_t *p)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    int found = 0;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return 1;   /* let cl_load say what is wrong */
    }
    while (!found && apr_dir_read(&fi, APR_FINFO_NAME, d) == APR_SUCCESS) {
        found = is_clamav_db(fi.name);
    }
    apr_dir_close(d);
    return found;
}

static apr_status_t load_extra(struct cl_engine *engine, const char *dir, unsigned *sigs,
                               apr_pool_t *p, sg_result_t *res)
{
    apr_dir_t *d;
    apr_finfo_t fi;
    cl_error_t ret;

    if (apr_dir_open(&d, dir, p) != APR_SUCCESS) {
        return APR_SUCCESS;   /* no project directory: the signature loader says so */
    }
    while (apr_dir_read(&fi, APR_FINFO_NAME | APR_FINFO_TYPE, d) == APR_SUCCESS) {
        const char *path;
        if (fi.filetype == APR_DIR || !is_clamav_db(fi.name)) {
            continue;
        }
        path = apr_pstrcat(p, dir, "/", fi.name, NULL);
        if ((ret = cl_load(path, engine, sigs, CL_DB_STDOPT)) != CL_SUCCESS) {
            apr_dir_close(d);
            return sg_result_set(res, p, APR_EINVAL, "%s: libclamav cannot load it: %s",
                                 path, cl_strerror(ret));
        }
    }
    apr_dir_close(d);
    return APR_SUCCESS;
}

apr_status_t sg_clamav_open_engine(sg_av_t **av, apr_pool_t *p, const char *dbdir,
                                   int required, const char *extra_dir, sg_result_t *res)
{
    static int initialised;   /* cl_init once; sg_engine_load runs before threads */
    struct cl_engine *engine;
    engine_t *e;
    apr_finfo_t fi;
    unsigned sigs = 0;
    int image_hash = 0;
    cl_error_t ret;
    apr_status_t rv;

    if (!initialised) {
        if ((ret = cl_init(CL_INIT_DEFAULT)) != CL_SUCCESS) {
            return sg_result_set(res, p, APR_EGENERAL, "cl_init: %s", cl_strerror(ret));
        }
        cl_set_clcb_msg(clamav_msg);
        initialised = 1;
    }
    if (!(engine = cl_engine_new())) {
        return sg_result_set(res, p, APR_ENOMEM, "libclamav: cannot create an engine");
    }
    apr_pool_cleanup_register(p, engine, engine_free, apr_pool_cleanup_null);
    if (apr_stat(&fi, dbdir, APR_FINFO_TYPE, p) == APR_SUCCESS && !has_databases(dbdir, p)) {
        sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, p,
                      "%s: holds no ClamAV databases; only the project's are used", dbdir);
    }
    else if (apr_stat(&fi, dbdir, APR_FINFO_TYPE, p) == APR_SUCCESS) {
        if ((ret = cl_load(dbdir, engine, &sigs, CL_DB_STDOPT)) != CL_SUCCESS) {
            return sg_result_set(res, p, APR_EINVAL, "%s: libclamav cannot load it: %s",
                                 dbdir, cl_strerror(ret));
        }
        image_hash = dir_may_use_image_hash(dbdir, p);
    }
    else if (required) {
        return sg_result_set(res, p, APR_ENOENT, "%s: no such ClamAV database directory", dbdir);
    }
    else {
        sg_log_perror(SG_LOG_MARK, SG_LOG_INFO, APR_SUCCESS, p,
                      "%s: no ClamAV databases there; only the project's are used", dbdir);
    }
    if (extra_dir && (rv = load_extra(engine, extra_dir, &sigs, p, res)) != APR_SUCCESS) {
        return rv;
    }
    if (extra_dir && !image_hash) {
        image_hash = dir_may_use_image_hash(extra_dir, p);
    }
    if ((ret = cl_engine_compile(engine)) != CL_SUCCESS) {
        return sg_result_set(res, p, APR_EGENERAL, "libclamav: cannot compile the engine: %s",
                             cl_strerror(ret));
    }
    *av = apr_pcalloc(p, sizeof(**av));
    (*av)->name = "libclamav";
    (*av)->scan = engine_scan;
    (*av)->sigs = sigs;
    e = apr_pcalloc(p, sizeof(*e));
    e->engine = engine;
    e->image_hash = image_hash;
    (*av)->baton = e;
    return APR_SUCCESS;
}

/* ---------------------------------------------------------------- clamd */

typedef struct clamd_t {
    const char *addr;               /* as configured */
    int unix_socket;                /* 1: addr is a socket path */
    apr_sockaddr_t *sa;             /* TCP: resolved once */
    int fildes;                     /* pass descriptors */
    apr_interval_time_t timeout;    /* per request */
} clamd_t;

static apr_status_t clamd_connect(clamd_t *cd, apr_socket_t **sock, apr_pool_t *p,
                                  sg_result_t *res)
{
    apr_status_t rv;

    if (cd->unix_socket) {
        rv = apr_socket_create(sock, APR_UNIX, SOCK_STREAM, 0, p);
    }
    else {
        rv = apr_socket_create(sock, cd->sa->family, SOCK_STREAM, APR_PROTO_TCP, p);
    }
    if (rv == APR_SUCCESS) {
        apr_socket_timeout_set(*sock, cd->timeout);
        rv = apr_socket_connect(*sock, cd->sa);
    }
    if (rv != APR_SUCCESS) {
        char why[120];
        return sg_result_set(res, p, rv, "clamd %s: cannot connect: %s", cd->addr,
                             apr_strerror(rv, why, sizeof(why)));
    }
    return APR_SUCCESS;
}

/* The whole exchange with clamd (connect, send, reply) ends by DEADLINE: each
 * socket call may wait only for what is left, so a clamd that stops reading
 * half-way costs the configured timeout once, not once per call. */
static apr_status_t time_left(apr_socket_t *s, apr_time_t deadline)
{
    apr_time_t now = apr_time_now();

    if (now >= deadline) {
        return APR_TIMEUP;
    }
    apr_socket_timeout_set(s, deadline - now);
    return APR_SUCCESS;
}

static apr_status_t send_all(apr_socket_t *s, const char *buf, apr_size_t len,
                             apr_time_t deadline)
{
    apr_status_t rv = APR_SUCCESS;

    while (len > 0 && rv == APR_SUCCESS) {
        apr_size_t n = len;
        if ((rv = time_left(s, deadline)) != APR_SUCCESS) {
            break;
        }
        rv = apr_socket_send(s, buf, &n);
        buf += n;
        len -= n;
    }
    return rv;
}

/* Reads clamd's NUL-terminated reply (at most SG_CLAMD_MAX_REPLY bytes). */
static apr_status_t read_reply(clamd_t *cd, apr_socket_t *s, char **reply, apr_pool_t *p,
                               sg_result_t *res, apr_time_t deadline)
{
    char *buf = apr_palloc(p, SG_CLAMD_MAX_REPLY + 1);
    apr_size_t have = 0;
    apr_status_t rv = APR_SUCCESS;

    while (have < SG_CLAMD_MAX_REPLY && !memchr(buf, '\0', have)) {
        apr_size_t n = SG_CLAMD_MAX_REPLY - have;
        if ((rv = time_left(s, deadline)) != APR_SUCCESS) {
            break;
        }
        rv = apr_socket_recv(s, buf + have, &n);
        have += n;
        if (rv != APR_SUCCESS) {
            break;
        }
    }
    if (have == 0 || (rv != APR_SUCCESS && rv != APR_EOF)) {
        char why[120];
        return sg_result_set(res, p, rv == APR_SUCCESS ? APR_EOF : rv,
                             "clamd %s: no reply: %s", cd->addr,
                             rv == APR_SUCCESS || rv == APR_EOF
                                 ? "connection closed" : apr_strerror(rv, why, sizeof(why)));
    }
    if (!memchr(buf, '\0', have) && have >= SG_CLAMD_MAX_REPLY) {
        return sg_result_set(res, p, APR_EINVAL, "clamd %s: reply longer than %d bytes",
                             cd->addr, SG_CLAMD_MAX_REPLY);
    }
    buf[have] = '\0';
    while (have > 0 && (buf[have - 1] == '\n' || buf[have - 1] == '\0')) buf[--have] = '\0';
    *reply = buf;
    return APR_SUCCESS;
}

/* "stream: Eicar-Test-Signature FOUND" -> the name; "...: OK" -> NULL. */
static apr_status_t parse_verdict(clamd_t *cd, char *reply, const char **virname,
                                  apr_pool_t *p, sg_result_t *res)
{
    char *colon = strstr(reply, ": ");
    apr_size_t len = strlen(reply);

    *virname = NULL;
    if (colon && !strcmp(colon, ": OK")) {
        return APR_SUCCESS;
    }
    if (colon && len > 6 && !strcmp(reply + len - 6, " FOUND")) {
        reply[len - 6] = '\0';
        *virname = colon + 2;
        return APR_SUCCESS;
    }
    return sg_result_set(res, p, APR_EGENERAL, "clamd %s: %s", cd->addr, reply);
}

static apr_status_t send_fd(apr_socket_t *s, int fd)
{
    apr_os_sock_t os;
    struct msghdr msg;
    struct iovec iov;
    char dummy = 0;
    union { struct cmsghdr h; char buf[CMSG_SPACE(sizeof(int))]; } ctl;
    struct cmsghdr *cmsg;

    apr_os_sock_get(&os, s);
    memset(&msg, 0, sizeof(msg));
    memset(&ctl, 0, sizeof(ctl));
    iov.iov_base = &dummy;
    iov.iov_len = 1;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = ctl.buf;
    msg.msg_controllen = sizeof(ctl.buf);
    cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    return sendmsg(os, &msg, MSG_NOSIGNAL) == 1 ? APR_SUCCESS : APR_FROM_OS_ERROR(errno);
}

static apr_status_t instream(apr_socket_t *s, const char *buf, apr_size_t len,
                             apr_time_t deadline)
{
    apr_status_t rv = send_all(s, "zINSTREAM", 10, deadline);
    unsigned char hdr[4];
    apr_size_t off = 0;

    while (rv == APR_SUCCESS && off < len) {
        apr_size_t n = len - off > SG_CLAMD_CHUNK ? SG_CLAMD_CHUNK : len - off;
        hdr[0] = (unsigned char)(n >> 24); hdr[1] = (unsigned char)(n >> 16);
        hdr[2] = (unsigned char)(n >> 8); hdr[3] = (unsigned char)n;
        if ((rv = send_all(s, (const char *)hdr, 4, deadline)) == APR_SUCCESS) {
            rv = send_all(s, buf + off, n, deadline);
        }
        off += n;
    }
    memset(hdr, 0, sizeof(hdr));
    return rv == APR_SUCCESS ? send_all(s, (const char *)hdr, 4, deadline) : rv;
}

static apr_status_t clamd_scan(sg_av_t *av, const char *name, const char *buf, apr_size_t len,
                               int fd, apr_pool_t *p, const char **virname, sg_result_t *res)
{
    clamd_t *cd = av->baton;
    apr_socket_t *s;
    char *reply;
    apr_status_t rv;
    apr_time_t deadline = apr_time_now() + cd->timeout;

    *virname = NULL;
    if ((rv = clamd_connect(cd, &s, p, res)) != APR_SUCCESS) {
        return rv;
    }
    if (cd->fildes && fd >= 0) {
        rv = send_all(s, "zFILDES", 8, deadline);
        if (rv == APR_SUCCESS) rv = send_fd(s, fd);
    }
    else {
        rv = instream(s, buf, len, deadline);
    }
    if (rv != APR_SUCCESS) {
        /* clamd closes early when StreamMaxLength is hit: its reply says so. */
        if (read_reply(cd, s, &reply, p, res, deadline) == APR_SUCCESS) {
            rv = parse_verdict(cd, reply, virname, p, res);
        }
        else {
            char why[120];
            rv = sg_result_set(res, p, rv, "clamd %s: cannot send: %s", cd->addr,
                               apr_strerror(rv, why, sizeof(why)));
        }
    }
    else if ((rv = read_reply(cd, s, &reply, p, res, deadline)) == APR_SUCCESS) {
        rv = parse_verdict(cd, reply, virname, p, res);
    }
    apr_socket_close(s);
    return rv;
}

apr_status_t sg_clamav_open_clamd(sg_av_t **av, apr_pool_t *p, const char *addr, int fildes,
                                  apr_interval_time_t timeout, int ping, sg_result_t *res)
{
    clamd_t *cd = apr_pcalloc(p, sizeof(*cd));
    apr_socket_t *s;
    char *reply;
    apr_time_t deadline;
    apr_status_t rv;

    cd->addr = apr_pstrdup(p, addr);
    cd->unix_socket = addr[0] == '/';
    cd->fildes = fildes;
    cd->timeout = timeout > 0 ? timeout : SG_CLAMD_DEFAULT_TIMEOUT;
    if (fildes && !cd->unix_socket) {
        return sg_result_set(res, p, APR_EINVAL,
                             "clamd %s: FILDES needs a unix socket (descriptors do not cross TCP)",
                             addr);
    }
    if (cd->unix_socket
        && (rv = apr_sockaddr_info_get(&cd->sa, addr, APR_UNIX, 0, 0, p)) != APR_SUCCESS) {
        return sg_result_set(res, p, rv, "clamd %s: not a usable socket path", addr);
    }
    if (!cd->unix_socket) {
        char *host, *scope;
        apr_port_t port;
        rv = apr_parse_addr_port(&host, &scope, &port, addr, p);
        if (rv != APR_SUCCESS || !host || !port) {
            return sg_result_set(res, p, APR_EINVAL, "clamd %s: expected HOST:PORT", addr);
        }
        if ((rv = apr_sockaddr_info_get(&cd->sa, host, APR_UNSPEC, port, 0, p)) != APR_SUCCESS) {
            return sg_result_set(res, p, rv, "clamd %s: cannot resolve %s", addr, host);
        }
    }
    if (!ping) {
        goto made;
    }
    deadline = apr_time_now() + cd->timeout;
    if ((rv = clamd_connect(cd, &s, p, res)) != APR_SUCCESS) {
        return rv;
    }
    rv = send_all(s, "zPING", 6, deadline);
    if (rv == APR_SUCCESS && (rv = read_reply(cd, s, &reply, p, res, deadline)) == APR_SUCCESS
        && strcmp(reply, "PONG")) {
        rv = sg_result_set(res, p, APR_EGENERAL, "clamd %s: PING answered '%s'", addr, reply);
    }
    apr_socket_close(s);
    if (rv != APR_SUCCESS) {
        return rv;
    }
made:
    *av = apr_pcalloc(p, sizeof(**av));
    (*av)->name = "clamd";
    (*av)->scan = clamd_scan;
    (*av)->baton = cd;
    return APR_SUCCESS;
}
