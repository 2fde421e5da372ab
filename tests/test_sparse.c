/* test_sparse.c: the sparse-input products against the dense kernels, bit for bit, on batches
 * with few, many, no and all non-zeros, at awkward widths; the SIMD twins against the scalar
 * ones in the wasm build; and a short training run both ways giving identical weights. */
#include "check.h"
#include "internal.h"
#include "kernels.h"
#include "sparse.h"

#include <stdlib.h>
#include <string.h>

static void compare(int count, int B, int k, int n, int density_pct, nn_rng *rng) {
    uint8_t *pixels = malloc((size_t)count * k);
    uint32_t *idx = malloc((size_t)B * sizeof(uint32_t));
    for (size_t i = 0; i < (size_t)count * k; i++)
        pixels[i] = (int)nn_rng_below(rng, 100) < density_pct
                        ? (uint8_t)(1 + nn_rng_below(rng, 255))
                        : 0;
    for (int r = 0; r < B; r++) idx[r] = nn_rng_below(rng, (uint32_t)count);
    float *x = malloc((size_t)B * k * sizeof(float)), *w = malloc((size_t)k * n * sizeof(float));
    float *dy = malloc((size_t)B * n * sizeof(float));
    float *y1 = malloc((size_t)B * n * sizeof(float)), *y2 = malloc((size_t)B * n * sizeof(float));
    float *y3 = malloc((size_t)B * n * sizeof(float));
    float *g1 = malloc((size_t)k * n * sizeof(float)), *g2 = malloc((size_t)k * n * sizeof(float));
    float *g3 = malloc((size_t)k * n * sizeof(float));
    for (int r = 0; r < B; r++)
        for (int i = 0; i < k; i++)
            x[(size_t)r * k + i] = nn_u8_scale[pixels[(size_t)idx[r] * k + i]];
    for (size_t i = 0; i < (size_t)k * n; i++) w[i] = nn_rng_uniform(rng) - 0.5f;
    for (size_t i = 0; i < (size_t)B * n; i++) dy[i] = nn_rng_uniform(rng) - 0.5f;
    sparse_batch sb;
    CHECK_STATUS(sparse_batch_alloc(&sb, B, k), NN_OK);
    float *scratch = malloc(SPARSE_SCRATCH(B, k) * sizeof(float));
    /* built in three ranges of samples and of pixels, as three threads would */
    sb.nnz = sparse_batch_build(&sb, pixels, idx, B, k, nn_u8_scale, 0, B / 3, 0, k / 3) +
             sparse_batch_build(&sb, pixels, idx, B, k, nn_u8_scale, B / 3, B / 2, k / 3, k / 2) +
             sparse_batch_build(&sb, pixels, idx, B, k, nn_u8_scale, B / 2, B, k / 2, k);
    sb.B = B;
    int nnz = 0;
    for (size_t i = 0; i < (size_t)B * k; i++) nnz += x[i] != 0.0f;
    CHECK(sb.nnz == nnz);
    mm_nn(y1, x, w, B, k, n);
    sparse_mm_nn(y2, &sb, w, n, 0, n, scratch);
    sparse_mm_nn_scalar(y3, &sb, w, n, 0, n, scratch);
    CHECK(memcmp(y1, y2, (size_t)B * n * sizeof(float)) == 0);
    CHECK(memcmp(y1, y3, (size_t)B * n * sizeof(float)) == 0);
    mm_tn(g1, x, k, dy, k, B, n);
    memset(g2, 0xff, (size_t)k * n * sizeof(float)); /* every row written, absent pixels too */
    sparse_mm_tn(g2, &sb, dy, n, 0, n, scratch);
    sparse_mm_tn_scalar(g3, &sb, dy, n, 0, n, scratch);
    CHECK(memcmp(g1, g2, (size_t)k * n * sizeof(float)) == 0);
    CHECK(memcmp(g1, g3, (size_t)k * n * sizeof(float)) == 0);
    /* in two column ranges, as two threads would (the first a multiple of 4) */
    int half = n / 8 * 4;
    memset(y2, 0xff, (size_t)B * n * sizeof(float));
    sparse_mm_nn(y2, &sb, w, n, 0, half, scratch);
    sparse_mm_nn(y2, &sb, w, n, half, n, scratch);
    CHECK(memcmp(y1, y2, (size_t)B * n * sizeof(float)) == 0);
    memset(g2, 0xff, (size_t)k * n * sizeof(float));
    sparse_mm_tn(g2, &sb, dy, n, 0, half, scratch);
    sparse_mm_tn(g2, &sb, dy, n, half, n, scratch);
    CHECK(memcmp(g1, g2, (size_t)k * n * sizeof(float)) == 0);
    sparse_batch_release(&sb);
    free(scratch);
    free(pixels), free(idx), free(x), free(w), free(dy), free(y1), free(y2), free(y3);
    free(g1), free(g2), free(g3);
}

/* Trains 300 batches of MNIST-like sparse images with the sparse path forced on, then off. */
static void training_both_ways(void) {
    const int n = 700, k = 49;
    uint8_t *im = malloc(16 + (size_t)n * k), *lb = malloc(8 + (size_t)n);
    uint8_t hi[16] = {0, 0, 8, 3, 0, 0, n >> 8, n & 255, 0, 0, 0, 7, 0, 0, 0, 7};
    uint8_t hl[8] = {0, 0, 8, 1, 0, 0, n >> 8, n & 255};
    memcpy(im, hi, 16), memcpy(lb, hl, 8);
    nn_rng rng;
    nn_rng_seed(&rng, 5, 5);
    for (int s = 0; s < n; s++) {
        int label = (int)nn_rng_below(&rng, 10);
        lb[8 + s] = (uint8_t)label;
        for (int i = 0; i < k; i++)
            im[16 + s * k + i] = (i % 10 == label || nn_rng_below(&rng, 10) == 0)
                                     ? (uint8_t)(128 + nn_rng_below(&rng, 128))
                                     : 0;
    }
    nn_dataset *ds = NULL;
    CHECK_STATUS(nn_dataset_create(&ds, im, 16 + (size_t)n * k, lb, 8 + (size_t)n, 10), NN_OK);
    float *params[2];
    int sparse_batches[2] = {0, 0};
    for (int run = 0; run < 2; run++) {
        const int sizes[3] = {k, 37, 10};
        nn_net *net = NULL;
        nn_trainer *tr = NULL;
        nn_train_options o = nn_train_defaults();
        o.batch_size = 16;
        o.seed = 3;
        o.sparse = run == 0 ? NN_SPARSE_ON : NN_SPARSE_OFF;
        CHECK_STATUS(nn_net_create(&net, 2, sizes, NULL, 3), NN_OK);
        CHECK_STATUS(nn_trainer_create(&tr, net, ds, &o), NN_OK);
        nn_progress p;
        for (int done = 0; done < 300; done += p.chunk_batches) {
            CHECK_STATUS(nn_train(tr, 300 - done > 10 ? 10 : 300 - done, &p), NN_OK);
            sparse_batches[run] += p.sparse_batches;
        }
        params[run] = malloc(net->n_params * sizeof(float));
        memcpy(params[run], net->params, net->n_params * sizeof(float));
        nn_trainer_free(tr);
        nn_net_free(net);
    }
    CHECK(sparse_batches[0] == 300 && sparse_batches[1] == 0);
    CHECK(memcmp(params[0], params[1], (49 * 37 + 37 + 37 * 10 + 10) * sizeof(float)) == 0);
    free(params[0]), free(params[1]);
    nn_dataset_free(ds);
}

int main(void) {
    nn_rng rng;
    nn_rng_seed(&rng, 9, 9);
    compare(50, 16, 784, 512, 19, &rng);
    compare(50, 128, 784, 512, 19, &rng);
    compare(30, 7, 13, 37, 30, &rng); /* widths not multiples of 4, 8, 16 or 32 */
    compare(30, 5, 21, 3, 50, &rng);
    compare(30, 9, 17, 45, 0, &rng);   /* no ink at all: zero outputs, zero gradients */
    compare(30, 9, 17, 45, 100, &rng); /* no zeros at all */
    training_both_ways();
    return check_failures("test_sparse");
}
