/* test_idx.c: the IDX parser and datasets against well-formed files and files corrupted in every
 * field: magic, type, dimension count, dimensions that overflow, truncation, trailing bytes,
 * count mismatch, labels out of range, the wrong kind of file. */
#include "check.h"
#include "nn.h"

#include <stdlib.h>
#include <string.h>

static size_t make_idx(uint8_t *buf, int ndim, const uint32_t *dims, uint8_t fill) {
    buf[0] = 0, buf[1] = 0, buf[2] = 8, buf[3] = (uint8_t)ndim;
    size_t size = 1;
    for (int d = 0; d < ndim; d++) {
        buf[4 + 4 * d] = (uint8_t)(dims[d] >> 24), buf[5 + 4 * d] = (uint8_t)(dims[d] >> 16);
        buf[6 + 4 * d] = (uint8_t)(dims[d] >> 8), buf[7 + 4 * d] = (uint8_t)dims[d];
        size *= dims[d];
    }
    memset(buf + 4 + 4 * ndim, fill, size);
    return 4 + 4 * (size_t)ndim + size;
}

static void parser(void) {
    uint8_t buf[4096];
    nn_idx idx;
    const uint32_t d3[3] = {5, 4, 3};
    size_t len = make_idx(buf, 3, d3, 7);
    CHECK_STATUS(nn_idx_parse(buf, len, &idx), NN_OK);
    CHECK(idx.ndim == 3 && idx.dims[0] == 5 && idx.dims[1] == 4 && idx.dims[2] == 3);
    CHECK(idx.size == 60 && idx.data == buf + 16 && idx.data[59] == 7);

    uint8_t bad[4096];
    memcpy(bad, buf, len), bad[0] = 1;
    CHECK_STATUS(nn_idx_parse(bad, len, &idx), NN_ERR_IDX_MAGIC);
    memcpy(bad, buf, len), bad[1] = 0x08;
    CHECK_STATUS(nn_idx_parse(bad, len, &idx), NN_ERR_IDX_MAGIC);
    memcpy(bad, buf, len), bad[2] = 0x0d; /* float IDX */
    CHECK_STATUS(nn_idx_parse(bad, len, &idx), NN_ERR_IDX_TYPE);
    memcpy(bad, buf, len), bad[3] = 0;
    CHECK_STATUS(nn_idx_parse(bad, len, &idx), NN_ERR_IDX_NDIM);
    memcpy(bad, buf, len), bad[3] = 4;
    CHECK_STATUS(nn_idx_parse(bad, len, &idx), NN_ERR_IDX_NDIM);
    for (size_t cut = 0; cut < len; cut++)
        CHECK(nn_idx_parse(buf, cut, &idx) == NN_ERR_IDX_TRUNCATED);
    CHECK_STATUS(nn_idx_parse(buf, len - 1, &idx), NN_ERR_IDX_TRUNCATED);
    memcpy(bad, buf, len), bad[len] = 0;
    CHECK_STATUS(nn_idx_parse(bad, len + 1, &idx), NN_ERR_IDX_TRAILING);
    /* 0xffffffff^3 overflows 64 bits; 0x10000 * 0x10000 * 0x10000 too */
    const uint32_t huge[3] = {0xffffffffu, 0xffffffffu, 0xffffffffu};
    make_idx(bad, 0, NULL, 0);
    bad[3] = 3;
    for (int d = 0; d < 3; d++) memset(bad + 4 + 4 * d, 0xff, 4);
    CHECK_STATUS(nn_idx_parse(bad, 16, &idx), NN_ERR_IDX_OVERFLOW);
    (void)huge;
    const uint32_t big[3] = {0x10000u, 0x10000u, 0x10000u};
    for (int d = 0; d < 3; d++) {
        bad[4 + 4 * d] = (uint8_t)(big[d] >> 24), bad[5 + 4 * d] = (uint8_t)(big[d] >> 16);
        bad[6 + 4 * d] = (uint8_t)(big[d] >> 8), bad[7 + 4 * d] = (uint8_t)big[d];
    }
    int st = nn_idx_parse(bad, 16, &idx);
    CHECK(st == NN_ERR_IDX_OVERFLOW || (sizeof(size_t) > 4 && st == NN_ERR_IDX_TRUNCATED));
    /* a zero dimension is a valid empty file */
    const uint32_t zero[1] = {0};
    len = make_idx(bad, 1, zero, 0);
    CHECK_STATUS(nn_idx_parse(bad, len, &idx), NN_OK);
    CHECK(idx.size == 0);
    CHECK_STATUS(nn_idx_parse(NULL, 0, &idx), NN_ERR_ARG);
    CHECK(strstr(nn_status_str(NN_ERR_IDX_MAGIC), "IDX") != NULL);
    CHECK(strcmp(nn_status_str(NN_ERR_IDX_TYPE), nn_status_str(NN_ERR_IDX_MAGIC)) != 0);
    CHECK(strcmp(nn_status_str(-9999), "unknown status") == 0);
}

/* Images and labels as malloc'ed IDX files: n images of r x c, labels i % 10. */
static void make_set(uint8_t **im, size_t *il, uint8_t **lb, size_t *ll, int n, int r, int c,
                     int nl) {
    const uint32_t di[3] = {(uint32_t)n, (uint32_t)r, (uint32_t)c}, dl[1] = {(uint32_t)nl};
    *im = malloc(16 + (size_t)n * r * c + 1);
    *lb = malloc(8 + (size_t)nl + 1);
    *il = make_idx(*im, 3, di, 0);
    for (size_t i = 0; i < (size_t)n * r * c; i++) (*im)[16 + i] = (uint8_t)(i % 5 ? 0 : i);
    *ll = make_idx(*lb, 1, dl, 0);
    for (int i = 0; i < nl; i++) (*lb)[8 + i] = (uint8_t)(i % 10);
}

static void datasets(void) {
    uint8_t *im, *lb;
    size_t il, ll;
    nn_dataset *ds = (nn_dataset *)&il; /* not NULL: a failed create must set NULL */
    make_set(&im, &il, &lb, &ll, 20, 28, 28, 20);
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll, 10), NN_OK);
    CHECK(nn_dataset_count(ds) == 20 && nn_dataset_rows(ds) == 28 && nn_dataset_cols(ds) == 28);
    CHECK(nn_dataset_labels(ds)[13] == 3 && nn_dataset_pixels(ds) == im + 16);
    CHECK(nn_dataset_zero_fraction(ds) > 0.7 && nn_dataset_zero_fraction(ds) < 0.9);
    nn_dataset_free(ds);
    nn_dataset_free(NULL);

    /* failures leave the buffers to the caller (freed here, so ASan sees any double free) */
    make_set(&im, &il, &lb, &ll, 20, 28, 28, 19);
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll, 10), NN_ERR_IDX_COUNT);
    CHECK(ds == NULL);
    free(im), free(lb);
    make_set(&im, &il, &lb, &ll, 20, 28, 28, 20);
    lb[8 + 5] = 10;
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll, 10), NN_ERR_IDX_LABEL);
    CHECK_STATUS(nn_dataset_create(&ds, lb, ll, im, il, 10), NN_ERR_IDX_KIND); /* swapped */
    CHECK_STATUS(nn_dataset_create(&ds, im, il - 1, lb, ll, 10), NN_ERR_IDX_TRUNCATED);
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll - 1, 10), NN_ERR_IDX_TRUNCATED);
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll, 1), NN_ERR_ARG);
    free(im), free(lb);
    make_set(&im, &il, &lb, &ll, 0, 28, 28, 0);
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll, 10), NN_ERR_IDX_COUNT);
    free(im), free(lb);
    make_set(&im, &il, &lb, &ll, 2, 200, 200, 2); /* 40000 pixels: wider than any network */
    CHECK_STATUS(nn_dataset_create(&ds, im, il, lb, ll, 10), NN_ERR_INPUT_SIZE);
    free(im), free(lb);
}

int main(void) {
    parser();
    datasets();
    return check_failures("test_idx");
}
