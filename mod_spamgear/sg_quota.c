/* sg_quota.c: a byte quota shared by the processes of one server (see sg_quota.h). */
#include <errno.h>
#include <signal.h>
#include <apr_atomic.h>
#include "sg_quota.h"

typedef struct quota_slot_t {
    volatile apr_uint32_t pid;    /* the process holding the slot; 0: free */
    volatile apr_uint64_t bytes;  /* what it holds */
} quota_slot_t;

typedef struct quota_shm_t {
    volatile apr_uint64_t total;  /* every slot's bytes, and those of slotless processes */
    apr_uint64_t limit;
    apr_uint32_t slots;
    quota_slot_t slot[1];         /* SLOTS of them */
} quota_shm_t;

struct sg_quota_t {
    quota_shm_t *shm;
    quota_slot_t *mine;           /* this process's slot; NULL: the total alone */
};

apr_size_t sg_quota_shm_size(int slots)
{
    return sizeof(quota_shm_t) + (apr_size_t)(slots > 1 ? slots - 1 : 0) * sizeof(quota_slot_t);
}

sg_quota_t *sg_quota_init(void *mem, int slots, apr_off_t limit, apr_pool_t *p)
{
    sg_quota_t *q = apr_pcalloc(p, sizeof(*q));
    quota_shm_t *shm = mem;
    int i;

    shm->total = 0;
    shm->limit = limit > 0 ? (apr_uint64_t)limit : 0;
    shm->slots = (apr_uint32_t)(slots > 0 ? slots : 1);
    for (i = 0; i < (int)shm->slots; i++) {
        shm->slot[i].pid = 0;
        shm->slot[i].bytes = 0;
    }
    q->shm = shm;
    return q;
}

/* 1 when process PID is gone.  EPERM: it exists (another user's). */
static int process_gone(apr_uint32_t pid)
{
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

#define SLOT_BUSY 0xffffffffu     /* a slot being emptied; no process has this pid */

/* Frees SLOT, which belonged to OLD (gone): its bytes leave the total.  The
 * slot is marked busy first, so that one process, not two, gives the bytes
 * back, and a process that takes the slot afterwards (from 0 only) never
 * has its own bytes taken away. */
static apr_uint64_t free_slot(quota_shm_t *shm, quota_slot_t *slot, apr_uint32_t old)
{
    apr_uint64_t held;

    if (old == SLOT_BUSY || apr_atomic_cas32(&slot->pid, SLOT_BUSY, old) != old) return 0;
    held = apr_atomic_xchg64(&slot->bytes, 0);
    if (held) apr_atomic_sub64(&shm->total, held);
    apr_atomic_set32(&slot->pid, 0);
    return held;
}

apr_off_t sg_quota_reclaim(sg_quota_t *q)
{
    apr_uint64_t back = 0;
    apr_uint32_t i;

    for (i = 0; i < q->shm->slots; i++) {
        quota_slot_t *slot = &q->shm->slot[i];
        apr_uint32_t pid = apr_atomic_read32(&slot->pid);
        if (pid && pid != SLOT_BUSY && q->mine != slot && process_gone(pid)) {
            back += free_slot(q->shm, slot, pid);
        }
    }
    return (apr_off_t)back;
}

apr_status_t sg_quota_join(sg_quota_t *q, long pid)
{
    apr_uint32_t i;

    for (i = 0; i < q->shm->slots; i++) {
        quota_slot_t *slot = &q->shm->slot[i];
        apr_uint32_t old = apr_atomic_read32(&slot->pid);
        if (old == SLOT_BUSY || (old && !process_gone(old))) continue;
        if (old) free_slot(q->shm, slot, old);
        if (apr_atomic_cas32(&slot->pid, (apr_uint32_t)pid, 0) == 0) {
            q->mine = slot;
            return APR_SUCCESS;
        }
    }
    q->mine = NULL;
    return APR_EGENERAL;
}

/* Adds N to the total when the result stays within the limit. */
static int take(quota_shm_t *shm, apr_uint64_t n)
{
    apr_uint64_t was = apr_atomic_add64(&shm->total, n);

    if (was + n <= shm->limit) return 1;
    apr_atomic_sub64(&shm->total, n);
    return 0;
}

int sg_quota_reserve(sg_quota_t *q, apr_off_t n)
{
    if (n <= 0) return 1;
    /* over the limit: the share of processes that died may make room */
    if (!take(q->shm, (apr_uint64_t)n)
        && (!sg_quota_reclaim(q) || !take(q->shm, (apr_uint64_t)n))) {
        return 0;
    }
    if (q->mine) apr_atomic_add64(&q->mine->bytes, (apr_uint64_t)n);
    return 1;
}

void sg_quota_release(sg_quota_t *q, apr_off_t n)
{
    if (n <= 0) return;
    if (q->mine) apr_atomic_sub64(&q->mine->bytes, (apr_uint64_t)n);
    apr_atomic_sub64(&q->shm->total, (apr_uint64_t)n);
}

apr_off_t sg_quota_used(const sg_quota_t *q)
{
    return (apr_off_t)apr_atomic_read64(&q->shm->total);
}

apr_off_t sg_quota_limit(const sg_quota_t *q)
{
    return (apr_off_t)q->shm->limit;
}
