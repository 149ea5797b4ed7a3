#ifndef SG_QUOTA_H
#define SG_QUOTA_H
/*
 * A byte quota shared by the processes of one server: the disk space the
 * upload spool files of every httpd child take together (SpamGearSpoolQuota).
 *
 * The quota lives in memory the host shares between its processes (an
 * anonymous apr_shm made before the children are forked).  It holds a
 * total, checked and taken in one atomic add, and one slot per process with
 * what that process holds, so that what a process held when it died (killed
 * in the middle of an upload: its O_TMPFILE spool files went with it) can be
 * given back: a reservation that would pass the limit first empties the
 * slots of processes that no longer exist and tries once more.
 *
 * Contract: sg_quota_init once, in the parent, on zeroed or fresh memory;
 * sg_quota_join once in each child before its first reservation (a child
 * that finds no free slot still reserves, on the total alone); reservations
 * and releases from any thread of the process that joined.  Every byte
 * reserved is released by the same process.  The limit is never passed:
 * a reservation that does not fit takes nothing.
 */
#include <apr_pools.h>
#include "sg_result.h"

typedef struct sg_quota_t sg_quota_t;

/* Bytes of shared memory a quota of SLOTS processes needs. */
apr_size_t sg_quota_shm_size(int slots);

/* Formats MEM (sg_quota_shm_size(SLOTS) bytes of shared memory) as an empty
 * quota of LIMIT bytes; the handle is allocated from P. */
sg_quota_t *sg_quota_init(void *mem, int slots, apr_off_t limit, apr_pool_t *p);

/* Takes a slot for process PID (one whose process is gone, or a free one).
 * APR_EGENERAL when every slot belongs to a live process. */
apr_status_t sg_quota_join(sg_quota_t *q, long pid);

/* Takes N bytes: 1 when they fit under the limit, else 0 (nothing taken). */
int sg_quota_reserve(sg_quota_t *q, apr_off_t n);

/* Gives back N bytes this process reserved. */
void sg_quota_release(sg_quota_t *q, apr_off_t n);

/* Bytes reserved now by all processes together, and the limit. */
apr_off_t sg_quota_used(const sg_quota_t *q);
apr_off_t sg_quota_limit(const sg_quota_t *q);

/* Empties the slots of processes that no longer exist; returns the bytes
 * given back.  Reservations call it when the limit is reached. */
apr_off_t sg_quota_reclaim(sg_quota_t *q);

#endif /* SG_QUOTA_H */
