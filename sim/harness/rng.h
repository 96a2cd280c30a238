/* rng.h - splitmix64: small, seedable, identical on every platform. */
#ifndef VDPU_RNG_H
#define VDPU_RNG_H

#include <stdint.h>

typedef struct { uint64_t s; } rng_t;

static inline uint64_t rng_next(rng_t *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
/* the generator as after k more draws (splitmix64's state moves by a constant per draw) */
static inline void rng_skip(rng_t *r, uint64_t k) { r->s += k * 0x9e3779b97f4a7c15ull; }
/* uniform in [0, n) (n > 0) */
static inline uint32_t rng_below(rng_t *r, uint32_t n) { return (uint32_t)(rng_next(r) % n); }
/* true with probability pct/100 */
static inline int rng_pct(rng_t *r, unsigned pct) { return rng_below(r, 100) < pct; }

#endif
