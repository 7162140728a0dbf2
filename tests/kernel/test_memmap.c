/*
 * Host unit tests of kernel/mm/memmap.c: crafted firmware maps (overlaps,
 * unsorted, unaligned, huge addresses), the maps QEMU's firmware really
 * gives, and a randomised comparison against a byte-granular model.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "lib/printf.h"
#include "mm/memmap.h"
#include "rand.h"

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

static void print_map(const struct memmap *m)
{
	for (size_t i = 0; i < m->count; i++)
		fprintf(stderr, "  [%#llx, %#llx) %s\n", (unsigned long long)m->ranges[i].start,
			(unsigned long long)m->ranges[i].end, memmap_type_name(m->ranges[i].type));
}

/* What every result must satisfy, whatever the input. */
static void check_invariants(const struct memmap *m)
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

static void expect_map(const struct memmap *m, const struct want *w, size_t n)
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

static enum memmap_error build(const struct boot_mmap_entry *e, size_t n)
{
	return memmap_build(FW(e, n), NULL, 0, &map);
}

#define E(base, len, type) {(base), (len), (type)}
#define EXPECT(...)                                                 \
	do {                                                        \
		const struct want w_[] = {__VA_ARGS__};             \
		expect_map(&map, w_, ARRAY_LEN(w_));                \
	} while (0)

/* ---- overlaps ---------------------------------------------------------- */

Test(memmap, reserved_inside_usable_splits_it)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB, 16 * MiB, 1),
		E(20 * MiB, 1 * MiB, 2),
	};
	cr_assert_eq(build(e, 2), MEMMAP_OK);
	EXPECT({16 * MiB, 20 * MiB, MEMMAP_USABLE}, {20 * MiB, 21 * MiB, MEMMAP_RESERVED},
	       {21 * MiB, 32 * MiB, MEMMAP_USABLE});
	cr_assert_eq(map.usable_bytes, 15 * MiB);
	cr_assert_eq(map.fw_overlaps, 1);
	cr_assert_eq(map.fw_unknown, 0);
}

Test(memmap, usable_inside_reserved_is_swallowed)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB, 1 * MiB, 1),
		E(8 * MiB, 16 * MiB, 2),
		E(32 * MiB, 1 * MiB, 1),
	};
	cr_assert_eq(build(e, 3), MEMMAP_OK);
	EXPECT({8 * MiB, 24 * MiB, MEMMAP_RESERVED}, {32 * MiB, 33 * MiB, MEMMAP_USABLE});
}

/* The restrictive type wins whichever entry comes first. */
Test(memmap, partial_overlap_both_orders)
{
	const struct boot_mmap_entry a[] = {E(16 * MiB, 8 * MiB, 1), E(20 * MiB, 8 * MiB, 3)};
	const struct boot_mmap_entry b[] = {E(20 * MiB, 8 * MiB, 3), E(16 * MiB, 8 * MiB, 1)};
	cr_assert_eq(build(a, 2), MEMMAP_OK);
	EXPECT({16 * MiB, 20 * MiB, MEMMAP_USABLE}, {20 * MiB, 28 * MiB, MEMMAP_ACPI});
	cr_assert_eq(build(b, 2), MEMMAP_OK);
	EXPECT({16 * MiB, 20 * MiB, MEMMAP_USABLE}, {20 * MiB, 28 * MiB, MEMMAP_ACPI});

	const struct boot_mmap_entry c[] = {E(16 * MiB, 8 * MiB, 2), E(20 * MiB, 8 * MiB, 1)};
	cr_assert_eq(build(c, 2), MEMMAP_OK);
	EXPECT({16 * MiB, 24 * MiB, MEMMAP_RESERVED}, {24 * MiB, 28 * MiB, MEMMAP_USABLE});
}

/* RESERVED > NVS > ACPI among the non-usable types, BADRAM counts as reserved. */
Test(memmap, rank_among_non_usable)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB, 16 * MiB, 3), /* ACPI under everything */
		E(18 * MiB, 4 * MiB, 4),  /* NVS beats ACPI */
		E(20 * MiB, 4 * MiB, 2),  /* reserved beats NVS and ACPI */
		E(26 * MiB, 2 * MiB, 5),  /* bad RAM is reserved */
		E(40 * MiB, 1 * MiB, 1),
	};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	EXPECT({16 * MiB, 18 * MiB, MEMMAP_ACPI}, {18 * MiB, 20 * MiB, MEMMAP_NVS},
	       {20 * MiB, 24 * MiB, MEMMAP_RESERVED}, {24 * MiB, 26 * MiB, MEMMAP_ACPI},
	       {26 * MiB, 28 * MiB, MEMMAP_RESERVED}, {28 * MiB, 32 * MiB, MEMMAP_ACPI},
	       {40 * MiB, 41 * MiB, MEMMAP_USABLE});
}

Test(memmap, unknown_types_are_reserved)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB, 16 * MiB, 1),
		E(17 * MiB, 1 * MiB, 7),
		E(19 * MiB, 1 * MiB, 20),
		E(21 * MiB, 1 * MiB, 0),
		E(23 * MiB, 1 * MiB, 0xffffffffu),
	};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	EXPECT({16 * MiB, 17 * MiB, MEMMAP_USABLE}, {17 * MiB, 18 * MiB, MEMMAP_RESERVED},
	       {18 * MiB, 19 * MiB, MEMMAP_USABLE}, {19 * MiB, 20 * MiB, MEMMAP_RESERVED},
	       {20 * MiB, 21 * MiB, MEMMAP_USABLE}, {21 * MiB, 22 * MiB, MEMMAP_RESERVED},
	       {22 * MiB, 23 * MiB, MEMMAP_USABLE}, {23 * MiB, 24 * MiB, MEMMAP_RESERVED},
	       {24 * MiB, 32 * MiB, MEMMAP_USABLE});
	cr_assert_eq(map.fw_unknown, 4);
	cr_assert_eq(map.fw_overlaps, 4);
}

Test(memmap, identical_and_overlapping_usable_merge)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB, 8 * MiB, 1),
		E(16 * MiB, 8 * MiB, 1),
		E(20 * MiB, 8 * MiB, 1),
		E(17 * MiB, 1 * MiB, 1),
	};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	EXPECT({16 * MiB, 28 * MiB, MEMMAP_USABLE});
	cr_assert_eq(map.usable_bytes, 12 * MiB);
	cr_assert_eq(map.fw_overlaps, 3);
}

/* A reserved entry spanning several usable and ACPI entries and gaps. */
Test(memmap, reserved_spanning_several_entries)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB, 2 * MiB, 1), E(18 * MiB, 2 * MiB, 3), E(21 * MiB, 2 * MiB, 1),
		E(24 * MiB, 8 * MiB, 1), E(17 * MiB, 10 * MiB, 2),
	};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	EXPECT({16 * MiB, 17 * MiB, MEMMAP_USABLE}, {17 * MiB, 27 * MiB, MEMMAP_RESERVED},
	       {27 * MiB, 32 * MiB, MEMMAP_USABLE});
}

/* ---- order, alignment, size -------------------------------------------- */

Test(memmap, unsorted_input_is_sorted)
{
	const struct boot_mmap_entry e[] = {
		E(64 * MiB, 1 * MiB, 1), E(2 * MiB, 1 * MiB, 2), E(32 * MiB, 1 * MiB, 3),
		E(4 * MiB, 4 * MiB, 1), E(1 * MiB, 1 * MiB, 1),
	};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	cr_assert_eq(map.fw_overlaps, 0); /* touching is not overlapping */
	EXPECT({1 * MiB, 2 * MiB, MEMMAP_USABLE}, {2 * MiB, 3 * MiB, MEMMAP_RESERVED},
	       {4 * MiB, 8 * MiB, MEMMAP_USABLE}, {32 * MiB, 33 * MiB, MEMMAP_ACPI},
	       {64 * MiB, 65 * MiB, MEMMAP_USABLE});
}

Test(memmap, zero_length_entries_dropped)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB, 0, 2), E(16 * MiB, 4 * MiB, 1), E(18 * MiB, 0, 2), E(40 * MiB, 0, 1),
	};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	EXPECT({16 * MiB, 20 * MiB, MEMMAP_USABLE});
}

/* Usable rounds inward; the firmware's other ranges stay exact. */
Test(memmap, unaligned_usable_rounded_inward)
{
	const struct boot_mmap_entry e[] = {
		E(16 * MiB + 1, 4 * MiB, 1),          /* [16M+1, 20M+1) -> [16M+4K, 20M) */
		E(20 * MiB + 0x1800, 0x800, 2),       /* reserved bytes inside a page */
		E(20 * MiB + 0x1000, 0x10000, 1),     /* its page is not usable */
		E(40 * MiB + 0x100, 0xe00, 1),        /* less than a page: gone */
	};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	EXPECT({16 * MiB + 4 * KiB, 20 * MiB, MEMMAP_USABLE},
	       {20 * MiB + 0x1800, 20 * MiB + 0x2000, MEMMAP_RESERVED},
	       {20 * MiB + 0x2000, 20 * MiB + 0x11000, MEMMAP_USABLE});
}

Test(memmap, above_4g)
{
	const struct boot_mmap_entry e[] = {
		E(4 * GiB, 60 * GiB, 1),
		E(2 * MiB, 14 * MiB, 1),
	};
	cr_assert_eq(build(e, 2), MEMMAP_OK);
	EXPECT({2 * MiB, 16 * MiB, MEMMAP_USABLE}, {4 * GiB, 64 * GiB, MEMMAP_USABLE});
	cr_assert_eq(map.usable_bytes, 60 * GiB + 14 * MiB);
	cr_assert_eq(map.top_usable, 64 * GiB);
}

/* QEMU 7.1+ reserves [1 TiB - 12 GiB, 1 TiB) (AMD HyperTransport hole). */
Test(memmap, reserved_near_1tib_does_not_size_ram)
{
	const struct boot_mmap_entry e[] = {
		E(1 * MiB, 127 * MiB, 1),
		E(TiB - 12 * GiB, 12 * GiB, 2),
	};
	cr_assert_eq(build(e, 2), MEMMAP_OK);
	cr_assert_eq(map.top_usable, 128 * MiB);
	cr_assert_eq(map.top_any, TiB);
}

Test(memmap, range_ending_at_top_of_address_space)
{
	const struct boot_mmap_entry e[] = {
		E(1 * MiB, 1 * MiB, 1),
		E(UINT64_MAX - 16 * MiB, 16 * MiB, 2), /* ends at 2^64 - 1, exclusive */
	};
	cr_assert_eq(build(e, 2), MEMMAP_OK);
	EXPECT({1 * MiB, 2 * MiB, MEMMAP_USABLE}, {UINT64_MAX - 16 * MiB, UINT64_MAX, MEMMAP_RESERVED});
}

/* Rounding up a start in the last page must not wrap to 0. */
Test(memmap, usable_in_last_page_of_address_space)
{
	const struct boot_mmap_entry e[] = {E(1 * MiB, 1 * MiB, 1), E(UINT64_MAX - 100, 50, 1)};
	cr_assert_eq(build(e, 2), MEMMAP_OK);
	EXPECT({1 * MiB, 2 * MiB, MEMMAP_USABLE});
}

Test(memmap, overflow_is_an_error)
{
	const struct boot_mmap_entry e[] = {
		E(1 * MiB, 1 * MiB, 1),
		E(UINT64_MAX - 4 * KiB, 8 * KiB, 2),
	};
	cr_assert_eq(build(e, 2), MEMMAP_ERR_OVERFLOW);
	const struct boot_mmap_entry f[] = {E(1ull << 63, 1ull << 63, 1)}; /* ends at exactly 2^64 */
	cr_assert_eq(build(f, 1), MEMMAP_ERR_OVERFLOW);
	const struct boot_mmap_entry g[] = {E(1 * MiB, UINT64_MAX, 1)};
	cr_assert_eq(build(g, 1), MEMMAP_ERR_OVERFLOW);
}

Test(memmap, empty_and_only_reserved)
{
	cr_assert_eq(build(NULL, 0), MEMMAP_ERR_EMPTY);
	cr_assert_eq(map.count, 0);
	const struct boot_mmap_entry e[] = {E(0, 640 * KiB, 2), E(1 * MiB, 64 * MiB, 3)};
	cr_assert_eq(build(e, 2), MEMMAP_ERR_EMPTY);
	check_invariants(&map); /* complete for printing */
	cr_assert_eq(map.count, 2);
	const struct boot_mmap_entry f[] = {E(1 * MiB, 3 * KiB, 1)}; /* less than a page */
	cr_assert_eq(build(f, 1), MEMMAP_ERR_EMPTY);
}

/* Only RAM below 1 MiB: nothing for the allocator. */
Test(memmap, only_low_memory_is_empty)
{
	const struct boot_mmap_entry e[] = {E(0, 640 * KiB, 1)};
	cr_assert_eq(build(e, 1), MEMMAP_ERR_EMPTY);
	EXPECT({0, 640 * KiB, MEMMAP_LOW});
}

/* Alternating types: every entry stays a range, one more is too many. */
Test(memmap, too_many_ranges)
{
	static struct boot_mmap_entry e[MEMMAP_MAX + 1];
	for (size_t i = 0; i < ARRAY_LEN(e); i++)
		e[i] = (struct boot_mmap_entry){16 * MiB + i * 8 * KiB, 8 * KiB, i % 2 ? 2 : 1};
	cr_assert_eq(build(e, MEMMAP_MAX), MEMMAP_OK);
	cr_assert_eq(map.count, MEMMAP_MAX);
	check_invariants(&map);
	cr_assert_eq(build(e, MEMMAP_MAX + 1), MEMMAP_ERR_TOO_MANY);
}

/* A full table has no room for the split a kernel range makes. */
Test(memmap, too_many_after_keep_split)
{
	static struct boot_mmap_entry e[MEMMAP_MAX];
	for (size_t i = 0; i < ARRAY_LEN(e); i++)
		e[i] = (struct boot_mmap_entry){16 * MiB + i * 8 * KiB, 8 * KiB, i % 2 ? 2 : 1};
	const struct boot_range whole[] = {{16 * MiB, 16 * MiB + 8 * KiB}}; /* no split */
	cr_assert_eq(memmap_build(FW(e, MEMMAP_MAX), whole, 1, &map), MEMMAP_OK);
	const struct boot_range half[] = {{16 * MiB + 4 * KiB, 16 * MiB + 6 * KiB}};
	cr_assert_eq(memmap_build(FW(e, MEMMAP_MAX), half, 1, &map), MEMMAP_ERR_TOO_MANY);
	/* the first MiB splits too */
	e[0] = (struct boot_mmap_entry){1 * MiB - 4 * KiB, 12 * KiB, 1};
	e[1] = (struct boot_mmap_entry){1 * MiB + 8 * KiB, 4 * KiB, 2};
	cr_assert_eq(memmap_build(FW(e, MEMMAP_MAX), NULL, 0, &map), MEMMAP_ERR_TOO_MANY);
}

Test(memmap, names)
{
	for (int e = MEMMAP_OK; e < MEMMAP_ERR_COUNT; e++)
		cr_assert_str_neq(memmap_strerror((enum memmap_error)e), "unknown memory map error",
				  "error %d unnamed", e);
	cr_assert_str_eq(memmap_strerror((enum memmap_error)99), "unknown memory map error");
	const char *names[] = {"usable", "reserved", "acpi", "nvs", "kernel", "low"};
	for (int t = MEMMAP_USABLE; t <= MEMMAP_LOW; t++)
		cr_assert_str_eq(memmap_type_name((enum memmap_type)t), names[t - 1]);
	cr_assert_str_eq(memmap_type_name((enum memmap_type)0), "?");
}

/* Many touching usable entries (OVMF splits RAM by UEFI type) become one. */
Test(memmap, adjacent_same_type_merge_beyond_table_size)
{
	static struct boot_mmap_entry e[4 * MEMMAP_MAX];
	for (size_t i = 0; i < ARRAY_LEN(e); i++)
		e[i] = (struct boot_mmap_entry){16 * MiB + i * 4 * KiB, 4 * KiB, 1};
	cr_assert_eq(build(e, ARRAY_LEN(e)), MEMMAP_OK);
	EXPECT({16 * MiB, 16 * MiB + ARRAY_LEN(e) * 4 * KiB, MEMMAP_USABLE});
}

/* ---- the kernel's own ranges and the first MiB ------------------------- */

Test(memmap, first_mib_is_low_not_usable)
{
	const struct boot_mmap_entry e[] = {E(0, 64 * MiB, 1)};
	cr_assert_eq(build(e, 1), MEMMAP_OK);
	EXPECT({0, 1 * MiB, MEMMAP_LOW}, {1 * MiB, 64 * MiB, MEMMAP_USABLE});
	cr_assert_eq(map.usable_bytes, 63 * MiB);
	cr_assert_eq(memmap_low_page(&map), 4 * KiB); /* page 0 is never handed out */
}

Test(memmap, keep_ranges_become_kernel)
{
	const struct boot_mmap_entry e[] = {E(0, 640 * KiB, 1), E(1 * MiB, 255 * MiB, 1)};
	const struct boot_range keep[] = {
		{2 * MiB, 3 * MiB + 100},         /* image, end widened to a page */
		{0x5000 + 8, 0x5000 + 0x800},     /* multiboot info below 1 MiB (UEFI) */
		{3 * MiB + 0x2000, 3 * MiB + 0x3000}, /* a module, one page after the image */
		{8 * MiB, 8 * MiB},               /* empty: ignored */
	};
	cr_assert_eq(memmap_build(FW(e, 2), keep, ARRAY_LEN(keep), &map), MEMMAP_OK);
	EXPECT({0, 0x5000, MEMMAP_LOW}, {0x5000, 0x6000, MEMMAP_KERNEL}, {0x6000, 640 * KiB, MEMMAP_LOW},
	       {1 * MiB, 2 * MiB, MEMMAP_USABLE}, {2 * MiB, 3 * MiB + 0x1000, MEMMAP_KERNEL},
	       {3 * MiB + 0x1000, 3 * MiB + 0x2000, MEMMAP_USABLE},
	       {3 * MiB + 0x2000, 3 * MiB + 0x3000, MEMMAP_KERNEL},
	       {3 * MiB + 0x3000, 256 * MiB, MEMMAP_USABLE});
	cr_assert_eq(memmap_low_page(&map), 4 * KiB);
}

/* A keep range over usable, reserved and a gap takes only the usable bytes. */
Test(memmap, keep_range_spanning_several_entries)
{
	const struct boot_mmap_entry e[] = {
		E(1 * MiB, 3 * MiB, 1), E(4 * MiB, 1 * MiB, 2), E(5 * MiB, 1 * MiB, 1),
		E(7 * MiB, 9 * MiB, 1), E(5 * MiB + 0x800, 0x100, 4),
	};
	const struct boot_range keep[] = {{2 * MiB, 8 * MiB}};
	cr_assert_eq(memmap_build(FW(e, ARRAY_LEN(e)), keep, 1, &map), MEMMAP_OK);
	EXPECT({1 * MiB, 2 * MiB, MEMMAP_USABLE}, {2 * MiB, 4 * MiB, MEMMAP_KERNEL},
	       {4 * MiB, 5 * MiB, MEMMAP_RESERVED}, {5 * MiB, 5 * MiB + 0x800, MEMMAP_KERNEL},
	       {5 * MiB + 0x800, 5 * MiB + 0x900, MEMMAP_NVS},
	       {5 * MiB + 0x900, 6 * MiB, MEMMAP_KERNEL}, {7 * MiB, 8 * MiB, MEMMAP_KERNEL},
	       {8 * MiB, 16 * MiB, MEMMAP_USABLE});
}

/* Touching keep ranges merge; one covering all RAM leaves nothing usable. */
Test(memmap, keep_ranges_merge_and_can_empty_the_map)
{
	const struct boot_mmap_entry e[] = {E(1 * MiB, 3 * MiB, 1)};
	const struct boot_range keep[] = {{2 * MiB, 3 * MiB}, {1 * MiB, 2 * MiB}};
	cr_assert_eq(memmap_build(FW(e, 1), keep, 2, &map), MEMMAP_OK);
	EXPECT({1 * MiB, 3 * MiB, MEMMAP_KERNEL}, {3 * MiB, 4 * MiB, MEMMAP_USABLE});
	const struct boot_range all[] = {{0, 16 * MiB}};
	cr_assert_eq(memmap_build(FW(e, 1), all, 1, &map), MEMMAP_ERR_EMPTY);
	EXPECT({1 * MiB, 4 * MiB, MEMMAP_KERNEL});
}

Test(memmap, bad_keep_ranges)
{
	const struct boot_mmap_entry e[] = {E(1 * MiB, 3 * MiB, 1)};
	const struct boot_range inverted[] = {{3 * MiB, 2 * MiB}};
	cr_assert_eq(memmap_build(FW(e, 1), inverted, 1, &map), MEMMAP_ERR_KEEP);
	const struct boot_range top[] = {{UINT64_MAX - 10, UINT64_MAX}};
	cr_assert_eq(memmap_build(FW(e, 1), top, 1, &map), MEMMAP_ERR_OVERFLOW);
}

Test(memmap, low_page_absent)
{
	const struct boot_mmap_entry e[] = {E(0, 4 * KiB, 1), E(1 * MiB, 1 * MiB, 1)};
	cr_assert_eq(build(e, 2), MEMMAP_OK);
	cr_assert_eq(memmap_low_page(&map), 0); /* only page 0 is low RAM */
	const struct boot_mmap_entry f[] = {E(0x7000, 4 * KiB, 1), E(1 * MiB, 1 * MiB, 1)};
	cr_assert_eq(build(f, 2), MEMMAP_OK);
	cr_assert_eq(memmap_low_page(&map), 0x7000);
}

/* ---- what QEMU's firmware reports ------------------------------------ */

/*
 * Maps as GRUB 2.06 passed them to this kernel under QEMU 7.2 (SeaBIOS 1.16,
 * OVMF 2022.11), printed by memmap_print_firmware(), with the kernel's keep
 * ranges of that boot (image at 2 MiB, the multiboot info where GRUB put it).
 */
struct qemu_case {
	const char *name;
	const struct boot_mmap_entry *fw;
	size_t fw_count;
	struct boot_range keep[2];
	const struct want *want;
	size_t want_count;
	uint64_t usable_bytes, top_usable, top_any;
};

#define IMAGE {0x200000, 0x536a40}
#define CASE(n, f, info, w, usable, top_usable, top_any) \
	{n, f, ARRAY_LEN(f), {IMAGE, info}, w, ARRAY_LEN(w), usable, top_usable, top_any}

/* Below 1 MiB SeaBIOS always reports the same; GRUB puts the info at 0x16f000. */
#define SEABIOS_LOW E(0x0, 0x9fc00, 1), E(0x9fc00, 0x400, 2), E(0xf0000, 0x10000, 2)
#define SEABIOS_INFO {0x16f000, 0x16f9d0}
#define SEABIOS_LOW_WANT                                                                   \
	{0x0, 0x9f000, MEMMAP_LOW}, {0x9fc00, 0xa0000, MEMMAP_RESERVED},                   \
	{0xf0000, 0x100000, MEMMAP_RESERVED}, {0x100000, 0x16f000, MEMMAP_USABLE},         \
	{0x16f000, 0x170000, MEMMAP_KERNEL}, {0x170000, 0x200000, MEMMAP_USABLE},          \
	{0x200000, 0x537000, MEMMAP_KERNEL}

/* -M pc -m 512M */
static const struct boot_mmap_entry seabios_pc_512m[] = {
	SEABIOS_LOW,
	E(0x100000, 0x1fee0000, 1),
	E(0x1ffe0000, 0x20000, 2),
	E(0xfffc0000, 0x40000, 2),
	E(0xfd00000000, 0x300000000, 2), /* QEMU 7.1+: HyperTransport hole below 1 TiB */
};
static const struct want seabios_pc_512m_want[] = {
	SEABIOS_LOW_WANT,
	{0x537000, 0x1ffe0000, MEMMAP_USABLE}, {0x1ffe0000, 0x20000000, MEMMAP_RESERVED},
	{0xfffc0000, 0x100000000, MEMMAP_RESERVED}, {0xfd00000000, TiB, MEMMAP_RESERVED},
};

/* -M pc -m 5G: 3 GiB below the PCI hole, 2 GiB above 4 GiB. */
static const struct boot_mmap_entry seabios_pc_5g[] = {
	SEABIOS_LOW,
	E(0x100000, 0xbfee0000, 1),
	E(0xbffe0000, 0x20000, 2),
	E(0xfffc0000, 0x40000, 2),
	E(0x100000000, 0x80000000, 1),
	E(0xfd00000000, 0x300000000, 2),
};
static const struct want seabios_pc_5g_want[] = {
	SEABIOS_LOW_WANT,
	{0x537000, 0xbffe0000, MEMMAP_USABLE}, {0xbffe0000, 0xc0000000, MEMMAP_RESERVED},
	{0xfffc0000, 0x100000000, MEMMAP_RESERVED}, {0x100000000, 0x180000000, MEMMAP_USABLE},
	{0xfd00000000, TiB, MEMMAP_RESERVED},
};

/* -M q35 -m 512M: MMCONFIG at 2.75 GiB, the chipset's RCRB at 0xfed1c000. */
static const struct boot_mmap_entry seabios_q35_512m[] = {
	SEABIOS_LOW,
	E(0x100000, 0x1fedf000, 1),
	E(0x1ffdf000, 0x21000, 2),
	E(0xb0000000, 0x10000000, 2),
	E(0xfed1c000, 0x4000, 2),
	E(0xfffc0000, 0x40000, 2),
	E(0xfd00000000, 0x300000000, 2),
};
static const struct want seabios_q35_512m_want[] = {
	SEABIOS_LOW_WANT,
	{0x537000, 0x1ffdf000, MEMMAP_USABLE}, {0x1ffdf000, 0x20000000, MEMMAP_RESERVED},
	{0xb0000000, 0xc0000000, MEMMAP_RESERVED}, {0xfed1c000, 0xfed20000, MEMMAP_RESERVED},
	{0xfffc0000, 0x100000000, MEMMAP_RESERVED}, {0xfd00000000, TiB, MEMMAP_RESERVED},
};

/* -M q35 -m 5G: q35 keeps only 2 GiB below 4 GiB. */
static const struct boot_mmap_entry seabios_q35_5g[] = {
	SEABIOS_LOW,
	E(0x100000, 0x7fedf000, 1),
	E(0x7ffdf000, 0x21000, 2),
	E(0xb0000000, 0x10000000, 2),
	E(0xfed1c000, 0x4000, 2),
	E(0xfffc0000, 0x40000, 2),
	E(0x100000000, 0xc0000000, 1),
	E(0xfd00000000, 0x300000000, 2),
};
static const struct want seabios_q35_5g_want[] = {
	SEABIOS_LOW_WANT,
	{0x537000, 0x7ffdf000, MEMMAP_USABLE}, {0x7ffdf000, 0x80000000, MEMMAP_RESERVED},
	{0xb0000000, 0xc0000000, MEMMAP_RESERVED}, {0xfed1c000, 0xfed20000, MEMMAP_RESERVED},
	{0xfffc0000, 0x100000000, MEMMAP_RESERVED}, {0x100000000, 0x1c0000000, MEMMAP_USABLE},
	{0xfd00000000, TiB, MEMMAP_RESERVED},
};

/* OVMF: types 1, 2, 3, 4 and 20 (runtime code); the info at 0x77000, below 1 MiB. */
#define OVMF_INFO {0x77000, 0x78a28}
/* -M q35 -m 512M */
static const struct boot_mmap_entry ovmf_q35_512m[] = {
	E(0x0, 0xa0000, 1), E(0x100000, 0x700000, 1), E(0x800000, 0x8000, 4),
	E(0x808000, 0x3000, 1), E(0x80b000, 0x1000, 4), E(0x80c000, 0x4000, 1),
	E(0x810000, 0xf0000, 4), E(0x900000, 0x1e5ba000, 1),
	E(0x1eeba000, 0xc1000, 2), E(0x1ef7b000, 0x972000, 1),
	E(0x1f8ed000, 0x100000, 2), E(0x1f9ed000, 0x100000, 20),
	E(0x1faed000, 0x80000, 2), E(0x1fb6d000, 0x12000, 3),
	E(0x1fb7f000, 0x80000, 4), E(0x1fbff000, 0x359000, 1),
	E(0x1ff58000, 0x20000, 2), E(0x1ff78000, 0x88000, 4),
	E(0xb0000000, 0x10000000, 2), E(0xffe00000, 0x200000, 2),
};
static const struct want ovmf_q35_512m_want[] = {
	{0x0, 0x77000, MEMMAP_LOW}, {0x77000, 0x79000, MEMMAP_KERNEL},
	{0x79000, 0xa0000, MEMMAP_LOW}, {0x100000, 0x200000, MEMMAP_USABLE},
	{0x200000, 0x537000, MEMMAP_KERNEL}, {0x537000, 0x800000, MEMMAP_USABLE},
	{0x800000, 0x808000, MEMMAP_NVS}, {0x808000, 0x80b000, MEMMAP_USABLE},
	{0x80b000, 0x80c000, MEMMAP_NVS}, {0x80c000, 0x810000, MEMMAP_USABLE},
	{0x810000, 0x900000, MEMMAP_NVS}, {0x900000, 0x1eeba000, MEMMAP_USABLE},
	{0x1eeba000, 0x1ef7b000, MEMMAP_RESERVED}, {0x1ef7b000, 0x1f8ed000, MEMMAP_USABLE},
	{0x1f8ed000, 0x1fb6d000, MEMMAP_RESERVED}, {0x1fb6d000, 0x1fb7f000, MEMMAP_ACPI},
	{0x1fb7f000, 0x1fbff000, MEMMAP_NVS}, {0x1fbff000, 0x1ff58000, MEMMAP_USABLE},
	{0x1ff58000, 0x1ff78000, MEMMAP_RESERVED}, {0x1ff78000, 0x20000000, MEMMAP_NVS},
	{0xb0000000, 0xc0000000, MEMMAP_RESERVED}, {0xffe00000, 0x100000000, MEMMAP_RESERVED},
};

/* -M pc -m 5G: the same layout below 3 GiB, 2 GiB above 4 GiB. */
static const struct boot_mmap_entry ovmf_pc_5g[] = {
	E(0x0, 0xa0000, 1), E(0x100000, 0x700000, 1), E(0x800000, 0x8000, 4),
	E(0x808000, 0x3000, 1), E(0x80b000, 0x1000, 4), E(0x80c000, 0x4000, 1),
	E(0x810000, 0xf0000, 4), E(0x900000, 0xbe5bb000, 1),
	E(0xbeebb000, 0xc1000, 2), E(0xbef7c000, 0x971000, 1),
	E(0xbf8ed000, 0x100000, 2), E(0xbf9ed000, 0x100000, 20),
	E(0xbfaed000, 0x80000, 2), E(0xbfb6d000, 0x12000, 3),
	E(0xbfb7f000, 0x80000, 4), E(0xbfbff000, 0x359000, 1),
	E(0xbff58000, 0x20000, 2), E(0xbff78000, 0x88000, 4),
	E(0xffe00000, 0x200000, 2), E(0x100000000, 0x80000000, 1),
};
static const struct want ovmf_pc_5g_want[] = {
	{0x0, 0x77000, MEMMAP_LOW}, {0x77000, 0x79000, MEMMAP_KERNEL},
	{0x79000, 0xa0000, MEMMAP_LOW}, {0x100000, 0x200000, MEMMAP_USABLE},
	{0x200000, 0x537000, MEMMAP_KERNEL}, {0x537000, 0x800000, MEMMAP_USABLE},
	{0x800000, 0x808000, MEMMAP_NVS}, {0x808000, 0x80b000, MEMMAP_USABLE},
	{0x80b000, 0x80c000, MEMMAP_NVS}, {0x80c000, 0x810000, MEMMAP_USABLE},
	{0x810000, 0x900000, MEMMAP_NVS}, {0x900000, 0xbeebb000, MEMMAP_USABLE},
	{0xbeebb000, 0xbef7c000, MEMMAP_RESERVED}, {0xbef7c000, 0xbf8ed000, MEMMAP_USABLE},
	{0xbf8ed000, 0xbfb6d000, MEMMAP_RESERVED}, {0xbfb6d000, 0xbfb7f000, MEMMAP_ACPI},
	{0xbfb7f000, 0xbfbff000, MEMMAP_NVS}, {0xbfbff000, 0xbff58000, MEMMAP_USABLE},
	{0xbff58000, 0xbff78000, MEMMAP_RESERVED}, {0xbff78000, 0xc0000000, MEMMAP_NVS},
	{0xffe00000, 0x100000000, MEMMAP_RESERVED}, {0x100000000, 0x180000000, MEMMAP_USABLE},
};

/* usable_bytes as the kernel printed them on each of these boots */
static const struct qemu_case qemu_cases[] = {
	CASE("seabios pc 512M", seabios_pc_512m, SEABIOS_INFO, seabios_pc_512m_want, 532316160,
	     0x1ffe0000, TiB),
	CASE("seabios pc 5G", seabios_pc_5g, SEABIOS_INFO, seabios_pc_5g_want, 5364154368,
	     0x180000000, TiB),
	CASE("seabios q35 512M", seabios_q35_512m, SEABIOS_INFO, seabios_q35_512m_want, 532312064,
	     0x1ffdf000, TiB),
	CASE("seabios q35 5G", seabios_q35_5g, SEABIOS_INFO, seabios_q35_5g_want, 5364150272,
	     0x1c0000000, TiB),
	CASE("ovmf q35 512M", ovmf_q35_512m, OVMF_INFO, ovmf_q35_512m_want, 526733312, 0x1ff58000,
	     4 * GiB),
	CASE("ovmf pc 5G", ovmf_pc_5g, OVMF_INFO, ovmf_pc_5g_want, 5358571520, 0x180000000,
	     0x180000000),
};

Test(memmap, qemu_real_maps)
{
	for (size_t i = 0; i < ARRAY_LEN(qemu_cases); i++) {
		const struct qemu_case *c = &qemu_cases[i];
		cr_log_info("%s", c->name);
		cr_assert_eq(memmap_build(FW(c->fw, c->fw_count), c->keep, 2, &map), MEMMAP_OK, "%s",
			     c->name);
		expect_map(&map, c->want, c->want_count);
		cr_assert_eq(map.usable_bytes, c->usable_bytes, "%s: usable %llu", c->name,
			     (unsigned long long)map.usable_bytes);
		cr_assert_eq(map.top_usable, c->top_usable, "%s", c->name);
		cr_assert_eq(map.top_any, c->top_any, "%s", c->name);
		cr_assert_eq(map.fw_overlaps, 0, "%s", c->name);
		cr_assert_eq(map.fw_unknown, c->fw == ovmf_q35_512m || c->fw == ovmf_pc_5g, "%s",
			     c->name); /* OVMF's runtime code, type 20 */
		/* the trampoline page: low RAM, never the multiboot info */
		uint64_t low = memmap_low_page(&map);
		cr_assert_eq(low, 0x1000, "%s", c->name);
	}
}

/*
 * An OVMF-like map with many entries. GRUB reported 20 for OVMF above, but
 * UEFI's own map has many more descriptors, and a loader that passes them on
 * one by one gives a map like this: type 1 for boot-services memory, 20 for
 * runtime code, 2 for runtime data, 3 for ACPI tables, 4 for the firmware's
 * work areas and variables, and a runtime area where small pages alternate.
 */
#define OVMF_RUNTIME_BASE 0x1e000000ull
#define OVMF_RUNTIME_CHUNKS 60 /* each: 3 pages type 1, 1 page type 20 or 2 */
#define OVMF_512M_ENTRIES (15 + 2 * OVMF_RUNTIME_CHUNKS + 1)

static size_t ovmf_512m(struct boot_mmap_entry *e)
{
	static const struct boot_mmap_entry fixed[] = {
		E(0x0, 0xa0000, 1),
		E(0x100000, 0x700000, 1),
		E(0x800000, 0x8000, 4),
		E(0x808000, 0x3000, 1),
		E(0x80b000, 0x1000, 4),
		E(0x80c000, 0x5000, 1),
		E(0x811000, 0xef000, 4),
		E(0x900000, OVMF_RUNTIME_BASE - 0x900000, 1),
		E(0x1f800000, 0x37e000, 1),
		E(0x1fb7e000, 0x80000, 3),
		E(0x1fbfe000, 0x2000, 1),
		E(0x1fc00000, 0x300000, 2),
		E(0x1ff00000, 0x78000, 20),
		E(0x1ff78000, 0x88000, 4),
		E(0xffc00000, 0x400000, 2),
	};
	size_t n = ARRAY_LEN(fixed);
	_Static_assert(ARRAY_LEN(fixed) == 15, "OVMF_512M_ENTRIES counts them");
	memcpy(e, fixed, sizeof(fixed));
	for (uint64_t i = 0, at = OVMF_RUNTIME_BASE; i < OVMF_RUNTIME_CHUNKS; i++) {
		e[n++] = (struct boot_mmap_entry){at, 3 * 4 * KiB, 1};
		at += 3 * 4 * KiB;
		e[n++] = (struct boot_mmap_entry){at, 4 * KiB, i % 3 == 0 ? 2 : 20};
		at += 4 * KiB;
	}
	/* the rest of the runtime area up to the next fixed entry */
	uint64_t end = OVMF_RUNTIME_BASE + OVMF_RUNTIME_CHUNKS * 4 * 4 * KiB;
	e[n++] = (struct boot_mmap_entry){end, 0x1f800000 - end, 1};
	return n;
}

static enum memmap_type type_at(const struct memmap *m, uint64_t addr)
{
	for (size_t i = 0; i < m->count; i++) {
		if (m->ranges[i].start <= addr && addr < m->ranges[i].end)
			return m->ranges[i].type;
	}
	return 0; /* a gap */
}

Test(memmap, ovmf_like_many_entries)
{
	static struct boot_mmap_entry e[OVMF_512M_ENTRIES];
	size_t n = ovmf_512m(e);
	cr_assert_gt(n, 128);
	/* UEFI: the multiboot info below 1 MiB, the image at 2 MiB */
	const struct boot_range keep[] = {{0x5000, 0x5a10}, {0x200000, 0x23c000}};
	cr_assert_eq(memmap_build(FW(e, n), keep, 2, &map), MEMMAP_OK);
	check_invariants(&map);

	/* fixed regions and boundaries */
	cr_assert_eq(type_at(&map, 0x0), MEMMAP_LOW);
	cr_assert_eq(type_at(&map, 0x5000), MEMMAP_KERNEL);
	cr_assert_eq(type_at(&map, 0xa0000), 0);
	cr_assert_eq(type_at(&map, 0x100000), MEMMAP_USABLE);
	cr_assert_eq(type_at(&map, 0x200000), MEMMAP_KERNEL);
	cr_assert_eq(type_at(&map, 0x23c000), MEMMAP_USABLE);
	cr_assert_eq(type_at(&map, 0x80a000), MEMMAP_USABLE);
	cr_assert_eq(type_at(&map, 0x80b000), MEMMAP_NVS);
	cr_assert_eq(type_at(&map, 0x8fffff), MEMMAP_NVS);
	cr_assert_eq(type_at(&map, 0x1fb7e000), MEMMAP_ACPI);
	cr_assert_eq(type_at(&map, 0x1ff00000), MEMMAP_RESERVED);
	cr_assert_eq(type_at(&map, 0x1ff80000), MEMMAP_NVS);
	cr_assert_eq(type_at(&map, 0xffc00000), MEMMAP_RESERVED);
	/* every runtime page reserved, the pages between usable */
	for (uint64_t i = 0; i < OVMF_RUNTIME_CHUNKS; i++) {
		uint64_t chunk = OVMF_RUNTIME_BASE + i * 16 * KiB;
		cr_assert_eq(type_at(&map, chunk), MEMMAP_USABLE);
		cr_assert_eq(type_at(&map, chunk + 12 * KiB), MEMMAP_RESERVED);
	}

	/* usable: [1M, 8M) - image, 3 + 5 pages, [9M, runtime base), 3 pages per
	 * chunk, the rest up to 0x1fb7e000 and 2 pages at 0x1fbfe000 */
	uint64_t runtime_end = OVMF_RUNTIME_BASE + OVMF_RUNTIME_CHUNKS * 16 * KiB;
	uint64_t want = (7 * MiB - 0x3c000) + 8 * 4 * KiB + (OVMF_RUNTIME_BASE - 9 * MiB) +
			OVMF_RUNTIME_CHUNKS * 12 * KiB + (0x1fb7e000 - runtime_end) + 0x2000;
	cr_assert_eq(map.usable_bytes, want, "usable %#llx want %#llx",
		     (unsigned long long)map.usable_bytes, (unsigned long long)want);
	cr_assert_eq(map.top_usable, 0x1fc00000);
	cr_assert_eq(map.top_any, 4 * GiB);
	/* the trampoline page is low RAM and not the multiboot info */
	cr_assert_eq(memmap_low_page(&map), 0x1000);
}

static bool same_range(const struct memmap_range *a, const struct memmap_range *b)
{
	return a->start == b->start && a->end == b->end && a->type == b->type;
}

/* The result depends on the set of entries, not on their order. */
Test(memmap, order_independent)
{
	static struct boot_mmap_entry e[OVMF_512M_ENTRIES];
	static struct memmap sorted;
	size_t n = ovmf_512m(e);
	const struct boot_range keep[] = {{0x5000, 0x5a10}, {0x200000, 0x23c000}};
	cr_assert_eq(memmap_build(FW(e, n), keep, 2, &sorted), MEMMAP_OK);
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	for (int round = 0; round < 20; round++) {
		for (size_t i = n - 1; i > 0; i--) { /* Fisher-Yates */
			size_t j = xorshift64(&rng) % (i + 1);
			struct boot_mmap_entry t = e[i];
			e[i] = e[j], e[j] = t;
		}
		cr_assert_eq(memmap_build(FW(e, n), keep, 2, &map), MEMMAP_OK);
		cr_assert_eq(map.count, sorted.count);
		/* Field by field: the struct's padding bytes are whatever the stack held. */
		for (size_t i = 0; i < map.count; i++)
			cr_assert(same_range(&map.ranges[i], &sorted.ranges[i]),
				  "round %d differs at range %zu", round, i);
		cr_assert_eq(map.usable_bytes, sorted.usable_bytes);
	}
}

/* ---- randomised comparison with a byte-granular model ------------------ */

/*
 * The model paints a small window across the 1 MiB line granule by granule,
 * straight from the rules in memmap.h: highest rank wins, kernel ranges
 * (widened to pages) then the first MiB take usable granules, and a free
 * granule survives only if its whole page is free of the same kind.
 */
#define MODEL_BASE 0xc0000ull
#define MODEL_GRAIN 0x100ull
#define MODEL_GRAINS 2048 /* 512 KiB: [0xc0000, 0x140000) */
#define MODEL_PER_PAGE (MEMMAP_PAGE / MODEL_GRAIN)

static int rank_of(enum memmap_type t)
{
	switch (t) {
	case MEMMAP_USABLE: return 0;
	case MEMMAP_ACPI: return 1;
	case MEMMAP_NVS: return 2;
	default: return 3;
	}
}

static const enum memmap_type by_rank[] = {MEMMAP_USABLE, MEMMAP_ACPI, MEMMAP_NVS, MEMMAP_RESERVED};

static enum memmap_type classify_fw(uint32_t t)
{
	return t == 1 ? MEMMAP_USABLE : t == 3 ? MEMMAP_ACPI : t == 4 ? MEMMAP_NVS : MEMMAP_RESERVED;
}

static void model(const struct boot_mmap_entry *e, size_t n, const struct boot_range *keep,
		  size_t keep_count, enum memmap_type *out /* 0: gap */)
{
	int rank[MODEL_GRAINS];
	for (size_t g = 0; g < MODEL_GRAINS; g++)
		rank[g] = -1;
	for (size_t i = 0; i < n; i++) {
		int r = rank_of(classify_fw(e[i].type));
		for (uint64_t a = e[i].base; a < e[i].base + e[i].length; a += MODEL_GRAIN) {
			size_t g = (a - MODEL_BASE) / MODEL_GRAIN;
			if (r > rank[g])
				rank[g] = r;
		}
	}
	for (size_t g = 0; g < MODEL_GRAINS; g++) {
		uint64_t a = MODEL_BASE + g * MODEL_GRAIN;
		out[g] = rank[g] < 0 ? 0 : by_rank[rank[g]];
		if (out[g] != MEMMAP_USABLE)
			continue;
		for (size_t k = 0; k < keep_count; k++) {
			uint64_t lo = keep[k].start & ~(MEMMAP_PAGE - 1);
			uint64_t hi = (keep[k].end + MEMMAP_PAGE - 1) & ~(MEMMAP_PAGE - 1);
			if (keep[k].start != keep[k].end && lo <= a && a < hi)
				out[g] = MEMMAP_KERNEL;
		}
		if (out[g] == MEMMAP_USABLE && a < MEMMAP_LOW_END)
			out[g] = MEMMAP_LOW;
	}
	for (size_t p = 0; p < MODEL_GRAINS; p += MODEL_PER_PAGE) {
		bool any_free = false, uniform = true;
		for (size_t g = p; g < p + MODEL_PER_PAGE; g++) {
			any_free |= out[g] == MEMMAP_USABLE || out[g] == MEMMAP_LOW;
			uniform &= out[g] == out[p];
		}
		for (size_t g = p; any_free && !uniform && g < p + MODEL_PER_PAGE; g++) {
			if (out[g] == MEMMAP_USABLE || out[g] == MEMMAP_LOW)
				out[g] = 0;
		}
	}
}

Test(memmap, random_maps_match_model)
{
	static const uint32_t types[] = {1, 1, 1, 1, 1, 2, 3, 4, 5, 7, 20};
	uint64_t rng = 0x853c49e6748fea9bull;
	struct boot_mmap_entry e[24];
	struct boot_range keep[3];
	enum memmap_type want[MODEL_GRAINS];
	size_t outcomes[MEMMAP_ERR_COUNT] = {0};

	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + xorshift64(&rng) % ARRAY_LEN(e);
		for (size_t i = 0; i < n; i++) {
			uint64_t g = xorshift64(&rng) % MODEL_GRAINS;
			uint64_t len = xorshift64(&rng) % (MODEL_GRAINS / 4);
			if (g + len > MODEL_GRAINS)
				len = MODEL_GRAINS - g;
			if (xorshift64(&rng) % 3 == 0) /* page-aligned ones, like most firmware */
				g &= ~(MODEL_PER_PAGE - 1), len &= ~(MODEL_PER_PAGE - 1);
			e[i] = (struct boot_mmap_entry){MODEL_BASE + g * MODEL_GRAIN, len * MODEL_GRAIN,
							types[xorshift64(&rng) % ARRAY_LEN(types)]};
		}
		size_t keep_count = xorshift64(&rng) % (ARRAY_LEN(keep) + 1);
		for (size_t k = 0; k < keep_count; k++) {
			uint64_t at = MODEL_BASE + xorshift64(&rng) % (MODEL_GRAINS * MODEL_GRAIN);
			uint64_t len = xorshift64(&rng) % (64 * KiB);
			if (at + len > MODEL_BASE + MODEL_GRAINS * MODEL_GRAIN)
				len = 0;
			keep[k] = (struct boot_range){at, at + len};
		}

		enum memmap_error err = memmap_build(FW(e, n), keep, keep_count, &map);
		cr_assert(err == MEMMAP_OK || err == MEMMAP_ERR_EMPTY, "round %d: %s", round,
			  memmap_strerror(err));
		outcomes[err]++;
		check_invariants(&map);
		model(e, n, keep, keep_count, want);

		/* walk the map and the grains together */
		size_t r = 0;
		for (size_t g = 0; g < MODEL_GRAINS; g++) {
			uint64_t a = MODEL_BASE + g * MODEL_GRAIN;
			while (r < map.count && map.ranges[r].end <= a)
				r++;
			enum memmap_type got = r < map.count && map.ranges[r].start <= a ? map.ranges[r].type : 0;
			if (got != want[g])
				print_map(&map);
			cr_assert_eq(got, want[g], "round %d at %#llx: got %s want %s", round,
				     (unsigned long long)a, got ? memmap_type_name(got) : "gap",
				     want[g] ? memmap_type_name(want[g]) : "gap");
		}
		cr_assert(map.count == 0 || (map.ranges[0].start >= MODEL_BASE &&
					     map.top_any <= MODEL_BASE + MODEL_GRAINS * MODEL_GRAIN));
	}
	/* both outcomes seen: the generator is not degenerate */
	cr_assert_gt(outcomes[MEMMAP_OK], 100);
	cr_assert_gt(outcomes[MEMMAP_ERR_EMPTY], 0);
}

/* ---- randomised maps over the whole address space ----------------------- */

static uint64_t random_address(uint64_t *rng)
{
	uint64_t r = xorshift64(rng);
	switch (r % 4) {
	case 0: return r >> 40;                           /* low memory */
	case 1: return 4 * GiB - (r >> 36);               /* below the 4 GiB line */
	case 2: return UINT64_MAX - (r >> 30);            /* the top of the address space */
	default: return r & ~(MEMMAP_PAGE - 1);           /* anywhere, page aligned */
	}
}

static bool intersects(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1)
{
	return a0 < b1 && b0 < a1;
}

static bool covered_by_usable(const struct boot_mmap_entry *e, size_t n, uint64_t addr)
{
	for (size_t i = 0; i < n; i++) {
		if (e[i].type == 1 && e[i].base <= addr && addr - e[i].base < e[i].length)
			return true;
	}
	return false;
}

/*
 * Whatever the input: the right error, or a map in which no byte the firmware
 * keeps is free or ours, no usable byte lies in a kernel range or the first
 * MiB, and every usable byte came from a usable entry.
 */
Test(memmap, random_wide_maps_keep_their_promises)
{
	uint64_t rng = 0xda942042e4dd58b5ull;
	struct boot_mmap_entry e[32];
	struct boot_range keep[4];
	size_t outcomes[MEMMAP_ERR_COUNT] = {0};

	for (int round = 0; round < 3000; round++) {
		size_t n = xorshift64(&rng) % ARRAY_LEN(e);
		bool overflow = false, bad_keep = false;
		for (size_t i = 0; i < n; i++) {
			uint64_t base = random_address(&rng);
			uint64_t len = xorshift64(&rng) >> (xorshift64(&rng) % 64);
			if (len > UINT64_MAX - base && xorshift64(&rng) % 16 != 0)
				len = UINT64_MAX - base; /* mostly valid, sometimes wrapping */
			e[i] = (struct boot_mmap_entry){base, len, (uint32_t)(xorshift64(&rng) % 8)};
			overflow |= len > UINT64_MAX - base;
		}
		size_t keep_count = xorshift64(&rng) % (ARRAY_LEN(keep) + 1);
		for (size_t k = 0; k < keep_count; k++) {
			uint64_t a = random_address(&rng), b = a + (xorshift64(&rng) >> 40);
			keep[k] = xorshift64(&rng) % 50 ? (struct boot_range){a, b < a ? UINT64_MAX : b}
						       : (struct boot_range){a + 1, a};
			bad_keep |= keep[k].end < keep[k].start;
			overflow |= !bad_keep && keep[k].end > UINT64_MAX - MEMMAP_PAGE + 1;
		}

		enum memmap_error err = memmap_build(FW(e, n), keep, keep_count, &map);
		outcomes[err]++;
		if (overflow || bad_keep) {
			cr_assert(err == MEMMAP_ERR_OVERFLOW || err == MEMMAP_ERR_KEEP, "round %d: %s",
				  round, memmap_strerror(err));
			continue;
		}
		cr_assert(err == MEMMAP_OK || err == MEMMAP_ERR_EMPTY || err == MEMMAP_ERR_TOO_MANY,
			  "round %d: %s", round, memmap_strerror(err));
		if (err == MEMMAP_ERR_TOO_MANY)
			continue;
		check_invariants(&map);
		for (size_t r = 0; r < map.count; r++) {
			const struct memmap_range *m = &map.ranges[r];
			bool taken = m->type == MEMMAP_USABLE || m->type == MEMMAP_LOW ||
				     m->type == MEMMAP_KERNEL;
			for (size_t i = 0; taken && i < n; i++) {
				cr_assert(e[i].type == 1 || e[i].length == 0 ||
						  !intersects(m->start, m->end, e[i].base, e[i].base + e[i].length),
					  "round %d: %s range %zu over firmware type %u", round,
					  memmap_type_name(m->type), r, e[i].type);
			}
			if (m->type != MEMMAP_USABLE)
				continue;
			for (size_t k = 0; k < keep_count; k++)
				cr_assert(!intersects(m->start, m->end, keep[k].start, keep[k].end),
					  "round %d: usable range %zu over kernel range %zu", round, r, k);
			cr_assert(covered_by_usable(e, n, m->start) && covered_by_usable(e, n, m->end - 1),
				  "round %d: usable range %zu not from firmware RAM", round, r);
		}
	}
	cr_assert_gt(outcomes[MEMMAP_OK], 300);
	cr_assert_gt(outcomes[MEMMAP_ERR_OVERFLOW], 0);
	cr_assert_gt(outcomes[MEMMAP_ERR_KEEP], 0);
}

/* ---- the log text (memmap_print.c, with kprintf caught here) ----------- */

static char log_text[16384];
static size_t log_len;

int kprintf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(log_text + log_len, sizeof(log_text) - log_len, fmt, ap);
	va_end(ap);
	cr_assert(n >= 0 && (size_t)n < sizeof(log_text) - log_len, "log buffer full");
	log_len += (size_t)n;
	return n;
}

static void expect_log_line(const char *line)
{
	cr_assert_not_null(strstr(log_text, line), "missing line:\n%s\nin:\n%s", line, log_text);
}

Test(memmap, printed_for_people)
{
	const struct boot_range keep[] = {IMAGE, OVMF_INFO};
	cr_assert_eq(memmap_build(FW(ovmf_q35_512m, ARRAY_LEN(ovmf_q35_512m)), keep, 2, &map), MEMMAP_OK);
	memmap_print_firmware(FW(ovmf_q35_512m, ARRAY_LEN(ovmf_q35_512m)));
	memmap_print(&map);
	expect_log_line("memmap: firmware reports 20 entries\n");
	expect_log_line("memmap:   fw 0x000000001f9ed000 +0x0000000000100000 type 20 (other)\n");
	expect_log_line("memmap:   fw 0x000000001fb6d000 +0x0000000000012000 type 3 (acpi)\n");
	expect_log_line("memmap: 22 ranges\n");
	expect_log_line("memmap:   [0x0000000000077000, 0x0000000000079000) kernel   8 KiB\n");
	expect_log_line("memmap:   [0x0000000000900000, 0x000000001eeba000) usable   497384 KiB\n");
	expect_log_line("memmap: usable 502 MiB (526733312 bytes), top usable 0x1ff58000, "
			"top of map 0x100000000\n");
	expect_log_line("memmap: firmware entries of unknown type: 1, kept reserved\n");
	cr_assert_null(strstr(log_text, "overlapping"));
	/* lines for people only: none starts with an upper-case tag (serial-log.md) */
	for (const char *l = log_text; *l; l = strchr(l, '\n') + 1)
		cr_assert(strncmp(l, "memmap: ", 8) == 0, "unexpected line: %.40s", l);
}

/* A map of thousands of entries lists the first ones and says how many it left out. */
Test(memmap, long_firmware_map_listed_in_part)
{
	static struct boot_mmap_entry e[MEMMAP_PRINT_FIRMWARE_MAX + 300];
	for (size_t i = 0; i < ARRAY_LEN(e); i++)
		e[i] = (struct boot_mmap_entry){ MiB + i * 4 * KiB, 4 * KiB, 1 };
	memmap_print_firmware(FW(e, ARRAY_LEN(e)));
	expect_log_line("memmap: firmware reports 428 entries\n");
	expect_log_line("memmap:   fw 0x000000000017f000 +0x0000000000001000 type 1 (available)\n");
	cr_assert_null(strstr(log_text, "fw 0x0000000000180000"), "entry 128 listed");
	expect_log_line("memmap:   ... 300 more firmware entries not listed\n");
}
