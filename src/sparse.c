/* sparse.c: products over a matrix's non-zeros (see sparse.h).
 * Forward: for each sample, its non-zero pixels in order, with 28 output columns of accumulators
 * in 7 f32x4 registers, reading those pixels' weight rows. Weight gradient: for each pixel, the
 * samples with ink there, in order, with 28 columns in registers, reading those samples' rows of
 * dY from a contiguous copy of the column block (B x 28 floats: it stays in L1, where dY's own
 * rows, 2 KiB apart for 512 units, would fall into the same few cache sets). Both keep every
 * sum in increasing k from +0, so they give the dense kernels' bits. */
#include "sparse.h"

#include "nn.h"

#include <stdlib.h>
#include <string.h>

int sparse_batch_alloc(sparse_batch *sb, int max_b, int k) {
    memset(sb, 0, sizeof *sb);
    if (k > 65536) return NN_ERR_ARG; /* row_idx holds pixel indices in 16 bits */
    size_t cells = (size_t)max_b * k;
    sb->row_count = malloc((size_t)max_b * sizeof(int));
    sb->row_idx = malloc(cells * sizeof(uint16_t));
    sb->row_val = malloc(cells * sizeof(float));
    sb->col_count = malloc((size_t)k * sizeof(int));
    sb->col_sample = malloc(cells * sizeof(uint32_t));
    sb->col_val = malloc(cells * sizeof(float));
    if (!sb->row_count || !sb->row_idx || !sb->row_val || !sb->col_count || !sb->col_sample ||
        !sb->col_val) {
        sparse_batch_release(sb);
        return NN_ERR_NOMEM;
    }
    sb->cap_b = max_b;
    sb->k = k;
    return NN_OK;
}

void sparse_batch_release(sparse_batch *sb) {
    free(sb->row_count), free(sb->row_idx), free(sb->row_val);
    free(sb->col_count), free(sb->col_sample), free(sb->col_val);
    memset(sb, 0, sizeof *sb);
}

#ifdef __wasm_simd128__
#include "simd.h"
/* Bit j set if byte j of the 16 at p is not zero: one compare and a bitmask, so that MNIST's
 * empty borders cost nothing and a stroke's pixels are found without testing each byte. */
static inline unsigned nonzero16(const uint8_t *p) {
    return (unsigned)wasm_i8x16_bitmask(wasm_i8x16_ne(wasm_v128_load(p), wasm_i8x16_splat(0)));
}
/* The same for 16 floats, four compares (-0 counts as zero: it adds nothing either). */
static inline unsigned nonzero16f(const float *p) {
    const v128_t z = wasm_f32x4_splat(0.0f);
    unsigned m = 0;
    for (int v = 0; v < 4; v++)
        m |= (unsigned)wasm_i32x4_bitmask(wasm_f32x4_ne(wasm_v128_load(p + 4 * v), z)) << 4 * v;
    return m;
}
#else
static inline unsigned nonzero16(const uint8_t *p) {
    unsigned m = 0;
    for (int j = 0; j < 16; j++) m |= (unsigned)(p[j] != 0) << j;
    return m;
}
static inline unsigned nonzero16f(const float *p) {
    unsigned m = 0;
    for (int j = 0; j < 16; j++) m |= (unsigned)(p[j] != 0.0f) << j;
    return m;
}
#endif

/* Calls add(i) for each non-zero pixel i in [i0, i1) of src, in increasing order. */
#define FOR_NONZERO(src, i0, i1, add)                                   \
    do {                                                                \
        int i_ = (i0);                                                  \
        for (; i_ + 16 <= (i1); i_ += 16)                               \
            for (unsigned m_ = nonzero16((src) + i_); m_; m_ &= m_ - 1) \
                add(i_ + __builtin_ctz(m_));                            \
        for (; i_ < (i1); i_++)                                         \
            if ((src)[i_]) add(i_);                                     \
    } while (0)

int sparse_batch_build(sparse_batch *sb, const uint8_t *pixels, const uint32_t *idx, int B, int k,
                       const float *scale, int r0, int r1, int i0, int i1) {
    const size_t cap = (size_t)sb->cap_b;
    for (int r = r0; r < r1; r++) {
        const uint8_t *src = pixels + (size_t)idx[r] * k;
        uint16_t *ri = sb->row_idx + (size_t)r * k;
        float *rv = sb->row_val + (size_t)r * k;
        int n = 0;
#define ADD_ROW(i) (ri[n] = (uint16_t)(i), rv[n++] = scale[src[i]])
        FOR_NONZERO(src, 0, k, ADD_ROW);
#undef ADD_ROW
        sb->row_count[r] = n;
    }
    memset(sb->col_count + i0, 0, (size_t)(i1 - i0) * sizeof(int));
    int nnz = 0;
    for (int r = 0; r < B; r++) {
        const uint8_t *src = pixels + (size_t)idx[r] * k;
#define ADD_COL(i)                                                                  \
    do {                                                                            \
        size_t at_ = (size_t)(i)*cap + (size_t)sb->col_count[i]++;                  \
        sb->col_sample[at_] = (uint32_t)r, sb->col_val[at_] = scale[src[i]], nnz++; \
    } while (0)
        FOR_NONZERO(src, i0, i1, ADD_COL);
#undef ADD_COL
    }
    return nnz;
}

void sparse_rows_from(sparse_batch *sb, const float *m, int r0, int r1) {
    const int k = sb->k;
    for (int r = r0; r < r1; r++) {
        const float *src = m + (size_t)r * k;
        uint16_t *ri = sb->row_idx + (size_t)r * k;
        float *rv = sb->row_val + (size_t)r * k;
        int n = 0, i = 0;
        for (; i + 16 <= k; i += 16)
            for (unsigned b = nonzero16f(src + i); b; b &= b - 1) {
                const int at = i + __builtin_ctz(b);
                ri[n] = (uint16_t)at, rv[n++] = src[at];
            }
        for (; i < k; i++)
            if (src[i] != 0.0f) ri[n] = (uint16_t)i, rv[n++] = src[i];
        sb->row_count[r] = n;
    }
}

void sparse_cols_from_rows(sparse_batch *sb, int i0, int i1) {
    const size_t cap = (size_t)sb->cap_b;
    memset(sb->col_count + i0, 0, (size_t)(i1 - i0) * sizeof(int));
    for (int r = 0; r < sb->B; r++) {
        const uint16_t *ri = sb->row_idx + (size_t)r * sb->k;
        const float *rv = sb->row_val + (size_t)r * sb->k;
        const int n = sb->row_count[r];
        int e = 0;
        while (e < n && ri[e] < i0) e++;
        for (; e < n && ri[e] < i1; e++) {
            const size_t at = (size_t)ri[e] * cap + (size_t)sb->col_count[ri[e]]++;
            sb->col_sample[at] = (uint32_t)r, sb->col_val[at] = rv[e];
        }
    }
}

void sparse_mm_nn_scalar(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                         float *scratch) {
    (void)scratch;
    for (int r = 0; r < sb->B; r++) {
        float *yr = y + (size_t)r * n;
        const uint16_t *ri = sb->row_idx + (size_t)r * sb->k;
        const float *rv = sb->row_val + (size_t)r * sb->k;
        for (int j = j0; j < j1; j++) yr[j] = 0.0f;
        for (int e = 0; e < sb->row_count[r]; e++) {
            const float x = rv[e], *wi = w + (size_t)ri[e] * n;
            for (int j = j0; j < j1; j++) yr[j] += x * wi[j];
        }
    }
}

void sparse_mm_tn_scalar(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                         float *scratch) {
    const size_t cap = (size_t)sb->cap_b;
    (void)scratch;
    for (int i = 0; i < sb->k; i++) {
        float *di = dw + (size_t)i * n;
        for (int j = j0; j < j1; j++) di[j] = 0.0f;
        for (int e = 0; e < sb->col_count[i]; e++) {
            const float x = sb->col_val[(size_t)i * cap + e];
            const float *dr = dy + (size_t)sb->col_sample[(size_t)i * cap + e] * n;
            for (int j = j0; j < j1; j++) di[j] += x * dr[j];
        }
    }
}

#ifdef __wasm_simd128__

/* nv vectors from src to dst: a block row is 16 to 112 bytes, too short for memcpy's call. */
INLINE void copy_block(float *dst, const float *src, const int nv) {
    for (int v = 0; v < nv; v++) wasm_v128_store(dst + 4 * v, wasm_v128_load(src + 4 * v));
}

/* Forward over columns [j0, j0 + 4nv) for every sample: the block of W's rows that some sample
 * uses is first copied contiguous (k x 4nv floats), for the same reason as dY's in tn_block. */
INLINE void nn_block(float *y, const sparse_batch *sb, const float *w, int n, int j0, float *blk,
                     const int nv) {
    const size_t bw = (size_t)4 * nv;
    for (int i = 0; i < sb->k; i++)
        if (!sb->col_count || sb->col_count[i])
            copy_block(blk + i * bw, w + (size_t)i * n + j0, nv);
    for (int r = 0; r < sb->B; r++) {
        const uint16_t *ri = sb->row_idx + (size_t)r * sb->k;
        const float *rv = sb->row_val + (size_t)r * sb->k;
        v128_t acc[7];
        for (int v = 0; v < nv; v++) acc[v] = wasm_f32x4_splat(0.0f);
        for (int e = 0; e < sb->row_count[r]; e++) {
            const float *wi = blk + ri[e] * bw;
            const v128_t s = wasm_f32x4_splat(rv[e]);
            for (int v = 0; v < nv; v++) acc[v] = madd(acc[v], s, wasm_v128_load(wi + 4 * v));
        }
        float *yr = y + (size_t)r * n + j0;
        for (int v = 0; v < nv; v++) wasm_v128_store(yr + 4 * v, acc[v]);
    }
}

/* Weight gradient over columns [j0, j0 + 4nv): dY's block copied contiguous, then each pixel's
 * row of the block summed in registers over its samples and stored once. */
INLINE void tn_block(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, float *blk,
                     const int nv) {
    const size_t cap = (size_t)sb->cap_b, bw = (size_t)4 * nv;
    for (int r = 0; r < sb->B; r++) copy_block(blk + r * bw, dy + (size_t)r * n + j0, nv);
    for (int i = 0; i < sb->k; i++) {
        v128_t acc[7];
        for (int v = 0; v < nv; v++) acc[v] = wasm_f32x4_splat(0.0f);
        const uint32_t *smp = sb->col_sample + (size_t)i * cap;
        const float *val = sb->col_val + (size_t)i * cap;
        for (int e = 0; e < sb->col_count[i]; e++) {
            const float *br = blk + smp[e] * bw;
            const v128_t s = wasm_f32x4_splat(val[e]);
            for (int v = 0; v < nv; v++) acc[v] = madd(acc[v], s, wasm_v128_load(br + 4 * v));
        }
        float *di = dw + (size_t)i * n + j0;
        for (int v = 0; v < nv; v++) wasm_v128_store(di + 4 * v, acc[v]);
    }
}

void sparse_mm_nn_simd(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                       float *scratch) {
    int j = j0;
    for (; j + SPARSE_BLOCK <= j1; j += SPARSE_BLOCK) nn_block(y, sb, w, n, j, scratch, 7);
    for (; j + 8 <= j1; j += 8) nn_block(y, sb, w, n, j, scratch, 2);
    for (; j + 4 <= j1; j += 4) nn_block(y, sb, w, n, j, scratch, 1);
    if (j < j1) sparse_mm_nn_scalar(y, sb, w, n, j, j1, scratch);
}

void sparse_mm_tn_simd(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                       float *scratch) {
    int j = j0;
    for (; j + SPARSE_BLOCK <= j1; j += SPARSE_BLOCK) tn_block(dw, sb, dy, n, j, scratch, 7);
    for (; j + 8 <= j1; j += 8) tn_block(dw, sb, dy, n, j, scratch, 2);
    for (; j + 4 <= j1; j += 4) tn_block(dw, sb, dy, n, j, scratch, 1);
    if (j < j1) sparse_mm_tn_scalar(dw, sb, dy, n, j, j1, scratch);
}
#endif
