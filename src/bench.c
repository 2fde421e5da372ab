/* bench.c: measurement kernels for `npm run bench`, compiled into the library so that they run in
 * the same engine as training: the f32x4 peak (independent multiply-adds held in registers) and
 * the matrix products at chosen shapes. Timing is the caller's (performance.now() in JS). */
#include "internal.h"
#include "kernels.h"

#include <stdlib.h>

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#define CHAINS 14
/* iters rounds of CHAINS independent x = x * m + c on f32x4 (a multiply and an add per lane);
 * 14 chains and the two constants fill the 16 registers V8 allocates (more spill: measured):
 * 8 * CHAINS * iters floating-point operations, enough chains to hide the latency of both. */
float nn_bench_peak(int iters) {
    v128_t x[CHAINS];
    const v128_t m = wasm_f32x4_splat(0.999f), c = wasm_f32x4_splat(0.001f);
    for (int i = 0; i < CHAINS; i++) x[i] = wasm_f32x4_splat((float)i);
    for (int it = 0; it < iters; it++)
        for (int i = 0; i < CHAINS; i++) x[i] = wasm_f32x4_add(wasm_f32x4_mul(x[i], m), c);
    v128_t s = x[0];
    for (int i = 1; i < CHAINS; i++) s = wasm_f32x4_add(s, x[i]);
    return wasm_f32x4_extract_lane(s, 0);
}
#else
#define CHAINS 14
float nn_bench_peak(int iters) {
    float x[CHAINS * 4];
    for (int i = 0; i < CHAINS * 4; i++) x[i] = (float)i;
    for (int it = 0; it < iters; it++)
        for (int i = 0; i < CHAINS * 4; i++) x[i] = x[i] * 0.999f + 0.001f;
    float s = 0.0f;
    for (int i = 0; i < CHAINS * 4; i++) s += x[i];
    return s;
}
#endif
int nn_bench_peak_flops_per_iter(void) { return 8 * CHAINS; }

/* The 4x8 register tile of X.W and X^T.dY alone, iters times over k = TILE_K with its operands in
 * L1 (A 4 x TILE_K read in place, B a packed TILE_K x 8 panel): what a 16-register tile reaches
 * in this engine with no cache miss, no packing and no edge; 0 without SIMD. */
#define TILE_K 256
float nn_bench_tile(int iters) {
#ifdef __wasm_simd128__
    static float a[4 * TILE_K], b[TILE_K * 8], c[4 * 8];
    for (int i = 0; i < 4 * TILE_K; i++) a[i] = (float)(i % 7) * 0.125f;
    for (int i = 0; i < TILE_K * 8; i++) b[i] = (float)(i % 5) * 0.25f - 0.5f;
    float s = 0.0f;
    for (int it = 0; it < iters; it++) mm_tile_4x8_simd(c, a, TILE_K, b, TILE_K), s += c[it & 31];
    return s;
#else
    (void)iters;
    return 0.0f;
#endif
}
int nn_bench_tile_flops_per_iter(void) { return 2 * 4 * 8 * TILE_K; }

/* Runs product `which` (0: X.W as mm_nn, 1: dY.W^T as mm_nt, 2: X^T.dY as mm_tn; +3: the scalar
 * twin) reps times at m x k x n. The operands are allocated and filled when the shape changes and
 * kept for the next call, so a call with reps 0 prepares a shape and timed calls only multiply.
 * Returns 0, or -1 without memory. */
int nn_bench_kernel(int which, int m, int k, int n, int reps) {
    static float *a, *b, *c;
    static int sm, sk, sn;
    if (m != sm || k != sk || n != sn || !a) {
        free(a), free(b), free(c);
        a = malloc((size_t)m * k * sizeof(float)), b = malloc((size_t)k * n * sizeof(float));
        c = malloc((size_t)m * n * sizeof(float));
        if (!a || !b || !c) {
            free(a), free(b), free(c);
            a = b = c = NULL;
            return -1;
        }
        sm = m, sk = k, sn = n;
        nn_rng rng;
        nn_rng_seed(&rng, 1, 1);
        for (size_t i = 0; i < (size_t)m * k; i++) a[i] = nn_rng_uniform(&rng);
        for (size_t i = 0; i < (size_t)k * n; i++) b[i] = nn_rng_uniform(&rng) - 0.5f;
    }
    for (int r = 0; r < reps; r++) switch (which) {
        case 0: mm_nn(c, a, b, m, k, n); break;
        case 1: mm_nt(c, a, b, m, k, n); break;
        case 2: mm_tn(c, a, m, b, m, k, n); break;
        case 3: mm_nn_scalar(c, a, b, m, k, n); break;
        case 4: mm_nt_scalar(c, a, b, m, k, n); break;
        default: mm_tn_scalar(c, a, m, b, m, k, n); break;
        }
    return 0;
}
