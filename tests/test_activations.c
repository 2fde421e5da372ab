/* test_activations.c: nn_net_activations, the one call behind the page's look inside. Every
 * layer's output of dense and convolutional networks (padding, strides, pooling, flatten, every
 * activation) against a double-precision forward pass written here from nn.h's description;
 * the logits before softmax; the probabilities bit for bit those of nn_net_predict; the layout
 * and size; bad arguments. Fixed seeds. */
#include "check.h"
#include "nn.h"

#include <stdlib.h>
#include <string.h>

static double act(double v, nn_activation a) {
    switch (a) {
    case NN_ACT_RELU: return v > 0 ? v : 0;
    case NN_ACT_SIGMOID: return 1 / (1 + exp(-v));
    case NN_ACT_TANH: return tanh(v);
    default: return v; /* linear; softmax is applied after the last layer */
    }
}

/* Layer i's output (info.out, channels last) from its input a, in double. */
static void ref_layer(const nn_layer_info *li, const float *params, const double *a, double *o) {
    const nn_layer_spec *s = &li->spec;
    const float *w = params + li->param_offset, *b = w + li->weights;
    const int ih = li->in.h, iw = li->in.w, ic = li->in.c, oh = li->out.h, ow = li->out.w,
              F = li->out.c, nin = ih * iw * ic;
    if (s->kind == NN_LAYER_FLATTEN) {
        memcpy(o, a, (size_t)nin * sizeof *o);
        return;
    }
    if (s->kind == NN_LAYER_DENSE) {
        for (int j = 0; j < F; j++) {
            double z = b[j];
            for (int k = 0; k < nin; k++) z += a[k] * w[(size_t)k * F + j];
            o[j] = act(z, s->act);
        }
        return;
    }
    /* Keras' 'same': out = ceil(in / stride), the odd padding pixel after */
    int pt = 0, pl = 0;
    if (s->padding == NN_PAD_SAME) {
        int th = (oh - 1) * s->sh + s->kh - ih, tw = (ow - 1) * s->sw + s->kw - iw;
        pt = th > 0 ? th / 2 : 0, pl = tw > 0 ? tw / 2 : 0;
    }
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
            for (int f = 0; f < F; f++) {
                double z = s->kind == NN_LAYER_CONV2D ? b[f] : -INFINITY;
                for (int dy = 0; dy < s->kh; dy++)
                    for (int dx = 0; dx < s->kw; dx++) {
                        int yy = y * s->sh - pt + dy, xx = x * s->sw - pl + dx;
                        if (yy < 0 || yy >= ih || xx < 0 || xx >= iw) continue;
                        const double *v = a + ((size_t)yy * iw + xx) * ic;
                        if (s->kind == NN_LAYER_MAXPOOL2D) {
                            z = v[f] > z ? v[f] : z;
                            continue;
                        }
                        for (int c = 0; c < ic; c++)
                            z += v[c] * w[(((size_t)dy * s->kw + dx) * ic + c) * F + f];
                    }
                o[((size_t)y * ow + x) * F + f] = act(z, s->act);
            }
}

/* Activations of net for an input from seed, against the reference layer by layer. */
static void check_net(nn_net *net, uint64_t seed, const char *name) {
    const int L = nn_net_layers(net), in = nn_net_size(net, 0), C = nn_net_size(net, L);
    size_t n = nn_net_activations_size(net), want = (size_t)C;
    for (int i = 1; i <= L; i++) want += (size_t)nn_net_size(net, i);
    CHECK(n == want);
    float *x = malloc((size_t)in * sizeof *x), *out = malloc((n + 1) * sizeof *out),
          *probs = malloc((size_t)C * sizeof *probs);
    const size_t wide = n > (size_t)in ? n : (size_t)in;
    double *a = malloc(wide * sizeof *a), *o = malloc(wide * sizeof *o);
    nn_rng rng;
    nn_rng_seed(&rng, seed, 3);
    for (int i = 0; i < in; i++) x[i] = nn_rng_u32(&rng) % 4 == 0 ? 0.0f : nn_rng_uniform(&rng);
    /* non-zero biases, so that a bias misplaced in the output shows */
    float *params = nn_net_params(net);
    for (int l = 0; l < L; l++) {
        nn_layer_info li;
        CHECK_STATUS(nn_net_layer_info(net, l, &li), NN_OK);
        for (size_t j = 0; j < li.biases; j++)
            params[li.param_offset + li.weights + j] = 0.1f * (float)((int)(j % 7) - 3);
    }
    out[n] = 12345.0f; /* nothing is written past the size */
    CHECK_STATUS(nn_net_activations(net, x, out, n + 1), NN_OK);
    CHECK(out[n] == 12345.0f);
    for (int i = 0; i < in; i++) a[i] = x[i];
    size_t at = 0;
    int bad = 0;
    for (int l = 0; l < L; l++) {
        nn_layer_info li;
        nn_net_layer_info(net, l, &li);
        ref_layer(&li, params, a, o);
        const int m = nn_net_size(net, l + 1);
        for (int k = 0; k < m; k++)
            if (!(fabs(out[at + k] - o[k]) <= 1e-5 * (1 + fabs(o[k])))) bad++;
        at += (size_t)m;
        memcpy(a, o, (size_t)m * sizeof *a);
    }
    CHECK(bad == 0);
    if (bad) fprintf(stderr, "%s: %d values differ from the reference\n", name, bad);
    /* then the probabilities: softmax of the logits just written, and predict's bits */
    CHECK_STATUS(nn_net_predict(net, x, 1, probs), NN_OK);
    CHECK(memcmp(out + at, probs, (size_t)C * sizeof *probs) == 0);
    double max = out[at - C], sum = 0;
    for (int j = 1; j < C; j++) max = out[at - C + j] > max ? out[at - C + j] : max;
    for (int j = 0; j < C; j++) sum += exp(out[at - C + j] - max);
    for (int j = 0; j < C; j++) CHECK_CLOSE(out[at + j], exp(out[at - C + j] - max) / sum, 1e-6);
    /* the call leaves nothing behind: a batch predicts as before */
    float *batch = malloc((size_t)3 * in * sizeof *batch), *p3 = malloc((size_t)3 * C * sizeof *p3);
    for (int r = 0; r < 3; r++) memcpy(batch + (size_t)r * in, x, (size_t)in * sizeof *x);
    CHECK_STATUS(nn_net_predict(net, batch, 3, p3), NN_OK);
    for (int r = 0; r < 3; r++) CHECK(memcmp(p3 + (size_t)r * C, probs, (size_t)C * 4) == 0);
    /* bad arguments */
    CHECK_STATUS(nn_net_activations(net, x, out, n - 1), NN_ERR_ARG);
    CHECK_STATUS(nn_net_activations(NULL, x, out, n), NN_ERR_ARG);
    CHECK_STATUS(nn_net_activations(net, NULL, out, n), NN_ERR_ARG);
    CHECK_STATUS(nn_net_activations(net, x, NULL, n), NN_ERR_ARG);
    free(batch), free(p3), free(x), free(out), free(probs), free(a), free(o);
}

static void dense_nets(void) {
    const int sizes[] = {13, 9, 7, 4};
    const nn_activation acts[][3] = {{NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SOFTMAX},
                                     {NN_ACT_SIGMOID, NN_ACT_LINEAR, NN_ACT_SOFTMAX}};
    for (int k = 0; k < 2; k++) {
        nn_net *net = NULL;
        CHECK_STATUS(nn_net_create(&net, 3, sizes, acts[k], 5 + k), NN_OK);
        if (net) check_net(net, 11 + k, "dense");
        nn_net_free(net);
    }
    /* the page's network: 784-512-10 */
    const int mnist[] = {784, 512, 10};
    nn_net *net = NULL;
    CHECK_STATUS(nn_net_create(&net, 2, mnist, NULL, 1), NN_OK);
    if (net) check_net(net, 2, "784-512-10");
    CHECK(nn_net_activations_size(net) == 512 + 10 + 10);
    nn_net_free(net);
    CHECK(nn_net_activations_size(NULL) == 0);
}

static void conv_nets(void) {
    /* chapter 5's convnet on 28x28x1 */
    const nn_layer_spec book[] = {
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_RELU, .units = 32, .kh = 3, .kw = 3},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_RELU, .units = 64, .kh = 3, .kw = 3},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_RELU, .units = 64, .kh = 3, .kw = 3},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_RELU, .units = 64},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 10},
    };
    nn_net *net = NULL;
    CHECK_STATUS(nn_net_create_layers(&net, (nn_shape){3, 28, 28, 1}, 8, book, 1), NN_OK);
    if (net) check_net(net, 3, "convnet");
    CHECK(nn_net_activations_size(net) ==
          26 * 26 * 32 + 13 * 13 * 32 + 11 * 11 * 64 + 5 * 5 * 64 + 3 * 3 * 64 * 2 + 64 + 10 + 10);
    nn_net_free(net);
    /* odd shapes: two channels, 'same' padding with strides, a pool with its own strides */
    const nn_layer_spec odd[] = {
        {.kind = NN_LAYER_CONV2D,
         .act = NN_ACT_TANH,
         .units = 5,
         .kh = 3,
         .kw = 2,
         .sh = 2,
         .sw = 1,
         .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 3, .kw = 2, .sh = 1, .sw = 2, .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_SIGMOID, .units = 3, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 3},
    };
    CHECK_STATUS(nn_net_create_layers(&net, (nn_shape){3, 9, 8, 2}, 5, odd, 7), NN_OK);
    if (net) check_net(net, 4, "odd convnet");
    nn_net_free(net);
}

int main(void) {
    dense_nets();
    conv_nets();
    return check_failures("test_activations");
}
