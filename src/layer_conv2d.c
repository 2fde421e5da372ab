/* layer_conv2d.c: Keras' Conv2D, channels last: y (B, oh, ow, F) = act(x (B, h, w, c) * W + b)
 * with W (kh, kw, c, F) as Keras stores its kernel, any strides, 'valid' or 'same' padding.
 * One matrix product per group of samples: each output pixel's window unrolled into a row of
 * K = kh kw c values (im2col; kept for the weight gradient) times W seen as (K, F). Backward:
 * dW (K, F) = cols^T . dZ over the whole batch, split among threads by rows of K; db by filters;
 * dX by groups of samples: dZ . W^T gives each window's gradient (P x K per sample), added back
 * to the pixels it came from (col2im) in a fixed order. Where pooling follows, most of dZ is
 * exact zeros (at least three in four after 2x2 pooling): both products then run over dZ's
 * non-zeros only (sparse.h), listed once per batch by rows and by filters. Every sum keeps the
 * kernels' order, so a thread count, the SIMD twins or the sparse products change no bit. */
#include "kernels.h"
#include "layer.h"
#include "layers.h"
#include "sparse.h"
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

/* Whether the backward products may run over dZ's non-zeros: their columns are the windows'
 * K values, too few in a first layer's 3 x 3 x 1 for the sparse kernels' blocks of 28; and the
 * lists take 14 bytes per value of dZ (F per pixel) against the windows' 4 K per pixel, so a
 * layer with more filters than window values would need several times the windows' memory. */
static int has_lists(const layer *l) { return WINDOW(l) >= SPARSE_BLOCK && l->out.c <= WINDOW(l); }
/* AUTO takes the lists for a batch whose dZ is at most this fraction non-zero. Measured in the
 * convnet (wasm, 1 thread, per batch of 64): the second layer's dZ is 8-14% non-zero, and its
 * sparse products take 2.1 + 2.7 ms against the dense 6.1 + 6.1 (plus 1 ms of listing), a rate
 * per multiply about a third of the dense kernels'; the third layer's, 35-50% non-zero with four
 * times the non-zeros per row, breaks even near 45%. */
#define LISTS_MAX_DENSITY 0.35

/* dZ's non-zeros by rows and by filters (R = B P rows of F), W^T and dW^T (F x K each): they
 * follow the windows in the layer's scratch. */
typedef struct grad_lists {
    sparse_batch sb;
    float *wt, *dwt;
} grad_lists;

static uint64_t lists_floats(const layer *l, int B) {
    const uint64_t R = (uint64_t)B * PIXELS(l), F = (uint64_t)l->out.c, K = (uint64_t)WINDOW(l);
    return has_lists(l) ? 3 * R * F + (R * F + 1) / 2 + R + F + 2 * F * K : 0;
}

static grad_lists lists_of(const layer *l, const layer_io *io) {
    const size_t R = (size_t)io->B * PIXELS(l), F = (size_t)l->out.c, K = (size_t)WINDOW(l);
    float *p = io->scratch + R * K;
    grad_lists g = {.sb = {.B = (int)R, .k = (int)F, .cap_b = (int)R}};
    g.sb.row_val = p, p += R * F;
    g.sb.col_val = p, p += R * F;
    g.sb.col_sample = (uint32_t *)p, p += R * F;
    g.wt = p, p += F * K;
    g.dwt = p, p += F * K;
    g.sb.row_count = (int *)p, p += R;
    g.sb.col_count = (int *)p, p += F;
    g.sb.row_idx = (uint16_t *)p;
    return g;
}

/* Whether this batch's backward takes the lists: always with NN_SPARSE_ON, never with OFF, with
 * AUTO when dZ is sparse enough. Every thread sums the rows' counts itself: they decide alike. */
static int lists_taken(const layer *l, const layer_io *io, const grad_lists *g) {
    if (!has_lists(l) || io->sparse == NN_SPARSE_OFF) return 0;
    if (io->sparse == NN_SPARSE_ON) return 1;
    double nnz = 0;
    for (int r = 0; r < g->sb.B; r++) nnz += g->sb.row_count[r];
    return nnz <= LISTS_MAX_DENSITY * g->sb.B * (double)g->sb.k;
}

/* the batch's windows (B P x K), kept from forward to backward, then dZ's lists */
static uint64_t conv_scratch(const layer *l, int B) {
    return (uint64_t)B * PIXELS(l) * WINDOW(l) + lists_floats(l, B);
}
/* one group's window gradients (g P x K) and the sparse forward's block of W^T; or the sparse
 * weight gradient's block of the windows */
static uint64_t conv_thread_scratch(const layer *l, int B) {
    const int g = group(l) < B ? group(l) : B, P = PIXELS(l), F = l->out.c;
    const uint64_t dcol = (uint64_t)g * P * WINDOW(l);
    if (!has_lists(l)) return dcol;
    const uint64_t dx = dcol + SPARSE_SCRATCH(g * P, F), dw = SPARSE_SCRATCH((uint64_t)B * P, F);
    return dx > dw ? dx : dw;
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

/* Backward with the lists in three passes: dZ and its rows' non-zeros (by samples); db, dX and
 * the filters' non-zeros; dW. Without them, dZ (when the activation has a backward), then db, dX
 * and dW in one pass. */
static int conv_backward_passes(const layer *l) {
    return has_lists(l) ? 3 : activation_has_backward(l->spec.act) ? 2 : 1;
}

/* dX by groups of samples, from the rows of dZ's non-zeros times W^T, or dZ . W^T */
static void input_gradient(const layer *l, const layer_io *io, const grad_lists *g, int t, int nt) {
    const int P = PIXELS(l), K = WINDOW(l), F = l->out.c, G = group(l);
    float *dcol = io->thread_scratch + (size_t)t * io->thread_stride;
    float *blk = dcol + (size_t)(G < io->B ? G : io->B) * P * K;
    int r0, r1;
    team_range(io->B, t, nt, 1, &r0, &r1);
    for (int r = r0; r < r1; r += G) {
        const int n = r1 - r < G ? r1 - r : G;
        if (g) {
            sparse_batch rows = g->sb;
            rows.B = n * P, rows.col_count = NULL;
            rows.row_count += (size_t)r * P;
            rows.row_idx += (size_t)r * P * F, rows.row_val += (size_t)r * P * F;
            sparse_mm_nn(dcol, &rows, g->wt, K, 0, K, blk);
        } else {
            mm_nt(dcol, io->dy + (size_t)r * l->n_out, l->w, n * P, F, K);
        }
        for (int i = 0; i < n; i++)
            col2im(io->dx + (size_t)(r + i) * l->n_in, dcol + (size_t)i * P * K, l);
    }
}

/* dW, by rows of K: from the filters' non-zeros (dW^T = dZ^T . cols, then transposed), or cols^T
 * . dZ, where each thread reads only its columns of the windows; a small window (the first
 * layer's 3 x 3 x 1) by filters, for balance. */
static void weight_gradient(const layer *l, const layer_io *io, const grad_lists *g, int t,
                            int nt) {
    const int K = WINDOW(l), F = l->out.c, R = io->B * PIXELS(l);
    int i0, i1;
    if (K < F) { /* never with lists (has_lists) */
        team_range(F, t, nt, 8, &i0, &i1);
        if (i0 < i1) mm_tn_cols(io->gw, io->scratch, K, io->dy, K, R, F, i0, i1);
        return;
    }
    team_range(K, t, nt, 4, &i0, &i1);
    if (i0 >= i1) return;
    if (!g) {
        mm_tn(io->gw + (size_t)i0 * F, io->scratch + i0, K, io->dy, i1 - i0, R, F);
        return;
    }
    sparse_mm_tn(g->dwt, &g->sb, io->scratch, K, i0, i1,
                 io->thread_scratch + (size_t)t * io->thread_stride);
    for (int i = i0; i < i1; i++)
        for (int f = 0; f < F; f++) io->gw[(size_t)i * F + f] = g->dwt[(size_t)f * K + i];
}

static void conv_backward(const layer *l, const layer_io *io, int pass, int t, int nt) {
    const int P = PIXELS(l), K = WINDOW(l), F = l->out.c, passes = conv_backward_passes(l);
    grad_lists g = has_lists(l) ? lists_of(l, io) : (grad_lists){0};
    int r0, r1, j0, j1;
    if (pass == 0 && passes > 1) { /* dZ = dY act'(Y) by samples; rows' non-zeros; W^T */
        team_range(io->B, t, nt, 1, &r0, &r1);
        if (activation_has_backward(l->spec.act))
            activation_backward(io->dy + (size_t)r0 * l->n_out, io->y + (size_t)r0 * l->n_out,
                                (size_t)(r1 - r0) * l->n_out, l->spec.act);
        if (!has_lists(l) || io->sparse == NN_SPARSE_OFF) return;
        sparse_rows_from(&g.sb, io->dy, r0 * P, r1 * P);
        team_range(F, t, nt, 1, &j0, &j1);
        for (int f = j0; f < j1; f++)
            for (int i = 0; i < K; i++) g.wt[(size_t)f * K + i] = l->w[(size_t)i * F + f];
        return;
    }
    const int take = lists_taken(l, io, &g);
    if (pass < 2) { /* db by filters, the filters' lists, dX */
        team_range(F, t, nt, 4, &j0, &j1);
        bias_backward(io->gb, io->dy, io->B * P, F, j0, j1);
        if (take) sparse_cols_from_rows(&g.sb, j0, j1);
        if (io->dx) input_gradient(l, io, take ? &g : NULL, t, nt);
        if (passes == 3) return; /* dW reads every filter's list */
    }
    weight_gradient(l, io, take ? &g : NULL, t, nt);
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
