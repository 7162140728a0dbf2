/*
 * bench/rand.h keeps every generator's sequence: a seed printed by a run
 * (the host LLFree stress, crash and model tests, the kernel's stress and
 * crash tests, the frag benchmark's shuffle) must reproduce that run after
 * any change to the header. The expected words are each generator's first
 * outputs as first recorded; SplitMix64 from 0 also matches its published
 * reference values.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "rand.h"

/* The first three outputs of gen from state `seed`. */
static void expect_first(uint64_t (*gen)(uint64_t *), uint64_t seed, const uint64_t want[3],
			 const char *name)
{
	uint64_t state = seed;
	for (unsigned i = 0; i < 3; i++) {
		uint64_t got = gen(&state);
		cr_assert_eq(got, want[i], "%s from %#llx: output %u is %#llx, want %#llx", name,
			     (unsigned long long)seed, i, (unsigned long long)got,
			     (unsigned long long)want[i]);
	}
}

Test(rand, wyrand_sequence)
{
	static const uint64_t want[3] = {0xae4a7cbfdda9b434ull, 0xe9cc09d33d38d9d2ull,
					 0xcb5756512b93433aull};
	expect_first(wyrand, 42, want, "wyrand");
}

Test(rand, rand_below_sequence)
{
	static const uint64_t want[3] = {680, 913, 794};
	uint64_t state = 42;
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(rand_below(&state, 1000), want[i], "rand_below output %u", i);
}

Test(rand, xorshift64s_sequence)
{
	static const uint64_t want[3] = {0x47e4ce4b896cdd1dull, 0xabcfa6a8e079651dull,
					 0xb9d10d8feb731f57ull};
	expect_first(xorshift64s, 1, want, "xorshift64*");
}

Test(rand, xorshift64_sequence)
{
	static const uint64_t want[3] = {0x40822041ull, 0x100041060c011441ull,
					 0x9b1e842f6e862629ull};
	expect_first(xorshift64, 1, want, "xorshift64");
}

Test(rand, splitmix64_sequence)
{
	static const uint64_t from0[3] = {0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull,
					  0x06c45d188009454full};
	static const uint64_t from1234[3] = {0x5f642f87d5e23888ull, 0x5a4d78533d034cb5ull,
					     0x8a85ffdaea35a5a6ull};
	expect_first(splitmix64, 0, from0, "splitmix64");
	expect_first(splitmix64, 0x1234, from1234, "splitmix64");
}
