/* kernels.h: the matrix products of a dense layer, each as a scalar reference and (in the wasm
 * build) a wasm_simd128 twin with the same signature and the same bits: every output element is
 * summed over k in increasing order from +0, one multiply then one add (no FMA), so the two agree
 * exactly and skipping zero inputs (the sparse path) changes nothing. Row-major floats.
 * mm_* without a suffix is the twin in use (twins.c). */
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
/* columns [j0, j1) of the same: a block of c's columns alone */
void mm_tn_cols_scalar(float *c, const float *a, int lda, const float *b, int m, int k, int n,
                       int j0, int j1);

#ifdef __wasm_simd128__
void mm_nn_cols_simd(float *c, const float *a, const float *b, int m, int k, int n, int j0, int j1);
void mm_nt_simd(float *c, const float *a, const float *b, int m, int k, int n);
void mm_tn_simd(float *c, const float *a, int lda, const float *b, int m, int k, int n);
void mm_tn_cols_simd(float *c, const float *a, int lda, const float *b, int m, int k, int n, int j0,
                     int j1);
void mm_tile_4x8_simd(float *c, const float *a, int ar, const float *b, int k);
#define NN_KERNELS_SIMD 1
#else
#define NN_KERNELS_SIMD 0
#endif

/* The twin in use (twins.c): SIMD where the build has it, unless kernels_use_scalar(1). */
void mm_nn_cols(float *c, const float *a, const float *b, int m, int k, int n, int j0, int j1);
void mm_nt(float *c, const float *a, const float *b, int m, int k, int n);
void mm_tn(float *c, const float *a, int lda, const float *b, int m, int k, int n);
void mm_tn_cols(float *c, const float *a, int lda, const float *b, int m, int k, int n, int j0,
                int j1);
/* Whether the scalar twins are in use (kernels_use_scalar, or a build without SIMD): code with a
 * SIMD path of its own outside these files asks this to pick its twin. */
int kernels_scalar(void);
/* Tests: 1 makes every kernel with a SIMD twin (products, sparse products, RMSprop) run its
 * scalar reference instead, so that whole trainings can be compared bit for bit; 0 undoes it.
 * Not thread-safe: set it while nothing trains. */
void kernels_use_scalar(int on);

/* c (m x n) = a (m x k) . b (k x n): all the columns */
static inline void mm_nn_scalar(float *c, const float *a, const float *b, int m, int k, int n) {
    mm_nn_cols_scalar(c, a, b, m, k, n, 0, n);
}
static inline void mm_nn(float *c, const float *a, const float *b, int m, int k, int n) {
    mm_nn_cols(c, a, b, m, k, n, 0, n);
}

#endif
