/* rng.c: PCG32 (O'Neill, pcg-random.org, "pcg32_random_r"), the only source of randomness:
 * weights and shuffles depend on the seed alone, identically in the native and wasm builds. */
#include "nn.h"

void nn_rng_seed(nn_rng *rng, uint64_t seed, uint64_t stream) {
    rng->state = 0;
    rng->inc = (stream << 1) | 1u;
    nn_rng_u32(rng);
    rng->state += seed;
    nn_rng_u32(rng);
}

uint32_t nn_rng_u32(nn_rng *rng) {
    uint64_t old = rng->state;
    rng->state = old * 6364136223846793005ULL + rng->inc;
    uint32_t xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
}

float nn_rng_uniform(nn_rng *rng) { return (float)(nn_rng_u32(rng) >> 8) * (1.0f / 16777216.0f); }

/* Lemire's rejection on the low bits (as pcg32_boundedrand_r): no modulo bias. */
uint32_t nn_rng_below(nn_rng *rng, uint32_t bound) {
    uint32_t threshold = (-bound) % bound;
    for (;;) {
        uint32_t r = nn_rng_u32(rng);
        if (r >= threshold) return r % bound;
    }
}
