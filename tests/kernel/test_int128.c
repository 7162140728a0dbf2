/*
 * kernel/lib/int128.c on the host. The compiler's own 128-bit division
 * calls resolve to the functions under test, so results are checked by
 * their defining property (n = q*d + r, 0 <= r < d, signs as C says) and
 * against 64-bit division where both fit.
 */
#include <criterion/criterion.h>
#include <stdint.h>

#include "lib/int128.h"
#include "rand.h"

static uint64_t state = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	return xorshift64(&state);
}

/* Values of every magnitude: a random word shifted by a random amount. */
static u128 random_u128(void)
{
	u128 v = ((u128)next() << 64) | next();
	return v >> (next() % 128);
}

static void check_unsigned(u128 n, u128 d)
{
	u128 q = __udivti3(n, d), r = __umodti3(n, d);
	cr_assert(r < d, "remainder not below the divisor");
	cr_assert(q * d + r == n, "q*d + r != n");
	/* q is the largest: (q+1)*d > n, checked without overflow as n - q*d < d (above). */
}

Test(int128, unsigned_property)
{
	for (int i = 0; i < 200000; i++) {
		u128 d = random_u128();
		if (d == 0)
			d = 1;
		check_unsigned(random_u128(), d);
	}
}

Test(int128, edges)
{
	u128 max = ~(u128)0;
	check_unsigned(max, 1);
	check_unsigned(max, max);
	check_unsigned(max, 3);
	check_unsigned(max - 1, max);
	check_unsigned(0, 7);
	check_unsigned((u128)1 << 127, ((u128)1 << 64) + 1);
	cr_assert(__udivti3(max, 1) == max);
	cr_assert(__udivti3(max - 1, max) == 0);
	cr_assert(__umodti3(max - 1, max) == max - 1);
	cr_assert(__udivti3((u128)1 << 100, (u128)1 << 36) == (u128)1 << 64);
}

Test(int128, agrees_with_64_bit_division)
{
	for (int i = 0; i < 100000; i++) {
		uint64_t n = next() >> (next() % 64), d = (next() >> (next() % 64)) | 1;
		cr_assert(__udivti3(n, d) == n / d);
		cr_assert(__umodti3(n, d) == n % d);
	}
}

Test(int128, signed_rounds_toward_zero)
{
	cr_assert(__divti3(7, 2) == 3);
	cr_assert(__divti3(-7, 2) == -3);
	cr_assert(__divti3(7, -2) == -3);
	cr_assert(__divti3(-7, -2) == 3);
	cr_assert(__modti3(-7, 2) == -1);
	cr_assert(__modti3(7, -2) == 1);
	s128 min = (s128)((u128)1 << 127);
	cr_assert(__divti3(min, 1) == min);
	cr_assert(__modti3(min, -1) == 0);
	cr_assert(__divti3(min, 2) == -(((s128)1) << 126));
	for (int i = 0; i < 100000; i++) {
		s128 n = (s128)random_u128() * ((next() & 1) ? -1 : 1);
		s128 d = (s128)(random_u128() >> 1) | 1;
		if (next() & 1)
			d = -d;
		s128 q = __divti3(n, d), r = __modti3(n, d);
		cr_assert(q * d + r == n);
		cr_assert(r == 0 || (r < 0) == (n < 0), "remainder takes the dividend's sign");
		cr_assert((r < 0 ? -r : r) < (d < 0 ? -d : d));
	}
}
