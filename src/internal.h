/* internal.h: the structures behind the opaque handles of nn.h, shared by the library's files and
 * its white-box tests; nothing here is public. Parameters live in one allocation handed out as
 * per-layer pointers (weights, then biases), in the order of the model file. */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include "nn.h"
#include "layer.h"
#include "sparse.h"

struct nn_dataset {
    uint8_t *image_buf, *label_buf; /* the IDX files, owned */
    const uint8_t *pixels;          /* count x rows*cols, inside image_buf */
    const uint8_t *labels;          /* count, inside label_buf */
    int count, rows, cols, classes;
};

/* Values per buffer of a prediction's forward pass: predict and evaluate push
 * min(NN_PREDICT_ROWS, PREDICT_VALUES / widest) rows at a time. */
#define NN_PREDICT_ROWS 64
#define PREDICT_VALUES (1 << 20)

struct nn_net {
    nn_shape input;
    int n_in; /* values per input sample */
    int n_layers;
    layer layers[NN_MAX_LAYERS];
    size_t n_params;
    float *params;        /* every layer's weights then biases, in layer order (one allocation) */
    int max_width;        /* most values per sample at any layer's input or output */
    int max_bound;        /* most channels or units at any layer's input or output */
    int predict_rows;     /* rows of one forward pass in predict and evaluate */
    float *scratch;       /* 2 x predict_rows x max_width, for predict */
    float *layer_scratch; /* the largest scratch and thread scratch of any layer, for predict */
    size_t layer_floats;  /* where the thread scratch starts in layer_scratch */
    double *loss_rows;    /* predict_rows */
};

/* 1/255 scaling of IDX bytes, as Keras' x.astype('float32') / 255. */
extern const float nn_u8_scale[256];

/* Forward pass of rows (<= net->predict_rows) already scaled into net->scratch; returns the
 * probabilities (rows x classes, inside scratch). With labels, adds the rows' summed
 * cross-entropy to *loss_sum and their correct count to *correct. */
const float *net_forward_scratch(nn_net *net, int rows, const uint8_t *labels, double *loss_sum,
                                 int *correct);

/* Checks the layers and sets them up in *net (shapes, parameter places and counts) without
 * allocating anything: what a model file must hold can be known before trusting its length. */
nn_status net_plan(nn_net *net, nn_shape input, int n_layers, const nn_layer_spec *specs);
/* A network planned and with its memory allocated, parameters left uninitialised. */
nn_status net_alloc(nn_net **out, nn_shape input, int n_layers, const nn_layer_spec *specs);

/* The ops of a network's layer. */
static inline const layer_ops *ops_of(const layer *l) { return layer_table[l->spec.kind]; }
/* Whether layer l's input gradient is needed: some layer before it has parameters. */
int net_needs_dx(const nn_net *net, int l);
/* Whether ds's images are what net takes (pixels, and rows and columns for an image input). */
int net_takes(const nn_net *net, const nn_dataset *ds);
/* The network's classes: the last layer's units. */
static inline int net_classes(const nn_net *net) { return net->layers[net->n_layers - 1].n_out; }

/* The training state (train.c). */
struct nn_trainer {
    nn_net *net;
    const nn_dataset *ds;
    nn_train_options opt;
    int n;                 /* samples used: the first n of ds */
    int batches_per_epoch; /* ceil(n / batch_size) */
    uint32_t *perm;        /* this epoch's order */
    nn_rng rng;
    /* position: saved and restored with the weights on divergence */
    struct position {
        int epoch, batch, step; /* step: updates so far (Adam's t) */
        int64_t samples;
        double epoch_loss;
        int epoch_correct, epoch_seen;
    } pos;
    float *grads;                   /* laid out as the parameters */
    float *state1;                  /* RMSprop's mean square, SGD's velocity, Adam's first moment */
    float *state2;                  /* Adam's second moment; NULL otherwise */
    float *snapshot;                /* parameters, state1, state2 at the start of nn_train */
    size_t state_floats;            /* floats in params + state1 + state2 */
    float *act[NN_MAX_LAYERS + 1];  /* act[0]: the scaled batch; act[l+1]: layer l's output */
    float *dact[NN_MAX_LAYERS + 1]; /* the loss' gradient w.r.t. act[l] (NULL where unneeded) */
    float *scratch[NN_MAX_LAYERS];  /* each layer's ops->scratch, kept from forward to backward */
    float *thread_scratch;          /* the largest ops->thread_scratch, for each thread */
    size_t thread_stride;
    float *owned[2 * NN_MAX_LAYERS + 2]; /* the act and dact buffers (others are aliases) */
    int n_owned;
    uint8_t *batch_labels;
    double *loss_rows;
    sparse_batch sb;  /* the batch's non-zeros, when the first layer can take them */
    int use_sb;       /* the first layer takes sparse input and sparse mode is not off */
    int last_sparse;  /* whether the last batch took the sparse path */
    int threads;      /* threads this trainer uses: min(options, team size) */
    nn_timing timing; /* time spent in each phase of training so far */
    nn_progress last;
};

/* Milliseconds from a monotonic clock (clock.c). */
double clock_ms(void);

/* The sparse path is taken for a batch whose fraction of non-zero pixels is at most this
 * (NN_SPARSE_AUTO). Measured with `npm run bench`: see the README. */
#define NN_SPARSE_MAX_DENSITY 0.5

/* Forward and backward over the samples idx[0..nb) of the training set: fills tr->grads with the
 * gradient of the batch's mean loss and returns the summed loss (not finite: stop). */
double trainer_gradients(nn_trainer *tr, const uint32_t *idx, int nb, int *correct);

#endif
