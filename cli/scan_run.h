#ifndef SCAN_RUN_H
#define SCAN_RUN_H
/*
 * scan_run: spamgear scan's machinery (cli/cmd_scan.c) for a command that
 * feeds it files one at a time for as long as it runs: spamgear watch.
 *
 * A session is set up from the command's options and the config exactly as
 * `spamgear scan` sets up a run (engine, signatures, YARA, ClamAV, the
 * verdict cache, --quarantine, --clean, --notify-user, --exclude, -j), and
 * its files go through the same workers: each is reached from its directory
 * without following symlinks, looked up in the verdict cache, read, scanned,
 * acted on and reported (findings on cli->out, text or --json, and one
 * syslog line each).  Calls are made by one thread, the one that opened the
 * session; scan_session_file blocks while the workers' queue is full (the
 * caller's back-pressure).
 */
#include <sys/stat.h>
#include "sg_cli.h"

typedef struct scan_run_t scan_run_t;

typedef struct scan_session_counts_t {
    unsigned long scanned;      /* files read and scanned */
    unsigned long cache_hits;   /* files the verdict cache vouched for */
    unsigned long malicious;    /* files with a malicious finding */
    unsigned long suspicious;   /* files with suspicious findings only */
    unsigned long errors;       /* files that could not be scanned */
    unsigned long queued;       /* files waiting for a worker now */
} scan_session_counts_t;

/* Sets up a session for command CMD ("watch") and starts its workers;
 * returns -1 to go on, else an exit code after saying why on stderr. */
int scan_session_open(sg_cli_t *cli, const char *cmd, scan_run_t **run);

/* Scans the regular file PATH (absolute) unless --exclude matches it. */
void scan_session_file(scan_run_t *run, const char *path);

/* Scans every file of the directory tree DIR (absolute; not followed when
 * it is a symlink), as scan does a directory argument. */
void scan_session_tree(scan_run_t *run, const char *dir);

/* --notify-user: mails each account the files found since the last call;
 * returns the number of mails that failed. */
int scan_session_notify(scan_run_t *run);

/* The session's figures so far. */
void scan_session_counts(scan_run_t *run, scan_session_counts_t *counts);

/* Waits for the queued files, sends the notifications, prints the summary
 * (unless --quiet); returns scan's exit code for what the session found. */
int scan_session_close(scan_run_t *run);

/* Writes the verdicts the session's cache holds in memory, so that
 * lookups (scan_judge_cached) see them. */
void scan_session_sync(scan_run_t *run);

/* ---------------------------------------------------------------- judges
 * watch --prevent judges a file while its opener waits, on threads of its
 * own, with the session's engine and verdict cache.  A judge belongs to
 * one thread at a time; any number may run at once. */

typedef struct scan_judge_t scan_judge_t;

#define SCAN_JUDGE_FAILED (-2)   /* scan_judge_fd: no verdict */

/* A judge for RUN (malloc'ed), or NULL when out of memory; freed by
 * scan_judge_done(), before scan_session_close(). */
scan_judge_t *scan_session_judge(scan_run_t *run);
void scan_judge_done(scan_judge_t *j);

/* 1 when the verdict cache holds a verdict for the file whose stat is ST
 * (device, inode, size, mtime and ctime match), with its worst severity in
 * *SEVERITY (-1 clean, else an sg_severity_t); else 0. */
int scan_judge_cached(scan_judge_t *j, const struct stat *st, int *severity);

/* Reads the open file FD (from its start, as a fresh open leaves it; it is
 * not reopened) whose stat is ST and scans it as PATH; keeps the verdict in
 * the verdict cache.  Returns the worst severity (-1: clean), or
 * SCAN_JUDGE_FAILED when there is no verdict (too large, unreadable, over
 * the scan budget without a malicious finding).  Reports nothing and acts
 * on nothing: the caller queues the file for the session when it should. */
int scan_judge_fd(scan_judge_t *j, const char *path, int fd, const struct stat *st);

#endif /* SCAN_RUN_H */
