/* status.c: the sentence for each nn_status, and the names of activations, layer kinds and
 * optimisers.
 * Sentences are for people: they say what is wrong with the input, not where in the code. */
#include "nn.h"

/* Limits enter the sentences from their #defines, so that a sentence cannot go stale. */
#define STR_(x) #x
#define STR(x) STR_(x)

const char *nn_status_str(int status) {
    switch ((nn_status)status) {
    case NN_OK: return "ok";
    case NN_ERR_NOMEM: return "out of memory: the request is too large for the memory available";
    case NN_ERR_ARG: return "invalid argument (a missing pointer or an index out of range)";
    case NN_ERR_LAYERS:
        return "invalid layers: 1 to " STR(
            NN_MAX_LAYERS) " layers of a known kind, dense layers "
                           "and convolutions of 1 to " STR(
                               NN_MAX_UNITS) " units or filters, kernels, pools "
                                             "and strides of 1 to " STR(
                                                 NN_MAX_KERNEL) ", at most " STR(NN_MAX_UNITS) " in"
                                                                                               "put"
                                                                                               "s "
                                                                                               "and"
                                                                                               " 2 "
                                                                                               "to"
                                                                                               " " STR(
                                                                                                   NN_MAX_CLASSES) " classes";
    case NN_ERR_ACTIVATION:
        return "invalid activation: softmax is only allowed, and required, on the last layer, "
               "which must be dense";
    case NN_ERR_BATCH_SIZE:
        return "invalid batch size: it must be at least 1 and at most the number of training "
               "samples";
    case NN_ERR_LEARNING_RATE:
        return "invalid learning rate: it must be a finite number greater than 0";
    case NN_ERR_OPTIMIZER:
        return "invalid optimiser or optimiser parameter (rho, momentum, beta in [0, 1), epsilon > "
               "0)";
    case NN_ERR_THREADS: return "invalid thread count: 1 to " STR(NN_MAX_THREADS);
    case NN_ERR_SHAPE:
        return "layers that do not fit together: a dense layer needs a flat input (put a flatten "
               "layer before it), a convolution or pooling a 2-D one at least as large as its "
               "window";
    case NN_ERR_IDX_MAGIC: return "not an IDX file: the first two bytes must be zero";
    case NN_ERR_IDX_TYPE: return "unsupported IDX type: only unsigned bytes (type 0x08) are read";
    case NN_ERR_IDX_NDIM: return "invalid IDX file: it must have 1 to 3 dimensions";
    case NN_ERR_IDX_OVERFLOW: return "invalid IDX file: the product of its dimensions overflows";
    case NN_ERR_IDX_TRUNCATED:
        return "truncated IDX file: it holds fewer bytes than its dimensions announce";
    case NN_ERR_IDX_TRAILING:
        return "invalid IDX file: it holds more bytes than its dimensions announce";
    case NN_ERR_IDX_COUNT: return "IDX image and label counts differ (or are zero)";
    case NN_ERR_IDX_LABEL: return "invalid IDX labels: a label is not below the number of classes";
    case NN_ERR_IDX_KIND:
        return "wrong IDX file: images need 3 dimensions (count, rows, columns) and labels 1";
    case NN_ERR_INPUT_SIZE: return "the images are not of the size the network takes";
    case NN_ERR_MODEL_MAGIC: return "not a model file (wrong magic)";
    case NN_ERR_MODEL_VERSION: return "model file of an unsupported version";
    case NN_ERR_MODEL_TRUNCATED: return "truncated model file";
    case NN_ERR_MODEL_TRAILING: return "invalid model file: extra bytes after the end";
    case NN_ERR_MODEL_CHECKSUM: return "corrupt model file: checksum mismatch";
    case NN_ERR_MODEL_LAYERS:
        return "invalid model file: its layers (kinds, sizes, shapes or activations) are not a "
               "network this library can build";
    case NN_ERR_MODEL_VALUES:
        return "invalid model file: a weight is NaN or infinite, or the weights are so large that "
               "a prediction would overflow";
    case NN_ERR_NO_DIGIT: return "no digit: the image holds no ink";
    case NN_ERR_IMAGE_SIZE:
        return "invalid image size: width and height must be 1 to " STR(
            NN_IMAGE_MAX_SIDE) " and "
                               "the image at most " STR(NN_IMAGE_MAX_MEGAPIXELS) " megapixels";
    case NN_ERR_DIVERGED:
        return "training diverged (a NaN or infinite loss): the weights from before it were kept; "
               "try a lower learning rate";
    case NN_ERR_STATE: return "call out of order (no network or no data yet)";
    }
    return "unknown status";
}

const char *nn_activation_name(nn_activation act) {
    static const char *const names[NN_ACT_COUNT] = {"linear", "relu", "sigmoid", "tanh", "softmax"};
    return (unsigned)act < NN_ACT_COUNT ? names[act] : NULL;
}

const char *nn_layer_kind_name(nn_layer_kind kind) {
    static const char *const names[NN_LAYER_KIND_COUNT] = {"dense", "conv2d", "maxpool2d",
                                                           "flatten"};
    return (unsigned)kind < NN_LAYER_KIND_COUNT ? names[kind] : NULL;
}

const char *nn_optimizer_name(nn_optimizer opt) {
    static const char *const names[NN_OPT_COUNT] = {"rmsprop", "sgd", "adam"};
    return (unsigned)opt < NN_OPT_COUNT ? names[opt] : NULL;
}
