/* kernels.h: the matrix products of a dense layer, each as a scalar reference and (in the wasm
 * build) a wasm_simd128 twin with the same signature and the same bits: every output element is
 * summed over k in increasing order from +0, one multiply then one add (no FMA), so the two agree
 * exactly and skipping zero inputs (the sparse path) changes nothing. Row-major floats.
 * mm_* without a suffix is the fastest twin this build has. */
#ifndef KERNELS_H
#define KERNELS_H

/* columns [j0, j1) of c (m x n) = a (m x k) . b (k x n)      forward: X.W (a thread's share) */
void mm_nn_cols_scalar(float *c, const float *a, const float *b, int m, int k, int n, int j0,
                       int j1);
/* c (m x n) = a (m x k) . b (n x k)^T    backward: dY.W^T */
void mm_nt_scalar(float *c, const float *a, const float *b, int m, int k, int n);
/* c (m x n) = a (k x m)^T . b (k x n)    backward: X^T.dY; a's rows are lda >= m floats apart, so
 * that a block of c's rows (a block of a's columns) can be computed alone */
void mm_tn_scalar(float *c, const float *a, int lda, const float *b, int m, int k, int n);

#ifdef __wasm_simd128__
void mm_nn_cols_simd(float *c, const float *a, const float *b, int m, int k, int n, int j0, int j1);
void mm_nt_simd(float *c, const float *a, const float *b, int m, int k, int n);
void mm_tn_simd(float *c, const float *a, int lda, const float *b, int m, int k, int n);
void mm_tile_4x8_simd(float *c, const float *a, int ar, const float *b, int k);
#define mm_nn_cols mm_nn_cols_simd
#define mm_nn mm_nn_simd
#define mm_nt mm_nt_simd
#define mm_tn mm_tn_simd
#define NN_KERNELS_SIMD 1
#else
#define mm_nn_cols mm_nn_cols_scalar
#define mm_nn mm_nn_scalar
#define mm_nt mm_nt_scalar
#define mm_tn mm_tn_scalar
#define NN_KERNELS_SIMD 0
#endif

/* c (m x n) = a (m x k) . b (k x n): all the columns */
static inline void mm_nn_scalar(float *c, const float *a, const float *b, int m, int k, int n) {
    mm_nn_cols_scalar(c, a, b, m, k, n, 0, n);
}
#ifdef __wasm_simd128__
static inline void mm_nn_simd(float *c, const float *a, const float *b, int m, int k, int n) {
    mm_nn_cols_simd(c, a, b, m, k, n, 0, n);
}
#endif

#endif
