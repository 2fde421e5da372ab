/* fuzz_preprocess.c: nn_preprocess_gray and nn_preprocess_rgba on fuzzed sizes and pixels.
 * Input: byte 0 holds flags (bit 0 RGBA, bits 1-2 the fill, bits 3-5 the size mode, bit 6 also
 * run the gray image as opaque RGBA, bit 7 info NULL), bytes 1-8 two u32 for width and height,
 * byte 9 a tile width, the rest the pixels: repeated (fill 0), tiled (1), or a tile scaled up
 * to the image (2, 3).
 * Sizes: up to 16x16 in three size modes of eight (an image costs about its cell grid, up to
 * 32x32 cells: small images keep the executions fast), thin ones up to 300 long, up to 300x300,
 * 1xN and Nx1 up to 2048 and around NN_IMAGE_MAX_SIDE, and raw int32 values (0, negative, huge)
 * that must be refused before anything is read or allocated.
 * Properties: the only statuses are NN_OK, NN_ERR_NO_DIGIT and NN_ERR_IMAGE_SIZE (exactly for
 * the sizes nn.h refuses); on success 784 finite floats in [0,1] with some ink and an info that
 * lies inside the image; opaque RGBA gives the same bits as the same gray image. */
#include "fuzz.h"

/* Valid raw sizes of more pixels than PRE_MAX_PIXELS are skipped (a megapixel takes a good part
 * of a second under the sanitizers); slivers are 1 to PRE_MAX_SIDE long, or 16381 to 16388. */
enum { PRE_HEADER = 10, PRE_MAX_PIXELS = 300 * 300, PRE_MAX_SIDE = 2048 };

static int pre_size_ok(int64_t w, int64_t h) {
    return w >= 1 && h >= 1 && w <= NN_IMAGE_MAX_SIDE && h <= NN_IMAGE_MAX_SIDE &&
           w * h <= (int64_t)NN_IMAGE_MAX_PIXELS;
}

static void pre_check_result(int st, const float *out, const nn_preprocess_info *info, int w,
                             int h) {
    FUZZ_CHECK(st == NN_OK || st == NN_ERR_NO_DIGIT);
    if (st != NN_OK) return;
    float max = 0;
    for (int i = 0; i < 784; i++) {
        FUZZ_CHECK(isfinite(out[i]) && out[i] >= 0 && out[i] <= 1);
        if (out[i] > max) max = out[i];
    }
    FUZZ_CHECK(max > 0); /* NN_OK promises a digit: some ink */
    if (!info) return;
    FUZZ_CHECK(info->x0 >= 0 && info->x0 < info->x1 && info->x1 <= w);
    FUZZ_CHECK(info->y0 >= 0 && info->y0 < info->y1 && info->y1 <= h);
    FUZZ_CHECK(info->light_on_dark == 0 || info->light_on_dark == 1);
    FUZZ_CHECK(info->ink_fraction > 0 && info->ink_fraction <= 1);
    FUZZ_CHECK(info->com_x >= 0 && info->com_x <= 28 && info->com_y >= 0 && info->com_y <= 28);
}

static int fuzz_preprocess(const uint8_t *data, size_t size) {
    uint32_t flags = fuzz_u8(data, size, 0), a = fuzz_u32(data, size, 1),
             b = fuzz_u32(data, size, 5);
    int rgba = flags & 1, fill = (flags >> 1) & 3, mode = (flags >> 3) & 7;
    int also_rgba = !rgba && (flags & 64), with_info = !(flags & 128);
    int64_t w, h;
    switch (mode) {
    case 3: /* thin: cheap however long, since the cell grid is what costs */
        w = 1 + a % 300, h = 1 + b % 8;
        if (b & 0x100) w ^= h, h ^= w, w ^= h;
        break;
    case 4: w = 1, h = b & 0x8000 ? NN_IMAGE_MAX_SIDE - 3 + b % 8 : 1 + b % PRE_MAX_SIDE; break;
    case 5: w = a & 0x8000 ? NN_IMAGE_MAX_SIDE - 3 + a % 8 : 1 + a % PRE_MAX_SIDE, h = 1; break;
    case 6: w = 1 + a % 300, h = 1 + b % 300; break;
    case 7: w = (int32_t)a, h = (int32_t)b; break;
    default: w = 1 + a % 16, h = 1 + b % 16; break; /* small: most inputs, the fastest */
    }
    float out[784];
    nn_preprocess_info info;
    nn_preprocess_info *ip = with_info ? &info : NULL;
    int ch = rgba ? 4 : 1;
    if (!pre_size_ok(w, h)) {
        /* one byte of pixels: reading any of the image would be an overflow that ASan sees */
        static uint8_t one[1];
        fuzz_count_allocs(1);
        int st = rgba ? nn_preprocess_rgba(one, (int)w, (int)h, out, ip)
                      : nn_preprocess_gray(one, (int)w, (int)h, out, ip);
        fuzz_count_allocs(0);
        FUZZ_CHECK(st == NN_ERR_IMAGE_SIZE);
        FUZZ_CHECK(fuzz_alloc_count == 0);
        return st;
    }
    if (w * h > PRE_MAX_PIXELS) return NN_OK;

    const uint8_t *px = data + (size > PRE_HEADER ? PRE_HEADER : size);
    size_t m = size > PRE_HEADER ? size - PRE_HEADER : 0;
    static const uint8_t white[4] = {255, 255, 255, 255};
    if (m == 0) px = white, m = 4;
    size_t tile_pixels = m / ch ? m / ch : 1, tw = 1 + fuzz_u8(data, size, 9) % 64;
    if (tw > tile_pixels) tw = tile_pixels;
    size_t th = tile_pixels / tw;
    size_t n = (size_t)(w * h);
    uint8_t *img = malloc(n * ch);
    if (!img) return NN_ERR_NOMEM;
    for (size_t y = 0, i = 0; y < (size_t)h; y++)
        for (size_t x = 0; x < (size_t)w; x++, i++) {
            size_t t;
            if (fill == 0) t = i;
            else if (fill == 1) t = (y % th) * tw + x % tw;
            else t = (y * th / (size_t)h) * tw + x * tw / (size_t)w;
            for (int c = 0; c < ch; c++) img[i * ch + c] = px[(t * ch + c) % m];
        }
    int st = rgba ? nn_preprocess_rgba(img, (int)w, (int)h, out, ip)
                  : nn_preprocess_gray(img, (int)w, (int)h, out, ip);
    pre_check_result(st, out, ip, (int)w, (int)h);

    if (also_rgba) {
        /* R = G = B = v, alpha 255: the luma is v again and nothing is composited */
        uint8_t *q = malloc(n * 4);
        float out2[784];
        nn_preprocess_info info2;
        if (q) {
            for (size_t i = 0; i < n; i++) q[4 * i] = q[4 * i + 1] = q[4 * i + 2] = img[i];
            for (size_t i = 0; i < n; i++) q[4 * i + 3] = 255;
            int st2 = nn_preprocess_rgba(q, (int)w, (int)h, out2, ip ? &info2 : NULL);
            FUZZ_CHECK(st2 == st);
            if (st == NN_OK && st2 == NN_OK) FUZZ_CHECK(memcmp(out, out2, sizeof out) == 0);
            if (st == NN_OK && st2 == NN_OK && ip)
                FUZZ_CHECK(info.x0 == info2.x0 && info.y1 == info2.y1 &&
                           info.light_on_dark == info2.light_on_dark);
            free(q);
        }
    }
    free(img);
    return st;
}

FUZZ_ENTRY(fuzz_preprocess)
