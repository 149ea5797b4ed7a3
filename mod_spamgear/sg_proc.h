#ifndef SG_PROC_H
#define SG_PROC_H
/*
 * Processes, as /proc shows them, and what `spamgear ps` finds suspicious about
 * a process of a web/hosting user.
 *
 * Pure functions over text the kernel gives: /proc/PID/stat, /proc/PID/status,
 * /proc/PID/cmdline, the targets of the /proc/PID/exe and /proc/PID/fd/N links
 * and /proc/net/tcp{,6} lines.  Nothing here opens a file: the tool walks
 * /proc (cli/cmd_ps.c) and hands the text over, so unit tests feed strings.
 */
#include <apr_pools.h>
#include <apr_tables.h>

#define SG_PROC_MAX_CMDLINE 4096     /* bytes of /proc/PID/cmdline looked at */
#define SG_PROC_MAX_UID_RANGES 64    /* ranges in one uid list */
#define SG_PROC_MAX_WORDS 64         /* user names or exe patterns in one list */
#define SG_PROC_MAX_WORD 256         /* bytes of one user name or exe pattern */
#define SG_PROC_MAX_UID 4294967294UL /* (uid_t)-1 is "no uid" */

/* ------------------------------------------------------------ /proc text */

/* What the /proc/PID/stat line says (the fields spamgear uses). */
typedef struct sg_proc_stat_t {
    char comm[32];          /* command name, raw bytes (kernel: at most 15) */
    char state;             /* R, S, D, Z, T, ... */
    long ppid;              /* parent's pid */
} sg_proc_stat_t;

/* Parses TEXT[0..LEN) of /proc/PID/stat.  The name sits in parentheses and may
 * itself hold ')' and blanks: the last ')' ends it.  APR_EINVAL when malformed. */
apr_status_t sg_proc_parse_stat(const char *text, apr_size_t len, sg_proc_stat_t *st);

/* Reads the real and effective uid from the "Uid:" line of /proc/PID/status
 * TEXT[0..LEN); APR_EINVAL when there is none. */
apr_status_t sg_proc_parse_status(const char *text, apr_size_t len, apr_uint32_t *ruid,
                                  apr_uint32_t *euid);

#define SG_PROC_ARGV 1       /* sg_proc_printable: NULs separate arguments */
#define SG_PROC_WORD 2       /* sg_proc_printable: escape blanks too (one column) */

/* Makes BUF[0..LEN) printable on one line, from P: backslash, control bytes,
 * DEL and bytes >= 0x80 become \xHH ("\\" for the backslash), so neither a
 * terminal, a log parser nor a JSON encoder can be fooled; with SG_PROC_ARGV
 * trailing NULs are dropped and the others become blanks; with SG_PROC_WORD
 * blanks become \x20.  TRUNCATED appends "..." (the input was cut). */
const char *sg_proc_printable(apr_pool_t *p, const char *buf, apr_size_t len, int flags,
                              int truncated);

/* The path in an exe link TARGET, without the " (deleted)" the kernel adds
 * when the file was removed (then *DELETED is 1, else 0).  From P. */
const char *sg_proc_exe_path(apr_pool_t *p, const char *target, int *deleted);

/* 1 and *INODE when the fd link TARGET is "socket:[INODE]", else 0. */
int sg_proc_socket_inode(const char *target, apr_uint64_t *inode);

#define SG_PROC_TCP_LISTEN 10   /* kernel TCP state number of LISTEN (0A) */

/* One entry of /proc/net/tcp or /proc/net/tcp6. */
typedef struct sg_proc_tcp_t {
    char local[64];         /* local address: "127.0.0.1:8080", "[::1]:8080" */
    int state;              /* kernel TCP state number */
    apr_uint64_t inode;     /* socket inode (0 for sockets without a file) */
} sg_proc_tcp_t;

/* Parses one LINE of /proc/net/tcp or tcp6 (the address length tells which).
 * The kernel prints addresses as native-endian 32-bit words.  APR_EINVAL for
 * the header line and anything malformed. */
apr_status_t sg_proc_parse_tcp_line(const char *line, sg_proc_tcp_t *tcp);

/* ------------------------------------------------------------ settings */

/* A range of uids, both ends included. */
typedef struct sg_proc_uid_range_t {
    apr_uint32_t lo;        /* first uid */
    apr_uint32_t hi;        /* last uid (>= lo) */
} sg_proc_uid_range_t;

/* Parses a uid list ("1000-60000", "33,1000-1999 5000", or "none") into
 * *RANGES (array of sg_proc_uid_range_t, from P).  Items are separated by
 * commas or blanks.  On a bad list returns APR_EINVAL and sets *PROBLEM. */
apr_status_t sg_proc_parse_uids(const char *text, apr_array_header_t **ranges, apr_pool_t *p,
                                const char **problem);

/* 1 when UID lies in one of RANGES. */
int sg_proc_uid_in(const apr_array_header_t *ranges, apr_uint32_t uid);

/* Splits a user name list ("www-data, web1" or "none") into *NAMES (array of
 * const char *, from P).  APR_EINVAL and *PROBLEM for a bad name or too many. */
apr_status_t sg_proc_parse_names(const char *text, apr_array_header_t **names, apr_pool_t *p,
                                 const char **problem);

/* Splits an exe allow-list ("/usr/sbin/apache2 /usr/sbin/php-fpm*", blank
 * separated fnmatch patterns of absolute paths, or "none") into *GLOBS (array
 * of const char *, from P).  APR_EINVAL and *PROBLEM when bad. */
apr_status_t sg_proc_parse_globs(const char *text, apr_array_header_t **globs, apr_pool_t *p,
                                 const char **problem);

/* 1 when EXE (a path, " (deleted)" already taken off) matches one of GLOBS;
 * '*' and '?' do not cross a '/'. */
int sg_proc_exe_allowed(const apr_array_header_t *globs, const char *exe);

/* ------------------------------------------------------------ judging */

/* What a program is, from the base name of its exe path. */
typedef enum {
    SG_PROC_EXE_OTHER = 0,  /* nothing known */
    SG_PROC_EXE_INTERPRETER,/* perl*, python*, ruby* */
    SG_PROC_EXE_NETTOOL,    /* nc, ncat, netcat, nc.openbsd, nc.traditional, socat */
    SG_PROC_EXE_SHELL,      /* sh, bash, dash, zsh, ksh*, mksh, ash, csh, tcsh, busybox */
    SG_PROC_EXE_MINER       /* xmrig*, xmr-stak*, minerd, cpuminer*, ccminer* */
} sg_proc_kind_t;

sg_proc_kind_t sg_proc_exe_kind(const char *exe);

/* What the tool learnt about one process of a selected user. */
typedef struct sg_proc_facts_t {
    const char *exe;        /* exe path without " (deleted)"; NULL when unreadable */
    int exe_deleted;        /* the exe link ended in " (deleted)" */
    const char *home;       /* the owner's home directory; NULL when none */
    const char *cmdline;    /* printable command line (sg_proc_printable) */
    int stdin_socket;       /* fd 0 is a socket, of any family */
    int stdout_tcp;         /* fd 1 is a TCP socket */
    int tcp_sockets;        /* TCP sockets among its open files */
    int listening;          /* of them in LISTEN state */
} sg_proc_facts_t;

/* Reasons to report a process, as bits of sg_proc_judge()'s result. */
#define SG_PROC_INTERPRETER   0x001  /* "interpreter": perl, python, ruby */
#define SG_PROC_NETTOOL       0x002  /* "net-tool": netcat, socat */
#define SG_PROC_MINER         0x004  /* "miner": miner exe or a stratum pool URL */
#define SG_PROC_SHELL_SOCKET  0x008  /* "shell-socket": a shell holding a TCP socket */
#define SG_PROC_REVERSE_SHELL 0x010  /* "reverse-shell": a shell reading a socket */
#define SG_PROC_DELETED_EXE   0x020  /* "deleted-exe": its program file is gone */
#define SG_PROC_EXE_IN_TMP    0x040  /* "exe-in-tmp": /tmp, /var/tmp, /dev/shm */
#define SG_PROC_EXE_IN_HOME   0x080  /* "exe-in-home": /home or the owner's home */
#define SG_PROC_LISTEN        0x100  /* "listen": a listening TCP socket */
#define SG_PROC_NREASONS 9

/* The reasons FACTS give (0: nothing suspicious).  The allow-list is the
 * caller's business: an allowed exe is never judged. */
unsigned sg_proc_judge(const sg_proc_facts_t *facts);

/* The name of reason number I (0 .. SG_PROC_NREASONS-1, bit 1 << I). */
const char *sg_proc_reason_name(int i);

#endif /* SG_PROC_H */
