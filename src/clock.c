/* clock.c: a monotonic clock in milliseconds for the trainer's per-phase timing. In WebAssembly
 * it is imported from JS (web/nn.js gives performance.now()), so that the standalone module needs
 * no WASI clock; natively it is C11's timespec_get. */
#include "internal.h"

#ifdef __EMSCRIPTEN__
__attribute__((import_module("env"), import_name("nn_clock_ms"))) double nn_clock_ms(void);
double clock_ms(void) { return nn_clock_ms(); }
#else
#include <time.h>
double clock_ms(void) {
    struct timespec ts;
    timespec_get(&ts, TIME_UTC);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}
#endif
