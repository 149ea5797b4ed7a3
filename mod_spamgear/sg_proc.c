/* sg_proc.c: /proc text parsing and the rules of `spamgear ps`. */
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <apr_fnmatch.h>
#include <apr_lib.h>
#include <apr_strings.h>
#include "sg_proc.h"

/* ------------------------------------------------------------ /proc text */

apr_status_t sg_proc_parse_stat(const char *text, apr_size_t len, sg_proc_stat_t *st)
{
    const char *open = memchr(text, '(', len), *close = NULL, *c;
    char field[24], *end;
    apr_size_t n;

    for (c = text + len; c > text && !close; c--) {
        if (c[-1] == ')') {
            close = c - 1;
        }
    }
    /* ") S PPID ": state and ppid follow the name, one blank apart. */
    if (!open || !close || close < open || (apr_size_t)(close - text) + 5 > len
        || close[1] != ' ' || close[3] != ' ') {
        return APR_EINVAL;
    }
    n = (apr_size_t)(close - open - 1);
    n = n < sizeof(st->comm) ? n : sizeof(st->comm) - 1;
    memcpy(st->comm, open + 1, n);
    st->comm[n] = '\0';
    st->state = close[2];
    /* TEXT is not NUL-terminated: copy the ppid field out for strtol. */
    for (c = close + 4, n = 0; c < text + len && *c != ' ' && n < sizeof(field) - 1; c++) {
        field[n++] = *c;
    }
    field[n] = '\0';
    st->ppid = strtol(field, &end, 10);
    return (n && !*end) ? APR_SUCCESS : APR_EINVAL;
}

static int parse_uid(const char *s, char **end, apr_uint32_t *uid)
{
    apr_int64_t v;

    if (!apr_isdigit(*s)) {
        return 0;
    }
    v = apr_strtoi64(s, end, 10);
    if (v < 0 || v > (apr_int64_t)SG_PROC_MAX_UID + 1) {
        return 0;
    }
    *uid = (apr_uint32_t)v;
    return 1;
}

apr_status_t sg_proc_parse_status(const char *text, apr_size_t len, apr_uint32_t *ruid,
                                  apr_uint32_t *euid)
{
    const char *line = text, *stop = text + len;
    char buf[128];
    char *p, *end;

    while (line < stop) {
        const char *nl = memchr(line, '\n', (apr_size_t)(stop - line));
        apr_size_t n = (apr_size_t)((nl ? nl : stop) - line);
        if (n > 4 && n < sizeof(buf) && !memcmp(line, "Uid:", 4)) {
            memcpy(buf, line + 4, n - 4);
            buf[n - 4] = '\0';
            p = buf + strspn(buf, " \t");
            if (!parse_uid(p, &end, ruid)) {
                return APR_EINVAL;
            }
            p = end + strspn(end, " \t");
            return parse_uid(p, &end, euid) ? APR_SUCCESS : APR_EINVAL;
        }
        line += n + 1;
    }
    return APR_EINVAL;
}

const char *sg_proc_printable(apr_pool_t *p, const char *buf, apr_size_t len, int flags,
                              int truncated)
{
    char *out = apr_palloc(p, len * 4 + 4), *o = out;
    apr_size_t i;

    if (flags & SG_PROC_ARGV) {
        while (len > 0 && buf[len - 1] == '\0') {
            len--;
        }
    }
    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)buf[i];
        if (c == '\0' && (flags & SG_PROC_ARGV)) {
            *o++ = ' ';
        }
        else if (c == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        }
        else if (c < 0x20 || c >= 0x7f || (c == ' ' && (flags & SG_PROC_WORD))) {
            apr_snprintf(o, 5, "\\x%02x", c);
            o += 4;
        }
        else {
            *o++ = (char)c;
        }
    }
    if (truncated) {
        memcpy(o, "...", 3);
        o += 3;
    }
    *o = '\0';
    return out;
}

const char *sg_proc_exe_path(apr_pool_t *p, const char *target, int *deleted)
{
    static const char suffix[] = " (deleted)";
    apr_size_t len = strlen(target), slen = sizeof(suffix) - 1;

    *deleted = len > slen && !strcmp(target + len - slen, suffix);
    return *deleted ? apr_pstrndup(p, target, len - slen) : apr_pstrdup(p, target);
}

int sg_proc_socket_inode(const char *target, apr_uint64_t *inode)
{
    char *end;
    apr_int64_t v;

    if (strncmp(target, "socket:[", 8) || !apr_isdigit(target[8])) {
        return 0;
    }
    v = apr_strtoi64(target + 8, &end, 10);
    if (v <= 0 || strcmp(end, "]")) {
        return 0;
    }
    *inode = (apr_uint64_t)v;
    return 1;
}

/* Parses N hex digits at S into a 32-bit word; 0 when one is not a hex digit. */
static int hex_word(const char *s, int n, apr_uint32_t *w)
{
    int i;

    *w = 0;
    for (i = 0; i < n; i++) {
        int d = apr_isdigit(s[i]) ? s[i] - '0'
                : (s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 10
                : (s[i] >= 'a' && s[i] <= 'f') ? s[i] - 'a' + 10 : -1;
        if (d < 0) {
            return 0;
        }
        *w = (*w << 4) | (apr_uint32_t)d;
    }
    return 1;
}

/* Formats the "ADDR:PORT" field at S (LEN bytes) into OUT (64 bytes). */
static int format_local(const char *s, apr_size_t len, char *out)
{
    unsigned char bytes[16];
    char text[INET6_ADDRSTRLEN];
    apr_uint32_t w, port;
    int words = len == 13 ? 1 : len == 37 ? 4 : 0, i;

    if (!words || s[words * 8] != ':' || !hex_word(s + words * 8 + 1, 4, &port)) {
        return 0;
    }
    for (i = 0; i < words; i++) {
        if (!hex_word(s + i * 8, 8, &w)) {
            return 0;
        }
        memcpy(bytes + i * 4, &w, 4);   /* the kernel printed native-endian words */
    }
    if (!inet_ntop(words == 1 ? AF_INET : AF_INET6, bytes, text, sizeof(text))) {
        return 0;
    }
    apr_snprintf(out, 64, words == 1 ? "%s:%u" : "[%s]:%u", text, (unsigned)port);
    return 1;
}

apr_status_t sg_proc_parse_tcp_line(const char *line, sg_proc_tcp_t *tcp)
{
    const char *f[10];
    apr_size_t flen[10];
    const char *c = line;
    apr_uint32_t state;
    apr_int64_t inode;
    char num[24], *end;
    int n;

    /* sl local rem st tx:rx tr:when retrnsmt uid timeout inode */
    for (n = 0; n < 10; n++) {
        c += strspn(c, " \t");
        if (!*c || *c == '\n') {
            return APR_EINVAL;
        }
        f[n] = c;
        flen[n] = strcspn(c, " \t\n");
        c += flen[n];
    }
    if (flen[0] < 2 || f[0][flen[0] - 1] != ':' || flen[3] != 2
        || !format_local(f[1], flen[1], tcp->local) || !hex_word(f[3], 2, &state)
        || flen[9] >= sizeof(num)) {
        return APR_EINVAL;
    }
    memcpy(num, f[9], flen[9]);
    num[flen[9]] = '\0';
    inode = apr_strtoi64(num, &end, 10);
    if (!apr_isdigit(num[0]) || *end || inode < 0) {
        return APR_EINVAL;
    }
    tcp->state = (int)state;
    tcp->inode = (apr_uint64_t)inode;
    return APR_SUCCESS;
}

/* ------------------------------------------------------------ settings */

/* Splits TEXT at SEPS into a new array of words (from P); "none" is empty. */
static apr_status_t split_words(const char *text, const char *seps, apr_array_header_t **out,
                                apr_pool_t *p, const char **problem)
{
    char *copy = apr_pstrdup(p, text), *last, *w;

    *out = apr_array_make(p, 4, sizeof(const char *));
    for (w = apr_strtok(copy, seps, &last); w; w = apr_strtok(NULL, seps, &last)) {
        if ((*out)->nelts == SG_PROC_MAX_WORDS) {
            *problem = apr_psprintf(p, "more than %d items", SG_PROC_MAX_WORDS);
            return APR_EINVAL;
        }
        if (strlen(w) > SG_PROC_MAX_WORD) {
            *problem = apr_psprintf(p, "item longer than %d bytes", SG_PROC_MAX_WORD);
            return APR_EINVAL;
        }
        APR_ARRAY_PUSH(*out, const char *) = w;
    }
    if ((*out)->nelts == 0) {
        *problem = "empty list (write 'none' for no item)";
        return APR_EINVAL;
    }
    if ((*out)->nelts == 1 && !strcmp(APR_ARRAY_IDX(*out, 0, const char *), "none")) {
        apr_array_clear(*out);
    }
    return APR_SUCCESS;
}

static int parse_range(const char *w, sg_proc_uid_range_t *r)
{
    char *end;

    if (!parse_uid(w, &end, &r->lo)) {
        return 0;
    }
    r->hi = r->lo;
    if (*end == '-' && !parse_uid(end + 1, &end, &r->hi)) {
        return 0;
    }
    return !*end && r->lo <= r->hi && r->hi <= SG_PROC_MAX_UID;
}

apr_status_t sg_proc_parse_uids(const char *text, apr_array_header_t **ranges, apr_pool_t *p,
                                const char **problem)
{
    apr_array_header_t *words;
    int i;

    if (split_words(text, ", \t", &words, p, problem) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    if (words->nelts > SG_PROC_MAX_UID_RANGES) {
        *problem = apr_psprintf(p, "more than %d uid ranges", SG_PROC_MAX_UID_RANGES);
        return APR_EINVAL;
    }
    *ranges = apr_array_make(p, words->nelts + 1, sizeof(sg_proc_uid_range_t));
    for (i = 0; i < words->nelts; i++) {
        const char *w = APR_ARRAY_IDX(words, i, const char *);
        if (!parse_range(w, apr_array_push(*ranges))) {
            *problem = apr_psprintf(p, "'%s' is not a uid or FIRST-LAST uid range "
                                    "(0 to %lu)", w, SG_PROC_MAX_UID);
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

int sg_proc_uid_in(const apr_array_header_t *ranges, apr_uint32_t uid)
{
    int i;

    for (i = 0; i < ranges->nelts; i++) {
        const sg_proc_uid_range_t *r = &APR_ARRAY_IDX(ranges, i, sg_proc_uid_range_t);
        if (uid >= r->lo && uid <= r->hi) {
            return 1;
        }
    }
    return 0;
}

apr_status_t sg_proc_parse_names(const char *text, apr_array_header_t **names, apr_pool_t *p,
                                 const char **problem)
{
    int i;

    if (split_words(text, ", \t", names, p, problem) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    for (i = 0; i < (*names)->nelts; i++) {
        const char *w = APR_ARRAY_IDX(*names, i, const char *);
        /* POSIX portable user names, plus Samba's trailing '$'. */
        if (strlen(w) > 32 || *w == '-'
            || strspn(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-$")
                   != strlen(w)) {
            *problem = apr_psprintf(p, "'%s' is not a user name", w);
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

apr_status_t sg_proc_parse_globs(const char *text, apr_array_header_t **globs, apr_pool_t *p,
                                 const char **problem)
{
    int i;

    if (split_words(text, " \t", globs, p, problem) != APR_SUCCESS) {
        return APR_EINVAL;
    }
    for (i = 0; i < (*globs)->nelts; i++) {
        const char *w = APR_ARRAY_IDX(*globs, i, const char *);
        if (w[0] != '/') {
            *problem = apr_psprintf(p, "'%s' is not an absolute path pattern", w);
            return APR_EINVAL;
        }
    }
    return APR_SUCCESS;
}

int sg_proc_exe_allowed(const apr_array_header_t *globs, const char *exe)
{
    int i;

    for (i = 0; i < globs->nelts; i++) {
        if (apr_fnmatch(APR_ARRAY_IDX(globs, i, const char *), exe, APR_FNM_PATHNAME)
            == APR_SUCCESS) {
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ judging */

/* 1 when NAME is PREFIX, or PREFIX followed by a version ("python3.11",
 * "perl5.36.0", "ksh93") or a suffix after '.' or '-' ("nc.openbsd"). */
static int name_is(const char *name, const char *prefix)
{
    apr_size_t n = strlen(prefix);

    return !strncmp(name, prefix, n)
           && (!name[n] || apr_isdigit(name[n]) || name[n] == '.' || name[n] == '-');
}

sg_proc_kind_t sg_proc_exe_kind(const char *exe)
{
    static const char *const interpreters[] = { "perl", "python", "ruby", NULL };
    static const char *const nettools[] = { "nc", "ncat", "netcat", "socat", NULL };
    static const char *const shells[] = { "sh", "bash", "dash", "zsh", "ksh", "mksh", "ash",
                                          "csh", "tcsh", "busybox", NULL };
    static const char *const miners[] = { "xmrig", "xmr-stak", "minerd", "cpuminer",
                                          "ccminer", NULL };
    const char *base = strrchr(exe, '/');
    int i;

    base = base ? base + 1 : exe;
    for (i = 0; interpreters[i]; i++) {
        if (name_is(base, interpreters[i])) {
            return SG_PROC_EXE_INTERPRETER;
        }
    }
    for (i = 0; nettools[i]; i++) {
        if (name_is(base, nettools[i])) {
            return SG_PROC_EXE_NETTOOL;
        }
    }
    for (i = 0; shells[i]; i++) {
        if (name_is(base, shells[i])) {
            return SG_PROC_EXE_SHELL;
        }
    }
    for (i = 0; miners[i]; i++) {
        if (!strncmp(base, miners[i], strlen(miners[i]))) {
            return SG_PROC_EXE_MINER;
        }
    }
    return SG_PROC_EXE_OTHER;
}

/* 1 when PATH lies below directory DIR (no trailing '/'). */
static int below(const char *path, const char *dir)
{
    apr_size_t n = strlen(dir);

    return n > 1 && !strncmp(path, dir, n) && path[n] == '/';
}

static unsigned judge_place(const sg_proc_facts_t *f)
{
    unsigned r = 0;

    if (below(f->exe, "/tmp") || below(f->exe, "/var/tmp") || below(f->exe, "/dev/shm")) {
        r |= SG_PROC_EXE_IN_TMP;
    }
    if (below(f->exe, "/home") || (f->home && below(f->exe, f->home))) {
        r |= SG_PROC_EXE_IN_HOME;
    }
    return r;
}

unsigned sg_proc_judge(const sg_proc_facts_t *f)
{
    unsigned r = 0;

    if (f->exe) {
        switch (sg_proc_exe_kind(f->exe)) {
        case SG_PROC_EXE_INTERPRETER:
            r |= SG_PROC_INTERPRETER;
            break;
        case SG_PROC_EXE_NETTOOL:
            r |= SG_PROC_NETTOOL;
            break;
        case SG_PROC_EXE_MINER:
            r |= SG_PROC_MINER;
            break;
        case SG_PROC_EXE_SHELL:
            /* A journald or pipe stdout is ordinary; a socket on stdin, or a
             * TCP one on stdout, is a shell driven over the network. */
            if (f->stdin_socket || f->stdout_tcp) {
                r |= SG_PROC_REVERSE_SHELL;
            }
            else if (f->tcp_sockets > 0) {
                r |= SG_PROC_SHELL_SOCKET;
            }
            break;
        case SG_PROC_EXE_OTHER:
            break;
        }
        r |= judge_place(f);
    }
    if (f->exe_deleted) {
        r |= SG_PROC_DELETED_EXE;
    }
    if (f->cmdline && (strstr(f->cmdline, "stratum+tcp://") || strstr(f->cmdline, "stratum+ssl://")
                       || strstr(f->cmdline, "stratum2+tcp://"))) {
        r |= SG_PROC_MINER;
    }
    if (f->listening > 0) {
        r |= SG_PROC_LISTEN;
    }
    return r;
}

const char *sg_proc_reason_name(int i)
{
    static const char *const names[SG_PROC_NREASONS] = {
        "interpreter", "net-tool", "miner", "shell-socket", "reverse-shell", "deleted-exe",
        "exe-in-tmp", "exe-in-home", "listen"
    };

    return i >= 0 && i < SG_PROC_NREASONS ? names[i] : "?";
}
