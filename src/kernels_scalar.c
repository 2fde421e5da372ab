/* kernels_scalar.c: the reference matrix products (see kernels.h). Plain loops, summing over k
 * in increasing order: the SIMD twins must give the same bits, and tests hold them to it.
 * mm_nn and mm_tn run p outside j (c's row accumulates one a.b row at a time): the same order of
 * sums per element as the dot-product form, but contiguous, so a native compiler vectorises it. */
#include "kernels.h"

#include <stddef.h>

void mm_nn_cols_scalar(float *c, const float *a, const float *b, int m, int k, int n, int j0,
                       int j1) {
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * n;
        for (int j = j0; j < j1; j++) ci[j] = 0.0f;
        for (int p = 0; p < k; p++) {
            const float aip = a[(size_t)i * k + p], *bp = b + (size_t)p * n;
            for (int j = j0; j < j1; j++) ci[j] += aip * bp[j];
        }
    }
}

void mm_nt_scalar(float *c, const float *a, const float *b, int m, int k, int n) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            float s = 0.0f;
            for (int p = 0; p < k; p++) s += a[(size_t)i * k + p] * b[(size_t)j * k + p];
            c[(size_t)i * n + j] = s;
        }
}

void mm_tn_cols_scalar(float *c, const float *a, int lda, const float *b, int m, int k, int n,
                       int j0, int j1) {
    for (int i = 0; i < m; i++) {
        float *ci = c + (size_t)i * n;
        for (int j = j0; j < j1; j++) ci[j] = 0.0f;
        for (int p = 0; p < k; p++) {
            const float api = a[(size_t)p * lda + i], *bp = b + (size_t)p * n;
            for (int j = j0; j < j1; j++) ci[j] += api * bp[j];
        }
    }
}

void mm_tn_scalar(float *c, const float *a, int lda, const float *b, int m, int k, int n) {
    mm_tn_cols_scalar(c, a, lda, b, m, k, n, 0, n);
}
