/* test_model.c: model files round-trip bit for bit, and a file corrupted in any field (magic,
 * version, layer count, sizes, activations, weights, checksum, length) is refused with its own
 * status without touching the caller's network. */
#include "check.h"
#include "nn.h"

#include <stdlib.h>
#include <string.h>

static void put32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
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

int main(void) {
    const int sizes[4] = {784, 33, 17, 10};
    const nn_activation acts[3] = {NN_ACT_RELU, NN_ACT_TANH, NN_ACT_SOFTMAX};
    nn_net *net = NULL, *back = NULL;
    CHECK_STATUS(nn_net_create(&net, 3, sizes, acts, 5), NN_OK);
    size_t len = nn_model_size(net), written = 0;
    CHECK(len == 12 + 4 * 4 + 4 * 3 + 4 * nn_net_param_count(net) + 4);
    uint8_t *buf = malloc(len), *bad = malloc(len + 8);
    CHECK_STATUS(nn_model_save(net, buf, len - 1, &written), NN_ERR_ARG);
    CHECK_STATUS(nn_model_save(net, buf, len, &written), NN_OK);
    CHECK(written == len && memcmp(buf, "NNMF", 4) == 0);
    CHECK(crc32_ref((const uint8_t *)"123456789", 9) == 0xcbf43926u); /* the CRC-32 check value */
    CHECK_STATUS(nn_model_load(&back, buf, len), NN_OK);
    CHECK(nn_net_layers(back) == 3 && nn_net_size(back, 2) == 17);
    CHECK(nn_net_activation(back, 1) == NN_ACT_TANH);
    CHECK(memcmp(nn_net_params(net), nn_net_params(back), nn_net_param_count(net) * 4) == 0);
    float x[784], p1[10], p2[10];
    for (int i = 0; i < 784; i++) x[i] = (float)(i % 7) / 7.0f;
    nn_net_predict(net, x, 1, p1);
    nn_net_predict(back, x, 1, p2);
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    nn_net_free(back);

    nn_net *keep = (nn_net *)buf; /* a failed load must set NULL, never a half network */
#define REFUSED(l, want)                                  \
    do {                                                  \
        keep = (nn_net *)buf;                             \
        CHECK_STATUS(nn_model_load(&keep, bad, l), want); \
        CHECK(keep == NULL);                              \
    } while (0)
    for (size_t cut = 0; cut < len; cut += cut < 64 ? 1 : 997) {
        memcpy(bad, buf, len);
        keep = (nn_net *)buf;
        int st = nn_model_load(&keep, bad, cut);
        CHECK(st == NN_ERR_MODEL_TRUNCATED || (cut == 0 && st == NN_ERR_MODEL_MAGIC));
        CHECK(keep == NULL);
    }
    memcpy(bad, buf, len), bad[len] = 0;
    REFUSED(len + 1, NN_ERR_MODEL_TRAILING);
    memcpy(bad, buf, len), bad[0] = 'X';
    REFUSED(len, NN_ERR_MODEL_MAGIC);
    memcpy(bad, buf, len), put32(bad + 4, 2);
    REFUSED(len, NN_ERR_MODEL_VERSION);
    memcpy(bad, buf, len), put32(bad + 8, 0);
    REFUSED(len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 8, 99);
    REFUSED(len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 4, 0); /* a layer of 0 units */
    REFUSED(len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 4, 1u << 30);
    REFUSED(len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 4, 34); /* sizes no longer match the length */
    REFUSED(len, NN_ERR_MODEL_TRUNCATED);
    memcpy(bad, buf, len), put32(bad + 12 + 16, 9); /* unknown activation */
    REFUSED(len, NN_ERR_MODEL_LAYERS);
    memcpy(bad, buf, len), put32(bad + 12 + 16, NN_ACT_SOFTMAX), refresh_crc(bad, len);
    REFUSED(len, NN_ERR_MODEL_LAYERS); /* softmax on a hidden layer, even with a valid CRC */
    memcpy(bad, buf, len), bad[len / 2] ^= 0x10; /* one flipped bit in a weight */
    REFUSED(len, NN_ERR_MODEL_CHECKSUM);
    memcpy(bad, buf, len), bad[len - 1] ^= 0x01; /* in the checksum itself */
    REFUSED(len, NN_ERR_MODEL_CHECKSUM);
    memcpy(bad, buf, len), put32(bad + 40 + 4 * 100, 0x7fc00000u), refresh_crc(bad, len); /* NaN */
    REFUSED(len, NN_ERR_MODEL_VALUES);
    memcpy(bad, buf, len), put32(bad + 40 + 4 * 7, 0xff800000u), refresh_crc(bad, len); /* -inf */
    REFUSED(len, NN_ERR_MODEL_VALUES);
    /* finite weights large enough to overflow a prediction: one of 1e38, or a unit whose 784
     * weights of 2e35 sum past FLT_MAX / 4 for an all-ink image; at 1e35 each it loads, and even
     * an all-ink image gets finite probabilities */
    memcpy(bad, buf, len), put32(bad + 40, 0x7e967699u), refresh_crc(bad, len); /* 1e38 */
    REFUSED(len, NN_ERR_MODEL_VALUES);
    for (int i = 0; i < 784; i++) put32(bad + 40 + 4 * (size_t)i * 33, 0x7a1a130cu); /* 2e35 */
    refresh_crc(bad, len);
    REFUSED(len, NN_ERR_MODEL_VALUES);
    for (int i = 0; i < 784; i++) put32(bad + 40 + 4 * (size_t)i * 33, 0x799a130cu); /* 1e35 */
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
    /* and the original network is still intact and usable */
    nn_net_predict(net, x, 1, p2);
    CHECK(memcmp(p1, p2, sizeof p1) == 0);
    free(buf), free(bad);
    nn_net_free(net);
    nn_net_free(NULL);
    return check_failures("test_model");
}
