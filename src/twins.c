/* twins.c: which twin of each kernel runs. Every SIMD kernel has a scalar reference with the same
 * signature and the same bits; the library calls the names without a suffix, defined here: the
 * SIMD twin in a build that has it, the scalar one otherwise or while a test asks for it
 * (kernels_use_scalar), so that tests can hold whole trainings to the references bit for bit. */
#include "kernels.h"
#include "optim.h"
#include "sparse.h"

#if NN_KERNELS_SIMD
static int scalar_only;
void kernels_use_scalar(int on) { scalar_only = on; }
int kernels_scalar(void) { return scalar_only; }
#define TWIN(name) (scalar_only ? name##_scalar : name##_simd)
#else
void kernels_use_scalar(int on) { (void)on; }
int kernels_scalar(void) { return 1; }
#define TWIN(name) name##_scalar
#endif

void mm_nn_cols(float *c, const float *a, const float *b, int m, int k, int n, int j0, int j1) {
    TWIN(mm_nn_cols)(c, a, b, m, k, n, j0, j1);
}
void mm_nt(float *c, const float *a, const float *b, int m, int k, int n) {
    TWIN(mm_nt)(c, a, b, m, k, n);
}
void mm_tn(float *c, const float *a, int lda, const float *b, int m, int k, int n) {
    TWIN(mm_tn)(c, a, lda, b, m, k, n);
}
void mm_tn_cols(float *c, const float *a, int lda, const float *b, int m, int k, int n, int j0,
                int j1) {
    TWIN(mm_tn_cols)(c, a, lda, b, m, k, n, j0, j1);
}
void sparse_mm_nn(float *y, const sparse_batch *sb, const float *w, int n, int j0, int j1,
                  float *scratch) {
    TWIN(sparse_mm_nn)(y, sb, w, n, j0, j1, scratch);
}
void sparse_mm_tn(float *dw, const sparse_batch *sb, const float *dy, int n, int j0, int j1,
                  float *scratch) {
    TWIN(sparse_mm_tn)(dw, sb, dy, n, j0, j1, scratch);
}
int rmsprop_update(float *w, const float *g, float *a, size_t n, float lr, float rho, float eps) {
    return TWIN(rmsprop_update)(w, g, a, n, lr, rho, eps);
}
