/* test_layers.c: the whole backward pass (through the trainer) against central finite
 * differences, for small dense networks with every activation and for convolutional ones with
 * pooling, padding and strides; softmax and cross-entropy at logits of +-1e4. Fixed seeds. */
#include "check.h"
#include "internal.h"
#include "layers.h"

#include <stdlib.h>
#include <string.h>

/* A tiny IDX dataset of n images (rows x cols) and labels from a seeded generator. */
static nn_dataset *make_dataset(int n, int rows, int cols, int classes, uint64_t seed) {
    size_t px = (size_t)n * rows * cols;
    uint8_t *im = malloc(16 + px), *lb = malloc(8 + (size_t)n);
    nn_rng rng;
    nn_rng_seed(&rng, seed, 7);
    uint8_t hi[16] = {0,
                      0,
                      8,
                      3,
                      0,
                      0,
                      (uint8_t)(n >> 8),
                      (uint8_t)n,
                      0,
                      0,
                      0,
                      (uint8_t)rows,
                      0,
                      0,
                      0,
                      (uint8_t)cols};
    uint8_t hl[8] = {0, 0, 8, 1, 0, 0, (uint8_t)(n >> 8), (uint8_t)n};
    memcpy(im, hi, 16);
    memcpy(lb, hl, 8);
    for (size_t i = 0; i < px; i++)
        im[16 + i] = nn_rng_u32(&rng) % 3 == 0 ? 0 : (uint8_t)nn_rng_u32(&rng);
    for (int i = 0; i < n; i++) lb[8 + i] = (uint8_t)(nn_rng_u32(&rng) % classes);
    nn_dataset *ds = NULL;
    CHECK_STATUS(nn_dataset_create(&ds, im, 16 + px, lb, 8 + (size_t)n, classes), NN_OK);
    return ds;
}

/* The analytic gradient of a batch's mean loss (the trainer's, every layer's backward) against
 * central differences of the loss, for every parameter of net. Kinks (relu, a max changing hands
 * in a pooling window) break the difference quotient, not the gradient: a few are allowed, a
 * systematic error is not. */
static void gradient_check_net(nn_net *net, nn_dataset *ds, const char *name) {
    /* non-zero biases so that their gradients are exercised away from the initial point */
    for (int l = 0; l < net->n_layers; l++)
        for (size_t j = 0; j < net->layers[l].n_b; j++)
            net->layers[l].b[j] = 0.05f * (float)((int)(j % 5) - 2);
    nn_train_options o = nn_train_defaults();
    o.batch_size = 6;
    nn_trainer *tr = NULL;
    CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
    if (!tr) return;
    uint32_t idx[6] = {0, 3, 4, 5, 7, 8};
    int correct;
    double loss = trainer_gradients(tr, idx, 6, &correct) / 6;
    float *g = malloc(net->n_params * sizeof(float));
    memcpy(g, tr->grads, net->n_params * sizeof(float));
    int bad = 0, kinks = 0;
    for (size_t i = 0; i < net->n_params; i++) {
        float w = net->params[i], h = 1e-3f;
        net->params[i] = w + h;
        double lp = trainer_gradients(tr, idx, 6, &correct) / 6;
        net->params[i] = w - h;
        double lm = trainer_gradients(tr, idx, 6, &correct) / 6;
        net->params[i] = w;
        double num = (lp - lm) / (2.0 * h), err = fabs(num - g[i]);
        if (err > 3e-4 + 1e-2 * fabs(num)) {
            kinks++;
            if (kinks > (int)(net->n_params / 50) + 1) {
                bad++;
                fprintf(stderr, "%s: param %zu: analytic %.6g numeric %.6g\n", name, i, g[i], num);
            }
        }
    }
    fprintf(stderr, "gradient check %s: %zu parameters, %d outside tolerance\n", name,
            net->n_params, kinks);
    CHECK(bad == 0);
    CHECK(isfinite(loss) && loss > 0);
    free(g);
    nn_trainer_free(tr);
}

/* The backward over dZ's non-zeros (NN_SPARSE_ON) gives the dense kernels' gradients (OFF) bit
 * for bit, and so does the automatic choice. */
static void sparse_backward_matches_dense(nn_net *net, nn_dataset *ds, const char *name) {
    float *g[3] = {NULL, NULL, NULL};
    const nn_sparse_mode modes[3] = {NN_SPARSE_OFF, NN_SPARSE_ON, NN_SPARSE_AUTO};
    for (int m = 0; m < 3; m++) {
        nn_train_options o = nn_train_defaults();
        o.batch_size = 6;
        o.sparse = modes[m];
        nn_trainer *tr = NULL;
        CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
        if (!tr) break;
        uint32_t idx[6] = {0, 3, 4, 5, 7, 8};
        int correct;
        trainer_gradients(tr, idx, 6, &correct);
        g[m] = malloc(net->n_params * sizeof(float));
        memcpy(g[m], tr->grads, net->n_params * sizeof(float));
        nn_trainer_free(tr);
    }
    for (int m = 1; m < 3; m++)
        if (g[0] && g[m] && memcmp(g[0], g[m], net->n_params * sizeof(float)) != 0) {
            fprintf(stderr, "%s: sparse mode %d's gradients differ from the dense ones\n", name, m);
            CHECK(0);
        }
    for (int m = 0; m < 3; m++) free(g[m]);
}

static void gradient_check(const nn_activation *acts, int n_layers, const int *sizes) {
    nn_dataset *ds = make_dataset(9, 3, 4, sizes[n_layers], 3);
    nn_net *net = NULL;
    CHECK_STATUS(nn_net_create(&net, n_layers, sizes, acts, 11), NN_OK);
    if (net) gradient_check_net(net, ds, "dense");
    nn_net_free(net);
    nn_dataset_free(ds);
}

/* Convolutions and pooling at awkward sizes: odd sides, channels that are not multiples of 4,
 * 'same' padding, strides, overlapping pooling windows, every activation. */
static void gradient_check_conv(void) {
    const nn_layer_spec a[] = {
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_TANH, .units = 3, .kh = 3, .kw = 3},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 4},
    };
    const nn_layer_spec b[] = {
        {.kind = NN_LAYER_CONV2D,
         .act = NN_ACT_RELU,
         .units = 5,
         .kh = 3,
         .kw = 2,
         .sh = 2,
         .sw = 2,
         .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_LINEAR, .units = 3, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2, .sh = 1, .sw = 1, .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SIGMOID, .units = 5},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 3},
    };
    const nn_layer_spec c[] = {/* a pooling layer first: its input gets no gradient */
                               {.kind = NN_LAYER_MAXPOOL2D, .kh = 3, .kw = 2, .sh = 2, .sw = 1},
                               {.kind = NN_LAYER_CONV2D,
                                .act = NN_ACT_RELU,
                                .units = 6,
                                .kh = 2,
                                .kw = 3,
                                .padding = NN_PAD_SAME},
                               {.kind = NN_LAYER_FLATTEN},
                               {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 4}};
    const nn_layer_spec d[] = {
        /* windows of 45 values (K >= 28): the sparse backward's lists */
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_TANH, .units = 5, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_TANH, .units = 7, .kh = 3, .kw = 3},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 4}};
    struct {
        const char *name;
        const nn_layer_spec *specs;
        int n, rows, cols, classes;
    } nets[] = {{"conv-pool-dense", a, 4, 7, 6, 4},
                {"wide-windows", d, 5, 9, 8, 4},
                {"same-strides-overlap", b, 6, 8, 7, 3},
                {"pool-first", c, 4, 7, 5, 4}};
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        nn_dataset *ds = make_dataset(9, nets[i].rows, nets[i].cols, nets[i].classes, 5 + i);
        nn_net *net = NULL;
        const nn_shape in = {3, nets[i].rows, nets[i].cols, 1};
        CHECK_STATUS(nn_net_create_layers(&net, in, nets[i].n, nets[i].specs, 13), NN_OK);
        if (net) sparse_backward_matches_dense(net, ds, nets[i].name);
        if (net) gradient_check_net(net, ds, nets[i].name);
        nn_net_free(net);
        nn_dataset_free(ds);
    }
}

static void softmax_extremes(void) {
    /* rows: hopelessly wrong at +-1e4, certain and right at +-1e4, and an ordinary one */
    float z[3 * 4] = {1e4f, -1e4f, 0.0f, 5.0f, -1e4f, -1e4f, -1e4f, 1e4f, 0.5f, 1.0f, -0.5f, 0.0f};
    uint8_t labels[3] = {1, 3, 1};
    double loss[3];
    int correct = softmax_rows(z, 3, 4, labels, loss);
    CHECK(correct == 2);
    /* Keras' clip: -log(1e-7) at most, -log(1 - 1e-7) at least, computed without overflow */
    CHECK_CLOSE(loss[0], -log((double)1e-7f), 1e-9);
    CHECK_CLOSE(loss[1], -log1p(-(double)1e-7f), 1e-9);
    double ez[4] = {exp(0.5), exp(1.0), exp(-0.5), exp(0.0)};
    CHECK_CLOSE(loss[2], log(ez[0] + ez[1] + ez[2] + ez[3]) - 1.0, 1e-6);
    for (int i = 0; i < 12; i++) CHECK(isfinite(z[i]) && z[i] >= 0.0f && z[i] <= 1.0f);
    CHECK_CLOSE(z[0], 1.0, 1e-7);
    float d[12];
    softmax_xent_backward(d, z, labels, 3, 4);
    for (int i = 0; i < 8; i++) CHECK(d[i] == 0.0f); /* clipped rows: no gradient */
    CHECK_CLOSE(d[8], z[8] / 3.0, 1e-7);             /* (p - y) / B otherwise */
    CHECK_CLOSE(d[9], (z[9] - 1.0) / 3.0, 1e-7);
    for (int i = 0; i < 12; i++) CHECK(isfinite(d[i]));
    /* a uniform row: loss log C */
    float u[3] = {3.0f, 3.0f, 3.0f};
    uint8_t l0 = 0;
    double lu;
    softmax_rows(u, 1, 3, &l0, &lu);
    CHECK_CLOSE(lu, log(3.0), 1e-6);
}

int main(void) {
    const int s1[3] = {12, 7, 4};
    const nn_activation a1[2] = {NN_ACT_RELU, NN_ACT_SOFTMAX};
    gradient_check(a1, 2, s1);
    const int s2[5] = {12, 6, 5, 4, 3};
    const nn_activation a2[4] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_LINEAR, NN_ACT_SOFTMAX};
    gradient_check(a2, 4, s2);
    const int s3[4] = {12, 9, 8, 10};
    const nn_activation a3[3] = {NN_ACT_RELU, NN_ACT_RELU, NN_ACT_SOFTMAX};
    gradient_check(a3, 3, s3);
    gradient_check_conv();
    softmax_extremes();
    return check_failures("test_layers");
}
