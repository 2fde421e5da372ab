/* fuzz_model.c: nn_model_load on fuzzed bytes, then the same bytes with their last four replaced
 * by the right CRC-32, so that mutations get past the checksum to the fields behind it.
 * Properties: a file loads exactly when it is well-formed by nn.h's description (read here
 * independently), a refusal names a fault the file has and creates nothing; a loaded model
 * saves back to the same bytes, and predicts what a double-precision forward pass predicts:
 * finite probabilities summing to 1 (nn.h refuses weights large enough to overflow float for
 * some input in [0, 1]), and predict_u8 agrees with predict. */
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

static double model_act(double v, nn_activation a) {
    switch (a) {
    case NN_ACT_RELU: return v > 0 ? v : 0;
    case NN_ACT_SIGMOID: return 1 / (1 + exp(-v));
    case NN_ACT_TANH: return tanh(v);
    default: return v;
    }
}

/* The forward pass of one row in double, as nn.h describes it; returns the largest sum of
 * |w x| + |b| over all units: below FLT_MAX / 4 float cannot overflow in any summation order. */
static double model_reference(nn_net *net, const float *x, double *probs) {
    int L = nn_net_layers(net), width = 0;
    for (int i = 0; i <= L; i++)
        if (nn_net_size(net, i) > width) width = nn_net_size(net, i);
    double *mem = malloc(2 * (size_t)width * sizeof *mem), bound = 0;
    if (!mem) return INFINITY;
    double *a = mem, *b = mem + width;
    for (int i = 0; i < nn_net_size(net, 0); i++) a[i] = x[i];
    const float *p = nn_net_params(net);
    for (int l = 0; l < L; l++) {
        int in = nn_net_size(net, l), out = nn_net_size(net, l + 1);
        const float *w = p, *bias = p + (size_t)in * out;
        for (int j = 0; j < out; j++) {
            double s = bias[j], abs_sum = fabs((double)bias[j]);
            for (int i = 0; i < in; i++) {
                s += a[i] * w[(size_t)i * out + j];
                abs_sum += fabs(a[i] * w[(size_t)i * out + j]);
            }
            b[j] = model_act(s, nn_net_activation(net, l));
            if (abs_sum > bound || isnan(abs_sum)) bound = isnan(abs_sum) ? INFINITY : abs_sum;
        }
        p += (size_t)in * out + out;
        double *t = a;
        a = b, b = t;
    }
    int C = nn_net_size(net, L);
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
    /* the round trip: the same bytes */
    size_t n = nn_model_size(net), written = 0;
    FUZZ_CHECK(n == len);
    uint8_t *back = malloc(n);
    if (!back) return;
    FUZZ_CHECK(nn_model_save(net, back, n - 1, &written) == NN_ERR_ARG);
    FUZZ_CHECK(nn_model_save(net, back, n, &written) == NN_OK && written == n);
    FUZZ_CHECK(memcmp(back, file, n) == 0);
    free(back);

    /* predictions for a few rows of inputs taken from the file's bytes */
    int in = nn_net_size(net, 0), C = nn_net_size(net, nn_net_layers(net));
    int rows = 1 + (int)(len % 70); /* past NN_PREDICT_ROWS now and then */
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
            double bound = model_reference(net, x + (size_t)r * in, ref);
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
    free(px), free(x), free(pr), free(pu), free(ref);

    nn_net *copy = NULL;
    FUZZ_CHECK(nn_net_clone(&copy, net) == NN_OK);
    if (copy)
        FUZZ_CHECK(memcmp(nn_net_params(copy), nn_net_params(net),
                          nn_net_param_count(net) * sizeof(float)) == 0);
    nn_net_free(copy);
}

static float model_f32(const uint8_t *b, size_t len, size_t off) {
    uint32_t u = fuzz_u32(b, len, off);
    float v;
    memcpy(&v, &u, 4);
    return v;
}

/* nn.h: a model whose weights let some input in [0, 1] overflow a prediction is refused: for
 * every unit, |b| + sum |w| x the largest magnitude of its inputs (1 for pixels and after
 * sigmoid or tanh) must stay below FLT_MAX / 4. Sums in the loader's order, for the same bits. */
static int model_overflows(const uint8_t *b, size_t len, uint32_t L, size_t header) {
    int width = 0;
    for (uint32_t i = 0; i <= L; i++)
        if ((int)fuzz_u32(b, len, 12 + 4 * i) > width) width = (int)fuzz_u32(b, len, 12 + 4 * i);
    double *mem = malloc(2 * (size_t)width * sizeof *mem);
    if (!mem) return 0;
    double *in = mem, *out = mem + width;
    for (int i = 0; i < width; i++) in[i] = 1;
    size_t off = header;
    int over = 0;
    for (uint32_t l = 0; l < L && !over; l++) {
        int n_in = (int)fuzz_u32(b, len, 12 + 4 * l), n_out = (int)fuzz_u32(b, len, 16 + 4 * l);
        size_t w = off, bias = off + 4 * (size_t)n_in * n_out;
        for (int j = 0; j < n_out; j++) out[j] = fabs((double)model_f32(b, len, bias + 4 * j));
        for (int i = 0; i < n_in; i++)
            for (int j = 0; j < n_out; j++)
                out[j] += in[i] * fabs((double)model_f32(b, len, w + 4 * ((size_t)i * n_out + j)));
        uint32_t act = fuzz_u32(b, len, 12 + 4 * (L + 1) + 4 * l);
        for (int j = 0; j < n_out; j++) {
            if (!(out[j] < FLT_MAX / 4)) over = 1;
            if (act == NN_ACT_SIGMOID || act == NN_ACT_TANH) out[j] = 1;
        }
        off = bias + 4 * (size_t)n_out;
        double *t = in;
        in = out, out = t;
    }
    free(mem);
    return over;
}

enum {
    M_MAGIC = 1,
    M_VERSION = 2,
    M_TRUNCATED = 4,
    M_TRAILING = 8,
    M_CHECKSUM = 16,
    M_LAYERS = 32,
    M_VALUES = 64
};

/* What is wrong with a file by nn.h's description of the format, one bit per status. */
static int model_faults(const uint8_t *b, size_t len) {
    static const uint8_t magic[4] = {'N', 'N', 'M', 'F'};
    int f = 0;
    if (len == 0 || memcmp(b, magic, len < 4 ? len : 4) != 0) f |= M_MAGIC;
    if (len < 12) return f | M_TRUNCATED;
    if (fuzz_u32(b, len, 4) != 1) f |= M_VERSION;
    uint32_t L = fuzz_u32(b, len, 8);
    if (L < 1 || L > NN_MAX_LAYERS) return f | M_LAYERS;
    size_t header = 12 + 4 * ((size_t)L + 1) + 4 * (size_t)L;
    if (len < header) return f | M_TRUNCATED;
    /* sizes and activations out of range leave nothing more to tell; a misplaced softmax or a
     * class count out of range still leaves the length, checksum and values to check */
    uint64_t params = 0;
    int late = 0;
    for (uint32_t i = 0; i <= L; i++) {
        uint32_t s = fuzz_u32(b, len, 12 + 4 * i);
        if (s < 1 || s > NN_MAX_UNITS) f |= M_LAYERS;
        if (i == L && (s < 2 || s > NN_MAX_CLASSES)) late = M_LAYERS;
        if (i > 0) params += (uint64_t)fuzz_u32(b, len, 8 + 4 * i) * s + s;
    }
    for (uint32_t l = 0; l < L; l++) {
        uint32_t a = fuzz_u32(b, len, 12 + 4 * (L + 1) + 4 * l);
        if (a >= NN_ACT_COUNT) f |= M_LAYERS;
        if ((a == NN_ACT_SOFTMAX) != (l == L - 1)) late = M_LAYERS;
    }
    if (f & M_LAYERS) return f;
    f |= late;
    uint64_t total = header + 4 * params + 4;
    if (len < total) return f | M_TRUNCATED;
    if (len > total) return f | M_TRAILING;
    if (model_crc32(b, len - 4) != fuzz_u32(b, len, len - 4)) f |= M_CHECKSUM;
    for (uint64_t i = 0; i < params; i++)
        if ((fuzz_u32(b, len, header + 4 * i) & 0x7f800000u) == 0x7f800000u) f |= M_VALUES;
    if (!(f & M_VALUES) && model_overflows(b, len, L, header)) f |= M_VALUES;
    return f;
}

static int model_load_one(const uint8_t *buf, size_t len) {
    nn_net *net = (nn_net *)buf; /* not NULL: a failure must set NULL */
    int st = nn_model_load(&net, buf, len), faults = model_faults(buf, len);
    static const int bit[] = {M_MAGIC,    M_VERSION, M_TRUNCATED, M_TRAILING,
                              M_CHECKSUM, M_LAYERS,  M_VALUES};
    /* loaded exactly when nothing is wrong; a refusal names something that is */
    FUZZ_CHECK((st == NN_OK) == (faults == 0));
    if (st != NN_OK)
        FUZZ_CHECK(st <= NN_ERR_MODEL_MAGIC && st >= NN_ERR_MODEL_VALUES &&
                   (faults & bit[NN_ERR_MODEL_MAGIC - st]));
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
