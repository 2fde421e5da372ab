/* internal.h: the structures behind the opaque handles of nn.h, shared by the library's files and
 * its white-box tests; nothing here is public. Parameters live in one allocation handed out as
 * per-layer pointers (W: in x out row-major, then b: out), in the order of the model file. */
#ifndef NN_INTERNAL_H
#define NN_INTERNAL_H

#include "nn.h"
#include "sparse.h"

struct nn_dataset {
    uint8_t *image_buf, *label_buf; /* the IDX files, owned */
    const uint8_t *pixels;          /* count x rows*cols, inside image_buf */
    const uint8_t *labels;          /* count, inside label_buf */
    int count, rows, cols, classes;
};

/* Rows pushed through the network at once by predict and evaluate. */
#define NN_PREDICT_ROWS 64

struct nn_net {
    int n_layers;
    int sizes[NN_MAX_LAYERS + 1];
    nn_activation acts[NN_MAX_LAYERS];
    size_t n_params;
    float *params;
    float *w[NN_MAX_LAYERS], *b[NN_MAX_LAYERS]; /* into params */
    int max_width;                              /* widest layer, the input included */
    float *scratch;                             /* 2 x NN_PREDICT_ROWS x max_width, for predict */
    double *loss_rows;                          /* NN_PREDICT_ROWS */
};

/* 1/255 scaling of IDX bytes, as Keras' x.astype('float32') / 255. */
extern const float nn_u8_scale[256];

/* Forward pass of rows (<= NN_PREDICT_ROWS) already scaled into net->scratch; returns the
 * probabilities (rows x outputs, inside scratch). With labels, adds the rows' summed
 * cross-entropy to *loss_sum and their correct count to *correct. */
const float *net_forward_scratch(nn_net *net, int rows, const uint8_t *labels, double *loss_sum,
                                 int *correct);

/* A network with its layers checked and set and its memory allocated, parameters left
 * uninitialised; acts NULL means relu then softmax last. */
nn_status net_alloc(nn_net **out, int n_layers, const int *sizes, const nn_activation *acts);

/* The number of parameters (weights and biases) of layers of these sizes. */
size_t net_param_count(int n_layers, const int *sizes);

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
    float *grads;                  /* laid out as the parameters */
    float *state1;                 /* RMSprop's mean square, SGD's velocity, Adam's first moment */
    float *state2;                 /* Adam's second moment; NULL otherwise */
    float *snapshot;               /* parameters, state1, state2 at the start of nn_train */
    size_t state_floats;           /* floats in params + state1 + state2 */
    float *act[NN_MAX_LAYERS + 1]; /* act[0]: the scaled batch; act[l+1]: layer l's output */
    float *delta[2];               /* gradients w.r.t. layer outputs, ping-pong */
    uint8_t *batch_labels;
    double *loss_rows;
    sparse_batch sb;            /* the batch's non-zeros, unless sparse mode is off */
    float *sparse_scratch;      /* per thread, SPARSE_SCRATCH floats */
    int last_sparse;            /* whether the last batch took the sparse path */
    int threads;                /* threads this trainer uses: min(options, team size) */
    double phase_ms[NN_PHASES]; /* time spent in each phase of training so far */
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
