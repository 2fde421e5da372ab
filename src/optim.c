/* optim.c: RMSprop, SGD with momentum and Adam (see optim.h). Single loops over the flat
 * parameter array that clang vectorises for wasm SIMD (RMSprop, the default, also has an explicit
 * SIMD twin); the finiteness check is an integer OR of exponent bits so that it vectorises too (a
 * float reduction would not, without fast-math). */
#include "optim.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

static inline uint32_t nonfinite(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return (u & 0x7f800000u) == 0x7f800000u;
}

int rmsprop_update_scalar(float *w, const float *g, float *a, size_t n, float lr, float rho,
                          float eps) {
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

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
/* The same arithmetic four lanes at a time, with one shortcut of exactly the same result: where
 * four gradients are all +0 (a weight row of a pixel no sample of the batch inked: a third of the
 * first layer on MNIST), a = rho a + (1 - rho) 0 = rho a and w - lr 0 / (...) = w, so the square
 * root and the division are skipped and w is not written. The test is on the bits (+0 only):
 * for -0, w - (-0) would turn a -0 weight into +0. */
int rmsprop_update_simd(float *w, const float *g, float *a, size_t n, float lr, float rho,
                        float eps) {
    const v128_t vrho = wasm_f32x4_splat(rho), vomr = wasm_f32x4_splat(1.0f - rho);
    const v128_t vlr = wasm_f32x4_splat(lr), veps = wasm_f32x4_splat(eps);
    const v128_t expo = wasm_i32x4_splat(0x7f800000);
    v128_t bad = wasm_i32x4_splat(0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t gi = wasm_v128_load(g + i);
        v128_t ai = wasm_f32x4_mul(vrho, wasm_v128_load(a + i));
        if (!wasm_v128_any_true(gi)) {
            wasm_v128_store(a + i, ai);
            continue;
        }
        ai = wasm_f32x4_add(ai, wasm_f32x4_mul(vomr, wasm_f32x4_mul(gi, gi)));
        const v128_t step = wasm_f32x4_div(wasm_f32x4_mul(vlr, gi),
                                           wasm_f32x4_add(wasm_f32x4_sqrt(ai), veps));
        const v128_t wi = wasm_f32x4_sub(wasm_v128_load(w + i), step);
        wasm_v128_store(a + i, ai);
        wasm_v128_store(w + i, wi);
        bad = wasm_v128_or(bad, wasm_i32x4_eq(wasm_v128_and(wi, expo), expo));
    }
    int tail = i < n ? rmsprop_update_scalar(w + i, g + i, a + i, n - i, lr, rho, eps) : 0;
    return wasm_v128_any_true(bad) || tail;
}
#endif

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
