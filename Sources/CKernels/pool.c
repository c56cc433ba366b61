// A small worker pool for the forward pass's parallel regions (see bl_pool_run in ckernels.h).
//
// Why not Dispatch alone: a small-input forward runs ~80 parallel regions of 0.05-0.5 ms each, and a
// Dispatch worker that went to sleep after one region needs a futex wake-up (tens of µs, plus the
// scheduler) to join the next; the caller then often finishes its share and waits. Helpers here spin
// for a bounded time (BL_SPIN_NS, 2 ms) after a region before sleeping on a condition variable, so
// regions separated by serial work (entropy, patching, embeddings: up to ~1 ms) start without a
// wake-up, while a helper spins at most 2 ms per forward pass once the work stops (libgomp's default
// spin after every region stole most of the machine; see GEMMThreading.swift). Measured on the
// 2-vCPU VM, 256-byte small model, first forward after 0.3 s idle: 0.1 ms spin 25 ms (waking a
// helper on an idle vCPU takes milliseconds, so the second core was mostly lost), 1 ms 17.6 ms,
// 2 ms 16.8 ms, 5 ms 15.3 ms; back to back all ~15.3 ms.
//
// The caller never waits for a helper that has not started: when the caller has taken the last chunk
// it closes the region, and a helper that arrives later (descheduled by another process, asleep)
// skips it. The caller only waits for helpers that are inside the region, i.e. running a chunk whose
// result it needs anyway. So a busy core slows a region down to one-core speed, never to a time slice.
#include "ckernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <sched.h>

#define BL_MAX_HELPERS 63
#define BL_SPIN_NS 2000000L

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;   // one region at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
// Region word: generation << 1 | closed bit. Job fields below are written only while the region is
// closed and no helper is inside (`inside` == 0).
static atomic_long region = 1;
static atomic_int inside = 0;
static atomic_int sleepers = 0;
static atomic_long nudges = 0;          // bumped by bl_pool_wake: sleeping helpers start spinning
static atomic_long next_chunk = 0;
static int started_helpers = 0;        // guarded by run_lock
static bl_task_fn job_fn;
static void *job_ctx;
static long job_chunks;
static int job_helpers;

static inline void cpu_relax(void) {
#if defined(__x86_64__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void run_chunks(bl_task_fn fn, void *ctx, long chunks) {
    for (;;) {
        long c = atomic_fetch_add(&next_chunk, 1);
        if (c >= chunks) return;
        fn(ctx, c);
    }
}

static void *helper_main(void *arg) {
    int id = (int)(long)arg;
    long seen = atomic_load(&region) >> 1;
    for (;;) {
        // Spin briefly for the next region, then sleep.
        long start = now_ns();
        int spins = 0;
        while ((atomic_load(&region) >> 1) == seen) {
            cpu_relax();
            if (++spins % 256 == 0 && now_ns() - start > BL_SPIN_NS) {
                pthread_mutex_lock(&sleep_lock);
                atomic_fetch_add(&sleepers, 1);
                long nudged = atomic_load(&nudges);
                while ((atomic_load(&region) >> 1) == seen && atomic_load(&nudges) == nudged)
                    pthread_cond_wait(&wake, &sleep_lock);
                atomic_fetch_sub(&sleepers, 1);
                pthread_mutex_unlock(&sleep_lock);
                break;
            }
        }
        long word = atomic_load(&region);
        seen = word >> 1;
        if (word & 1) continue;                    // already closed: nothing left for us
        atomic_fetch_add(&inside, 1);
        // Re-check after announcing ourselves (pairs with the caller's close-then-read of `inside`).
        if (atomic_load(&region) == word && id < job_helpers) run_chunks(job_fn, job_ctx, job_chunks);
        atomic_fetch_sub(&inside, 1);
    }
    return 0;
}

void bl_pool_wake(void) {
    if (atomic_load(&sleepers) == 0) return;
    pthread_mutex_lock(&sleep_lock);
    atomic_fetch_add(&nudges, 1);
    pthread_cond_broadcast(&wake);
    pthread_mutex_unlock(&sleep_lock);
}

void bl_pool_run(bl_task_fn fn, void *ctx, long chunks, int workers) {
    int helpers = workers - 1;
    if (helpers > BL_MAX_HELPERS) helpers = BL_MAX_HELPERS;
    if (chunks - 1 < helpers) helpers = (int)(chunks - 1);
    // Inline when there is nothing to share or another thread is running a region (nested or
    // concurrent callers, e.g. tests running in parallel): correct, just not parallel.
    if (helpers <= 0 || pthread_mutex_trylock(&run_lock) != 0) {
        for (long c = 0; c < chunks; c++) fn(ctx, c);
        return;
    }
    while (started_helpers < helpers) {
        pthread_t thread;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 8 << 20);
        int failed = pthread_create(&thread, &attr, helper_main, (void *)(long)started_helpers);
        pthread_attr_destroy(&attr);
        if (failed) break;
        started_helpers++;
    }
    if (helpers > started_helpers) helpers = started_helpers;
    // The previous region is closed and empty here, so no helper reads these while they change.
    job_fn = fn;
    job_ctx = ctx;
    job_chunks = chunks;
    job_helpers = helpers;
    atomic_store(&next_chunk, 0);
    long open = ((atomic_load(&region) >> 1) + 1) << 1;
    atomic_store(&region, open);                     // publishes the job (seq_cst)
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    run_chunks(fn, ctx, chunks);
    atomic_store(&region, open | 1);                 // close: late helpers skip this region
    long spins = 0;
    while (atomic_load(&inside) > 0) {
        cpu_relax();
        if (++spins > 4096) sched_yield();
    }
    pthread_mutex_unlock(&run_lock);
}
