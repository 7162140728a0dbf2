/*
 * A tiny bounded line formatter for benchmark output (logfmt, see
 * shared/design/serial-log.md). Freestanding: the benchmarks run inside the
 * kernel, where there is no snprintf. Output is always NUL-terminated; text
 * that does not fit is cut and `truncated` is set.
 */
#ifndef BENCH_FMT_H
#define BENCH_FMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fmt {
	char *buf;
	size_t cap; /* bytes in buf, >= 1 */
	size_t len; /* characters written, excluding the NUL */
	bool truncated;
};

void fmt_init(struct fmt *f, char *buf, size_t cap);
void fmt_char(struct fmt *f, char c);
void fmt_str(struct fmt *f, const char *s);
void fmt_u64(struct fmt *f, uint64_t v);
/* " key=value", without the leading space at the start of a line. */
void fmt_kv_u64(struct fmt *f, const char *key, uint64_t v);
/* " key=0.1234": num / den with four decimals, rounded down; den 0 gives 0. */
void fmt_kv_fraction(struct fmt *f, const char *key, uint64_t num, uint64_t den);
/* Quoted when the value is empty or holds a space, '"' or '='; '"' and '\' escaped. */
void fmt_kv_str(struct fmt *f, const char *key, const char *v);

#endif
