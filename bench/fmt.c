/* Bounded logfmt line formatter (see fmt.h). */
#include "fmt.h"

void fmt_init(struct fmt *f, char *buf, size_t cap)
{
	f->buf = buf;
	f->cap = cap;
	f->len = 0;
	f->truncated = false;
	if (cap > 0)
		buf[0] = '\0';
	else
		f->truncated = true;
}

void fmt_char(struct fmt *f, char c)
{
	if (f->len + 1 >= f->cap) {
		f->truncated = true;
		return;
	}
	f->buf[f->len++] = c;
	f->buf[f->len] = '\0';
}

void fmt_str(struct fmt *f, const char *s)
{
	while (*s)
		fmt_char(f, *s++);
}

void fmt_u64(struct fmt *f, uint64_t v)
{
	char digits[20]; /* 2^64-1 has 20 decimal digits */
	unsigned n = 0;
	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		fmt_char(f, digits[--n]);
}

static void fmt_key(struct fmt *f, const char *key)
{
	if (f->len > 0)
		fmt_char(f, ' ');
	fmt_str(f, key);
	fmt_char(f, '=');
}

void fmt_kv_u64(struct fmt *f, const char *key, uint64_t v)
{
	fmt_key(f, key);
	fmt_u64(f, v);
}

void fmt_kv_fraction(struct fmt *f, const char *key, uint64_t num, uint64_t den)
{
	fmt_key(f, key);
	if (den == 0)
		num = 0, den = 1;
	fmt_u64(f, num / den);
	fmt_char(f, '.');
	uint64_t rest = num % den;
	while (den > UINT64_MAX / 10) { /* rest * 10 must not overflow */
		rest >>= 1;
		den >>= 1;
	}
	if (rest >= den) /* a rounding of the halving above; the value is below 1 */
		rest = den - 1;
	for (unsigned i = 0; i < 4; i++) { /* long division, one decimal at a time */
		rest *= 10;
		fmt_char(f, (char)('0' + rest / den));
		rest %= den;
	}
}

static bool needs_quotes(const char *v)
{
	if (!*v)
		return true;
	for (; *v; v++)
		if (*v == ' ' || *v == '"' || *v == '=' || *v == '\\')
			return true;
	return false;
}

void fmt_kv_str(struct fmt *f, const char *key, const char *v)
{
	fmt_key(f, key);
	if (!needs_quotes(v)) {
		fmt_str(f, v);
		return;
	}
	fmt_char(f, '"');
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fmt_char(f, '\\');
		fmt_char(f, *v);
	}
	fmt_char(f, '"');
}
