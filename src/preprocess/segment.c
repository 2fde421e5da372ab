/* segment.c: the components of a written number grouped into its digits, left to right (issue 15).
 * The line of the number is the rows of its heaviest component; the digits are the components
 * that are tall on that line, those sharing most of their columns being one digit (a "4" written
 * in two strokes, pieces of a broken stroke); then the short parts (a "5"'s detached bar) join the
 * digit whose columns they share or that is next to them, and a short part beside every digit
 * that is as heavy and as wide as one (a flat "0") is a digit of its own. Components whose ink
 * comes within a stroke width of each other are one part first (a stroke that a printed line
 * taken out, or a pen that skipped, broke). A group much wider than the number's
 * typical digit holds digits that touch: it is cut at the columns of least ink near evenly spaced
 * positions, as a person would draw the line between them, unless a piece would be a sliver
 * much shorter than the others (a wide "6" is not "62"). Ink beside a page's edge (the table's
 * texture) is no digit and sets no line; on a lined page the dots its print left are no digit's
 * unless a stroke comes near them. Costs O(components^2 + runs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "segment.h"

#define SEG_MIN_MASS 0.08 /* a digit's tall part weighs at least this share of the heaviest */
#define SEG_TALL 0.6      /* ... is at least 0.6 times as tall as the number's line */
#define SEG_ON_LINE 0.5   /* ... and shares half of its height with its neighbour on the line, */
#define SEG_MAX_GAP 2.0   /* which is at most twice its height away */
#define SEG_TOO_TALL 2.5  /* 2.5 times as tall as the line or the digits: a line left behind */
#define SEG_OVERLAP 0.5   /* tall parts sharing half the narrower one's columns: one digit */
#define SEG_PART_MIN 0.02 /* lighter parts are specks: kept only inside a digit's box */
#define SEG_ATTACH 0.25   /* a short part joins a digit within 0.25 line heights of it */
#define SEG_NARROW 0.4    /* digits narrower than 0.4 of their height ("1") do not set the */
#define SEG_DIGIT_ASPECT 0.62 /*   typical width, which is 0.62 of the height without others */
#define SEG_MAX_ASPECT 0.75   /*   and at most 0.75 of it */
#define SEG_WIDE 1.6          /* a group this many typical widths wide, and wider than tall, */
#define SEG_ALONE_ASPECT \
    1.9                    /* or (alone) this much wider than tall: three touching digits or more */
#define SEG_CUT_WINDOW 0.3 /* cuts are looked for within 0.3 digit widths of even positions */
#define SEG_PIECE_TALL 0.5 /* and each piece's ink is at least half as tall as its group's */
#define SEG_JOIN 1.0       /* ink within this many stroke widths: one part */
#define SEG_FLAT_WIDE 0.5  /* a short part this many line heights wide, alone: a digit */
#define SEG_PRINT 2.0      /* on a lined page, parts up to twice the median part's mass, */
#define SEG_PRINT_MAX 0.06 /*   at most 0.06 of the heaviest, are specks too, */
#define SEG_PRINT_PARTS 30 /*   when there are that many parts: dots the print left behind */
enum { SEG_MAX_SPLIT = 16 }; /* digits in one group at most */

static int imin(int a, int b) { return a < b ? a : b; }
static int imax(int a, int b) { return a > b ? a : b; }

static int overlap(int a0, int a1, int b0, int b1) { return imin(a1, b1) - imax(a0, b0); }

typedef struct group {
    int x0, y0, x1, y1;
} group;

static void grow(group *g, const comp *c) {
    g->x0 = imin(g->x0, c->x0), g->y0 = imin(g->y0, c->y0);
    g->x1 = imax(g->x1, c->x1), g->y1 = imax(g->y1, c->y1);
}

static int cmp_int(const void *a, const void *b) {
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* The median of v[0..n) (n >= 1), which it sorts. */
static double median(int *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_int);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

/* Cuts [*cut, *cut + k - 1) of a group [x0, x1) into k digits at the columns of least ink (prof:
 * strong pixels per column of the group, smoothed over three columns) near even positions. */
static void cut_group(const int *prof, int x0, int x1, int k, int *cut) {
    double step = (double)(x1 - x0) / k;
    int prev = x0;
    for (int i = 1; i < k; i++) {
        double want = x0 + i * step;
        int lo = imax((int)ceil(want - SEG_CUT_WINDOW * step), prev + 1);
        int hi = imin((int)floor(want + SEG_CUT_WINDOW * step), x1 - 1);
        int best = (int)lround(want);
        long bv = -1;
        for (int x = lo; x <= hi; x++) {
            long v = 0;
            for (int dx = -1; dx <= 1; dx++)
                if (x + dx >= x0 && x + dx < x1) v += prof[x + dx - x0];
            /* the least ink, then the nearest to the even position */
            if (bv < 0 || v < bv || (v == bv && fabs(x - want) < fabs(best - want)))
                bv = v, best = x;
        }
        cut[i - 1] = prev = imax(imin(best, x1 - 1), prev + 1);
    }
}

static int32_t find(int32_t *up, int32_t a) {
    while (up[a] != a) a = up[a] = up[up[a]];
    return a;
}

/* Two pieces of ink that are each a digit's height and side by side: two digits, however close. */
static int side_by_side(const rect *a, const rect *b) {
    int ha = a->y1 - a->y0, hb = b->y1 - b->y0;
    if (imin(ha, hb) < SEG_TALL * imax(ha, hb)) return 0;
    return overlap(a->x0, a->x1, b->x0, b->x1) < SEG_OVERLAP * imin(a->x1 - a->x0, b->x1 - b->x0);
}

/* The parts: components (not specks, not on the border) whose strong runs come within SEG_JOIN
 * stroke widths of each other (the median run's length: across a stroke) are one part, with
 * their mass and box, unless both are a digit's height side by side; part[c] is component c's
 * part, 1..the count returned, and near[p] whether part p is a speck that a stroke comes within
 * those widths of (nc + 1 bytes). rs's runs come row by row, left to right. */
static int32_t join_parts(const comp *cs, int32_t nc, const runs *rs, int32_t *up, rect *box,
                          int32_t *part, comp *ps, uint8_t *near) {
    double mc = 0;
    for (int32_t c = 1; c <= nc; c++)
        if (!cs[c].border && cs[c].mass > mc) mc = cs[c].mass;
#define JOINS(c) (!cs[c].border && cs[c].mass >= SEG_PART_MIN * mc)
    enum { LENGTHS = 64 };
    size_t hist[LENGTHS] = {0}, total = 0;
    for (size_t r = 0; r < rs->n; r++)
        if (JOINS(rs->r[r].id)) hist[imin(rs->r[r].x1 - rs->r[r].x0, LENGTHS - 1)]++, total++;
    int sw = 1;
    for (size_t seen = 0; sw < LENGTHS - 1 && (seen += hist[sw]) < (total + 1) / 2;) sw++;
    const int reach = imax(1, (int)lround(SEG_JOIN * sw));
    for (int32_t c = 0; c <= nc; c++) up[c] = c;
    for (int32_t c = 1; c <= nc; c++) box[c] = (rect){cs[c].x0, cs[c].y0, cs[c].x1, cs[c].y1};
    memset(near, 0, (size_t)nc + 1);
    for (size_t i = 0; i < rs->n; i++) {
        const run *a = rs->r + i;
        if (cs[a->id].border) continue;
        for (size_t j = i + 1; j < rs->n && rs->r[j].y <= a->y + reach; j++) {
            const run *b = rs->r + j;
            if (b->x0 - a->x1 > reach || a->x0 - b->x1 > reach || cs[b->id].border) continue;
            const int ja = JOINS(a->id), jb = JOINS(b->id);
            if (ja != jb) near[ja ? b->id : a->id] = 1; /* a speck by a stroke */
            if (!ja || !jb) continue;
            int32_t x = find(up, a->id), y = find(up, b->id);
            if (x == y || side_by_side(box + x, box + y)) continue;
            if (x > y) {
                int32_t t = x;
                x = y, y = t;
            }
            up[y] = x;
            box[x].x0 = imin(box[x].x0, box[y].x0), box[x].y0 = imin(box[x].y0, box[y].y0);
            box[x].x1 = imax(box[x].x1, box[y].x1), box[x].y1 = imax(box[x].y1, box[y].y1);
        }
    }
#undef JOINS
    int32_t np = 0;
    for (int32_t c = 1; c <= nc; c++) {
        int32_t root = find(up, c);
        if (root == c) {
            part[c] = ++np;
            ps[np] = cs[c];
            ps[np].group = -1;
            near[np] = near[c]; /* np <= c: by part from here on */
        } else {
            comp *q = ps + part[root]; /* root < c: numbered already */
            q->mass += cs[c].mass, q->count += cs[c].count;
            q->x0 = imin(q->x0, cs[c].x0), q->y0 = imin(q->y0, cs[c].y0);
            q->x1 = imax(q->x1, cs[c].x1), q->y1 = imax(q->y1, cs[c].y1);
            part[c] = part[root];
        }
    }
    return np;
}

/* Whether part k lies in the columns of a part on the border that is taller than wide and
 * SEG_TOO_TALL times as tall as k, or in the rows of one wider than tall and as many times as
 * wide as k: beside the edge of the page (the table along it), not on the page. */
static int by_edge(const comp *ps, int32_t np, const comp *k) {
    for (int32_t b = 1; b <= np; b++) {
        const comp *e = ps + b;
        int ew = e->x1 - e->x0, eh = e->y1 - e->y0;
        if (!e->border) continue;
        if (eh > ew && overlap(k->x0, k->x1, e->x0, e->x1) > 0 &&
            eh >= SEG_TOO_TALL * (k->y1 - k->y0))
            return 1;
        if (ew > eh && overlap(k->y0, k->y1, e->y0, e->y1) > 0 &&
            ew >= SEG_TOO_TALL * (k->x1 - k->x0))
            return 1;
    }
    return 0;
}

/* Whether a piece of group g's columns [x0, x1) cut into k at cut[] has ink less than
 * SEG_PIECE_TALL as tall as the group's: then the group was one wide digit, not k touching. */
static int sliver(const comp *cs, const runs *rs, int g, int x0, int x1, int k, const int *cut) {
    int lo[SEG_MAX_SPLIT], hi[SEG_MAX_SPLIT], gy0 = -1, gy1 = -1;
    for (int i = 0; i < k; i++) lo[i] = -1, hi[i] = -1;
    for (size_t r = 0; r < rs->n; r++) {
        const run *u = rs->r + r;
        if (cs[u->id].group != g) continue;
        if (gy0 < 0) gy0 = u->y;
        gy1 = u->y;
        for (int i = 0; i < k; i++) {
            int a = i ? cut[i - 1] : x0, b = i < k - 1 ? cut[i] : x1;
            if (u->x1 <= a || u->x0 >= b) continue;
            if (lo[i] < 0) lo[i] = u->y;
            hi[i] = u->y;
        }
    }
    for (int i = 0; i < k; i++)
        if (lo[i] < 0 || hi[i] - lo[i] + 1 < SEG_PIECE_TALL * (gy1 - gy0 + 1)) return 1;
    return 0;
}

int segment_digits(comp *comps, int32_t ncomps, const runs *rs, int w, int cut_wide, int lined,
                   digit_span *d, int max) {
    uint8_t *near = malloc((size_t)ncomps + 1), *edge = malloc((size_t)ncomps + 1);
    int32_t *up = malloc(((size_t)ncomps + 1) * sizeof *up);
    int32_t *part = malloc(((size_t)ncomps + 1) * sizeof *part);
    rect *box = malloc(((size_t)ncomps + 1) * sizeof *box);
    comp *cs = malloc(((size_t)ncomps + 1) * sizeof *cs); /* the parts, 1..nc */
    int32_t *idx = NULL, main = 0;
    group *gs = NULL;
    int *scratch = NULL, *prof = NULL, cut[SEG_MAX_SPLIT];
    int ng = 0, nd = -1, ncut = 0;
    if (!near || !edge || !up || !part || !box || !cs) goto done;
    const int32_t nc = join_parts(comps, ncomps, rs, up, box, part, cs, near);
    /* the parts beside a page's edge (the table's texture, divided by its dark background,
     * leaves ink there), which no digit of a number on the page is */
    for (int32_t c = 1; c <= nc; c++) edge[c] = !cs[c].border && by_edge(cs, nc, cs + c);
    for (int32_t c = 1; c <= nc; c++) cs[c].group = -1;
    /* the heaviest part off the border and not beside an edge; failing that, off the border */
    for (int pass = 0; pass < 3 && !main; pass++)
        for (int32_t c = 1; c <= nc; c++)
            if ((pass == 2 || !cs[c].border) && (pass || !edge[c]) &&
                (!main || cs[c].mass > cs[main].mass))
                main = c;
    if (!main) {
        nd = 0;
        goto done;
    }
    const int inner = !cs[main].border;
    /* beside the edge: as if on the border (unless the number itself is: then there is no page) */
    for (int32_t c = 1; c <= nc; c++)
        if (inner && !edge[main] && edge[c]) cs[c].border = 1;
    const double mm = cs[main].mass;
    const int ly0 = cs[main].y0, ly1 = cs[main].y1, lh = ly1 - ly0;
    idx = malloc((size_t)nc * sizeof *idx);
    gs = malloc((size_t)nc * sizeof *gs);
    scratch = malloc((size_t)nc * sizeof *scratch); /* values to take medians of */
    if (!idx || !gs || !scratch) goto done;

    /* the tall parts, by their centres from left to right */
    int n = 0, at = -1;
    for (int32_t c = 1; c <= nc; c++) {
        const comp *k = cs + c;
        if (k->mass < SEG_MIN_MASS * mm || (inner && k->border) || k->y1 - k->y0 < SEG_TALL * lh ||
            k->y1 - k->y0 > SEG_TOO_TALL * lh)
            continue;
        idx[n++] = c;
    }
    for (int i = 1; i < n; i++) /* insertion sort by x0 + x1: a number has few digits */
        for (int j = i;
             j > 0 && cs[idx[j]].x0 + cs[idx[j]].x1 < cs[idx[j - 1]].x0 + cs[idx[j - 1]].x1; j--) {
            int32_t t = idx[j];
            idx[j] = idx[j - 1], idx[j - 1] = t;
        }
    /* the line of the number: from the heaviest part outwards, each next part sharing half of
     * its height with the last one taken and no further from it than SEG_MAX_GAP of its height
     * (a number written askew climbs or falls from digit to digit) */
    for (int i = 0; i < n; i++)
        if (idx[i] == main) at = i;
    for (int dir = -1; dir <= 1; dir += 2) {
        const comp *prev = cs + main;
        for (int i = at + dir; i >= 0 && i < n; i += dir) {
            comp *k = cs + idx[i];
            int hk = k->y1 - k->y0, hp = prev->y1 - prev->y0;
            int gap = dir > 0 ? k->x0 - prev->x1 : prev->x0 - k->x1;
            if (gap > SEG_MAX_GAP * imax(hk, hp)) break;
            if (overlap(k->y0, k->y1, prev->y0, prev->y1) < SEG_ON_LINE * imin(hk, hp)) continue;
            k->group = -2, prev = k; /* on the line */
        }
    }
    cs[main].group = -2;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (cs[idx[i]].group == -2) idx[m++] = idx[i];
    n = m;
    for (int i = 0; i < n; i++) {
        comp *k = cs + idx[i];
        group *g = ng ? gs + ng - 1 : NULL;
        if (g && overlap(k->x0, k->x1, g->x0, g->x1) >=
                     SEG_OVERLAP * imin(k->x1 - k->x0, g->x1 - g->x0)) {
            grow(g, k);
        } else {
            gs[ng] = (group){k->x0, k->y0, k->x1, k->y1};
            g = gs + ng++;
        }
        k->group = (int)(g - gs);
    }
    /* specks: on a lined page, also the many dots of the print's size that its removal left */
    double speck = SEG_PART_MIN * mm;
    if (lined) {
        int np = 0;
        for (int32_t c = 1; c <= nc; c++)
            if (!cs[c].border) scratch[np++] = (int)lround(cs[c].mass);
        if (np >= SEG_PRINT_PARTS)
            speck = fmax(speck, fmin(SEG_PRINT_MAX * mm, SEG_PRINT * median(scratch, np)));
    }
    /* the other parts: to the digit whose columns they share most, or the nearest one beside
     * them; specks only inside a digit's box, and on a lined page only by a stroke */
    for (int32_t c = 1; c <= nc; c++) {
        comp *k = cs + c;
        if (k->group >= 0 || (inner && k->border) || k->y1 - k->y0 > SEG_TOO_TALL * lh) continue;
        int best = -1, bv = 0;
        if (k->mass < speck) {
            if (lined && !near[c]) continue; /* no stroke near: a dot of the paper's print */
            for (int g = 0; g < ng && best < 0; g++)
                if (k->x0 >= gs[g].x0 && k->x1 <= gs[g].x1 && k->y0 >= gs[g].y0 &&
                    k->y1 <= gs[g].y1)
                    best = g;
        } else {
            int near = (int)(SEG_ATTACH * lh);
            for (int g = 0; g < ng; g++) {
                int ox = overlap(k->x0, k->x1, gs[g].x0, gs[g].x1);
                int oy = overlap(k->y0, k->y1, gs[g].y0 - near, gs[g].y1 + near);
                if (oy <= 0 || ox <= -near) continue;
                if (best < 0 || ox > bv) best = g, bv = ox;
            }
        }
        if (best >= 0) k->group = best;
    }
    /* a short part beside the digits, heavy and wide and on the line (a flat "0"): a digit */
    for (int32_t c = 1; c <= nc && ng; c++) {
        comp *k = cs + c;
        if (k->group >= 0 || (inner && k->border) || k->mass < SEG_MIN_MASS * mm ||
            k->x1 - k->x0 < SEG_FLAT_WIDE * lh)
            continue;
        int near = -1, gap = 0;
        for (int g = 0; g < ng; g++) {
            int gg = -overlap(k->x0, k->x1, gs[g].x0, gs[g].x1);
            if (near < 0 || gg < gap) near = g, gap = gg;
        }
        if (gap > SEG_MAX_GAP * lh || overlap(k->y0, k->y1, gs[near].y0, gs[near].y1) <= 0)
            continue;
        int g = ng++;
        for (; g > 0 && gs[g - 1].x0 + gs[g - 1].x1 > k->x0 + k->x1; g--) gs[g] = gs[g - 1];
        gs[g] = (group){k->x0, k->y0, k->x1, k->y1};
        for (int32_t o = 1; o <= nc; o++)
            if (cs[o].group >= g) cs[o].group++;
        k->group = g;
    }
    for (int32_t c = 1; c <= nc; c++)
        if (cs[c].group >= 0) grow(gs + cs[c].group, cs + c);
    for (int32_t c = 1; c <= ncomps; c++) comps[c].group = cs[part[c]].group;

    if (!(prof = calloc((size_t)w, sizeof *prof))) goto done;
    /* the digits' height: the median group's (the heaviest part may be a flat digit) */
    for (int g = 0; g < ng; g++) scratch[g] = gs[g].y1 - gs[g].y0;
    const double dh = ng ? median(scratch, ng) : lh;
    nd = 0;
    for (int g = 0; g < ng; g++) {
        int gw = gs[g].x1 - gs[g].x0, gh = gs[g].y1 - gs[g].y0, k = 1;
        if (gh > SEG_TOO_TALL * dh) continue; /* pieces of a line stacked up, not a digit */
        if (ng >= 2) {
            /* the typical digit's width, from the other digits that are not narrow */
            int nw = 0;
            for (int o = 0; o < ng; o++)
                if (o != g && gs[o].x1 - gs[o].x0 >= SEG_NARROW * (gs[o].y1 - gs[o].y0))
                    scratch[nw++] = gs[o].x1 - gs[o].x0;
            double tw = nw ? median(scratch, nw) : SEG_DIGIT_ASPECT * dh;
            if (tw > SEG_MAX_ASPECT * dh) tw = SEG_MAX_ASPECT * dh;
            if (gw > SEG_WIDE * tw && gw > gh) k = (int)lround(gw / tw);
        } else if (gw > SEG_ALONE_ASPECT * gh) {
            /* alone, a wide digit and touching digits look alike: cut, and say so (the
             * caller may ask the network which reading it believes) */
            k = imax(2, (int)lround(gw / (SEG_DIGIT_ASPECT * gh)));
        }
        if (k > SEG_MAX_SPLIT || !cut_wide) k = 1; /* beyond: a rule or a scribble, not digits */
        if (k >= 2) {
            memset(prof, 0, (size_t)gw * sizeof *prof);
            for (size_t r = 0; r < rs->n; r++)
                if (comps[rs->r[r].id].group == g)
                    for (int x = rs->r[r].x0; x < rs->r[r].x1; x++) prof[x - gs[g].x0]++;
            cut_group(prof, gs[g].x0, gs[g].x1, k, cut);
            if (sliver(comps, rs, g, gs[g].x0, gs[g].x1, k, cut)) k = 1;
        }
        int id = k >= 2 ? ++ncut : 0;
        for (int i = 0; i < k; i++, nd++)
            if (nd < max)
                d[nd] = (digit_span){g, i ? cut[i - 1] : gs[g].x0, i < k - 1 ? cut[i] : gs[g].x1,
                                     id};
    }
done:
    free(idx), free(gs), free(scratch), free(prof), free(up), free(part), free(box), free(cs);
    free(near), free(edge);
    return nd;
}
