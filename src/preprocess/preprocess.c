/* preprocess.c: a drawn, scanned or photographed digit to the 28x28 input MNIST was made of.
 * Steps: ink darkness (alpha composited) -> polarity -> background (a bright percentile on a
 * 32-cell grid, closed, holes filled, pixel-exact at steps) divided out -> noise-aware levels that
 * keep the grey edges -> specks dropped -> thin strokes thickened -> exact area resampling of the
 * ink's box to 20 pixels, centred by mass in 28x28. Every pass is O(pixels).
 * Conventions: pixel (x, y) covers [x, x+1) x [y, y+1); darkness D is 0 on paper and 1 on ink; the
 * result's centre of mass sits on pixel index (14, 14), where MNIST's training digits have it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"
#include "nn.h"
#include "segment.h"
#ifdef LINES_DEBUG
#include <stdio.h>
#endif

enum { OUT = 28, BOX = 20, GRID = 32, BINS = 256, DBINS = 1025 };

/* MNIST shifted by whole pixels; its 60000 training digits average (14.01, 14.00) in pixel
 * indices, so the exact (sub-pixel) placement here aims at 14.0, not 13.5. */
#define COM_TARGET 14.0
#define POLARITY_RADIUS 8 /* cells: a window of about half the image, whose median is paper */
#define BG_RADIUS 1       /* cells: 3x3 cells, small enough to follow light fall-off */
#define BG_QUANTILE 0.8   /* paper is the bright 80% unless ink covers 80% of a window */
#define CLOSE_RADIUS 3    /* cells: fills background dips (solid ink blobs) up to 7 cells wide */
#define BG_FLOOR 32.0f    /* divide by no less: a black background must not blow up noise */
#define STEP_RATIO 0.85   /* cell backgrounds this far apart nearby: a page edge or a shadow */
#define STEP_SIDE 40      /* near steps: a pixel closing of radius (long side / STEP_SIDE) */
#define PAPER_MAX_D 0.25  /* only pixels below this darkness vote for the paper level */
#define GATE_SIGMAS 5.0   /* ink candidates stand this many noise sigmas above the paper */
#define GATE_MIN 0.08     /* ... and at least this much darker (20 levels on white paper) */
#define GATE_MIN_LEVELS 6 /* ... and by at least this many grey levels */
#define LO_SIGMAS 3.0     /* ink intensity starts at 0 this far above the paper */
#define INK_QUANTILE 0.75 /* of the candidates: the solid-ink level that maps to 1 */
#define MIN_CONTRAST 0.12 /* solid ink must be this much darker than the paper */
#define SURROUND_SIDE 0.5 /* candidates along this share of the shorter side of the border ... */
#define SURROUND_KEEP 64  /* ... are the page's surround when this many others remain */
#define MIN_INK_PIXELS 3  /* fewer strong pixels than this is a speck, not a digit */
#define NEAR_BASE 0.25    /* a part is kept within (NEAR_BASE + mass ratio) * box side */
#define PART_MIN 0.02     /* parts lighter than this share of the main stroke are specks */
#define THIN_OUT 1.0      /* strokes thinner than this in the result (MNIST: 2.0, 1-3) ... */
#define TARGET_OUT 2.0    /* ... are dilated to about this width */
#define LINED_MIN_INK 24  /* on a lined page a digit has this many strong pixels at least, */
#define LINED_MIN_SIDE 10 /* and a box this tall (digits are upright) */
#define LINED_CORE 254    /* a divided-out line at least this dark (transmittance <= 240/255) */
                          /* leaves a pixel that is neither paper nor ink for the levels */

typedef struct cells {
    int w, h, c, gx, gy;
    int *col_cell; /* w: the cell column of each pixel column */
} cells;

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }
/* fmaxf is a libm call unless NaNs are ruled out; nothing here is NaN */
static float maxf(float a, float b) { return a > b ? a : b; }
static float minf(float a, float b) { return a < b ? a : b; }

/* ---- window percentiles over a grid of cells ---- */

static nn_status cells_init(cells *g, int w, int h) {
    int side = imax(w, h);
    g->w = w, g->h = h;
    g->c = (side + GRID - 1) / GRID;
    g->gx = (w + g->c - 1) / g->c, g->gy = (h + g->c - 1) / g->c;
    if (!(g->col_cell = malloc((size_t)w * sizeof *g->col_cell))) return NN_ERR_NOMEM;
    for (int x = 0; x < w; x++) g->col_cell[x] = x / g->c;
    return NN_OK;
}

/* Adds (sign 1) or removes (-1) the pixels of cell row j to the cell columns' histograms. */
static void cells_row(const cells *g, const uint8_t *p, int flip, int j, uint32_t *col, int sign) {
    const int y1 = imin((j + 1) * g->c, g->h);
    const uint8_t inv = flip ? 255 : 0;
    for (int y = j * g->c; y < y1; y++) {
        const uint8_t *src = p + (size_t)y * g->w;
        for (int x = 0; x < g->w; x++) col[(size_t)g->col_cell[x] * BINS + (src[x] ^ inv)] += sign;
    }
}

/* Into out[j*gx + i], for every cell: the q-quantile of the pixels (of 255 - v if flip) in the
 * cells within r of it, clipped to the grid, i.e. the first level at which the window's cumulative
 * count reaches ceil(q * count). The cell columns' histograms over the window's rows slide down
 * the grid and the window's histogram slides along each row: (gx + 1) x BINS counts of memory,
 * O(pixels + cells x BINS) time. */
static nn_status cells_quantiles(const cells *g, const uint8_t *p, int flip, int r, double q,
                                 uint8_t *out) {
    uint32_t *col = calloc((size_t)g->gx * BINS, sizeof *col), win[BINS];
    if (!col) return NN_ERR_NOMEM;
    int lo = 0, hi = 0; /* cell rows [lo, hi) are in col */
    for (int j = 0; j < g->gy; j++) {
        const int j0 = imax(j - r, 0), j1 = imin(j + r + 1, g->gy);
        for (; hi < j1; hi++) cells_row(g, p, flip, hi, col, 1);
        for (; lo < j0; lo++) cells_row(g, p, flip, lo, col, -1);
        const int64_t rows = imin(j1 * g->c, g->h) - j0 * g->c;
        memset(win, 0, sizeof win);
        int a = 0, b = 0; /* cell columns [a, b) are in win */
        for (int i = 0; i < g->gx; i++) {
            const int i0 = imax(i - r, 0), i1 = imin(i + r + 1, g->gx);
            for (; b < i1; b++)
                for (int k = 0; k < BINS; k++) win[k] += col[(size_t)b * BINS + k];
            for (; a < i0; a++)
                for (int k = 0; k < BINS; k++) win[k] -= col[(size_t)a * BINS + k];
            const uint64_t total = (uint64_t)rows * (uint64_t)(imin(i1 * g->c, g->w) - i0 * g->c);
            uint64_t need = (uint64_t)ceil(q * (double)total), cum = 0;
            if (need < 1) need = 1;
            int k = 0;
            while (k < BINS - 1 && (cum += win[k]) < need) k++;
            out[j * g->gx + i] = (uint8_t)k;
        }
    }
    free(col);
    return NN_OK;
}

/* ---- polarity: which tail of the residual from the local median is heavy ---- */

/* Median bin and median absolute deviation (in bins) of the counts h[0..n); 0 if empty. */
static int median_mad(const uint32_t *h, int n, int *mad) {
    uint64_t total = 0, cum = 0;
    for (int b = 0; b < n; b++) total += h[b];
    *mad = 0;
    if (total == 0) return 0;
    uint64_t half = (total + 1) / 2;
    int m = 0;
    while ((cum += h[m]) < half) m++;
    for (cum = h[m]; cum < half;) {
        ++*mad;
        if (m + *mad < n) cum += h[m + *mad];
        if (m - *mad >= 0) cum += h[m - *mad];
    }
    return m;
}

/* 1 if the image is light ink on a dark ground, 0 if not, or -1 without memory. */
static int light_on_dark(const cells *g, const uint8_t *p) {
    uint8_t med[GRID * GRID];
    uint32_t hist[511] = {0};
    if (cells_quantiles(g, p, 0, POLARITY_RADIUS, 0.5, med) != NN_OK) return -1;
    for (int y = 0; y < g->h; y++) {
        const uint8_t *m = med + (y / g->c) * g->gx, *src = p + (size_t)y * g->w;
        for (int x = 0; x < g->w; x++) hist[src[x] - m[g->col_cell[x]] + 255]++;
    }
    int mad, mr = median_mad(hist, 511, &mad);
    /* 3 sigmas of the noise (or 4 levels on clean images) before anything counts as a tail */
    double k = fmax(3.0 * 1.4826 * mad, 4.0), dark = 0, light = 0;
    for (int r = 0; r < 511; r++) {
        double dist = fabs((double)(r - mr)) - k;
        if (dist <= 0) continue;
        if (r < mr) dark += dist * (double)hist[r];
        else light += dist * (double)hist[r];
    }
    return light > dark;
}

/* ---- background: per-cell bright percentile, grey closing, bilinear between cell centres ---- */

/* Point reflection about the edge keeps a linear light gradient linear past the border, so the
 * closing below does not brighten the borders of an unevenly lit page. */
static float reflect_at(const float *v, int n, int stride, int i) {
    float x;
    if (i >= 0 && i < n) return v[(size_t)i * stride];
    if (i < 0) x = 2 * v[0] - v[(size_t)imin(-i, n - 1) * stride];
    else x = 2 * v[(size_t)(n - 1) * stride] - v[(size_t)imax(2 * (n - 1) - i, 0) * stride];
    return x < 0 ? 0 : x > 255 ? 255 : x;
}

/* Closing (max then min over (2r+1)^2 cells) of the gx x gy grid v, in place. */
static nn_status close_grid(float *v, int gx, int gy, int r) {
    int pad = 2 * r, pw = gx + 2 * pad, ph = gy + 2 * pad;
    float *tmp = malloc((size_t)pw * gy * sizeof *tmp);
    float *padded = malloc((size_t)pw * ph * sizeof *padded);
    float *dil = malloc((size_t)pw * ph * sizeof *dil);
    if (!tmp || !padded || !dil) {
        free(tmp), free(padded), free(dil);
        return NN_ERR_NOMEM;
    }
    for (int j = 0; j < gy; j++)
        for (int i = 0; i < pw; i++)
            tmp[j * pw + i] = reflect_at(v + (size_t)j * gx, gx, 1, i - pad);
    for (int j = 0; j < ph; j++)
        for (int i = 0; i < pw; i++) padded[j * pw + i] = reflect_at(tmp + i, gy, pw, j - pad);
    for (int j = r; j < ph - r; j++)
        for (int i = r; i < pw - r; i++) {
            float m = 0;
            for (int dj = -r; dj <= r; dj++)
                for (int di = -r; di <= r; di++) m = maxf(m, padded[(j + dj) * pw + i + di]);
            dil[j * pw + i] = m;
        }
    for (int j = 0; j < gy; j++)
        for (int i = 0; i < gx; i++) {
            float m = 255;
            for (int dj = -r; dj <= r; dj++)
                for (int di = -r; di <= r; di++)
                    m = minf(m, dil[(j + pad + dj) * pw + i + pad + di]);
            v[j * gx + i] = m;
        }
    free(tmp), free(padded), free(dil);
    return NN_OK;
}

/* Fills the dark basins of the gx x gy grid v that do not reach its border (grey reconstruction
 * by erosion from the border, 8-connected). A dark region enclosed by paper is on the page, so
 * it is ink however large (a bold blob); one reaching the border is the table or a margin. */
static void fill_holes(float *v, int gx, int gy) {
    int n = gx * gy;
    float marker[GRID * GRID];
    for (int j = 0; j < gy; j++)
        for (int i = 0; i < gx; i++)
            marker[j * gx + i] = (i == 0 || j == 0 || i == gx - 1 || j == gy - 1) ? v[j * gx + i]
                                                                                  : 255;
    for (int changed = 1; changed;) {
        changed = 0;
        for (int pass = 0; pass < 2; pass++)
            for (int k = 0; k < n; k++) {
                int idx = pass ? n - 1 - k : k, i = idx % gx, j = idx / gx;
                float m = marker[idx];
                for (int dj = -1; dj <= 1; dj++)
                    for (int di = -1; di <= 1; di++) {
                        int ii = i + di, jj = j + dj;
                        if (ii >= 0 && jj >= 0 && ii < gx && jj < gy)
                            m = minf(m, marker[jj * gx + ii]);
                    }
                m = maxf(m, v[idx]);
                if (m < marker[idx]) marker[idx] = m, changed = 1;
            }
    }
    memcpy(v, marker, (size_t)n * sizeof *v);
}

/* For each of n pixels along an axis: the cell centre at or before it and the fraction towards
 * the next one (0 past the first and last centres: the background is held flat there). */
static void axis_interp(int n, int c, int cells_n, int *i0, float *f) {
    for (int x = 0; x < n; x++) {
        double px = x + 0.5, lo = 0.5 * (double)c;
        int i = (int)floor(px / c - 0.5);
        if (px <= lo || i < 0) {
            i0[x] = 0, f[x] = 0;
        } else if (i >= cells_n - 1) {
            i0[x] = cells_n - 1, f[x] = 0;
        } else {
            double a = 0.5 * ((double)i * c + (double)(i + 1) * c);
            double b = 0.5 * ((double)(i + 1) * c + fmin((double)(i + 2) * c, (double)n));
            i0[x] = i, f[x] = (float)((px - a) / (b - a));
            if (f[x] > 1) f[x] = 1;
        }
    }
}

/* Sliding maximum (dilate) or minimum over [i - r, i + r] of n values at a stride, van Herk /
 * Gil-Werman: O(n) whatever r. Past the ends `pad`, the neutral value: only the image counts.
 * One body for the bytes of the background's closing (slide_u8) and the floats of the thin
 * strokes' dilation (slide_f32); buf, g and hb hold n + 2r values each. */
#define SLIDE_EXTREMUM(name, T)                                                                    \
    static void name(T *v, int n, size_t stride, int r, int dilate, T pad, T *buf, T *g, T *hb) {  \
        r = imin(r, n); /* a wider window sees the whole line all the same */                      \
        int len = n + 2 * r, k = 2 * r + 1;                                                        \
        for (int i = 0; i < len; i++)                                                              \
            buf[i] = (i >= r && i < n + r) ? v[(size_t)(i - r) * stride] : pad;                    \
        for (int i = 0; i < len; i++)                                                              \
            g[i] = (i % k == 0) ? buf[i] : PICK(dilate, g[i - 1], buf[i]);                         \
        for (int i = len - 1; i >= 0; i--)                                                         \
            hb[i] = (i == len - 1 || (i + 1) % k == 0) ? buf[i] : PICK(dilate, hb[i + 1], buf[i]); \
        for (int i = 0; i < n; i++) v[(size_t)i * stride] = PICK(dilate, hb[i], g[i + 2 * r]);     \
    }
#define PICK(dilate, a, b) ((dilate) ? ((a) > (b) ? (a) : (b)) : ((a) < (b) ? (a) : (b)))
SLIDE_EXTREMUM(slide_u8, uint8_t)
SLIDE_EXTREMUM(slide_f32, float)
#undef PICK
#undef SLIDE_EXTREMUM

/* The background ready for darkness D = 1 - v / background (v the ink-darkness byte, inverted
 * for light ink), row by row. No per-pixel darkness is kept: a row costs a few flops to redo,
 * while fresh image-sized buffers cost page faults on every call.
 * Cells smooth the background over a cell or so, which is right for light falling off but turns
 * the dark side of a sharp step (the table beside the page, a hard shadow) into a band of "ink".
 * Near such steps the background is also capped by a grey closing of the pixels, which keeps
 * steps where they are and fills only dark strokes narrower than twice its radius. */
typedef struct field {
    const uint8_t *p;
    int flip, w, h, c, gx, gy;
    const int *col_cell;
    float *bg, *row, *xf, *yf; /* gx x gy cells; gx for the current row; w; h */
    float *bgrow;              /* w: the background along the current row */
    int *xi, *yi;              /* w; h */
    uint8_t *step;             /* gx x gy: 1 near a step */
    const uint8_t *lined;      /* w x h: below 255 under a printed line (NULL: no lines) */
    uint8_t *closed;           /* w x h closing of the (inverted) image; NULL without steps */
} field;

static void field_free(field *f) {
    free(f->bg), free(f->row), free(f->bgrow), free(f->xf), free(f->yf), free(f->xi), free(f->yi);
    free(f->step), free(f->closed);
}

/* Grey closing of the (inverted) image with a (2r+1)^2 square, separable. Columns are handled 64
 * at a time, transposed into rows, so that every pass reads memory in order. */
static nn_status close_pixels(field *f) {
    enum { STRIP = 64 };
    int w = f->w, h = f->h, side = imax(w, h), r = imax(2, (side + STEP_SIDE / 2) / STEP_SIDE);
    int len = side + 2 * r;
    uint8_t *buf = malloc((size_t)len * 3), *strip = malloc((size_t)STRIP * h);
    if (!buf || !strip || !(f->closed = malloc((size_t)w * h))) {
        free(buf), free(strip);
        return NN_ERR_NOMEM;
    }
    uint8_t *c = f->closed;
    for (size_t i = 0; i < (size_t)w * h; i++) c[i] = (uint8_t)(f->flip ? 255 - f->p[i] : f->p[i]);
    for (int pass = 0; pass < 2; pass++) {
        int dilate = pass == 0;
        for (int y = 0; y < h; y++)
            slide_u8(c + (size_t)y * w, w, 1, r, dilate, dilate ? 0 : 255, buf, buf + len,
                     buf + 2 * len);
        for (int x0 = 0; x0 < w; x0 += STRIP) {
            int n = imin(STRIP, w - x0);
            for (int y = 0; y < h; y++)
                for (int k = 0; k < n; k++) strip[(size_t)k * h + y] = c[(size_t)y * w + x0 + k];
            for (int k = 0; k < n; k++)
                slide_u8(strip + (size_t)k * h, h, 1, r, dilate, dilate ? 0 : 255, buf, buf + len,
                         buf + 2 * len);
            for (int y = 0; y < h; y++)
                for (int k = 0; k < n; k++) c[(size_t)y * w + x0 + k] = strip[(size_t)k * h + y];
        }
    }
    free(buf), free(strip);
    return NN_OK;
}

static nn_status field_build(field *f, const cells *g, const uint8_t *p, int flip) {
    int w = g->w, h = g->h, gx = g->gx, gy = g->gy, any = 0;
    memset(f, 0, sizeof *f);
    f->p = p, f->flip = flip, f->w = w, f->h = h, f->c = g->c, f->gx = gx, f->gy = gy;
    f->col_cell = g->col_cell;
    f->bg = malloc((size_t)gx * gy * sizeof *f->bg), f->row = malloc((size_t)gx * sizeof *f->row);
    f->bgrow = malloc((size_t)w * sizeof *f->bgrow);
    f->xi = malloc((size_t)w * sizeof *f->xi), f->yi = malloc((size_t)h * sizeof *f->yi);
    f->xf = malloc((size_t)w * sizeof *f->xf), f->yf = malloc((size_t)h * sizeof *f->yf);
    f->step = calloc((size_t)gx * gy, 1);
    if (!f->bg || !f->row || !f->bgrow || !f->xi || !f->yi || !f->xf || !f->yf || !f->step)
        return NN_ERR_NOMEM;
    uint8_t q[GRID * GRID];
    if (cells_quantiles(g, p, flip, BG_RADIUS, BG_QUANTILE, q) != NN_OK) return NN_ERR_NOMEM;
    for (int k = 0; k < gx * gy; k++) f->bg[k] = (float)q[k];
    nn_status st = close_grid(f->bg, gx, gy, CLOSE_RADIUS);
    if (st != NN_OK) return st;
    fill_holes(f->bg, gx, gy);
    axis_interp(w, g->c, gx, f->xi, f->xf);
    axis_interp(h, g->c, gy, f->yi, f->yf);
    /* a step between neighbouring cells flags the 5x5 cells around the cell: bilinear
     * interpolation carries the step's blur one cell further */
    for (int j = 0; j < gy; j++)
        for (int i = 0; i < gx; i++) {
            float lo = 255, hi = 0;
            for (int dj = -1; dj <= 1; dj++)
                for (int di = -1; di <= 1; di++) {
                    int jj = j + dj, ii = i + di;
                    if (jj < 0 || ii < 0 || jj >= gy || ii >= gx) continue;
                    lo = minf(lo, f->bg[jj * gx + ii]), hi = maxf(hi, f->bg[jj * gx + ii]);
                }
            if (lo >= STEP_RATIO * hi) continue;
            any = 1;
            for (int jj = imax(j - 2, 0); jj <= imin(j + 2, gy - 1); jj++)
                for (int ii = imax(i - 2, 0); ii <= imin(i + 2, gx - 1); ii++)
                    f->step[jj * gx + ii] = 1;
        }
    return any ? close_pixels(f) : NN_OK;
}

/* The step flags of the cells along row y, by cell column (f->col_cell[x] for pixel x). */
static const uint8_t *step_row(const field *f, int y) {
    return f->step + (size_t)(y / f->c) * f->gx;
}

/* Pixels [x0, x1) of row y: darkness D = 1 - v / background, clamped to [-1, 1], into d, and
 * the excess E = background - v in grey levels into e (if not NULL). */
static void dark_row(field *f, int y, int x0, int x1, float *d, float *e) {
    int gx = f->gx;
    /* a + f * (b - a) is exactly a when the neighbours agree: clean pages stay at 255 */
    const float *r0 = f->bg + (size_t)f->yi[y] * gx,
                *r1 = f->bg + (size_t)imin(f->yi[y] + 1, f->gy - 1) * gx;
    for (int i = 0; i < gx; i++) f->row[i] = r0[i] + f->yf[y] * (r1[i] - r0[i]);
    const uint8_t *src = f->p + (size_t)y * f->w + x0;
    float *v = f->bgrow;
    int n = x1 - x0;
    for (int x = x0; x < x1; x++) {
        float a = f->row[f->xi[x]], b = f->row[imin(f->xi[x] + 1, gx - 1)];
        v[x - x0] = a + f->xf[x] * (b - a);
    }
    if (f->closed) {
        const uint8_t *closed = f->closed + (size_t)y * f->w + x0;
        const uint8_t *step = step_row(f, y);
        for (int k = 0; k < n; k++)
            if (step[f->col_cell[x0 + k]]) v[k] = minf(v[k], closed[k]);
    }
    /* the loops below have no gathers and no branches: they vectorise */
    for (int k = 0; k < n; k++) {
        float s = f->flip ? (float)(255 - src[k]) : (float)src[k];
        float dv = 1.0f - s / maxf(v[k], BG_FLOOR);
        d[k] = maxf(dv, -1.0f);
    }
    if (e)
        for (int k = 0; k < n; k++) e[k] = v[k] - (f->flip ? (float)(255 - src[k]) : (float)src[k]);
}

/* ---- levels: paper and noise, in darkness D and in excess grey levels E, then the ink ---- */

/* Ink must stand out of the noise in grey levels (E), not only relative to the background (D):
 * dividing by a dark background (the table beside the page, a deep shadow) multiplies its noise,
 * which the paper-dominated noise of D would not cover. */
typedef struct levels {
    float lo, hi; /* intensity = (D - lo) / (hi - lo) */
    float strong; /* D >= strong ... */
    float gate_e; /* ... and E >= gate_e: surely ink */
} levels;

enum { EBINS = 1021 }; /* E in [-255, 255] by half levels */
static int dbin(float v) { return (int)floorf((v + 1.0f) * 512.0f); }
static double dval(int bin) { return bin / 512.0 - 1.0; }
static int ebin(float v) { return (int)floorf((v + 255.0f) * 2.0f); }

static float intensity(float d, const levels *lv) {
    float v = (d - lv->lo) / (lv->hi - lv->lo);
    return v < 0 ? 0 : v > 1 ? 1 : v;
}

/* What a pixel of the candidates' map (w x h bytes) is. */
enum { NOT_CAND, CAND, CAND_SURROUND, CAND_BORDER, CAND_QUEUED };

/* The page's surround among the ink candidates (cand: CAND or NOT_CAND): a region of
 * 8-connected candidates that lies along the image border for SURROUND_SIDE of the shorter side
 * or more is the table or a dark margin the page lies on; a strip of it narrower than the
 * background's cells reads as "ink", as dark as the table. Its pixels become CAND_SURROUND, those
 * of other border regions CAND_BORDER, and *nsur counts the first. A stroke that runs off the
 * picture touches the border along its width only. Time O(pixels), one queue of nc entries. */
static nn_status mark_surround(uint8_t *cand, int w, int h, uint64_t nc, uint64_t *nsur) {
    int32_t *queue = malloc((size_t)nc * sizeof *queue);
    if (!queue) return NN_ERR_NOMEM;
    double need = SURROUND_SIDE * imin(w, h);
    for (int k = 0; k < 2 * (w + h); k++) {
        /* the border, clockwise from the top left corner (corners are seen twice: harmless) */
        int x = k < w ? k : k < w + h ? w - 1 : k < 2 * w + h ? 2 * w + h - 1 - k : 0;
        int y = k < w ? 0 : k < w + h ? k - w : k < 2 * w + h ? h - 1 : 2 * (w + h) - 1 - k;
        int32_t seed = (int32_t)y * w + x;
        if (cand[seed] != CAND) continue;
        size_t head = 0, tail = 0, border = 0;
        cand[seed] = CAND_QUEUED, queue[tail++] = seed;
        while (head < tail) {
            int32_t i = queue[head++];
            int px = i % w, py = i / w;
            border += px == 0 || py == 0 || px == w - 1 || py == h - 1;
            for (int dy = -1; dy <= 1; dy++)
                for (int dx = -1; dx <= 1; dx++) {
                    int qx = px + dx, qy = py + dy;
                    if (qx < 0 || qy < 0 || qx >= w || qy >= h) continue;
                    int32_t j = (int32_t)qy * w + qx;
                    if (cand[j] == CAND) cand[j] = CAND_QUEUED, queue[tail++] = j;
                }
        }
        uint8_t mark = border >= need ? CAND_SURROUND : CAND_BORDER;
        for (size_t q = 0; q < tail; q++) cand[queue[q]] = mark;
        if (mark == CAND_SURROUND) *nsur += tail;
    }
    free(queue);
    return NN_OK;
}

/* d, e: w floats of scratch */
static nn_status find_levels(field *f, float *d, float *e, levels *lv) {
    uint32_t *hd = calloc(DBINS, sizeof *hd), *he = calloc(EBINS, sizeof *he);
    uint32_t *hk = malloc(DBINS * sizeof *hk);
    uint8_t *cand = NULL;
    nn_status st = NN_ERR_NOMEM;
    if (!hd || !he || !hk) goto done;
    /* paper and noise: every other row and column of large images is plenty */
    int step = (size_t)f->w * f->h > 262144 ? 2 : 1;
    /* pixels under a printed line that was divided out are left out: what remains of a line
     * there is neither paper nor ink */
    for (int y = 0; y < f->h; y += step) {
        dark_row(f, y, 0, f->w, d, e);
        const uint8_t *ln = f->lined ? f->lined + (size_t)y * f->w : NULL;
        for (int x = 0; x < f->w; x += step)
            if (!ln || ln[x] > LINED_CORE) hd[dbin(d[x])]++, he[ebin(e[x])]++;
    }
    /* the paper's D: the median and MAD of the pixels that may be paper, so that a digit
     * covering more than half of the image still leaves the paper level where it is */
    int top = dbin((float)PAPER_MAX_D), mad_d, mad_e;
    int mb = median_mad(hd, top, &mad_d), me = median_mad(he, EBINS, &mad_e);
    st = NN_ERR_NO_DIGIT;
    uint64_t np = 0;
    for (int b = 0; b < top; b++) np += hd[b];
    if (np == 0) goto done;
    double m = dval(mb), sigma = fmax(1.4826 * mad_d / 512.0, 0.5 / 255.0);
    double gate = m + fmax(GATE_SIGMAS * sigma, GATE_MIN);
    double gate_e = (me - 510) / 2.0 + fmax(GATE_SIGMAS * 1.4826 * mad_e / 2.0, GATE_MIN_LEVELS);
    /* the ink level: a high quantile of the D of the candidates, over every pixel, leaving out
     * the page's surround and the page's edges (step cells: what a table leaves along them) when
     * SURROUND_KEEP candidates remain. Else thousands of table pixels set the level, and a faint
     * digit falls below it ("no digit"); the edges' faint outline, kept, would pull it down. */
    st = NN_ERR_NOMEM;
    cand = malloc((size_t)f->w * f->h);
    if (!cand) goto done;
    memset(hd, 0, DBINS * sizeof *hd);
    uint64_t nc = 0, cum = 0;
    for (int y = 0; y < f->h; y++) {
        dark_row(f, y, 0, f->w, d, e);
        const uint8_t *ln = f->lined ? f->lined + (size_t)y * f->w : NULL;
        uint8_t *cr = cand + (size_t)y * f->w;
        for (int x = 0; x < f->w; x++) {
            int c = d[x] > gate && e[x] >= gate_e && (!ln || ln[x] > LINED_CORE);
            cr[x] = c ? CAND : NOT_CAND;
            if (c) hd[dbin(d[x])]++, nc++;
        }
    }
    uint64_t nsur = 0;
    if (nc && (st = mark_surround(cand, f->w, f->h, nc, &nsur)) != NN_OK) goto done;
    st = NN_ERR_NO_DIGIT;
    if (nsur || f->closed) { /* f->closed exists when some cells are step cells */
        /* the candidates off the surround and away from the page's edges (the step cells) */
        uint64_t nk = 0;
        memset(hk, 0, DBINS * sizeof *hk);
        for (int y = 0; y < f->h; y++) {
            const uint8_t *cr = cand + (size_t)y * f->w, *step = step_row(f, y);
            dark_row(f, y, 0, f->w, d, e);
            for (int x = 0; x < f->w; x++)
                if ((cr[x] == CAND || cr[x] == CAND_BORDER) && !step[f->col_cell[x]])
                    hk[dbin(d[x])]++, nk++;
        }
        if (nk >= SURROUND_KEEP && nk < nc) memcpy(hd, hk, DBINS * sizeof *hd), nc = nk;
    }
#ifdef LINES_DEBUG
    if (getenv("DBG_CAND")) {
        FILE *o = fopen(getenv("DBG_CAND"), "wb");
        fprintf(o, "P5\n%d %d\n255\n", f->w, f->h);
        for (int y = 0; y < f->h; y++) {
            dark_row(f, y, 0, f->w, d, e);
            const uint8_t *ln = f->lined ? f->lined + (size_t)y * f->w : NULL;
            for (int x = 0; x < f->w; x++) {
                int c = d[x] > gate && e[x] >= gate_e;
                fputc(!c ? 255 : (!ln || ln[x] > LINED_CORE) ? 0 : 128, o);
            }
        }
        fclose(o);
    }
#endif
    if (nc == 0) goto done;
    uint64_t need = (uint64_t)ceil(INK_QUANTILE * (double)nc);
    int hb = 0;
    for (cum = hd[hb]; cum < need;) cum += hd[++hb];
    double hi = dval(hb), lo = m + LO_SIGMAS * sigma;
    if (hi - m < MIN_CONTRAST || hi <= lo) goto done;
    lv->lo = (float)lo, lv->hi = (float)hi, lv->gate_e = (float)gate_e;
    lv->strong = (float)fmax(gate, 0.5 * (lo + hi));
#ifdef LINES_DEBUG
    fprintf(stderr,
            "levels: paper %.3f sigma %.4f gate %.3f gate_e %.1f lo %.3f hi %.3f strong %.3f cands "
            "%llu\n",
            m, sigma, gate, gate_e, lo, hi, lv->strong, (unsigned long long)nc);
#endif
    st = NN_OK;
done:
    free(hd), free(he), free(hk), free(cand);
    return st;
}

/* ---- components of the strong pixels: runs of a row joined to the runs they touch above ---- */

static int runs_push(runs *rs, int y, int x0, int x1, float mass) {
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 1024;
        run *r = realloc(rs->r, cap * sizeof *r);
        if (!r) return 0;
        rs->r = r, rs->cap = cap;
    }
    rs->r[rs->n] = (run){y, x0, x1, (int32_t)rs->n, mass};
    rs->n++;
    return 1;
}

static int32_t uf_find(run *r, int32_t a) {
    while (r[a].id != a) a = r[a].id = r[r[a].id].id;
    return a;
}

/* Collects the runs of strong pixels (D >= strong, E >= gate_e) and joins them 8-connected into
 * components 1..*ncomp (the runs' ids). A label image would cost 4 bytes a pixel; runs cost only
 * where ink is. */
static nn_status label(field *f, float *rowbuf, float *ebuf, const levels *lv, runs *rs, comp **out,
                       int32_t *ncomp) {
    int w = f->w, h = f->h;
    size_t prev0 = 0, prev1 = 0;
    for (int y = 0; y < h; y++) {
        size_t cur0 = rs->n;
        int start = -1;
        float mass = 0;
        dark_row(f, y, 0, w, rowbuf, ebuf);
        for (int x = 0; x < w; x++) {
            if (rowbuf[x] >= lv->strong && ebuf[x] >= lv->gate_e) {
                if (start < 0) start = x, mass = 0;
                mass += intensity(rowbuf[x], lv);
            } else if (start >= 0) {
                if (!runs_push(rs, y, start, x, mass)) return NN_ERR_NOMEM;
                start = -1;
            }
        }
        if (start >= 0 && !runs_push(rs, y, start, w, mass)) return NN_ERR_NOMEM;
        /* runs touch (8-connected) when each starts at most one pixel past the other's end */
        size_t p = prev0;
        for (size_t c = cur0; c < rs->n; c++) {
            run *rc = rs->r + c;
            while (p < prev1 && rs->r[p].x1 < rc->x0) p++;
            for (size_t q = p; q < prev1 && rs->r[q].x0 <= rc->x1; q++) {
                int32_t a = uf_find(rs->r, (int32_t)c), b = uf_find(rs->r, (int32_t)q);
                if (a < b) rs->r[b].id = a;
                else if (b < a) rs->r[a].id = b;
            }
        }
        prev0 = cur0, prev1 = rs->n;
    }
    /* a parent always precedes its child, so one ascending pass turns ids into components */
    int32_t nc = 0;
    for (size_t a = 0; a < rs->n; a++)
        rs->r[a].id = (size_t)rs->r[a].id == a ? ++nc : rs->r[rs->r[a].id].id;
    comp *cs = calloc((size_t)nc + 1, sizeof *cs);
    if (!cs) return NN_ERR_NOMEM;
    for (int32_t c = 1; c <= nc; c++) cs[c].x0 = w, cs[c].y0 = h;
    for (size_t a = 0; a < rs->n; a++) {
        const run *r = rs->r + a;
        comp *c = cs + r->id;
        c->mass += r->mass, c->count += r->x1 - r->x0;
        c->x0 = imin(c->x0, r->x0), c->x1 = imax(c->x1, r->x1);
        c->y0 = imin(c->y0, r->y), c->y1 = imax(c->y1, r->y + 1);
    }
    for (int32_t c = 1; c <= nc; c++)
        cs[c].border = cs[c].x0 == 0 || cs[c].y0 == 0 || cs[c].x1 == w || cs[c].y1 == h;
    *out = cs, *ncomp = nc;
    return NN_OK;
}

/* ---- specks: keep the main stroke and the parts near enough for their weight ---- */

static int gap(const comp *c, const rect *b) {
    int gx = c->x0 >= b->x1 ? c->x0 - b->x1 + 1 : b->x0 >= c->x1 ? b->x0 - c->x1 + 1 : 0;
    int gy = c->y0 >= b->y1 ? c->y0 - b->y1 + 1 : b->y0 >= c->y1 ? b->y0 - c->y1 + 1 : 0;
    return imax(gx, gy);
}

/* The position below which a share q of the counts h[0..n) lies. */
static int count_quantile(const int64_t *h, int n, int64_t total, double q) {
    int64_t need = (int64_t)ceil(q * (double)total), cum = 0;
    if (need < 1) need = 1;
    for (int i = 0; i < n; i++)
        if ((cum += h[i]) >= need) return i;
    return n - 1;
}

/* The core of the ink along one axis, [*lo, *hi): the middle 90% of the counts h[0..n), cut to
 * Tukey's fences (1.5 interquartile ranges beyond the quartiles) so that specks, however many,
 * stay outside: a small digit on a large page holds little ink, and a few specks spread over
 * the page can then be more than the 5% on each side that the quantiles alone leave out. */
static void core_range(const int64_t *h, int n, int64_t total, int *lo, int *hi) {
    int q05 = count_quantile(h, n, total, 0.05), q95 = count_quantile(h, n, total, 0.95);
    int q25 = count_quantile(h, n, total, 0.25), q75 = count_quantile(h, n, total, 0.75);
    double iqr = q75 - q25;
    *lo = imax(q05, (int)floor(q25 - 1.5 * iqr));
    *hi = imin(q95, (int)ceil(q75 + 1.5 * iqr)) + 1;
}

/* Marks the components that make the digit and returns their strong pixel count (0: none).
 * The main stroke is the heaviest component off the image border (a page edge or the table in a
 * photo touches it; fall back to any). The core is where the middle 90% of the off-border ink
 * lies along each axis, within Tukey's fences (core_range): specks cannot stretch it, and every
 * piece of a broken stroke overlaps it. Pieces overlapping the core are kept, then any part within
 * (NEAR_BASE + its mass ratio) times the kept box's longer side, so a detached bar of a 5 stays and
 * specks further out go; parts lighter than PART_MIN of the main stroke only stay inside the box. A
 * part on the border heavier than an inner main stroke is what surrounds the page (the table, a
 * shadow): were it part of the digit, it would have been the main stroke. */
static int select_parts(comp *cs, int32_t nc, const runs *rs, int w, int h, rect *box) {
    int32_t main = 0;
    for (int pass = 0; pass < 2 && !main; pass++)
        for (int32_t c = 1; c <= nc; c++)
            if ((pass || !cs[c].border) && (!main || cs[c].mass > cs[main].mass)) main = c;
    if (!main) return 0;
#ifdef LINES_DEBUG
    fprintf(stderr, "select: %d comps, main %d mass %.1f box %d %d %d %d\n", (int)nc, (int)main,
            cs[main].mass, cs[main].x0, cs[main].y0, cs[main].x1, cs[main].y1);
#endif
    int inner = !cs[main].border;
    int64_t *col = calloc((size_t)w + 1, sizeof *col), *row = calloc((size_t)h, sizeof *row),
            total = 0;
    if (!col || !row) {
        free(col), free(row);
        return -1;
    }
    for (size_t k = 0; k < rs->n; k++) {
        const run *r = rs->r + k;
        if (inner && cs[r->id].border) continue;
        col[r->x0]++, col[r->x1]--, row[r->y] += r->x1 - r->x0, total += r->x1 - r->x0;
    }
    for (int x = 1; x < w; x++) col[x] += col[x - 1];
    int cx0, cx1, cy0, cy1;
    core_range(col, w, total, &cx0, &cx1);
    core_range(row, h, total, &cy0, &cy1);
    rect core = {cx0, cy0, cx1, cy1};
    free(col), free(row);
    cs[main].keep = 1;
    *box = (rect){cs[main].x0, cs[main].y0, cs[main].x1, cs[main].y1};
    for (int pass = 0, changed = 1; changed; pass = 1) {
        changed = 0;
        for (int32_t c = 1; c <= nc; c++) {
            double ratio = cs[c].mass / cs[main].mass;
            if (cs[c].keep || ratio < PART_MIN || (inner && cs[c].border && ratio > 1)) continue;
            if (pass == 0 ? gap(cs + c, &core) > 0
                          : gap(cs + c, box) >
                                (NEAR_BASE + ratio) * imax(box->x1 - box->x0, box->y1 - box->y0))
                continue;
            cs[c].keep = 1, changed = 1;
            box->x0 = imin(box->x0, cs[c].x0), box->y0 = imin(box->y0, cs[c].y0);
            box->x1 = imax(box->x1, cs[c].x1), box->y1 = imax(box->y1, cs[c].y1);
        }
        if (pass == 0) changed = 1;
    }
    int strong = 0;
    for (int32_t c = 1; c <= nc; c++) {
        comp *k = cs + c;
        if (!k->keep && k->x0 >= box->x0 && k->y0 >= box->y0 && k->x1 <= box->x1 &&
            k->y1 <= box->y1)
            k->keep = 1;
        if (k->keep) strong += k->count;
    }
    return strong;
}

/* ---- thin strokes: dilated by the sliding maximum (slide_f32) ---- */

static nn_status dilate(float *v, int w, int h, int r) {
    int len = imax(w, h) + 2 * r;
    float *buf = malloc((size_t)len * 3 * sizeof *buf);
    if (!buf) return NN_ERR_NOMEM;
    for (int y = 0; y < h; y++)
        slide_f32(v + (size_t)y * w, w, 1, r, 1, 0.0f, buf, buf + len, buf + 2 * len);
    for (int x = 0; x < w; x++)
        slide_f32(v + x, h, (size_t)w, r, 1, 0.0f, buf, buf + len, buf + 2 * len);
    free(buf);
    return NN_OK;
}

/* ---- exact area resampling: each source pixel is a square of side s splatted by overlap ---- */

/* Output cells [j, j+1) overlapped by [a, a + s), clipped to [0, OUT): first cell and weights. */
static int overlaps(double a, double s, int *first, double *wt, int cap) {
    int n = 0, j0 = (int)floor(a);
    *first = imax(j0, 0);
    for (int j = *first; j < OUT && j < a + s && n < cap; j++) {
        double ov = fmin(a + s, j + 1.0) - fmax(a, (double)j);
        wt[n++] = ov > 0 ? ov : 0;
    }
    return n;
}

/* v: bw x bh intensities of the box, whose ink spans `extent` pixels along its longer side: that
 * becomes BOX pixels, and the centre of mass (cx, cy, box coordinates) lands on COM_TARGET. */
static nn_status splat(const float *v, int bw, int bh, double extent, double cx, double cy,
                       float *out784) {
    double s = (double)BOX / extent, acc[OUT * OUT] = {0}, row[OUT], rw[BOX + 2];
    double ox = COM_TARGET + 0.5 - cx * s, oy = COM_TARGET + 0.5 - cy * s;
    int cap = (int)s + 2;
    int *cfirst = malloc((size_t)bw * sizeof *cfirst), *cn = malloc((size_t)bw * sizeof *cn);
    double *cw = malloc((size_t)bw * cap * sizeof *cw);
    if (!cfirst || !cn || !cw) {
        free(cfirst), free(cn), free(cw);
        return NN_ERR_NOMEM;
    }
    for (int x = 0; x < bw; x++)
        cn[x] = overlaps(ox + x * s, s, cfirst + x, cw + (size_t)x * cap, cap);
    for (int y = 0; y < bh; y++) {
        const float *src = v + (size_t)y * bw;
        int any = 0;
        memset(row, 0, sizeof row);
        for (int x = 0; x < bw; x++) {
            if (src[x] == 0) continue;
            const double *wt = cw + (size_t)x * cap;
            for (int k = 0; k < cn[x]; k++) row[cfirst[x] + k] += src[x] * wt[k];
            any = 1;
        }
        if (!any) continue;
        int rfirst, rn = overlaps(oy + y * s, s, &rfirst, rw, BOX + 2);
        for (int k = 0; k < rn; k++)
            for (int j = 0; j < OUT; j++) acc[(rfirst + k) * OUT + j] += row[j] * rw[k];
    }
    for (int i = 0; i < OUT * OUT; i++) out784[i] = (float)(acc[i] > 1 ? 1 : acc[i]);
    free(cfirst), free(cn), free(cw);
    return NN_OK;
}

/* ---- the pipeline on the ink-darkness bytes p ---- */

/* Dilation radius (source pixels) that brings strokes of width 2 * area / perimeter of the mask
 * (mw x mh, strong pixels) to TARGET_OUT once a box of `side` pixels is scaled to BOX. */
static int thicken_radius(const uint8_t *mask, int mw, int mh, int strong, int side) {
    double perim = 0;
    for (int y = 0; y <= mh; y++)
        for (int x = 0; x <= mw; x++) {
            int in = x < mw && y < mh && mask[(size_t)y * mw + x];
            int left = x > 0 && y < mh && mask[(size_t)y * mw + x - 1];
            int up = y > 0 && x < mw && mask[(size_t)(y - 1) * mw + x];
            perim += (in != left) + (in != up);
        }
    double width = 2.0 * strong / perim;
    if (width * BOX / side >= THIN_OUT) return 0;
    double want = (TARGET_OUT * side / BOX - width) / (2.0 * (1.0 - TARGET_OUT / BOX));
    return imin((int)lround(want), side / 4);
}

/* The ink in roi (rw x rh, zero elsewhere) into out784: its box, sub-pixel extent and centre of
 * mass, then the splat. roi is compacted to the box in place. */
static nn_status place(float *roi, int rw, int rh, float *out784) {
    rect b = {rw, rh, 0, 0};
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < rh; y++) {
        const float *src = roi + (size_t)y * rw;
        double rowm = 0;
        for (int x = 0; x < rw; x++) {
            if (src[x] == 0) continue;
            rowm += src[x], mx += src[x] * (x + 0.5);
            b.x0 = imin(b.x0, x), b.x1 = imax(b.x1, x + 1);
        }
        if (rowm > 0) b.y0 = imin(b.y0, y), b.y1 = imax(b.y1, y + 1);
        mass += rowm, my += rowm * (y + 0.5);
    }
    int bw = b.x1 - b.x0, bh = b.y1 - b.y0;
    for (int y = 0; y < bh; y++) /* rows move to lower addresses only: memmove is safe */
        memmove(roi + (size_t)y * bw, roi + (size_t)(b.y0 + y) * rw + b.x0,
                (size_t)bw * sizeof *roi);
    /* the box MNIST fitted was that of bilevel ink: an anti-aliased edge column of peak p holds
     * about p of a pixel of ink, so the extent is measured to sub-pixel precision */
    double cl = 0, cr = 0, ct = 0, cb = 0;
    for (int y = 0; y < bh; y++)
        cl = fmax(cl, roi[(size_t)y * bw]), cr = fmax(cr, roi[(size_t)y * bw + bw - 1]);
    for (int x = 0; x < bw; x++)
        ct = fmax(ct, roi[x]), cb = fmax(cb, roi[(size_t)(bh - 1) * bw + x]);
    double ex = bw == 1 ? cl : bw - 2 + cl + cr, ey = bh == 1 ? ct : bh - 2 + ct + cb;
    return splat(roi, bw, bh, fmax(fmax(ex, ey), 1.0), mx / mass - b.x0, my / mass - b.y0, out784);
}

/* The paper's printed lines divided out (lines.c): the darkness of every pixel relative to the
 * background, then the lines found in it divided out of a copy of the ink bytes (dark on light).
 * When some are found the field is rebuilt on that copy, *copy, which the caller frees. */
static nn_status remove_lines(field *f, const cells *g, uint8_t **copy, uint8_t **lined,
                              int *count) {
    int w = f->w, h = f->h;
    size_t n = (size_t)w * h;
    uint8_t *dark = malloc(n), *ink = malloc(n);
    float *d = malloc((size_t)w * sizeof *d);
    nn_status st = NN_ERR_NOMEM;
    lines_found lf;
    *count = 0;
    if (!dark || !ink || !d) goto done;
    for (int y = 0; y < h; y++) {
        dark_row(f, y, 0, w, d, NULL);
        uint8_t *row = dark + (size_t)y * w;
        for (int x = 0; x < w; x++)
            row[x] = (uint8_t)(d[x] <= 0 ? 0 : lroundf(fminf(d[x], 1) * 255));
    }
    for (size_t i = 0; i < n; i++) ink[i] = (uint8_t)(f->flip ? 255 - f->p[i] : f->p[i]);
    if ((st = lines_remove(dark, ink, w, h, lined, &lf)) != NN_OK) goto done;
    *count = lf.periodic[0] + lf.periodic[1] + lf.extra[0] + lf.extra[1] + lf.dots;
#ifdef LINES_DEBUG
    if (getenv("DBG_INK")) {
        FILE *o = fopen(getenv("DBG_INK"), "wb");
        fprintf(o, "P5\n%d %d\n255\n", w, h);
        fwrite(ink, 1, n, o);
        fclose(o);
    }
    fprintf(stderr, "lines: %d %d extra %d %d bridged %d dots %d\n", lf.periodic[0], lf.periodic[1],
            lf.extra[0], lf.extra[1], lf.bridged, lf.dots);
#endif
    if (*count == 0) goto done;
    field_free(f);
    if ((st = field_build(f, g, ink, 0)) != NN_OK) goto done;
    f->lined = *lined;
    *copy = ink, ink = NULL;
done:
    free(dark), free(ink), free(d);
    return st;
}

/* One digit into out784 (and info, if not NULL): the strong pixels of the kept components within
 * columns [cx0, cx1), whose box is box and count strong, with their grey fringe (weak pixels
 * touching them, in the same columns), thickened if thin, placed as MNIST places its digits. */
static nn_status render_digit(field *f, const runs *rs, const comp *cs, const levels *lv, rect box,
                              int strong, int cx0, int cx1, float *rowbuf, float *out784,
                              nn_preprocess_info *info) {
    int w = f->w, h = f->h;
    uint8_t *mask = NULL;
    float *roi = NULL;
    nn_status st = NN_ERR_NOMEM;
    /* the kept strong pixels as a mask over the box grown by 1 (clipped to the image) */
    int mx0 = imax(box.x0 - 1, 0), my0 = imax(box.y0 - 1, 0);
    int mw = imin(box.x1 + 1, w) - mx0, mh = imin(box.y1 + 1, h) - my0;
    if (!(mask = calloc((size_t)mw * mh, 1))) goto done;
    for (size_t k = 0; k < rs->n; k++) {
        const run *r = rs->r + k;
        int x0 = imax(r->x0, cx0), x1 = imin(r->x1, cx1);
        if (cs[r->id].keep && x0 < x1)
            memset(mask + (size_t)(r->y - my0) * mw + (x0 - mx0), 1, (size_t)(x1 - x0));
    }
    int r = thicken_radius(mask, mw, mh, strong, imax(box.x1 - box.x0, box.y1 - box.y0) + 2);

    /* the kept strong pixels and their grey fringe (weak pixels touching them), grown by r */
    int m = 1 + r, rx0 = imax(box.x0 - m, 0), ry0 = imax(box.y0 - m, 0);
    int rw = imin(box.x1 + m, w) - rx0, rh = imin(box.y1 + m, h) - ry0;
    if (!(roi = calloc((size_t)rw * rh, sizeof *roi))) goto done;
    rect seen = {w, h, 0, 0};
#define KEPT(x, y) ((x) >= 0 && (y) >= 0 && (x) < mw && (y) < mh && mask[(size_t)(y)*mw + (x)])
    for (int y = 0; y < mh; y++) {
        dark_row(f, y + my0, mx0, mx0 + mw, rowbuf, NULL);
        for (int x = 0; x < mw; x++) {
            if (x + mx0 < cx0 || x + mx0 >= cx1) continue;
            float v = intensity(rowbuf[x], lv);
            /* what is left of a printed line is no fringe of the digit (its strong pixels,
             * the pen over the line, are in the mask already) */
            if (f->lined && f->lined[(size_t)(y + my0) * w + x + mx0] <= LINED_CORE && !KEPT(x, y))
                continue;
            int near = v > 0 && KEPT(x, y);
            for (int dy = -1; dy <= 1 && v > 0 && !near; dy++)
                for (int dx = -1; dx <= 1 && !near; dx++) near = KEPT(x + dx, y + dy);
            if (!near) continue;
            roi[(size_t)(y + my0 - ry0) * rw + (x + mx0 - rx0)] = v;
            seen.x0 = imin(seen.x0, x + mx0), seen.x1 = imax(seen.x1, x + mx0 + 1);
            seen.y0 = imin(seen.y0, y + my0), seen.y1 = imax(seen.y1, y + my0 + 1);
        }
    }
#undef KEPT
    if (r > 0 && (st = dilate(roi, rw, rh, r)) != NN_OK) goto done;
    if ((st = place(roi, rw, rh, out784)) != NN_OK || !info) goto done;
    double om = 0, ocx = 0, ocy = 0;
    for (int i = 0; i < OUT; i++)
        for (int j = 0; j < OUT; j++) {
            double v = out784[i * OUT + j];
            om += v, ocx += v * j, ocy += v * i;
        }
    info->x0 = seen.x0, info->y0 = seen.y0, info->x1 = seen.x1, info->y1 = seen.y1;
    info->ink_fraction = (float)((double)strong / ((double)w * h));
    info->com_x = (float)(ocx / om), info->com_y = (float)(ocy / om);
done:
    free(mask), free(roi);
    return st;
}

/* 1 if a kept component inside the picture is of a digit's size on a lined page (LINED_MIN_INK
 * strong pixels, LINED_MIN_SIDE tall): what lines leave behind (a speck where two crossed, the end
 * of one at the picture's edge, a flat stretch of a line that the model missed) is not. */
static int lined_digit(const comp *cs, int32_t nc) {
    for (int32_t c = 1; c <= nc; c++)
        if (cs[c].keep && !cs[c].border && cs[c].count >= LINED_MIN_INK &&
            cs[c].y1 - cs[c].y0 >= LINED_MIN_SIDE)
            return 1;
    return 0;
}

/* Marks the components of span d as kept; their strong pixels within its columns: box, count. */
static int span_parts(comp *cs, int32_t nc, const runs *rs, const digit_span *d, rect *box) {
    int strong = 0;
    for (int32_t c = 1; c <= nc; c++) cs[c].keep = cs[c].group == d->group;
    *box = (rect){d->x1, 0, d->x0, 0};
    int y0 = -1, y1 = 0;
    for (size_t k = 0; k < rs->n; k++) {
        const run *r = rs->r + k;
        int x0 = imax(r->x0, d->x0), x1 = imin(r->x1, d->x1);
        if (!cs[r->id].keep || x0 >= x1) continue;
        strong += x1 - x0;
        box->x0 = imin(box->x0, x0), box->x1 = imax(box->x1, x1);
        if (y0 < 0) y0 = r->y;
        y1 = r->y + 1;
    }
    box->y0 = y0, box->y1 = y1;
    return strong;
}

/* The picture p (w x h ink bytes) into up to max_digits digits: out784 and info get one entry a
 * digit, *count their number. NN_PRE_ONE_DIGIT reads it as one digit. */
static nn_status pipeline(const uint8_t *p, int w, int h, unsigned flags, int max_digits,
                          float *out784, nn_preprocess_info *info, int *count) {
    cells g = {0};
    field f = {0};
    runs rs = {0};
    uint8_t *unlined = NULL, *lined = NULL;
    float *rowbuf = NULL, *ebuf = NULL;
    int32_t nc = 0;
    comp *cs = NULL;
    levels lv;
    rect box;
    digit_span spans[NN_NUMBER_MAX_DIGITS];
    *count = 0;
    nn_status st = cells_init(&g, w, h);
    if (st != NN_OK) goto done;
    int light = light_on_dark(&g, p);
    st = NN_ERR_NOMEM;
    if (light < 0) goto done;
    if ((st = field_build(&f, &g, p, light)) != NN_OK) goto done;
    int nlines = 0;
    if (!(flags & NN_PRE_KEEP_LINES) && w >= LINES_MIN_SIDE && h >= LINES_MIN_SIDE &&
        (st = remove_lines(&f, &g, &unlined, &lined, &nlines)) != NN_OK)
        goto done;
    st = NN_ERR_NOMEM;
    if (!(rowbuf = malloc((size_t)w * sizeof *rowbuf)) ||
        !(ebuf = malloc((size_t)w * sizeof *ebuf)))
        goto done;
    if ((st = find_levels(&f, rowbuf, ebuf, &lv)) != NN_OK) goto done;
    if ((st = label(&f, rowbuf, ebuf, &lv, &rs, &cs, &nc)) != NN_OK) goto done;
    int nd = 0;
    if (!(flags & NN_PRE_ONE_DIGIT) && max_digits > 1) {
        nd = segment_digits(cs, nc, &rs, w, !(flags & NN_PRE_NO_CUT), nlines > 0, spans,
                            NN_NUMBER_MAX_DIGITS);
        st = NN_ERR_NOMEM;
        if (nd < 0) goto done;
    }
    if (nd <= 1) {
        int strong = select_parts(cs, nc, &rs, w, h, &box);
        st = strong < 0 ? NN_ERR_NOMEM : NN_ERR_NO_DIGIT;
        if (strong < MIN_INK_PIXELS) goto done;
        if (nlines && !lined_digit(cs, nc)) goto done;
        st = render_digit(&f, &rs, cs, &lv, box, strong, 0, w, rowbuf, out784, info);
        if (st != NN_OK) goto done;
        *count = 1;
    } else {
        /* each digit into a scratch result first: on an error nothing is written */
        float one[OUT * OUT];
        nn_preprocess_info di;
        for (int d = 0; d < nd && *count < max_digits && *count < NN_NUMBER_MAX_DIGITS; d++) {
            int strong = span_parts(cs, nc, &rs, spans + d, &box);
            if (strong < MIN_INK_PIXELS || (nlines && !lined_digit(cs, nc))) continue;
            memset(&di, 0, sizeof di);
            st = render_digit(&f, &rs, cs, &lv, box, strong, spans[d].x0, spans[d].x1, rowbuf, one,
                              &di);
            if (st != NN_OK) goto done;
            di.cut = spans[d].cut;
            memcpy(out784 + (size_t)*count * OUT * OUT, one, sizeof one);
            if (info) info[*count] = di;
            ++*count;
        }
        st = *count ? NN_OK : NN_ERR_NO_DIGIT;
    }
    if (info)
        for (int d = 0; d < *count; d++) info[d].light_on_dark = light, info[d].lines = nlines;
done:
    field_free(&f);
    free(g.col_cell), free(rowbuf), free(ebuf), free(rs.r), free(cs);
    free(unlined), free(lined);
    return st;
}

static nn_status check_size(int width, int height) {
    if (width < 1 || height < 1 || width > NN_IMAGE_MAX_SIDE || height > NN_IMAGE_MAX_SIDE)
        return NN_ERR_IMAGE_SIZE;
    /* both sides are at most 2^14 here, so the product fits in 64 bits (and in 32) */
    if ((uint64_t)width * (uint64_t)height > NN_IMAGE_MAX_PIXELS) return NN_ERR_IMAGE_SIZE;
    return NN_OK;
}

/* Quantile of a weighted 256-bin histogram. */
static int wquantile(const uint64_t *hist, uint64_t total, double q) {
    uint64_t need = (uint64_t)ceil(q * (double)total), cum = 0;
    if (need < 1) need = 1;
    for (int k = 0; k < BINS; k++)
        if ((cum += hist[k]) >= need) return k;
    return BINS - 1;
}

/* Transparent pixels are composited over a background colour B chosen so that they read as
 * background: over the paper colour (the alpha-weighted median) when the opaque pixels are
 * most of the image or hold ink and paper of their own; over the opposite extreme when they
 * are strokes of one colour on a transparent canvas, where alpha itself is the ink. Into p (n
 * bytes); NN_ERR_NO_DIGIT if every pixel is transparent. */
static nn_status rgba_to_gray(const uint8_t *rgba, size_t n, uint8_t *p) {
    uint64_t hist[BINS] = {0}, total = 0;
    int min_alpha = 255;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *q = rgba + 4 * i;
        /* Rec. 601 luma in 8 bits: the weights sum to 256, so white stays 255 */
        p[i] = (uint8_t)((77u * q[0] + 150u * q[1] + 29u * q[2] + 128u) >> 8);
        hist[p[i]] += q[3], total += q[3];
        if (q[3] < min_alpha) min_alpha = q[3];
    }
    if (total == 0) return NN_ERR_NO_DIGIT;
    if (min_alpha < 255) {
        int p10 = wquantile(hist, total, 0.1), p50 = wquantile(hist, total, 0.5);
        int p90 = wquantile(hist, total, 0.9), bg = p50;
        double coverage = (double)total / (255.0 * (double)n);
        if (coverage <= 0.5 && p90 - p10 <= 96) bg = p50 < 128 ? 255 : 0;
        for (size_t i = 0; i < n; i++) {
            unsigned a = rgba[4 * i + 3];
            p[i] = (uint8_t)((a * p[i] + (255u - a) * (unsigned)bg + 127u) / 255u);
        }
    }
    return NN_OK;
}

nn_status nn_preprocess_number(const uint8_t *pixels, int channels, int width, int height,
                               unsigned flags, int max_digits, float *out784,
                               nn_preprocess_info *info, int *count) {
    if (count) *count = 0;
    if (!pixels || !out784 || !count || (channels != 1 && channels != 4) || max_digits < 1 ||
        (flags & ~(NN_PRE_KEEP_LINES | NN_PRE_ONE_DIGIT | NN_PRE_NO_CUT)))
        return NN_ERR_ARG;
    if (max_digits > NN_NUMBER_MAX_DIGITS) max_digits = NN_NUMBER_MAX_DIGITS;
    if (info) memset(info, 0, (size_t)max_digits * sizeof *info);
    nn_status st = check_size(width, height);
    if (st != NN_OK) return st;
    if (channels == 1)
        return pipeline(pixels, width, height, flags, max_digits, out784, info, count);
    uint8_t *p = malloc((size_t)width * height);
    if (!p) return NN_ERR_NOMEM;
    st = rgba_to_gray(pixels, (size_t)width * height, p);
    if (st == NN_OK) st = pipeline(p, width, height, flags, max_digits, out784, info, count);
    free(p);
    return st;
}

nn_status nn_preprocess_gray(const uint8_t *gray, int width, int height, float *out784,
                             nn_preprocess_info *info) {
    int count;
    return nn_preprocess_number(gray, 1, width, height, NN_PRE_ONE_DIGIT, 1, out784, info, &count);
}

nn_status nn_preprocess_rgba(const uint8_t *rgba, int width, int height, float *out784,
                             nn_preprocess_info *info) {
    int count;
    return nn_preprocess_number(rgba, 4, width, height, NN_PRE_ONE_DIGIT, 1, out784, info, &count);
}
