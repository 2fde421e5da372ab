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

/* ---- model: a model file as nn_model_save writes it ---- */

static void model_seed(const char *name, int L, const int *sizes, const nn_activation *acts,
                       void (*corrupt)(uint8_t *p, size_t *n)) {
    nn_net *net = NULL;
    if (nn_net_create(&net, L, sizes, acts, 11) != NN_OK) {
        fprintf(stderr, "make_corpus: cannot create the network of %s\n", name);
        failures++;
        return;
    }
    size_t n = nn_model_size(net), written = 0;
    uint8_t *p = malloc(n + 8);
    if (p && nn_model_save(net, p, n, &written) == NN_OK) {
        if (corrupt) corrupt(p, &written);
        put("model", name, p, written);
    }
    free(p);
    nn_net_free(net);
}

static void refresh_crc(uint8_t *p, size_t n) {
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i + 4 < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
    }
    le32(p + n - 4, ~c);
}

static void version2(uint8_t *p, size_t *n) { le32(p + 4, 2); }
static void model_magic(uint8_t *p, size_t *n) { p[3] = 'G'; }
static void model_trailing(uint8_t *p, size_t *n) { p[(*n)++] = 0; }
static void softmax_hidden(uint8_t *p, size_t *n) {
    le32(p + 24, NN_ACT_SOFTMAX), refresh_crc(p, *n);
}
static void zero_units(uint8_t *p, size_t *n) { le32(p + 16, 0), refresh_crc(p, *n); }
static void nan_weight(uint8_t *p, size_t *n) { le32(p + *n - 8, 0x7fc00000u), refresh_crc(p, *n); }
static void huge_weight(uint8_t *p, size_t *n) {
    le32(p + *n - 12, 0x7f000000u), refresh_crc(p, *n);
}
static void large_weight(uint8_t *p, size_t *n) { /* 1e37: finite, and below nn.h's bound */
    le32(p + *n - 12, 0x7cf0bdc2u), refresh_crc(p, *n);
}
static void flipped(uint8_t *p, size_t *n) { p[*n / 2] ^= 0x10; }
static void cut(uint8_t *p, size_t *n) { *n -= 9; }

static void model_seeds(void) {
    const int s1[2] = {2, 2}, s2[3] = {4, 3, 2}, s3[4] = {3, 5, 4, 3}, s4[3] = {6, 4, 10};
    const nn_activation a3[3] = {NN_ACT_TANH, NN_ACT_SIGMOID, NN_ACT_SOFTMAX};
    const nn_activation a4[2] = {NN_ACT_LINEAR, NN_ACT_SOFTMAX};
    model_seed("valid-2-2", 1, s1, NULL, NULL);
    model_seed("valid-4-3-2-relu", 2, s2, NULL, NULL);
    model_seed("valid-3-5-4-3-tanh-sigmoid", 3, s3, a3, NULL);
    model_seed("valid-6-4-10-linear", 2, s4, a4, NULL);
    model_seed("version-2", 2, s2, NULL, version2);
    model_seed("magic", 2, s2, NULL, model_magic);
    model_seed("trailing", 2, s2, NULL, model_trailing);
    model_seed("softmax-hidden", 2, s2, NULL, softmax_hidden);
    model_seed("zero-units", 2, s2, NULL, zero_units);
    model_seed("nan-weight", 2, s2, NULL, nan_weight);
    model_seed("huge-weight", 2, s2, NULL, huge_weight);
    model_seed("large-weight", 2, s2, NULL, large_weight);
    model_seed("checksum", 2, s2, NULL, flipped);
    model_seed("truncated", 2, s2, NULL, cut);
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

static void train_seed(const char *name, uint8_t pick, int opt, float lr, float eps, int batch,
                       int limit) {
    uint8_t buf[49] = {0};
    buf[0] = pick;
    buf[1] = (uint8_t)(opt + 1);
    memcpy(buf + 2, &lr, 4);
    const float rho = 0.9f, mom = 0.9f, b1 = 0.9f, b2 = 0.999f;
    memcpy(buf + 6, &rho, 4), memcpy(buf + 10, &mom, 4), memcpy(buf + 14, &b1, 4);
    memcpy(buf + 18, &b2, 4), memcpy(buf + 22, &eps, 4);
    le32(buf + 26, (uint32_t)(batch + 1)), le32(buf + 30, (uint32_t)(limit + 1));
    buf[34] = 1, buf[35] = 2; /* sparse auto, 1 thread */
    buf[44] = 7, buf[45] = NN_ACT_RELU, buf[46] = 3, buf[47] = 8, buf[48] = 1;
    put("train", name, buf, sizeof buf);
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
