/* sparse.h: the first layer's two products over the non-zero pixels of a batch only. MNIST is
 * about 81% exact zeros, and 0 * w adds exactly nothing: since every sum still runs over k in
 * increasing order from +0, the results are the dense kernels' bits (kernels.h), not an
 * approximation. Each kernel has a scalar twin of the same signature; tests compare them. */
#ifndef NN_SPARSE_H
#define NN_SPARSE_H

#include <stdint.h>

/* A batch of B samples of k pixels listed by pixel: pixel i's non-zeros are the `count[i]`
 * entries at sample/value[i * B ...], samples in increasing order. Built in one pass. */
typedef struct sparse_batch {
    int B, k, nnz, cap_b; /* cap_b: the B the arrays were sized for */
    int *count;           /* k */
    uint32_t *sample;     /* k * cap_b */
    float *value;         /* k * cap_b */
    float *block;         /* cap_b * 32: one column block of activations or gradients */
} sparse_batch;

/* Arrays for batches of up to max_b samples of k pixels; NN_OK or NN_ERR_NOMEM. */
int sparse_batch_alloc(sparse_batch *sb, int max_b, int k);
void sparse_batch_release(sparse_batch *sb);
/* Lists the samples idx[0..B) of pixels (count x k IDX bytes), scaled by scale[]. */
void sparse_batch_build(sparse_batch *sb, const uint8_t *pixels, const uint32_t *idx, int B, int k,
                        const float *scale);

/* y (B x n) = X (B x k) . w (k x n), X given by sb. Uses sb->block as scratch. */
void sparse_mm_nn_scalar(float *y, sparse_batch *sb, const float *w, int n);
/* dw (k x n) = X^T . dy (B x n); rows of pixels without ink are zero. Uses sb->block. */
void sparse_mm_tn_scalar(float *dw, sparse_batch *sb, const float *dy, int n);

#ifdef __wasm_simd128__
void sparse_mm_nn_simd(float *y, sparse_batch *sb, const float *w, int n);
void sparse_mm_tn_simd(float *dw, sparse_batch *sb, const float *dy, int n);
#define sparse_mm_nn sparse_mm_nn_simd
#define sparse_mm_tn sparse_mm_tn_simd
#else
#define sparse_mm_nn sparse_mm_nn_scalar
#define sparse_mm_tn sparse_mm_tn_scalar
#endif

#endif
