/* fuzz.h: what the libFuzzer targets (tests/fuzz/fuzz_*.c) share with their replay in
 * tests/test_fuzz_regress.c, which includes the targets' sources with FUZZ_REPLAY defined.
 * FUZZ_CHECK(cond) states a property of the library on any input: under libFuzzer a broken one
 * prints its line and aborts, so that libFuzzer saves the input as a crasher; in the replay it
 * is check.h's CHECK (counted, and the replay goes on). Each target is a function
 * `int fuzz_NAME(const uint8_t *data, size_t size)`; FUZZ_ENTRY makes it libFuzzer's entry. */
#ifndef FUZZ_H
#define FUZZ_H

#include "nn.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef FUZZ_REPLAY
#include "check.h"
#define FUZZ_CHECK(cond) CHECK(cond)
#define FUZZ_ENTRY(fn)
#else
#define FUZZ_CHECK(cond)                                                                  \
    do {                                                                                  \
        if (!(cond)) {                                                                    \
            fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            abort();                                                                      \
        }                                                                                 \
    } while (0)
#define FUZZ_ENTRY(fn)                                             \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);  \
    int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) { \
        fn(data, size);                                            \
        return 0;                                                  \
    }
#endif

/* Fields read past the end of the input are 0, so every input is a valid header. */
static inline uint32_t fuzz_u8(const uint8_t *d, size_t n, size_t at) { return at < n ? d[at] : 0; }
static inline uint32_t fuzz_u32(const uint8_t *d, size_t n, size_t at) {
    return fuzz_u8(d, n, at) | fuzz_u8(d, n, at + 1) << 8 | fuzz_u8(d, n, at + 2) << 16 |
           fuzz_u8(d, n, at + 3) << 24;
}
static inline float fuzz_f32(const uint8_t *d, size_t n, size_t at) {
    uint32_t u = fuzz_u32(d, n, at);
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* An exact-size heap copy (at least 1 byte), so that AddressSanitizer sees any read past it. */
static inline uint8_t *fuzz_copy(const uint8_t *d, size_t n) {
    uint8_t *p = malloc(n ? n : 1);
    if (p && n) memcpy(p, d, n);
    return p;
}

/* Allocations counted while fuzz_alloc_counting is set, where AddressSanitizer offers malloc
 * hooks (the fuzz and asan builds); elsewhere the count stays 0 and proves nothing. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define FUZZ_HAVE_ALLOC_HOOKS 1
#endif
#endif
#ifdef FUZZ_HAVE_ALLOC_HOOKS
#include <sanitizer/allocator_interface.h>
static _Thread_local int fuzz_alloc_counting;
static _Thread_local long fuzz_alloc_count;
static void fuzz_malloc_hook(const volatile void *p, size_t n) {
    (void)p, (void)n;
    if (fuzz_alloc_counting) fuzz_alloc_count++;
}
static void fuzz_free_hook(const volatile void *p) { (void)p; }
static inline void fuzz_count_allocs(int on) {
    static int installed;
    if (!installed)
        installed = 1, __sanitizer_install_malloc_and_free_hooks(fuzz_malloc_hook, fuzz_free_hook);
    if (on) fuzz_alloc_count = 0;
    fuzz_alloc_counting = on;
}
#else
static long fuzz_alloc_count;
static inline void fuzz_count_allocs(int on) { (void)on, fuzz_alloc_count = 0; }
#endif

#endif
