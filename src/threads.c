/* threads.c: the team of threads (threads.h) and its public face in nn.h. In the threaded wasm
 * build (-pthread: atomics and a shared memory) each helper waits on a word of its own, polling
 * it for about a microsecond and then sleeping in memory.atomic.wait32: a helper with nothing to
 * do, or no core to run on, gives its core away instead of spinning on it (with more threads than
 * cores, a spin of a millisecond made training 16-20x slower). A waker notifies only a waiter that
 * sleeps; the caller waits for its helpers the same way. Elsewhere the team is the caller alone. */
#include "threads.h"

#include "nn.h"

#define MAX_THREADS 64
#define DEFAULT_SPIN 1024        /* polls before sleeping: about a microsecond */
#define IDLE_NS (50 * 1000000LL) /* a helper idle this long returns to its event loop */

#if defined(__EMSCRIPTEN_PTHREADS__)
#include <stdatomic.h>

/* One waiting place: the word waited on and whether its waiter sleeps (or is about to), on a cache
 * line of its own so that the helpers' polling does not contend. */
typedef struct {
    _Atomic unsigned word;
    _Atomic int sleeping;
    unsigned seen; /* a helper's: the last job it ran (kept while it is out in its event loop) */
    char pad[64 - 2 * sizeof(unsigned) - sizeof(int)];
} slot;

static struct team {
    slot go[MAX_THREADS]; /* go[i].word: the last job helper i is to run (0: none yet) */
    slot done;            /* done.word: helpers still on the current job; the caller waits */
    _Atomic int quit;
    _Atomic int spin;
    int size;     /* threads, the caller included */
    int limit;    /* threads a parallel region may use (nn_threads_limit), <= size */
    unsigned job; /* the current job's number (the caller's only) */
    int active;   /* threads of the current job */
    void (*fn)(void *, int, int);
    void *ctx;
} team = {.size = 1, .limit = 1, .spin = DEFAULT_SPIN};

/* Returns 1 once s->word != value; 0 if it still holds value after sleeping timeout_ns (-1: no
 * limit). The sleeping flag is set before the last look at the word, and the waker changes the
 * word before it looks at the flag (both sequentially consistent), so either the waiter sees the
 * new value or the waker sees the flag and notifies. */
static int wait_change(slot *s, unsigned value, long long timeout_ns) {
    int spin = atomic_load_explicit(&team.spin, memory_order_relaxed);
    for (int i = 0; i < spin; i++)
        if (atomic_load_explicit(&s->word, memory_order_acquire) != value) return 1;
    atomic_store(&s->sleeping, 1);
    int changed = 1;
    while (atomic_load(&s->word) == value) {
        /* 2: timed out (0 woken, 1 the value had changed) */
        if (__builtin_wasm_memory_atomic_wait32((int *)&s->word, (int)value, timeout_ns) == 2 &&
            atomic_load(&s->word) == value) {
            changed = 0;
            break;
        }
    }
    atomic_store(&s->sleeping, 0);
    return changed;
}

static void wake(slot *s) {
    if (atomic_load(&s->sleeping)) __builtin_wasm_memory_atomic_notify((int *)&s->word, 1);
}

nn_status nn_threads_init(int n) {
    if (n < 1 || n > MAX_THREADS) return NN_ERR_THREADS;
    for (int i = 0; i < MAX_THREADS; i++) {
        atomic_store(&team.go[i].word, 0);
        atomic_store(&team.go[i].sleeping, 0);
        team.go[i].seen = 0;
    }
    atomic_store(&team.done.word, 0);
    atomic_store(&team.quit, 0);
    team.job = 0;
    team.size = team.limit = n;
    return NN_OK;
}

nn_status nn_threads_limit(int n) {
    if (n < 1 || n > team.size) return NN_ERR_THREADS;
    team.limit = n;
    return NN_OK;
}

void nn_threads_set_spin(int polls) { atomic_store(&team.spin, polls < 0 ? DEFAULT_SPIN : polls); }

/* A helper starts from job 0, whatever the caller has done meanwhile: a job posted before the
 * helper got here is still ahead of it, never missed. After IDLE_NS without a job it returns 1 so
 * that its worker's event loop runs (Firefox does not complete a navigation through a service
 * worker while a page's worker never returns to it); a job posted meanwhile waits in its word
 * until the helper calls again. */
int nn_thread_main(int index) {
    if (index < 1 || index >= MAX_THREADS) return 0;
    slot *me = &team.go[index];
    for (;;) {
        if (!wait_change(me, me->seen, IDLE_NS)) return 1;
        me->seen = atomic_load(&me->word);
        if (atomic_load(&team.quit)) return 0;
        team.fn(team.ctx, index, team.active);
        if (atomic_fetch_sub(&team.done.word, 1) == 1) wake(&team.done);
    }
}

void nn_threads_stop(void) {
    atomic_store(&team.quit, 1);
    for (int i = 1; i < team.size; i++) {
        atomic_fetch_add(&team.go[i].word, 1);
        __builtin_wasm_memory_atomic_notify((int *)&team.go[i].word, 1);
    }
    team.size = team.limit = 1;
}

int team_size(void) { return team.size; }

int team_threads(int nt) {
    if (nt > team.limit) nt = team.limit;
    return nt < 1 ? 1 : nt;
}

void team_run(int nt, void (*fn)(void *, int, int), void *ctx) {
    nt = team_threads(nt);
    if (nt == 1) {
        fn(ctx, 0, 1);
        return;
    }
    team.fn = fn, team.ctx = ctx, team.active = nt;
    atomic_store(&team.done.word, (unsigned)(nt - 1));
    const unsigned job = ++team.job;
    for (int i = 1; i < nt; i++) { /* only the helpers of this job: the others sleep on */
        atomic_store(&team.go[i].word, job);
        wake(&team.go[i]);
    }
    fn(ctx, 0, nt);
    unsigned left;
    while ((left = atomic_load(&team.done.word)) != 0) wait_change(&team.done, left, -1);
}

#else

nn_status nn_threads_init(int n) { return n == 1 ? NN_OK : NN_ERR_THREADS; }
nn_status nn_threads_limit(int n) { return n == 1 ? NN_OK : NN_ERR_THREADS; }
void nn_threads_set_spin(int polls) { (void)polls; }
int nn_thread_main(int index) {
    (void)index;
    return 0;
}
void nn_threads_stop(void) {}
int team_size(void) { return 1; }
int team_threads(int nt) {
    (void)nt;
    return 1;
}
void team_run(int nt, void (*fn)(void *, int, int), void *ctx) {
    (void)nt;
    fn(ctx, 0, 1);
}

#endif
