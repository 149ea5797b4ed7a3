#ifndef WATCH_PREVENT_H
#define WATCH_PREVENT_H
/*
 * watch_prevent: spamgear watch --prevent (the watch-prevent key).  A second
 * fanotify group, of class FAN_CLASS_CONTENT, holds every open on the file
 * systems of the watched trees (a FAN_OPEN_PERM filesystem mark; no file
 * handles are asked for, so that Linux 5.1 to 6.x, Debian 12's 6.1 among
 * them, accept the group).  A responder thread answers each open:
 *
 *  - at once FAN_ALLOW: opens by this process (its scans read the files it
 *    judges), of anything but a regular file with a script name (the
 *    module's no-exec script-name list: .php, .phtml, .phar, ...) under a
 *    watched root, of an empty file, and by an exempt program
 *    (watch-prevent-exempt, running as root);
 *  - from a verdict it has (the verdict cache, or one of its judges' recent
 *    verdicts; device, inode, size, mtime and ctime must match): FAN_DENY
 *    (the opener gets EPERM) when malicious, logged and counted; else
 *    FAN_ALLOW, and an ignore mark on the inode (FAN_MARK_IGNORED_MASK,
 *    evictable, without FAN_MARK_IGNORED_SURV_MODIFY: the kernel clears it at
 *    the next write) so that the file's next opens are not held at all;
 *  - otherwise the open is held for one of two judge threads, which scan the
 *    file through the event's own fd (no second open) and answer; when
 *    watch-prevent-timeout passes first the responder allows the open and
 *    the file is handed to the watch loop (watch_prevent_take) for the
 *    ordinary scan, which reports and acts on it.  The responder never
 *    scans and never opens a file on a marked file system.
 *
 * When the process ends, however it ends (SIGKILL included), the kernel
 * destroys the group with its last fd and allows every open it held or
 * would hold: nothing stays blocked.
 */
#include "sg_cli.h"
#include "scan_run.h"

typedef struct watch_prevent_t watch_prevent_t;

/* Figures for --status (all since the start). */
typedef struct watch_prevent_counts_t {
    unsigned long events;     /* opens the kernel held for an answer (permission events) */
    unsigned long checked;    /* of those, script files under a root opened by another process */
    unsigned long exempt;     /* of those, opens by an exempt program: allowed */
    unsigned long cached;     /* answered from a verdict already known */
    unsigned long scanned;    /* scanned while the opener waited */
    unsigned long denied;     /* opens refused: a malicious verdict */
    unsigned long timeouts;   /* allowed unjudged (time limit, busy judges), file queued */
    unsigned long ignored;    /* ignore marks set: clean files no longer held until written */
} watch_prevent_counts_t;

/* Sets prevention up from the watch-prevent-* keys of CLI's config: the
 * permission group and its marks on the file systems of the NROOTS ROOTS
 * (absolute, no trailing slash, kept by pointer; only files under them are
 * judged), and the responder thread, which allows every open until
 * watch_prevent_run() has given it a session: the engine may load files
 * from the marked file systems meanwhile.  Returns -1
 * to go on, else an exit code after saying why on stderr (exit 2; the
 * kernel's reason in words, e.g. no CONFIG_FANOTIFY_ACCESS_PERMISSIONS). */
int watch_prevent_open(sg_cli_t *cli, const char *const *roots, int nroots,
                       watch_prevent_t **wp);

/* Starts the responder and the judges, which scan with the session RUN;
 * -1 to go on, else an exit code after saying why (prevention is then
 * stopped: nothing is held). */
int watch_prevent_run(watch_prevent_t *wp, scan_run_t *run);

/* An fd that polls readable when files wait for watch_prevent_take(). */
int watch_prevent_fd(const watch_prevent_t *wp);

/* Calls FN(BATON, PATH) for each file prevention wants scanned by the
 * session (allowed on the time limit, or judged malicious: the session
 * reports and quarantines), then forgets them. */
void watch_prevent_take(watch_prevent_t *wp, void (*fn)(void *baton, const char *path),
                        void *baton);

/* The figures so far. */
void watch_prevent_counts(watch_prevent_t *wp, watch_prevent_counts_t *c);

/* Allows every open held, closes the group (opens are no longer held) and
 * joins the threads; before scan_session_close().  WP may be NULL; a second
 * call does nothing (the counts stay readable). */
void watch_prevent_stop(watch_prevent_t *wp);

#endif /* WATCH_PREVENT_H */
