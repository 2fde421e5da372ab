/* test_segment.c: segment_digits (src/preprocess/segment.c) on components built here from
 * rectangles of ink, so that each rule is checked on its own: the dots a lined page's print leaves
 * are no digit's, unless a stroke comes near them; ink beside a page's edge (the table's texture)
 * does not set the number's line. The pictures that lead to these cases are in test_paper.c and
 * tests/paper.test.mjs; here the components are exactly what the rule sees. */
#include "check.h"
#include "../src/preprocess/segment.h"

#include <stdlib.h>
#include <string.h>

enum { W = 400, H = 300, MAX_RECTS = 1024, MAX_COMPS = 1024 };

typedef struct picture {
    rect r[MAX_RECTS];
    int id[MAX_RECTS], n, ncomp;
    comp cs[MAX_COMPS + 1];
    runs rs;
} picture;

/* a rectangle of ink [x0, x1) x [y0, y1), of component id (1..) */
static void ink(picture *p, int id, int x0, int y0, int x1, int y1) {
    p->r[p->n] = (rect){x0, y0, x1, y1};
    p->id[p->n++] = id;
    if (id > p->ncomp) p->ncomp = id;
}

/* a "0" as a hollow box, stroke 4 px, as component id */
static void zero(picture *p, int id, int x0, int y0, int w, int h) {
    ink(p, id, x0, y0, x0 + w, y0 + 4);
    ink(p, id, x0, y0 + h - 4, x0 + w, y0 + h);
    ink(p, id, x0, y0 + 4, x0 + 4, y0 + h - 4);
    ink(p, id, x0 + w - 4, y0 + 4, x0 + w, y0 + h - 4);
}

/* the runs, row by row and left to right, and the components as preprocess.c labels them */
static void finish(picture *p) {
    int order[MAX_RECTS]; /* the rectangles by their left edge */
    for (int k = 0; k < p->n; k++) {
        int i = k;
        for (; i > 0 && p->r[order[i - 1]].x0 > p->r[k].x0; i--) order[i] = order[i - 1];
        order[i] = k;
    }
    p->rs.n = 0;
    p->rs.cap = (size_t)H * p->n;
    p->rs.r = realloc(p->rs.r, p->rs.cap * sizeof *p->rs.r);
    memset(p->cs, 0, sizeof p->cs);
    for (int c = 1; c <= p->ncomp; c++) p->cs[c] = (comp){0, 0, W, H, 0, 0, 0, 0, -1};
    for (int y = 0; y < H; y++)
        for (int i = 0; i < p->n; i++) {
            const rect *q = p->r + order[i];
            if (y < q->y0 || y >= q->y1) continue;
            p->rs.r[p->rs.n++] = (run){y, q->x0, q->x1, p->id[order[i]], (float)(q->x1 - q->x0)};
            comp *c = p->cs + p->id[order[i]];
            c->mass += q->x1 - q->x0, c->count += q->x1 - q->x0;
            if (q->x0 < c->x0) c->x0 = q->x0;
            if (y < c->y0) c->y0 = y;
            if (q->x1 > c->x1) c->x1 = q->x1;
            if (y + 1 > c->y1) c->y1 = y + 1;
        }
    for (int c = 1; c <= p->ncomp; c++) {
        comp *k = p->cs + c;
        k->border = k->x0 == 0 || k->y0 == 0 || k->x1 == W || k->y1 == H;
    }
}

/* Two zeros on a page of dots 4 x 4 px, 15 px apart, one dot inside the first zero and one
 * touching its side: on a lined page the dot inside is no part of the zero, the one a stroke
 * touches is; on a plain page both are (parts inside a digit's box). */
static void print_dots(void) {
    picture *p = calloc(1, sizeof *p);
    for (int lined = 0; lined <= 1; lined++) {
        p->n = p->ncomp = 0;
        zero(p, 1, 100, 100, 30, 45);
        zero(p, 2, 150, 100, 30, 45);
        int id = 3, inside = 0, touching = 0;
        for (int y = 8; y + 4 < H - 8; y += 15)
            for (int x = 8; x + 4 < W - 8; x += 15) {
                if (x > 90 && x < 190 && y > 90 && y < 155) continue; /* not over the digits */
                ink(p, id++, x, y, x + 4, y + 4);
            }
        inside = id, ink(p, id++, 113, 120, 117, 124);
        touching = id, ink(p, id++, 131, 120, 135, 124); /* 1 px right of the zero's side */
        finish(p);
        digit_span d[4];
        int nd = segment_digits(p->cs, p->ncomp, &p->rs, W, 1, lined, d, 4);
        CHECK(nd == 2);
        CHECK(p->cs[touching].group == p->cs[1].group);
        if (lined) CHECK(p->cs[inside].group < 0);
        else CHECK(p->cs[inside].group == p->cs[1].group);
        CHECK(p->cs[3].group < 0);
    }
    free(p->rs.r);
    free(p);
}

/* The dark table along the page's left edge: a part on the border 300 px tall and 40 wide (its
 * edge and a stub), and in its columns, off the border, a piece of its texture heavier than
 * either digit. The number is 001; the piece sets no line. */
static void table_edge(void) {
    picture *p = calloc(1, sizeof *p);
    ink(p, 1, 0, 0, 4, H);
    ink(p, 1, 0, 0, 40, 4);
    ink(p, 2, 14, 60, 38, 170);
    zero(p, 3, 200, 120, 30, 45);
    zero(p, 4, 250, 120, 30, 45);
    ink(p, 5, 300, 120, 304, 165); /* a "1", in the rows of the edge: on the page all the same */
    finish(p);
    CHECK(p->cs[2].mass > p->cs[3].mass && !p->cs[2].border && p->cs[1].border);
    digit_span d[4];
    int nd = segment_digits(p->cs, p->ncomp, &p->rs, W, 1, 0, d, 4);
    CHECK(nd == 3);
    CHECK(nd == 3 && d[0].group == p->cs[3].group && d[1].group == p->cs[4].group &&
          d[2].group == p->cs[5].group);
    CHECK(p->cs[2].group < 0);
    free(p->rs.r);
    free(p);
}

int main(void) {
    print_dots();
    table_edge();
    return check_failures("test_segment");
}
