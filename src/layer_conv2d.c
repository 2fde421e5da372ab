/* layer_conv2d.c: Keras' Conv2D, channels last: y (B, oh, ow, F) = act(x (B, h, w, c) * W + b)
 * with W (kh, kw, c, F) as Keras stores its kernel, any strides, 'valid' or 'same' padding.
 * One matrix product per group of samples: each output pixel's window unrolled into a row of
 * K = kh kw c values (im2col; kept for the weight gradient) times W seen as (K, F). Backward:
 * dW (K, F) = cols^T . dZ over the whole batch, split among threads by rows of K; db by filters;
 * dX by groups of samples: dZ . W^T gives each window's gradient (P x K per sample), added back
 * to the pixels it came from (col2im) in a fixed order. Every sum keeps the kernels' order, so a
 * thread count or the SIMD twins change no bit. */
#include "kernels.h"
#include "layer.h"
#include "layers.h"
#include "threads.h"

#include <math.h>
#include <string.h>

#define WINDOW(l) ((l)->spec.kh * (l)->spec.kw * (l)->in.c) /* K: one window's values */
#define PIXELS(l) ((l)->out.h * (l)->out.w)                 /* P: output pixels per sample */
/* Samples per product: enough rows (about GROUP_ROWS) for the register tiles and the packing of
 * W to pay, few enough that a group's windows stay in L2. */
#define GROUP_ROWS 128
static int group(const layer *l) {
    int g = GROUP_ROWS / PIXELS(l);
    return g < 1 ? 1 : g;
}

static nn_status conv_setup(layer *l) {
    const nn_layer_spec *s = &l->spec;
    if (s->units < 1 || s->units > NN_MAX_UNITS) return NN_ERR_LAYERS;
    nn_status st = window_setup(l, 1, 1);
    if (st != NN_OK) return st;
    l->out.c = s->units;
    /* kh, kw <= 64 and c <= NN_MAX_UNITS: K fits in an int, K x F in 64 bits */
    uint64_t nw = (uint64_t)s->kh * s->kw * l->in.c * (uint64_t)s->units;
    if (nw > PARAM_LIMIT) return NN_ERR_NOMEM;
    l->n_w = (size_t)nw;
    l->n_b = (size_t)s->units;
    return NN_OK;
}

static void conv_init(layer *l, nn_rng *rng) {
    const int area = l->spec.kh * l->spec.kw;
    glorot_uniform(l->w, l->n_w, area * l->in.c, area * l->out.c, rng);
    for (size_t j = 0; j < l->n_b; j++) l->b[j] = 0.0f;
}

/* the batch's windows (B P x K), kept from forward to backward */
static uint64_t conv_scratch(const layer *l, int B) { return (uint64_t)B * PIXELS(l) * WINDOW(l); }
/* one group's window gradients (g P x K) */
static uint64_t conv_thread_scratch(const layer *l, int B) {
    int g = group(l) < B ? group(l) : B;
    return (uint64_t)g * PIXELS(l) * WINDOW(l);
}

/* col (P x K): row oy*ow + ox holds x's window at that output pixel, (dy, dx, c) in order, zeros
 * where 'same' padding leaves the input. */
static void im2col(float *col, const float *x, const layer *l) {
    const int H = l->in.h, W = l->in.w, C = l->in.c, kh = l->spec.kh, kw = l->spec.kw;
    const int K = WINDOW(l), run = kw * C;
    for (int oy = 0; oy < l->out.h; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            float *row = col + ((size_t)oy * l->out.w + ox) * K;
            const int iy0 = oy * l->spec.sh - l->pad_t, ix0 = ox * l->spec.sw - l->pad_l;
            for (int dy = 0; dy < kh; dy++) {
                float *dst = row + dy * run;
                const int iy = iy0 + dy;
                if (iy < 0 || iy >= H) {
                    memset(dst, 0, (size_t)run * sizeof(float));
                } else if (ix0 >= 0 && ix0 + kw <= W) { /* the whole run: contiguous in x */
                    const float *src = x + ((size_t)iy * W + ix0) * C;
                    for (int i = 0; i < run; i++) dst[i] = src[i];
                } else {
                    for (int dx = 0; dx < kw; dx++) {
                        const int ix = ix0 + dx;
                        float *d = dst + dx * C;
                        if (ix < 0 || ix >= W) {
                            memset(d, 0, (size_t)C * sizeof(float));
                            continue;
                        }
                        const float *src = x + ((size_t)iy * W + ix) * C;
                        for (int c = 0; c < C; c++) d[c] = src[c];
                    }
                }
            }
        }
}

/* dx (h, w, c) = the sum of each window's gradient (dcol, P x K) at the pixels it came from, in
 * the order of the output pixels, then (dy, dx, c). dx and dcol never overlap: with restrict the
 * compiler adds each run of channels four at a time, without an overlap check (twice as fast in
 * the convnet's second layer; the same adds, so the same bits). */
static void col2im(float *restrict dx, const float *restrict dcol, const layer *l) {
    const int H = l->in.h, W = l->in.w, C = l->in.c, kh = l->spec.kh, kw = l->spec.kw;
    const int K = WINDOW(l);
    memset(dx, 0, (size_t)l->n_in * sizeof(float));
    for (int oy = 0; oy < l->out.h; oy++)
        for (int ox = 0; ox < l->out.w; ox++) {
            const float *row = dcol + ((size_t)oy * l->out.w + ox) * K;
            const int iy0 = oy * l->spec.sh - l->pad_t, ix0 = ox * l->spec.sw - l->pad_l;
            for (int dy = 0; dy < kh; dy++) {
                const int iy = iy0 + dy;
                if (iy < 0 || iy >= H) continue;
                for (int dxi = 0; dxi < kw; dxi++) {
                    const int ix = ix0 + dxi;
                    if (ix < 0 || ix >= W) continue;
                    float *d = dx + ((size_t)iy * W + ix) * C;
                    const float *s = row + (dy * kw + dxi) * C;
                    for (int c = 0; c < C; c++) d[c] += s[c];
                }
            }
        }
}

/* A group of samples at a time: its windows (g P x K, about 140 KB for the convnet's second
 * layer) stay in L2 while every panel of W passes over them. */
static void conv_forward(const layer *l, const layer_io *io, int t, int nt) {
    const int P = PIXELS(l), K = WINDOW(l), F = l->out.c, g = group(l);
    const nn_activation act = l->spec.act == NN_ACT_SOFTMAX ? NN_ACT_LINEAR : l->spec.act;
    int r0, r1;
    team_range(io->B, t, nt, 1, &r0, &r1);
    for (int r = r0; r < r1; r += g) {
        const int n = r1 - r < g ? r1 - r : g;
        float *col = io->scratch + (size_t)r * P * K, *y = io->y + (size_t)r * l->n_out;
        for (int i = 0; i < n; i++)
            im2col(col + (size_t)i * P * K, io->x + (size_t)(r + i) * l->n_in, l);
        mm_nn(y, col, l->w, n * P, K, F);
        bias_activation(y, l->b, n * P, F, 0, F, act);
    }
}

static int conv_backward_passes(const layer *l) {
    return activation_has_backward(l->spec.act) ? 2 : 1;
}

static void conv_backward(const layer *l, const layer_io *io, int pass, int t, int nt) {
    const int P = PIXELS(l), K = WINDOW(l), F = l->out.c, B = io->B;
    int r0, r1, j0, j1, i0, i1;
    if (pass == 0 && conv_backward_passes(l) == 2) { /* dZ = dY act'(Y), by samples */
        team_range(B, t, nt, 1, &r0, &r1);
        activation_backward(io->dy + (size_t)r0 * l->n_out, io->y + (size_t)r0 * l->n_out,
                            (size_t)(r1 - r0) * l->n_out, l->spec.act);
        return;
    }
    team_range(F, t, nt, 4, &j0, &j1);
    bias_backward(io->gb, io->dy, B * P, F, j0, j1);
    if (K >= F) { /* by rows of dW, so that each thread reads only its columns of the windows */
        team_range(K, t, nt, 4, &i0, &i1);
        if (i0 < i1) mm_tn(io->gw + (size_t)i0 * F, io->scratch + i0, K, io->dy, i1 - i0, B * P, F);
    } else { /* a small window (the first layer's 3 x 3 x 1): by filters, for balance */
        team_range(F, t, nt, 8, &j0, &j1);
        if (j0 < j1) mm_tn_cols(io->gw, io->scratch, K, io->dy, K, B * P, F, j0, j1);
    }
    if (!io->dx) return;
    float *dcol = io->thread_scratch + (size_t)t * io->thread_stride;
    const int g = group(l);
    team_range(B, t, nt, 1, &r0, &r1);
    for (int r = r0; r < r1; r += g) {
        const int n = r1 - r < g ? r1 - r : g;
        mm_nt(dcol, io->dy + (size_t)r * l->n_out, l->w, n * P, F, K);
        for (int i = 0; i < n; i++)
            col2im(io->dx + (size_t)(r + i) * l->n_in, dcol + (size_t)i * P * K, l);
    }
}

/* Filter f: |b_f| + the sum over its window of |w| x the bound of the input channel it meets;
 * 'same' padding only adds zeros. */
static void conv_bound(const layer *l, const double *in, double *out) {
    const int K = WINDOW(l), F = l->out.c, C = l->in.c;
    for (int f = 0; f < F; f++) out[f] = fabs((double)l->b[f]);
    for (int k = 0; k < K; k++) {
        const float *w = l->w + (size_t)k * F;
        for (int f = 0; f < F; f++) out[f] += in[k % C] * fabs((double)w[f]);
    }
}

static double conv_flops(const layer *l) { return 2.0 * PIXELS(l) * (double)l->n_w; }

const layer_ops conv2d_ops = {
    .setup = conv_setup,
    .init = conv_init,
    .scratch = conv_scratch,
    .thread_scratch = conv_thread_scratch,
    .forward = conv_forward,
    .backward_passes = conv_backward_passes,
    .backward = conv_backward,
    .bound = conv_bound,
    .flops = conv_flops,
};
