/* layer_maxpool2d.c: Keras' MaxPooling2D, channels last: each output value is the largest of its
 * kh x kw window of one channel ('valid' or 'same': the window's part inside the input). The
 * forward records which input won (the first in scan order among equals, since only a larger
 * value replaces it) so that backward sends the gradient to exactly that one; a SIMD twin takes
 * four channels at a time. Work is split by samples; a pooling layer has no parameters and no
 * activation. */
#include "kernels.h"
#include "layer.h"
#include "threads.h"

#include <stdint.h>
#include <string.h>

static nn_status pool_setup(layer *l) {
    const nn_layer_spec *s = &l->spec;
    if (s->units || s->act != NN_ACT_LINEAR) return NN_ERR_LAYERS;
    nn_status st = window_setup(l, s->kh, s->kw);
    if (st != NN_OK) return st;
    l->out.c = l->in.c;
    l->n_w = l->n_b = 0;
    return NN_OK;
}

static void pool_init(layer *l, nn_rng *rng) { (void)l, (void)rng; }

/* the winners: B x n_out input indices (int32, in the float scratch) */
static uint64_t pool_scratch(const layer *l, int B) { return (uint64_t)B * l->n_out; }
static uint64_t pool_thread_scratch(const layer *l, int B) {
    (void)l, (void)B;
    return 0;
}

/* One sample: y (oh, ow, c) and the index in x of each maximum. */
static void pool_sample(const layer *l, const float *x, float *y, int32_t *arg) {
    const int H = l->in.h, W = l->in.w, C = l->in.c;
    for (int oy = 0; oy < l->out.h; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            int y0 = oy * l->spec.sh - l->pad_t, x0 = ox * l->spec.sw - l->pad_l;
            int y1 = y0 + l->spec.kh, x1 = x0 + l->spec.kw;
            y0 = y0 < 0 ? 0 : y0, x0 = x0 < 0 ? 0 : x0; /* 'same': the part inside */
            y1 = y1 > H ? H : y1, x1 = x1 > W ? W : x1;
            float *yo = y + ((size_t)oy * l->out.w + ox) * C;
            int32_t *ao = arg + ((size_t)oy * l->out.w + ox) * C;
            const int first = (y0 * W + x0) * C;
            for (int c = 0; c < C; c++) yo[c] = x[first + c], ao[c] = first + c;
            for (int iy = y0; iy < y1; iy++)
                for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++) {
                    const int at = (iy * W + ix) * C;
                    for (int c = 0; c < C; c++)
                        if (x[at + c] > yo[c]) yo[c] = x[at + c], ao[c] = at + c;
                }
        }
}

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
/* pool_sample's SIMD twin for channels in fours: the same comparisons (a strictly larger value
 * takes the place, so NaN never does), four channels at a time, as masks. */
static void pool_sample_simd(const layer *l, const float *x, float *y, int32_t *arg) {
    const int H = l->in.h, W = l->in.w, C = l->in.c;
    for (int oy = 0; oy < l->out.h; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            int y0 = oy * l->spec.sh - l->pad_t, x0 = ox * l->spec.sw - l->pad_l;
            int y1 = y0 + l->spec.kh, x1 = x0 + l->spec.kw;
            y0 = y0 < 0 ? 0 : y0, x0 = x0 < 0 ? 0 : x0;
            y1 = y1 > H ? H : y1, x1 = x1 > W ? W : x1;
            float *yo = y + ((size_t)oy * l->out.w + ox) * C;
            int32_t *ao = arg + ((size_t)oy * l->out.w + ox) * C;
            const int first = (y0 * W + x0) * C;
            for (int c = 0; c < C; c += 4) {
                v128_t best = wasm_v128_load(x + first + c);
                v128_t won = wasm_i32x4_add(wasm_i32x4_splat(first + c),
                                            wasm_i32x4_make(0, 1, 2, 3));
                for (int iy = y0; iy < y1; iy++)
                    for (int ix = iy == y0 ? x0 + 1 : x0; ix < x1; ix++) {
                        const int at = (iy * W + ix) * C + c;
                        const v128_t v = wasm_v128_load(x + at);
                        const v128_t larger = wasm_f32x4_gt(v, best);
                        best = wasm_v128_bitselect(v, best, larger);
                        won = wasm_v128_bitselect(
                            wasm_i32x4_add(wasm_i32x4_splat(at), wasm_i32x4_make(0, 1, 2, 3)), won,
                            larger);
                    }
                wasm_v128_store(yo + c, best);
                wasm_v128_store(ao + c, won);
            }
        }
}
#endif

static void pool_forward(const layer *l, const layer_io *io, int t, int nt) {
    int r0, r1;
    team_range(io->B, t, nt, 1, &r0, &r1);
    int32_t *arg = (int32_t *)(void *)io->scratch;
    void (*sample)(const layer *, const float *, float *, int32_t *) = pool_sample;
#ifdef __wasm_simd128__
    if (l->in.c % 4 == 0 && !kernels_scalar()) sample = pool_sample_simd;
#endif
    for (int r = r0; r < r1; r++)
        sample(l, io->x + (size_t)r * l->n_in, io->y + (size_t)r * l->n_out,
               arg + (size_t)r * l->n_out);
}

static int pool_backward_passes(const layer *l) {
    (void)l;
    return 1;
}

static void pool_backward(const layer *l, const layer_io *io, int pass, int t, int nt) {
    (void)pass;
    if (!io->dx) return;
    int r0, r1;
    team_range(io->B, t, nt, 1, &r0, &r1);
    const int32_t *arg = (const int32_t *)(const void *)io->scratch;
    for (int r = r0; r < r1; r++) {
        float *dx = io->dx + (size_t)r * l->n_in;
        const float *dy = io->dy + (size_t)r * l->n_out;
        const int32_t *a = arg + (size_t)r * l->n_out;
        memset(dx, 0, (size_t)l->n_in * sizeof(float));
        for (int j = 0; j < l->n_out; j++) dx[a[j]] += dy[j];
    }
}

static void pool_bound(const layer *l, const double *in, double *out) {
    for (int c = 0; c < l->out.c; c++) out[c] = in[c];
}

static double pool_flops(const layer *l) {
    (void)l;
    return 0.0;
}

const layer_ops maxpool2d_ops = {
    .setup = pool_setup,
    .init = pool_init,
    .scratch = pool_scratch,
    .thread_scratch = pool_thread_scratch,
    .forward = pool_forward,
    .backward_passes = pool_backward_passes,
    .backward = pool_backward,
    .bound = pool_bound,
    .flops = pool_flops,
};
