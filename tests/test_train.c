/* test_train.c: the training loop and the optimisers. Epochs of ceil(n / batch) batches with the
 * last partial one kept, every sample once per epoch in a fresh order, bit-identical weights from
 * one seed, parameters checked, a diverging run rolled back, and one step of each optimiser
 * against its formula. */
#include "check.h"
#include "internal.h"
#include "kernels.h"
#include "optim.h"

#include <stdlib.h>
#include <string.h>

/* n images of 4x4 whose label is the brightest quadrant: learnable in a few epochs. */
static nn_dataset *quadrants(int n, uint64_t seed) {
    uint8_t *im = malloc(16 + (size_t)n * 16), *lb = malloc(8 + (size_t)n);
    uint8_t hi[16] = {0, 0, 8, 3, 0, 0, (uint8_t)(n >> 8), (uint8_t)n, 0, 0, 0, 4, 0, 0, 0, 4};
    uint8_t hl[8] = {0, 0, 8, 1, 0, 0, (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(im, hi, 16), memcpy(lb, hl, 8);
    nn_rng rng;
    nn_rng_seed(&rng, seed, 3);
    for (int i = 0; i < n; i++) {
        int q = (int)nn_rng_below(&rng, 4);
        for (int p = 0; p < 16; p++) {
            int pq = (p / 8) * 2 + (p % 4) / 2;
            im[16 + i * 16 + p] = pq == q ? (uint8_t)(200 + nn_rng_below(&rng, 56))
                                          : (uint8_t)nn_rng_below(&rng, 60);
        }
        lb[8 + i] = (uint8_t)q;
    }
    nn_dataset *ds = NULL;
    CHECK_STATUS(nn_dataset_create(&ds, im, 16 + (size_t)n * 16, lb, 8 + (size_t)n, 4), NN_OK);
    return ds;
}

static nn_net *small_net(uint64_t seed) {
    const int sizes[3] = {16, 8, 4};
    nn_net *net = NULL;
    CHECK_STATUS(nn_net_create(&net, 2, sizes, NULL, seed), NN_OK);
    return net;
}

static void epochs_and_order(void) {
    nn_dataset *ds = quadrants(300, 1);
    nn_net *net = small_net(1);
    nn_train_options o = nn_train_defaults();
    o.learning_rate = 0.01f;
    nn_trainer *tr = NULL;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
    nn_progress p;
    uint32_t first[300];
    memcpy(first, tr->perm, sizeof first);
    int seen[300] = {0};
    for (int i = 0; i < 300; i++) seen[tr->perm[i]]++;
    int perm_ok = 1;
    for (int i = 0; i < 300; i++) perm_ok &= seen[i] == 1;
    CHECK(perm_ok);
    CHECK_STATUS(nn_train(tr, 2, &p), NN_OK);
    CHECK(p.batch == 2 && p.epoch == 0 && !p.epoch_done && p.samples == 256 &&
          p.chunk_batches == 2);
    CHECK_STATUS(nn_train(tr, 100, &p), NN_OK); /* stops at the end of the epoch */
    CHECK(p.batches_per_epoch == 3 && p.batch == 0 && p.epoch == 1 && p.epoch_done);
    CHECK(p.samples == 300 && p.chunk_batches == 1);   /* the partial batch of 44 */
    CHECK(memcmp(first, tr->perm, sizeof first) != 0); /* reshuffled for epoch 2 */
    for (int e = 0; e < 30; e++) do
            CHECK_STATUS(nn_train(tr, 7, &p), NN_OK);
        while (!p.epoch_done);
    CHECK(p.epoch == 31 && p.samples == 31 * 300);
    CHECK(p.accuracy > 0.9); /* it learns */
    nn_eval ev;
    CHECK_STATUS(nn_evaluate(net, ds, 0, 0, &ev, NULL, NULL), NN_OK);
    CHECK(ev.accuracy > 0.9 && ev.count == 300);
    nn_trainer_free(tr);
    nn_net_free(net);
    nn_dataset_free(ds);
}

static void determinism(void) {
    nn_dataset *ds = quadrants(500, 2);
    float *w[2];
    for (int run = 0; run < 2; run++) {
        nn_net *net = small_net(9);
        nn_train_options o = nn_train_defaults();
        o.batch_size = 32;
        o.seed = 77;
        nn_trainer *tr = NULL;
        nn_progress p;
        CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
        for (int i = 0; i < 40; i++) CHECK_STATUS(nn_train(tr, 3, &p), NN_OK);
        w[run] = malloc(net->n_params * sizeof(float));
        memcpy(w[run], net->params, net->n_params * sizeof(float));
        nn_trainer_free(tr);
        nn_net_free(net);
    }
    CHECK(memcmp(w[0], w[1], (16 * 8 + 8 + 8 * 4 + 4) * sizeof(float)) == 0);
    free(w[0]), free(w[1]);
    nn_dataset_free(ds);
}

static void options(void) {
    nn_dataset *ds = quadrants(50, 3);
    nn_net *net = small_net(1);
    nn_trainer *tr = (nn_trainer *)ds;
    nn_train_options o = nn_train_defaults();
    o.batch_size = 0;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_BATCH_SIZE);
    CHECK(tr == NULL);
    o.batch_size = 51;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_BATCH_SIZE);
    o.batch_size = 20, o.limit = 10;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_BATCH_SIZE); /* more than the limit */
    o = nn_train_defaults(), o.batch_size = 10;
    o.learning_rate = -0.1f;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_LEARNING_RATE);
    o.learning_rate = NAN;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_LEARNING_RATE);
    o.learning_rate = INFINITY;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_LEARNING_RATE);
    o = nn_train_defaults(), o.batch_size = 10, o.optimizer = (nn_optimizer)7;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_OPTIMIZER);
    o = nn_train_defaults(), o.batch_size = 10, o.rho = 1.0f;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_OPTIMIZER);
    o = nn_train_defaults(), o.batch_size = 10, o.epsilon = 0.0f;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_OPTIMIZER);
    o = nn_train_defaults(), o.batch_size = 10, o.threads = 0;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_ERR_THREADS);
    o = nn_train_defaults(), o.batch_size = 10;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
    CHECK_STATUS(nn_train(tr, 0, NULL), NN_ERR_ARG);
    nn_trainer_free(tr);
    nn_trainer_free(NULL);
    /* a network that does not take 4x4 images */
    const int other[3] = {15, 8, 4};
    nn_net *wrong = NULL;
    CHECK_STATUS(nn_net_create(&wrong, 2, other, NULL, 1), NN_OK);
    CHECK_STATUS(nn_trainer_create(&tr, wrong, ds, &o), NN_ERR_INPUT_SIZE);
    nn_net_free(wrong);
    /* layers */
    nn_net *bad = (nn_net *)ds;
    const int zero_hidden[3] = {16, 0, 4}, huge_hidden[3] = {16, 100000, 4},
              one_class[3] = {16, 8, 1};
    CHECK_STATUS(nn_net_create(&bad, 2, zero_hidden, NULL, 1), NN_ERR_LAYERS);
    CHECK(bad == NULL);
    CHECK_STATUS(nn_net_create(&bad, 2, huge_hidden, NULL, 1), NN_ERR_LAYERS);
    CHECK_STATUS(nn_net_create(&bad, 2, one_class, NULL, 1), NN_ERR_LAYERS);
    CHECK_STATUS(nn_net_create(&bad, 0, zero_hidden, NULL, 1), NN_ERR_LAYERS);
    CHECK_STATUS(nn_net_create(&bad, NN_MAX_LAYERS + 1, zero_hidden, NULL, 1), NN_ERR_LAYERS);
    const nn_activation softmax_hidden[2] = {NN_ACT_SOFTMAX, NN_ACT_SOFTMAX};
    const nn_activation relu_last[2] = {NN_ACT_RELU, NN_ACT_RELU};
    const int ok_sizes[3] = {16, 8, 4};
    CHECK_STATUS(nn_net_create(&bad, 2, ok_sizes, softmax_hidden, 1), NN_ERR_ACTIVATION);
    CHECK_STATUS(nn_net_create(&bad, 2, ok_sizes, relu_last, 1), NN_ERR_ACTIVATION);
    nn_net_free(net);
    nn_dataset_free(ds);
}

static void divergence(void) {
    nn_dataset *ds = quadrants(200, 4);
    nn_net *net = small_net(2);
    nn_train_options o = nn_train_defaults();
    o.optimizer = NN_OPT_SGD;
    o.learning_rate = 1e30f;
    o.batch_size = 8;
    nn_trainer *tr = NULL;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
    nn_progress p;
    int st = NN_OK, calls = 0;
    float before[16 * 8 + 8 + 8 * 4 + 4];
    while (st == NN_OK && calls < 1000) {
        memcpy(before, net->params, sizeof before);
        st = nn_train(tr, 5, &p);
        calls++;
    }
    CHECK_STATUS(st, NN_ERR_DIVERGED);
    CHECK(memcmp(before, net->params, sizeof before) == 0); /* the weights of the call's start */
    int finite = 1;
    for (size_t i = 0; i < net->n_params; i++) finite &= isfinite(net->params[i]) != 0;
    CHECK(finite);
    CHECK(p.samples == (int64_t)(calls - 1) * 5 * 8); /* the position rolled back too */
    nn_trainer_free(tr);
    nn_net_free(net);
    nn_dataset_free(ds);
}

static void optimisers(void) {
    float w[3] = {1.0f, -2.0f, 0.5f}, g[3] = {0.1f, -0.2f, 0.0f}, a[3] = {0}, m[3] = {0},
          v[3] = {0};
    CHECK(rmsprop_update(w, g, a, 3, 0.001f, 0.9f, 1e-7f) == 0);
    /* a = 0.1 g^2; w -= lr g / (sqrt(0.1) |g| + eps) = lr sign(g) / sqrt(0.1) approximately */
    CHECK_CLOSE(a[0], 0.1 * 0.01, 1e-6);
    CHECK_CLOSE(w[0], 1.0 - 0.001 * 0.1 / (sqrt(0.001) + 1e-7), 1e-6);
    CHECK_CLOSE(w[1], -2.0 + 0.001 * 0.2 / (sqrt(0.004) + 1e-7), 1e-6);
    CHECK(w[2] == 0.5f); /* zero gradient: no move */
    float ws[2] = {1.0f, 1.0f}, gs[2] = {1.0f, -1.0f}, vs[2] = {0};
    sgd_update(ws, gs, vs, 2, 0.1f, 0.9f);
    sgd_update(ws, gs, vs, 2, 0.1f, 0.9f);
    CHECK_CLOSE(ws[0], 1.0 - 0.1 - (0.9 * 0.1 + 0.1), 1e-6); /* v1 = -0.1, v2 = -0.19 */
    CHECK_CLOSE(ws[1], 1.0 + 0.1 + 0.19, 1e-6);
    float wa[1] = {1.0f}, ga[1] = {0.5f};
    adam_update(wa, ga, m, v, 1, 0.001f, 0.9f, 0.999f, 1e-7f, 1);
    /* first step: m = 0.05, v = 0.00025; lr_t = lr sqrt(0.001)/0.1; w -= lr_t m/(sqrt v + eps) ~ lr
     */
    CHECK_CLOSE(wa[0], 1.0 - 0.001 * sqrt(0.001) / 0.1 * 0.05 / (sqrt(0.00025) + 1e-7), 1e-6);
    /* the SIMD twin (in the wasm build) gives the scalar bits, zero blocks and -0 included */
    enum { N = 1031 };
    static float w1[N], w2[N], g1[N], a1[N], a2[N];
    nn_rng rng;
    nn_rng_seed(&rng, 3, 3);
    for (int i = 0; i < N; i++) {
        w1[i] = w2[i] = nn_rng_uniform(&rng) - 0.5f;
        a1[i] = a2[i] = (i / 8) % 3 ? nn_rng_uniform(&rng) * 1e-3f : 0.0f;
        g1[i] = (i / 16) % 3 == 0 ? 0.0f : (nn_rng_uniform(&rng) - 0.5f) * 1e-2f;
    }
    g1[100] = -0.0f, w1[100] = w2[100] = -0.0f; /* w - lr (-0) / (...) is +0, not -0 */
    for (int step = 0; step < 3; step++) {
        rmsprop_update(w1, g1, a1, N, 0.001f, 0.9f, 1e-7f);
        rmsprop_update_scalar(w2, g1, a2, N, 0.001f, 0.9f, 1e-7f);
    }
    CHECK(memcmp(w1, w2, sizeof w1) == 0 && memcmp(a1, a2, sizeof a1) == 0);
    CHECK(w1[16] == w2[16] && w1[100] == 0.0f && !signbit(w1[100]));
    float wn[1] = {3e38f}, gn[1] = {-1.0f}, vn[1] = {0};
    CHECK(sgd_update(wn, gn, vn, 1, 1e38f, 0.0f) == 1); /* overflow to inf is reported */
}

/* n images of rows x cols, labels from their content, for the convolutional networks below. */
static nn_dataset *images(int n, int rows, int cols, int classes, uint64_t seed) {
    size_t px = (size_t)rows * cols, il = 16 + (size_t)n * px, ll = 8 + (size_t)n;
    uint8_t *im = calloc(il, 1), *lb = calloc(ll, 1);
    im[2] = 8, im[3] = 3, im[6] = (uint8_t)(n >> 8), im[7] = (uint8_t)n;
    im[11] = (uint8_t)rows, im[15] = (uint8_t)cols;
    lb[2] = 8, lb[3] = 1, lb[6] = (uint8_t)(n >> 8), lb[7] = (uint8_t)n;
    nn_rng rng;
    nn_rng_seed(&rng, seed, 9);
    for (int i = 0; i < n; i++) {
        int c = (int)nn_rng_below(&rng, (uint32_t)classes);
        lb[8 + i] = (uint8_t)c;
        for (size_t p = 0; p < px; p++) /* a band whose place is the class, on sparse noise */
            im[16 + i * px + p] = (int)(p % cols) * classes / cols == c
                                      ? (uint8_t)(150 + nn_rng_below(&rng, 100))
                                  : nn_rng_below(&rng, 4) == 0 ? (uint8_t)nn_rng_below(&rng, 90)
                                                               : 0;
    }
    nn_dataset *ds = NULL;
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll, classes), NN_OK);
    return ds;
}

/* The parameters after some batches of net's layers on ds, trained with the SIMD kernels or
 * with their scalar references. */
static float *train_twin(nn_dataset *ds, nn_shape in, int L, const nn_layer_spec *specs, int batch,
                         int scalar, size_t *n) {
    nn_net *net = NULL;
    CHECK_STATUS(nn_net_create_layers(&net, in, L, specs, 21), NN_OK);
    if (!net) return NULL;
    nn_train_options o = nn_train_defaults();
    o.batch_size = batch;
    o.seed = 5;
    nn_trainer *tr = NULL;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
    kernels_use_scalar(scalar);
    nn_progress p;
    for (int i = 0; i < 4 && tr; i++) CHECK_STATUS(nn_train(tr, 5, &p), NN_OK);
    kernels_use_scalar(0);
    *n = net->n_params;
    float *w = malloc(*n * sizeof *w);
    memcpy(w, net->params, *n * sizeof *w);
    nn_trainer_free(tr);
    nn_net_free(net);
    return w;
}

/* Whole trainings with the SIMD twins give the scalar references' bits: convolutions at odd
 * sides and channel counts that are not multiples of 4, 'same' padding and strides, pooling,
 * dense layers of 10 and 37 units, batches of 1, 3 and 13. Only the wasm build has SIMD twins;
 * natively both runs are the same code, and the test says so instead of passing vacuously. */
static void simd_matches_scalar(void) {
    if (!NN_KERNELS_SIMD) {
        fprintf(stderr, "test_train: simd_matches_scalar skipped: no SIMD twins in this build\n");
        return;
    }
    const nn_layer_spec convnet[] = {
        /* 8 channels into pooling: its SIMD twin (four at a time) */
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_RELU, .units = 8, .kh = 3, .kw = 3},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_CONV2D,
         .act = NN_ACT_TANH,
         .units = 7,
         .kh = 2,
         .kw = 3,
         .sh = 1,
         .sw = 2,
         .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_RELU, .units = 13, .kh = 3, .kw = 1},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2, .sh = 1, .sw = 1, .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_RELU, .units = 37},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 10}};
    const nn_shape in = {3, 15, 13, 1};
    nn_dataset *ds = images(90, 15, 13, 10, 4);
    const int batches[3] = {1, 3, 13};
    for (int b = 0; b < 3; b++) {
        size_t n1 = 0, n2 = 0;
        float *simd = train_twin(ds, in, 8, convnet, batches[b], 0, &n1);
        float *scalar = train_twin(ds, in, 8, convnet, batches[b], 1, &n2);
        CHECK(simd && scalar && n1 == n2 && memcmp(simd, scalar, n1 * sizeof(float)) == 0);
        int moved = 0; /* and the training did something */
        nn_net *fresh = NULL;
        nn_net_create_layers(&fresh, in, 8, convnet, 21);
        for (size_t i = 0; fresh && simd && i < n1; i++) moved += simd[i] != fresh->params[i];
        CHECK(moved > (int)n1 / 2);
        nn_net_free(fresh);
        free(simd), free(scalar);
    }
    nn_dataset_free(ds);
}

int main(void) {
    simd_matches_scalar();
    epochs_and_order();
    determinism();
    options();
    divergence();
    optimisers();
    return check_failures("test_train");
}
