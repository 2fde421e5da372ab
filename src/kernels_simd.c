/* kernels_simd.c: wasm_simd128 twins of kernels_scalar.c. Each output element is still summed over
 * k in increasing order from +0 (a multiply, then an add: this LLVM has no relaxed-SIMD FMA), so
 * the results equal the scalar ones bit for bit; the tests compare them exactly.
 * Register-blocked micro-kernels (V8 allocates 16 xmm registers: more live vectors spill,
 * measured): rv 4x8 and 2x12: vectors along C's rows, each A element splat; X.W and X^T.dY, the
 * 2x12 for the 10 classes; cv 8x4: vectors along C's columns (A's rows loaded as vectors, B splat),
 * stored through 4x4 in-register transposes: dY.W^T, without a transposed copy of W; and two shapes
 * that tiles serve badly: one image (a row of A: W read once, zeros skipped) and X^T.dY for 10
 * classes (rank-1 updates in a transposed block). B is packed into contiguous panels on the stack
 * (GotoBLAS' idea at the scale of one layer): W's rows are 2 KiB apart for 512 units, which puts a
 * column of them in the same few cache sets. */
#ifdef __wasm_simd128__
#include "kernels.h"

#include <stddef.h>
#include <string.h>
#include "simd.h"

#define KC 512 /* k per block: a B panel of KC x 12 floats (24 KB) stays in L1 */

/* ---- rv tiles: C[R x 4V] at ldc, = (or += when acc) sum_p A(r,p) B(p,v) for p < k, with
 *      A(r,p) = a[r*ar + p*ac] (R row pointers; rows past `rows` repeat the last one, so that a
 *      tile at the bottom edge reads only A's own rows: the caller keeps the valid ones) and
 *      B(p,v) = b[p*bs + v] (a packed panel, bs = 4V, or B's own rows, bs = n). ---- */
INLINE void rv_4x8(float *c, size_t ldc, const float *a, size_t ar, size_t ac, int rows,
                   const float *b, size_t bs, int k, int acc) {
    v128_t c00, c01, c10, c11, c20, c21, c30, c31;
    if (acc) {
        c00 = wasm_v128_load(c), c01 = wasm_v128_load(c + 4);
        c10 = wasm_v128_load(c + ldc), c11 = wasm_v128_load(c + ldc + 4);
        c20 = wasm_v128_load(c + 2 * ldc), c21 = wasm_v128_load(c + 2 * ldc + 4);
        c30 = wasm_v128_load(c + 3 * ldc), c31 = wasm_v128_load(c + 3 * ldc + 4);
    } else {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
    }
    const float *a0 = a, *a1 = rows > 1 ? a0 + ar : a0, *a2 = rows > 2 ? a1 + ar : a1,
                *a3 = rows > 3 ? a2 + ar : a2;
    for (int p = 0; p < k; p++) {
        const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t s = wasm_v128_load32_splat(a0);
        c00 = madd(c00, s, b0), c01 = madd(c01, s, b1);
        s = wasm_v128_load32_splat(a1);
        c10 = madd(c10, s, b0), c11 = madd(c11, s, b1);
        s = wasm_v128_load32_splat(a2);
        c20 = madd(c20, s, b0), c21 = madd(c21, s, b1);
        s = wasm_v128_load32_splat(a3);
        c30 = madd(c30, s, b0), c31 = madd(c31, s, b1);
        a0 += ac, a1 += ac, a2 += ac, a3 += ac, b += bs;
    }
    wasm_v128_store(c, c00), wasm_v128_store(c + 4, c01);
    wasm_v128_store(c + ldc, c10), wasm_v128_store(c + ldc + 4, c11);
    wasm_v128_store(c + 2 * ldc, c20), wasm_v128_store(c + 2 * ldc + 4, c21);
    wasm_v128_store(c + 3 * ldc, c30), wasm_v128_store(c + 3 * ldc + 4, c31);
}

/* The narrow tile for outputs of 10 classes: 2 rows x 12 columns, 6 accumulators. */
INLINE void rv_2x12(float *c, size_t ldc, const float *a, size_t ar, size_t ac, int rows,
                    const float *b, size_t bs, int k, int acc) {
    v128_t c00, c01, c02, c10, c11, c12;
    if (acc) {
        c00 = wasm_v128_load(c), c01 = wasm_v128_load(c + 4), c02 = wasm_v128_load(c + 8);
        c10 = wasm_v128_load(c + ldc), c11 = wasm_v128_load(c + ldc + 4);
        c12 = wasm_v128_load(c + ldc + 8);
    } else {
        c00 = c01 = c02 = c10 = c11 = c12 = wasm_f32x4_splat(0.0f);
    }
    const float *a0 = a, *a1 = rows > 1 ? a + ar : a;
    for (int p = 0; p < k; p++) {
        const v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4), b2 = wasm_v128_load(b + 8);
        v128_t s = wasm_v128_load32_splat(a0);
        c00 = madd(c00, s, b0), c01 = madd(c01, s, b1), c02 = madd(c02, s, b2);
        s = wasm_v128_load32_splat(a1);
        c10 = madd(c10, s, b0), c11 = madd(c11, s, b1), c12 = madd(c12, s, b2);
        a0 += ac, a1 += ac, b += bs;
    }
    wasm_v128_store(c, c00), wasm_v128_store(c + 4, c01), wasm_v128_store(c + 8, c02);
    wasm_v128_store(c + ldc, c10), wasm_v128_store(c + ldc + 4, c11);
    wasm_v128_store(c + ldc + 8, c12);
}

/* Rows of C up to which B is read in place rather than packed: a panel is packed once for all the
 * row tiles that use it, which pays only when there are several (X^T.dY of a first convolution
 * has 9 rows, 3 tiles: packing cost as much as the products). */
#define IN_PLACE_ROWS 12

/* C (m x n) (+)= A B for one k block: B packed into panels of nr columns (each element packed
 * once; read in place for a few rows), A read in place through row pointers. Partial tiles (the
 * last rows or columns) go through a full tile on the stack: B's missing columns are zeros
 * there, A's missing rows repeat its last, and only the valid part is copied out (and in, to
 * continue a sum). */
INLINE void gemm_rv_block(float *c, const float *a, size_t ar, size_t ac, const float *b, int m,
                          int k, int n, int j0, int j1, int acc, const int nr) {
    const int mr = nr == 8 ? 4 : 2;
    float bpanel[KC * 12], t[4 * 12];
    for (int j = j0; j < j1; j += nr) {
        int cols = j1 - j < nr ? j1 - j : nr;
        const float *bj = b + j;
        size_t bs = (size_t)n;
        if (cols < nr || m > IN_PLACE_ROWS) {
            for (int p = 0; p < k; p++) {
                const float *src = b + (size_t)p * n + j;
                float *d = bpanel + p * nr;
                if (cols == nr)
                    for (int v = 0; v < nr; v += 4) wasm_v128_store(d + v, wasm_v128_load(src + v));
                else
                    for (int v = 0; v < nr; v++) d[v] = v < cols ? src[v] : 0.0f;
            }
            bj = bpanel, bs = (size_t)nr;
        }
        for (int i = 0; i < m; i += mr) {
            int rows = m - i < mr ? m - i : mr;
            float *ci = c + (size_t)i * n + j;
            const float *ai = a + i * ar;
            if (rows == mr && cols == nr) {
                if (nr == 8) rv_4x8(ci, n, ai, ar, ac, mr, bj, bs, k, acc);
                else rv_2x12(ci, n, ai, ar, ac, mr, bj, bs, k, acc);
                continue;
            }
            for (int r = 0; r < rows && acc; r++)
                memcpy(t + r * nr, ci + r * n, cols * sizeof(float));
            if (nr == 8) rv_4x8(t, 8, ai, ar, ac, rows, bj, bs, k, acc);
            else rv_2x12(t, 12, ai, ar, ac, rows, bj, bs, k, acc);
            for (int r = 0; r < rows; r++) memcpy(ci + r * n, t + r * nr, cols * sizeof(float));
        }
    }
}

/* The 4x8 tile alone, for `npm run bench` (the ceiling of the products built from it): C[4 x 8]
 * = A B over k, A's 4 rows ar apart read in place, b a packed 8-column panel. */
void mm_tile_4x8_simd(float *c, const float *a, int ar, const float *b, int k) {
    rv_4x8(c, 8, a, (size_t)ar, 1, 4, b, 8, k, 0);
}

/* Outputs narrower than this take the 2 x 12 tile (10 classes fill 10 of its 12 columns). */
#define NARROW 16

/* Columns [j0, j1) of C (m x n) = A B with A(i,p) = a[i*ar + p*ac], B row-major k x n, in k
 * blocks of KC. */
INLINE void gemm_rv(float *c, const float *a, size_t ar, size_t ac, const float *b, int m, int k,
                    int n, int j0, int j1) {
    if (k == 0) {
        for (int i = 0; i < m; i++)
            memset(c + (size_t)i * n + j0, 0, (size_t)(j1 - j0) * sizeof(float));
        return;
    }
    for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = k - p0 < KC ? k - p0 : KC;
        const float *ak = a + (size_t)p0 * ac, *bk = b + (size_t)p0 * n;
        if (n < NARROW) gemm_rv_block(c, ak, ar, ac, bk, m, kc, n, j0, j1, p0 > 0, 12);
        else gemm_rv_block(c, ak, ar, ac, bk, m, kc, n, j0, j1, p0 > 0, 8);
    }
}

/* A few rows (one image to classify): c's row accumulates b's rows in order, skipping the zeros
 * of a (0 * w adds exactly nothing), so that b is read once, in order, and only where the image
 * has ink; packing b into panels would cost more than the product. */
static void nn_rows(float *c, const float *a, const float *b, int m, int k, int n, int j0, int j1) {
    const int j4 = j0 + ((j1 - j0) & ~3);
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * n;
        memset(ci + j0, 0, (size_t)(j1 - j0) * sizeof(float));
        for (int p = 0; p < k; p++) {
            const float x = a[(size_t)i * k + p];
            if (x == 0.0f) continue;
            const float *bp = b + (size_t)p * n;
            const v128_t s = wasm_f32x4_splat(x);
            int j = j0;
            for (; j < j4; j += 4)
                wasm_v128_store(ci + j, madd(wasm_v128_load(ci + j), s, wasm_v128_load(bp + j)));
            for (; j < j1; j++) ci[j] += x * bp[j];
        }
    }
}

void mm_nn_cols_simd(float *c, const float *a, const float *b, int m, int k, int n, int j0,
                     int j1) {
    if (m < 4) nn_rows(c, a, b, m, k, n, j0, j1);
    else gemm_rv(c, a, (size_t)k, 1, b, m, k, n, j0, j1);
}

/* X^T.dY for a narrow dY (the last layer's 10 classes): c's columns are accumulated in a
 * transposed block on the stack, one rank-1 update per sample p, so that X's rows are read in
 * order. Walking down X's columns instead (rows lda floats apart, 2 KiB for 512 units) lands
 * every load in the same few cache sets. */
#define TN_ROWS 512
static void tn_narrow(float *c, const float *a, int lda, const float *b, int m, int k, int n) {
    float ct[NARROW * TN_ROWS];
    for (int i0 = 0; i0 < m; i0 += TN_ROWS) {
        const int rows = m - i0 < TN_ROWS ? m - i0 : TN_ROWS, r4 = rows & ~3;
        memset(ct, 0, (size_t)n * TN_ROWS * sizeof(float));
        for (int p = 0; p < k; p++) {
            const float *ap = a + (size_t)p * lda + i0, *bp = b + (size_t)p * n;
            for (int j = 0; j < n; j++) {
                float *cj = ct + j * TN_ROWS;
                const float bj = bp[j];
                const v128_t s = wasm_f32x4_splat(bj);
                int i = 0;
                for (; i < r4; i += 4)
                    wasm_v128_store(cj + i,
                                    madd(wasm_v128_load(cj + i), s, wasm_v128_load(ap + i)));
                for (; i < rows; i++) cj[i] += ap[i] * bj;
            }
        }
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < n; j++) c[(size_t)(i0 + i) * n + j] = ct[j * TN_ROWS + i];
    }
}

void mm_tn_simd(float *c, const float *a, int lda, const float *b, int m, int k, int n) {
    if (n < NARROW) tn_narrow(c, a, lda, b, m, k, n);
    else gemm_rv(c, a, 1, (size_t)lda, b, m, k, n, 0, n);
}

void mm_tn_cols_simd(float *c, const float *a, int lda, const float *b, int m, int k, int n, int j0,
                     int j1) {
    if (n < NARROW) { /* narrow: the scalar reference (the same bits) */
        mm_tn_cols_scalar(c, a, lda, b, m, k, n, j0, j1);
        return;
    }
    gemm_rv(c, a, 1, (size_t)lda, b, m, k, n, j0, j1);
}

/* ---- dY.W^T: cv tiles, C[8 x 4] with vectors along C's columns: A's rows (dY's samples) are
 *      packed 8 at a time into [k x 8] panels, B (W's rows) is splat in place, and the tile is
 *      stored through 4x4 in-register transposes. No copy of W, transposed or not. ---- */
INLINE void transpose4(v128_t *x0, v128_t *x1, v128_t *x2, v128_t *x3) {
    v128_t lo01 = wasm_i32x4_shuffle(*x0, *x1, 0, 4, 1, 5);
    v128_t lo23 = wasm_i32x4_shuffle(*x2, *x3, 0, 4, 1, 5);
    v128_t hi01 = wasm_i32x4_shuffle(*x0, *x1, 2, 6, 3, 7);
    v128_t hi23 = wasm_i32x4_shuffle(*x2, *x3, 2, 6, 3, 7);
    *x0 = wasm_i32x4_shuffle(lo01, lo23, 0, 1, 4, 5);
    *x1 = wasm_i32x4_shuffle(lo01, lo23, 2, 3, 6, 7);
    *x2 = wasm_i32x4_shuffle(hi01, hi23, 0, 1, 4, 5);
    *x3 = wasm_i32x4_shuffle(hi01, hi23, 2, 3, 6, 7);
}

/* C[8 x 4] at ldc (+)= sum_p A(r,p) B(p,j): A(r,p) = a[p*8 + r] (a packed panel),
 * B(p,j) = b[p + j*bj]. x[j][h] holds rows 4h..4h+3 of column j. */
INLINE void cv_8x4(float *c, size_t ldc, const float *a, const float *b, size_t bj, int k,
                   int acc) {
    v128_t x[4][2];
    for (int h = 0; h < 2; h++) {
        v128_t r0, r1, r2, r3;
        if (acc) {
            r0 = wasm_v128_load(c + (4 * h) * ldc), r1 = wasm_v128_load(c + (4 * h + 1) * ldc);
            r2 = wasm_v128_load(c + (4 * h + 2) * ldc), r3 = wasm_v128_load(c + (4 * h + 3) * ldc);
            transpose4(&r0, &r1, &r2, &r3);
        } else {
            r0 = r1 = r2 = r3 = wasm_f32x4_splat(0.0f);
        }
        x[0][h] = r0, x[1][h] = r1, x[2][h] = r2, x[3][h] = r3;
    }
    const float *b0 = b, *b1 = b + bj, *b2 = b + 2 * bj, *b3 = b + 3 * bj;
    for (int p = 0; p < k; p++) {
        const v128_t a0 = wasm_v128_load(a), a1 = wasm_v128_load(a + 4);
        v128_t s = wasm_v128_load32_splat(b0 + p);
        x[0][0] = madd(x[0][0], a0, s), x[0][1] = madd(x[0][1], a1, s);
        s = wasm_v128_load32_splat(b1 + p);
        x[1][0] = madd(x[1][0], a0, s), x[1][1] = madd(x[1][1], a1, s);
        s = wasm_v128_load32_splat(b2 + p);
        x[2][0] = madd(x[2][0], a0, s), x[2][1] = madd(x[2][1], a1, s);
        s = wasm_v128_load32_splat(b3 + p);
        x[3][0] = madd(x[3][0], a0, s), x[3][1] = madd(x[3][1], a1, s);
        a += 8;
    }
    for (int h = 0; h < 2; h++) {
        v128_t r0 = x[0][h], r1 = x[1][h], r2 = x[2][h], r3 = x[3][h];
        transpose4(&r0, &r1, &r2, &r3);
        wasm_v128_store(c + (4 * h) * ldc, r0), wasm_v128_store(c + (4 * h + 1) * ldc, r1);
        wasm_v128_store(c + (4 * h + 2) * ldc, r2), wasm_v128_store(c + (4 * h + 3) * ldc, r3);
    }
}

void mm_nt_simd(float *c, const float *a, const float *b, int m, int k, int n) {
    float panel[KC * 8], t[8 * 4];
    if (k == 0) {
        memset(c, 0, (size_t)m * n * sizeof(float));
        return;
    }
    for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = k - p0 < KC ? k - p0 : KC, acc = p0 > 0;
        for (int i = 0; i < m; i += 8) {
            int rows = m - i < 8 ? m - i : 8;
            for (int p = 0; p < kc; p++)
                for (int r = 0; r < 8; r++)
                    panel[p * 8 + r] = r < rows ? a[(size_t)(i + r) * k + p0 + p] : 0.0f;
            for (int j = 0; j < n; j += 4) {
                int cols = n - j < 4 ? n - j : 4;
                float *cij = c + (size_t)i * n + j;
                const float *bj = b + (size_t)j * k + p0;
                if (rows == 8 && cols == 4) {
                    cv_8x4(cij, n, panel, bj, (size_t)k, kc, acc);
                    continue;
                }
                if (cols < 4) { /* the last 1-3 columns: sequential sums, one element at a time */
                    for (int r = 0; r < rows; r++)
                        for (int jj = 0; jj < cols; jj++) {
                            float sum = acc ? cij[r * n + jj] : 0.0f;
                            for (int p = 0; p < kc; p++) sum += panel[p * 8 + r] * bj[jj * k + p];
                            cij[r * n + jj] = sum;
                        }
                    continue;
                }
                for (int r = 0; r < rows && acc; r++)
                    memcpy(t + 4 * r, cij + r * n, 4 * sizeof(float));
                cv_8x4(t, 4, panel, bj, (size_t)k, kc, acc);
                for (int r = 0; r < rows; r++) memcpy(cij + r * n, t + 4 * r, 4 * sizeof(float));
            }
        }
    }
}

#else
typedef int kernels_simd_unused; /* ISO C wants a non-empty translation unit */
#endif
