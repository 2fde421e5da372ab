/* test_paper.c: digits and numbers on notebook paper (issue 15). Pages are drawn here: a grid
 * (squared paper), rules with or without a red-ish margin, a dotted grid, turned by a few degrees,
 * with pen strokes (capsules) over them, multiplied as ink over paper; each lined page has a twin
 * without lines, and the preprocessing of the two must agree. Also blank lined pages, numbers
 * (separated digits, a detached bar, max_digits, more digits than NN_NUMBER_MAX_DIGITS, a stroke
 * broken in pieces, a flat zero), and
 * nn_preprocess_number's arguments.
 * Results are compared by mean absolute difference (MAD) and correlation over the 784 pixels. */
#include "check.h"
#include "nn.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum { W = 600, H = 450 };

typedef struct seg {
    double x0, y0, x1, y1;
} seg;

/* the pen: distance from (x, y) to the nearest of n segments */
static double seg_dist(const seg *s, int n, double x, double y) {
    double best = 1e30;
    for (int k = 0; k < n; k++) {
        double dx = s[k].x1 - s[k].x0, dy = s[k].y1 - s[k].y0, l2 = dx * dx + dy * dy;
        double t = l2 > 0 ? ((x - s[k].x0) * dx + (y - s[k].y0) * dy) / l2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        double ex = s[k].x0 + t * dx - x, ey = s[k].y0 + t * dy - y;
        best = fmin(best, ex * ex + ey * ey);
    }
    return sqrt(best);
}

/* coverage of a stroke of half-width hw at distance d, anti-aliased over a pixel */
static double cover(double d, double hw) {
    double c = hw + 0.5 - d;
    return c < 0 ? 0 : c > 1 ? 1 : c;
}

typedef struct page {
    int rules, grid, dots, margin; /* what is printed */
    double spacing, width, dark;   /* lines: px, px, darkness at the centre */
    double angle;                  /* degrees the sheet is turned */
    double pen_dark;               /* the pen's darkness */
    double noise;                  /* grey levels */
} page;

/* distance to the nearest line of spacing s through offset o */
static double to_line(double v, double s, double o) {
    double f = (v - o) / s - floor((v - o) / s);
    return (f < 0.5 ? f : 1 - f) * s;
}

/* Draws the page with the strokes (pen half-width pen_hw) into gray (W x H): paper 225 x the
 * lines' transmittance x the pen's, plus uniform noise. fan: the page seen in perspective, the
 * lines across it fanning out, their slopes differing by fan from the picture's top to bottom. */
static void draw_fan(const page *p, double fan, const seg *s, int n, double pen_hw, uint8_t *gray,
                     uint64_t seed) {
    nn_rng rng;
    nn_rng_seed(&rng, seed, 3);
    double a = p->angle * 3.14159265358979 / 180, ca = cos(a), sa = sin(a);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double px = x + 0.5, py = y + 0.5;
            /* page coordinates: turned about the centre */
            double u = ca * (px - W / 2.0) + sa * (py - H / 2.0) + W / 2.0;
            double v = -sa * (px - W / 2.0) + ca * (py - H / 2.0) + H / 2.0;
            v = (v - H / 2.0) / (1 + fan * (u - W / 2.0) / H) + H / 2.0;
            double t = 1, hw = p->width / 2;
            if (p->rules || p->grid)
                t = fmin(t, 1 - p->dark * cover(to_line(v, p->spacing, 7), hw));
            if (p->grid) t = fmin(t, 1 - p->dark * cover(to_line(u, p->spacing, 3), hw));
            if (p->dots) {
                double du = to_line(u, p->spacing, 3), dv = to_line(v, p->spacing, 7);
                t = fmin(t, 1 - p->dark * cover(sqrt(du * du + dv * dv), p->width));
            }
            if (p->margin) t = fmin(t, 1 - 0.45 * cover(fabs(u - 90), 1.0));
            double ink = n ? p->pen_dark * cover(seg_dist(s, n, px, py), pen_hw) : 0;
            double g = 225 * t * (1 - ink) + p->noise * (nn_rng_uniform(&rng) - 0.5) * 2;
            gray[(size_t)y * W + x] = (uint8_t)lround(g < 0 ? 0 : g > 255 ? 255 : g);
        }
}

static void draw(const page *p, const seg *s, int n, double pen_hw, uint8_t *gray, uint64_t seed) {
    draw_fan(p, 0, s, n, pen_hw, gray, seed);
}

/* digits as polylines in a box at (ox, oy) of height h */
static int digit(int which, double ox, double oy, double h, seg *out) {
    static const double seven[] = {0.1, 0.05, 0.6, 0.05, 0.25, 0.95};
    static const double one[] = {0.2, 0.2, 0.35, 0.05, 0.35, 0.95};
    static const double four[] = {0.45, 0.05, 0.05, 0.65, 0.6, 0.65};
    int n = 0;
    const double *p = NULL;
    int np = 0;
    if (which == 7) p = seven, np = 3;
    if (which == 1) p = one, np = 3;
    if (which == 4) p = four, np = 3;
    if (which == 0) {
        for (int i = 0; i < 20; i++) {
            double a0 = 6.2831853 * i / 20, a1 = 6.2831853 * (i + 1) / 20;
            out[n++] = (seg){ox + h * (0.3 + 0.28 * cos(a0)), oy + h * (0.5 + 0.45 * sin(a0)),
                             ox + h * (0.3 + 0.28 * cos(a1)), oy + h * (0.5 + 0.45 * sin(a1))};
        }
        return n;
    }
    for (int i = 0; i + 1 < np; i++)
        out[n++] = (seg){ox + h * p[2 * i], oy + h * p[2 * i + 1], ox + h * p[2 * i + 2],
                         oy + h * p[2 * i + 3]};
    if (which == 4) out[n++] = (seg){ox + 0.45 * h, oy + 0.3 * h, ox + 0.45 * h, oy + h};
    if (which == 5) { /* a 5 whose top bar is detached */
        static const double five[] = {0.12, 0.12, 0.1,  0.45, 0.35, 0.4,  0.52,
                                      0.55, 0.5,  0.78, 0.3,  0.92, 0.05, 0.85};
        for (int i = 0; i + 1 < 7; i++)
            out[n++] = (seg){ox + h * five[2 * i], oy + h * five[2 * i + 1],
                             ox + h * five[2 * i + 2], oy + h * five[2 * i + 3]};
        out[n++] = (seg){ox + 0.2 * h, oy + 0.03 * h, ox + 0.55 * h, oy + 0.03 * h};
    }
    return n;
}

static double mad(const float *a, const float *b) {
    double s = 0;
    for (int i = 0; i < 784; i++) s += fabs((double)a[i] - b[i]);
    return s / 784;
}

static double corr(const float *a, const float *b) {
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < 784; i++) ma += a[i], mb += b[i];
    ma /= 784, mb /= 784;
    for (int i = 0; i < 784; i++)
        sab += (a[i] - ma) * (b[i] - mb), saa += (a[i] - ma) * (a[i] - ma),
            sbb += (b[i] - mb) * (b[i] - mb);
    return sab / sqrt(saa * sbb + 1e-30);
}

/* The same digit on lined paper and on plain paper comes out alike; plain paper finds no lines
 * and gives exactly what it gave with the lines left in (NN_PRE_KEEP_LINES). */
static void lined_like_plain(void) {
    const page pages[] = {
        {0, 1, 0, 0, 22, 1.2, 0.35, 0, 0.85, 4},   /* squared, level */
        {0, 1, 0, 0, 18, 0.8, 0.45, 3.5, 0.85, 6}, /* squared, turned, thin dark lines */
        {1, 0, 0, 0, 48, 2.0, 0.3, -2, 0.85, 4},   /* ruled */
        {1, 0, 0, 1, 40, 1.5, 0.35, 1.5, 0.8, 5},  /* ruled with a margin */
        {0, 0, 1, 0, 20, 1.3, 0.5, 2, 0.85, 4},    /* a dotted grid */
        /* seen in perspective, the rules' slopes differing by 0.18 over the page's height
         * (0.24 over its longer side) */
        {0, 1, 0, 0, 22, 1.5, 0.35, 2, 0.85, 4},  /* squared */
        {1, 0, 0, 0, 36, 1.5, 0.35, -1, 0.85, 4}, /* ruled */
    };
    const double fan[] = {0, 0, 0, 0, 0, 0.18, 0.18};
    const int digits[] = {7, 0, 4};
    uint8_t *g = malloc((size_t)W * H), *g0 = malloc((size_t)W * H);
    seg s[32];
    for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++)
        for (int d = 0; d < 3; d++) {
            int n = digit(digits[d], 240, 150, 110, s);
            page plain = pages[k];
            plain.rules = plain.grid = plain.dots = plain.margin = 0;
            draw_fan(pages + k, fan[k], s, n, 2.2, g, 100 + k);
            draw(&plain, s, n, 2.2, g0, 100 + k);
            float out[784], ref[784], kept[784];
            nn_preprocess_info info, ri;
            int cnt;
            CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
            CHECK_STATUS(nn_preprocess_gray(g0, W, H, ref, &ri), NN_OK);
            CHECK(info.lines > 0 && ri.lines == 0);
            CHECK(mad(out, ref) < 0.04 && corr(out, ref) > 0.93);
            if (!(mad(out, ref) < 0.04 && corr(out, ref) > 0.93))
                fprintf(stderr, "  page %zu digit %d: lines %d mad %.4f corr %.4f\n", k, digits[d],
                        info.lines, mad(out, ref), corr(out, ref));
            CHECK(abs(info.x0 - ri.x0) <= 3 && abs(info.y1 - ri.y1) <= 3);
            /* plain paper: nothing found, so exactly the preprocessing with the lines left in */
            CHECK_STATUS(nn_preprocess_number(g0, 1, W, H, NN_PRE_KEEP_LINES | NN_PRE_ONE_DIGIT, 1,
                                              kept, NULL, &cnt),
                         NN_OK);
            CHECK(memcmp(kept, ref, sizeof ref) == 0);
        }
    free(g), free(g0);
}

/* Grey lines as dark as the pen: the strokes crossing them come back whole (bridged), and the
 * digit is not cut into pieces. */
static void pen_as_dark_as_lines(void) {
    page p = {0, 1, 0, 0, 26, 2.0, 0.7, 1, 0.7, 3}, plain = p;
    plain.grid = 0;
    uint8_t *g = malloc((size_t)W * H), *g0 = malloc((size_t)W * H);
    seg s[32];
    int n = digit(7, 250, 140, 120, s);
    draw(&p, s, n, 2.0, g, 5);
    draw(&plain, s, n, 2.0, g0, 5);
    float out[784], ref[784];
    nn_preprocess_info info, ri;
    CHECK_STATUS(nn_preprocess_gray(g, W, H, out, &info), NN_OK);
    CHECK_STATUS(nn_preprocess_gray(g0, W, H, ref, &ri), NN_OK);
    CHECK(info.lines > 0);
    CHECK(corr(out, ref) > 0.9);
    CHECK(abs(info.y0 - ri.y0) <= 3 && abs(info.y1 - ri.y1) <= 3);
    if (!(corr(out, ref) > 0.9))
        fprintf(stderr,
                "  as dark as the lines: mad %.4f corr %.4f box %d %d %d %d (%d %d %d %d)\n",
                mad(out, ref), corr(out, ref), info.x0, info.y0, info.x1, info.y1, ri.x0, ri.y0,
                ri.x1, ri.y1);
    free(g), free(g0);
}

/* A page of lines (or dots) and no digit says "no digit", as a number too; the refusal can
 * fail: the same page with a digit reads one. */
static void blank_pages(void) {
    const page pages[] = {
        {0, 1, 0, 0, 22, 1.2, 0.35, 0, 0, 4},  {0, 1, 0, 0, 15, 0.8, 0.5, 3, 0, 6},
        {1, 0, 0, 0, 45, 2.0, 0.45, -2, 0, 4}, {1, 0, 0, 1, 40, 1.5, 0.35, 1, 0, 4},
        {0, 0, 1, 0, 20, 1.3, 0.5, 2, 0, 4},
    };
    uint8_t *g = malloc((size_t)W * H);
    float out[784 * 4];
    nn_preprocess_info info[4];
    int cnt;
    seg s[32];
    for (size_t k = 0; k < sizeof pages / sizeof pages[0]; k++) {
        draw(pages + k, s, 0, 0, g, 7 + k);
        if (nn_preprocess_gray(g, W, H, out, info) != NN_ERR_NO_DIGIT)
            fprintf(stderr, "  blank page %zu reads ink: box %d %d %d %d\n", k, info[0].x0,
                    info[0].y0, info[0].x1, info[0].y1);
        CHECK_STATUS(nn_preprocess_gray(g, W, H, out, info), NN_ERR_NO_DIGIT);
        CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, 4, out, info, &cnt), NN_ERR_NO_DIGIT);
        CHECK(cnt == 0);
        /* the refusal can fail: the same page with a digit reads one */
        page with = pages[k];
        with.pen_dark = 0.85;
        int n = digit(1, 280, 150, 110, s);
        draw(&with, s, n, 2.2, g, 7 + k);
        CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, 4, out, info, &cnt), NN_OK);
        CHECK(cnt == 1);
    }
    free(g);
}

/* Numbers: separated digits left to right, each like the same digit alone on the page; a 5 with
 * a detached bar stays one digit, exactly as nn_preprocess_gray reads it; max_digits keeps the
 * leftmost; NN_PRE_ONE_DIGIT reads one. On ruled paper too. */
static void numbers(void) {
    uint8_t *g = malloc((size_t)W * H), *g1 = malloc((size_t)W * H);
    seg s[96], one[32];
    const int which[3] = {1, 7, 0};
    float out[784 * 4], alone[784];
    nn_preprocess_info info[4], ai;
    int cnt;
    for (int lined = 0; lined < 2; lined++) {
        page p = {lined, 0, 0, 0, 60, 1.5, 0.35, 0, 0.85, 4};
        int n = 0;
        for (int d = 0; d < 3; d++) n += digit(which[d], 150 + 110 * d, 140, 100, s + n);
        draw(&p, s, n, 2.2, g, 11);
        CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, 4, out, info, &cnt), NN_OK);
        CHECK(cnt == 3);
        for (int d = 0; d < cnt && cnt == 3; d++) {
            CHECK(info[d].cut == 0);
            if (d) CHECK(info[d].x0 >= info[d - 1].x1);
            int m = digit(which[d], 150 + 110 * d, 140, 100, one);
            draw(&p, one, m, 2.2, g1, 11);
            CHECK_STATUS(nn_preprocess_gray(g1, W, H, alone, &ai), NN_OK);
            CHECK(abs(info[d].x0 - ai.x0) <= 1 && abs(info[d].x1 - ai.x1) <= 1);
            CHECK(mad(out + 784 * d, alone) < 0.03 && corr(out + 784 * d, alone) > 0.97);
        }
        /* the leftmost two, and one digit */
        CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, 2, out, info, &cnt), NN_OK);
        CHECK(cnt == 2 && info[0].x0 < info[1].x0);
        CHECK_STATUS(nn_preprocess_number(g, 1, W, H, NN_PRE_ONE_DIGIT, 4, out, info, &cnt), NN_OK);
        CHECK(cnt == 1);
        CHECK_STATUS(nn_preprocess_gray(g, W, H, alone, &ai), NN_OK);
        CHECK(memcmp(out, alone, sizeof alone) == 0);
        /* a 5 with its bar detached: one digit, the same as nn_preprocess_gray's */
        n = digit(5, 250, 140, 120, s);
        draw(&p, s, n, 2.2, g, 12);
        CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, 4, out, info, &cnt), NN_OK);
        CHECK(cnt == 1);
        CHECK_STATUS(nn_preprocess_gray(g, W, H, alone, &ai), NN_OK);
        CHECK(memcmp(out, alone, sizeof alone) == 0);
        CHECK(info[0].x0 == ai.x0 && info[0].y1 == ai.y1);
    }
    /* more digits than NN_NUMBER_MAX_DIGITS: the leftmost ones, in order, and no more */
    {
        enum { MANY = NN_NUMBER_MAX_DIGITS + 4 };
        static float outs[784 * MANY];
        nn_preprocess_info infos[MANY];
        page p = {0, 1, 0, 0, 18, 1.0, 0.35, 0, 0.85, 4};
        seg *many = malloc(sizeof(seg) * 20 * MANY);
        int n = 0;
        for (int d = 0; d < MANY; d++) n += digit(which[d % 3], 20 + 27 * d, 200, 36, many + n);
        draw(&p, many, n, 1.3, g, 13);
        CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, MANY, outs, infos, &cnt), NN_OK);
        CHECK(cnt == NN_NUMBER_MAX_DIGITS);
        for (int d = 1; d < cnt; d++) CHECK(infos[d].x0 > infos[d - 1].x0);
        CHECK(cnt < 1 || infos[cnt - 1].x1 <= 20 + 27 * NN_NUMBER_MAX_DIGITS);
        free(many);
    }
    free(g), free(g1);
}

/* A stroke broken into pieces none of which is a digit's height (a pen that skipped) is still a
 * digit beside the others, and a flat "0" after two tall digits is a digit too. */
static void broken_and_flat(void) {
    uint8_t *g = malloc((size_t)W * H);
    seg s[64];
    float out[784 * 4];
    nn_preprocess_info info[4];
    int cnt;
    page p = {0, 0, 0, 0, 60, 1.5, 0.35, 0, 0.85, 4};
    /* a "1" of three pieces 3 px of paper apart (the pen 4.4 px wide), then a 7 */
    int n = 0;
    for (int k = 0; k < 3; k++) s[n++] = (seg){190, 142 + 35 * k, 190, 170 + 35 * k};
    n += digit(7, 260, 140, 104, s + n);
    draw(&p, s, n, 2.2, g, 21);
    CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, 4, out, info, &cnt), NN_OK);
    CHECK(cnt == 2);
    CHECK(cnt == 2 && info[0].x1 < 200 && info[0].y0 < 145 && info[0].y1 > 235);
    /* 1, 7, and a 0 a third of their height and 68 px wide on the same line, lighter than the 7 */
    n = digit(1, 100, 120, 120, s);
    n += digit(7, 210, 120, 120, s + n);
    for (int i = 0; i < 20; i++) {
        double a0 = 6.2831853 * i / 20, a1 = 6.2831853 * (i + 1) / 20;
        s[n++] = (seg){370 + 32 * cos(a0), 215 + 18 * sin(a0), 370 + 32 * cos(a1),
                       215 + 18 * sin(a1)};
    }
    draw(&p, s, n, 2.2, g, 22);
    CHECK_STATUS(nn_preprocess_number(g, 1, W, H, 0, 4, out, info, &cnt), NN_OK);
    CHECK(cnt == 3);
    CHECK(cnt == 3 && info[2].x0 > 330 && info[2].x1 > 400);
    free(g);
}

/* Bad arguments are refused before anything is read. */
static void arguments(void) {
    uint8_t one = 0, px[64 * 64] = {0};
    float out[784];
    nn_preprocess_info info;
    int cnt = 5;
    CHECK_STATUS(nn_preprocess_number(NULL, 1, 8, 8, 0, 1, out, &info, &cnt), NN_ERR_ARG);
    CHECK(cnt == 0);
    CHECK_STATUS(nn_preprocess_number(px, 1, 8, 8, 0, 1, NULL, &info, &cnt), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_number(px, 1, 8, 8, 0, 1, out, &info, NULL), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_number(px, 2, 8, 8, 0, 1, out, &info, &cnt), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_number(px, 3, 8, 8, 0, 1, out, &info, &cnt), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_number(px, 1, 8, 8, 0, 0, out, &info, &cnt), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_number(px, 1, 8, 8, 0, -3, out, &info, &cnt), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_number(px, 1, 8, 8, 64, 1, out, &info, &cnt), NN_ERR_ARG);
    CHECK_STATUS(nn_preprocess_number(&one, 1, 0, 8, 0, 1, out, &info, &cnt), NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_number(&one, 4, 10000, 10000, 0, 1, out, &info, &cnt),
                 NN_ERR_IMAGE_SIZE);
    CHECK_STATUS(nn_preprocess_number(px, 1, 64, 64, 0, 1, out, &info, &cnt), NN_ERR_NO_DIGIT);
    CHECK(cnt == 0);
}

int main(void) {
    lined_like_plain();
    pen_as_dark_as_lines();
    blank_pages();
    numbers();
    broken_and_flat();
    arguments();
    return check_failures("test_paper");
}
