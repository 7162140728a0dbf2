/*
 * 128-bit division helpers that compilers call instead of inlining
 * (clang for unsigned __int128 / and %). A hosted build gets them from
 * libgcc or compiler-rt; the kernel links no runtime library, so they live
 * here. Shift-and-subtract: at most 128 steps, no division instruction on
 * 128-bit values, so these never call themselves.
 */
#include "lib/int128.h"

#include <stdint.h>

static int clz128(u128 x)
{
	uint64_t hi = (uint64_t)(x >> 64);
	return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)x);
}

static u128 udivmod(u128 n, u128 d, u128 *rem)
{
	if (d == 0)
		__builtin_trap(); /* #UD: the trap report names the place */
	if (d > n) {
		*rem = n;
		return 0;
	}
	if ((n >> 64) == 0) { /* then d < 2^64 too: the CPU divides */
		*rem = (uint64_t)n % (uint64_t)d;
		return (uint64_t)n / (uint64_t)d;
	}
	int shift = clz128(d) - clz128(n);
	u128 q = 0;
	d <<= shift;
	for (; shift >= 0; shift--) {
		q <<= 1;
		if (n >= d) {
			n -= d;
			q |= 1;
		}
		d >>= 1;
	}
	*rem = n;
	return q;
}

u128 __udivti3(u128 n, u128 d)
{
	u128 r;
	return udivmod(n, d, &r);
}

u128 __umodti3(u128 n, u128 d)
{
	u128 r;
	udivmod(n, d, &r);
	return r;
}

/* C rounds toward zero: the quotient is negative when the signs differ, the remainder has n's sign. */
static u128 magnitude(s128 x) { return x < 0 ? -(u128)x : (u128)x; }

s128 __divti3(s128 n, s128 d)
{
	u128 r, q = udivmod(magnitude(n), magnitude(d), &r);
	return (s128)((n < 0) != (d < 0) ? -q : q); /* negated unsigned: no overflow */
}

s128 __modti3(s128 n, s128 d)
{
	u128 r;
	udivmod(magnitude(n), magnitude(d), &r);
	return (s128)(n < 0 ? -r : r);
}
