/* layers.c: the table of layer kinds, and what every kind shares: the activations forward and
 * backward, the bias, Glorot's initialisation, and softmax with cross-entropy. The matrix work
 * goes to kernels.h; what is here is elementwise and written so that clang vectorises it. */
#include "layer.h"
#include "layers.h"

#include <math.h>
#include <stddef.h>

const layer_ops *const layer_table[NN_LAYER_KIND_COUNT] = {
    [NN_LAYER_DENSE] = &dense_ops,
    [NN_LAYER_CONV2D] = &conv2d_ops,
    [NN_LAYER_MAXPOOL2D] = &maxpool2d_ops,
    [NN_LAYER_FLATTEN] = &flatten_ops,
};

nn_status window_setup(layer *l, int default_sh, int default_sw) {
    nn_layer_spec *s = &l->spec;
    if (s->kh < 1 || s->kh > NN_MAX_KERNEL || s->kw < 1 || s->kw > NN_MAX_KERNEL)
        return NN_ERR_LAYERS;
    if (s->sh == 0) s->sh = default_sh;
    if (s->sw == 0) s->sw = default_sw;
    if (s->sh < 1 || s->sh > NN_MAX_KERNEL || s->sw < 1 || s->sw > NN_MAX_KERNEL)
        return NN_ERR_LAYERS;
    if (s->padding != NN_PAD_VALID && s->padding != NN_PAD_SAME) return NN_ERR_LAYERS;
    if (l->in.rank != 3) return NN_ERR_SHAPE;
    const int H = l->in.h, W = l->in.w;
    if (s->padding == NN_PAD_VALID) {
        if (H < s->kh || W < s->kw) return NN_ERR_SHAPE;
        l->out.h = (H - s->kh) / s->sh + 1, l->out.w = (W - s->kw) / s->sw + 1;
        l->pad_t = l->pad_l = 0;
    } else {
        l->out.h = (H + s->sh - 1) / s->sh, l->out.w = (W + s->sw - 1) / s->sw;
        int ph = (l->out.h - 1) * s->sh + s->kh - H, pw = (l->out.w - 1) * s->sw + s->kw - W;
        l->pad_t = ph > 0 ? ph / 2 : 0, l->pad_l = pw > 0 ? pw / 2 : 0;
    }
    l->out.rank = 3;
    return NN_OK;
}

void glorot_uniform(float *w, size_t n, int fan_in, int fan_out, nn_rng *rng) {
    float limit = sqrtf(6.0f / (float)(fan_in + fan_out));
    for (size_t i = 0; i < n; i++) w[i] = (2.0f * nn_rng_uniform(rng) - 1.0f) * limit;
}

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
/* x > 0 ? x : +0 and y > 0 ? d : +0, four lanes at a time, as a mask: the scalar expressions'
 * results exactly (NaN included), without the branches clang leaves in the scalar loops. */
static void relu_row(float *x, const float *b, int j0, int j1) {
    int j = j0;
    for (; j + 4 <= j1; j += 4) {
        v128_t v = wasm_f32x4_add(wasm_v128_load(x + j), wasm_v128_load(b + j));
        wasm_v128_store(x + j, wasm_v128_and(v, wasm_f32x4_gt(v, wasm_f32x4_splat(0.0f))));
    }
    for (; j < j1; j++) {
        float v = x[j] + b[j];
        x[j] = v > 0.0f ? v : 0.0f;
    }
}
static void relu_mask(float *d, const float *y, size_t n) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4)
        wasm_v128_store(
            d + i, wasm_v128_and(wasm_v128_load(d + i),
                                 wasm_f32x4_gt(wasm_v128_load(y + i), wasm_f32x4_splat(0.0f))));
    for (; i < n; i++) d[i] = y[i] > 0.0f ? d[i] : 0.0f;
}
#else
static void relu_row(float *x, const float *b, int j0, int j1) {
    for (int j = j0; j < j1; j++) {
        float v = x[j] + b[j];
        x[j] = v > 0.0f ? v : 0.0f;
    }
}
static void relu_mask(float *d, const float *y, size_t n) {
    for (size_t i = 0; i < n; i++) d[i] = y[i] > 0.0f ? d[i] : 0.0f;
}
#endif

void bias_backward(float *db, const float *dy, int B, int n, int j0, int j1) {
    for (int j = j0; j < j1; j++) db[j] = 0.0f;
    for (int r = 0; r < B; r++) {
        const float *row = dy + (size_t)r * n;
        for (int j = j0; j < j1; j++) db[j] += row[j];
    }
}

void bias_activation(float *y, const float *b, int B, int n, int j0, int j1, nn_activation act) {
    for (int r = 0; r < B; r++) {
        float *row = y + (size_t)r * n;
        switch (act) {
        case NN_ACT_RELU: relu_row(row, b, j0, j1); break;
        case NN_ACT_SIGMOID:
            for (int j = j0; j < j1; j++) row[j] = 1.0f / (1.0f + expf(-(row[j] + b[j])));
            break;
        case NN_ACT_TANH:
            for (int j = j0; j < j1; j++) row[j] = tanhf(row[j] + b[j]);
            break;
        default:
            for (int j = j0; j < j1; j++) row[j] += b[j];
            break;
        }
    }
}

int activation_has_backward(nn_activation act) {
    return act == NN_ACT_RELU || act == NN_ACT_SIGMOID || act == NN_ACT_TANH;
}

void activation_backward(float *d, const float *y, size_t n, nn_activation act) {
    switch (act) {
    case NN_ACT_RELU: relu_mask(d, y, n); break;
    case NN_ACT_SIGMOID:
        for (size_t i = 0; i < n; i++) d[i] *= y[i] * (1.0f - y[i]);
        break;
    case NN_ACT_TANH:
        for (size_t i = 0; i < n; i++) d[i] *= 1.0f - y[i] * y[i];
        break;
    default: break; /* linear; softmax's backward is fused with the loss */
    }
}

int softmax_rows(float *z, int B, int C, const uint8_t *labels, double *loss_rows) {
    int correct = 0;
    for (int r = 0; r < B; r++) {
        float *row = z + (size_t)r * C;
        int arg = 0;
        float max = row[0];
        for (int j = 1; j < C; j++)
            if (row[j] > max) max = row[j], arg = j;
        /* -log p_y = log(sum_j exp(z_j - max)) - (z_y - max): exact even where p_y underflows;
         * then Keras' clip of p_y to [eps, 1 - eps], as bounds on -log p_y */
        float zy = labels ? row[labels[r]] - max : 0.0f;
        double sum = 0.0;
        for (int j = 0; j < C; j++) {
            float e = expf(row[j] - max);
            sum += e;
            row[j] = e;
        }
        if (labels) {
            correct += arg == labels[r];
            if (loss_rows) {
                double nlp = log(sum) - (double)zy;
                const double hi = -log((double)XENT_EPS), lo = -log1p(-(double)XENT_EPS);
                loss_rows[r] = nlp > hi ? hi : nlp < lo ? lo : nlp;
            }
        }
        float inv = (float)(1.0 / sum);
        for (int j = 0; j < C; j++) row[j] *= inv;
    }
    return correct;
}

void softmax_xent_backward(float *d, const float *p, const uint8_t *labels, int B, int C) {
    float inv = 1.0f / (float)B;
    for (int r = 0; r < B; r++) {
        const float *pr = p + (size_t)r * C;
        float *dr = d + (size_t)r * C;
        const float py = pr[labels[r]];
        if (py < XENT_EPS || py > 1.0f - XENT_EPS) { /* clipped: a constant loss, no gradient */
            for (int j = 0; j < C; j++) dr[j] = 0.0f;
            continue;
        }
        for (int j = 0; j < C; j++) dr[j] = pr[j] * inv;
        dr[labels[r]] = (py - 1.0f) * inv;
    }
}
