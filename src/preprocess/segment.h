/* segment.h: the ink's components as preprocess.c labels them (runs of strong pixels joined
 * 8-connected), shared with segment.c, which groups them into the digits of a written number.
 * Boxes are [x0, x1) x [y0, y1) in the picture's pixels. */
#ifndef NN_SEGMENT_H
#define NN_SEGMENT_H

#include <stddef.h>
#include <stdint.h>

typedef struct run {
    int y, x0, x1; /* strong pixels [x0, x1) of row y */
    int32_t id;    /* union-find parent (an earlier run, or itself), then the component */
    float mass;    /* sum of the ink intensity */
} run;

typedef struct runs {
    run *r;
    size_t n, cap;
} runs;

typedef struct comp {
    double mass;
    int count, x0, y0, x1, y1, border, keep;
    int group; /* segment_digits: the digit group it belongs to, or -1 */
} comp;

typedef struct rect {
    int x0, y0, x1, y1;
} rect;

/* A digit of a number: the components of group `group`, within columns [x0, x1) (the group's
 * own columns unless touching digits were cut apart: then cut numbers the piece of ink they were
 * cut from, 1, 2, ..., and is 0 otherwise). */
typedef struct digit_span {
    int group, x0, x1, cut;
} digit_span;

/* Groups the components cs[1..nc] (of a w-pixel-wide picture) into the digits of a number,
 * left to right, and writes up to max of them into d. Digits are the tall parts on the line of
 * the heaviest one, taken with the parts whose columns they share (a detached bar, a broken
 * stroke); unless cut_wide is 0, a part several digits wide is cut at the thinnest ink (alone,
 * one wider than tall is cut too). On a lined page (lined: the paper's lines were divided out)
 * a speck that no stroke comes near is what the print left behind, not a digit's. Returns the
 * number of digits (0 or 1: read the picture as one digit, as before), or -1 without memory. */
int segment_digits(comp *cs, int32_t nc, const runs *rs, int w, int cut_wide, int lined,
                   digit_span *d, int max);

#endif
