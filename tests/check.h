/* check.h: the tiny test harness of the C tests (after genann's): CHECK records a failure with
 * its line and goes on; a test program returns check_failures() so that its exit status is the
 * number of failed checks. Header-only: each test program includes it once. */
#ifndef CHECK_H
#define CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failed_count;
static int check_run_count;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        ++check_run_count;                                                           \
        if (!(cond)) {                                                               \
            ++check_failed_count;                                                    \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

/* |a - b| <= tol * max(1, |a|, |b|) */
#define CHECK_CLOSE(a, b, tol)                                                             \
    do {                                                                                   \
        double check_a_ = (a), check_b_ = (b), check_s_ = fabs(check_a_);                  \
        if (fabs(check_b_) > check_s_) check_s_ = fabs(check_b_);                          \
        if (check_s_ < 1) check_s_ = 1;                                                    \
        ++check_run_count;                                                                 \
        if (!(fabs(check_a_ - check_b_) <= (tol)*check_s_)) {                              \
            ++check_failed_count;                                                          \
            fprintf(stderr, "%s:%d: CHECK_CLOSE failed: %s = %.9g, %s = %.9g\n", __FILE__, \
                    __LINE__, #a, check_a_, #b, check_b_);                                 \
        }                                                                                  \
    } while (0)

#define CHECK_STATUS(expr, want)                                                                  \
    do {                                                                                          \
        int check_got_ = (expr);                                                                  \
        ++check_run_count;                                                                        \
        if (check_got_ != (want)) {                                                               \
            ++check_failed_count;                                                                 \
            fprintf(stderr, "%s:%d: %s returned %d (%s), wanted %d\n", __FILE__, __LINE__, #expr, \
                    check_got_, nn_status_str(check_got_), (int)(want));                          \
        }                                                                                         \
    } while (0)

static int check_failures(const char *name) {
    fprintf(stderr, "%s: %d checks, %d failed\n", name, check_run_count, check_failed_count);
    return check_failed_count > 255 ? 255 : check_failed_count;
}

#endif
