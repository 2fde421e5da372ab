/* optim.h: the optimisers as pure functions over flat arrays (params, grads, state, n), in
 * Keras' formulation. Each returns 1 if an updated parameter is NaN or infinite, else 0, so the
 * trainer can roll back; the check rides along the update at no extra pass over memory. */
#ifndef NN_OPTIM_H
#define NN_OPTIM_H

#include <stddef.h>

/* a = rho a + (1 - rho) g^2;  w -= lr g / (sqrt(a) + eps). A scalar reference and (wasm) a SIMD
 * twin with the same bits; rmsprop_update is the twin in use (twins.c). */
int rmsprop_update_scalar(float *w, const float *g, float *a, size_t n, float lr, float rho,
                          float eps);
#ifdef __wasm_simd128__
int rmsprop_update_simd(float *w, const float *g, float *a, size_t n, float lr, float rho,
                        float eps);
#endif
int rmsprop_update(float *w, const float *g, float *a, size_t n, float lr, float rho, float eps);
/* v = momentum v - lr g;  w += v */
int sgd_update(float *w, const float *g, float *v, size_t n, float lr, float momentum);
/* m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;  w -= lr_t m / (sqrt(v) + eps), where lr_t =
 * lr sqrt(1 - b2^t) / (1 - b1^t) for step t >= 1 (Keras' Adam). */
int adam_update(float *w, const float *g, float *m, float *v, size_t n, float lr, float b1,
                float b2, float eps, int t);

#endif
