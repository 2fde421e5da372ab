/* idx.c: LeCun's IDX format over a byte buffer, and datasets of images and labels kept as those
 * bytes. Everything read comes from outside: each field is checked before use, sizes before they
 * are multiplied, and every violation has its own status. */
#include "internal.h"

#include <stdlib.h>

static uint32_t be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

nn_status nn_idx_parse(const uint8_t *buf, size_t len, nn_idx *out) {
    if (!buf || !out) return NN_ERR_ARG;
    for (size_t i = 0; i < 2 && i < len; i++)
        if (buf[i] != 0) return NN_ERR_IDX_MAGIC;
    if (len < 4) return NN_ERR_IDX_TRUNCATED;
    if (buf[2] != 0x08) return NN_ERR_IDX_TYPE;
    int ndim = buf[3];
    if (ndim < 1 || ndim > 3) return NN_ERR_IDX_NDIM;
    size_t header = 4 + 4 * (size_t)ndim;
    if (len < header) return NN_ERR_IDX_TRUNCATED;
    size_t size = 1;
    for (int d = 0; d < ndim; d++) {
        uint32_t dim = be32(buf + 4 + 4 * d);
        out->dims[d] = dim;
        if (dim != 0 && size > (SIZE_MAX - header) / dim) return NN_ERR_IDX_OVERFLOW;
        size *= dim;
    }
    for (int d = ndim; d < 3; d++) out->dims[d] = 1;
    if (len - header < size) return NN_ERR_IDX_TRUNCATED;
    if (len - header > size) return NN_ERR_IDX_TRAILING;
    out->ndim = ndim;
    out->data = buf + header;
    out->size = size;
    return NN_OK;
}

nn_status nn_dataset_create(nn_dataset **out, uint8_t *images, size_t images_len, uint8_t *labels,
                            size_t labels_len, int num_classes) {
    if (!out || !images || !labels) return NN_ERR_ARG;
    *out = NULL;
    if (num_classes < 2 || num_classes > NN_MAX_CLASSES) return NN_ERR_ARG;
    nn_idx im, lb;
    nn_status st = nn_idx_parse(images, images_len, &im);
    if (st != NN_OK) return st;
    st = nn_idx_parse(labels, labels_len, &lb);
    if (st != NN_OK) return st;
    if (im.ndim != 3 || lb.ndim != 1) return NN_ERR_IDX_KIND;
    if (im.dims[0] != lb.dims[0] || im.dims[0] == 0) return NN_ERR_IDX_COUNT;
    if (im.dims[0] > INT32_MAX || im.dims[1] == 0 || im.dims[2] == 0 ||
        (uint64_t)im.dims[1] * im.dims[2] > NN_MAX_UNITS)
        return NN_ERR_INPUT_SIZE;
    for (size_t i = 0; i < lb.size; i++)
        if (lb.data[i] >= num_classes) return NN_ERR_IDX_LABEL;
    nn_dataset *ds = calloc(1, sizeof *ds);
    if (!ds) return NN_ERR_NOMEM;
    ds->image_buf = images;
    ds->label_buf = labels;
    ds->pixels = im.data;
    ds->labels = lb.data;
    ds->count = (int)im.dims[0];
    ds->rows = (int)im.dims[1];
    ds->cols = (int)im.dims[2];
    ds->classes = num_classes;
    *out = ds;
    return NN_OK;
}

void nn_dataset_free(nn_dataset *ds) {
    if (!ds) return;
    free(ds->image_buf);
    free(ds->label_buf);
    free(ds);
}

int nn_dataset_count(const nn_dataset *ds) { return ds ? ds->count : 0; }
int nn_dataset_rows(const nn_dataset *ds) { return ds ? ds->rows : 0; }
int nn_dataset_cols(const nn_dataset *ds) { return ds ? ds->cols : 0; }
int nn_dataset_classes(const nn_dataset *ds) { return ds ? ds->classes : 0; }
const uint8_t *nn_dataset_pixels(const nn_dataset *ds) { return ds ? ds->pixels : NULL; }
const uint8_t *nn_dataset_labels(const nn_dataset *ds) { return ds ? ds->labels : NULL; }

double nn_dataset_zero_fraction(const nn_dataset *ds) {
    if (!ds) return 0.0;
    size_t n = (size_t)ds->count * ds->rows * ds->cols, zeros = 0;
    for (size_t i = 0; i < n; i++) zeros += ds->pixels[i] == 0;
    return n ? (double)zeros / (double)n : 0.0;
}
