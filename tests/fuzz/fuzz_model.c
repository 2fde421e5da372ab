/* fuzz_model.c: nn_model_load on fuzzed bytes, then the same bytes with their last four replaced
 * by the right CRC-32, so that mutations get past the checksum to the fields behind it.
 * Properties: a file loads exactly when it is well-formed by nn.h's description of both versions
 * (read here independently: every layer kind's rules and shapes), a refusal names a fault the
 * file has and creates nothing; a loaded version-2 model saves back to the same bytes (a
 * version-1 one to a file that loads the same network), and predicts what a double-precision
 * forward pass of every layer predicts: finite probabilities summing to 1 (nn.h refuses weights
 * large enough to overflow float for some input in [0, 1]), and predict_u8 agrees with predict;
 * nn_net_activations gives the reference's output at every layer and predict's probabilities. */
#include "fuzz.h"

#include <float.h>

static uint32_t model_crc32(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static float model_f32(const uint8_t *b, size_t len, size_t off) {
    uint32_t u = fuzz_u32(b, len, off);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

/* A layer as this file reads nn.h, with the shapes it implies. */
typedef struct ref_layer {
    uint32_t kind, act, units, kh, kw, sh, sw, pad;
    int ih, iw, ic, irank, oh, ow, oc, orank; /* input and output shapes */
    int pt, pl;                               /* 'same' padding before */
    uint64_t nw, nb;                          /* weights, biases */
} ref_layer;

typedef struct ref_model {
    int L, version;
    int ih, iw, ic, irank;
    ref_layer l[NN_MAX_LAYERS];
    uint64_t params;
    size_t header;
} ref_model;

enum {
    M_MAGIC = 1,
    M_VERSION = 2,
    M_TRUNCATED = 4,
    M_TRAILING = 8,
    M_CHECKSUM = 16,
    M_LAYERS = 32,
    M_VALUES = 64,
    M_NOMEM = 128
};

/* out = (in - k) / s + 1 ('valid') or ceil(in / s) ('same'); 0 when it does not fit */
static int ref_window(int in, uint32_t k, uint32_t s, uint32_t pad, int *before) {
    *before = 0;
    if (pad == 0) return in >= (int)k ? (in - (int)k) / (int)s + 1 : 0;
    int out = (in + (int)s - 1) / (int)s, total = (out - 1) * (int)s + (int)k - in;
    *before = total > 0 ? total / 2 : 0;
    return out;
}

/* The shapes of layer i from its fields and its input; M_LAYERS or M_NOMEM if not a layer. */
static int ref_shape(ref_layer *y, int last) {
    const int dense = y->kind == NN_LAYER_DENSE, conv = y->kind == NN_LAYER_CONV2D;
    const int pool = y->kind == NN_LAYER_MAXPOOL2D, flat = y->kind == NN_LAYER_FLATTEN;
    if (!dense && !conv && !pool && !flat) return M_LAYERS;
    if (y->act >= NN_ACT_COUNT || (y->act == NN_ACT_SOFTMAX) != last) return M_LAYERS;
    if (last && !dense) return M_LAYERS;
    if ((pool || flat) && (y->act != NN_ACT_LINEAR || y->units)) return M_LAYERS;
    if ((dense || flat) && (y->kh || y->kw || y->sh || y->sw || y->pad)) return M_LAYERS;
    if ((dense || conv) && (y->units < 1 || y->units > NN_MAX_UNITS)) return M_LAYERS;
    uint64_t in_values = (uint64_t)y->ih * y->iw * y->ic;
    y->pt = y->pl = 0;
    if (dense) {
        if (y->irank != 1) return M_LAYERS;
        y->orank = 1, y->oh = y->ow = 1, y->oc = (int)y->units;
        y->nw = in_values * y->units, y->nb = y->units;
    } else if (flat) {
        y->orank = 1, y->oh = y->ow = 1, y->oc = (int)in_values;
        y->nw = y->nb = 0;
    } else {
        if (y->kh < 1 || y->kh > NN_MAX_KERNEL || y->kw < 1 || y->kw > NN_MAX_KERNEL || y->sh < 1 ||
            y->sh > NN_MAX_KERNEL || y->sw < 1 || y->sw > NN_MAX_KERNEL || y->pad > 1)
            return M_LAYERS;
        if (y->irank != 3) return M_LAYERS;
        y->orank = 3;
        y->oh = ref_window(y->ih, y->kh, y->sh, y->pad, &y->pt);
        y->ow = ref_window(y->iw, y->kw, y->sw, y->pad, &y->pl);
        if (!y->oh || !y->ow) return M_LAYERS;
        y->oc = conv ? (int)y->units : y->ic;
        y->nw = conv ? (uint64_t)y->kh * y->kw * y->ic * y->units : 0;
        y->nb = conv ? y->units : 0;
    }
    uint64_t out_values = (uint64_t)y->oh * y->ow * y->oc;
    if (out_values < 1 || out_values > NN_MAX_VALUES) return M_LAYERS;
    if (last && (y->oc < 2 || y->oc > NN_MAX_CLASSES)) return M_LAYERS;
    if (y->nw > (uint64_t)SIZE_MAX / 16 / sizeof(float)) return M_NOMEM;
    return 0;
}

/* Reads the layers of a file of either version into m; returns the faults found on the way. */
static int ref_read(const uint8_t *b, size_t len, ref_model *m) {
    memset(m, 0, sizeof *m);
    m->version = (int)fuzz_u32(b, len, 4);
    uint32_t L = fuzz_u32(b, len, m->version == 1 ? 8 : 24);
    if (m->version == 2 && len < 28) return M_TRUNCATED;
    if (L < 1 || L > NN_MAX_LAYERS) return M_LAYERS;
    m->L = (int)L;
    m->header = m->version == 1 ? 12 + 8 * (size_t)L + 4 : 28 + 32 * (size_t)L;
    if (len < m->header) return M_TRUNCATED;
    if (m->version == 1) {
        for (uint32_t i = 0; i <= L; i++) {
            uint32_t s = fuzz_u32(b, len, 12 + 4 * i);
            if (s < 1 || s > NN_MAX_UNITS) return M_LAYERS;
            if (i > 0) m->l[i - 1].kind = NN_LAYER_DENSE, m->l[i - 1].units = s;
        }
        for (uint32_t i = 0; i < L; i++)
            if ((m->l[i].act = fuzz_u32(b, len, 12 + 4 * (L + 1) + 4 * i)) >= NN_ACT_COUNT)
                return M_LAYERS;
        m->irank = 1, m->ih = m->iw = 1, m->ic = (int)fuzz_u32(b, len, 12);
    } else {
        uint32_t r = fuzz_u32(b, len, 8), h = fuzz_u32(b, len, 12), w = fuzz_u32(b, len, 16),
                 c = fuzz_u32(b, len, 20);
        if ((r != 1 && r != 3) || (r == 1 && (h != 1 || w != 1)) || h < 1 || w < 1 || c < 1 ||
            (uint64_t)h * w * c > NN_MAX_UNITS)
            return M_LAYERS;
        m->irank = (int)r, m->ih = (int)h, m->iw = (int)w, m->ic = (int)c;
        for (uint32_t i = 0; i < L; i++) {
            uint32_t *f = &m->l[i].kind;
            for (int k = 0; k < 8; k++) f[k] = fuzz_u32(b, len, 28 + 32 * i + 4 * k);
        }
    }
    int ih = m->ih, iw = m->iw, ic = m->ic, irank = m->irank;
    for (int i = 0; i < m->L; i++) {
        ref_layer *y = &m->l[i];
        y->ih = ih, y->iw = iw, y->ic = ic, y->irank = irank;
        int f = ref_shape(y, i == m->L - 1);
        if (f) return f;
        m->params += y->nw + y->nb;
        ih = y->oh, iw = y->ow, ic = y->oc, irank = y->orank;
    }
    if (m->params > (uint64_t)SIZE_MAX / 16 / sizeof(float)) return M_NOMEM;
    return 0;
}

static double ref_act(double v, uint32_t a) {
    switch (a) {
    case NN_ACT_RELU: return v > 0 ? v : 0;
    case NN_ACT_SIGMOID: return 1 / (1 + exp(-v));
    case NN_ACT_TANH: return tanh(v);
    default: return v;
    }
}

/* nn.h: a model whose weights let some input in [0, 1] overflow a prediction is refused: for
 * every unit or filter, |b| + sum |w| x the largest magnitude of its inputs (1 for pixels and
 * after sigmoid or tanh; pooling and flatten pass bounds on) must stay below FLT_MAX / 4. Bounds
 * per channel (rank 3) or unit (rank 1), summed in the loader's order for the same bits. */
static int ref_overflows(const uint8_t *b, size_t len, const ref_model *m) {
    int width = m->ic;
    for (int i = 0; i < m->L; i++) width = m->l[i].oc > width ? m->l[i].oc : width;
    double *mem = malloc(2 * (size_t)width * sizeof *mem);
    if (!mem) return 0;
    double *in = mem, *out = mem + width;
    for (int i = 0; i < m->ic; i++) in[i] = 1;
    size_t off = m->header;
    int over = 0;
    for (int i = 0; i < m->L && !over; i++) {
        const ref_layer *y = &m->l[i];
        const int F = y->oc;
        if (y->kind == NN_LAYER_DENSE || y->kind == NN_LAYER_CONV2D) {
            const size_t bias = off + 4 * (size_t)y->nw, K = (size_t)(y->nw / (uint64_t)F);
            for (int f = 0; f < F; f++) out[f] = fabs((double)model_f32(b, len, bias + 4 * f));
            for (size_t k = 0; k < K; k++)
                for (int f = 0; f < F; f++)
                    out[f] += in[y->kind == NN_LAYER_DENSE ? k : k % (size_t)y->ic] *
                              fabs((double)model_f32(b, len, off + 4 * (k * F + f)));
            off = bias + 4 * (size_t)F;
        } else if (y->kind == NN_LAYER_MAXPOOL2D) {
            for (int f = 0; f < F; f++) out[f] = in[f];
        } else {
            for (int f = 0; f < F; f++) out[f] = in[f % y->ic];
        }
        for (int f = 0; f < F; f++) {
            if (!(out[f] < FLT_MAX / 4)) over = 1;
            if (y->act == NN_ACT_SIGMOID || y->act == NN_ACT_TANH) out[f] = 1;
        }
        double *t = in;
        in = out, out = t;
    }
    free(mem);
    return over;
}

/* What is wrong with a file by nn.h's description of the format, one bit per status. */
static int model_faults(const uint8_t *b, size_t len) {
    static const uint8_t magic[4] = {'N', 'N', 'M', 'F'};
    int f = 0;
    if (len == 0 || memcmp(b, magic, len < 4 ? len : 4) != 0) f |= M_MAGIC;
    if (len < 12) return f | M_TRUNCATED;
    uint32_t version = fuzz_u32(b, len, 4);
    if (version != 1 && version != 2) return f | M_VERSION;
    ref_model m;
    int r = ref_read(b, len, &m);
    if (r) return f | r;
    uint64_t total = m.header + 4 * m.params + 4;
    if (len < total) return f | M_TRUNCATED;
    if (len > total) return f | M_TRAILING;
    if (model_crc32(b, len - 4) != fuzz_u32(b, len, len - 4)) f |= M_CHECKSUM;
    for (uint64_t i = 0; i < m.params; i++)
        if ((fuzz_u32(b, len, m.header + 4 * i) & 0x7f800000u) == 0x7f800000u) f |= M_VALUES;
    if (!(f & M_VALUES) && ref_overflows(b, len, &m)) f |= M_VALUES;
    return f;
}

/* The forward pass of one sample in double, as nn.h describes each kind; returns the largest
 * sum of |w x| + |b| over all units: below FLT_MAX / 4 float cannot overflow in any order.
 * trace, when not NULL, receives every layer's output in turn (the last one's before softmax),
 * as nn_net_activations lays them out. */
static double ref_forward(const ref_model *m, const float *params, const float *x, double *probs,
                          double *trace) {
    int width = m->ih * m->iw * m->ic;
    for (int i = 0; i < m->L; i++) {
        int n = m->l[i].oh * m->l[i].ow * m->l[i].oc;
        width = n > width ? n : width;
    }
    double *mem = malloc(2 * (size_t)width * sizeof *mem), bound = 0;
    if (!mem) return INFINITY;
    double *a = mem, *o = mem + width;
    for (int i = 0; i < m->ih * m->iw * m->ic; i++) a[i] = x[i];
    const float *p = params;
    for (int i = 0; i < m->L; i++) {
        const ref_layer *y = &m->l[i];
        const int F = y->oc, nin = y->ih * y->iw * y->ic;
        const float *w = p, *bias = p + y->nw;
        if (y->kind == NN_LAYER_DENSE) {
            for (int j = 0; j < F; j++) {
                double s = bias[j], abs_sum = fabs((double)bias[j]);
                for (int k = 0; k < nin; k++) {
                    s += a[k] * w[(size_t)k * F + j];
                    abs_sum += fabs(a[k] * w[(size_t)k * F + j]);
                }
                o[j] = ref_act(s, y->act);
                if (!(abs_sum <= bound)) bound = isnan(abs_sum) ? INFINITY : abs_sum;
            }
        } else if (y->kind == NN_LAYER_FLATTEN) {
            for (int k = 0; k < nin; k++) o[k] = a[k];
        } else {
            for (int oy = 0; oy < y->oh; oy++)
                for (int ox = 0; ox < y->ow; ox++)
                    for (int f = 0; f < F; f++) {
                        double s = y->kind == NN_LAYER_CONV2D ? bias[f] : -INFINITY, abs_sum = 0;
                        if (y->kind == NN_LAYER_CONV2D) abs_sum = fabs((double)bias[f]);
                        for (int dy = 0; dy < (int)y->kh; dy++)
                            for (int dx = 0; dx < (int)y->kw; dx++) {
                                int iy = oy * (int)y->sh - y->pt + dy,
                                    ix = ox * (int)y->sw - y->pl + dx;
                                if (iy < 0 || iy >= y->ih || ix < 0 || ix >= y->iw) continue;
                                const double *v = a + ((size_t)iy * y->iw + ix) * y->ic;
                                if (y->kind == NN_LAYER_MAXPOOL2D) {
                                    s = v[f] > s ? v[f] : s;
                                    continue;
                                }
                                for (int c = 0; c < y->ic; c++) {
                                    double t = v[c] *
                                               w[(((size_t)dy * y->kw + dx) * y->ic + c) * F + f];
                                    s += t, abs_sum += fabs(t);
                                }
                            }
                        o[((size_t)oy * y->ow + ox) * F + f] = ref_act(s, y->act);
                        if (!(abs_sum <= bound)) bound = isnan(abs_sum) ? INFINITY : abs_sum;
                    }
        }
        p += y->nw + y->nb;
        double *t = a;
        a = o, o = t;
        if (trace) {
            const size_t n = (size_t)y->oh * y->ow * y->oc;
            memcpy(trace, a, n * sizeof *trace);
            trace += n;
        }
    }
    int C = m->l[m->L - 1].oc;
    double max = a[0], sum = 0;
    for (int j = 1; j < C; j++) max = a[j] > max ? a[j] : max;
    for (int j = 0; j < C; j++) sum += probs[j] = exp(a[j] - max);
    for (int j = 0; j < C; j++) probs[j] /= sum;
    free(mem);
    return bound;
}

static void model_check_net(nn_net *net, const uint8_t *file, size_t len) {
    const float *w = nn_net_params(net);
    for (size_t i = 0; i < nn_net_param_count(net); i++) FUZZ_CHECK(isfinite(w[i]));
    ref_model m;
    FUZZ_CHECK(ref_read(file, len, &m) == 0 && m.params == nn_net_param_count(net));
    FUZZ_CHECK(nn_net_layers(net) == m.L);
    /* the round trip: the same bytes (version 2), or the same network (version 1) */
    size_t n = nn_model_size(net), written = 0;
    FUZZ_CHECK(m.version == 1 || n == len);
    uint8_t *back = malloc(n);
    if (!back) return;
    FUZZ_CHECK(nn_model_save(net, back, n - 1, &written) == NN_ERR_ARG);
    FUZZ_CHECK(nn_model_save(net, back, n, &written) == NN_OK && written == n);
    if (m.version == 2) FUZZ_CHECK(memcmp(back, file, n) == 0);
    nn_net *again = NULL;
    FUZZ_CHECK(nn_model_load(&again, back, n) == NN_OK);
    if (again)
        FUZZ_CHECK(memcmp(nn_net_params(again), w, nn_net_param_count(net) * sizeof(float)) == 0);
    nn_net_free(again);
    free(back);

    /* predictions for a few rows of inputs taken from the file's bytes */
    int in = nn_net_size(net, 0), C = nn_net_size(net, nn_net_layers(net));
    FUZZ_CHECK(in == m.ih * m.iw * m.ic && C == m.l[m.L - 1].oc);
    int rows = 1 + (int)(len % 70); /* past the rows of one forward pass now and then */
    uint8_t *px = malloc((size_t)rows * in);
    float *x = malloc((size_t)rows * in * sizeof *x), *pr = malloc((size_t)rows * C * sizeof *pr),
          *pu = malloc((size_t)rows * C * sizeof *pu);
    double *ref = malloc((size_t)C * sizeof *ref);
    if (px && x && pr && pu && ref) {
        for (size_t i = 0; i < (size_t)rows * in; i++) {
            px[i] = file[(i * 7) % len];
            x[i] = (float)px[i] / 255.0f;
        }
        FUZZ_CHECK(nn_net_predict(net, x, rows, pr) == NN_OK);
        FUZZ_CHECK(nn_net_predict_u8(net, px, rows, pu) == NN_OK);
        /* the same floats in, the same bits out (NaN payloads aside) */
        for (size_t i = 0; i < (size_t)rows * C; i++)
            FUZZ_CHECK(pr[i] == pu[i] || (isnan(pr[i]) && isnan(pu[i])));
        for (int r = 0; r<rows; r += rows> 1 ? rows - 1 : 1) { /* the first and the last */
            double bound = ref_forward(&m, w, x + (size_t)r * in, ref, NULL);
            FUZZ_CHECK(bound < FLT_MAX / 2); /* the loader refuses weights that could overflow */
            const float *p = pr + (size_t)r * C;
            double sum = 0;
            for (int j = 0; j < C; j++) {
                FUZZ_CHECK(isfinite(p[j]) && p[j] >= 0 && p[j] <= 1);
                sum += p[j];
            }
            FUZZ_CHECK(fabs(sum - 1) < 1e-3);
            if (bound < 16) /* logits within ~1e-4 of the reference: the probabilities too */
                for (int j = 0; j < C; j++) FUZZ_CHECK(fabs(p[j] - ref[j]) < 1e-3);
        }
    }
    /* every layer's output for the first row, in one call: finite, the reference's, and the
     * probabilities predict gave */
    size_t na = nn_net_activations_size(net);
    float *acts = x ? malloc(na * sizeof *acts) : NULL;
    double *trace = malloc(na * sizeof *trace), *tp = malloc((size_t)C * sizeof *tp);
    if (acts && trace && tp && px && pr && pu && ref) {
        FUZZ_CHECK(nn_net_activations(net, x, acts, na - 1) == NN_ERR_ARG);
        FUZZ_CHECK(nn_net_activations(net, x, acts, na) == NN_OK);
        FUZZ_CHECK(memcmp(acts + na - C, pr, (size_t)C * sizeof *pr) == 0);
        double bound = ref_forward(&m, w, x, tp, trace);
        for (size_t i = 0; i < na - (size_t)C; i++) {
            FUZZ_CHECK(isfinite(acts[i]));
            if (bound < 16) FUZZ_CHECK(fabs(acts[i] - trace[i]) < 1e-4 * (1 + fabs(trace[i])));
        }
    }
    free(acts), free(trace), free(tp);
    free(px), free(x), free(pr), free(pu), free(ref);

    nn_net *copy = NULL;
    FUZZ_CHECK(nn_net_clone(&copy, net) == NN_OK);
    if (copy)
        FUZZ_CHECK(memcmp(nn_net_params(copy), nn_net_params(net),
                          nn_net_param_count(net) * sizeof(float)) == 0);
    nn_net_free(copy);
}

static int model_load_one(const uint8_t *buf, size_t len) {
    nn_net *net = (nn_net *)buf; /* not NULL: a failure must set NULL */
    int st = nn_model_load(&net, buf, len), faults = model_faults(buf, len);
    /* loaded exactly when nothing is wrong; a refusal names something that is */
    FUZZ_CHECK((st == NN_OK) == (faults == 0));
    if (st == NN_ERR_NOMEM) FUZZ_CHECK(faults & M_NOMEM);
    else if (st != NN_OK) {
        static const int bit[] = {M_MAGIC,    M_VERSION, M_TRUNCATED, M_TRAILING,
                                  M_CHECKSUM, M_LAYERS,  M_VALUES};
        FUZZ_CHECK(st <= NN_ERR_MODEL_MAGIC && st >= NN_ERR_MODEL_VALUES &&
                   (faults & bit[NN_ERR_MODEL_MAGIC - st]));
    }
    if (st != NN_OK) {
        FUZZ_CHECK(net == NULL);
        return st;
    }
    FUZZ_CHECK(net != NULL);
    if (net) model_check_net(net, buf, len);
    nn_net_free(net);
    return st;
}

static int fuzz_model(const uint8_t *data, size_t size) {
    uint8_t *buf = fuzz_copy(data, size);
    if (!buf) return NN_ERR_NOMEM;
    int st = model_load_one(buf, size);
    if (size >= 8) {
        uint32_t crc = model_crc32(buf, size - 4);
        uint8_t *q = buf + size - 4;
        q[0] = (uint8_t)crc, q[1] = (uint8_t)(crc >> 8), q[2] = (uint8_t)(crc >> 16);
        q[3] = (uint8_t)(crc >> 24);
        int fixed = model_load_one(buf, size);
        if (st == NN_OK) FUZZ_CHECK(fixed == NN_OK);
        if (st == NN_ERR_MODEL_CHECKSUM) FUZZ_CHECK(fixed != NN_ERR_MODEL_CHECKSUM);
    }
    free(buf);
    return st;
}

FUZZ_ENTRY(fuzz_model)
