/* fuzz_proc.c: the /proc text readers of `spamgear ps` (a process names
 * itself: comm and cmdline are the user's text) and its setting lists.
 * The first byte picks the reader, the rest is its input. */
#include <stdlib.h>
#include <string.h>
#include "fuzz.h"
#include "sg_proc.h"

/* Aborts unless S is what sg_proc_printable promises: no control byte, no
 * DEL or byte >= 0x80, with SG_PROC_WORD alone no blank (with SG_PROC_ARGV
 * too, a NUL still becomes one); at most MAX bytes. */
static void check_printable(const char *s, apr_size_t max, int flags)
{
    const unsigned char *c;

    if (strlen(s) > max) abort();
    for (c = (const unsigned char *)s; *c; c++) {
        if (*c < 0x20 || *c >= 0x7f || (*c == ' ' && flags == SG_PROC_WORD)) abort();
    }
}

static void proc_text(int which, const char *buf, apr_size_t len, apr_pool_t *p)
{
    sg_proc_stat_t st;
    apr_uint32_t ruid, euid;
    int flags = len ? (unsigned char)buf[0] & 3 : 0;

    switch (which) {
    case 0:
        /* comm is cut to fit (the state byte is the kernel's, any byte) */
        if (sg_proc_parse_stat(buf, len, &st) == APR_SUCCESS
            && strnlen(st.comm, sizeof(st.comm)) >= sizeof(st.comm)) {
            abort();
        }
        break;
    case 1:
        (void)sg_proc_parse_status(buf, len, &ruid, &euid);
        break;
    default:
        check_printable(sg_proc_printable(p, buf, len, flags, which == 3), len * 4 + 3, flags);
        break;
    }
}

static void settings(int which, const char *text, apr_pool_t *p)
{
    apr_array_header_t *list = NULL;
    const char *problem = NULL;
    sg_proc_facts_t facts;
    sg_proc_tcp_t tcp;
    apr_uint64_t inode;
    int deleted, i;

    switch (which) {
    case 4:
        if (sg_proc_parse_tcp_line(text, &tcp) == APR_SUCCESS
            && strnlen(tcp.local, sizeof(tcp.local)) >= sizeof(tcp.local)) {
            abort();
        }
        (void)sg_proc_socket_inode(text, &inode);
        break;
    case 5:
        if (sg_proc_parse_uids(text, &list, p, &problem) == APR_SUCCESS) {
            for (i = 0; i < list->nelts; i++) {
                const sg_proc_uid_range_t *r = &APR_ARRAY_IDX(list, i, sg_proc_uid_range_t);
                if (r->lo > r->hi || r->hi > SG_PROC_MAX_UID || !sg_proc_uid_in(list, r->hi)) {
                    abort();
                }
            }
        }
        else if (!problem) abort();
        break;
    case 6:
        if (sg_proc_parse_names(text, &list, p, &problem) != APR_SUCCESS && !problem) abort();
        break;
    default:
        memset(&facts, 0, sizeof(facts));
        facts.exe = sg_proc_exe_path(p, text, &deleted);
        facts.exe_deleted = deleted;
        facts.cmdline = text;
        facts.home = "/srv/www";
        facts.stdin_socket = text[0] & 1;
        facts.tcp_sockets = 1;
        if (sg_proc_judge(&facts) >> SG_PROC_NREASONS) abort();
        if (sg_proc_parse_globs(text, &list, p, &problem) == APR_SUCCESS) {
            (void)sg_proc_exe_allowed(list, facts.exe);
        }
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    apr_pool_t *p;
    int which;

    if (size < 1) return 0;
    which = data[0] % 8;
    p = fuzz_pool();
    if (which < 4) {
        /* /proc file contents: not NUL-terminated, as read() gives them */
        proc_text(which, (const char *)data + 1, size - 1, p);
    }
    else {
        settings(which, fuzz_strdup(data + 1, size - 1, p), p);
    }
    apr_pool_destroy(p);
    return 0;
}
