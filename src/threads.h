/* threads.h: a team of threads sharing the module's memory, for the training step's parallel
 * regions. The caller is thread 0; helpers (web workers running nn_thread_main) take threads
 * 1..n-1. Work is shared out by fixed ranges, so results do not depend on the thread count.
 * Without the threaded build (-pthread) team_run simply runs the function on the caller. */
#ifndef NN_THREADS_H
#define NN_THREADS_H

/* Runs fn(ctx, t, nt) for t in 0..nt-1, t == 0 on the caller, and returns when all are done.
 * nt is first clamped by team_threads(): a caller that gathers per-part results reads the parts
 * of team_threads(nt), not of nt. */
void team_run(int nt, void (*fn)(void *ctx, int t, int nt), void *ctx);
/* Threads of the team (1 without helpers): what scratch per thread is sized for. */
int team_size(void);
/* How many parts team_run(nt, ...) runs now: nt clamped to the team's size and to the limit of
 * nn_threads_limit (which may change between two calls of nn_train). */
int team_threads(int nt);

/* The t-th of nt contiguous parts of [0, n), cut at multiples of align (the last part takes the
 * rest): [*begin, *end). */
static inline void team_range(int n, int t, int nt, int align, int *begin, int *end) {
    int units = (n + align - 1) / align;
    int b = (int)((long long)units * t / nt) * align,
        e = (int)((long long)units * (t + 1) / nt) * align;
    *begin = b < n ? b : n;
    *end = t == nt - 1 || e > n ? n : e;
}

#endif
