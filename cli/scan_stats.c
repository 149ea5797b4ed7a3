/* scan_stats.c: spamgear scan's progress line and summary (see scan_stats.h). */
#include <string.h>
#include "scan_stats.h"
#include "sg_sig.h"

#define DRAW_EVERY apr_time_from_msec(250)   /* progress redraws at most 4 times a second */
#define MB (1024.0 * 1024.0)

void scan_stats_init(scan_stats_t *s, int progress)
{
    memset(s, 0, sizeof(*s));
    s->progress = progress;
    s->start = apr_time_now();
}

void scan_stats_file(scan_stats_t *s, apr_uint64_t bytes, int severity)
{
    s->files++;
    s->bytes += bytes;
    if (severity == SG_SEV_MALICIOUS) s->malicious++;
    else if (severity == SG_SEV_SUSPICIOUS) s->suspicious++;
}

void scan_stats_skip(scan_stats_t *s, scan_skip_t why)
{
    s->skipped[why]++;
}

void scan_stats_cached(scan_stats_t *s)
{
    s->cache_hits++;
}

void scan_stats_fleet(scan_stats_t *s)
{
    s->fleet_hits++;
}

void scan_stats_clear(scan_stats_t *s)
{
    if (!s->shown) return;
    fputs("\r\033[K", stderr);   /* to column 0, erase to the end of the line */
    s->shown = 0;
}

static double seconds_since(apr_time_t t, apr_time_t now)
{
    double sec = (double)(now - t) / APR_USEC_PER_SEC;
    return sec > 0.000001 ? sec : 0.000001;
}

void scan_stats_tick(scan_stats_t *s)
{
    apr_time_t now;
    unsigned long done;
    double sec, rate;

    if (!s->progress) return;
    now = apr_time_now();
    if (now - s->last_drawn < DRAW_EVERY) return;
    s->last_drawn = now;
    sec = seconds_since(s->start, now);
    done = s->files + s->cache_hits + s->fleet_hits;
    rate = done / sec;
    /* One line under 80 columns, so the terminal never wraps it (a wrapped
     * line cannot be erased with \r). */
    fprintf(stderr, "\r\033[Kscanning: %lu files, %.1f MB, %lu found, %.0f files/s",
            done, s->bytes / MB, s->malicious + s->suspicious, rate);
    if (s->total && done <= s->total && rate > 0) {
        unsigned long eta = (unsigned long)((s->total - done) / rate);
        fprintf(stderr, ", %lu%%, ETA %lu:%02lu", done * 100 / s->total, eta / 60,
                eta % 60);
    }
    fflush(stderr);
    s->shown = 1;
}

void scan_stats_summary(scan_stats_t *s, int errors, FILE *fp)
{
    static const char *const why[SCAN_SKIP_KINDS] = {
        "over --max-size", "not a regular file", "excluded", "not changed since --since"
    };
    double sec = seconds_since(s->start, apr_time_now());
    unsigned long skipped = 0;
    int i, listed = 0;

    scan_stats_clear(s);
    for (i = 0; i < SCAN_SKIP_KINDS; i++) skipped += s->skipped[i];
    fputs("----------- SCAN SUMMARY -----------\n", fp);
    fprintf(fp, "Scanned files: %lu (%.2f MB)\n", s->files, s->bytes / MB);
    fprintf(fp, "Malicious: %lu file%s\n", s->malicious, s->malicious == 1 ? "" : "s");
    fprintf(fp, "Suspicious only: %lu file%s\n", s->suspicious, s->suspicious == 1 ? "" : "s");
    fprintf(fp, "Skipped: %lu", skipped);
    for (i = 0; i < SCAN_SKIP_KINDS; i++) {
        if (!s->skipped[i]) continue;
        fprintf(fp, "%s%lu %s", listed++ ? ", " : " (", s->skipped[i], why[i]);
    }
    fputs(listed ? ")\n" : "\n", fp);
    if (s->cache_on) {
        fprintf(fp, "Verdict cache: %lu unchanged file%s not scanned, %lu scanned%s\n",
                s->cache_hits, s->cache_hits == 1 ? "" : "s", s->cache_misses,
                s->cache_dropped ? " (emptied first: the signature set or the engine options changed)" : "");
    }
    if (s->fleet) {
        fprintf(fp, "Fleet cache (%s): %lu file%s not scanned (a clean verdict for the content), "
                "%lu looked up%s\n", s->fleet, s->fleet_hits, s->fleet_hits == 1 ? "" : "s",
                s->fleet_lookups, s->fleet_down ? "; the store failed, off for the rest of the run"
                                                : "");
    }
    fprintf(fp, "Errors: %d\n", errors);
    fprintf(fp, "Time: %.3f s (%.0f files/s, %.1f MB/s)\n", sec,
            (s->files + s->cache_hits + s->fleet_hits) / sec,
            s->bytes / MB / sec);
    fflush(fp);
}
