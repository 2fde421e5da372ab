/* model.c: the model file (layout in nn.h): little-endian whatever the host, a CRC-32 over all
 * that precedes it; version 2 stores each layer's kind and shape, version 1 (dense only) is still
 * read. Loading validates every field and value before it hands out a new network, so a bad file
 * can never half-replace the one the caller has, and a loaded model cannot overflow a
 * prediction. */
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MAGIC "NNMF"
#define MODEL_VERSION 2u /* the version written; 1 is still read */

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

/* Version 2: magic, version, the input's rank h w c, L, then SPEC_FIELDS per layer. */
#define V2_HEAD 28
#define SPEC_FIELDS 8
static size_t v2_header(int n_layers) { return V2_HEAD + 4 * SPEC_FIELDS * (size_t)n_layers; }
/* Version 1: magic, version, L, the L + 1 sizes, the L activations. */
static size_t v1_header(int n_layers) {
    return 12 + 4 * ((size_t)n_layers + 1) + 4 * (size_t)n_layers;
}

size_t nn_model_size(const nn_net *net) {
    if (!net) return 0;
    return v2_header(net->n_layers) + 4 * net->n_params + 4;
}

nn_status nn_model_save(const nn_net *net, uint8_t *buf, size_t cap, size_t *written) {
    if (!net || !buf) return NN_ERR_ARG;
    size_t need = nn_model_size(net);
    if (cap < need) return NN_ERR_ARG;
    uint8_t *p = buf;
    memcpy(p, MODEL_MAGIC, 4);
    const nn_shape in = net->input;
    const uint32_t head[6] = {MODEL_VERSION,  (uint32_t)in.rank, (uint32_t)in.h,
                              (uint32_t)in.w, (uint32_t)in.c,    (uint32_t)net->n_layers};
    for (int i = 0; i < 6; i++) put32(p + 4 + 4 * i, head[i]);
    p += V2_HEAD;
    for (int i = 0; i < net->n_layers; i++) {
        const nn_layer_spec *s = &net->layers[i].spec;
        const int f[SPEC_FIELDS] = {(int)s->kind, (int)s->act, s->units, s->kh,
                                    s->kw,        s->sh,       s->sw,    (int)s->padding};
        for (int k = 0; k < SPEC_FIELDS; k++, p += 4) put32(p, (uint32_t)f[k]);
    }
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
 * for every unit or filter, |b| plus the sum of |w| times the largest magnitude its input can take
 * (1 for the pixels and after a sigmoid or tanh, the bound of the unit or channel before it after
 * relu or linear; pooling and flatten pass bounds through) stays below FLT_MAX / 4. Every partial
 * sum of a unit, in any order, is bounded by its bound, and the softmax subtracts two logits:
 * nothing reaches FLT_MAX. A NaN or infinite weight makes its unit's bound NaN or infinite (input
 * bounds are >= 0, and 0 x inf is NaN), so this one pass also refuses those. Trained networks
 * sit many orders of magnitude below the limit. */
static nn_status model_values(const nn_net *net) {
    double *mem = malloc(2 * (size_t)net->max_bound * sizeof *mem);
    if (!mem) return NN_ERR_NOMEM;
    double *in = mem, *out = mem + net->max_bound;
    for (int i = 0; i < net->input.c; i++) in[i] = 1.0;
    nn_status st = NN_OK;
    for (int i = 0; i < net->n_layers && st == NN_OK; i++) {
        const layer *l = &net->layers[i];
        ops_of(l)->bound(l, in, out);
        int squashed = l->spec.act == NN_ACT_SIGMOID || l->spec.act == NN_ACT_TANH;
        for (int j = 0; j < l->out.c; j++) {
            if (!(out[j] < FLT_MAX / 4)) st = NN_ERR_MODEL_VALUES;
            if (squashed) out[j] = 1.0;
        }
        double *t = in;
        in = out, out = t;
    }
    free(mem);
    return st;
}

/* The layers of a file of either version: the input and specs, and where the parameters start.
 * Values that do not fit an int are out of range before anything else looks at them. */
static nn_status read_layers(const uint8_t *buf, size_t len, uint32_t version, nn_shape *input,
                             int *n_layers, nn_layer_spec *specs, size_t *header) {
    const uint32_t L = get32(buf + (version == 1 ? 8 : 24));
    if (L < 1 || L > NN_MAX_LAYERS) return NN_ERR_MODEL_LAYERS;
    *n_layers = (int)L;
    *header = version == 1 ? v1_header((int)L) : v2_header((int)L);
    if (len < *header) return NN_ERR_MODEL_TRUNCATED;
    memset(specs, 0, sizeof *specs * L);
    if (version == 1) {
        for (uint32_t i = 0; i <= L; i++) {
            uint32_t s = get32(buf + 12 + 4 * i);
            if (s < 1 || s > NN_MAX_UNITS) return NN_ERR_MODEL_LAYERS;
            if (i == 0) *input = (nn_shape){1, 1, 1, (int)s};
            else specs[i - 1].kind = NN_LAYER_DENSE, specs[i - 1].units = (int)s;
        }
        for (uint32_t l = 0; l < L; l++) {
            uint32_t a = get32(buf + 12 + 4 * (L + 1) + 4 * l);
            if (a >= NN_ACT_COUNT) return NN_ERR_MODEL_LAYERS;
            specs[l].act = (nn_activation)a;
        }
        return NN_OK;
    }
    uint32_t head[4];
    for (int i = 0; i < 4; i++)
        if ((head[i] = get32(buf + 8 + 4 * i)) > NN_MAX_VALUES) return NN_ERR_MODEL_LAYERS;
    *input = (nn_shape){(int)head[0], (int)head[1], (int)head[2], (int)head[3]};
    for (uint32_t l = 0; l < L; l++) {
        int f[SPEC_FIELDS];
        for (int k = 0; k < SPEC_FIELDS; k++) {
            uint32_t v = get32(buf + V2_HEAD + 4 * (SPEC_FIELDS * l + k));
            if (v > NN_MAX_VALUES) return NN_ERR_MODEL_LAYERS;
            f[k] = (int)v;
        }
        nn_layer_spec *s = &specs[l];
        s->kind = (nn_layer_kind)f[0], s->act = (nn_activation)f[1], s->units = f[2];
        s->kh = f[3], s->kw = f[4], s->sh = f[5], s->sw = f[6], s->padding = (nn_padding)f[7];
        /* strides are stored resolved: a 0 would read back as another file */
        int windowed = s->kind == NN_LAYER_CONV2D || s->kind == NN_LAYER_MAXPOOL2D;
        if (windowed && (s->sh == 0 || s->sw == 0)) return NN_ERR_MODEL_LAYERS;
    }
    return NN_OK;
}

nn_status nn_model_load(nn_net **out, const uint8_t *buf, size_t len) {
    if (!out || !buf) return NN_ERR_ARG;
    *out = NULL;
    if (len < 4)
        return len > 0 && memcmp(buf, MODEL_MAGIC, len) == 0 ? NN_ERR_MODEL_TRUNCATED
                                                             : NN_ERR_MODEL_MAGIC;
    if (memcmp(buf, MODEL_MAGIC, 4) != 0) return NN_ERR_MODEL_MAGIC;
    if (len < 12) return NN_ERR_MODEL_TRUNCATED;
    const uint32_t version = get32(buf + 4);
    if (version != 1 && version != MODEL_VERSION) return NN_ERR_MODEL_VERSION;
    if (version == MODEL_VERSION && len < V2_HEAD) return NN_ERR_MODEL_TRUNCATED;
    nn_shape input;
    nn_layer_spec specs[NN_MAX_LAYERS];
    int n_layers;
    size_t header;
    nn_status st = read_layers(buf, len, version, &input, &n_layers, specs, &header);
    if (st != NN_OK) return st;
    nn_net plan; /* everything the file must hold, known before anything is allocated */
    st = net_plan(&plan, input, n_layers, specs);
    if (st == NN_ERR_NOMEM) return st;
    if (st != NN_OK) return NN_ERR_MODEL_LAYERS;
    if (plan.n_params > (SIZE_MAX - header - 4) / 4) return NN_ERR_NOMEM;
    size_t total = header + 4 * plan.n_params + 4;
    if (len < total) return NN_ERR_MODEL_TRUNCATED;
    if (len > total) return NN_ERR_MODEL_TRAILING;
    if (crc32_of(buf, total - 4) != get32(buf + total - 4)) return NN_ERR_MODEL_CHECKSUM;
    const uint8_t *p = buf + header;
    nn_net *net;
    st = net_alloc(&net, input, n_layers, specs);
    if (st != NN_OK) return st;
    for (size_t i = 0; i < plan.n_params; i++) {
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
