/* nn.h: the only public header of the MNIST network library.
 * A sequential network of layers (dense, conv2d, maxpool2d, flatten: each a kind with shapes)
 * trained with mini-batches on IDX datasets kept as bytes, its model file, and the MNIST-style
 * preprocessing of drawn or photographed digits.
 * Conventions: every call that can fail returns an nn_status (NN_OK is 0, errors are negative and
 * nn_status_str() describes them); matrices are row-major float32; objects come from nn_*_create
 * or nn_*_load and go back with the matching nn_*_free, which accepts NULL. */
#ifndef NN_H
#define NN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum nn_status {
    NN_OK = 0,
    NN_ERR_NOMEM = -1,         /* an allocation failed: the request is too large for memory */
    NN_ERR_ARG = -2,           /* a NULL pointer or an out-of-range index */
    NN_ERR_LAYERS = -3,        /* layer count or a layer size out of range */
    NN_ERR_ACTIVATION = -4,    /* unknown activation, or softmax anywhere but the last layer */
    NN_ERR_BATCH_SIZE = -5,    /* batch size below 1 or above the number of training samples */
    NN_ERR_LEARNING_RATE = -6, /* learning rate not a finite number > 0 */
    NN_ERR_OPTIMIZER = -7,     /* unknown optimiser or an optimiser parameter out of range */
    NN_ERR_THREADS = -8,       /* thread count out of range */
    NN_ERR_SHAPE = -9,         /* layers whose shapes do not fit together */

    NN_ERR_IDX_MAGIC = -10,     /* the first two bytes are not zero */
    NN_ERR_IDX_TYPE = -11,      /* the type byte is not 0x08 (unsigned byte) */
    NN_ERR_IDX_NDIM = -12,      /* 0 or more than 3 dimensions */
    NN_ERR_IDX_OVERFLOW = -13,  /* the product of the dimensions overflows */
    NN_ERR_IDX_TRUNCATED = -14, /* fewer bytes than the header or the dimensions announce */
    NN_ERR_IDX_TRAILING = -15,  /* more bytes than the dimensions announce */
    NN_ERR_IDX_COUNT = -16,     /* image and label counts differ, or there are none */
    NN_ERR_IDX_LABEL = -17,     /* a label is not below the number of classes */
    NN_ERR_IDX_KIND = -18,      /* images need 3 dimensions (count, rows, cols), labels 1 */
    NN_ERR_INPUT_SIZE = -19,    /* images of a size the network does not take */

    NN_ERR_MODEL_MAGIC = -30,     /* not a model file */
    NN_ERR_MODEL_VERSION = -31,   /* a model file of a version this build does not read */
    NN_ERR_MODEL_TRUNCATED = -32, /* shorter than its header announces */
    NN_ERR_MODEL_TRAILING = -33,  /* longer than its header announces */
    NN_ERR_MODEL_CHECKSUM = -34,  /* the CRC-32 does not match: the file is corrupt */
    NN_ERR_MODEL_LAYERS = -35,    /* layer sizes or activations out of range */
    NN_ERR_MODEL_VALUES = -36,    /* a weight is NaN or infinite, or the weights can overflow */

    NN_ERR_NO_DIGIT = -40,   /* the image holds no ink: nothing to classify */
    NN_ERR_IMAGE_SIZE = -41, /* image width or height is 0 or too large */

    NN_ERR_DIVERGED = -50, /* training produced a NaN or infinite value; weights rolled back */
    NN_ERR_STATE = -51     /* a call out of order (e.g. no data yet) */
} nn_status;

/* A static English sentence for any status value, including unknown ones. */
const char *nn_status_str(int status);

/* ---- limits ---- */
#define NN_MAX_LAYERS 16      /* layers of any kind */
#define NN_MAX_UNITS 16384    /* units of a dense layer, filters of a convolution, network inputs */
#define NN_MAX_VALUES 1048576 /* values of one sample at any layer's output (h x w x c) */
#define NN_MAX_KERNEL 64      /* kernel, pool and stride sides */
#define NN_MAX_CLASSES 256
#define NN_MAX_THREADS 64

/* ---- random numbers: PCG32 (O'Neill), so that a seed means the same on every platform ---- */
typedef struct nn_rng {
    uint64_t state, inc;
} nn_rng;
void nn_rng_seed(nn_rng *rng, uint64_t seed, uint64_t stream);
uint32_t nn_rng_u32(nn_rng *rng);
float nn_rng_uniform(nn_rng *rng);                  /* [0, 1), 24 random bits */
uint32_t nn_rng_below(nn_rng *rng, uint32_t bound); /* [0, bound), unbiased; bound > 0 */

/* ---- IDX files (LeCun's format: magic 0 0 type ndim, big-endian u32 dims, the data) ---- */
typedef struct nn_idx {
    int ndim;            /* 1..3 */
    uint32_t dims[3];    /* dims[0] is the item count */
    const uint8_t *data; /* points into the parsed buffer */
    size_t size;         /* product of the dims: bytes of data */
} nn_idx;
/* Parses an unsigned-byte IDX file held in buf[0..len). data borrows buf. */
nn_status nn_idx_parse(const uint8_t *buf, size_t len, nn_idx *out);

/* ---- datasets: images and labels kept as their IDX bytes, scaled to [0,1] per batch ---- */
typedef struct nn_dataset nn_dataset;
/* Validates an images IDX file (3 dims) and a labels IDX file (1 dim) with the same count and
 * labels below num_classes. On success the dataset owns both buffers, which must come from
 * malloc() (nn_alloc() in wasm), and frees them in nn_dataset_free; on failure they stay the
 * caller's. */
nn_status nn_dataset_create(nn_dataset **out, uint8_t *images, size_t images_len, uint8_t *labels,
                            size_t labels_len, int num_classes);
void nn_dataset_free(nn_dataset *ds);
int nn_dataset_count(const nn_dataset *ds);
int nn_dataset_rows(const nn_dataset *ds);
int nn_dataset_cols(const nn_dataset *ds);
int nn_dataset_classes(const nn_dataset *ds);
const uint8_t *nn_dataset_pixels(const nn_dataset *ds); /* count x rows*cols, owned by ds */
const uint8_t *nn_dataset_labels(const nn_dataset *ds); /* count, owned by ds */
/* Fraction of pixels that are exactly 0, over the whole set. */
double nn_dataset_zero_fraction(const nn_dataset *ds);

/* ---- networks: a sequence of layers, each a kind with an input and an output shape ---- */
typedef enum nn_activation {
    NN_ACT_LINEAR = 0,
    NN_ACT_RELU = 1,
    NN_ACT_SIGMOID = 2,
    NN_ACT_TANH = 3,
    NN_ACT_SOFTMAX = 4 /* last layer only; trained with cross-entropy */
} nn_activation;
#define NN_ACT_COUNT 5
const char *nn_activation_name(nn_activation act); /* "relu", ...; NULL if unknown */

/* Layer kinds, with Keras' semantics. Their numbers are stored in model files: never reuse one. */
typedef enum nn_layer_kind {
    NN_LAYER_DENSE = 0,     /* y = act(x . W + b), x flat (n), W (n, units) */
    NN_LAYER_CONV2D = 1,    /* y = act(x * W + b), x (h, w, c), W (kh, kw, c, filters) */
    NN_LAYER_MAXPOOL2D = 2, /* the largest value of each kh x kw window, channel by channel */
    NN_LAYER_FLATTEN = 3    /* (h, w, c) -> (h w c) in that order: the values do not move */
} nn_layer_kind;
#define NN_LAYER_KIND_COUNT 4
const char *nn_layer_kind_name(nn_layer_kind kind); /* "dense", ...; NULL if unknown */

typedef enum nn_padding {
    NN_PAD_VALID = 0, /* windows inside the input only */
    NN_PAD_SAME = 1   /* out = ceil(in / stride), zeros (conv2d) or nothing (pooling) around */
} nn_padding;

/* A shape, channels last: rank 1 is a flat vector of c values (h = w = 1), rank 3 is h x w x c. */
typedef struct nn_shape {
    int rank, h, w, c;
} nn_shape;

/* One layer of a network. Fields a kind does not use must be 0. */
typedef struct nn_layer_spec {
    nn_layer_kind kind;
    nn_activation act;  /* dense and conv2d; linear for the others */
    int units;          /* dense: units; conv2d: filters */
    int kh, kw;         /* conv2d: kernel; maxpool2d: pool size */
    int sh, sw;         /* conv2d, maxpool2d strides; 0: 1 for conv2d, the pool size for pooling */
    nn_padding padding; /* conv2d, maxpool2d */
} nn_layer_spec;

typedef struct nn_net nn_net;
/* A network taking inputs of the given shape through n_layers layers; the last is dense with
 * softmax (2 to NN_MAX_CLASSES units), and softmax is nowhere else. Dense layers take flat
 * inputs (a flatten layer turns h x w x c into one); conv2d and maxpool2d take rank 3.
 * Weights are Glorot-uniform from seed (fan-in and fan-out kh kw c and kh kw filters for a
 * convolution), biases zero. NN_ERR_LAYERS for a count or a size out of range, NN_ERR_ACTIVATION
 * for a misplaced or missing softmax, NN_ERR_SHAPE for layers that do not fit their input. */
nn_status nn_net_create_layers(nn_net **out, nn_shape input, int n_layers,
                               const nn_layer_spec *layers, uint64_t seed);
/* A network of n_layers dense layers: sizes[0] inputs, sizes[i+1] outputs of layer i.
 * acts[i] is layer i's activation; acts NULL means relu for hidden layers and softmax last. */
nn_status nn_net_create(nn_net **out, int n_layers, const int *sizes, const nn_activation *acts,
                        uint64_t seed);
void nn_net_free(nn_net *net);
/* A new network with the same layers and a copy of the weights. */
nn_status nn_net_clone(nn_net **out, const nn_net *net);
int nn_net_layers(const nn_net *net);
nn_shape nn_net_input_shape(const nn_net *net);
/* i in 0..layers: values per sample at the input (0) or at layer i-1's output; 0 if out of range */
int nn_net_size(const nn_net *net, int i);
nn_activation nn_net_activation(const nn_net *net, int layer);

/* What a layer is, as the network resolved it (strides filled in). */
typedef struct nn_layer_info {
    nn_layer_spec spec;
    nn_shape in, out;
    size_t param_offset; /* into nn_net_params: the weights (in Keras' layout), then the biases */
    size_t weights, biases;
    double flops; /* floating-point operations of its forward pass, per sample */
} nn_layer_info;
nn_status nn_net_layer_info(const nn_net *net, int layer, nn_layer_info *out);
/* Floating-point operations of one training sample: each layer's forward, its weight gradient
 * and, but for the first layer, its input gradient. */
double nn_net_train_flops(const nn_net *net);

size_t nn_net_param_count(const nn_net *net);
/* All parameters in one array, layer by layer: weights then biases (nn_layer_info). Owned by net,
 * valid until nn_net_free. Writing to it changes the network. */
float *nn_net_params(nn_net *net);
/* probs (n x classes) for x (n x nn_net_size(net, 0) floats in [0,1], channels last). */
nn_status nn_net_predict(nn_net *net, const float *x, int n, float *probs);
/* The same for uint8 pixels scaled by 1/255 (IDX images). */
nn_status nn_net_predict_u8(nn_net *net, const uint8_t *pixels, int n, float *probs);

/* ---- a look inside: every layer's output for one input, in one call ---- */
/* Floats nn_net_activations writes: the sum of every layer's output size (nn_net_size(net, 1..L))
 * and then the classes once more. 0 for NULL. */
size_t nn_net_activations_size(const nn_net *net);
/* Runs one input x (nn_net_size(net, 0) floats, channels last) through the network and writes
 * into out (cap floats, at least nn_net_activations_size) every layer's output one after the
 * other, in layer order and each in its own layout (h, w, c channels last, or flat): after the
 * layer's activation, except the last layer's, which is its logits before softmax; then the
 * probabilities, the same bits nn_net_predict gives for x. Nothing is allocated. NN_ERR_ARG for
 * a NULL pointer or a cap too small. */
nn_status nn_net_activations(nn_net *net, const float *x, float *out, size_t cap);

typedef struct nn_eval {
    double loss;     /* mean categorical cross-entropy */
    double accuracy; /* fraction in [0,1] */
    int correct, count;
} nn_eval;
/* Loss and accuracy over samples [first, first+count) of ds (count <= 0: to the end).
 * predicted (count bytes) and confidence (count floats) receive each sample's arg-max class and
 * its probability when not NULL. */
nn_status nn_evaluate(nn_net *net, const nn_dataset *ds, int first, int count, nn_eval *out,
                      uint8_t *predicted, float *confidence);

/* ---- training ---- */
typedef enum nn_optimizer { NN_OPT_RMSPROP = 0, NN_OPT_SGD = 1, NN_OPT_ADAM = 2 } nn_optimizer;
#define NN_OPT_COUNT 3
const char *nn_optimizer_name(nn_optimizer opt);
/* The learning rate a 0 in nn_train_options stands for: RMSprop 0.001, SGD 0.01, Adam 0.001. */
float nn_optimizer_default_lr(nn_optimizer opt);

typedef enum nn_sparse_mode {
    NN_SPARSE_AUTO = 0, /* per batch: skip the input's zeros, and a convolution's zero output
                         * gradients (its backward), where they are sparse enough */
    NN_SPARSE_OFF = 1,  /* always the dense kernels */
    NN_SPARSE_ON = 2    /* always the sparse kernels; every mode gives the same bits */
} nn_sparse_mode;

typedef struct nn_train_options {
    nn_optimizer optimizer;
    float learning_rate; /* 0 means the optimiser's default: RMSprop 0.001, SGD 0.01, Adam 0.001 */
    float rho;           /* RMSprop decay, 0.9 */
    float momentum;      /* SGD momentum, 0.9 */
    float beta1, beta2;  /* Adam, 0.9 and 0.999 */
    float epsilon;       /* 1e-7, as Keras */
    int batch_size;      /* 128 */
    int limit;           /* use only the first `limit` training samples; 0 = all */
    uint64_t seed;       /* shuffling */
    nn_sparse_mode sparse;
    int threads; /* at most this many threads (see nn_threads_init); results do not depend on it */
} nn_train_options;
/* Keras' recipe: RMSprop(lr 0.001, rho 0.9, eps 1e-7), batch 128, seed 1, sparse auto, 1 thread. */
nn_train_options nn_train_defaults(void);

typedef struct nn_trainer nn_trainer;
/* Binds net and the training set ds (both borrowed: they must outlive the trainer) and sizes all
 * scratch: nothing is allocated while training. */
nn_status nn_trainer_create(nn_trainer **out, nn_net *net, const nn_dataset *ds,
                            const nn_train_options *opt);
void nn_trainer_free(nn_trainer *tr);

typedef struct nn_progress {
    int epoch;             /* epochs completed */
    int batch;             /* batches completed in the current epoch */
    int batches_per_epoch; /* ceil(samples / batch_size): the last partial batch is kept */
    int epoch_done;        /* 1 when this call finished an epoch (the next call starts one) */
    int64_t samples;       /* samples trained on since the trainer was created */
    double loss;           /* mean loss over the current (or just finished) epoch so far */
    double accuracy;       /* training accuracy over the same samples */
    double chunk_loss;     /* mean loss over this call's batches */
    double chunk_accuracy;
    int chunk_batches;
    int sparse_batches; /* of this call's batches, how many took the sparse-input path */
    int threads;        /* threads training uses */
} nn_progress;
/* Trains up to max_batches batches, stopping early at the end of an epoch, and fills progress.
 * Each epoch visits every sample once in an order shuffled from the seed. On NN_ERR_DIVERGED the
 * weights and optimiser state are those from the start of this call. */
nn_status nn_train(nn_trainer *tr, int max_batches, nn_progress *progress);
/* The state as of the last call, without training. */
void nn_trainer_progress(const nn_trainer *tr, nn_progress *progress);
/* Milliseconds spent so far in each phase of training. Phases run on every thread at once: with
 * several, these are the phases' elapsed times on the caller. */
typedef struct nn_timing {
    double input_ms;                   /* the batch's input: scaled, or its non-zeros listed */
    double forward_ms[NN_MAX_LAYERS];  /* each layer's forward pass */
    double loss_ms;                    /* softmax, the loss and its gradient */
    double backward_ms[NN_MAX_LAYERS]; /* each layer's backward pass: activation, gradients */
    double update_ms;                  /* the optimiser */
} nn_timing;
void nn_trainer_timing(const nn_trainer *tr, nn_timing *out);

/* ---- model files ---- */
/* Layout (little-endian), version 2: "NNMF" | u32 version | u32 input rank, h, w, c |
 * u32 layers L | L x u32 {kind, act, units, kh, kw, sh, sw, padding} | f32 parameters (as
 * nn_net_params) | u32 CRC-32 of everything before it. Version 1 (dense layers only) is still
 * read: "NNMF" | u32 1 | u32 L | u32 sizes[L+1] | u32 activations[L] | f32 parameters | CRC. */
size_t nn_model_size(const nn_net *net);
/* Writes the model into buf (cap bytes, at least nn_model_size). */
nn_status nn_model_save(const nn_net *net, uint8_t *buf, size_t cap, size_t *written);
/* Validates everything, then creates a new network: an existing one is never touched. The
 * weights must be finite and small enough that no input in [0, 1] overflows a prediction (for
 * every unit or filter, |b| + sum |w| x its inputs' largest magnitude below FLT_MAX / 4). */
nn_status nn_model_load(nn_net **out, const uint8_t *buf, size_t len);

/* ---- preprocessing of a drawn or photographed digit, the way MNIST was made ---- */
#define NN_IMAGE_MAX_SIDE 16384
#define NN_IMAGE_MAX_MEGAPIXELS 64
#define NN_IMAGE_MAX_PIXELS (NN_IMAGE_MAX_MEGAPIXELS * 1048576u)
typedef struct nn_preprocess_info {
    int x0, y0, x1, y1; /* the ink's bounding box in the source image, x1 and y1 exclusive */
    int light_on_dark;  /* 1 if the ink was lighter than the background */
    float ink_fraction; /* fraction of source pixels taken as ink */
    float com_x, com_y; /* centre of mass of the result in pixel indices: 14.0, as MNIST has it */
    int lines; /* printed lines (a grid, rules, a margin) and dots of the paper divided out */
    int cut;   /* nn_preprocess_number: 1 if cut from ink it shares with a neighbour */
} nn_preprocess_info;
/* From a grayscale image (width x height bytes, row-major) to the 28x28 floats in [0,1] (ink 1,
 * background 0) that the network takes: ink told from background, cropped to its bounding box,
 * area-averaged to fit 20x20 keeping the aspect ratio, placed in 28x28 with its centre of mass
 * at the centre. NN_ERR_NO_DIGIT for an image without ink. info may be NULL. On an error out784
 * is left untouched and info zeroed. */
nn_status nn_preprocess_gray(const uint8_t *gray, int width, int height, float *out784,
                             nn_preprocess_info *info);
/* The same from RGBA bytes (a canvas' ImageData); transparent pixels count as background. */
nn_status nn_preprocess_rgba(const uint8_t *rgba, int width, int height, float *out784,
                             nn_preprocess_info *info);
/* Both find the lines of squared, ruled or dotted paper (families of long, thin, evenly spaced
 * lines, tilted or converging in perspective, and a margin beside them) and divide them out before
 * the ink is measured; a picture without such a family is preprocessed exactly as before. */

/* Flags of nn_preprocess_number. */
#define NN_PRE_KEEP_LINES 1u /* leave the paper's lines in (the preprocessing before issue 15) */
#define NN_PRE_ONE_DIGIT 2u  /* one digit, as nn_preprocess_gray and _rgba read it */
#define NN_PRE_NO_CUT 4u     /* digits are never cut from one piece of ink */
#define NN_NUMBER_MAX_DIGITS 16
/* A written number: the digits side by side in the picture (pixels: channels 1 gray or 4 RGBA),
 * left to right, each through the same preprocessing as one digit, into out784 (max_digits x 784
 * floats) and info (max_digits entries, or NULL). Parts of one digit (a detached bar) stay one
 * digit; digits that touch are cut apart where the ink between them is thinnest (info.cut). A
 * piece of ink much wider than the number's digits, or alone and wider than tall, is cut so: a
 * wide digit and touching ones look alike, and the caller may compare each cut piece of ink with
 * its reading as one digit under NN_PRE_NO_CUT (the same digits otherwise, in the same order).
 * *count receives the
 * digits written: 1 to min(max_digits, NN_NUMBER_MAX_DIGITS), the leftmost ones. A single digit
 * gives exactly what nn_preprocess_gray or _rgba give. NN_ERR_NO_DIGIT when there is no ink,
 * NN_ERR_ARG for a NULL pointer, channels other than 1 or 4, or max_digits < 1. */
nn_status nn_preprocess_number(const uint8_t *pixels, int channels, int width, int height,
                               unsigned flags, int max_digits, float *out784,
                               nn_preprocess_info *info, int *count);

/* ---- threads (threads.c): only the threaded wasm module (nn-mt.wasm, shared memory) has
 * helpers; elsewhere nn_threads_init accepts 1 only and training runs on the caller. ---- */
/* Declares n threads (the caller and n-1 helpers that will call nn_thread_main(1..n-1)). */
nn_status nn_threads_init(int n);
/* A helper's loop: runs its share of each parallel region. Returns 0 after nn_threads_stop, or 1
 * after a while without work: the caller lets its event loop run, then calls it again. */
int nn_thread_main(int index);
/* Ends the helpers' loops; back to one thread. */
void nn_threads_stop(void);
/* From the next parallel region on, uses at most n of the team's threads (1..n of
 * nn_threads_init; NN_ERR_THREADS otherwise); the others sleep. Results do not change: a page
 * uses it to fall back to fewer threads when more are slower. */
nn_status nn_threads_limit(int n);
/* Polls of a waiting thread before it sleeps (negative: the default, about a microsecond);
 * web/nn.js useThreads({spin}) sets about a millisecond. */
void nn_threads_set_spin(int polls);

/* ---- measurement (bench.c), for `npm run bench` ---- */
/* iters rounds of independent f32x4 multiply-adds: nn_bench_peak_flops_per_iter() flops each. */
float nn_bench_peak(int iters);
int nn_bench_peak_flops_per_iter(void);
/* iters products of the 4x8 register tile alone, operands in L1: nn_bench_tile_flops_per_iter()
 * flops each (0 in a build without SIMD). */
float nn_bench_tile(int iters);
int nn_bench_tile_flops_per_iter(void);
/* Product `which` (0 X.W, 1 dY.W^T, 2 X^T.dY; 3-5 their scalar twins) reps times at m x k x n. */
int nn_bench_kernel(int which, int m, int k, int n, int reps);

#ifdef __cplusplus
}
#endif
#endif
