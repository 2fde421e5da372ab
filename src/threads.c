/* threads.c: the team of threads (threads.h) and its public face in nn.h. In the threaded wasm
 * build (-pthread: atomics and a shared memory) helpers wait on a generation counter with
 * memory.atomic.wait32 after a short spin, so that a barrier between two phases of a batch costs
 * microseconds, not a scheduler round trip; the caller waits for the last helper the same way.
 * Elsewhere (the single-threaded module, the native build) the team is the caller alone. */
#include "threads.h"

#include "nn.h"

#if defined(__EMSCRIPTEN_PTHREADS__)
#include <stdatomic.h>

#define SPINS (1 << 20) /* polls before sleeping (~1 ms): longer than any serial gap in a batch */

static struct team {
    _Atomic unsigned gen; /* bumped for each job; helpers wait for it to change */
    _Atomic int pending;  /* helpers still on the current job */
    _Atomic int quit;
    int size;   /* threads, the caller included */
    int active; /* threads of the current job */
    void (*fn)(void *, int, int);
    void *ctx;
} team = {.size = 1};

static void wait_while(_Atomic unsigned *addr, unsigned value) {
    for (int i = 0; i < SPINS; i++)
        if (atomic_load(addr) != value) return;
    while (atomic_load(addr) == value)
        __builtin_wasm_memory_atomic_wait32((int *)addr, (int)value, -1);
}

nn_status nn_threads_init(int n) {
    if (n < 1 || n > 64) return NN_ERR_THREADS;
    team.size = n;
    atomic_store(&team.quit, 0);
    return NN_OK;
}

void nn_thread_main(int index) {
    unsigned seen = atomic_load(&team.gen);
    for (;;) {
        wait_while(&team.gen, seen);
        seen = atomic_load(&team.gen);
        if (atomic_load(&team.quit)) return;
        if (index < team.active) team.fn(team.ctx, index, team.active);
        if (atomic_fetch_sub(&team.pending, 1) == 1)
            __builtin_wasm_memory_atomic_notify((int *)&team.pending, 1);
    }
}

void nn_threads_stop(void) {
    atomic_store(&team.quit, 1);
    atomic_fetch_add(&team.gen, 1);
    __builtin_wasm_memory_atomic_notify((int *)&team.gen, 1u << 30);
    team.size = 1;
}

int team_size(void) { return team.size; }

void team_run(int nt, void (*fn)(void *, int, int), void *ctx) {
    if (nt > team.size) nt = team.size;
    if (nt <= 1) {
        fn(ctx, 0, 1);
        return;
    }
    team.fn = fn, team.ctx = ctx, team.active = nt;
    atomic_store(&team.pending, team.size - 1); /* every helper checks in, active or not */
    atomic_fetch_add(&team.gen, 1);
    __builtin_wasm_memory_atomic_notify((int *)&team.gen, 1u << 30);
    fn(ctx, 0, nt);
    int left;
    for (int i = 0; i < SPINS && (left = atomic_load(&team.pending)) > 0; i++) {
    }
    while ((left = atomic_load(&team.pending)) > 0)
        __builtin_wasm_memory_atomic_wait32((int *)&team.pending, left, -1);
}

#else

nn_status nn_threads_init(int n) { return n == 1 ? NN_OK : NN_ERR_THREADS; }
void nn_thread_main(int index) { (void)index; }
void nn_threads_stop(void) {}
int team_size(void) { return 1; }
void team_run(int nt, void (*fn)(void *, int, int), void *ctx) {
    (void)nt;
    fn(ctx, 0, 1);
}

#endif
