/* kernels_simd.c: wasm_simd128 twins of kernels_scalar.c, register-blocked. Each output element
 * is still summed over k in increasing order from +0 (multiply, then add: wasm has no FMA here),
 * so the results equal the scalar ones bit for bit; the tests compare them exactly.
 * Tiles: MR rows x 4*NV columns of accumulators kept in registers over the whole k loop. */
#ifdef __wasm_simd128__
#include "kernels.h"

#include <stddef.h>
#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

INLINE v128_t madd(v128_t acc, v128_t x, v128_t y) {
    return wasm_f32x4_add(acc, wasm_f32x4_mul(x, y));
}

/* c tile (mr x 4*nv) at row stride n: sum_p A(r,p) * b[p*n + j], A(r,p) = a[r*ars + p*acs]. */
INLINE void tile_splat(float *c, const float *a, size_t ars, size_t acs, const float *b, int k,
                       int n, const int mr, const int nv) {
    v128_t acc[6][3];
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++) acc[r][v] = wasm_f32x4_splat(0.0f);
    for (int p = 0; p < k; p++) {
        const float *bp = b + (size_t)p * n;
        v128_t bv[3];
        for (int v = 0; v < nv; v++) bv[v] = wasm_v128_load(bp + 4 * v);
        const float *ap = a + (size_t)p * acs;
        for (int r = 0; r < mr; r++) {
            v128_t s = wasm_v128_load32_splat(ap + (size_t)r * ars);
            for (int v = 0; v < nv; v++) acc[r][v] = madd(acc[r][v], s, bv[v]);
        }
    }
    for (int r = 0; r < mr; r++)
        for (int v = 0; v < nv; v++) wasm_v128_store(c + (size_t)r * n + 4 * v, acc[r][v]);
}

/* The columns past the last multiple of 4, one at a time, in the scalar order. */
static void cols_scalar(float *c, const float *a, size_t ars, size_t acs, const float *b, int m,
                        int k, int n, int j0) {
    for (int i = 0; i < m; i++)
        for (int j = j0; j < n; j++) {
            float s = 0.0f;
            for (int p = 0; p < k; p++)
                s += a[(size_t)i * ars + (size_t)p * acs] * b[(size_t)p * n + j];
            c[(size_t)i * n + j] = s;
        }
}

/* c (m x n) = A (m x k) . b (k x n) with A(i,p) = a[i*ars + p*acs]. Column panels outside, so a
 * panel of b (k x 8 floats) stays in L1 while every row block streams past it. */
static void gemm_splat(float *c, const float *a, size_t ars, size_t acs, const float *b, int m,
                       int k, int n) {
    int j = 0;
    for (; j + 8 <= n; j += 8) {
        int i = 0;
        for (; i + 4 <= m; i += 4)
            tile_splat(c + (size_t)i * n + j, a + (size_t)i * ars, ars, acs, b + j, k, n, 4, 2);
        for (; i < m; i++)
            tile_splat(c + (size_t)i * n + j, a + (size_t)i * ars, ars, acs, b + j, k, n, 1, 2);
    }
    for (; j + 4 <= n; j += 4) {
        int i = 0;
        for (; i + 4 <= m; i += 4)
            tile_splat(c + (size_t)i * n + j, a + (size_t)i * ars, ars, acs, b + j, k, n, 4, 1);
        for (; i < m; i++)
            tile_splat(c + (size_t)i * n + j, a + (size_t)i * ars, ars, acs, b + j, k, n, 1, 1);
    }
    if (j < n) cols_scalar(c, a, ars, acs, b, m, k, n, j);
}

void mm_nn_simd(float *c, const float *a, const float *b, int m, int k, int n) {
    gemm_splat(c, a, (size_t)k, 1, b, m, k, n);
}

void mm_tn_simd(float *c, const float *a, const float *b, int m, int k, int n) {
    gemm_splat(c, a, 1, (size_t)m, b, m, k, n);
}

/* c tile (mr x 4): c[i][j..j+3] = sum_p a[i,p] * b[j+q,p]. Four rows of b are transposed in
 * registers, four k at a time, and reused by the mr rows of a: no transposed copy of b. */
INLINE void tile_nt(float *c, const float *a, const float *b, int k, int n, const int mr) {
    v128_t acc[8];
    for (int r = 0; r < mr; r++) acc[r] = wasm_f32x4_splat(0.0f);
    const float *b0 = b, *b1 = b + k, *b2 = b + 2 * (size_t)k, *b3 = b + 3 * (size_t)k;
    int p = 0;
    for (; p + 4 <= k; p += 4) {
        v128_t r0 = wasm_v128_load(b0 + p), r1 = wasm_v128_load(b1 + p);
        v128_t r2 = wasm_v128_load(b2 + p), r3 = wasm_v128_load(b3 + p);
        v128_t lo01 = wasm_i32x4_shuffle(r0, r1, 0, 4, 1, 5);
        v128_t lo23 = wasm_i32x4_shuffle(r2, r3, 0, 4, 1, 5);
        v128_t hi01 = wasm_i32x4_shuffle(r0, r1, 2, 6, 3, 7);
        v128_t hi23 = wasm_i32x4_shuffle(r2, r3, 2, 6, 3, 7);
        v128_t t[4] = {
            wasm_i32x4_shuffle(lo01, lo23, 0, 1, 4, 5), wasm_i32x4_shuffle(lo01, lo23, 2, 3, 6, 7),
            wasm_i32x4_shuffle(hi01, hi23, 0, 1, 4, 5), wasm_i32x4_shuffle(hi01, hi23, 2, 3, 6, 7)};
        for (int r = 0; r < mr; r++) {
            const float *ar = a + (size_t)r * k + p;
            for (int q = 0; q < 4; q++) acc[r] = madd(acc[r], wasm_v128_load32_splat(ar + q), t[q]);
        }
    }
    for (; p < k; p++) {
        v128_t t = wasm_f32x4_make(b0[p], b1[p], b2[p], b3[p]);
        for (int r = 0; r < mr; r++)
            acc[r] = madd(acc[r], wasm_v128_load32_splat(a + (size_t)r * k + p), t);
    }
    for (int r = 0; r < mr; r++) wasm_v128_store(c + (size_t)r * n, acc[r]);
}

void mm_nt_simd(float *c, const float *a, const float *b, int m, int k, int n) {
    int j = 0;
    for (; j + 4 <= n; j += 4) {
        const float *bj = b + (size_t)j * k;
        int i = 0;
        for (; i + 8 <= m; i += 8) tile_nt(c + (size_t)i * n + j, a + (size_t)i * k, bj, k, n, 8);
        for (; i < m; i++) tile_nt(c + (size_t)i * n + j, a + (size_t)i * k, bj, k, n, 1);
    }
    for (; j < n; j++)
        for (int i = 0; i < m; i++) {
            float s = 0.0f;
            for (int p = 0; p < k; p++) s += a[(size_t)i * k + p] * b[(size_t)j * k + p];
            c[(size_t)i * n + j] = s;
        }
}

#else
typedef int kernels_simd_unused; /* ISO C wants a non-empty translation unit */
#endif
