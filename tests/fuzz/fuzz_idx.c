/* fuzz_idx.c: nn_idx_parse and nn_dataset_create on fuzzed bytes.
 * Input: byte 0 is the class count minus 1 (1..256), bytes 1-4 (u32 LE, modulo what follows) the
 * length of the images file; after byte 4 come the images file, then the labels file.
 * Properties: the parser agrees with an independent reading of the header; a dataset is made
 * exactly when the files satisfy what nn.h promises, each refusal names a real fault, failures
 * leave the buffers to the caller, and a small dataset can be evaluated and trained on. */
#include "fuzz.h"

/* The status nn_idx_parse must return, from nn.h's description, with sizes in 64 bits.
 * *early_overflow: a zero dimension follows a prefix whose product already overflows, which
 * the parser may call an overflow although the whole product is 0 (the file is then empty). */
static int idx_expected(const uint8_t *b, size_t len, uint64_t *size, int *early_overflow) {
    *size = 0, *early_overflow = 0;
    if ((len > 0 && b[0] != 0) || (len > 1 && b[1] != 0)) return NN_ERR_IDX_MAGIC;
    if (len < 4) return NN_ERR_IDX_TRUNCATED;
    if (b[2] != 0x08) return NN_ERR_IDX_TYPE;
    if (b[3] < 1 || b[3] > 3) return NN_ERR_IDX_NDIM;
    size_t header = 4 + 4 * (size_t)b[3];
    if (len < header) return NN_ERR_IDX_TRUNCATED;
    const uint64_t limit = (uint64_t)(SIZE_MAX - header);
    uint64_t s = 1;
    int over = 0, zero = 0;
    for (int d = 0; d < b[3]; d++) {
        uint64_t dim = (uint64_t)b[4 + 4 * d] << 24 | (uint64_t)b[5 + 4 * d] << 16 |
                       (uint64_t)b[6 + 4 * d] << 8 | b[7 + 4 * d];
        if (dim == 0) {
            *early_overflow |= over;
            zero = 1;
        } else if (!over && s > limit / dim) {
            over = 1;
        } else if (!over) {
            s *= dim;
        }
    }
    if (zero) s = 0;
    else if (over) return NN_ERR_IDX_OVERFLOW;
    *size = s;
    if (len - header < s) return NN_ERR_IDX_TRUNCATED;
    if (len - header > s) return NN_ERR_IDX_TRAILING;
    return NN_OK;
}

static nn_idx idx_check_parse(const uint8_t *b, size_t len, int *status) {
    nn_idx idx;
    memset(&idx, 0, sizeof idx);
    uint64_t size;
    int early;
    int st = nn_idx_parse(b, len, &idx), want = idx_expected(b, len, &size, &early);
    FUZZ_CHECK(st == want || (early && st == NN_ERR_IDX_OVERFLOW));
    if (st == NN_OK) {
        FUZZ_CHECK(idx.ndim == b[3] && idx.data == b + 4 + 4 * idx.ndim);
        FUZZ_CHECK(idx.size == len - 4 - 4 * (size_t)idx.ndim && idx.size == size);
        for (int d = idx.ndim; d < 3; d++) FUZZ_CHECK(idx.dims[d] == 1);
    }
    *status = st;
    return idx;
}

/* Trains one batch and evaluates a tiny network on a dataset of small images. */
static void idx_use(nn_dataset *ds) {
    int in = nn_dataset_rows(ds) * nn_dataset_cols(ds), count = nn_dataset_count(ds);
    if (in > 64 || count > 256) return;
    int sizes[3] = {in, 3, nn_dataset_classes(ds)};
    nn_net *net = NULL;
    FUZZ_CHECK(nn_net_create(&net, 2, sizes, NULL, 7) == NN_OK);
    if (!net) return;
    nn_eval ev;
    uint8_t predicted[256];
    float confidence[256];
    FUZZ_CHECK(nn_evaluate(net, ds, 0, 0, &ev, predicted, confidence) == NN_OK);
    FUZZ_CHECK(ev.count == count && ev.correct >= 0 && ev.correct <= count);
    FUZZ_CHECK(isfinite(ev.loss) && ev.loss >= 0 && ev.accuracy >= 0 && ev.accuracy <= 1);
    for (int i = 0; i < count; i++)
        FUZZ_CHECK(predicted[i] < sizes[2] && confidence[i] > 0 && confidence[i] <= 1);
    nn_train_options o = nn_train_defaults();
    o.batch_size = count < 8 ? count : 8;
    nn_trainer *tr = NULL;
    FUZZ_CHECK(nn_trainer_create(&tr, net, ds, &o) == NN_OK);
    nn_progress p;
    if (tr) FUZZ_CHECK(nn_train(tr, 2, &p) == NN_OK && isfinite(p.loss));
    nn_trainer_free(tr);
    nn_net_free(net);
}

static int fuzz_idx(const uint8_t *data, size_t size) {
    int classes = (int)fuzz_u8(data, size, 0) + 1;
    size_t rest = size > 5 ? size - 5 : 0;
    size_t il = fuzz_u32(data, size, 1) % (rest + 1), ll = rest - il;
    uint8_t *im = fuzz_copy(data + 5, il), *lb = fuzz_copy(data + 5 + il, ll);
    if (!im || !lb) {
        free(im), free(lb);
        return NN_ERR_NOMEM;
    }
    int sti, stl;
    nn_idx xi = idx_check_parse(im, il, &sti), xl = idx_check_parse(lb, ll, &stl);

    nn_dataset *ds = (nn_dataset *)im; /* not NULL: a failure must set NULL */
    int st = nn_dataset_create(&ds, im, il, lb, ll, classes);
    if (classes < 2) {
        FUZZ_CHECK(st == NN_ERR_ARG);
    } else if (sti != NN_OK || stl != NN_OK) {
        FUZZ_CHECK(st == (sti != NN_OK ? sti : stl));
    } else if (xi.ndim != 3 || xl.ndim != 1) {
        FUZZ_CHECK(st == NN_ERR_IDX_KIND);
    } else {
        uint32_t n = xi.dims[0];
        uint64_t pixels = (uint64_t)xi.dims[1] * xi.dims[2];
        int bad_label = 0;
        for (size_t i = 0; i < xl.size; i++) bad_label |= xl.data[i] >= classes;
        if (n != xl.dims[0] || n == 0) FUZZ_CHECK(st == NN_ERR_IDX_COUNT);
        else if (n > INT32_MAX || pixels == 0 || pixels > NN_MAX_UNITS)
            FUZZ_CHECK(st == NN_ERR_INPUT_SIZE);
        else FUZZ_CHECK(st == (bad_label ? NN_ERR_IDX_LABEL : NN_OK));
    }
    if (st != NN_OK) {
        FUZZ_CHECK(ds == NULL);
        free(im), free(lb); /* still ours: AddressSanitizer sees a double free if not */
        return st;
    }
    FUZZ_CHECK(ds != NULL);
    FUZZ_CHECK(nn_dataset_count(ds) == (int)xi.dims[0] && nn_dataset_rows(ds) == (int)xi.dims[1]);
    FUZZ_CHECK(nn_dataset_cols(ds) == (int)xi.dims[2] && nn_dataset_classes(ds) == classes);
    FUZZ_CHECK(nn_dataset_pixels(ds) == im + 16 && nn_dataset_labels(ds) == lb + 8);
    double zf = nn_dataset_zero_fraction(ds);
    FUZZ_CHECK(zf >= 0 && zf <= 1);
    idx_use(ds);
    nn_dataset_free(ds); /* frees im and lb */
    return st;
}

FUZZ_ENTRY(fuzz_idx)
