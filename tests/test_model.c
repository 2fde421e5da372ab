/* test_model.c: model files round-trip bit for bit (dense networks and convnets, version 2),
 * version-1 files still load, and a file corrupted in any field (magic, version, input shape,
 * layer count, each layer's kind, activation, units, kernel, strides, padding, the weights, the
 * checksum, the length) is refused with its own status without touching the caller's network. */
#include "check.h"
#include "nn.h"

#include <stdlib.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}
static uint32_t get32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* zlib's CRC-32, computed independently of model.c (bitwise). */
static uint32_t crc32_ref(const uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    return ~c;
}

static void refresh_crc(uint8_t *buf, size_t len) { put32(buf + len - 4, crc32_ref(buf, len - 4)); }

static nn_net *keep;
/* A failed load must set NULL, never a half network. */
#define REFUSED(buf, l, want)                             \
    do {                                                  \
        keep = (nn_net *)(buf);                           \
        CHECK_STATUS(nn_model_load(&keep, buf, l), want); \
        CHECK(keep == NULL);                              \
    } while (0)

static void same_predictions(nn_net *a, nn_net *b) {
    int in = nn_net_size(a, 0), C = nn_net_size(a, nn_net_layers(a));
    float *x = malloc((size_t)3 * in * sizeof *x), p1[3 * 256], p2[3 * 256];
    for (int i = 0; i < 3 * in; i++) x[i] = (float)(i % 7) / 7.0f;
    CHECK_STATUS(nn_net_predict(a, x, 3, p1), NN_OK);
    CHECK_STATUS(nn_net_predict(b, x, 3, p2), NN_OK);
    CHECK(memcmp(p1, p2, (size_t)3 * C * sizeof(float)) == 0);
    free(x);
}

/* The version-1 file of a dense network, as the first release wrote it. */
static uint8_t *write_v1(nn_net *net, size_t *len) {
    int L = nn_net_layers(net);
    size_t np = nn_net_param_count(net), n = 12 + 4 * (size_t)(2 * L + 1) + 4 * np + 4;
    uint8_t *b = malloc(n), *p = b + 12;
    memcpy(b, "NNMF", 4), put32(b + 4, 1), put32(b + 8, (uint32_t)L);
    for (int i = 0; i <= L; i++, p += 4) put32(p, (uint32_t)nn_net_size(net, i));
    for (int l = 0; l < L; l++, p += 4) put32(p, (uint32_t)nn_net_activation(net, l));
    const float *w = nn_net_params(net);
    for (size_t i = 0; i < np; i++, p += 4) {
        uint32_t u;
        memcpy(&u, &w[i], 4);
        put32(p, u);
    }
    refresh_crc(b, n);
    *len = n;
    return b;
}

/* Version 1: the format of the first release, with its own corruptions. */
static void version1(void) {
    const int sizes[4] = {784, 33, 17, 10};
    const nn_activation acts[3] = {NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SOFTMAX};
    nn_net *net = NULL, *back = NULL;
    CHECK_STATUS(nn_net_create(&net, 3, sizes, acts, 5), NN_OK);
    size_t len;
    uint8_t *buf = write_v1(net, &len), *bad = malloc(len + 8);
    CHECK_STATUS(nn_model_load(&back, buf, len), NN_OK);
    CHECK(nn_net_layers(back) == 3 && nn_net_size(back, 2) == 17);
    CHECK(nn_net_activation(back, 1) == NN_ACT_TANH);
    CHECK(memcmp(nn_net_params(net), nn_net_params(back), nn_net_param_count(net) * 4) == 0);
    same_predictions(net, back);
    /* saved again, it is a version-2 file of the same network */
    size_t n2 = nn_model_size(back), w2 = 0;
    uint8_t *v2 = malloc(n2);
    CHECK_STATUS(nn_model_save(back, v2, n2, &w2), NN_OK);
    CHECK(get32(v2 + 4) == 2 && n2 == 28 + 32 * 3 + 4 * nn_net_param_count(net) + 4);
    nn_net *again = NULL;
    CHECK_STATUS(nn_model_load(&again, v2, n2), NN_OK);
    if (again) same_predictions(net, again);
    nn_net_free(again);
    free(v2);
    nn_net_free(back);

    for (size_t cut = 0; cut < len; cut += cut < 64 ? 1 : 997) {
        memcpy(bad, buf, len);
        keep = (nn_net *)buf;
        int st = nn_model_load(&keep, bad, cut);
        CHECK(st == NN_ERR_MODEL_TRUNCATED || (cut == 0 && st == NN_ERR_MODEL_MAGIC));
        CHECK(keep == NULL);
    }
    memcpy(bad, buf, len), bad[len] = 0;
    REFUSED(bad, len + 1, NN_ERR_MODEL_TRAILING);
    memcpy(bad, buf, len), bad[0] = 'X';
    REFUSED(bad, len, NN_ERR_MODEL_MAGIC);
    memcpy(bad, buf, len), put32(bad + 4, 3);
    REFUSED(bad, len, NN_ERR_MODEL_VERSION);
    memcpy(bad, buf, len), put32(bad + 8, 0);
    REFUSED(bad, len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 8, 99);
    REFUSED(bad, len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 4, 0); /* a layer of 0 units */
    REFUSED(bad, len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 4, 1u << 30);
    REFUSED(bad, len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 4, 34); /* sizes no longer match the length */
    REFUSED(bad, len, NN_ERR_MODEL_TRUNCATED);
    memcpy(bad, buf, len), put32(bad + 12 + 16, 9); /* unknown activation */
    REFUSED(bad, len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 16, NN_ACT_SOFTMAX), refresh_crc(bad, len);
    REFUSED(bad, len, NN_ERR_MODEL_LAYERS); /* softmax on a hidden layer, even with a valid CRC */
    memcpy(bad, buf, len), bad[len / 2] ^= 0x10; /* one flipped bit in a weight */
    REFUSED(bad, len, NN_ERR_MODEL_CHECKSUM);
    memcpy(bad, buf, len), put32(bad + 40 + 4 * 100, 0x7fc00000u), refresh_crc(bad, len); /* NaN */
    REFUSED(bad, len, NN_ERR_MODEL_VALUES);
    free(buf), free(bad);
    nn_net_free(net);
}

/* Version 2, a dense network: the overflow bound on its weights. */
static void dense_values(void) {
    const int sizes[4] = {784, 33, 17, 10};
    const nn_activation acts[3] = {NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SOFTMAX};
    nn_net *net = NULL, *back = NULL;
    CHECK_STATUS(nn_net_create(&net, 3, sizes, acts, 5), NN_OK);
    size_t len = nn_model_size(net), written = 0, w0 = 28 + 32 * 3; /* the first weight */
    CHECK(len == w0 + 4 * nn_net_param_count(net) + 4);
    uint8_t *buf = malloc(len), *bad = malloc(len);
    CHECK_STATUS(nn_model_save(net, buf, len - 1, &written), NN_ERR_ARG);
    CHECK_STATUS(nn_model_save(net, buf, len, &written), NN_OK);
    CHECK(written == len && memcmp(buf, "NNMF", 4) == 0);
    CHECK(crc32_ref((const uint8_t *)"123456789", 9) == 0xcbf43926u); /* the CRC-32 check value */
    CHECK_STATUS(nn_model_load(&back, buf, len), NN_OK);
    if (back) same_predictions(net, back);
    nn_net_free(back);
    memcpy(bad, buf, len), put32(bad + w0 + 4 * 7, 0xff800000u), refresh_crc(bad, len); /* -inf */
    REFUSED(bad, len, NN_ERR_MODEL_VALUES);
    /* finite weights large enough to overflow a prediction: one of 1e38, or a unit whose 784
     * weights of 2e35 sum past FLT_MAX / 4 for an all-ink image; at 1e35 each it loads, and even
     * an all-ink image gets finite probabilities */
    memcpy(bad, buf, len), put32(bad + w0, 0x7e967699u), refresh_crc(bad, len); /* 1e38 */
    REFUSED(bad, len, NN_ERR_MODEL_VALUES);
    for (int i = 0; i < 784; i++) put32(bad + w0 + 4 * (size_t)i * 33, 0x7a1a130cu); /* 2e35 */
    refresh_crc(bad, len);
    REFUSED(bad, len, NN_ERR_MODEL_VALUES);
    for (int i = 0; i < 784; i++) put32(bad + w0 + 4 * (size_t)i * 33, 0x799a130cu); /* 1e35 */
    refresh_crc(bad, len);
    CHECK_STATUS(nn_model_load(&back, bad, len), NN_OK);
    float ones[784], pb[10], sum = 0;
    for (int i = 0; i < 784; i++) ones[i] = 1.0f;
    CHECK_STATUS(nn_net_predict(back, ones, 1, pb), NN_OK);
    for (int j = 0; j < 10; j++) {
        CHECK(pb[j] >= 0 && pb[j] <= 1);
        sum += pb[j];
    }
    CHECK(sum > 0.999f && sum < 1.001f);
    nn_net_free(back);
    CHECK_STATUS(nn_model_load(&keep, NULL, 0), NN_ERR_ARG);
    free(buf), free(bad);
    nn_net_free(net);
}

/* Chollet's convnet at a small scale, with 'same' padding and strides in it. */
static const nn_layer_spec convnet[] = {
    {.kind = NN_LAYER_CONV2D, .act = NN_ACT_RELU, .units = 6, .kh = 3, .kw = 3},
    {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2},
    {.kind = NN_LAYER_CONV2D,
     .act = NN_ACT_TANH,
     .units = 5,
     .kh = 3,
     .kw = 2,
     .sh = 2,
     .sw = 1,
     .padding = NN_PAD_SAME},
    {.kind = NN_LAYER_FLATTEN},
    {.kind = NN_LAYER_DENSE, .act = NN_ACT_RELU, .units = 7},
    {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 10},
};
#define CONV_LAYERS 6

static size_t field(int layer, int k) { return 28 + 32 * (size_t)layer + 4 * (size_t)k; }

static void convnets(void) {
    const nn_shape in = {3, 28, 28, 1};
    nn_net *net = NULL, *back = NULL;
    CHECK_STATUS(nn_net_create_layers(&net, in, CONV_LAYERS, convnet, 3), NN_OK);
    if (!net) return;
    size_t len = nn_model_size(net), written = 0;
    uint8_t *buf = malloc(len), *bad = malloc(len + 8);
    CHECK_STATUS(nn_model_save(net, buf, len, &written), NN_OK);
    CHECK(get32(buf + 4) == 2 && get32(buf + 8) == 3 && get32(buf + 12) == 28 &&
          get32(buf + 24) == CONV_LAYERS);
    CHECK(get32(buf + field(1, 5)) == 2 && get32(buf + field(1, 6)) == 2); /* strides resolved */
    CHECK_STATUS(nn_model_load(&back, buf, len), NN_OK);
    if (back) {
        same_predictions(net, back);
        nn_layer_info li;
        CHECK_STATUS(nn_net_layer_info(back, 2, &li), NN_OK);
        CHECK(li.spec.padding == NN_PAD_SAME && li.out.h == 7 && li.out.w == 13 && li.out.c == 5 &&
              li.weights == 3 * 2 * 6 * 5);
        size_t again_len = nn_model_size(back);
        uint8_t *again = malloc(again_len);
        CHECK_STATUS(nn_model_save(back, again, again_len, &written), NN_OK);
        CHECK(again_len == len && memcmp(again, buf, len) == 0); /* the same bytes */
        free(again);
    }
    nn_net_free(back);

    /* every field of the header, with values that no valid file of this length holds */
    struct {
        size_t at;
        uint32_t value;
        int want;
    } cases[] = {
        {4, 0, NN_ERR_MODEL_VERSION},
        {4, 3, NN_ERR_MODEL_VERSION},
        {8, 2, NN_ERR_MODEL_LAYERS}, /* rank 2 */
        {8, 1, NN_ERR_MODEL_LAYERS}, /* rank 1 with h = w = 28 */
        {12, 0, NN_ERR_MODEL_LAYERS},
        {12, 27, NN_ERR_MODEL_TRAILING}, /* a shape with fewer parameters than the file holds */
        {12, 0xffffffffu, NN_ERR_MODEL_LAYERS},
        {16, 1, NN_ERR_MODEL_LAYERS}, /* narrower than the first kernel */
        {20, 0, NN_ERR_MODEL_LAYERS},
        {20, 2, NN_ERR_MODEL_TRUNCATED}, /* two channels: more weights than the file holds */
        {24, 0, NN_ERR_MODEL_LAYERS},
        {24, NN_MAX_LAYERS + 1, NN_ERR_MODEL_LAYERS},
        {24, 5, NN_ERR_MODEL_LAYERS},          /* the last layer is then a dense relu */
        {field(0, 0), 4, NN_ERR_MODEL_LAYERS}, /* an unknown kind */
        {field(0, 0), NN_LAYER_DENSE, NN_ERR_MODEL_LAYERS},
        {field(0, 1), 5, NN_ERR_MODEL_LAYERS},              /* an unknown activation */
        {field(0, 1), NN_ACT_SOFTMAX, NN_ERR_MODEL_LAYERS}, /* softmax on a convolution */
        {field(0, 2), 0, NN_ERR_MODEL_LAYERS},              /* no filters */
        {field(0, 2), 7, NN_ERR_MODEL_TRUNCATED},
        {field(0, 3), 0, NN_ERR_MODEL_LAYERS},  /* kernel 0 */
        {field(0, 3), 29, NN_ERR_MODEL_LAYERS}, /* larger than the input */
        {field(0, 3), NN_MAX_KERNEL + 1, NN_ERR_MODEL_LAYERS},
        {field(0, 5), 0, NN_ERR_MODEL_LAYERS}, /* strides are stored resolved */
        {field(0, 6), NN_MAX_KERNEL + 1, NN_ERR_MODEL_LAYERS},
        {field(0, 7), 2, NN_ERR_MODEL_LAYERS},           /* an unknown padding */
        {field(1, 1), NN_ACT_RELU, NN_ERR_MODEL_LAYERS}, /* pooling has no activation */
        {field(1, 2), 3, NN_ERR_MODEL_LAYERS},           /* nor units */
        {field(1, 3), 0, NN_ERR_MODEL_LAYERS},
        {field(1, 5), 1, NN_ERR_MODEL_TRUNCATED}, /* stride 1: 25 x 25, then more weights */
        {field(3, 2), 1, NN_ERR_MODEL_LAYERS},    /* flatten has no units */
        {field(3, 0), NN_LAYER_MAXPOOL2D, NN_ERR_MODEL_LAYERS},
        {field(4, 0), NN_LAYER_CONV2D, NN_ERR_MODEL_LAYERS}, /* a convolution on a flat input */
        {field(4, 3), 1, NN_ERR_MODEL_LAYERS},               /* dense has no kernel */
        {field(4, 2), 16385, NN_ERR_MODEL_LAYERS},
        {field(5, 2), 1, NN_ERR_MODEL_LAYERS}, /* one class */
        {field(5, 2), 11, NN_ERR_MODEL_TRUNCATED},
        {field(5, 1), NN_ACT_RELU, NN_ERR_MODEL_LAYERS}, /* no softmax last */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        memcpy(bad, buf, len), put32(bad + cases[i].at, cases[i].value), refresh_crc(bad, len);
        keep = (nn_net *)buf;
        int st = nn_model_load(&keep, bad, len);
        if (st != cases[i].want)
            fprintf(stderr, "case %zu: field at %zu = %u: %d, wanted %d\n", i, cases[i].at,
                    cases[i].value, st, cases[i].want);
        CHECK(st == cases[i].want && keep == NULL);
    }
    /* changing one activation for another gives another valid network, not a refusal */
    memcpy(bad, buf, len), put32(bad + field(0, 1), NN_ACT_SIGMOID), refresh_crc(bad, len);
    CHECK_STATUS(nn_model_load(&back, bad, len), NN_OK);
    CHECK(back && nn_net_activation(back, 0) == NN_ACT_SIGMOID);
    nn_net_free(back);
    for (size_t cut = 0; cut < len; cut += cut < 300 ? 1 : 1013) {
        keep = (nn_net *)buf;
        int st = nn_model_load(&keep, buf, cut);
        CHECK(st == NN_ERR_MODEL_TRUNCATED || (cut == 0 && st == NN_ERR_MODEL_MAGIC));
        CHECK(keep == NULL);
    }
    memcpy(bad, buf, len), bad[len] = 0;
    REFUSED(bad, len + 1, NN_ERR_MODEL_TRAILING);
    memcpy(bad, buf, len), bad[len - 9] ^= 0x40; /* a flipped bit in the last dense bias */
    REFUSED(bad, len, NN_ERR_MODEL_CHECKSUM);
    memcpy(bad, buf, len), bad[field(2, 2)] ^= 0x01; /* in a layer's units */
    REFUSED(bad, len, NN_ERR_MODEL_TRAILING); /* 4 filters: fewer weights than the file holds */

    /* the overflow bound, per filter: one weight of 1e38, or a NaN; or filter 0 of the first
     * convolution with its 9 weights at 1e37 (9e37 > FLT_MAX / 4, while no weight is); at 1e36
     * the file loads, and an all-ink image gets finite probabilities */
    const size_t w0 = field(CONV_LAYERS, 0);
    memcpy(bad, buf, len), put32(bad + w0 + 4 * 5, 0x7e967699u), refresh_crc(bad, len);
    REFUSED(bad, len, NN_ERR_MODEL_VALUES);
    memcpy(bad, buf, len), put32(bad + w0 + 4 * 5, 0x7fc00000u), refresh_crc(bad, len); /* NaN */
    REFUSED(bad, len, NN_ERR_MODEL_VALUES);
    memcpy(bad, buf, len);
    for (int k = 0; k < 9; k++) put32(bad + w0 + 4 * ((size_t)k * 6), 0x7cf0bdc2u); /* 1e37 */
    refresh_crc(bad, len);
    REFUSED(bad, len, NN_ERR_MODEL_VALUES);
    for (int k = 0; k < 9; k++) put32(bad + w0 + 4 * ((size_t)k * 6), 0x7b4097ceu); /* 1e36 */
    refresh_crc(bad, len);
    CHECK_STATUS(nn_model_load(&back, bad, len), NN_OK);
    if (back) {
        float *ones = malloc(784 * sizeof *ones), pb[10], sum = 0;
        for (int i = 0; i < 784; i++) ones[i] = 1.0f;
        CHECK_STATUS(nn_net_predict(back, ones, 1, pb), NN_OK);
        for (int j = 0; j < 10; j++) {
            CHECK(pb[j] >= 0 && pb[j] <= 1);
            sum += pb[j];
        }
        CHECK(sum > 0.999f && sum < 1.001f);
        free(ones);
    }
    nn_net_free(back);
    /* and the original network is still intact and usable */
    CHECK_STATUS(nn_model_load(&back, buf, len), NN_OK);
    if (back) same_predictions(net, back);
    nn_net_free(back);
    free(buf), free(bad);
    nn_net_free(net);
    nn_net_free(NULL);
}

int main(void) {
    version1();
    dense_values();
    convnets();
    return check_failures("test_model");
}
