/* lines.h: the printed lines of notebook paper (lines.c), for preprocess.c and the white-box tests.
 * Images are darkness bytes relative to the paper (0 paper, 255 black) and ink bytes as the
 * preprocessing measures them (dark ink on light paper: 0 black, 255 paper). */
#ifndef NN_LINES_H
#define NN_LINES_H

#include <stdint.h>

#include "nn.h"

/* Images smaller than this on either side are never searched for lines (a 28x28 digit, an icon). */
#define LINES_MIN_SIDE 48

typedef struct lines_found {
    int periodic[2]; /* evenly spaced lines found: near-horizontal [0] and near-vertical [1] */
    int extra[2];    /* single lines beside them (a margin), in the same two directions */
    int bridged;     /* pixels where a stroke crossing a line was joined across it */
    int dots;        /* dots of a dotted grid erased */
} lines_found;

/* Finds the paper's lines in dark (w x h) and divides them out of ink (w x h, the same picture):
 * each pixel of a line is brightened by the line's own darkness there, so the paper under it
 * comes back to the paper's level and a stroke crossing it keeps its own darkness; where the pen
 * is no darker than the line, the stroke is bridged across it from both sides. Lines are searched
 * only in pages that hold a family of at least three evenly spaced ones; a single line (a margin)
 * is removed only beside such a family. ink is untouched when none is found. When some are found
 * and lined is not NULL, *lined receives the lines' transmittance (w x h bytes, 255 off every
 * line; the caller frees it), else NULL. found may be NULL. Returns NN_OK or NN_ERR_NOMEM (ink
 * untouched). A dotted grid's dots are erased first, from ink and from dark (which is scratch). */
nn_status lines_remove(uint8_t *dark, uint8_t *ink, int w, int h, uint8_t **lined,
                       lines_found *found);

#endif
