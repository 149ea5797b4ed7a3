#ifndef SG_CLAMAV_H
#define SG_CLAMAV_H
/*
 * ClamAV backends behind one small interface (STYLE.md section 2): libclamav
 * in-process, or a clamd daemon over its unix or TCP socket.  A backend is
 * opened once (not thread-safe), then scan() may run in many threads.
 */
#include <apr_pools.h>
#include <apr_time.h>
#include "sg_result.h"

#define SG_CLAMD_MAX_REPLY 4096          /* bytes of one clamd answer */
#define SG_CLAMD_CHUNK (64 * 1024)       /* INSTREAM chunk size */
#define SG_CLAMD_DEFAULT_TIMEOUT apr_time_from_sec(60)

typedef struct sg_av_t sg_av_t;

struct sg_av_t {
    const char *name;       /* "libclamav", "clamd" (for messages) */
    /* Scans BUF[0..LEN) (FD: the open file or -1); sets *VIRNAME (NULL when
     * clean).  P is scratch.  Errors set RES. */
    apr_status_t (*scan)(sg_av_t *av, const char *name, const char *buf, apr_size_t len,
                         int fd, apr_pool_t *p, const char **virname, sg_result_t *res);
    unsigned sigs;          /* signatures loaded (libclamav) */
    void *baton;            /* backend data */
};

/* libclamav: cl_init (once per process), a new engine with the databases of
 * DBDIR (a missing DBDIR is an error only when REQUIRED) and the
 * ClamAV-format files (.ndb .hdb .hsb .ldb .yar .cvd .cld ...) of EXTRA_DIR
 * (may be NULL), compiled.  The engine is freed by a cleanup on P. */
/* Non-zero when DBDIR holds at least one ClamAV database file (freshclam
 * has run); 0 also when DBDIR cannot be read. */
int sg_clamav_has_databases(const char *dbdir, apr_pool_t *p);

apr_status_t sg_clamav_open_engine(sg_av_t **av, apr_pool_t *p, const char *dbdir,
                                   int required, const char *extra_dir, sg_result_t *res);

/* clamd at ADDR: a unix socket path ("/run/clamav/clamd.ctl") or HOST:PORT.
 * FILDES (unix sockets only) passes the open file instead of its bytes.
 * PING 1: pings the daemon once (a daemon that is down is an error now);
 * 0: a daemon that is down shows as scan errors later (servers that must
 * start while clamd is down). */
apr_status_t sg_clamav_open_clamd(sg_av_t **av, apr_pool_t *p, const char *addr, int fildes,
                                  apr_interval_time_t timeout, int ping, sg_result_t *res);

/* libclamav's version string. */
const char *sg_clamav_version(void);

#endif /* SG_CLAMAV_H */
