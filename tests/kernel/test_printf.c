/*
 * kernel/lib/printf.c on the host: every conversion the kernel uses,
 * compared with the C library's snprintf where the two must agree, and the
 * documented differences (%p always 16 digits) checked on their own.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/printf.h"

#define SAME(fmt, ...)                                                                        \
	do {                                                                                  \
		char ours[256], libc[256];                                                    \
		int n_ours = ksnprintf(ours, sizeof(ours), fmt, __VA_ARGS__);                  \
		int n_libc = snprintf(libc, sizeof(libc), fmt, __VA_ARGS__);                   \
		cr_assert_str_eq(ours, libc, "format \"%s\": got \"%s\", libc \"%s\"", fmt, ours, \
				 libc);                                                       \
		cr_assert_eq(n_ours, n_libc, "format \"%s\": length %d, libc %d", fmt, n_ours,  \
			     n_libc);                                                         \
	} while (0)

Test(printf, signed_integers)
{
	SAME("%d", 0);
	SAME("%d", -1);
	SAME("%d", INT_MIN);
	SAME("%i", INT_MAX);
	SAME("%ld", LONG_MIN);
	SAME("%lld", LLONG_MIN);
	SAME("%lld", LLONG_MAX);
	SAME("%hd", (short)-12345);
	SAME("%hhd", (signed char)-100);
}

Test(printf, unsigned_and_hex)
{
	SAME("%u", 0u);
	SAME("%u", UINT_MAX);
	SAME("%x", 0xdeadbeefu);
	SAME("%X", 0xdeadbeefu);
	SAME("%lu", ULONG_MAX);
	SAME("%lx", 0x123456789abcdefUL);
	SAME("%llu", ULLONG_MAX);
	SAME("%zu", SIZE_MAX);
	SAME("%zx", (size_t)0x1234);
	SAME("%#x", 255u);
	SAME("%#lx", 0x1c0000000UL);
	SAME("%#010x", 255u);
}

Test(printf, widths_and_flags)
{
	SAME("[%5d]", 42);
	SAME("[%-5d]", 42);
	SAME("[%05d]", 42);
	SAME("[%05d]", -42);
	SAME("[%-5d]", -42);
	SAME("[%08x]", 0xbeefu);
	SAME("[%016llx]", 0xabcULL);
	SAME("[%*d]", 6, 7);
	SAME("[%-*d]", 6, 7);
	SAME("[%*d]", -6, 7); /* negative width: left-justified */
	SAME("[%2d]", 12345);  /* width is a minimum */
}

Test(printf, strings_and_chars)
{
	SAME("%s", "abc");
	SAME("[%10s]", "abc");
	SAME("[%-10s]", "abc");
	SAME("[%.2s]", "abc");
	SAME("[%.*s]", 1, "abc");
	SAME("[%5.1s]", "abc");
	SAME("%c", 'x');
	SAME("[%3c]", 'x');
	SAME("[%-3c]", 'x');
	SAME("100%% %d", 1);
	SAME("%s=%llu %s", "usable_bytes", 5364219904ULL, "end");
}

Test(printf, pointer_is_sixteen_digits)
{
	char buf[64];
	ksnprintf(buf, sizeof(buf), "%p", (void *)0x1234);
	cr_assert_str_eq(buf, "0x0000000000001234");
	ksnprintf(buf, sizeof(buf), "%p", (void *)0xffffffff80200000ULL);
	cr_assert_str_eq(buf, "0xffffffff80200000");
}

/* Without the format attribute: for what the compiler rightly warns about. */
static int unchecked(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = kvsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

/* An int passed for %hd or %hhu is converted to short or unsigned char (C11 7.21.6.1). */
Test(printf, short_and_char_conversion)
{
	char buf[16];
	unchecked(buf, sizeof(buf), "%hd", 70000);
	cr_assert_str_eq(buf, "4464");
	unchecked(buf, sizeof(buf), "%hhu", 300);
	cr_assert_str_eq(buf, "44");
	unchecked(buf, sizeof(buf), "%hhx", 0x1ff);
	cr_assert_str_eq(buf, "ff");
}

/* C11 7.21.6.1: with both '-' and '0', '0' is ignored (compilers warn, hence unchecked). */
Test(printf, left_justify_beats_zero_pad)
{
	char buf[16];
	unchecked(buf, sizeof(buf), "[%-05d]", 42);
	cr_assert_str_eq(buf, "[42   ]");
}

Test(printf, null_string)
{
	char buf[16];
	unchecked(buf, sizeof(buf), "%s", NULL);
	cr_assert_str_eq(buf, "(null)");
}

Test(printf, truncation_keeps_length_and_terminates)
{
	char buf[8];
	memset(buf, 'Z', sizeof(buf));
	int n = ksnprintf(buf, 4, "%s", "abcdef");
	cr_assert_eq(n, 6);
	cr_assert_str_eq(buf, "abc");
	cr_assert_eq(buf[4], 'Z', "wrote past the given size");

	n = ksnprintf(buf, 1, "%d", 12345);
	cr_assert_eq(n, 5);
	cr_assert_str_eq(buf, "");

	buf[0] = 'Q';
	n = ksnprintf(buf, 0, "%d", 12345);
	cr_assert_eq(n, 5);
	cr_assert_eq(buf[0], 'Q', "size 0 must not write");
}

Test(printf, unknown_conversion_is_printed)
{
	char buf[16];
	unchecked(buf, sizeof(buf), "a%qb");
	cr_assert_str_eq(buf, "a%qb");
	unchecked(buf, sizeof(buf), "end%");
	cr_assert_str_eq(buf, "end");
}
