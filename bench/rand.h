/*
 * Seeded pseudo-random numbers: the one home of every generator in the
 * tree (the benchmarks, the kernel's stress and crash tests, the host
 * tests' random inputs, the host LLFree and buddy stress tests). Portable
 * and freestanding, so bench/, the kernel and tests/ all include it (the
 * layers run kernel -> bench -> llfree). None is cryptographic. Each keeps
 * the exact sequence its users had: results depend on them (the frag
 * shuffle's WyRand seed 42, the stress tests' printed seeds, the host
 * tests' fixed inputs); tests/bench/test_rand.c pins the first outputs.
 *
 *   wyrand      Wang Yi's wyrand: one 64x64->128 multiply per number (benchmarks,
 *               the buddy stress test)
 *   xorshift64s xorshift64* (Marsaglia's xorshift, shifts 12, 25, 27, then
 *               Vigna's multiplier): the kernel's stress and crash tests
 *   xorshift64  Marsaglia's xorshift64 (shifts 13, 7, 17), no multiply: host
 *               tests' random maps and values
 *   splitmix64  Steele, Lea and Flood's SplitMix64 (a Weyl sequence, then two
 *               multiply-xorshift mixing rounds): the host LLFree tests
 *               (tests/llfree/common_stress.h), whose printed seeds reproduce runs;
 *               any state works, 0 included
 * A state must not start at 0 for the xorshift generators (they stay at 0).
 */
#ifndef BENCH_RAND_H
#define BENCH_RAND_H

#include <stdint.h>

static inline uint64_t wyrand(uint64_t *state)
{
	*state += 0xa0761d6478bd642full;
	__uint128_t t = (__uint128_t)*state * (*state ^ 0xe7037ed1a0b428dbull);
	return (uint64_t)(t >> 64) ^ (uint64_t)t;
}

/* Uniform in 0 .. n-1 from wyrand (multiply-shift, no division). */
static inline uint64_t rand_below(uint64_t *state, uint64_t n)
{
	return (uint64_t)(((__uint128_t)wyrand(state) * n) >> 64);
}

static inline uint64_t xorshift64s(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*state = x;
	return x * 0x2545f4914f6cdd1dull;
}

static inline uint64_t xorshift64(uint64_t *state)
{
	uint64_t x = *state;
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return x;
}

static inline uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
