/* layer_dense.c: the dense layer, y (B, out) = act(x (B, in) . W (in, out) + b), W as Keras'
 * kernel. As the first layer over raw pixels it can take the batch's non-zeros (sparse.h) for
 * both of its products; the results are the dense kernels' bits. Threads split the forward by
 * output columns (wide layers: each packs only its own panels of W) or rows, the weight gradient
 * by columns (sparse) or input rows, the input gradient by rows. */
#include "kernels.h"
#include "layer.h"
#include "layers.h"
#include "threads.h"

#include <math.h>

static nn_status dense_setup(layer *l) {
    const nn_layer_spec *s = &l->spec;
    if (s->kh || s->kw || s->sh || s->sw || s->padding) return NN_ERR_LAYERS;
    if (s->units < 1 || s->units > NN_MAX_UNITS) return NN_ERR_LAYERS;
    if (l->in.rank != 1) return NN_ERR_SHAPE; /* Keras' Dense on (h, w, c) is another layer */
    l->out = (nn_shape){1, 1, 1, s->units};
    l->n_out = s->units;
    uint64_t nw = (uint64_t)l->n_in * (uint64_t)s->units;
    if (nw > PARAM_LIMIT) return NN_ERR_NOMEM;
    l->n_w = (size_t)nw;
    l->n_b = (size_t)s->units;
    return NN_OK;
}

static void dense_init(layer *l, nn_rng *rng) {
    glorot_uniform(l->w, l->n_w, l->n_in, l->n_out, rng);
    for (size_t j = 0; j < l->n_b; j++) l->b[j] = 0.0f;
}

static uint64_t dense_scratch(const layer *l, int B) {
    (void)l, (void)B;
    return 0;
}

/* The sparse kernels copy a block of W's or dY's rows: as first layer, with B samples. */
static uint64_t dense_thread_scratch(const layer *l, int B) { return SPARSE_SCRATCH(B, l->n_in); }

/* Whole passes of the sparse kernels (SPARSE_BLOCK columns), when the layer is wide enough. */
static int col_align(int n) { return n >= 2 * SPARSE_BLOCK ? SPARSE_BLOCK : 4; }

static float *own_scratch(const layer_io *io, int t) {
    return io->thread_scratch + (size_t)t * io->thread_stride;
}

static void dense_forward(const layer *l, const layer_io *io, int t, int nt) {
    const int in = l->n_in, out = l->n_out, B = io->B;
    const nn_activation act = l->spec.act == NN_ACT_SOFTMAX ? NN_ACT_LINEAR : l->spec.act;
    int j0, j1;
    if (io->sb) {
        team_range(out, t, nt, col_align(out), &j0, &j1);
        sparse_mm_nn(io->y, io->sb, l->w, out, j0, j1, own_scratch(io, t));
        bias_activation(io->y, l->b, B, out, j0, j1, act);
        return;
    }
    if (out >= 64) { /* wide: columns, so that each thread packs only its own panels of W */
        team_range(out, t, nt, 8, &j0, &j1);
        mm_nn_cols(io->y, io->x, l->w, B, in, out, j0, j1);
        bias_activation(io->y, l->b, B, out, j0, j1, act);
        return;
    }
    int r0, r1;
    team_range(B, t, nt, 4, &r0, &r1);
    float *y = io->y + (size_t)r0 * out;
    mm_nn(y, io->x + (size_t)r0 * in, l->w, r1 - r0, in, out);
    bias_activation(y, l->b, r1 - r0, out, 0, out, act);
}

static int dense_backward_passes(const layer *l) {
    return activation_has_backward(l->spec.act) ? 2 : 1;
}

static void dense_backward(const layer *l, const layer_io *io, int pass, int t, int nt) {
    const int in = l->n_in, out = l->n_out, B = io->B;
    int r0, r1, j0, j1, i0, i1;
    if (pass == 0 && dense_backward_passes(l) == 2) { /* dZ = dY act'(Y), by rows */
        team_range(B, t, nt, 8, &r0, &r1);
        activation_backward(io->dy + (size_t)r0 * out, io->y + (size_t)r0 * out,
                            (size_t)(r1 - r0) * out, l->spec.act);
        return;
    }
    team_range(out, t, nt, col_align(out), &j0, &j1);
    bias_backward(io->gb, io->dy, B, out, j0, j1);
    if (io->sb) {
        sparse_mm_tn(io->gw, io->sb, io->dy, out, j0, j1, own_scratch(io, t));
    } else {
        team_range(in, t, nt, 4, &i0, &i1);
        mm_tn(io->gw + (size_t)i0 * out, io->x + i0, in, io->dy, i1 - i0, B, out);
    }
    if (!io->dx) return;
    team_range(B, t, nt, 8, &r0, &r1);
    mm_nt(io->dx + (size_t)r0 * in, io->dy + (size_t)r0 * out, l->w, r1 - r0, out, in);
}

static void dense_bound(const layer *l, const double *in, double *out) {
    const int n_in = l->n_in, n_out = l->n_out;
    for (int j = 0; j < n_out; j++) out[j] = fabs((double)l->b[j]);
    for (int i = 0; i < n_in; i++) {
        const float *w = l->w + (size_t)i * n_out;
        for (int j = 0; j < n_out; j++) out[j] += in[i] * fabs((double)w[j]);
    }
}

static double dense_flops(const layer *l) { return 2.0 * (double)l->n_w; }

const layer_ops dense_ops = {
    .setup = dense_setup,
    .init = dense_init,
    .scratch = dense_scratch,
    .thread_scratch = dense_thread_scratch,
    .forward = dense_forward,
    .backward_passes = dense_backward_passes,
    .backward = dense_backward,
    .bound = dense_bound,
    .flops = dense_flops,
    .sparse_input = 1,
};
