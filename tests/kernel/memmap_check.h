/*
 * What the memory map tests share (test_memmap*.c): sizes, a view of plain
 * entry arrays, the invariants every result must satisfy and the expected
 * ranges of a map. Each test file has its own copy of `map` (one Criterion
 * process per test).
 */
#ifndef TESTS_KERNEL_MEMMAP_CHECK_H
#define TESTS_KERNEL_MEMMAP_CHECK_H

#include <criterion/criterion.h>
#include <stdio.h>

#include "mm/memmap.h"

#define KiB 0x400ull
#define MiB 0x100000ull
#define GiB 0x40000000ull
#define TiB 0x10000000000ull

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
/* memmap_build's view of a plain entry array (struct boot_mmap). */
#define FW(e, n) (&(struct boot_mmap){ (e), sizeof(struct boot_mmap_entry), (n) })

/* The struct is 48 KiB: one static instance per test process (Criterion forks). */
static struct memmap map;

struct want {
	uint64_t start, end;
	enum memmap_type type;
};

static inline void print_map(const struct memmap *m)
{
	for (size_t i = 0; i < m->count; i++)
		fprintf(stderr, "  [%#llx, %#llx) %s\n", (unsigned long long)m->ranges[i].start,
			(unsigned long long)m->ranges[i].end, memmap_type_name(m->ranges[i].type));
}

/* What every result must satisfy, whatever the input. */
static inline void check_invariants(const struct memmap *m)
{
	uint64_t usable = 0, top_usable = 0, top_any = 0;
	cr_assert_leq(m->count, MEMMAP_MAX);
	for (size_t i = 0; i < m->count; i++) {
		const struct memmap_range *r = &m->ranges[i];
		cr_assert_lt(r->start, r->end, "range %zu empty or inverted", i);
		cr_assert(r->type >= MEMMAP_USABLE && r->type <= MEMMAP_LOW, "range %zu type %d", i,
			  r->type);
		if (i > 0) {
			const struct memmap_range *p = &m->ranges[i - 1];
			cr_assert_leq(p->end, r->start, "ranges %zu and %zu overlap or unsorted", i - 1, i);
			cr_assert(p->end != r->start || p->type != r->type,
				  "ranges %zu and %zu touch with the same type (not merged)", i - 1, i);
		}
		if (r->type == MEMMAP_USABLE || r->type == MEMMAP_LOW) {
			cr_assert_eq(r->start % MEMMAP_PAGE, 0, "free range %zu start unaligned", i);
			cr_assert_eq(r->end % MEMMAP_PAGE, 0, "free range %zu end unaligned", i);
		}
		if (r->type == MEMMAP_USABLE) {
			cr_assert_geq(r->start, MEMMAP_LOW_END, "usable range %zu in the first MiB", i);
			usable += r->end - r->start;
			top_usable = r->end;
		}
		if (r->type == MEMMAP_LOW)
			cr_assert_leq(r->end, MEMMAP_LOW_END, "low range %zu above 1 MiB", i);
		top_any = r->end;
	}
	cr_assert_eq(m->usable_bytes, usable);
	cr_assert_eq(m->top_usable, top_usable);
	cr_assert_eq(m->top_any, top_any);
}

static inline void expect_map(const struct memmap *m, const struct want *w, size_t n)
{
	check_invariants(m);
	if (m->count != n)
		print_map(m);
	cr_assert_eq(m->count, n, "got %zu ranges, want %zu", m->count, n);
	for (size_t i = 0; i < n; i++) {
		const struct memmap_range *r = &m->ranges[i];
		if (r->start != w[i].start || r->end != w[i].end || r->type != w[i].type)
			print_map(m);
		cr_assert_eq(r->start, w[i].start, "range %zu start %#llx want %#llx", i,
			     (unsigned long long)r->start, (unsigned long long)w[i].start);
		cr_assert_eq(r->end, w[i].end, "range %zu end %#llx want %#llx", i,
			     (unsigned long long)r->end, (unsigned long long)w[i].end);
		cr_assert_eq(r->type, w[i].type, "range %zu type %s want %s", i,
			     memmap_type_name(r->type), memmap_type_name(w[i].type));
	}
}

static inline enum memmap_error build(const struct boot_mmap_entry *e, size_t n)
{
	return memmap_build(FW(e, n), NULL, 0, &map);
}

#define E(base, len, type) {(base), (len), (type)}
#define EXPECT(...)                                                 \
	do {                                                        \
		const struct want w_[] = {__VA_ARGS__};             \
		expect_map(&map, w_, ARRAY_LEN(w_));                \
	} while (0)

#endif
