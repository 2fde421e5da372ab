/* sparse.c: the first layer over a batch's non-zero pixels (see sparse.h).
 * Both products walk the pixels in increasing order and, for each, the samples that have ink
 * there; W's row (forward) or the gradient (backward) for a block of 32 output columns is held in
 * 8 f32x4 registers while the block of all samples' activations or gradients (B x 32 floats,
 * contiguous, so it stays in L1 whatever W's row stride) is updated or read. A weight row is read
 * once per batch, never for a pixel no sample uses. */
#include "sparse.h"

#include "nn.h"

#include <stdlib.h>
#include <string.h>

#define BLOCK 32 /* output columns per pass: 8 vectors of accumulators */

int sparse_batch_alloc(sparse_batch *sb, int max_b, int k, int threads) {
    memset(sb, 0, sizeof *sb);
    size_t cells = (size_t)max_b * k;
    sb->count = malloc((size_t)k * sizeof(int));
    sb->sample = malloc(cells * sizeof(uint32_t));
    sb->value = malloc(cells * sizeof(float));
    sb->block = malloc((size_t)threads * max_b * BLOCK * sizeof(float));
    if (!sb->count || !sb->sample || !sb->value || !sb->block) {
        sparse_batch_release(sb);
        return NN_ERR_NOMEM;
    }
    sb->cap_b = max_b;
    sb->k = k;
    return NN_OK;
}

void sparse_batch_release(sparse_batch *sb) {
    free(sb->count), free(sb->sample), free(sb->value), free(sb->block);
    memset(sb, 0, sizeof *sb);
}

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
/* Bit j set if byte j of the 16 at p is not zero: one compare and a bitmask, so that MNIST's
 * empty borders cost nothing and a stroke's pixels are found without testing each byte. */
static inline unsigned nonzero16(const uint8_t *p) {
    return (unsigned)wasm_i8x16_bitmask(wasm_i8x16_ne(wasm_v128_load(p), wasm_i8x16_splat(0)));
}
#else
static inline unsigned nonzero16(const uint8_t *p) {
    unsigned m = 0;
    for (int j = 0; j < 16; j++) m |= (unsigned)(p[j] != 0) << j;
    return m;
}
#endif

int sparse_batch_build(sparse_batch *sb, const uint8_t *pixels, const uint32_t *idx, int B, int k,
                       const float *scale, int i0, int i1) {
    const size_t cap = (size_t)sb->cap_b;
    memset(sb->count + i0, 0, (size_t)(i1 - i0) * sizeof(int));
    int nnz = 0;
    for (int r = 0; r < B; r++) {
        const uint8_t *src = pixels + (size_t)idx[r] * k;
        int i = i0;
        for (; i + 16 <= i1; i += 16)
            for (unsigned m = nonzero16(src + i); m; m &= m - 1) {
                int at_i = i + __builtin_ctz(m);
                size_t at = (size_t)at_i * cap + (size_t)sb->count[at_i]++;
                sb->sample[at] = (uint32_t)r;
                sb->value[at] = scale[src[at_i]];
                nnz++;
            }
        for (; i < i1; i++)
            if (src[i]) {
                size_t at = (size_t)i * cap + (size_t)sb->count[i]++;
                sb->sample[at] = (uint32_t)r;
                sb->value[at] = scale[src[i]];
                nnz++;
            }
    }
    return nnz;
}

void sparse_mm_nn_scalar(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                         float *scratch) {
    const size_t cap = (size_t)sb->cap_b;
    (void)scratch;
    for (int r = 0; r < sb->B; r++)
        for (int j = j0; j < j1; j++) y[(size_t)r * n + j] = 0.0f;
    for (int i = 0; i < sb->k; i++) {
        const float *wi = w + (size_t)i * n;
        for (int e = 0; e < sb->count[i]; e++) {
            const float x = sb->value[(size_t)i * cap + e];
            float *yr = y + (size_t)sb->sample[(size_t)i * cap + e] * n;
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
        for (int e = 0; e < sb->count[i]; e++) {
            const float x = sb->value[(size_t)i * cap + e];
            const float *dr = dy + (size_t)sb->sample[(size_t)i * cap + e] * n;
            for (int j = j0; j < j1; j++) di[j] += x * dr[j];
        }
    }
}

#ifdef __wasm_simd128__
#define INLINE static inline __attribute__((always_inline))

/* Forward over one column block [j0, j0 + 4*nv): blk (B x 4nv, contiguous) accumulates
 * x * w[i][block] for every listed (pixel, sample) in pixel order, then goes to y. */
INLINE void nn_block(float *y, const sparse_batch *sb, const float *w, int n, int j0, float *blk,
                     const int nv) {
    const size_t cap = (size_t)sb->cap_b, bw = (size_t)4 * nv;
    memset(blk, 0, (size_t)sb->B * bw * sizeof(float));
    for (int i = 0; i < sb->k; i++) {
        const int cnt = sb->count[i];
        if (!cnt) continue;
        const float *wi = w + (size_t)i * n + j0;
        v128_t wv[8];
        for (int v = 0; v < nv; v++) wv[v] = wasm_v128_load(wi + 4 * v);
        const uint32_t *smp = sb->sample + (size_t)i * cap;
        const float *val = sb->value + (size_t)i * cap;
        for (int e = 0; e < cnt; e++) {
            float *br = blk + smp[e] * bw;
            const v128_t s = wasm_f32x4_splat(val[e]);
            for (int v = 0; v < nv; v++)
                wasm_v128_store(br + 4 * v, wasm_f32x4_add(wasm_v128_load(br + 4 * v),
                                                           wasm_f32x4_mul(s, wv[v])));
        }
    }
    for (int r = 0; r < sb->B; r++)
        memcpy(y + (size_t)r * n + j0, blk + r * bw, bw * sizeof(float));
}

/* Weight gradient over one column block: dy's block copied contiguous (B x 4nv), then each
 * pixel's row of the block summed in 8 registers over its samples and stored once. */
INLINE void tn_block(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, float *blk,
                     const int nv) {
    const size_t cap = (size_t)sb->cap_b, bw = (size_t)4 * nv;
    for (int r = 0; r < sb->B; r++)
        memcpy(blk + r * bw, dy + (size_t)r * n + j0, bw * sizeof(float));
    for (int i = 0; i < sb->k; i++) {
        v128_t acc[8];
        for (int v = 0; v < nv; v++) acc[v] = wasm_f32x4_splat(0.0f);
        const uint32_t *smp = sb->sample + (size_t)i * cap;
        const float *val = sb->value + (size_t)i * cap;
        for (int e = 0; e < sb->count[i]; e++) {
            const float *br = blk + smp[e] * bw;
            const v128_t s = wasm_f32x4_splat(val[e]);
            for (int v = 0; v < nv; v++)
                acc[v] = wasm_f32x4_add(acc[v], wasm_f32x4_mul(s, wasm_v128_load(br + 4 * v)));
        }
        float *di = dw + (size_t)i * n + j0;
        for (int v = 0; v < nv; v++) wasm_v128_store(di + 4 * v, acc[v]);
    }
}

/* The columns past the last multiple of 4, in the scalar order. */
static void nn_tail(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1) {
    const size_t cap = (size_t)sb->cap_b;
    for (int r = 0; r < sb->B; r++)
        for (int j = j0; j < j1; j++) y[(size_t)r * n + j] = 0.0f;
    for (int i = 0; i < sb->k; i++)
        for (int e = 0; e < sb->count[i]; e++) {
            const float x = sb->value[(size_t)i * cap + e];
            float *yr = y + (size_t)sb->sample[(size_t)i * cap + e] * n;
            for (int j = j0; j < j1; j++) yr[j] += x * w[(size_t)i * n + j];
        }
}

static void tn_tail(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1) {
    const size_t cap = (size_t)sb->cap_b;
    for (int i = 0; i < sb->k; i++)
        for (int j = j0; j < j1; j++) {
            float s = 0.0f;
            for (int e = 0; e < sb->count[i]; e++)
                s += sb->value[(size_t)i * cap + e] *
                     dy[(size_t)sb->sample[(size_t)i * cap + e] * n + j];
            dw[(size_t)i * n + j] = s;
        }
}

void sparse_mm_nn_simd(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                       float *scratch) {
    int j = j0;
    for (; j + 32 <= j1; j += 32) nn_block(y, sb, w, n, j, scratch, 8);
    for (; j + 4 <= j1; j += 4) nn_block(y, sb, w, n, j, scratch, 1);
    if (j < j1) nn_tail(y, sb, w, n, j, j1);
}

void sparse_mm_tn_simd(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                       float *scratch) {
    int j = j0;
    for (; j + 32 <= j1; j += 32) tn_block(dw, sb, dy, n, j, scratch, 8);
    for (; j + 4 <= j1; j += 4) tn_block(dw, sb, dy, n, j, scratch, 1);
    if (j < j1) tn_tail(dw, sb, dy, n, j, j1);
}
#endif
