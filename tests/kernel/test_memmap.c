/*
 * Host unit tests of kernel/mm/memmap.c on crafted firmware maps: overlaps,
 * unsorted, unaligned and huge addresses, the first MiB and the kernel's own
 * ranges. The maps QEMU's firmware really gives and the log text:
 * test_memmap_qemu.c; randomised maps against a model: test_memmap_random.c.
 */
#include <criterion/criterion.h>

#include "memmap_check.h"

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
