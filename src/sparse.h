/* sparse.h: the first layer's two products over the non-zero pixels of a batch only. MNIST is
 * about 81% exact zeros, and 0 * w adds exactly nothing: since every sum still runs over k in
 * increasing order from +0, the results are the dense kernels' bits (kernels.h), not an
 * approximation. Each kernel has a scalar twin of the same signature; tests compare them. */
#ifndef NN_SPARSE_H
#define NN_SPARSE_H

#include <stdint.h>

/* A batch of B samples of k pixels listed by pixel: pixel i's non-zeros are the `count[i]`
 * entries at sample/value[i * cap_b ...], samples in increasing order. */
typedef struct sparse_batch {
    int B, k, nnz, cap_b; /* cap_b: the batch size the arrays were sized for */
    int *count;           /* k */
    uint32_t *sample;     /* k * cap_b */
    float *value;         /* k * cap_b */
    float *block;         /* threads * cap_b * 32: each thread's block of a product */
} sparse_batch;

/* Arrays for batches of up to max_b samples of k pixels, products on up to `threads` threads;
 * NN_OK or NN_ERR_NOMEM. */
int sparse_batch_alloc(sparse_batch *sb, int max_b, int k, int threads);
void sparse_batch_release(sparse_batch *sb);
/* Lists pixels [i0, i1) of the samples idx[0..B) of pixels (count x k IDX bytes), scaled by
 * scale[]; returns how many are non-zero. Disjoint ranges may be built at once by several
 * threads; the caller then sets sb->B and sb->nnz. */
int sparse_batch_build(sparse_batch *sb, const uint8_t *pixels, const uint32_t *idx, int B, int k,
                       const float *scale, int i0, int i1);

/* Columns [j0, j1) of y (B x n) = X (B x k) . w (k x n), X given by sb. scratch: B x 32 floats,
 * the calling thread's own (sb->block + t * cap_b * 32). j0 is a multiple of 4. */
void sparse_mm_nn_scalar(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                         float *scratch);
/* Columns [j0, j1) of dw (k x n) = X^T . dy (B x n); rows of pixels without ink are zero. */
void sparse_mm_tn_scalar(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                         float *scratch);

#ifdef __wasm_simd128__
void sparse_mm_nn_simd(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                       float *scratch);
void sparse_mm_tn_simd(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                       float *scratch);
#define sparse_mm_nn sparse_mm_nn_simd
#define sparse_mm_tn sparse_mm_tn_simd
#else
#define sparse_mm_nn sparse_mm_nn_scalar
#define sparse_mm_tn sparse_mm_tn_scalar
#endif

#endif
