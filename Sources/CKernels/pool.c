// A small worker pool for the forward pass's parallel regions (see bl_pool_run in ckernels.h).
//
// Why not Dispatch alone: a small-input forward runs ~80 parallel regions of 0.05-0.5 ms each, and a
// Dispatch worker that went to sleep after one region needs a futex wake-up (tens of µs, plus the
// scheduler) to join the next; the caller then often finishes its share and waits. Helpers here spin
// for a short, bounded time (BL_SPIN_NS) after a region before sleeping on a condition variable, so
// back-to-back regions start without a wake-up, while a helper never spins for long when no work
// comes (unlike libgomp's default spin, which stole most of the machine; see GEMMThreading.swift).
#include "ckernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <sched.h>

#define BL_MAX_HELPERS 63
#define BL_SPIN_NS 100000L

static pthread_mutex_t run_lock = PTHREAD_MUTEX_INITIALIZER;   // one region at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static atomic_long generation = 0;
static atomic_int sleepers = 0;
static atomic_long next_chunk = 0;
static atomic_int finished = 0;
static int started_helpers = 0;        // guarded by run_lock
static bl_task_fn job_fn;
static void *job_ctx;
static long job_chunks;
static int job_helpers;
static long created_at[BL_MAX_HELPERS];   // generation when helper i was created (written before it starts)

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
    long seen = created_at[id];
    for (;;) {
        // Spin briefly for the next region, then sleep.
        long start = now_ns();
        int spins = 0;
        while (atomic_load(&generation) == seen) {
            cpu_relax();
            if (++spins % 256 == 0 && now_ns() - start > BL_SPIN_NS) {
                pthread_mutex_lock(&sleep_lock);
                atomic_fetch_add(&sleepers, 1);
                while (atomic_load(&generation) == seen) pthread_cond_wait(&wake, &sleep_lock);
                atomic_fetch_sub(&sleepers, 1);
                pthread_mutex_unlock(&sleep_lock);
                break;
            }
        }
        // The caller posts the next region only after every helper acknowledged this one, so `seen`
        // advances by exactly one and the job fields are stable until `finished` is incremented.
        seen += 1;
        if (id < job_helpers) run_chunks(job_fn, job_ctx, job_chunks);
        atomic_fetch_add(&finished, 1);
    }
    return 0;
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
        created_at[started_helpers] = atomic_load(&generation);
        int failed = pthread_create(&thread, &attr, helper_main, (void *)(long)started_helpers);
        pthread_attr_destroy(&attr);
        if (failed) break;
        started_helpers++;
    }
    if (helpers > started_helpers) helpers = started_helpers;
    job_fn = fn;
    job_ctx = ctx;
    job_chunks = chunks;
    job_helpers = helpers;
    atomic_store(&next_chunk, 0);
    atomic_store(&finished, 0);
    atomic_fetch_add(&generation, 1);  // publishes the job (seq_cst)
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    run_chunks(fn, ctx, chunks);
    long spins = 0;
    // Every started helper acknowledges every region (non-participants at once), see helper_main.
    while (atomic_load(&finished) < started_helpers) {
        cpu_relax();
        if (++spins > 4096) sched_yield();
    }
    pthread_mutex_unlock(&run_lock);
}
