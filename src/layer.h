/* layer.h: a layer as the library sees it (a kind with an input and an output shape, its place in
 * the one parameter block, the scratch it needs) and the table of operations per kind. Each kind
 * lives in its own file (layer_<kind>.c) as one layer_ops; layers.c holds the table. The trainer
 * and the network only loop over layers and call these: adding a kind touches its file, the
 * table, and nn.h's list of kinds (which the model file stores).
 * Conventions: a batch is B samples, each a row of n_in (or n_out) floats, channels last;
 * forward and backward take the thread range (t, nt) and split their work by fixed ranges, so
 * that every output element is computed by one thread in an order that does not depend on nt. */
#ifndef NN_LAYER_H
#define NN_LAYER_H

#include "nn.h"
#include "sparse.h"

/* Parameters one layer may have: a trainer keeps about 8 copies of them, which must fit in size_t
 * bytes (wasm's is 32 bits); larger is NN_ERR_NOMEM before anything is allocated. */
#define PARAM_LIMIT ((uint64_t)SIZE_MAX / 16 / sizeof(float))

typedef struct layer {
    nn_layer_spec spec; /* strides resolved */
    nn_shape in, out;
    int pad_t, pad_l; /* 'same' padding before the first row and column */
    int n_in, n_out;  /* floats per sample */
    size_t n_w, n_b;  /* weights, biases */
    size_t offset;    /* of the weights in the parameter block; the biases follow */
    float *w, *b;     /* into the network's parameters */
} layer;

/* What one forward or backward pass works on. */
typedef struct layer_io {
    int B;                  /* samples */
    const float *x;         /* B x n_in: the input */
    float *y;               /* B x n_out: the output, after the activation */
    float *dy;              /* B x n_out: d loss / d y; backward may overwrite it (d loss / d z) */
    float *dx;              /* B x n_in: d loss / d x, or NULL when nobody needs it */
    float *gw, *gb;         /* the gradients of w and b */
    float *scratch;         /* ops->scratch(l, B) floats, kept from forward to backward */
    float *thread_scratch;  /* ops->thread_scratch(l, B) floats for each thread, ... */
    size_t thread_stride;   /* ... thread t's at thread_scratch + t * thread_stride */
    const sparse_batch *sb; /* the batch's non-zero inputs, when this layer takes them; else NULL */
    nn_sparse_mode sparse;  /* the trainer's: whether backward may run over dY's non-zeros only */
} layer_io;

typedef struct layer_ops {
    /* Checks l->spec against l->in (NN_ERR_LAYERS for a value out of range, NN_ERR_SHAPE for one
     * that does not fit the input); resolves strides; sets out, pads, n_in, n_out, n_w, n_b. */
    nn_status (*setup)(layer *l);
    /* Initial parameters, drawn from rng in parameter order. */
    void (*init)(layer *l, nn_rng *rng);
    /* Floats of scratch for a batch of B: kept from forward to backward, and per thread. */
    uint64_t (*scratch)(const layer *l, int B);
    uint64_t (*thread_scratch)(const layer *l, int B);
    void (*forward)(const layer *l, const layer_io *io, int t, int nt);
    /* Backward is backward_passes(l) parallel regions (a barrier between them): it applies the
     * layer's own activation's backward to dy, then computes gw, gb and dx. */
    int (*backward_passes)(const layer *l);
    void (*backward)(const layer *l, const layer_io *io, int pass, int t, int nt);
    /* The largest magnitude each output channel (rank 3) or unit (rank 1) can take before the
     * activation, given the inputs' (same convention): see nn_model_load. */
    void (*bound)(const layer *l, const double *in, double *out);
    double (*flops)(const layer *l); /* forward, per sample */
    int in_place;                    /* y is x and dx is dy: nothing moves, nothing to run */
    int sparse_input;                /* can take the batch's non-zeros as its input (io->sb) */
} layer_ops;

extern const layer_ops dense_ops, conv2d_ops, maxpool2d_ops, flatten_ops;
/* layer_table[kind]: one row per nn_layer_kind. */
extern const layer_ops *const layer_table[NN_LAYER_KIND_COUNT];

/* For conv2d and maxpool2d: checks kh, kw, strides (0 becomes default_stride) and padding
 * against the rank-3 input, and sets out.h, out.w (out.c is the caller's), pad_t and pad_l as
 * Keras computes them ('same': out = ceil(in / stride), the odd padding pixel after). */
nn_status window_setup(layer *l, int default_sh, int default_sw);

/* Glorot-uniform weights (limit sqrt(6 / (fan_in + fan_out))), in order from rng. */
void glorot_uniform(float *w, size_t n, int fan_in, int fan_out, nn_rng *rng);

#endif
