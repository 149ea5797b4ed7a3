#ifndef SCAN_STATS_H
#define SCAN_STATS_H
/* spamgear scan's figures: the progress line on a terminal and the summary
 * at the end (cli/scan_stats.c).
 *
 * Contract: the scan_stats_file/skip/clear/tick calls of workers are made
 * holding the scan's output lock (one writer of stderr at a time); the
 * walker-only counters (excluded, unchanged, special) are written by the one
 * walking thread and read by scan_stats_summary after the workers are
 * joined. */
#include <stdio.h>
#include <apr_time.h>

/* Why a file was not scanned (the summary's "Skipped" line). */
typedef enum {
    SCAN_SKIP_SIZE,       /* over --max-size */
    SCAN_SKIP_SPECIAL,    /* a symlink in a tree, a device, FIFO or socket */
    SCAN_SKIP_EXCLUDED,   /* --exclude */
    SCAN_SKIP_UNCHANGED,  /* --since: not changed in the window */
    SCAN_SKIP_KINDS
} scan_skip_t;

typedef struct scan_stats_t {
    int progress;                /* 1: draw the progress line on stderr */
    int shown;                   /* 1: a progress line is on the screen now */
    apr_time_t start, last_drawn;
    unsigned long total;         /* files the run will scan when known, else 0 */
    unsigned long files;         /* scanned */
    apr_uint64_t bytes;          /* of those */
    unsigned long malicious;     /* files with a malicious finding */
    unsigned long suspicious;    /* files with suspicious findings only */
    unsigned long skipped[SCAN_SKIP_KINDS];
    /* the verdict cache (scan-cache): cache_hits counted by workers, the
     * rest set once the workers are joined */
    int cache_on;                /* 1: a cache was used: the summary says how */
    int cache_dropped;           /* 1: it held another signature set's verdicts */
    unsigned long cache_hits;    /* files skipped: unchanged since a clean verdict */
    unsigned long cache_misses;  /* files looked up and scanned */
    const char *fleet;           /* the cache-store, or NULL: no fleet layer */
    unsigned long fleet_hits;    /* files read but not scanned: a clean verdict in the store */
    unsigned long fleet_lookups; /* contents asked for */
    int fleet_down;              /* the store failed during the run */
} scan_stats_t;

/* PROGRESS: draw the line (stderr is a terminal and no --quiet). */
void scan_stats_init(scan_stats_t *s, int progress);

/* One file scanned: BYTES long, its worst finding SEVERITY (an sg_severity_t,
 * or -1 for none). */
void scan_stats_file(scan_stats_t *s, apr_uint64_t bytes, int severity);

void scan_stats_skip(scan_stats_t *s, scan_skip_t why);

/* One file the verdict cache vouched for (not scanned). */
void scan_stats_cached(scan_stats_t *s);

/* One file the fleet's verdicts vouched for (read, not scanned). */
void scan_stats_fleet(scan_stats_t *s);

/* Erases the progress line, so that the next line written to the terminal
 * (a finding, an error) starts at column 0 on an empty line. */
void scan_stats_clear(scan_stats_t *s);

/* Redraws the progress line when the last drawing is 250 ms old. */
void scan_stats_tick(scan_stats_t *s);

/* The summary block (files, bytes, found by severity, skipped and why,
 * the verdict cache's hits and misses, ERRORS, time and rate) on FP. */
void scan_stats_summary(scan_stats_t *s, int errors, FILE *fp);

#endif /* SCAN_STATS_H */
