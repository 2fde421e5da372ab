/* test_preprocess.c: the MNIST-style preprocessing on digits rasterised here with anti-aliasing
 * (a ring "0", a bar "1", a polyline "7", a "5" with a detached bar) at many positions and scales,
 * in both polarities, as gray and RGBA (opaque and transparent), on photo-like paper with a light
 * gradient, noise and specks, and on the empty and malformed images that must be refused.
 * Results are compared by mean absolute difference (MAD) and correlation over the 784 pixels. */
#include "check.h"
#include "nn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* ---- a tiny rasteriser: capsules (thick segments) in a unit box, 8x8 samples a pixel ---- */

typedef struct shape {
    int n;             /* segments */
    double seg[32][4]; /* x0 y0 x1 y1 in [0,1], y down */
    double width;      /* stroke width, in units of the box */
} shape;

static void add_line(shape *s, double x0, double y0, double x1, double y1) {
    double *q = s->seg[s->n++];
    q[0] = x0, q[1] = y0, q[2] = x1, q[3] = y1;
}

static void add_polyline(shape *s, const double *pts, int npts) {
    for (int i = 0; i + 1 < npts; i++)
        add_line(s, pts[2 * i], pts[2 * i + 1], pts[2 * i + 2], pts[2 * i + 3]);
}

static shape make_digit(int which, double width) {
    shape s = {0};
    s.width = width;
    if (which == 0) { /* an ellipse taller than wide */
        for (int i = 0; i < 24; i++) {
            double a0 = 6.283185307179586 * i / 24, a1 = 6.283185307179586 * (i + 1) / 24;
            add_line(&s, 0.5 + 0.28 * cos(a0), 0.5 + 0.4 * sin(a0), 0.5 + 0.28 * cos(a1),
                     0.5 + 0.4 * sin(a1));
        }
    } else if (which == 1) {
        add_line(&s, 0.5, 0.08, 0.5, 0.92);
    } else if (which == 7) {
        const double p[] = {0.2, 0.1, 0.8, 0.1, 0.42, 0.9};
        add_polyline(&s, p, 3);
    } else if (which == 5) { /* the top bar detached from the rest by a small gap */
        const double p[] = {0.32, 0.12, 0.3,  0.45, 0.55, 0.4,  0.72,
                            0.55, 0.7,  0.78, 0.5,  0.9,  0.25, 0.85};
        add_polyline(&s, p, 7);
        add_line(&s, 0.5, 0.08, 0.8, 0.08);
    }
    return s;
}

static double seg_dist2(const double *q, double x, double y) {
    double dx = q[2] - q[0], dy = q[3] - q[1], len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((x - q[0]) * dx + (y - q[1]) * dy) / len2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double ex = q[0] + t * dx - x, ey = q[1] + t * dy - y;
    return ex * ex + ey * ey;
}

/* Coverage in [0,1] of the shape scaled to size x size pixels with its box at (ox, oy). */
static float *render(const shape *s, int w, int h, double ox, double oy, double size) {
    float *cov = calloc((size_t)w * h, sizeof *cov);
    double r2 = (s->width / 2) * (s->width / 2), pad = s->width;
    int x0 = (int)(ox - pad * size) - 1, x1 = (int)(ox + (1 + pad) * size) + 2;
    int y0 = (int)(oy - pad * size) - 1, y1 = (int)(oy + (1 + pad) * size) + 2;
    for (int y = y0 < 0 ? 0 : y0; y < h && y < y1; y++)
        for (int x = x0 < 0 ? 0 : x0; x < w && x < x1; x++) {
            /* pixels whose centre is over a pixel from any edge are all in or all out */
            double cx = (x + 0.5 - ox) / size, cy = (y + 0.5 - oy) / size, d2 = 1e30,
                   margin = 0.75 / size;
            for (int k = 0; k < s->n; k++) d2 = fmin(d2, seg_dist2(s->seg[k], cx, cy));
            double dist = sqrt(d2), hw = s->width / 2;
            if (dist > hw + margin) continue;
            if (dist < hw - margin) {
                cov[(size_t)y * w + x] = 1;
                continue;
            }
            int hits = 0;
            for (int sy = 0; sy < 8; sy++)
                for (int sx = 0; sx < 8; sx++) {
                    double ux = (x + (sx + 0.5) / 8 - ox) / size,
                           uy = (y + (sy + 0.5) / 8 - oy) / size;
                    for (int k = 0; k < s->n; k++)
                        if (seg_dist2(s->seg[k], ux, uy) <= r2) {
                            hits++;
                            break;
                        }
                }
            cov[(size_t)y * w + x] = hits / 64.0f;
        }
    return cov;
}

/* paper + coverage * (ink - paper), rounded */
static uint8_t *to_gray(const float *cov, int w, int h, int paper, int ink) {
    uint8_t *g = malloc((size_t)w * h);
    for (size_t i = 0; i < (size_t)w * h; i++)
        g[i] = (uint8_t)lround(paper + cov[i] * (ink - paper));
    return g;
}

/* ---- comparisons ---- */

static double mad(const float *a, const float *b) {
    double s = 0;
    for (int i = 0; i < 784; i++) s += fabs((double)a[i] - b[i]);
    return s / 784;
}

static double maxdiff(const float *a, const float *b) {
    double m = 0;
    for (int i = 0; i < 784; i++) m = fmax(m, fabs((double)a[i] - b[i]));
    return m;
}

static double corr(const float *a, const float *b) {
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < 784; i++) ma += a[i], mb += b[i];
    ma /= 784, mb /= 784;
    for (int i = 0; i < 784; i++) {
        sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma),
            sbb += (b[i] - mb) * (b[i] - mb);
    }
    return sab / sqrt(saa * sbb + 1e-30);
}

/* centre of mass (pixel indices), extent of the nonzero pixels, in range, mass */
typedef struct stats {
    double cx, cy, mass;
    int x0, y0, x1, y1, in_range;
} stats;

static stats measure(const float *o) {
    stats s = {0, 0, 0, 28, 28, 0, 0, 1};
    for (int i = 0; i < 28; i++)
        for (int j = 0; j < 28; j++) {
            float v = o[i * 28 + j];
            if (!(v >= 0 && v <= 1)) s.in_range = 0;
            if (v <= 0) continue;
            s.mass += v, s.cx += v * j, s.cy += v * i;
            if (j < s.x0) s.x0 = j;
            if (j + 1 > s.x1) s.x1 = j + 1;
            if (i < s.y0) s.y0 = i;
            if (i + 1 > s.y1) s.y1 = i + 1;
        }
    if (s.mass > 0) s.cx /= s.mass, s.cy /= s.mass;
    return s;
}

static nn_status gray_digit(const shape *s, int w, int h, double ox, double oy, double size,
                            int paper, int ink, float *out, nn_preprocess_info *info) {
    float *cov = render(s, w, h, ox, oy, size);
    uint8_t *g = to_gray(cov, w, h, paper, ink);
    nn_status st = nn_preprocess_gray(g, w, h, out, info);
    free(cov), free(g);
    return st;
}

/* ---- tests ---- */

/* The same digit at various positions and scales comes back centred, within the box, and nearly
 * the same; the bounding box reported is the one drawn. */
static void centring(void) {
    static const struct {
        int w, h;
        double ox, oy, size;
    } at[] = {{280, 280, 40, 40, 200}, {200, 160, 10, 20, 60},    {300, 300, 75, 75, 150},
              {100, 100, 60, 50, 30},  {640, 480, 500, 300, 120}, {64, 64, 2, 2, 56},
              {1000, 300, 20, 200, 90}};
    const int digits[] = {0, 1, 7};
    for (int di = 0; di < 3; di++) {
        shape s = make_digit(digits[di], 0.12);
        float ref[784], out[784];
        for (size_t k = 0; k < sizeof at / sizeof at[0]; k++) {
            nn_preprocess_info info;
            CHECK_STATUS(gray_digit(&s, at[k].w, at[k].h, at[k].ox, at[k].oy, at[k].size, 255, 0,
                                    out, &info),
                         NN_OK);
            stats st = measure(out);
            CHECK(st.in_range);
            CHECK(fabs(st.cx - 14.0) <= 0.05 && fabs(st.cy - 14.0) <= 0.05);
            CHECK_CLOSE(info.com_x, st.cx, 1e-4);
            CHECK_CLOSE(info.com_y, st.cy, 1e-4);
            /* the longer side spans 20 pixels (21 when placed between pixel boundaries) */
            int ew = st.x1 - st.x0, eh = st.y1 - st.y0, longer = ew > eh ? ew : eh;
            CHECK(longer >= 20 && longer <= 21 && ew <= 21 && eh <= 21);
            CHECK(info.light_on_dark == 0);
            /* drawn extent: the segments' bounding box grown by half the stroke width */
            double minx = 1, maxx = 0, miny = 1, maxy = 0;
            for (int i = 0; i < s.n; i++)
                for (int e = 0; e < 2; e++) {
                    minx = fmin(minx, s.seg[i][2 * e]), maxx = fmax(maxx, s.seg[i][2 * e]);
                    miny = fmin(miny, s.seg[i][2 * e + 1]), maxy = fmax(maxy, s.seg[i][2 * e + 1]);
                }
            double hw = s.width / 2;
            CHECK(fabs(info.x0 - (at[k].ox + (minx - hw) * at[k].size)) <= 1.5);
            CHECK(fabs(info.x1 - (at[k].ox + (maxx + hw) * at[k].size)) <= 1.5);
            CHECK(fabs(info.y0 - (at[k].oy + (miny - hw) * at[k].size)) <= 1.5);
            CHECK(fabs(info.y1 - (at[k].oy + (maxy + hw) * at[k].size)) <= 1.5);
            if (k == 0) {
                memcpy(ref, out, sizeof ref);
            } else {
                /* small sizes quantise the stroke: a looser bound for the 30-pixel digit */
                double tol = at[k].size < 50 ? 0.025 : 0.01;
                CHECK(mad(out, ref) < tol);
                CHECK(corr(out, ref) > 0.99);
                if (!(mad(out, ref) < tol))
                    fprintf(stderr, "  digit %d at %zu: mad %.4f corr %.4f\n", digits[di], k,
                            mad(out, ref), corr(out, ref));
            }
        }
    }
    /* the comparison can fail: different digits are far apart */
    float one[784], seven[784];
    shape s1 = make_digit(1, 0.12), s7 = make_digit(7, 0.12);
    CHECK_STATUS(gray_digit(&s1, 280, 280, 40, 40, 200, 255, 0, one, NULL), NN_OK);
    CHECK_STATUS(gray_digit(&s7, 280, 280, 40, 40, 200, 255, 0, seven, NULL), NN_OK);
    CHECK(mad(one, seven) > 0.1);
}

/* Black on white, white on black, and RGBA canvases (opaque, transparent with black strokes,
 * transparent with white strokes, transparent with garbage RGB under alpha 0) agree exactly. */
static void polarity(void) {
    enum { W = 280, H = 280 };
    shape s = make_digit(7, 0.1);
    float *cov = render(&s, W, H, 50, 30, 190);
    /* wb and the alphas are exact complements of bw (rounding cov * 255 twice would differ) */
    uint8_t *bw = to_gray(cov, W, H, 255, 0), *wb = malloc((size_t)W * H);
    for (size_t i = 0; i < (size_t)W * H; i++) wb[i] = (uint8_t)(255 - bw[i]);
    uint8_t *rgba = malloc((size_t)W * H * 4);
    float ref[784], out[784];
    nn_preprocess_info info;
    CHECK_STATUS(nn_preprocess_gray(bw, W, H, ref, &info), NN_OK);
    CHECK(info.light_on_dark == 0);
    CHECK_STATUS(nn_preprocess_gray(wb, W, H, out, &info), NN_OK);
    CHECK(info.light_on_dark == 1);
    CHECK(maxdiff(out, ref) <= 1e-6);

    nn_rng rng;
    nn_rng_seed(&rng, 7, 1);
    for (int variant = 0; variant < 5; variant++) {
        for (size_t i = 0; i < (size_t)W * H; i++) {
            uint8_t a = wb[i], *q = rgba + 4 * i;
            switch (variant) {
            case 0: q[0] = q[1] = q[2] = bw[i], q[3] = 255; break; /* opaque, dark on light */
            case 1: q[0] = q[1] = q[2] = wb[i], q[3] = 255; break; /* opaque, light on dark */
            case 2: q[0] = q[1] = q[2] = 0, q[3] = a; break;       /* black strokes, transparent */
            case 3: q[0] = q[1] = q[2] = 255, q[3] = a; break;     /* white strokes, transparent */
            default: /* black strokes; where alpha is 0 the RGB is noise, as canvases may leave */
                q[3] = a;
                for (int c = 0; c < 3; c++) q[c] = a ? 0 : (uint8_t)nn_rng_below(&rng, 256);
            }
        }
        CHECK_STATUS(nn_preprocess_rgba(rgba, W, H, out, &info), NN_OK);
        CHECK(maxdiff(out, ref) <= 1e-6);
        if (!(maxdiff(out, ref) <= 1e-6))
            fprintf(stderr, "  rgba variant %d: max diff %g\n", variant, maxdiff(out, ref));
    }
    /* coloured strokes: a blue pen on a transparent canvas reads the same */
    for (size_t i = 0; i < (size_t)W * H; i++) {
        uint8_t *q = rgba + 4 * i;
        q[0] = 30, q[1] = 60, q[2] = 200, q[3] = wb[i];
    }
    CHECK_STATUS(nn_preprocess_rgba(rgba, W, H, out, &info), NN_OK);
    CHECK(maxdiff(out, ref) <= 0.02); /* luma 67 is the ink: 188 levels of 255, rounded */
    free(cov), free(bw), free(wb), free(rgba);
}

/* Images with no ink are refused; sizes are checked before anything is read or allocated. */
static void empty_and_sizes(void) {
    enum { W = 120, H = 90 };
    uint8_t *g = malloc((size_t)W * H * 4);
    float out[784];
    nn_preprocess_info info;
    const int levels[] = {255, 0, 128, 37};
    for (int k = 0; k < 4; k++) {
        memset(g, levels[k], (size_t)W * H);
        CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_ERR_NO_DIGIT);
    }
    /* faint noise: +-8 levels on grey paper, and a faint smooth gradient */
    nn_rng rng;
    nn_rng_seed(&rng, 42, 3);
    for (int i = 0; i < W * H; i++) g[i] = (uint8_t)(192 + (int)nn_rng_below(&rng, 17) - 8);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_ERR_NO_DIGIT);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++)
            g[y * W + x] = (uint8_t)(150 + x * 60 / W + (int)nn_rng_below(&rng, 5));
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_ERR_NO_DIGIT);
    /* RGBA: fully transparent whatever the RGB; opaque uniform */
    for (int i = 0; i < W * H * 4; i++)
        g[i] = (uint8_t)((i % 4 == 3) ? 0 : nn_rng_below(&rng, 256));
    CHECK_STATUS(nn_preprocess_rgba(g, W, H, out, &info), NN_ERR_NO_DIGIT);
    memset(g, 255, (size_t)W * H * 4);
    CHECK_STATUS(nn_preprocess_rgba(g, W, H, out, &info), NN_ERR_NO_DIGIT);
    /* the refusal can fail: one dark dot of 5x5 is a (tiny) digit */
    memset(g, 255, (size_t)W * H);
    for (int y = 40; y < 45; y++) memset(g + y * W + 60, 0, 5);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);

    /* sizes: a 1-byte buffer proves nothing is read (AddressSanitizer would see it) */
    uint8_t one = 0;
    CHECK_STATUS(nn_preprocess_gray(&one, 0, 0, out, NULL), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_gray(&one, 0, 5, out, NULL), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_gray(&one, 5, -1, out, NULL), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_gray(&one, NN_IMAGE_MAX_SIDE + 1, 1, out, NULL), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_gray(&one, 1, NN_IMAGE_MAX_SIDE + 1, out, NULL), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_gray(&one, NN_IMAGE_MAX_SIDE, NN_IMAGE_MAX_SIDE, out, NULL),
                 NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_rgba(&one, 10000, 10000, out, NULL), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_rgba(&one, 2147483647, 2147483647, out, NULL), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_gray(NULL, 10, 10, out, NULL), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_gray(g, 10, 10, NULL, NULL), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_rgba(NULL, 10, 10, out, NULL), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_rgba(g, 10, 10, NULL, NULL), NN_ERR_ARG);

    /* 1x1 and other slivers: no crash, and either refused or a valid result */
    const uint8_t px[] = {0, 255, 128};
    for (int k = 0; k < 3; k++) {
        int st = nn_preprocess_gray(px + k, 1, 1, out, &info);
        CHECK(st == NN_OK || st == NN_ERR_NO_DIGIT);
        uint8_t rgba1[4] = {px[k], px[k], px[k], px[k]};
        st = nn_preprocess_rgba(rgba1, 1, 1, out, &info);
        CHECK(st == NN_OK || st == NN_ERR_NO_DIGIT);
    }
    const uint8_t sliver[] = {255, 255, 0, 0, 255, 255, 255};
    for (int k = 1; k <= 7; k++) {
        int st = nn_preprocess_gray(sliver, k, 1, out, &info);
        CHECK(st == NN_OK || st == NN_ERR_NO_DIGIT);
        if (st == NN_OK) CHECK(measure(out).in_range);
        st = nn_preprocess_gray(sliver, 1, k, out, &info);
        CHECK(st == NN_OK || st == NN_ERR_NO_DIGIT);
    }
    free(g);
}

/* Area averaging by hand: a 40x40 square halves to 20x20 with its centre at 14 (pixel [4.5, 24.5)
 * in continuous coordinates): 1 inside, 1/2 on the sides, 1/4 in the corners; a 30x30 square
 * scales by 2/3; a 12x80 bar keeps its 3:20 aspect. (A solid blob wider than about a quarter of
 * the image reads as background, like the table around a page: the page here is 200 wide.) */
static void area_average(void) {
    enum { W = 200, H = 200 };
    uint8_t *g = malloc((size_t)W * H);
    float out[784];
    nn_preprocess_info info;
    memset(g, 255, (size_t)W * H);
    for (int y = 60; y < 100; y++) memset(g + y * W + 85, 0, 40);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
    CHECK(info.x0 == 85 && info.x1 == 125 && info.y0 == 60 && info.y1 == 100);
    CHECK_CLOSE(info.ink_fraction, 1600.0 / (W * H), 1e-6);
    int bad = 0;
    for (int i = 0; i < 28; i++)
        for (int j = 0; j < 28; j++) {
            double wi = (i >= 5 && i <= 23) ? 1 : (i == 4 || i == 24) ? 0.5 : 0;
            double wj = (j >= 5 && j <= 23) ? 1 : (j == 4 || j == 24) ? 0.5 : 0;
            bad += fabs(out[i * 28 + j] - wi * wj) > 1e-6;
        }
    CHECK(bad == 0);
    CHECK_CLOSE(out[14 * 28 + 14], 1.0, 1e-7);
    CHECK_CLOSE(out[4 * 28 + 14], 0.5, 1e-7);
    CHECK_CLOSE(out[24 * 28 + 24], 0.25, 1e-7);
    CHECK_CLOSE(measure(out).mass, 400.0, 1e-4);
    CHECK_CLOSE(info.com_x, 14.0, 1e-5);
    CHECK_CLOSE(info.com_y, 14.0, 1e-5);

    memset(g, 255, (size_t)W * H);
    for (int y = 20; y < 50; y++) memset(g + y * W + 40, 0, 30);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
    stats st = measure(out);
    CHECK_CLOSE(st.mass, 400.0, 1e-4); /* 900 pixels of (2/3)^2 */
    CHECK_CLOSE(out[14 * 28 + 14], 1.0, 1e-6);
    CHECK_CLOSE(out[10 * 28 + 10], 1.0, 1e-6);

    /* a tall thin "1": 12 x 80 becomes 3 x 20 */
    memset(g, 255, (size_t)W * H);
    for (int y = 10; y < 90; y++) memset(g + y * W + 44, 0, 12);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
    st = measure(out);
    CHECK_CLOSE(st.mass, 60.0, 1e-4);
    CHECK(st.y1 - st.y0 == 21 && st.x0 == 13 && st.x1 == 16);
    /* 3 pixels wide centred on index 14: columns 13, 14 and 15, 20 high each */
    double colsum[28] = {0};
    for (int i = 0; i < 28; i++)
        for (int j = 0; j < 28; j++) colsum[j] += out[i * 28 + j];
    for (int j = 13; j <= 15; j++) CHECK_CLOSE(colsum[j], 20.0, 1e-4);
    CHECK_CLOSE(st.cx, 14.0, 1e-5);
    CHECK_CLOSE(st.cy, 14.0, 1e-5);
    free(g);
}

/* Paper with light falling from 230 to 90 across the page, grey ink, noise and three specks far
 * from the digit: the same box as the clean digit and nearly the same result. */
static nn_status photo(const shape *s, int w, int h, double ox, double oy, double size, int light,
                       int rgba, float *out, nn_preprocess_info *info) {
    float *cov = render(s, w, h, ox, oy, size);
    uint8_t *g = malloc((size_t)w * h * 4);
    nn_rng rng;
    nn_rng_seed(&rng, 2024, 5);
    const int specks[3][2] = {{w / 12, h - h / 8}, {w - w / 10, h / 10}, {w - w / 8, h - h / 10}};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            size_t i = (size_t)y * w + x;
            double paper = light ? 30 + 60.0 * x / (w - 1) : 230 - 140.0 * x / (w - 1);
            double ink = light ? 200 : 60, c = cov[i];
            for (int k = 0; k < 3; k++) {
                double dx = x + 0.5 - specks[k][0], dy = y + 0.5 - specks[k][1];
                if (dx * dx + dy * dy <= 16) c = 1;
            }
            double u = 0;
            for (int k = 0; k < 4; k++) u += nn_rng_uniform(&rng);
            double v = paper + c * (ink - paper) + (u - 2) * 6 * sqrt(3.0); /* sigma 6 */
            v = v < 0 ? 0 : v > 255 ? 255 : v;
            if (!rgba) {
                g[i] = (uint8_t)lround(v);
            } else { /* warm paper, blue ink: the luma follows v */
                uint8_t *q = g + 4 * i;
                double blue = c * 0.8;
                q[0] = (uint8_t)lround(fmin(255, v * (1.05 - 0.5 * blue)));
                q[1] = (uint8_t)lround(fmin(255, v * (1.0 - 0.1 * blue)));
                q[2] = (uint8_t)lround(fmin(255, v * (0.9 + 1.2 * blue)));
                q[3] = 255;
            }
        }
    nn_status st = rgba ? nn_preprocess_rgba(g, w, h, out, info)
                        : nn_preprocess_gray(g, w, h, out, info);
    free(cov), free(g);
    return st;
}

static void photos(void) {
    enum { W = 640, H = 480 };
    const int digits[] = {7, 0, 5};
    for (int di = 0; di < 3; di++) {
        shape s = make_digit(digits[di], 0.07);
        float clean[784], out[784];
        nn_preprocess_info ci, info;
        CHECK_STATUS(gray_digit(&s, W, H, 250, 140, 180, 255, 0, clean, &ci), NN_OK);
        for (int variant = 0; variant < 3; variant++) {
            CHECK_STATUS(photo(&s, W, H, 250, 140, 180, variant == 1, variant == 2, out, &info),
                         NN_OK);
            CHECK(abs(info.x0 - ci.x0) <= 2 && abs(info.x1 - ci.x1) <= 2);
            CHECK(abs(info.y0 - ci.y0) <= 2 && abs(info.y1 - ci.y1) <= 2);
            CHECK(info.light_on_dark == (variant == 1));
            CHECK(mad(out, clean) < 0.03);
            CHECK(corr(out, clean) > 0.97);
            stats st = measure(out);
            CHECK(fabs(st.cx - 14) <= 0.05 && fabs(st.cy - 14) <= 0.05);
            if (!(mad(out, clean) < 0.03) || abs(info.x0 - ci.x0) > 2 || abs(info.y1 - ci.y1) > 2)
                fprintf(stderr,
                        "  photo digit %d variant %d: box %d %d %d %d (clean %d %d %d %d) mad %.4f "
                        "corr %.4f\n",
                        digits[di], variant, info.x0, info.y0, info.x1, info.y1, ci.x0, ci.y0,
                        ci.x1, ci.y1, mad(out, clean), corr(out, clean));
        }
    }
}

/* Sharp steps in the background: the page lying on a dark table (the table all round it), and a
 * hard shadow across the digit. Neither edge may become ink. */
static void steps(void) {
    enum { W = 800, H = 600 };
    shape s = make_digit(7, 0.06);
    float *cov = render(&s, W, H, 300, 150, 250);
    uint8_t *clean = to_gray(cov, W, H, 255, 0), *g = malloc((size_t)W * H);
    float ref[784], out[784];
    nn_preprocess_info ci, info;
    CHECK_STATUS(nn_preprocess_gray(clean, W, H, ref, &ci), NN_OK);
    nn_rng rng;
    nn_rng_seed(&rng, 11, 2);
    for (int variant = 0; variant < 2; variant++) {
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++) {
                int on_page = x >= 80 && x < 720 && y >= 40 && y<560, shade = x> 420;
                double paper = variant == 0 ? (on_page ? 210 : 25) : (shade ? 120 : 215);
                double ink = variant == 0 ? 50 : (shade ? 40 : 70), u = 0;
                for (int k = 0; k < 4; k++) u += nn_rng_uniform(&rng);
                double v = paper + cov[(size_t)y * W + x] * (ink - paper) + (u - 2) * 7 * sqrt(3.0);
                g[(size_t)y * W + x] = (uint8_t)lround(v < 0 ? 0 : v > 255 ? 255 : v);
            }
        CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
        CHECK(abs(info.x0 - ci.x0) <= 3 && abs(info.x1 - ci.x1) <= 3);
        CHECK(abs(info.y0 - ci.y0) <= 3 && abs(info.y1 - ci.y1) <= 3);
        CHECK(mad(out, ref) < 0.015 && corr(out, ref) > 0.99);
    }
    free(cov), free(clean), free(g);

    /* a solid blob enclosed by paper is ink however large (a 40x40 square in 100x100) */
    uint8_t sq[100 * 100];
    memset(sq, 255, sizeof sq);
    for (int y = 30; y < 70; y++) memset(sq + y * 100 + 25, 0, 40);
    CHECK_STATUS(nn_preprocess_gray(sq, 100, 100, out, &info), NN_OK);
    CHECK(info.x0 == 25 && info.x1 == 65 && info.y0 == 30 && info.y1 == 70);
    CHECK_CLOSE(out[14 * 28 + 14], 1.0, 1e-7);
    CHECK_CLOSE(measure(out).mass, 400.0, 1e-4);
}

/* Parts of a digit survive speck removal: a "5" whose bar is detached keeps it; two strokes far
 * apart keep the heavier; a small speck near the digit may stay but a far one goes. */
static void parts(void) {
    enum { W = 300, H = 300 };
    shape s = make_digit(5, 0.1);
    float out[784];
    nn_preprocess_info info;
    CHECK_STATUS(gray_digit(&s, W, H, 60, 60, 160, 255, 0, out, &info), NN_OK);
    CHECK(info.x1 >= 60 + (0.8 + 0.05) * 160 - 2); /* the bar's right end */
    CHECK(info.y0 <= 60 + (0.08 - 0.05) * 160 + 2);
    /* a second, lighter mark far away does not enlarge the box */
    float *cov = render(&s, W, H, 20, 20, 120);
    for (int y = 260; y < 268; y++)
        for (int x = 270; x < 278; x++) cov[y * W + x] = 1;
    uint8_t *g = to_gray(cov, W, H, 255, 0);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
    CHECK(info.x1 < 160 && info.y1 < 160);
    free(cov), free(g);

    /* a "1" broken as in a poor scan: a heavy, compact top and three light pieces below, each
     * further from the top than its own weight would allow; together they are the digit */
    shape top = {0}, pieces = {0};
    top.width = 0.12, pieces.width = 0.02;
    add_line(&top, 0.5, 0.06, 0.5, 0.2);
    for (int k = 0; k < 3; k++) add_line(&pieces, 0.5, 0.36 + 0.2 * k, 0.5, 0.46 + 0.2 * k);
    float *a = render(&top, W, H, 50, 50, 200), *b = render(&pieces, W, H, 50, 50, 200);
    for (int i = 0; i < W * H; i++) a[i] = fmaxf(a[i], b[i]);
    g = to_gray(a, W, H, 255, 0);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
    CHECK(info.y0 <= 50 + 0.0 * 200 + 2 && info.y1 >= 50 + 0.87 * 200 - 2);
    free(a), free(b), free(g);
}

/* Thin pen strokes are thickened towards MNIST's ~2-pixel strokes and keep their shape. */
static void thin_strokes(void) {
    enum { W = 500, H = 500 };
    shape thick = make_digit(7, 0.1), thin = make_digit(7, 0.012);
    float a[784], b[784];
    CHECK_STATUS(gray_digit(&thick, W, H, 100, 100, 300, 255, 0, a, NULL), NN_OK);
    CHECK_STATUS(gray_digit(&thin, W, H, 100, 100, 300, 255, 0, b, NULL), NN_OK);
    stats st = measure(b);
    CHECK(st.mass > 40 && st.mass < 160);
    float peak = 0;
    for (int i = 0; i < 784; i++) peak = fmaxf(peak, b[i]);
    CHECK(peak > 0.9);
    CHECK(corr(a, b) > 0.85);
    CHECK(fabs(st.cx - 14) <= 0.5 && fabs(st.cy - 14) <= 0.5);
}

/* A 28x28 result fed back in comes out nearly unchanged: the convention is a fixed point. */
static void round_trip(void) {
    shape s = make_digit(0, 0.12);
    float a[784], b[784];
    uint8_t g[784];
    CHECK_STATUS(gray_digit(&s, 280, 280, 40, 40, 200, 255, 0, a, NULL), NN_OK);
    for (int i = 0; i < 784; i++) g[i] = (uint8_t)lround(a[i] * 255);
    CHECK_STATUS(nn_preprocess_gray(g, 28, 28, b, NULL), NN_OK);
    CHECK(mad(a, b) < 0.03);
    CHECK(corr(a, b) > 0.97);
}

/* A page-sized RGBA image runs (the web page hands over up to about 1024 pixels a side). */
static void large(void) {
    enum { W = 1024, H = 1024 };
    shape s = make_digit(7, 0.08);
    float *cov = render(&s, W, H, 400, 300, 400);
    uint8_t *rgba = malloc((size_t)W * H * 4);
    for (size_t i = 0; i < (size_t)W * H; i++) {
        uint8_t v = (uint8_t)lround(240 - cov[i] * 200);
        rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = v, rgba[4 * i + 3] = 255;
    }
    float out[784];
    nn_preprocess_info info;
    CHECK_STATUS(nn_preprocess_rgba(rgba, W, H, out, &info), NN_OK);
    CHECK(fabs(info.com_x - 14) <= 0.5 && fabs(info.com_y - 14) <= 0.5);
    free(cov), free(rgba);
}

/* A small digit on a large page with specks all round it: the specks hold a good share of the
 * ink, more than the 5% on each side a quantile leaves out, and must still not join the digit. */
static void small_digit_specks(void) {
    enum { W = 1000, H = 750 };
    shape s = make_digit(7, 0.1);
    float *cov = render(&s, W, H, 480, 360, 36);
    uint8_t *clean = to_gray(cov, W, H, 230, 40);
    float ref[784], out[784];
    nn_preprocess_info ci, info;
    CHECK_STATUS(nn_preprocess_gray(clean, W, H, ref, &ci), NN_OK);
    const int specks[6][2] = {{380, 300}, {300, 420}, {600, 330},
                              {650, 450}, {470, 250}, {520, 480}};
    for (int k = 0; k < 6; k++)
        for (int y = -3; y <= 3; y++)
            for (int x = -3; x <= 3; x++)
                if (x * x + y * y <= 6) cov[(size_t)(specks[k][1] + y) * W + specks[k][0] + x] = 1;
    uint8_t *g = to_gray(cov, W, H, 230, 40);
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
    CHECK(info.x0 == ci.x0 && info.x1 == ci.x1 && info.y0 == ci.y0 && info.y1 == ci.y1);
    CHECK(maxdiff(out, ref) <= 1e-6);
    if (info.x0 != ci.x0 || info.y1 != ci.y1)
        fprintf(stderr, "  small digit with specks: box %d %d %d %d (clean %d %d %d %d)\n", info.x0,
                info.y0, info.x1, info.y1, ci.x0, ci.y0, ci.x1, ci.y1);
    free(cov), free(clean), free(g);
}

/* A page on a dark table that shows in thin bands at the top and on the right: thinner than the
 * background cells, the bands read as ink, heavier than the small digit; they stay out of it.
 * With a faint pen (ink 150 on paper 200) the bands are much darker than the digit and far more
 * pixels: they must not set the ink's level either, or the digit fades below it ("no digit"). */
static void table_bands(void) {
    enum { W = 840, H = 1120 };
    shape s = make_digit(7, 0.1);
    float *cov = render(&s, W, H, 180, 220, 70);
    uint8_t *g = malloc((size_t)W * H);
    for (int pen = 0; pen < 2; pen++) {
        uint8_t *clean = to_gray(cov, W, H, 200, pen ? 150 : 40);
        float ref[784], out[784];
        nn_preprocess_info ci, info;
        CHECK_STATUS(nn_preprocess_gray(clean, W, H, ref, &ci), NN_OK);
        for (int y = 0; y < H; y++)
            for (int x = 0; x < W; x++)
                g[(size_t)y * W + x] = (y < 34 || x >= 810) ? 45 : clean[(size_t)y * W + x];
        CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
        CHECK(abs(info.x0 - ci.x0) <= 1 && abs(info.x1 - ci.x1) <= 1);
        CHECK(abs(info.y0 - ci.y0) <= 1 && abs(info.y1 - ci.y1) <= 1);
        CHECK(mad(out, ref) < 0.01);
        if (abs(info.y0 - ci.y0) > 1 || abs(info.x1 - ci.x1) > 1)
            fprintf(stderr, "  table bands (pen %d): box %d %d %d %d (clean %d %d %d %d)\n", pen,
                    info.x0, info.y0, info.x1, info.y1, ci.x0, ci.y0, ci.x1, ci.y1);
        free(clean);
    }
    free(cov), free(g);
}

int main(void) {
    centring();
    polarity();
    empty_and_sizes();
    area_average();
    photos();
    steps();
    parts();
    thin_strokes();
    round_trip();
    large();
    small_digit_specks();
    table_bands();
    return check_failures("test_preprocess");
}
