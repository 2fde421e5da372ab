/* optim.c: RMSprop, SGD with momentum and Adam (see optim.h). Single loops over the flat
 * parameter array that clang vectorises for wasm SIMD; the finiteness check is an integer OR
 * of exponent bits so that it vectorises too (a float reduction would not, without fast-math). */
#include "optim.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t nonfinite(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return (u & 0x7f800000u) == 0x7f800000u;
}

int rmsprop_update(float *w, const float *g, float *a, size_t n, float lr, float rho, float eps) {
    const float one_minus_rho = 1.0f - rho;
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float ai = rho * a[i] + one_minus_rho * (gi * gi);
        float wi = w[i] - lr * gi / (sqrtf(ai) + eps);
        a[i] = ai;
        w[i] = wi;
        bad |= nonfinite(wi);
    }
    return bad != 0;
}

int sgd_update(float *w, const float *g, float *v, size_t n, float lr, float momentum) {
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float vi = momentum * v[i] - lr * g[i];
        float wi = w[i] + vi;
        v[i] = vi;
        w[i] = wi;
        bad |= nonfinite(wi);
    }
    return bad != 0;
}

int adam_update(float *w, const float *g, float *m, float *v, size_t n, float lr, float b1,
                float b2, float eps, int t) {
    const float lr_t = (float)(lr * sqrt(1.0 - pow(b2, t)) / (1.0 - pow(b1, t)));
    const float c1 = 1.0f - b1, c2 = 1.0f - b2;
    uint32_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        float gi = g[i];
        float mi = b1 * m[i] + c1 * gi;
        float vi = b2 * v[i] + c2 * (gi * gi);
        float wi = w[i] - lr_t * mi / (sqrtf(vi) + eps);
        m[i] = mi;
        v[i] = vi;
        w[i] = wi;
        bad |= nonfinite(wi);
    }
    return bad != 0;
}
