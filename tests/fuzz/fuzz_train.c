/* fuzz_train.c: nn_trainer_create with fuzzed options on a tiny dataset, then a few nn_train calls.
 * Input: byte 0 picks which options take fuzzed values (the others keep nn_train_defaults());
 * then, at fixed offsets, the optimiser, the raw bits of the learning rate, rho, momentum, beta1,
 * beta2 and epsilon, batch size, limit, sparse mode, threads, seed, the hidden layer (size and
 * activation), the batches per nn_train call, and (byte 49 odd) a convolutional network instead:
 * filters, kernel, strides, padding and a pooling layer from bytes 50 to 52.
 * Properties: options are accepted exactly when they are in the ranges nn.h documents, and a
 * refusal names an option that is out of range; training returns NN_OK or NN_ERR_DIVERGED, the
 * latter with the weights of the call's start; weights stay finite; progress stays consistent. */
#include "fuzz.h"

enum { TR_N = 24, TR_SIDE = 3, TR_CLASSES = 3 };

/* TR_N images of 3x3 whose label is the brightest row; made once, kept for the process. */
static nn_dataset *train_dataset(void) {
    static nn_dataset *ds;
    if (ds) return ds;
    size_t il = 16 + TR_N * TR_SIDE * TR_SIDE, ll = 8 + TR_N;
    uint8_t *im = calloc(il, 1), *lb = calloc(ll, 1);
    if (!im || !lb) return free(im), free(lb), NULL;
    im[2] = 8, im[3] = 3, im[7] = TR_N, im[11] = TR_SIDE, im[15] = TR_SIDE;
    lb[2] = 8, lb[3] = 1, lb[7] = TR_N;
    for (int i = 0; i < TR_N; i++) {
        lb[8 + i] = (uint8_t)(i % TR_CLASSES);
        for (int p = 0; p < TR_SIDE * TR_SIDE; p++)
            im[16 + i * 9 + p] = p / TR_SIDE == i % TR_CLASSES ? (uint8_t)(200 + i)
                                                               : (uint8_t)(p * 7);
    }
    if (nn_dataset_create(&ds, im, il, lb, ll, TR_CLASSES) != NN_OK) free(im), free(lb);
    return ds;
}

static int train_in_unit(float x) { return x >= 0.0f && x < 1.0f; }

static int fuzz_train(const uint8_t *data, size_t size) {
    nn_dataset *ds = train_dataset();
    FUZZ_CHECK(ds != NULL);
    if (!ds) return NN_ERR_NOMEM;
    uint32_t pick = fuzz_u8(data, size, 0);
    nn_train_options o = nn_train_defaults();
    o.batch_size = 4;
    if (pick & 1) o.optimizer = (nn_optimizer)((int)fuzz_u8(data, size, 1) % 5 - 1);
    if (pick & 2) o.learning_rate = fuzz_f32(data, size, 2);
    if (pick & 4) {
        o.rho = fuzz_f32(data, size, 6), o.momentum = fuzz_f32(data, size, 10);
        o.beta1 = fuzz_f32(data, size, 14), o.beta2 = fuzz_f32(data, size, 18);
    }
    if (pick & 8) o.epsilon = fuzz_f32(data, size, 22);
    if (pick & 16) { /* small values mostly, raw ones now and then */
        uint32_t v = fuzz_u32(data, size, 26);
        o.batch_size = v & 0x80000000u ? (int32_t)v : (int)(v % (TR_N + 3)) - 1;
        v = fuzz_u32(data, size, 30);
        o.limit = v & 0x80000000u ? (int32_t)v : (int)(v % (TR_N + 3)) - 1;
    }
    if (pick & 32) {
        o.sparse = (nn_sparse_mode)((int)fuzz_u8(data, size, 34) % 5 - 1);
        o.threads = (int)fuzz_u8(data, size, 35) % 68 - 1;
    }
    if (pick & 64) o.seed = (uint64_t)fuzz_u32(data, size, 36) << 32 | fuzz_u32(data, size, 40);
    int hidden = 1 + (int)fuzz_u8(data, size, 44) % 12;
    nn_activation act = (nn_activation)(fuzz_u8(data, size, 45) % 4);
    nn_net *net = NULL;
    if (fuzz_u8(data, size, 49) & 1) { /* conv2d [maxpool2d] flatten dense: always valid here */
        uint32_t g = fuzz_u8(data, size, 52);
        int k = 1 + (int)fuzz_u8(data, size, 51) % TR_SIDE, same = g & 1, pool = g & 2;
        nn_layer_spec specs[4] = {
            {.kind = NN_LAYER_CONV2D,
             .act = act,
             .units = 1 + (int)fuzz_u8(data, size, 50) % 5,
             .kh = k,
             .kw = 1 + (int)(g >> 4) % k,
             .sh = 1 + (int)(g >> 2) % 2,
             .sw = 1,
             .padding = same ? NN_PAD_SAME : NN_PAD_VALID},
            {.kind = NN_LAYER_MAXPOOL2D,
             .kh = 1 + (int)(g >> 3) % 2,
             .kw = 1,
             .padding = NN_PAD_SAME},
            {.kind = NN_LAYER_FLATTEN},
            {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = TR_CLASSES}};
        if (!pool) specs[1] = specs[2], specs[2] = specs[3];
        const nn_shape in = {3, TR_SIDE, TR_SIDE, 1};
        FUZZ_CHECK(nn_net_create_layers(&net, in, pool ? 4 : 3, specs, 3) == NN_OK);
    } else {
        int two = pick & 128, sizes[3] = {TR_SIDE * TR_SIDE, two ? hidden : TR_CLASSES, TR_CLASSES};
        nn_activation acts[2] = {two ? act : NN_ACT_SOFTMAX, NN_ACT_SOFTMAX};
        FUZZ_CHECK(nn_net_create(&net, two ? 2 : 1, sizes, acts, 3) == NN_OK);
    }
    if (!net) return NN_ERR_NOMEM;

    /* what nn.h documents, checked here independently of train.c */
    int n = o.limit > 0 && o.limit < TR_N ? o.limit : TR_N;
    int bad_opt = (unsigned)o.optimizer >= NN_OPT_COUNT || !train_in_unit(o.rho) ||
                  !train_in_unit(o.momentum) || !train_in_unit(o.beta1) ||
                  !train_in_unit(o.beta2) || !(o.epsilon > 0) || isinf(o.epsilon);
    int bad_lr = !(o.learning_rate >= 0) || isinf(o.learning_rate);
    int bad_batch = o.batch_size < 1 || o.batch_size > n;
    int bad_threads = o.threads < 1 || o.threads > NN_MAX_THREADS;
    int bad_arg = o.limit < 0 || (unsigned)o.sparse > NN_SPARSE_ON;
    nn_trainer *tr = (nn_trainer *)ds; /* not NULL: a failure must set NULL */
    int st = nn_trainer_create(&tr, net, ds, &o);
    if (bad_opt || bad_lr || bad_batch || bad_threads || bad_arg) {
        FUZZ_CHECK(st != NN_OK && tr == NULL);
        FUZZ_CHECK((st == NN_ERR_OPTIMIZER && bad_opt) || (st == NN_ERR_LEARNING_RATE && bad_lr) ||
                   (st == NN_ERR_BATCH_SIZE && bad_batch) ||
                   (st == NN_ERR_THREADS && bad_threads) || (st == NN_ERR_ARG && bad_arg));
    } else {
        FUZZ_CHECK(st == NN_OK && tr != NULL);
    }
    /* threads is an upper bound: without helpers (none here) training runs on the caller */
    if (st == NN_OK && tr) {
        size_t np = nn_net_param_count(net);
        float *before = malloc(np * sizeof *before);
        for (int call = 0; call < 3 && before; call++) {
            memcpy(before, nn_net_params(net), np * sizeof *before);
            nn_progress p;
            int max_batches = 1 + (int)fuzz_u8(data, size, 46 + call) % 8;
            int ts = nn_train(tr, max_batches, &p);
            FUZZ_CHECK(ts == NN_OK || ts == NN_ERR_DIVERGED);
            if (ts == NN_ERR_DIVERGED)
                FUZZ_CHECK(memcmp(before, nn_net_params(net), np * sizeof *before) == 0);
            const float *w = nn_net_params(net);
            for (size_t i = 0; i < np; i++) FUZZ_CHECK(isfinite(w[i]));
            FUZZ_CHECK(p.batches_per_epoch == (n + o.batch_size - 1) / o.batch_size);
            FUZZ_CHECK(p.batch >= 0 && p.batch < p.batches_per_epoch && p.epoch >= 0);
            FUZZ_CHECK(p.accuracy >= 0 && p.accuracy <= 1);
            if (ts == NN_OK) FUZZ_CHECK(isfinite(p.loss) && p.loss >= 0);
            if (ts == NN_OK) FUZZ_CHECK(p.chunk_batches >= 1 && p.chunk_batches <= max_batches);
            if (ts != NN_OK) break;
        }
        free(before);
    }
    nn_trainer_free(tr);
    nn_net_free(net);
    return st;
}

FUZZ_ENTRY(fuzz_train)
