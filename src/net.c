/* net.c: a network of dense layers: creation (Glorot-uniform weights, zero biases), cloning,
 * prediction and evaluation. One allocation holds all parameters; prediction pushes up to
 * NN_PREDICT_ROWS rows at a time through scratch sized at creation. */
#include "internal.h"
#include "layers.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* nn_u8_scale[v] = v / 255.0f, rounded once as Keras' float32 division rounds it. */
#define S4(i) (i) / 255.0f, (i + 1) / 255.0f, (i + 2) / 255.0f, (i + 3) / 255.0f
#define S16(i) S4(i), S4(i + 4), S4(i + 8), S4(i + 12)
#define S64(i) S16(i), S16(i + 16), S16(i + 32), S16(i + 48)
const float nn_u8_scale[256] = {S64(0.0f), S64(64.0f), S64(128.0f), S64(192.0f)};

size_t net_param_count(int n_layers, const int *sizes) {
    size_t n = 0;
    for (int l = 0; l < n_layers; l++) n += (size_t)sizes[l] * sizes[l + 1] + sizes[l + 1];
    return n;
}

static nn_status check_layers(int n_layers, const int *sizes, const nn_activation *acts) {
    if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_LAYERS;
    for (int i = 0; i <= n_layers; i++)
        if (sizes[i] < 1 || sizes[i] > NN_MAX_UNITS) return NN_ERR_LAYERS;
    if (sizes[n_layers] < 2 || sizes[n_layers] > NN_MAX_CLASSES) return NN_ERR_LAYERS;
    for (int l = 0; l < n_layers; l++) {
        if ((unsigned)acts[l] >= NN_ACT_COUNT) return NN_ERR_ACTIVATION;
        if ((acts[l] == NN_ACT_SOFTMAX) != (l == n_layers - 1)) return NN_ERR_ACTIVATION;
    }
    return NN_OK;
}

nn_status net_alloc(nn_net **out, int n_layers, const int *sizes, const nn_activation *acts) {
    nn_activation defaults[NN_MAX_LAYERS];
    if (!acts) {
        if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_LAYERS;
        for (int l = 0; l < n_layers; l++)
            defaults[l] = l == n_layers - 1 ? NN_ACT_SOFTMAX : NN_ACT_RELU;
        acts = defaults;
    }
    nn_status st = check_layers(n_layers, sizes, acts);
    if (st != NN_OK) return st;
    nn_net *net = calloc(1, sizeof *net);
    if (!net) return NN_ERR_NOMEM;
    net->n_layers = n_layers;
    net->max_width = 0;
    for (int i = 0; i <= n_layers; i++) {
        net->sizes[i] = sizes[i];
        if (sizes[i] > net->max_width) net->max_width = sizes[i];
    }
    memcpy(net->acts, acts, sizeof(nn_activation) * (size_t)n_layers);
    /* sizes are at most 2^14 and layers at most 8: the count (< 2^31) fits in size_t. */
    net->n_params = net_param_count(n_layers, sizes);
    if (net->n_params > SIZE_MAX / 16 / sizeof(float)) { /* a trainer keeps ~8 copies */
        nn_net_free(net);
        return NN_ERR_NOMEM;
    }
    net->params = malloc(net->n_params * sizeof(float));
    net->scratch = malloc((size_t)2 * NN_PREDICT_ROWS * net->max_width * sizeof(float));
    net->loss_rows = malloc(NN_PREDICT_ROWS * sizeof(double));
    if (!net->params || !net->scratch || !net->loss_rows) {
        nn_net_free(net);
        return NN_ERR_NOMEM;
    }
    float *p = net->params;
    for (int l = 0; l < n_layers; l++) {
        net->w[l] = p;
        p += (size_t)sizes[l] * sizes[l + 1];
        net->b[l] = p;
        p += sizes[l + 1];
    }
    *out = net;
    return NN_OK;
}

nn_status nn_net_create(nn_net **out, int n_layers, const int *sizes, const nn_activation *acts,
                        uint64_t seed) {
    if (!out || !sizes) return NN_ERR_ARG;
    *out = NULL;
    nn_net *net;
    nn_status st = net_alloc(&net, n_layers, sizes, acts);
    if (st != NN_OK) return st;
    nn_rng rng;
    nn_rng_seed(&rng, seed, 0x6e6e696e6974ULL /* "nninit" */);
    for (int l = 0; l < n_layers; l++) {
        int in = sizes[l], outn = sizes[l + 1];
        float limit = sqrtf(6.0f / (float)(in + outn));
        size_t nw = (size_t)in * outn;
        for (size_t i = 0; i < nw; i++) net->w[l][i] = (2.0f * nn_rng_uniform(&rng) - 1.0f) * limit;
        memset(net->b[l], 0, (size_t)outn * sizeof(float));
    }
    *out = net;
    return NN_OK;
}

nn_status nn_net_clone(nn_net **out, const nn_net *src) {
    if (!out || !src) return NN_ERR_ARG;
    *out = NULL;
    nn_net *net;
    nn_status st = net_alloc(&net, src->n_layers, src->sizes, src->acts);
    if (st != NN_OK) return st;
    memcpy(net->params, src->params, src->n_params * sizeof(float));
    *out = net;
    return NN_OK;
}

void nn_net_free(nn_net *net) {
    if (!net) return;
    free(net->params);
    free(net->scratch);
    free(net->loss_rows);
    free(net);
}

int nn_net_layers(const nn_net *net) { return net ? net->n_layers : 0; }
int nn_net_size(const nn_net *net, int i) {
    return net && i >= 0 && i <= net->n_layers ? net->sizes[i] : 0;
}
nn_activation nn_net_activation(const nn_net *net, int l) {
    return net && l >= 0 && l < net->n_layers ? net->acts[l] : NN_ACT_LINEAR;
}
size_t nn_net_param_count(const nn_net *net) { return net ? net->n_params : 0; }
float *nn_net_params(nn_net *net) { return net ? net->params : NULL; }

const float *net_forward_scratch(nn_net *net, int rows, const uint8_t *labels, double *loss_sum,
                                 int *correct) {
    float *x = net->scratch, *y = net->scratch + (size_t)NN_PREDICT_ROWS * net->max_width;
    for (int l = 0; l < net->n_layers; l++) {
        dense_forward(y, x, net->w[l], net->b[l], rows, net->sizes[l], net->sizes[l + 1],
                      net->acts[l]);
        float *t = x;
        x = y;
        y = t;
    }
    int c = softmax_rows(x, rows, net->sizes[net->n_layers], labels,
                         labels ? net->loss_rows : NULL);
    if (labels) {
        for (int r = 0; r < rows; r++) *loss_sum += net->loss_rows[r];
        *correct += c;
    }
    return x;
}

nn_status nn_net_predict(nn_net *net, const float *x, int n, float *probs) {
    if (!net || (!x && n > 0) || (!probs && n > 0) || n < 0) return NN_ERR_ARG;
    int in = net->sizes[0], outn = net->sizes[net->n_layers];
    for (int r0 = 0; r0 < n; r0 += NN_PREDICT_ROWS) {
        int rows = n - r0 < NN_PREDICT_ROWS ? n - r0 : NN_PREDICT_ROWS;
        memcpy(net->scratch, x + (size_t)r0 * in, (size_t)rows * in * sizeof(float));
        const float *p = net_forward_scratch(net, rows, NULL, NULL, NULL);
        memcpy(probs + (size_t)r0 * outn, p, (size_t)rows * outn * sizeof(float));
    }
    return NN_OK;
}

static void scale_rows(float *dst, const uint8_t *src, size_t n) {
    for (size_t i = 0; i < n; i++) dst[i] = nn_u8_scale[src[i]];
}

nn_status nn_net_predict_u8(nn_net *net, const uint8_t *pixels, int n, float *probs) {
    if (!net || (!pixels && n > 0) || (!probs && n > 0) || n < 0) return NN_ERR_ARG;
    int in = net->sizes[0], outn = net->sizes[net->n_layers];
    for (int r0 = 0; r0 < n; r0 += NN_PREDICT_ROWS) {
        int rows = n - r0 < NN_PREDICT_ROWS ? n - r0 : NN_PREDICT_ROWS;
        scale_rows(net->scratch, pixels + (size_t)r0 * in, (size_t)rows * in);
        const float *p = net_forward_scratch(net, rows, NULL, NULL, NULL);
        memcpy(probs + (size_t)r0 * outn, p, (size_t)rows * outn * sizeof(float));
    }
    return NN_OK;
}

nn_status nn_evaluate(nn_net *net, const nn_dataset *ds, int first, int count, nn_eval *out,
                      uint8_t *predicted, float *confidence) {
    if (!net || !ds || !out) return NN_ERR_ARG;
    int in = net->sizes[0], classes = net->sizes[net->n_layers];
    if (ds->rows * ds->cols != in || ds->classes > classes) return NN_ERR_INPUT_SIZE;
    if (first < 0 || first > ds->count) return NN_ERR_ARG;
    if (count <= 0 || count > ds->count - first) count = ds->count - first;
    double loss = 0.0;
    int correct = 0;
    for (int r0 = 0; r0 < count; r0 += NN_PREDICT_ROWS) {
        int rows = count - r0 < NN_PREDICT_ROWS ? count - r0 : NN_PREDICT_ROWS;
        size_t s0 = (size_t)first + r0;
        scale_rows(net->scratch, ds->pixels + s0 * in, (size_t)rows * in);
        const float *p = net_forward_scratch(net, rows, ds->labels + s0, &loss, &correct);
        if (predicted || confidence)
            for (int r = 0; r < rows; r++) {
                const float *pr = p + (size_t)r * classes;
                int arg = 0;
                for (int j = 1; j < classes; j++)
                    if (pr[j] > pr[arg]) arg = j;
                if (predicted) predicted[r0 + r] = (uint8_t)arg;
                if (confidence) confidence[r0 + r] = pr[arg];
            }
    }
    out->count = count;
    out->correct = correct;
    out->loss = count ? loss / count : 0.0;
    out->accuracy = count ? (double)correct / count : 0.0;
    return NN_OK;
}
