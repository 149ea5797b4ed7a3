#ifndef SCAN_FLEET_H
#define SCAN_FLEET_H
/*
 * scan_fleet: the fleet layer of the verdict cache (the cache-store key):
 * verdicts keyed by content, SHA-256 + signature-set version, in the redis
 * (or memcached) that already holds the login bans, so that a file content
 * that is on every server of a fleet (WordPress core, popular plugins) is
 * analysed once per fleet, not once per server.
 *
 * The local LMDB cache (scan_cache.h) stays the first lookup and the only one
 * needed for an unchanged file; this layer is asked for a file the local
 * cache does not vouch for, after it was read and hashed, before the engine
 * runs.  Only a clean verdict lets the engine be skipped.  A store that is
 * down or slow (1 s per network step) turns the layer off for the rest of the
 * run with one warning: the scan goes on locally.
 *
 * Trust: whoever can write to the store can mark a content clean for the
 * whole fleet; it must be the internal, password-protected store the bans
 * use, never one the hosted sites reach.
 *
 * One scan_fleet_t per worker thread (a connection is one command at a
 * time); malloc'ed, freed by scan_fleet_close().
 */
#include <apr_pools.h>

typedef struct scan_fleet_t scan_fleet_t;

/* Figures for the summary, added up over the workers. */
typedef struct scan_fleet_stats_t {
    unsigned long lookups;   /* contents asked for */
    unsigned long hits;      /* of those, vouched for (the engine skipped) */
    unsigned long stored;    /* verdicts written */
    int down;                /* 1: the store failed during the run */
} scan_fleet_stats_t;

/* A worker's handle for the store SPEC ("redis:HOST:PORT" or
 * "memcache:HOST:PORT") and the set VERSION; connects on first use. */
scan_fleet_t *scan_fleet_open(const char *spec, const char *version);

/* 1 when the store holds a clean verdict for the content SHA256 (32 bytes). */
int scan_fleet_clean(scan_fleet_t *f, const unsigned char *sha256);

/* Stores the verdict for SHA256: the worst SEVERITY (an sg_severity_t, or -1
 * for clean); kept 30 days. */
void scan_fleet_put(scan_fleet_t *f, const unsigned char *sha256, int severity);

/* Adds F's figures to STATS and frees F (NULL is fine). */
void scan_fleet_close(scan_fleet_t *f, scan_fleet_stats_t *stats);

#endif /* SCAN_FLEET_H */
