/* model.c: the model file (layout in nn.h): little-endian whatever the host, a CRC-32 over all
 * that precedes it. Loading validates every field and value before it hands out a new network, so
 * a bad file can never half-replace the one the caller has, and a loaded model cannot overflow a
 * prediction. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAGIC "NNMF"
#define MODEL_VERSION 1u

/* CRC-32 (IEEE 802.3, reflected, as zlib's crc32), table built on first use. */
static uint32_t crc32_of(const uint8_t *p, size_t n) {
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++) c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
            table[i] = c;
        }
        ready = 1;
    }
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xff] ^ (c >> 8);
    return c ^ 0xffffffffu;
}

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t header_size(int n_layers) {
    return 12 + 4 * ((size_t)n_layers + 1) + 4 * (size_t)n_layers;
}

size_t nn_model_size(const nn_net *net) {
    if (!net) return 0;
    return header_size(net->n_layers) + 4 * net->n_params + 4;
}

nn_status nn_model_save(const nn_net *net, uint8_t *buf, size_t cap, size_t *written) {
    if (!net || !buf) return NN_ERR_ARG;
    size_t need = nn_model_size(net);
    if (cap < need) return NN_ERR_ARG;
    uint8_t *p = buf;
    memcpy(p, MODEL_MAGIC, 4);
    put32(p + 4, MODEL_VERSION);
    put32(p + 8, (uint32_t)net->n_layers);
    p += 12;
    for (int i = 0; i <= net->n_layers; i++, p += 4) put32(p, (uint32_t)net->sizes[i]);
    for (int l = 0; l < net->n_layers; l++, p += 4) put32(p, (uint32_t)net->acts[l]);
    for (size_t i = 0; i < net->n_params; i++, p += 4) {
        uint32_t u;
        memcpy(&u, &net->params[i], 4);
        put32(p, u);
    }
    put32(p, crc32_of(buf, (size_t)(p - buf)));
    if (written) *written = need;
    return NN_OK;
}

/* NN_OK when every weight is finite and no input in [0, 1] can make a prediction overflow float:
 * for every unit, |b| plus the sum of |w| times the largest magnitude its input can take (1 for
 * the pixels and after a sigmoid or tanh, the previous unit's own bound after relu or linear)
 * stays below FLT_MAX / 4. Every partial sum of a unit, in any order, is bounded by its bound, and
 * the softmax subtracts two logits: nothing reaches FLT_MAX. A NaN or infinite weight makes its
 * unit's bound NaN or infinite (input bounds are >= 0, and 0 x inf is NaN), so this one pass also
 * refuses those. Trained networks sit many orders of magnitude below the limit. */
static nn_status model_values(const nn_net *net) {
    double *mem = malloc(2 * (size_t)net->max_width * sizeof *mem);
    if (!mem) return NN_ERR_NOMEM;
    double *in = mem, *out = mem + net->max_width;
    for (int i = 0; i < net->sizes[0]; i++) in[i] = 1.0;
    nn_status st = NN_OK;
    for (int l = 0; l < net->n_layers && st == NN_OK; l++) {
        int n_in = net->sizes[l], n_out = net->sizes[l + 1];
        for (int j = 0; j < n_out; j++) out[j] = fabs((double)net->b[l][j]);
        for (int i = 0; i < n_in; i++) {
            const float *w = net->w[l] + (size_t)i * n_out;
            for (int j = 0; j < n_out; j++) out[j] += in[i] * fabs((double)w[j]);
        }
        int squashed = net->acts[l] == NN_ACT_SIGMOID || net->acts[l] == NN_ACT_TANH;
        for (int j = 0; j < n_out; j++) {
            if (!(out[j] < FLT_MAX / 4)) st = NN_ERR_MODEL_VALUES;
            if (squashed) out[j] = 1.0;
        }
        double *t = in;
        in = out, out = t;
    }
    free(mem);
    return st;
}

nn_status nn_model_load(nn_net **out, const uint8_t *buf, size_t len) {
    if (!out || !buf) return NN_ERR_ARG;
    *out = NULL;
    if (len < 4)
        return len > 0 && memcmp(buf, MODEL_MAGIC, len) == 0 ? NN_ERR_MODEL_TRUNCATED
                                                             : NN_ERR_MODEL_MAGIC;
    if (memcmp(buf, MODEL_MAGIC, 4) != 0) return NN_ERR_MODEL_MAGIC;
    if (len < 12) return NN_ERR_MODEL_TRUNCATED;
    if (get32(buf + 4) != MODEL_VERSION) return NN_ERR_MODEL_VERSION;
    uint32_t n_layers = get32(buf + 8);
    if (n_layers < 1 || n_layers > NN_MAX_LAYERS) return NN_ERR_MODEL_LAYERS;
    size_t header = header_size((int)n_layers);
    if (len < header) return NN_ERR_MODEL_TRUNCATED;
    int sizes[NN_MAX_LAYERS + 1];
    nn_activation acts[NN_MAX_LAYERS];
    for (uint32_t i = 0; i <= n_layers; i++) {
        uint32_t s = get32(buf + 12 + 4 * i);
        if (s < 1 || s > NN_MAX_UNITS) return NN_ERR_MODEL_LAYERS;
        sizes[i] = (int)s;
    }
    for (uint32_t l = 0; l < n_layers; l++) {
        uint32_t a = get32(buf + 12 + 4 * (n_layers + 1) + 4 * l);
        if (a >= NN_ACT_COUNT) return NN_ERR_MODEL_LAYERS;
        acts[l] = (nn_activation)a;
    }
    /* sizes are bounded above, so this cannot overflow (see net.c) */
    size_t n_params = net_param_count((int)n_layers, sizes);
    if (n_params > (SIZE_MAX - header - 4) / 4) return NN_ERR_MODEL_LAYERS;
    size_t total = header + 4 * n_params + 4;
    if (len < total) return NN_ERR_MODEL_TRUNCATED;
    if (len > total) return NN_ERR_MODEL_TRAILING;
    if (crc32_of(buf, total - 4) != get32(buf + total - 4)) return NN_ERR_MODEL_CHECKSUM;
    const uint8_t *p = buf + header;
    nn_net *net;
    nn_status st = net_alloc(&net, (int)n_layers, sizes, acts);
    if (st == NN_ERR_LAYERS || st == NN_ERR_ACTIVATION) return NN_ERR_MODEL_LAYERS;
    if (st != NN_OK) return st;
    for (size_t i = 0; i < n_params; i++) {
        uint32_t u = get32(p + 4 * i);
        memcpy(&net->params[i], &u, 4);
    }
    st = model_values(net);
    if (st != NN_OK) {
        nn_net_free(net);
        return st;
    }
    *out = net;
    return NN_OK;
}
