/* lines.c: the printed lines of notebook paper (squared or ruled, a margin), found in a photo and
 * divided out of it before the ink is measured (issue 15).
 * A family of lines is near-horizontal or near-vertical; the vertical one is handled as the
 * horizontal one through strides: "along" (a, na pixels) runs with the lines, "across" (c, nc)
 * crosses them, and a line is across = c0 + s x + k x^2 with x = a + 0.5 - na / 2 (pixel
 * centres at +0.5). In perspective the lines of a family meet at a vanishing point, so the slope
 * of the line at intercept c0 is A + B (c0 - nc / 2). Steps: a coarse Hough search of (A, B) on a
 * small copy; the full image projected along that family, whose peaks are candidate lines; each
 * candidate followed block by block, its darkness profile across it measured in quarter pixels and
 * its centres fitted robustly, so that pen strokes crossing or running along it are outliers;
 * lines kept when at least three fall on an even spacing; then each line's profile (a median over
 * neighbouring blocks) divided out, and strokes bridged across lines where they were as dark as
 * them. Costs O(pixels) plus O(line length x band) per candidate. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lines.h"

enum {
    LOW_SIDE = 256, /* the coarse search runs on a copy of about this longer side */
    SUB = 4,        /* profile bins per pixel across a line */
    BAND = 6,       /* pixels each side of a line's centre in its profile */
    PB = 2 * BAND * SUB + 1,
    BLOCK = 16,        /* pixels along a line per profile block */
    MEDIAN_BLOCKS = 4, /* a block's model: the median of its 2 x 4 + 1 nearest inlier blocks */
    NEAR_BLOCKS = 24,  /* ... that have pixels at each offset, among the 24 nearest */
    MAX_CAND = 300,    /* candidates followed per family */
    MAX_MISS = 2,      /* lines an even spacing may skip between two found ones */
    DOT_RING = 4,      /* px: the ring around a dot that must be paper, */
    DOT_RING_BIG = 7,  /*   or for a large dot */
    EXTEND_MISS = 3,   /* columns past a line's extent that may fail to look like it */
    TOP_PEAKS = 3,     /* coarse peaks also followed with their own slopes */
};
#define MAX_TILT 0.364   /* tan 20 degrees: steeper families are not looked for */
#define MAX_CONVERGE 0.3 /* a family's slopes differ by at most this across the picture */
#define COARSE_MIN 1.5   /* levels above the local mean: a peak of the coarse projection */
#define FINE_MIN 2.0     /* ... of the full projection */
#define HP_RADIUS 8      /* px: the local mean that the projections' peaks stand above */
#define EDGE_IN 1.5      /* px: a block sees its line when the line's centre is this far inside */
#define PEAK_HALF 2.5    /* px: a line's centre is looked for within this of where it was */
#define NOISE_SIGMAS 4.0 /* ... and at least 4 sigmas of its blocks' noise */
#define LINE_MIN 4.0     /* levels: the median height of a line's profile */
#define BLOCK_LO 0.4     /* a block sees the line when its peak is 0.4 to 2.2 times the line's */
#define BLOCK_HI 2.2     /*   median peak ... */
#define BLOCK_DEV 0.6    /* ... and its profile stays within 0.6 x that (or DEV_MIN) of the */
#define DEV_MIN 10.0     /*   line's median profile */
#define SOLID 0.6        /* a line is dark at its centre (half its peak, and 6 sigmas of its */
#define SOLID_NOISE 6.0  /*   blocks' noise) in 60% of the columns where it is seen */
#define MIN_COVER 0.35   /* a line is seen in at least half of the blocks where it is inside */
#define EXTRA_COVER                                                                           \
    0.4 /* ... a single line (a margin), in 40% (a double one sees its twin), over 80% of the \
           picture */
#define EXTRA_EXTENT 0.8
#define EXTRA_HEIGHT \
    0.3 /* ... at least 0.3 times as dark as the family's lines (a red margin is light) */
#define SETTLE_RANGE 0.035 /* a candidate's slope is searched this far from its family's */
#define MAX_SIGMA 0.7      /* px: block centres about the fitted line (a pen stroke wanders) */
#define MAX_WIDTH \
    5.0 /* px: the widest line (half-height width; a double margin) in a small picture, */
#define MAX_WIDTH_FRAC 0.008 /* or this share of the longer side in a large one */
#define PAIR_COVER 0.8       /* two lines alone: each seen in 80% of its blocks, */
#define PAIR_RATIO 1.5       /*   as dark and as wide as the other within 1.5 times, */
#define PAIR_GAP 10.0        /*   and ten of its widths apart at least */
#define SPACING_TOL 0.25     /* the next line of a family is within 25% of the spacing */
#define MODEL_MIN 3.0        /* levels: a line's model below this (or 10% of its peak) is noise */
#define MODEL_FRAC 0.1
#define DOT_MIN 16.0       /* levels: a dot of a dotted grid is at least this dark at its centre, */
#define DOT_SIGMAS 5.0     /*   and 5 sigmas of the noise; */
#define DOT_RING_MEAN 0.25 /*   its ring (DOT_RING px out) is a quarter as dark on average, */
#define DOT_RING_MAX 0.6   /*   nowhere more than 0.6 as dark, */
#define DOT_MAX_AREA 20    /*   and at most 20 pixels are half as dark as its centre (70 for */
#define DOT_MAX_AREA_BIG 70 /*   a large one) */
#define DOT_MIN_COUNT 30    /* a grid has at least 30 dots, */
#define DOT_SPREAD                                                                 \
    0.15 /*   most of whose neighbours are one spacing away (the lower quartile of \
          */
/*   their distances within 15% of the median: a missed dot lengthens some), */
#define DOT_FILL 0.25   /*   a quarter at least of the grid points the picture holds */
#define DOT_NEAR_LO 0.7 /* a dot is erased when its nearest neighbour is 0.7 to 1.4 spacings */
#define DOT_NEAR_HI 1.4 /*   away */
#define MIN_TRANS 16    /* the darkest line divided out: 94% dark */
#define BRIDGE_MIN 64   /* levels: both sides of a line this dark make a stroke crossing it */

typedef struct frame {
    const uint8_t *d;
    int na, nc;
    size_t sa, sc;
} frame;
#define PX(f, a, c) ((f)->d[(size_t)(a) * (f)->sa + (size_t)(c) * (f)->sc])

typedef struct family {
    double A, B; /* slope at the centre and its change per pixel of intercept */
    int peaks;   /* coarse peaks on that model */
    int ntop;    /* the strongest coarse peaks, each a line of its own slope (a margin) */
    double top_c[TOP_PEAKS], top_s[TOP_PEAKS];
} family;

typedef struct pline {
    double c, s, k; /* across = c + s x + k x^2 */
    int a0, a1;     /* along: where it is divided out */
    float height;   /* levels: median peak of its profile */
    float width;    /* px: half-height width of its median profile */
    float cover;    /* share of the blocks where it is inside that see it */
    float reach;    /* px: half-width of the profile (where it is 15% of its peak) */
    int periodic;   /* one of an evenly spaced family */
    float *model;   /* nblk x PB: levels of darkness to divide out, per block and offset */
} pline;

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

/* ---- small statistics ---- */

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int cmp_float(const void *a, const void *b) {
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (reordered); 0 if n is 0. */
static float median(float *v, int n) {
    if (n <= 0) return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_float);
    return n % 2 ? v[n / 2] : 0.5f * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct wpair {
    double v, w;
} wpair;

static int cmp_wpair(const void *a, const void *b) {
    double x = ((const wpair *)a)->v, y = ((const wpair *)b)->v;
    return (x > y) - (x < y);
}

/* ---- coarse: (A, B) of a family from the Hough peaks of a small copy ---- */

/* low: lw x lh block means of the darkness; f: full pixels per low pixel. The peaks of each
 * slope's projection above its local mean vote for (intercept, slope); A and B are fitted to
 * them by weighted least squares, trimmed to those within a few slope steps of the fit. */
static nn_status coarse(const float *low, int lw, int lh, int vertical, double f, int nc_full,
                        int n_full, family *fam) {
    int na = vertical ? lh : lw, nc = vertical ? lw : lh;
    size_t sa = vertical ? (size_t)lw : 1, sc = vertical ? 1 : (size_t)lw;
    int half = imax(1, (int)ceil(MAX_TILT * na / 1.5)), ns = 2 * half + 1;
    int off = (int)ceil(MAX_TILT * na / 2) + 2, nb = nc + 2 * off,
        K = imax(2, (int)(HP_RADIUS / f));
    double step = MAX_TILT / half;
    /* a line counts where a sixth of it is in the picture (one ending in a corner) */
    const int need = imax(na / 6, imin(na, 12));
    double *acc = malloc((size_t)nb * sizeof *acc), *pre = malloc(((size_t)nb + 1) * sizeof *pre);
    int *cnt = malloc(((size_t)nb + 1) * sizeof *cnt),
        *npre = malloc(((size_t)nb + 1) * sizeof *npre);
    float *best = malloc((size_t)nb * sizeof *best), *m = malloc((size_t)nb * sizeof *m);
    int *kbest = malloc((size_t)nb * sizeof *kbest);
    wpair *pk = malloc((size_t)nb * sizeof *pk);
    double *pc = malloc((size_t)nb * sizeof *pc);
    nn_status st = NN_ERR_NOMEM;
    memset(fam, 0, sizeof *fam);
    if (!acc || !pre || !cnt || !npre || !best || !m || !kbest || !pk || !pc) goto done;
    for (int b = 0; b < nb; b++) best[b] = 0, kbest[b] = -1;
    for (int k = 0; k < ns; k++) {
        double s = (k - half) * step;
        memset(acc, 0, (size_t)nb * sizeof *acc);
        memset(cnt, 0, ((size_t)nb + 1) * sizeof *cnt);
        for (int a = 0; a < na; a++) {
            /* pixel c lies on the line of intercept y0 when floor(c + 0.5 - x s) = floor(y0) */
            int ib = (int)floor(0.5 - (a + 0.5 - na / 2.0) * s) + off;
            const float *col = low + (size_t)a * sa;
            for (int c = 0; c < nc; c++) acc[c + ib] += col[(size_t)c * sc];
            cnt[ib]++, cnt[ib + nc]--;
        }
        for (int b = 1; b < nb; b++) cnt[b] += cnt[b - 1];
        pre[0] = 0, npre[0] = 0;
        for (int b = 0; b < nb; b++) {
            int ok = cnt[b] >= need;
            m[b] = ok ? (float)(acc[b] / cnt[b]) : 0;
            pre[b + 1] = pre[b] + (ok ? m[b] : 0), npre[b + 1] = npre[b] + ok;
        }
        for (int b = K; b + K < nb; b++) {
            /* only where the whole window is in the picture: its edge is no line */
            int lo = b - K, hi = b + K + 1;
            if (cnt[b] < need || npre[hi] - npre[lo] < hi - lo) continue;
            float hp = m[b] - (float)((pre[hi] - pre[lo]) / (npre[hi] - npre[lo]));
            if (hp > best[b]) best[b] = hp, kbest[b] = k;
        }
    }
    int np = 0;
    for (int b = 1; b + 1 < nb; b++)
        if (kbest[b] >= 0 && best[b] >= COARSE_MIN && best[b] > best[b - 1] &&
            best[b] >= best[b + 1]) {
            pk[np] = (wpair){(kbest[b] - half) * step, best[b]};
            pc[np] = (b - off + 0.5) * f - nc_full / 2.0;
            np++;
        }
    st = NN_OK;
    if (np == 0) goto done;
    /* A: the weighted median slope; then (A, B) by trimmed weighted least squares */
    wpair *sorted = (wpair *)acc; /* nb doubles hold np pairs: np <= nb / 2 */
    memcpy(sorted, pk, (size_t)np * sizeof *pk);
    qsort(sorted, (size_t)np, sizeof *sorted, cmp_wpair);
    double wt = 0, cum = 0, A = sorted[0].v, B = 0;
    for (int i = 0; i < np; i++) wt += sorted[i].w;
    for (int i = 0; i < np; i++)
        if ((cum += sorted[i].w) >= wt / 2) {
            A = sorted[i].v;
            break;
        }
    int inl = 0;
    for (int it = 0; it < 5; it++) {
        double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
        inl = 0;
        for (int i = 0; i < np; i++) {
            if (fabs(pk[i].v - (A + B * pc[i])) > 2.5 * step) continue;
            double w = pk[i].w;
            sw += w, sx += w * pc[i], sy += w * pk[i].v, sxx += w * pc[i] * pc[i];
            sxy += w * pc[i] * pk[i].v, inl++;
        }
        if (inl == 0) break;
        double var = sxx / sw - (sx / sw) * (sx / sw);
        if (inl >= 3 && var > 1e-9) {
            B = (sxy / sw - (sx / sw) * (sy / sw)) / var;
            A = sy / sw - B * sx / sw;
        } else {
            A = sy / sw, B = 0;
        }
        if (fabs(B) * n_full > MAX_CONVERGE) B = 0, A = sy / sw;
    }
    fam->A = A, fam->B = B, fam->peaks = inl;
    /* the strongest peaks, whatever their slope */
    for (int t = 0; t < TOP_PEAKS; t++) {
        int bi = -1;
        for (int i = 0; i < np; i++)
            if (pk[i].w > 0 && (bi < 0 || pk[i].w > pk[bi].w)) bi = i;
        if (bi < 0) break;
        fam->top_c[t] = pc[bi] + nc_full / 2.0, fam->top_s[t] = pk[bi].v, fam->ntop = t + 1;
        pk[bi].w = 0;
    }
done:
    free(acc), free(pre), free(cnt), free(npre), free(best), free(m), free(kbest), free(pk);
    free(pc);
    return st;
}

/* ---- candidates: peaks of the full picture projected along the family ---- */

/* Into cand (up to MAX_CAND, the strongest first): intercepts of the peaks of the projection
 * along (A, B) in half-pixel bins. */
static nn_status candidates(const frame *f, const family *fam, int vertical, double *cand,
                            int *ncand) {
    int na = f->na, nc = f->nc;
    int m = (int)ceil(fabs(fam->A) * na / 2 + 0.1 * nc) + 8, nb = 2 * (nc + 2 * m);
    int K = 2 * HP_RADIUS;
    /* a line counts where an eighth of it is in the picture, 32 pixels at least; each of its
     * pixels falls in one of two half-pixel bins */
    const int need = imax(na / 16, 16);
    double *acc = calloc((size_t)nb, sizeof *acc), *pre = malloc(((size_t)nb + 1) * sizeof *pre);
    double *offa = malloc((size_t)na * sizeof *offa), *inva = malloc((size_t)na * sizeof *inva);
    int *cnt = calloc((size_t)nb, sizeof *cnt), *npre = malloc(((size_t)nb + 1) * sizeof *npre);
    float *hp = malloc((size_t)nb * sizeof *hp), *h = malloc(MAX_CAND * sizeof *h);
    nn_status st = NN_ERR_NOMEM;
    *ncand = 0;
    if (!acc || !pre || !offa || !inva || !cnt || !npre || !hp || !h) goto done;
    /* the intercept of the family's line through (x, y): y = c0 + x (A + B (c0 - nc / 2)) */
    for (int a = 0; a < na; a++) {
        double x = a + 0.5 - na / 2.0;
        inva[a] = 1.0 / (1.0 + x * fam->B);
        offa[a] = -x * fam->A + x * fam->B * nc / 2.0;
    }
    /* memory order: rows of the picture outside, its columns inside */
    int rows = vertical ? na : nc, cols = vertical ? nc : na;
    const uint8_t *d = f->d;
    for (int r = 0; r < rows; r++)
        for (int q = 0; q < cols; q++) {
            int a = vertical ? r : q, c = vertical ? q : r;
            double c0 = (c + 0.5 + offa[a]) * inva[a];
            int b = (int)floor(2.0 * c0) + 2 * m;
            if (b < 0 || b >= nb) continue;
            acc[b] += d[(size_t)r * cols + q], cnt[b]++;
        }
    pre[0] = 0, npre[0] = 0;
    for (int b = 0; b < nb; b++) {
        int ok = cnt[b] >= need;
        acc[b] = ok ? acc[b] / cnt[b] : 0;
        pre[b + 1] = pre[b] + acc[b], npre[b + 1] = npre[b] + ok;
    }
    for (int b = 0; b < nb; b++) {
        int lo = imax(b - K, 0), hi = imin(b + K + 1, nb);
        hp[b] = cnt[b] >= need && npre[hi] > npre[lo]
                    ? (float)(acc[b] - (pre[hi] - pre[lo]) / (npre[hi] - npre[lo]))
                    : 0;
    }
    int n = 0;
    for (int b = 2; b + 2 < nb; b++) {
        float v = hp[b];
        if (v < FINE_MIN || v <= hp[b - 1] || v <= hp[b - 2] || v < hp[b + 1] || v < hp[b + 2])
            continue;
        double den = hp[b - 1] - 2 * v + hp[b + 1],
               dx = den < 0 ? 0.5 * (hp[b - 1] - hp[b + 1]) / den : 0;
        double c0 = (b - 2 * m + 0.5 + dx) / 2.0;
        if (n < MAX_CAND) {
            cand[n] = c0, h[n] = v, n++;
        } else { /* replace the weakest */
            int w = 0;
            for (int i = 1; i < n; i++)
                if (h[i] < h[w]) w = i;
            if (v > h[w]) cand[w] = c0, h[w] = v;
        }
    }
    /* strongest first (insertion sort: a few hundred at most) */
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && h[j] > h[j - 1]; j--) {
            float th = h[j];
            double tc = cand[j];
            h[j] = h[j - 1], cand[j] = cand[j - 1], h[j - 1] = th, cand[j - 1] = tc;
        }
    *ncand = n;
    st = NN_OK;
done:
    free(acc), free(pre), free(offa), free(inva), free(cnt), free(npre), free(hp), free(h);
    return st;
}

/* ---- following a candidate: block profiles, a robust fit, the model ---- */

typedef struct follow_scratch {
    int nblk;
    double *acc;            /* nblk x PB */
    int *cnt;               /* nblk x PB */
    float *prof;            /* nblk x PB: excess darkness over the block's baseline */
    float *hgt, *off, *tmp; /* nblk; tmp: (nblk + 2) x PB */
    uint8_t *in, *inl;      /* nblk: the line's band fully inside; the block sees the line */
    int *near;              /* nblk: blocks by distance, for the model */
} follow_scratch;

static void scratch_free(follow_scratch *s) {
    free(s->acc), free(s->cnt), free(s->prof), free(s->hgt), free(s->off), free(s->tmp);
    free(s->in), free(s->inl), free(s->near);
}

static nn_status scratch_init(follow_scratch *s, int na) {
    memset(s, 0, sizeof *s);
    s->nblk = (na + BLOCK - 1) / BLOCK;
    size_t nb = (size_t)s->nblk, t = (nb + 2) * PB; /* G, then any per-block, per-bin list */
    s->acc = malloc(nb * PB * sizeof *s->acc), s->cnt = malloc(nb * PB * sizeof *s->cnt);
    s->prof = malloc(nb * PB * sizeof *s->prof), s->hgt = malloc(nb * sizeof *s->hgt);
    s->off = malloc(nb * sizeof *s->off), s->tmp = malloc(t * sizeof *s->tmp);
    s->in = malloc(nb), s->inl = malloc(nb), s->near = malloc(nb * sizeof *s->near);
    if (!s->acc || !s->cnt || !s->prof || !s->hgt || !s->off || !s->tmp || !s->in || !s->inl ||
        !s->near) {
        scratch_free(s);
        return NN_ERR_NOMEM;
    }
    return NN_OK;
}

static double centre_at(const pline *L, int na, double a) {
    double x = a + 0.5 - na / 2.0;
    return L->c + L->s * x + L->k * x * x;
}

/* Block profiles of the band around L's current centre line into s->prof, with each block's
 * peak height and centre offset. */
static void block_profiles(const frame *f, const pline *L, follow_scratch *s) {
    int na = f->na, nc = f->nc, nb = s->nblk;
    memset(s->acc, 0, (size_t)nb * PB * sizeof *s->acc);
    memset(s->cnt, 0, (size_t)nb * PB * sizeof *s->cnt);
    for (int a = 0; a < na; a++) {
        double yc = centre_at(L, na, a);
        int j = a / BLOCK, c0 = imax((int)floor(yc - BAND), 0),
            c1 = imin((int)ceil(yc + BAND), nc - 1);
        /* each pixel relative to the outer pixels of its own row across the band, on the lighter
         * side: a line of the other family or a stroke crossing this one darkens the whole row,
         * the table beside the page or a stroke along the line only one side */
        double side[2] = {0, 0};
        int nside[2] = {0, 0};
        for (int c = c0; c <= c1; c++) {
            double o = c + 0.5 - yc;
            if (fabs(o) >= BAND - 1.5 && fabs(o) <= BAND)
                side[o > 0] += PX(f, a, c), nside[o > 0]++;
        }
        for (int k = 0; k < 2; k++) side[k] = nside[k] ? side[k] / nside[k] : 1e9;
        double base = fmin(side[0], side[1]);
        if (base > 255) base = 0;
        for (int c = c0; c <= c1; c++) {
            int sb = (int)floor((c + 0.5 - yc + BAND) * SUB + 0.5);
            if (sb < 0 || sb >= PB) continue;
            s->acc[(size_t)j * PB + sb] += PX(f, a, c) - base, s->cnt[(size_t)j * PB + sb]++;
        }
    }
    const int lo = (int)((BAND - PEAK_HALF) * SUB), hi = (int)((BAND + PEAK_HALF) * SUB);
    for (int j = 0; j < nb; j++) {
        float *q = s->prof + (size_t)j * PB;
        const double *ac = s->acc + (size_t)j * PB;
        const int *cn = s->cnt + (size_t)j * PB;
        double ym = centre_at(L, na, imin(j * BLOCK + BLOCK / 2, na - 1));
        s->in[j] = ym >= EDGE_IN && ym <= nc - EDGE_IN; /* its core in the picture */
        /* empty bins (a level line fills one in SUB) take their neighbours' values */
        int last = -1;
        for (int b = 0; b < PB; b++) {
            if (!cn[b]) continue;
            q[b] = (float)(ac[b] / cn[b]);
            if (last < 0)
                for (int e = 0; e < b; e++) q[e] = q[b];
            else
                for (int e = last + 1; e < b; e++)
                    q[e] = q[last] + (q[b] - q[last]) * (float)(e - last) / (float)(b - last);
            last = b;
        }
        if (last < 0) {
            s->in[j] = 0, s->hgt[j] = 0, s->off[j] = 0;
            memset(q, 0, PB * sizeof *q);
            continue;
        }
        for (int e = last + 1; e < PB; e++) q[e] = q[last];
        /* baseline: the outer 1.5 px on each side */
        double base = 0;
        int nbase = 0, edge = (int)(1.5 * SUB);
        for (int b = 0; b < PB; b++)
            if (b <= edge || b >= PB - 1 - edge) base += q[b], nbase++;
        base /= nbase;
        float h = 0;
        for (int b = 0; b < PB; b++) {
            q[b] -= (float)base;
            if (b >= lo && b <= hi && q[b] > h) h = q[b];
        }
        double sw = 0, so = 0;
        for (int b = lo; b <= hi; b++) {
            double v = q[b] - 0.5 * h;
            if (v > 0) sw += v, so += v * ((double)b / SUB - BAND);
        }
        s->hgt[j] = h, s->off[j] = sw > 0 ? (float)(so / sw) : 0;
    }
}

/* Follows the candidate line from L's geometry, refits L and fills in its model. 1 if it is a
 * line: seen along most of it, straight, thin; 0 if not; -1 without memory. */
#define REJECT(why) return 0 /* why: the rule that refused, for the reader */
/* The slope (within SETTLE_RANGE of L's) and intercept along which the band's pixels, projected
 * in half-pixel bins, show the sharpest peak: for a candidate whose family slope was too rough
 * for its first blocks to find it. */
static void settle(const frame *f, pline *L) {
    enum { HB = 13 }; /* half-pixel bins over +-3 px */
    int na = f->na, nc = f->nc, K = (int)ceil(SETTLE_RANGE * na / 2);
    double ds = 1.0 / (na / 2.0), best = -1, bs = L->s, bc = L->c;
    for (int k = -K; k <= K; k++) {
        double sl = L->s + k * ds, acc[HB] = {0};
        int cnt[HB] = {0};
        for (int a = 0; a < na; a += 2) {
            double yc = L->c + sl * (a + 0.5 - na / 2.0);
            for (int c = imax((int)floor(yc - 3), 0); c <= imin((int)ceil(yc + 3), nc - 1); c++) {
                int b = (int)floor((c + 0.5 - yc + 3.25) * 2);
                if (b >= 0 && b < HB) acc[b] += PX(f, a, c), cnt[b]++;
            }
        }
        double hi = -1, lo = 1e9;
        int hb = 0;
        for (int b = 0; b < HB; b++) {
            if (!cnt[b]) continue;
            double m = acc[b] / cnt[b];
            if (m > hi) hi = m, hb = b;
            lo = fmin(lo, m);
        }
        if (hi - lo > best) best = hi - lo, bs = sl, bc = L->c + (hb / 2.0 - 3.0);
    }
    L->s = bs, L->c = bc;
}

static int follow(const frame *f, pline *L, follow_scratch *s, double max_width) {
    int na = f->na, nb = s->nblk, nin = 0, ninl = 0, settled = 0;
    float H = 0, noise = 0, *G = s->tmp; /* the median profile, then scratch */
    for (int pass = 0; pass < 3; pass++) {
        block_profiles(f, L, s);
        float *v = s->tmp + PB;
        nin = 0;
        for (int j = 0; j < nb; j++)
            if (s->in[j] && s->hgt[j] > 0) v[nin++] = s->hgt[j];
        if (nin < 2) REJECT(1);
        H = median(v, nin);
        if (H < LINE_MIN && pass == 0 && !settled) {
            settle(f, L), settled = 1, pass = -1;
            continue;
        }
        if (H < LINE_MIN) REJECT(2);
        /* the median profile, from the blocks with pixels at each offset */
        int gl = -1;
        for (int b = 0; b < PB; b++) {
            int n = 0;
            for (int j = 0; j < nb; j++)
                if (s->in[j] && s->hgt[j] > 0 && s->cnt[(size_t)j * PB + b])
                    v[n++] = s->prof[(size_t)j * PB + b];
            G[b] = median(v, n);
            if (!n) continue;
            if (gl < 0)
                for (int e = 0; e < b; e++) G[e] = G[b];
            else
                for (int e = gl + 1; e < b; e++)
                    G[e] = G[gl] + (G[b] - G[gl]) * (float)(e - gl) / (float)(b - gl);
            gl = b;
        }
        for (int e = gl + 1; gl >= 0 && e < PB; e++) G[e] = G[gl];
        /* the blocks' noise, from the outer bins (paper): a block's peak is the largest of
         * several noisy bins, so a line stands well above it */
        if (pass == 0) {
            int n = 0, edge = (int)(1.5 * SUB);
            for (int j = 0; j < nb; j++)
                if (s->in[j] && s->hgt[j] > 0)
                    for (int b = 0; b < PB; b++)
                        if (b <= edge || b >= PB - 1 - edge)
                            v[n++] = fabsf(s->prof[(size_t)j * PB + b] - G[b]);
            noise = 1.4826f * median(v, n);
            if (H < NOISE_SIGMAS * noise) REJECT(8);
        }
        float dev = fmaxf((float)DEV_MIN, (float)BLOCK_DEV * H);
        ninl = 0;
        for (int j = 0; j < nb; j++) {
            s->inl[j] = 0;
            if (!s->in[j] || s->hgt[j] < BLOCK_LO * H || s->hgt[j] > BLOCK_HI * H) continue;
            float worst = 0;
            for (int b = 0; b < PB; b++)
                if (s->cnt[(size_t)j * PB + b])
                    worst = fmaxf(worst, fabsf(s->prof[(size_t)j * PB + b] - G[b]));
            /* before the geometry is refined, a block's profile may sit off centre */
            if (pass < 2 || worst <= dev) s->inl[j] = 1, ninl++;
        }
        if (ninl < 3 || ninl < MIN_COVER * nin) REJECT(3);
        /* robust fit of the block centres: Tukey's biweight, 4 rounds */
        double *w = (double *)s->acc; /* nb weights, then nb residuals */
        double *res = w + nb;
        int first = nb, last = -1;
        for (int j = 0; j < nb; j++)
            if (s->inl[j]) first = imin(first, j), last = imax(last, j);
        int quad = (last - first + 1) * BLOCK >= 0.4 * na;
        double sigma = 1;
        for (int j = 0; j < nb; j++) w[j] = s->inl[j];
        pline fit = *L;
        for (int it = 0; it < 4; it++) {
            double S[3][4] = {{0}};
            for (int j = 0; j < nb; j++) {
                if (w[j] <= 0) continue;
                double a = imin(j * BLOCK + BLOCK / 2, na - 1), x = a + 0.5 - na / 2.0;
                double y = centre_at(L, na, a) + s->off[j], p[3] = {1, x, x * x};
                for (int r = 0; r < 3; r++) {
                    for (int q = 0; q < 3; q++) S[r][q] += w[j] * p[r] * p[q];
                    S[r][3] += w[j] * p[r] * y;
                }
            }
            int n = quad ? 3 : 2;
            /* Gauss-Jordan on the n x n normal equations, the right-hand side in column 3 */
            for (int c = 0; c < n; c++) {
                int piv = c;
                for (int r = c + 1; r < n; r++)
                    if (fabs(S[r][c]) > fabs(S[piv][c])) piv = r;
                if (fabs(S[piv][c]) < 1e-12) REJECT(4);
                for (int q = 0; q < 4; q++) {
                    double t = S[c][q];
                    S[c][q] = S[piv][q], S[piv][q] = t;
                }
                for (int r = 0; r < n; r++) {
                    if (r == c) continue;
                    double g = S[r][c] / S[c][c];
                    for (int q = c; q < 4; q++) S[r][q] -= g * S[c][q];
                }
            }
            fit.c = S[0][3] / S[0][0], fit.s = S[1][3] / S[1][1],
            fit.k = quad ? S[2][3] / S[2][2] : 0;
            if (fabs(fit.k) * (na / 2.0) * (na / 2.0) > 4.0) fit.k = 0;
            int nr = 0;
            float *r = s->tmp + PB;
            for (int j = 0; j < nb; j++) {
                double a = imin(j * BLOCK + BLOCK / 2, na - 1);
                res[j] = centre_at(L, na, a) + s->off[j] - centre_at(&fit, na, a);
                if (s->inl[j]) r[nr++] = (float)fabs(res[j]);
            }
            sigma = fmax(1.4826 * median(r, nr), 0.25);
            for (int j = 0; j < nb; j++) {
                double u = res[j] / (4.685 * sigma);
                w[j] = s->inl[j] && fabs(u) < 1 ? (1 - u * u) * (1 - u * u) : 0;
            }
        }
        L->c = fit.c, L->s = fit.s, L->k = fit.k;
        if (pass == 2) {
            if (sigma > MAX_SIGMA) REJECT(5);
            ninl = 0;
            for (int j = 0; j < nb; j++) {
                if (s->inl[j] && fabs(res[j]) > fmax(1.0, 3 * sigma)) s->inl[j] = 0;
                ninl += s->inl[j];
            }
        }
    }
    if (ninl < 3 || ninl < MIN_COVER * nin) REJECT(6);
    /* solid, not dotted: along the blocks that see it, most columns are dark at its centre (a
     * row of dots, averaged over blocks, looks like a faint line) */
    {
        int dark = 0, cols = 0;
        for (int j = 0; j < nb; j++) {
            if (!s->inl[j]) continue;
            for (int a = j * BLOCK; a < imin((j + 1) * BLOCK, na); a++) {
                double yc = centre_at(L, na, a);
                int d = 0;
                for (int c = imax((int)floor(yc - 1), 0); c <= imin((int)floor(yc + 1), f->nc - 1);
                     c++)
                    d = imax(d, PX(f, a, c));
                dark += d >= fmaxf(0.5f * H, SOLID_NOISE * noise), cols++;
            }
        }
        if (dark < SOLID * cols) REJECT(9);
    }
    /* the profiles again, about the final fit, for the model */
    block_profiles(f, L, s);
    /* the width and reach of the median profile */
    float peak = 0;
    for (int b = 0; b < PB; b++) peak = fmaxf(peak, G[b]);
    int wide = 0, reach = 0;
    for (int b = 0; b < PB; b++) {
        wide += G[b] >= 0.5f * peak;
        if (G[b] >= 0.15f * peak) reach = imax(reach, abs(b - BAND * SUB));
    }
    L->height = H, L->width = (float)wide / SUB, L->reach = (float)reach / SUB;
    L->cover = (float)ninl / (float)nin;
    if (L->width > max_width || L->reach > BAND - 0.25) REJECT(7);
    /* the extent: from the first to the last block that sees it, and on towards the picture's
     * ends until a block shows it absent (the page ends, or the table hides it); blocks that are
     * only unsure (a stroke across it, its band cut by the picture's edge) do not stop it */
    int first = -1, last = -1;
    for (int j = 0; j < nb; j++)
        if (s->inl[j]) last = j, first = first < 0 ? j : first;
#define ABSENT(j) (s->in[j] && s->hgt[j] < BLOCK_LO * H)
    while (first > 0 && !ABSENT(first - 1)) first--;
    while (last + 1 < nb && !ABSENT(last + 1)) last++;
#undef ABSENT
    L->a0 = first * BLOCK, L->a1 = imin((last + 1) * BLOCK, na);
    /* the model: per block and bin, the median of the nearest inlier blocks that have pixels at
     * that offset (a level line puts all of a block's pixels at one phase across it: the other
     * phases come from blocks further along), empty bins then filled in from their neighbours */
    if (!(L->model = malloc((size_t)nb * PB * sizeof *L->model))) return -1;
    int *near = s->near;
    float *v = s->tmp + PB;
    for (int j = 0; j < nb; j++) {
        int n = 0;
        for (int d = 0; n < NEAR_BLOCKS && d < nb; d++) {
            if (j - d >= 0 && s->inl[j - d]) near[n++] = j - d;
            if (d > 0 && j + d < nb && s->inl[j + d] && n < NEAR_BLOCKS) near[n++] = j + d;
        }
        float *mo = L->model + (size_t)j * PB, med[PB];
        int has[PB], last = -1;
        for (int b = 0; b < PB; b++) {
            int m = 0;
            for (int i = 0; i < n && m < 2 * MEDIAN_BLOCKS + 1; i++)
                if (s->cnt[(size_t)near[i] * PB + b]) v[m++] = s->prof[(size_t)near[i] * PB + b];
            has[b] = m > 0, med[b] = median(v, m);
        }
        for (int b = 0; b < PB; b++) {
            if (!has[b]) continue;
            if (last < 0)
                for (int e = 0; e < b; e++) med[e] = med[b];
            else
                for (int e = last + 1; e < b; e++)
                    med[e] = med[last] +
                             (med[b] - med[last]) * (float)(e - last) / (float)(b - last);
            last = b;
        }
        for (int e = last + 1; last >= 0 && e < PB; e++) med[e] = med[last];
        float top = 0;
        for (int b = 0; b < PB; b++) top = fmaxf(top, med[b]);
        for (int b = 0; b < PB; b++) {
            /* nothing beyond the line's reach, nor below the profile's noise */
            int far = abs(b - BAND * SUB) > (L->reach + 0.75) * SUB;
            mo[b] = far || med[b] < fmaxf(MODEL_MIN, MODEL_FRAC * top) ? 0 : med[b];
        }
    }
    return 1;
}

/* (A, B) refitted to the slopes of the lines found (at least two, spread over the picture):
 * weighted least squares of s on the intercept. 0 if they do not determine it. */
static int refit(const pline *ls, int n, int nc, int n_full, family *fam) {
    double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
    for (int i = 0; i < n; i++) {
        double w = ls[i].height * ls[i].cover, x = ls[i].c - nc / 2.0;
        sw += w, sx += w * x, sy += w * ls[i].s, sxx += w * x * x, sxy += w * x * ls[i].s;
    }
    if (n < 2 || sw <= 0) return 0;
    double var = sxx / sw - (sx / sw) * (sx / sw);
    if (var < 25.0) return 0;
    double B = (sxy / sw - (sx / sw) * (sy / sw)) / var, A = sy / sw - B * sx / sw;
    if (fabs(B) * n_full > MAX_CONVERGE) return 0;
    fam->A = A, fam->B = B;
    return 1;
}

/* ---- families: the evenly spaced lines among those followed ---- */

static int cmp_line(const void *a, const void *b) {
    double x = ((const pline *)a)->c, y = ((const pline *)b)->c;
    return (x > y) - (x < y);
}

/* Sorts the lines by intercept, drops duplicates (two candidates that became the same line) and
 * marks the longest chain of lines at an even spacing (which may change slowly, in perspective,
 * and may skip up to MAX_MISS lines hidden under ink or too faint). Returns its length. */
static int mark_periodic(pline *ls, int *n, int na) {
    qsort(ls, (size_t)*n, sizeof *ls, cmp_line);
    int m = 0;
    for (int i = 0; i < *n; i++) {
        if (m > 0 && ls[i].c - ls[m - 1].c < 2.0) {
            pline *keep = ls[i].height > ls[m - 1].height ? ls + i : ls + m - 1;
            pline *drop = keep == ls + i ? ls + m - 1 : ls + i;
            free(drop->model);
            if (keep != ls + m - 1) ls[m - 1] = *keep;
            continue;
        }
        ls[m++] = ls[i];
    }
    *n = m;
    int best = 0, best_i = -1, best_j = -1;
    /* every pair of neighbours as the seed of a chain, grown both ways */
    uint8_t *mark = calloc((size_t)m + 1, 1), *cur = calloc((size_t)m + 1, 1);
    if (!mark || !cur) {
        free(mark), free(cur);
        return -1;
    }
    for (int i = 0; i + 1 < m; i++)
        for (int j = i + 1; j < m && j <= i + 3; j++) {
            double g0 = ls[j].c - ls[i].c;
            if (g0 < 4.0) continue;
            memset(cur, 0, (size_t)m);
            cur[i] = cur[j] = 1;
            int len = 2;
            for (int dir = -1; dir <= 1; dir += 2) {
                int at = dir > 0 ? j : i;
                double g = g0;
                for (;;) {
                    int pick = -1;
                    double want = 0;
                    for (int miss = 1; miss <= MAX_MISS + 1 && pick < 0; miss++) {
                        want = ls[at].c + dir * miss * g;
                        float hb = 0;
                        for (int k = at + dir; k >= 0 && k < m; k += dir) {
                            double e = fabs(ls[k].c - want);
                            if (dir * (ls[k].c - want) > SPACING_TOL * g) break;
                            if (e <= SPACING_TOL * g && ls[k].height > hb)
                                pick = k, hb = ls[k].height;
                        }
                        if (pick >= 0) g = 0.5 * g + 0.5 * fabs(ls[pick].c - ls[at].c) / miss;
                    }
                    if (pick < 0) break;
                    cur[pick] = 1, len++, at = pick;
                }
            }
            if (len > best) {
                best = len, best_i = i, best_j = j;
                memcpy(mark, cur, (size_t)m);
            }
        }
    (void)best_i, (void)best_j;
    for (int i = 0; i < m; i++) ls[i].periodic = best >= 3 && mark[i];
    free(mark), free(cur);
    if (best >= 3) return best;
    /* two lines alone (large writing on ruled paper) make a family only when both cross the
     * whole picture, are seen nearly all along and look alike: strokes of a pen do not */
    for (int i = 0; i < m; i++)
        for (int j = i + 1; j < m; j++) {
            const pline *a = ls + i, *b = ls + j;
            if (a->a0 || b->a0 || a->a1 < na || b->a1 < na || a->cover < PAIR_COVER ||
                b->cover < PAIR_COVER ||
                fmaxf(a->height, b->height) > PAIR_RATIO * fminf(a->height, b->height) ||
                fmaxf(a->width, b->width) > PAIR_RATIO * fminf(a->width, b->width) ||
                b->c - a->c < PAIR_GAP * fmaxf(a->width, 1.0f))
                continue;
            ls[i].periodic = ls[j].periodic = 1;
            return 2;
        }
    return 0;
}

/* ---- dividing out, then bridging ---- */

/* The line's darkness to divide out at (a, c), in levels (0: none). */
static float model_at(const pline *L, int nblk, double a, double o) {
    double tb = (a + 0.5) / BLOCK - 0.5, t = (o + BAND) * SUB;
    int j0 = (int)floor(tb), b0 = (int)floor(t);
    double fj = tb - j0, fb = t - b0;
    if (b0 < 0 || b0 + 1 >= PB) return 0;
    int j1 = imin(j0 + 1, nblk - 1);
    j0 = imax(imin(j0, nblk - 1), 0), j1 = imax(j1, 0);
    if (tb < 0) fj = 0;
    const float *m0 = L->model + (size_t)j0 * PB, *m1 = L->model + (size_t)j1 * PB;
    double v0 = m0[b0] + fb * (m0[b0 + 1] - m0[b0]), v1 = m1[b0] + fb * (m1[b0 + 1] - m1[b0]);
    return (float)(v0 + fj * (v1 - v0));
}

static void divide_column(const frame *f, int vertical, int w, const pline *L, int nblk, int a,
                          uint8_t *trans) {
    double yc = centre_at(L, f->na, a);
    int c0 = imax((int)floor(yc - BAND), 0), c1 = imin((int)ceil(yc + BAND), f->nc - 1);
    for (int c = c0; c <= c1; c++) {
        float mv = model_at(L, nblk, a, c + 0.5 - yc);
        if (mv <= 0) continue;
        int t = (int)lroundf(255.0f - mv);
        if (t < MIN_TRANS) t = MIN_TRANS;
        size_t i = vertical ? (size_t)a * w + c : (size_t)c * w + a;
        if (t < trans[i]) trans[i] = (uint8_t)t;
    }
}

/* The line's transmittance over its extent into trans, then on beyond it column by column while
 * the darkness at its centre over the lighter of its sides is the line's (half to 1.6 times its
 * model's peak there), through
 * up to EXTEND_MISS columns that are not (a stroke across it): the end of a line beside the
 * table, or where its band leaves the picture, which its blocks could not judge. */
static void divide_out(const frame *f, int vertical, int w, const pline *L, int nblk,
                       uint8_t *trans) {
    for (int a = L->a0; a < L->a1; a++) divide_column(f, vertical, w, L, nblk, a, trans);
    for (int dir = -1; dir <= 1; dir += 2)
        for (int a = dir < 0 ? L->a0 - 1 : L->a1, miss = 0; a >= 0 && a < f->na; a += dir) {
            double yc = centre_at(L, f->na, a);
            float peak = 0;
            int d = 0;
            for (int k = -SUB; k <= SUB; k++)
                peak = fmaxf(peak, model_at(L, nblk, a, (double)k / SUB));
            for (int c = (int)floor(yc - 1); c <= (int)floor(yc + 1); c++)
                if (c >= 0 && c < f->nc) d = imax(d, PX(f, a, c));
            /* above the lighter side just past its reach: a line, not the table's darkness */
            int lo = 255;
            for (int e = -1; e <= 1; e += 2) {
                int c = (int)floor(yc + e * (L->reach + 2));
                if (c >= 0 && c < f->nc) lo = imin(lo, PX(f, a, c));
            }
            d -= imin(lo, d);
            if (peak > 0 && d >= 0.5f * peak && d <= 1.6f * peak) {
                divide_column(f, vertical, w, L, nblk, a, trans), miss = 0;
            } else if (++miss > EXTEND_MISS) {
                break;
            }
        }
}

/* Darkness (levels) once the lines' transmittance t is divided out: 1 - D' = (1 - D) / t. */
static int divided(int dark, int t) { return 255 - imin(255, (255 - dark) * 255 / imax(t, 1)); }

/* Where both sides of the line (just past its reach, straight across or slanting by up to two
 * pixels) hold ink, the pixels of the line take the lighter side's value if darker than theirs:
 * a stroke as dark as the line it crosses comes back whole. Returns the pixels changed. */
static int bridge(const frame *f, int vertical, int w, const pline *L, const uint8_t *trans,
                  uint8_t *ink) {
    int na = f->na, nc = f->nc, changed = 0;
    double r = fmax(L->reach, 0.5), side = r + 1.5;
#define AT(a, c) (vertical ? (size_t)(a)*w + (size_t)(c) : (size_t)(c)*w + (size_t)(a))
    for (int a = imax(L->a0, 2); a < imin(L->a1, na - 2); a++) {
        double yc = centre_at(L, na, a);
        int best = 256;
        for (int d = -2; d <= 2; d++) {
            int ca = (int)floor(centre_at(L, na, a - d) - side),
                cb = (int)floor(centre_at(L, na, a + d) + side);
            if (ca < 0 || cb >= nc) continue;
            size_t i = AT(a - d, ca), j = AT(a + d, cb);
            if (divided(PX(f, a - d, ca), trans[i]) < BRIDGE_MIN ||
                divided(PX(f, a + d, cb), trans[j]) < BRIDGE_MIN)
                continue;
            int v = imax(ink[i], ink[j]);
            best = imin(best, v);
        }
        if (best > 255) continue;
        int c0 = imax((int)ceil(yc - r - 0.5), 0), c1 = imin((int)floor(yc + r - 0.5), nc - 1);
        for (int c = c0; c <= c1; c++)
            if (ink[AT(a, c)] > best) ink[AT(a, c)] = (uint8_t)best, changed++;
    }
#undef AT
    return changed;
}

/* ---- the dots of a dotted grid: many small isolated blobs, at one spacing ---- */

typedef struct dot {
    int x, y, r; /* r: the ring it was seen through */
    float nn;    /* distance to the nearest other dot */
} dot;

/* The noise of the darkness: paper is 0 plus noise clamped at 0, whose 75th percentile is 0.674
 * sigmas. */
static double dark_sigma(const uint8_t *dark, size_t n) {
    uint64_t hist[256] = {0}, cum = 0;
    for (size_t i = 0; i < n; i++) hist[dark[i]]++;
    int k = 0;
    while (k < 255 && (cum += hist[k]) < (uint64_t)(0.75 * (double)n)) k++;
    return fmax(k / 0.674, 1.0);
}

/* Finds the dots of a dotted grid in dark and erases them from ink (to the paper around each)
 * and from dark, marking their pixels in *trans (allocated, all 255, when NULL). A dot is a local
 * maximum whose ring at DOT_RING pixels is light and whose blob is small; they are a grid when
 * there are many, their nearest-neighbour distances agree, and they fill the picture at that
 * spacing. Only dots with a neighbour at about the spacing go. Returns the dots erased or -1. */
/* 1 if (x, y), of darkness v, is a dot seen through a ring of radius R: the darkest pixel inside
 * the ring (strictly darker than those before it, so that a flat top counts once), the ring
 * (clipped to the picture, a quarter of it at least) light, and at most max_area pixels inside
 * half as dark as v. */
static int is_dot(const uint8_t *dark, int w, int h, int x, int y, int v, int R, int max_area,
                  double sigma) {
    double ring = 0;
    int rmax = 0, big = 0, nring = 0;
    for (int dy = -R; dy <= R; dy++)
        for (int dx = -R; dx <= R; dx++) {
            int X = x + dx, Y = y + dy;
            if (X < 0 || Y < 0 || X >= w || Y >= h) continue;
            int q = dark[(size_t)Y * w + X];
            if (abs(dx) == R || abs(dy) == R) {
                ring += q, rmax = imax(rmax, q), nring++;
            } else {
                if (q > v || (q == v && (dy < 0 || (dy == 0 && dx < 0)))) return 0;
                /* a blob, not a piece of a faint line: nothing half as dark next to the ring */
                if (2 * q >= v && (abs(dx) == R - 1 || abs(dy) == R - 1)) return 0;
                big += 2 * q >= v;
            }
        }
    if (4 * nring < 8 * R) return 0; /* a quarter of the ring at least (a dot in a corner) */
    ring /= nring;
    return ring <= fmax(DOT_RING_MEAN * v, 2 * sigma) &&
           rmax <= fmax(DOT_RING_MAX * v, 4 * sigma) && big <= max_area;
}

static int remove_dots(uint8_t *dark, uint8_t *ink, int w, int h, uint8_t **trans) {
    const int G = 32; /* cells of the neighbour search */
    double sigma = dark_sigma(dark, (size_t)w * h), lo = fmax(DOT_MIN, DOT_SIGMAS * sigma);
    size_t cap = 1024, n = 0;
    dot *ds = malloc(cap * sizeof *ds);
    int gw = (w + G - 1) / G, gh = (h + G - 1) / G, found = -1;
    int *start = NULL, *order = NULL;
    float *nn = NULL;
    if (!ds) return -1;
    for (int y = 0; y < h; y++) {
        const uint8_t *row = dark + (size_t)y * w;
        for (int x = 0; x < w; x++) {
            int v = row[x];
            if (v < lo) continue;
            /* a quick look at the 3 x 3 neighbours first, inside the picture */
            if (x > 0 && y > 0 && x < w - 1 && y < h - 1 &&
                (row[x - 1] >= v || row[x + 1] > v || row[x - w - 1] >= v || row[x - w] >= v ||
                 row[x - w + 1] >= v || row[x + w - 1] > v || row[x + w] > v || row[x + w + 1] > v))
                continue;
            /* a small dot inside a ring of 4 pixels, or a large one inside one of 7 */
            int r = is_dot(dark, w, h, x, y, v, DOT_RING, DOT_MAX_AREA, sigma) ? DOT_RING
                    : is_dot(dark, w, h, x, y, v, DOT_RING_BIG, DOT_MAX_AREA_BIG, sigma)
                        ? DOT_RING_BIG
                        : 0;
            if (!r) continue;
            if (n == cap) {
                dot *t = realloc(ds, 2 * cap * sizeof *ds);
                if (!t) goto done;
                ds = t, cap *= 2;
            }
            ds[n++] = (dot){x, y, r, 0};
        }
    }
    found = 0;
    if (n < DOT_MIN_COUNT) goto done;
    /* nearest neighbours through a grid of cells (a counting sort of the dots by cell) */
    found = -1;
    start = calloc((size_t)gw * gh + 1, sizeof *start), order = malloc(n * sizeof *order);
    nn = malloc(n * sizeof *nn);
    if (!start || !order || !nn) goto done;
    for (size_t i = 0; i < n; i++) start[(ds[i].y / G) * gw + ds[i].x / G + 1]++;
    for (int c = 0; c < gw * gh; c++) start[c + 1] += start[c];
    for (size_t i = 0; i < n; i++) {
        int c = (ds[i].y / G) * gw + ds[i].x / G;
        order[start[c]++] = (int)i;
    }
    for (int c = gw * gh; c > 0; c--) start[c] = start[c - 1];
    start[0] = 0;
    for (size_t i = 0; i < n; i++) {
        int cx = ds[i].x / G, cy = ds[i].y / G;
        double best = 1e9;
        for (int yy = imax(cy - 3, 0); yy <= imin(cy + 3, gh - 1); yy++)
            for (int xx = imax(cx - 3, 0); xx <= imin(cx + 3, gw - 1); xx++)
                for (int k = start[yy * gw + xx]; k < start[yy * gw + xx + 1]; k++) {
                    const dot *o = ds + order[k];
                    if (o == ds + i) continue;
                    double dx = o->x - ds[i].x, dy = o->y - ds[i].y;
                    best = fmin(best, dx * dx + dy * dy);
                }
        ds[i].nn = nn[i] = (float)sqrt(best);
    }
    qsort(nn, n, sizeof *nn, cmp_float);
    double S = nn[n / 2], q25 = nn[n / 4];
    found = 0;
    if (S > 3 * G || S - q25 > DOT_SPREAD * S || (double)n < DOT_FILL * w * h / (S * S)) goto done;
    found = -1;
    if (!*trans) {
        if (!(*trans = malloc((size_t)w * h))) goto done;
        memset(*trans, 255, (size_t)w * h);
    }
    found = 0;
    for (size_t i = 0; i < n; i++) {
        if (ds[i].nn < DOT_NEAR_LO * S || ds[i].nn > DOT_NEAR_HI * S) continue;
        int x = ds[i].x, y = ds[i].y, R = ds[i].r, ring[8 * DOT_RING_BIG], dring[8 * DOT_RING_BIG],
            m = 0;
        for (int dy = -R; dy <= R; dy++)
            for (int dx = -R; dx <= R; dx++) {
                int X = x + dx, Y = y + dy;
                if ((abs(dx) == R || abs(dy) == R) && X >= 0 && Y >= 0 && X < w && Y < h)
                    dring[m] = dark[(size_t)Y * w + X], ring[m++] = ink[(size_t)Y * w + X];
            }
        qsort(ring, (size_t)m, sizeof *ring, cmp_int);
        qsort(dring, (size_t)m, sizeof *dring, cmp_int);
        /* the paper around it, in both pictures (the darkness keeps its level, so the dots'
         * rows do not turn into the dips of a grid) */
        uint8_t paper = (uint8_t)ring[m / 2], dpaper = (uint8_t)dring[m / 2];
        for (int dy = 1 - R; dy < R; dy++)
            for (int dx = 1 - R; dx < R; dx++) {
                int X = x + dx, Y = y + dy;
                if (X < 0 || Y < 0 || X >= w || Y >= h) continue;
                size_t p = (size_t)Y * w + X;
                if (ink[p] < paper) ink[p] = paper;
                dark[p] = dpaper, (*trans)[p] = (uint8_t)imin((*trans)[p], 254);
            }
        found++;
    }
done:
    free(ds), free(start), free(order), free(nn);
    return found;
}

/* ---- the whole search ---- */

typedef struct search {
    const uint8_t *dark;
    int w, h, side;
    double max_width;
    double *cand;      /* MAX_CAND */
    pline *ls[2];      /* MAX_CAND lines per family */
    int nl[2], per[2]; /* lines found, and how many are evenly spaced */
    follow_scratch sc[2];
} search;

static frame family_frame(const search *S, int v) {
    return (frame){S->dark, v ? S->h : S->w, v ? S->w : S->h, v ? (size_t)S->w : 1,
                   v ? 1 : (size_t)S->w};
}

/* Follows the candidates of family v along (A, B) in two rounds (the lines found in the first
 * refine (A, B), which the coarse search only roughly knows, and the second finds those that the
 * first projection smeared), adds the lines found to S->ls[v] and marks the evenly spaced ones. */
static nn_status search_family(search *S, int v, family fam) {
    frame f = family_frame(S, v);
    int nc = 0;
    if (!S->sc[v].acc && scratch_init(&S->sc[v], f.na) != NN_OK) return NN_ERR_NOMEM;
    for (int round = 0; round < 2; round++) {
        if (round == 1 && !refit(S->ls[v], S->nl[v], f.nc, S->side, &fam)) break;
        nn_status st = candidates(&f, &fam, v, S->cand, &nc);
        if (st != NN_OK) return st;
        for (int i = 0; i < nc; i++) {
            pline L = {0};
            L.c = S->cand[i], L.s = fam.A + fam.B * (S->cand[i] - f.nc / 2.0);
            /* a candidate already on a line found (the same line seen twice) is skipped */
            int dup = 0;
            for (int k = 0; k < S->nl[v] && !dup; k++)
                dup = fabs(centre_at(&S->ls[v][k], f.na, f.na / 2.0) -
                           centre_at(&L, f.na, f.na / 2.0)) < 2.0;
            if (dup) continue;
            int ok = follow(&f, &L, &S->sc[v], S->max_width);
            if (ok < 0) return NN_ERR_NOMEM;
            if (ok && S->nl[v] < MAX_CAND) S->ls[v][S->nl[v]++] = L;
            else free(L.model);
        }
    }
    /* the strongest coarse peaks with their own slopes: a single line (a margin) that does
     * not follow the family's slope */
    for (int t = 0; t < fam.ntop; t++) {
        pline L = {0};
        L.c = fam.top_c[t], L.s = fam.top_s[t];
        int dup = 0;
        for (int k = 0; k < S->nl[v] && !dup; k++)
            dup = fabs(centre_at(&S->ls[v][k], f.na, f.na / 2.0) - L.c) < 3.0;
        if (dup) continue;
        int ok = follow(&f, &L, &S->sc[v], S->max_width);
        if (ok < 0) return NN_ERR_NOMEM;
        if (ok && S->nl[v] < MAX_CAND) S->ls[v][S->nl[v]++] = L;
        else free(L.model);
    }
    if ((S->per[v] = mark_periodic(S->ls[v], &S->nl[v], f.na)) < 0) return NN_ERR_NOMEM;
    return NN_OK;
}

nn_status lines_remove(uint8_t *dark, uint8_t *ink, int w, int h, uint8_t **lined,
                       lines_found *found) {
    lines_found fd = {{0, 0}, {0, 0}, 0, 0};
    if (found) *found = fd;
    if (lined) *lined = NULL;
    if (w < LINES_MIN_SIDE || h < LINES_MIN_SIDE) return NN_OK;
    search S;
    memset(&S, 0, sizeof S);
    S.dark = dark, S.w = w, S.h = h, S.side = imax(w, h);
    S.max_width = fmax(MAX_WIDTH, MAX_WIDTH_FRAC * S.side);
    int fct = imax(1, (S.side + LOW_SIDE - 1) / LOW_SIDE);
    int lw = (w + fct - 1) / fct, lh = (h + fct - 1) / fct;
    float *low = calloc((size_t)lw * lh, sizeof *low);
    S.cand = malloc(MAX_CAND * sizeof *S.cand);
    S.ls[0] = malloc(MAX_CAND * sizeof(pline)), S.ls[1] = malloc(MAX_CAND * sizeof(pline));
    pline **ls = S.ls;
    int *nl = S.nl, *per = S.per;
    uint8_t *trans = NULL;
    family fam[2];
    nn_status st = NN_ERR_NOMEM;
    if (!low || !S.cand || !ls[0] || !ls[1]) goto done;
    if ((fd.dots = remove_dots(dark, ink, w, h, &trans)) < 0) goto done;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            low[(size_t)(y / fct) * lw + x / fct] += dark[(size_t)y * w + x];
    for (int j = 0; j < lh; j++)
        for (int i = 0; i < lw; i++) {
            int bw = imin(fct, w - i * fct), bh = imin(fct, h - j * fct);
            low[(size_t)j * lw + i] /= (float)(bw * bh);
        }
    for (int v = 0; v < 2; v++) {
        frame f = family_frame(&S, v);
        if ((st = coarse(low, lw, lh, v, fct, f.nc, S.side, &fam[v])) != NN_OK) goto done;
        if (fam[v].peaks > 0 && (st = search_family(&S, v, fam[v])) != NN_OK) goto done;
    }
    /* a family that the coarse search missed (faint lines, or a margin outweighed by strokes)
     * is looked for square to the other: turned by the same angle, its slope in its own frame is
     * the opposite of the other's */
    for (int v = 0; v < 2; v++)
        if (!per[v] && per[1 - v]) {
            const pline *o = ls[1 - v];
            float *sl = (float *)S.cand; /* MAX_CAND doubles: room for the slopes */
            int n = 0;
            for (int i = 0; i < nl[1 - v]; i++)
                if (o[i].periodic) sl[n++] = (float)o[i].s;
            family alt;
            memset(&alt, 0, sizeof alt);
            alt.A = -median(sl, n);
            if (fabs(alt.A - fam[v].A) > 0.5 * SETTLE_RANGE &&
                (st = search_family(&S, v, alt)) != NN_OK)
                goto done;
        }
    st = NN_OK;
    if (!per[0] && !per[1]) {
        if (fd.dots) goto finish;
        goto done;
    }
    if (!trans) {
        if (!(trans = malloc((size_t)w * h))) {
            st = NN_ERR_NOMEM;
            goto done;
        }
        memset(trans, 255, (size_t)w * h);
    }
    /* the median height of the evenly spaced lines */
    float *hs = (float *)S.cand, hper; /* MAX_CAND doubles: room for the heights */
    int nh = 0;
    for (int v = 0; v < 2; v++)
        for (int i = 0; i < nl[v] && nh < MAX_CAND; i++)
            if (ls[v][i].periodic) hs[nh++] = ls[v][i].height;
    hper = median(hs, nh);
    for (int v = 0; v < 2; v++) {
        frame f = family_frame(&S, v);
        for (int i = 0; i < nl[v]; i++) {
            pline *L = &ls[v][i];
            /* a single line beside a family: seen along most of the picture, about as dark as
             * the family's lines or darker, and thin (its profile ends well inside its band) */
            int extra = !L->periodic && L->cover >= EXTRA_COVER &&
                        L->a1 - L->a0 >= EXTRA_EXTENT * f.na && L->height >= EXTRA_HEIGHT * hper &&
                        L->reach <= BAND - 0.25;
            if (!L->periodic && !extra) continue;
            L->periodic = L->periodic ? 1 : 2;
            divide_out(&f, v, w, L, S.sc[v].nblk, trans);
            if (L->periodic == 1) fd.periodic[v]++;
            else fd.extra[v]++;
        }
    }
    for (size_t i = 0; i < (size_t)w * h; i++)
        if (trans[i] < 255) {
            unsigned q = ((unsigned)ink[i] * 255u + trans[i] / 2) / trans[i];
            ink[i] = (uint8_t)(q > 255 ? 255 : q);
        }
    for (int v = 0; v < 2; v++) {
        frame f = family_frame(&S, v);
        for (int i = 0; i < nl[v]; i++)
            if (ls[v][i].periodic) fd.bridged += bridge(&f, v, w, &ls[v][i], trans, ink);
    }
finish:
    if (found) *found = fd;
    if (lined) *lined = trans, trans = NULL;
done:
    for (int v = 0; v < 2; v++) {
        for (int i = 0; ls[v] && i < nl[v]; i++) free(ls[v][i].model);
        free(ls[v]);
        scratch_free(&S.sc[v]);
    }
    free(low), free(S.cand), free(trans);
    return st;
}
