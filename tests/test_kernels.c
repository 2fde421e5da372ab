/* test_kernels.c: every matrix product against a double-precision reference, and (only in the
 * wasm build, the one with SIMD twins: natively the twin in use is the scalar one, and comparing
 * it with itself would prove nothing) every SIMD twin against its scalar twin, bit for bit, at
 * sizes that are not multiples of the tiles (1, 3, 5, 7, 9, 13, 17...) as well as the training
 * shapes. */
#include "check.h"
#include "kernels.h"
#include "nn.h"

#include <stdlib.h>
#include <string.h>

typedef void (*kernel_fn)(float *, const float *, const float *, int, int, int);

/* a, b laid out as each kernel reads them (see kernels.h); the double result of the product. */
static double ref_elem(char kind, const float *a, const float *b, int m, int k, int n, int i,
                       int j) {
    double s = 0.0;
    for (int p = 0; p < k; p++) {
        double x = kind == 't' ? a[(size_t)p * m + i] : a[(size_t)i * k + p];
        double y = kind == 'T' ? b[(size_t)j * k + p] : b[(size_t)p * n + j];
        s += x * y;
    }
    return s;
}

static void fill(float *x, size_t n, nn_rng *rng, int zeros) {
    for (size_t i = 0; i < n; i++) {
        float v = 2.0f * nn_rng_uniform(rng) - 1.0f;
        x[i] = zeros && nn_rng_u32(rng) % 3 == 0 ? 0.0f : v;
    }
}

/* mm_tn with a's rows packed (lda == m), in the shape of the other two */
static void tn_scalar(float *c, const float *a, const float *b, int m, int k, int n) {
    mm_tn_scalar(c, a, m, b, m, k, n);
}
static void tn_fast(float *c, const float *a, const float *b, int m, int k, int n) {
    mm_tn(c, a, m, b, m, k, n);
}

static void check_kernel(const char *name, char kind, kernel_fn scalar, kernel_fn fast, int m,
                         int k, int n, nn_rng *rng) {
    size_t na = (size_t)m * k, nb = (size_t)k * n, nc = (size_t)m * n;
    float *a = malloc(na * sizeof(float)), *b = malloc(nb * sizeof(float));
    float *c1 = malloc((nc + 4) * sizeof(float)), *c2 = malloc((nc + 4) * sizeof(float));
    fill(a, na, rng, 1);
    fill(b, nb, rng, 0);
    /* sentinels past the end: no kernel may write beyond m x n */
    for (int s = 0; s < 4; s++) c1[nc + s] = c2[nc + s] = 12345.0f;
    memset(c2, 0xff, nc * sizeof(float)); /* NaN garbage: kernels overwrite, not accumulate */
    scalar(c1, a, b, m, k, n);
    fast(c2, a, b, m, k, n);
    /* the twins agree bit for bit: only where there are two (natively fast is the scalar twin) */
    if (NN_KERNELS_SIMD) {
        int exact = memcmp(c1, c2, nc * sizeof(float)) == 0;
        if (!exact) fprintf(stderr, "%s %dx%dx%d: SIMD and scalar twins differ\n", name, m, k, n);
        CHECK(exact);
    }
    CHECK(c1[nc] == 12345.0f && c2[nc + 3] == 12345.0f);
    double worst = 0.0;
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            double r = ref_elem(kind, a, b, m, k, n, i, j), e = fabs(r - c1[(size_t)i * n + j]);
            double tol = 1e-5 * (1.0 + k);
            if (e / tol > worst) worst = e / tol;
        }
    if (worst > 1.0)
        fprintf(stderr, "%s %dx%dx%d: error %.3g of tolerance\n", name, m, k, n, worst);
    CHECK(worst <= 1.0);
    free(a), free(b), free(c1), free(c2);
}

/* A block of c's rows computed alone (a's columns i0.., rows lda apart) equals those rows of the
 * whole product: what a thread computes when the rows are shared out. */
static void check_tn_rows(int m, int k, int n, int i0, int rows, nn_rng *rng) {
    float *a = malloc((size_t)m * k * sizeof(float)), *b = malloc((size_t)k * n * sizeof(float));
    float *full = malloc((size_t)m * n * sizeof(float)),
          *part = malloc((size_t)rows * n * sizeof(float));
    fill(a, (size_t)m * k, rng, 1);
    fill(b, (size_t)k * n, rng, 0);
    mm_tn(full, a, m, b, m, k, n);
    mm_tn(part, a + i0, m, b, rows, k, n);
    CHECK(memcmp(full + (size_t)i0 * n, part, (size_t)rows * n * sizeof(float)) == 0);
    mm_tn_scalar(part, a + i0, m, b, rows, k, n);
    CHECK(memcmp(full + (size_t)i0 * n, part, (size_t)rows * n * sizeof(float)) == 0);
    free(a), free(b), free(full), free(part);
}

/* Column blocks computed alone equal those columns of the whole product (a thread's share). */
static void check_nn_cols(int m, int k, int n, int j0, int j1, nn_rng *rng) {
    float *a = malloc((size_t)m * k * sizeof(float)), *b = malloc((size_t)k * n * sizeof(float));
    float *full = malloc((size_t)m * n * sizeof(float)),
          *part = malloc((size_t)m * n * sizeof(float));
    fill(a, (size_t)m * k, rng, 1);
    fill(b, (size_t)k * n, rng, 0);
    mm_nn(full, a, b, m, k, n);
    for (int pass = 0; pass < 2; pass++) {
        memset(part, 0xff, (size_t)m * n * sizeof(float));
        if (pass) mm_nn_cols_scalar(part, a, b, m, k, n, j0, j1);
        else mm_nn_cols(part, a, b, m, k, n, j0, j1);
        int same = 1, untouched = 1;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                uint32_t u;
                memcpy(&u, &part[(size_t)i * n + j], 4);
                if (j >= j0 && j < j1) same &= part[(size_t)i * n + j] == full[(size_t)i * n + j];
                else untouched &= u == 0xffffffffu;
            }
        CHECK(same);
        CHECK(untouched);
    }
    free(a), free(b), free(full), free(part);
}

int main(void) {
    nn_rng rng;
    nn_rng_seed(&rng, 42, 1);
    static const int sizes[] = {1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 16, 17, 31, 33};
    const int ns = (int)(sizeof sizes / sizeof *sizes);
    for (int x = 0; x < ns; x++)
        for (int y = 0; y < ns; y += 2)
            for (int z = 0; z < ns; z += 3) {
                int m = sizes[x], k = sizes[y], n = sizes[z];
                check_kernel("mm_nn", 'n', mm_nn_scalar, mm_nn, m, k, n, &rng);
                check_kernel("mm_nt", 'T', mm_nt_scalar, mm_nt, m, k, n, &rng);
                check_kernel("mm_tn", 't', tn_scalar, tn_fast, m, k, n, &rng);
            }
    /* the training shapes of the 784-512-10 network at batch 128, and the partial batch of 96 */
    check_kernel("mm_nn", 'n', mm_nn_scalar, mm_nn, 128, 784, 512, &rng);
    check_kernel("mm_nn", 'n', mm_nn_scalar, mm_nn, 96, 512, 10, &rng);
    check_kernel("mm_nt", 'T', mm_nt_scalar, mm_nt, 128, 10, 512, &rng);
    check_kernel("mm_tn", 't', tn_scalar, tn_fast, 784, 128, 512, &rng);
    check_kernel("mm_tn", 't', tn_scalar, tn_fast, 512, 96, 10, &rng);
    /* k past one panel block (512), with partial tiles in every direction */
    check_kernel("mm_nn", 'n', mm_nn_scalar, mm_nn, 13, 1100, 10, &rng);
    check_kernel("mm_nn", 'n', mm_nn_scalar, mm_nn, 13, 1100, 37, &rng);
    check_kernel("mm_nt", 'T', mm_nt_scalar, mm_nt, 13, 1100, 7, &rng);
    check_kernel("mm_tn", 't', tn_scalar, tn_fast, 13, 1100, 10, &rng);
    check_kernel("mm_tn", 't', tn_scalar, tn_fast, 21, 1100, 37, &rng);
    check_kernel("mm_tn", 't', tn_scalar, tn_fast, 16, 1100, 10, &rng);
    check_tn_rows(784, 128, 512, 392, 392, &rng);
    check_nn_cols(128, 784, 512, 256, 512, &rng);
    check_nn_cols(37, 19, 45, 8, 29, &rng);
    check_nn_cols(2, 19, 45, 4, 45, &rng); /* the few-rows path */
    check_nn_cols(37, 600, 10, 3, 7, &rng);
    check_tn_rows(37, 19, 10, 5, 13, &rng);
    check_tn_rows(37, 19, 21, 36, 1, &rng);
    fprintf(stderr, "test_kernels: %s\n",
            NN_KERNELS_SIMD ? "references, and SIMD twins = scalar twins bit for bit"
                            : "references only: SIMD twins vs scalar skipped (no SIMD twins in "
                              "this build; the wasm build runs them)");
    return check_failures("test_kernels");
}
