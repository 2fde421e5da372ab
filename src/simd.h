/* simd.h: the wasm SIMD helpers the kernels share (ggml keeps its SIMD mappings in one header the
 * same way): a multiply then an add, never fused (this LLVM has no relaxed-SIMD FMA, and the
 * scalar twins round twice too), and the inlining the hot loops need. Include only under
 * __wasm_simd128__. */
#ifndef NN_SIMD_H
#define NN_SIMD_H

#include <wasm_simd128.h>

#define INLINE static inline __attribute__((always_inline))

/* acc + x * y, rounded after the multiply and after the add, as the scalar `acc += x * y` */
INLINE v128_t madd(v128_t acc, v128_t x, v128_t y) {
    return wasm_f32x4_add(acc, wasm_f32x4_mul(x, y));
}

#endif
