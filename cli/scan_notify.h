#ifndef SCAN_NOTIFY_H
#define SCAN_NOTIFY_H
/* spamgear scan --notify-user: one mail per account per run (cli/scan_notify.c). */
#include <sys/stat.h>
#include "sg_cli.h"

typedef struct scan_notify_t scan_notify_t;

/* Reads --notify-user[=PATTERN], --notify-template, --notify-domain and
 * --sendmail; sets *OUT (NULL without --notify-user).  Returns -1 to go on,
 * else an exit code after saying why. */
int scan_notify_setup(sg_cli_t *cli, scan_notify_t **out);

/* Notes that PATH (stat ST) was found, with action TAG (or NULL), for its
 * account: the PATTERN's first group on the absolute path, else the owner
 * when that is a regular account (uid 1000 and up, not nobody).  Safe from
 * many threads. */
void scan_notify_add(scan_notify_t *n, const char *path, const struct stat *st,
                     const char *tag);

/* Sends the mails for what was noted since the last call through sendmail
 * and forgets it; returns the number that failed (each said on stderr).
 * Workers may go on adding meanwhile. */
int scan_notify_send(scan_notify_t *n);

#endif /* SCAN_NOTIFY_H */
