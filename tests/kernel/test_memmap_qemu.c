/*
 * Host unit tests of kernel/mm/memmap.c on the maps QEMU's firmware really
 * gives (SeaBIOS and OVMF, pc and q35), one as long as OVMF's with its
 * runtime pieces, in any order; and the text memmap_print.c writes for
 * people (kprintf is caught here).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "kprintf_capture.h"
#include "memmap_check.h"
#include "rand.h"

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

/* ---- the log text (memmap_print.c, with kprintf caught: kprintf_capture.h) */

static void expect_log_line(const char *line)
{
	cr_assert_not_null(strstr(kprintf_text, line), "missing line:\n%s\nin:\n%s", line, kprintf_text);
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
	cr_assert_null(strstr(kprintf_text, "overlapping"));
	/* lines for people only: none starts with an upper-case tag (serial-log.md) */
	for (const char *l = kprintf_text; *l; l = strchr(l, '\n') + 1)
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
	cr_assert_null(strstr(kprintf_text, "fw 0x0000000000180000"), "entry 128 listed");
	expect_log_line("memmap:   ... 300 more firmware entries not listed\n");
}
