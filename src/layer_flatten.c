/* layer_flatten.c: Keras' Flatten: (h, w, c) becomes h w c values in that order, which is how a
 * channels-last sample already lies in memory, so nothing moves: y is x and dx is dy (in_place).
 * A flat input stays as it is. */
#include "layer.h"

static nn_status flatten_setup(layer *l) {
    const nn_layer_spec *s = &l->spec;
    if (s->units || s->kh || s->kw || s->sh || s->sw || s->padding || s->act != NN_ACT_LINEAR)
        return NN_ERR_LAYERS;
    l->out = (nn_shape){1, 1, 1, l->n_in};
    l->n_w = l->n_b = 0;
    return NN_OK;
}

static void flatten_init(layer *l, nn_rng *rng) { (void)l, (void)rng; }
static uint64_t flatten_scratch(const layer *l, int B) {
    (void)l, (void)B;
    return 0;
}
static void flatten_forward(const layer *l, const layer_io *io, int t, int nt) {
    (void)l, (void)io, (void)t, (void)nt;
}
static int flatten_backward_passes(const layer *l) {
    (void)l;
    return 0;
}
static void flatten_backward(const layer *l, const layer_io *io, int pass, int t, int nt) {
    (void)l, (void)io, (void)pass, (void)t, (void)nt;
}

/* value (y, x, c) of the input is unit (y w + x) c + c of the output */
static void flatten_bound(const layer *l, const double *in, double *out) {
    for (int i = 0; i < l->n_out; i++) out[i] = in[i % l->in.c];
}

static double flatten_flops(const layer *l) {
    (void)l;
    return 0.0;
}

const layer_ops flatten_ops = {
    .setup = flatten_setup,
    .init = flatten_init,
    .scratch = flatten_scratch,
    .thread_scratch = flatten_scratch,
    .forward = flatten_forward,
    .backward_passes = flatten_backward_passes,
    .backward = flatten_backward,
    .bound = flatten_bound,
    .flops = flatten_flops,
    .in_place = 1,
};
