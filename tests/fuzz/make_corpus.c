/* make_corpus.c: writes the seed corpora of the fuzz targets, small valid and near-valid inputs in
 * each target's input format (see the head of tests/fuzz/fuzz_*.c), model files by nn_model_save.
 *   build/fuzz/make_corpus tests/fuzz/corpus     (the directories idx/ model/ ... must exist)
 * The output is the same on every run: the committed corpus can always be regenerated. */
#include "nn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *root;
static int failures;

static void put(const char *target, const char *name, const uint8_t *p, size_t n) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s/%s", root, target, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "make_corpus: cannot write %s\n", path);
        failures++;
    }
}

static void be32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8),
    p[3] = (uint8_t)v;
}
static void le32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

/* ---- idx: [classes - 1] [u32 LE images length] images labels ---- */

static size_t idx_file(uint8_t *p, int ndim, const uint32_t *dims, const uint8_t *data) {
    p[0] = 0, p[1] = 0, p[2] = 8, p[3] = (uint8_t)ndim;
    size_t n = 1;
    for (int d = 0; d < ndim; d++) be32(p + 4 + 4 * d, dims[d]), n *= dims[d];
    if (data) memcpy(p + 4 + 4 * ndim, data, n);
    return 4 + 4 * (size_t)ndim + n;
}

static void idx_pair(const char *name, int classes, int n, int rows, int cols, int label_n,
                     void (*corrupt)(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll)) {
    static uint8_t buf[40000], im[20000], lb[512], px[20000], lab[256];
    for (int i = 0; i < n * rows * cols; i++) px[i] = (uint8_t)(i % 3 ? 0 : 37 * i);
    for (int i = 0; i < label_n; i++) lab[i] = (uint8_t)(i % classes);
    const uint32_t di[3] = {(uint32_t)n, (uint32_t)rows, (uint32_t)cols},
                   dl[1] = {(uint32_t)label_n};
    size_t il = idx_file(im, 3, di, px), ll = idx_file(lb, 1, dl, lab);
    if (corrupt) corrupt(im, &il, lb, &ll);
    buf[0] = (uint8_t)(classes - 1);
    le32(buf + 1, (uint32_t)il);
    memcpy(buf + 5, im, il), memcpy(buf + 5 + il, lb, ll);
    put("idx", name, buf, 5 + il + ll);
}

static void bad_label(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) { lb[*ll - 1] = 10; }
static void trailing(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) { lb[(*ll)++] = 0; }
static void truncated(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) { (*il)--; }
static void float_type(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) { im[2] = 0x0d; }
static void four_dims(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) { im[3] = 4; }
static void bad_magic(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) { lb[1] = 8; }
static void swapped(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) {
    static uint8_t t[20000];
    size_t n = *il;
    memcpy(t, im, n), memcpy(im, lb, *ll), memcpy(lb, t, n);
    *il = *ll, *ll = n;
}
static void overflow(uint8_t *im, size_t *il, uint8_t *lb, size_t *ll) {
    memset(im + 4, 0xff, 12);
    *il = 16;
}

static void idx_seeds(void) {
    idx_pair("valid-3x2x2", 10, 3, 2, 2, 3, NULL);
    idx_pair("valid-2x28x28", 10, 2, 28, 28, 2, NULL);
    idx_pair("valid-5x1x7-classes-2", 2, 5, 1, 7, 5, NULL);
    idx_pair("count-mismatch", 10, 3, 2, 2, 4, NULL);
    idx_pair("label-10", 10, 3, 2, 2, 3, bad_label);
    idx_pair("trailing", 10, 3, 2, 2, 3, trailing);
    idx_pair("truncated", 10, 3, 2, 2, 3, truncated);
    idx_pair("type-float", 10, 3, 2, 2, 3, float_type);
    idx_pair("four-dims", 10, 3, 2, 2, 3, four_dims);
    idx_pair("magic", 10, 3, 2, 2, 3, bad_magic);
    idx_pair("swapped", 10, 3, 2, 2, 3, swapped);
    idx_pair("overflow", 10, 3, 2, 2, 3, overflow);
    idx_pair("too-wide-130x130", 10, 1, 130, 130, 1, NULL); /* more pixels than NN_MAX_UNITS */
}

/* ---- model: model files as nn_model_save writes them (version 2), and version-1 files as the
 * first release wrote them ---- */

/* The version-1 bytes of a dense network (nn_model_save writes version 2). */
static size_t write_v1(const nn_net *netc, uint8_t *p) {
    nn_net *net = (nn_net *)netc;
    int L = nn_net_layers(net);
    size_t np = nn_net_param_count(net), n = 12 + 4 * (size_t)(2 * L + 1) + 4 * np + 4;
    uint8_t *q = p + 12;
    memcpy(p, "NNMF", 4), le32(p + 4, 1), le32(p + 8, (uint32_t)L);
    for (int i = 0; i <= L; i++, q += 4) le32(q, (uint32_t)nn_net_size(net, i));
    for (int l = 0; l < L; l++, q += 4) le32(q, (uint32_t)nn_net_activation(net, l));
    const float *w = nn_net_params(net);
    for (size_t i = 0; i < np; i++, q += 4) {
        uint32_t u;
        memcpy(&u, &w[i], 4);
        le32(q, u);
    }
    return n;
}

static void refresh_crc(uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i + 4 < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    le32(p + n - 4, ~c);
}

static void model_put(const char *name, nn_net *net, int v1, void (*corrupt)(uint8_t *, size_t *)) {
    size_t n = nn_model_size(net) + 64, written = 0;
    uint8_t *p = malloc(n + 8);
    if (p && v1) written = write_v1(net, p), refresh_crc(p, written);
    else if (p && nn_model_save(net, p, n, &written) != NN_OK) written = 0;
    if (written) {
        if (corrupt) corrupt(p, &written);
        put("model", name, p, written);
    }
    free(p);
}

static void model_seed(const char *name, int L, const int *sizes, const nn_activation *acts, int v1,
                       void (*corrupt)(uint8_t *p, size_t *n)) {
    nn_net *net = NULL;
    if (nn_net_create(&net, L, sizes, acts, 11) != NN_OK) {
        fprintf(stderr, "make_corpus: cannot create the network of %s\n", name);
        failures++;
        return;
    }
    model_put(name, net, v1, corrupt);
    nn_net_free(net);
}

static void conv_seed(const char *name, nn_shape in, int L, const nn_layer_spec *specs,
                      void (*corrupt)(uint8_t *p, size_t *n)) {
    nn_net *net = NULL;
    if (nn_net_create_layers(&net, in, L, specs, 11) != NN_OK) {
        fprintf(stderr, "make_corpus: cannot create the network of %s\n", name);
        failures++;
        return;
    }
    model_put(name, net, 0, corrupt);
    nn_net_free(net);
}

static void version_3(uint8_t *p, size_t *n) { le32(p + 4, 3); }
static void model_magic(uint8_t *p, size_t *n) { p[3] = 'G'; }
static void model_trailing(uint8_t *p, size_t *n) { p[(*n)++] = 0; }
static void v1_softmax_hidden(uint8_t *p, size_t *n) {
    le32(p + 24, NN_ACT_SOFTMAX), refresh_crc(p, *n);
}
static void v1_zero_units(uint8_t *p, size_t *n) { le32(p + 16, 0), refresh_crc(p, *n); }
static void nan_weight(uint8_t *p, size_t *n) { le32(p + *n - 8, 0x7fc00000u), refresh_crc(p, *n); }
static void huge_weight(uint8_t *p, size_t *n) {
    le32(p + *n - 12, 0x7f000000u), refresh_crc(p, *n);
}
static void large_weight(uint8_t *p, size_t *n) { /* 1e37: finite, and below nn.h's bound */
    le32(p + *n - 12, 0x7cf0bdc2u), refresh_crc(p, *n);
}
static void flipped(uint8_t *p, size_t *n) { p[*n / 2] ^= 0x10; }
static void cut(uint8_t *p, size_t *n) { *n -= 9; }
/* version 2: the first layer's fields start at 28, 8 of them */
static void v2_kind_9(uint8_t *p, size_t *n) { le32(p + 28, 9), refresh_crc(p, *n); }
static void v2_softmax_conv(uint8_t *p, size_t *n) {
    le32(p + 28 + 4, NN_ACT_SOFTMAX), refresh_crc(p, *n);
}
static void v2_stride_0(uint8_t *p, size_t *n) { le32(p + 28 + 20, 0), refresh_crc(p, *n); }
static void v2_kernel_big(uint8_t *p, size_t *n) { le32(p + 28 + 12, 9), refresh_crc(p, *n); }
static void v2_rank_2(uint8_t *p, size_t *n) { le32(p + 8, 2), refresh_crc(p, *n); }

static void model_seeds(void) {
    const int s1[2] = {2, 2}, s2[3] = {4, 3, 2}, s3[4] = {3, 5, 4, 3}, s4[3] = {6, 4, 10};
    const nn_activation a3[3] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_SOFTMAX};
    const nn_activation a4[2] = {NN_ACT_LINEAR, NN_ACT_SOFTMAX};
    model_seed("v1-valid-2-2", 1, s1, NULL, 1, NULL);
    model_seed("v1-valid-4-3-2-relu", 2, s2, NULL, 1, NULL);
    model_seed("v1-valid-3-5-4-3-tanh-sigmoid", 3, s3, a3, 1, NULL);
    model_seed("v1-softmax-hidden", 2, s2, NULL, 1, v1_softmax_hidden);
    model_seed("v1-zero-units", 2, s2, NULL, 1, v1_zero_units);
    model_seed("v1-nan-weight", 2, s2, NULL, 1, nan_weight);
    model_seed("v1-truncated", 2, s2, NULL, 1, cut);
    model_seed("valid-2-2", 1, s1, NULL, 0, NULL);
    model_seed("valid-4-3-2-relu", 2, s2, NULL, 0, NULL);
    model_seed("valid-3-5-4-3-tanh-sigmoid", 3, s3, a3, 0, NULL);
    model_seed("valid-6-4-10-linear", 2, s4, a4, 0, NULL);
    model_seed("version-3", 2, s2, NULL, 0, version_3);
    model_seed("magic", 2, s2, NULL, 0, model_magic);
    model_seed("trailing", 2, s2, NULL, 0, model_trailing);
    model_seed("nan-weight", 2, s2, NULL, 0, nan_weight);
    model_seed("huge-weight", 2, s2, NULL, 0, huge_weight);
    model_seed("large-weight", 2, s2, NULL, 0, large_weight);
    model_seed("checksum", 2, s2, NULL, 0, flipped);
    model_seed("truncated", 2, s2, NULL, 0, cut);
    const nn_shape in5 = {3, 5, 4, 1}, in6 = {3, 6, 5, 2};
    const nn_layer_spec c1[] = {
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_RELU, .units = 3, .kh = 3, .kw = 2},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 2},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 3}};
    const nn_layer_spec c2[] = {
        {.kind = NN_LAYER_CONV2D,
         .act = NN_ACT_TANH,
         .units = 2,
         .kh = 2,
         .kw = 3,
         .sh = 2,
         .sw = 1,
         .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_CONV2D, .act = NN_ACT_LINEAR, .units = 3, .kh = 1, .kw = 1},
        {.kind = NN_LAYER_MAXPOOL2D, .kh = 2, .kw = 3, .sh = 1, .sw = 2, .padding = NN_PAD_SAME},
        {.kind = NN_LAYER_FLATTEN},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SIGMOID, .units = 4},
        {.kind = NN_LAYER_DENSE, .act = NN_ACT_SOFTMAX, .units = 2}};
    conv_seed("conv-pool-dense", in5, 4, c1, NULL);
    conv_seed("conv-same-strides", in6, 6, c2, NULL);
    conv_seed("conv-kind-9", in5, 4, c1, v2_kind_9);
    conv_seed("conv-softmax", in5, 4, c1, v2_softmax_conv);
    conv_seed("conv-stride-0", in5, 4, c1, v2_stride_0);
    conv_seed("conv-kernel-9", in5, 4, c1, v2_kernel_big);
    conv_seed("conv-rank-2", in5, 4, c1, v2_rank_2);
    conv_seed("conv-nan-weight", in6, 6, c2, nan_weight);
    conv_seed("conv-truncated", in6, 6, c2, cut);
}

/* ---- preprocess: flags, u32 width, u32 height, tile width, pixels ---- */

static void pre_seed(const char *name, uint8_t flags, uint32_t w, uint32_t h, uint8_t tw,
                     const uint8_t *px, size_t n) {
    uint8_t buf[1024];
    buf[0] = flags;
    le32(buf + 1, w), le32(buf + 5, h);
    buf[9] = tw;
    memcpy(buf + 10, px, n);
    put("preprocess", name, buf, 10 + n);
}

enum {
    GRAY = 0,
    RGBA = 1,
    REPEAT = 0 << 1,
    TILE = 1 << 1,
    SCALE = 2 << 1,
    SMALL = 0 << 3,
    THIN = 3 << 3,
    ONE_BY_N = 4 << 3,
    N_BY_ONE = 5 << 3,
    SIZE300 = 6 << 3,
    RAW = 7 << 3,
    ALSO_RGBA = 64
};

static void preprocess_seeds(void) {
    /* a "7" on an 8x8 tile, dark on white, scaled to 120x90 (the size field is % 300, less 1) */
    static const char *seven[8] = {"........", ".######.", "......#.", ".....#..",
                                   "....#...", "...#....", "...#....", "........"};
    uint8_t g[64], rgba[256], inv[64];
    for (int i = 0; i < 64; i++) {
        g[i] = seven[i / 8][i % 8] == '#' ? 20 : 235;
        inv[i] = (uint8_t)(255 - g[i]);
        int ink = g[i] < 128;
        rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = 0;
        rgba[4 * i + 3] = ink ? 255 : 0; /* strokes on a transparent canvas */
    }
    pre_seed("seven-gray-120x90", GRAY | SCALE | SIZE300 | ALSO_RGBA, 119, 89, 8, g, 64);
    pre_seed("seven-light-on-dark", GRAY | SCALE | SIZE300, 59, 59, 8, inv, 64);
    pre_seed("seven-rgba-transparent", RGBA | SCALE | SIZE300, 99, 99, 8, rgba, 256);
    pre_seed("seven-small-tiled", GRAY | TILE | SMALL, 13, 15, 8, g, 64);
    pre_seed("seven-16x16", GRAY | SCALE | SMALL | ALSO_RGBA, 15, 15, 8, g, 64);
    pre_seed("seven-rgba-12x14", RGBA | SCALE | SMALL, 11, 13, 8, rgba, 256);
    pre_seed("seven-thin-200x6", GRAY | SCALE | THIN, 199, 5, 8, g, 64);
    const uint8_t white[1] = {255}, black[1] = {0}, clear[4] = {9, 200, 40, 0};
    pre_seed("all-white", GRAY | REPEAT | SIZE300, 99, 99, 1, white, 1);
    pre_seed("all-black", GRAY | REPEAT | SIZE300, 99, 99, 1, black, 1);
    pre_seed("transparent", RGBA | REPEAT | SIZE300, 49, 49, 1, clear, 4);
    pre_seed("1x1", GRAY | REPEAT | SMALL, 0, 0, 1, black, 1);
    pre_seed("1x1-white", GRAY | REPEAT | SMALL, 16, 16, 1, white, 1);
    const uint8_t stripe[6] = {255, 255, 0, 0, 255, 255};
    pre_seed("1xN", GRAY | REPEAT | ONE_BY_N, 0, 999, 1, stripe, 6);
    pre_seed("Nx1", GRAY | REPEAT | N_BY_ONE, 2047, 0, 1, stripe, 6);
    pre_seed("16385x1", GRAY | REPEAT | N_BY_ONE, 0x8000 + 4, 0, 1, stripe, 6);
    pre_seed("0x0", GRAY | RAW, 0, 0, 1, black, 1);
    pre_seed("10000x10000", RGBA | RAW, 10000, 10000, 1, black, 1);
    pre_seed("negative", GRAY | RAW, 0xffffffffu, 5, 1, black, 1);
    pre_seed("1x16385", GRAY | RAW, 1, 16385, 1, black, 1);
}

/* ---- train: which options are fuzzed, then their fields (see fuzz_train.c) ---- */

static void train_seed_arch(const char *name, uint8_t pick, int opt, float lr, float eps, int batch,
                            int limit, uint8_t conv, uint8_t filters, uint8_t kernel,
                            uint8_t geometry) {
    uint8_t buf[53] = {0};
    buf[0] = pick;
    buf[1] = (uint8_t)(opt + 1);
    memcpy(buf + 2, &lr, 4);
    const float rho = 0.9f, mom = 0.9f, b1 = 0.9f, b2 = 0.999f;
    memcpy(buf + 6, &rho, 4), memcpy(buf + 10, &mom, 4), memcpy(buf + 14, &b1, 4);
    memcpy(buf + 18, &b2, 4), memcpy(buf + 22, &eps, 4);
    le32(buf + 26, (uint32_t)(batch + 1)), le32(buf + 30, (uint32_t)(limit + 1));
    buf[34] = 1, buf[35] = 2; /* sparse auto, 1 thread */
    buf[44] = 7, buf[45] = NN_ACT_RELU, buf[46] = 3, buf[47] = 8, buf[48] = 1;
    buf[49] = conv, buf[50] = filters, buf[51] = kernel, buf[52] = geometry;
    put("train", name, buf, conv ? sizeof buf : 49);
}

static void train_seed(const char *name, uint8_t pick, int opt, float lr, float eps, int batch,
                       int limit) {
    train_seed_arch(name, pick, opt, lr, eps, batch, limit, 0, 0, 0, 0);
}

static void train_seeds(void) {
    train_seed("defaults", 0, 0, 0, 1e-7f, 4, 0);
    train_seed("sgd-two-layers", 0xff, NN_OPT_SGD, 0.1f, 1e-7f, 5, 0);
    train_seed("adam-limit", 0xff, NN_OPT_ADAM, 0.01f, 1e-7f, 3, 10);
    train_seed("sgd-diverges", 0xff, NN_OPT_SGD, 1e30f, 1e-7f, 8, 0);
    train_seed("batch-0", 0xff, NN_OPT_RMSPROP, 0.001f, 1e-7f, 0, 0);
    train_seed("batch-above-data", 0xff, NN_OPT_RMSPROP, 0.001f, 1e-7f, 25, 0);
    train_seed("lr-negative", 0xff, NN_OPT_RMSPROP, -0.5f, 1e-7f, 4, 0);
    uint32_t nan_bits = 0x7fc00000u;
    float nan;
    memcpy(&nan, &nan_bits, 4);
    train_seed("lr-nan", 0xff, NN_OPT_ADAM, nan, 1e-7f, 4, 0);
    train_seed("epsilon-0", 0xff, NN_OPT_ADAM, 0.001f, 0.0f, 4, 0);
    /* byte 52: bit 0 'same', bit 1 a pooling layer, bit 2 stride 2, bit 3 pool 2, bits 4+ kw */
    train_seed_arch("conv-valid-pool", 0xff, NN_OPT_RMSPROP, 0.01f, 1e-7f, 4, 0, 1, 3, 1, 0x02);
    train_seed_arch("conv-same-stride", 0xff, NN_OPT_ADAM, 0.01f, 1e-7f, 5, 0, 1, 4, 2, 0x1d);
    train_seed_arch("conv-diverges", 0xff, NN_OPT_SGD, 1e30f, 1e-7f, 8, 0, 1, 2, 2, 0x0a);
}

int main(int argc, char **argv) {
    if (argc != 2) {
        fprintf(stderr, "usage: make_corpus DIR   (DIR holds idx/ model/ preprocess/ train/)\n");
        return 2;
    }
    root = argv[1];
    idx_seeds();
    model_seeds();
    preprocess_seeds();
    train_seeds();
    return failures ? 1 : 0;
}
