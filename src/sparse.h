/* sparse.h: products over the non-zeros of a matrix only: the first layer's over a batch's
 * pixels (MNIST is about 81% exact zeros), and a convolution's over its output gradient (after
 * 2x2 pooling, at least three in four are exact zeros). 0 * w adds exactly nothing: since every
 * sum still runs over k in increasing order from +0, the results are the dense kernels' bits
 * (kernels.h), not an approximation. Each kernel has a scalar twin of the same signature; tests
 * compare them. */
#ifndef NN_SPARSE_H
#define NN_SPARSE_H

#include <stdint.h>

/* A batch of B samples of k pixels, listed twice, both in increasing order:
 *   by sample: sample r's non-zero pixels are row_idx/row_val[r * k ...], row_count[r] of them;
 *   by pixel:  pixel i's samples are col_sample/col_val[i * cap_b ...], col_count[i] of them. */
typedef struct sparse_batch {
    int B, k, nnz, cap_b; /* cap_b: the batch size the arrays were sized for */
    int *row_count;       /* cap_b */
    uint16_t *row_idx;    /* cap_b * k */
    float *row_val;
    int *col_count;       /* k */
    uint32_t *col_sample; /* k * cap_b */
    float *col_val;
} sparse_batch;

/* Arrays for batches of up to max_b samples of k <= 65536 pixels; NN_OK, NN_ERR_ARG or
 * NN_ERR_NOMEM. */
int sparse_batch_alloc(sparse_batch *sb, int max_b, int k);
void sparse_batch_release(sparse_batch *sb);
/* Lists samples [r0, r1) by sample and pixels [i0, i1) by pixel, from the samples idx[0..B) of
 * pixels (count x k IDX bytes) scaled by scale[]; returns the non-zeros among those pixels.
 * Several threads may build disjoint ranges at once; the caller then sets sb->B and sb->nnz. */
int sparse_batch_build(sparse_batch *sb, const uint8_t *pixels, const uint32_t *idx, int B, int k,
                       const float *scale, int r0, int r1, int i0, int i1);

/* The same lists from a float matrix m (rows of sb->k floats): rows [r0, r1) by row; then, once
 * all sb->B rows are listed, columns [i0, i1) by column from those rows. Threads may build
 * disjoint ranges at once; the counts are in row_count and col_count. */
void sparse_rows_from(sparse_batch *sb, const float *m, int r0, int r1);
void sparse_cols_from_rows(sparse_batch *sb, int i0, int i1);

/* Columns [j0, j1) of y (B x n) = X (B x k) . w (k x n), X given by sb's rows; col_count, if not
 * NULL, spares copying w's rows that no sample uses. scratch: SPARSE_SCRATCH(B, k) floats of the
 * calling thread's own. */
void sparse_mm_nn_scalar(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                         float *scratch);
/* Columns [j0, j1) of dw (k x n) = X^T . dy (B x n), X given by sb's columns; rows of pixels
 * without ink are zero. scratch as above. */
void sparse_mm_tn_scalar(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                         float *scratch);

#ifdef __wasm_simd128__
void sparse_mm_nn_simd(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                       float *scratch);
void sparse_mm_tn_simd(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                       float *scratch);
#endif
/* The twins in use (twins.c; see kernels_use_scalar in kernels.h). */
void sparse_mm_nn(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                  float *scratch);
void sparse_mm_tn(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                  float *scratch);

/* Output columns per pass of the SIMD kernels: 7 f32x4 accumulators. With 8, LLVM hoists the 8
 * loads of a step above the arithmetic and V8, which allocates 16 vector registers, spills an
 * accumulator to the stack: a store and a reload on every step's critical path (measured: the
 * weight gradient 1.6 times slower). */
#define SPARSE_BLOCK 28
/* Floats of scratch a thread needs: a block of W's rows (k x 28) or of dY's (B x 28). */
#define SPARSE_SCRATCH(B, k) ((size_t)((int)(B) > (int)(k) ? (int)(B) : (int)(k)) * SPARSE_BLOCK)

#endif
