/*
 * Host unit tests of the memory-type code: the MTRR lookup for a page
 * (kernel/arch/mtrr_type.c, Intel SDM Vol. 3A 11.11) and the direct map's
 * plan (kernel/arch/direct_map.c): on the maps QEMU's firmware gives, with
 * the MTRRs SeaBIOS and OVMF program, on a map reaching beyond 1 TiB, and
 * on random maps and MTRR sets, every page of the plan lies in one RAM run
 * and one MTRR type, every whole RAM page is mapped, no reserved byte is.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "arch/direct_map.h"
#include "arch/mtrr.h"
#include "mm/memmap.h"
#include "rand.h"

#define MiB 0x100000ull
#define GiB 0x40000000ull
#define TiB 0x10000000000ull
#define ADDR_MASK 0x000ffffffffff000ull /* MAXPHYADDR 52 */
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define E(base, len, type) {(base), (len), (type)}

static struct mtrr_state m;
static struct memmap map;

/* A variable range of a power-of-two size, naturally aligned. */
static void var(unsigned i, uint64_t base, uint64_t size, uint8_t type)
{
	m.var[i] = (struct mtrr_var){ base, ~(size - 1) & ADDR_MASK, type, true };
	if (m.var_count <= i)
		m.var_count = i + 1;
	if (m.var_total < m.var_count)
		m.var_total = m.var_count;
}

/* What SeaBIOS programs on q35: default WB, 3..4 GiB UC, fixed: RAM WB, VGA UC, ROMs WP. */
static void seabios_mtrrs(void)
{
	memset(&m, 0, sizeof(m));
	m.present = m.enabled = m.fixed_enabled = m.wc_supported = true;
	m.default_type = MEMTYPE_WB;
	m.var_total = 8;
	var(0, 0xc0000000, GiB, MEMTYPE_UC);
	m.var_count = 8;
	for (unsigned i = 0; i < MTRR_FIXED_RANGES; i++)
		m.fixed[i] = i < 16 ? MEMTYPE_WB : i < 24 ? MEMTYPE_UC : MEMTYPE_WP;
}

static uint8_t type_of(uint64_t base, uint64_t size)
{
	uint8_t t = 0xff;
	cr_assert(mtrr_page_type(&m, base, size, &t), "page 0x%llx+0x%llx not uniform", (unsigned long long)base,
		  (unsigned long long)size);
	return t;
}

static void assert_split(uint64_t base, uint64_t size)
{
	uint8_t t;
	cr_assert_not(mtrr_page_type(&m, base, size, &t), "page 0x%llx+0x%llx taken as one type",
		      (unsigned long long)base, (unsigned long long)size);
}

Test(mtrr, absent_is_wb_disabled_is_uc)
{
	memset(&m, 0, sizeof(m));
	cr_assert_eq(type_of(0, GiB), MEMTYPE_WB);
	m.present = true;
	cr_assert_eq(type_of(0, GiB), MEMTYPE_UC);
	cr_assert_eq(type_of(5 * TiB, GiB), MEMTYPE_UC);
}

Test(mtrr, seabios_ranges)
{
	seabios_mtrrs();
	cr_assert_eq(type_of(0x80000000, GiB), MEMTYPE_WB);
	cr_assert_eq(type_of(0xbfe00000, 2 * MiB), MEMTYPE_WB);
	cr_assert_eq(type_of(0xc0000000, GiB), MEMTYPE_UC);
	cr_assert_eq(type_of(0xfee00000, 0x1000), MEMTYPE_UC);
	cr_assert_eq(type_of(0x100000000, GiB), MEMTYPE_WB);
	/* fixed ranges: 4 KiB pages only */
	cr_assert_eq(type_of(0x9f000, 0x1000), MEMTYPE_WB);
	cr_assert_eq(type_of(0xa0000, 0x1000), MEMTYPE_UC);
	cr_assert_eq(type_of(0xbf000, 0x1000), MEMTYPE_UC);
	cr_assert_eq(type_of(0xc0000, 0x1000), MEMTYPE_WP);
	cr_assert_eq(type_of(0xff000, 0x1000), MEMTYPE_WP);
	assert_split(0, 2 * MiB);
	assert_split(0, GiB);
	/* fixed ranges off: the variable ones and the default apply below 1 MiB too */
	m.fixed_enabled = false;
	cr_assert_eq(type_of(0xa0000, 0x1000), MEMTYPE_WB);
	cr_assert_eq(type_of(0, 2 * MiB), MEMTYPE_WB);
}

/* A range smaller than a page splits it; pages beside it are whole. */
Test(mtrr, small_range_splits_large_pages)
{
	seabios_mtrrs();
	var(1, 0x7ff00000, MiB, MEMTYPE_UC);
	assert_split(0x7fe00000, 2 * MiB);
	assert_split(0x40000000, GiB);
	cr_assert_eq(type_of(0x7ff00000, 0x1000), MEMTYPE_UC);
	cr_assert_eq(type_of(0x7fe00000, 0x1000), MEMTYPE_WB);
	cr_assert_eq(type_of(0x7fc00000, 2 * MiB), MEMTYPE_WB);
	/* invalid entries are ignored */
	m.var[1].valid = false;
	cr_assert_eq(type_of(0x40000000, GiB), MEMTYPE_WB);
}

/* 11.11.4.1: UC wins, WT beats WB, other mixes are undefined (taken as UC). */
Test(mtrr, overlaps)
{
	memset(&m, 0, sizeof(m));
	m.present = m.enabled = true;
	m.default_type = MEMTYPE_UC;
	var(0, 0, 4 * GiB, MEMTYPE_WB);
	var(1, GiB, GiB, MEMTYPE_WT);
	var(2, 2 * GiB, GiB, MEMTYPE_UC);
	var(3, 3 * GiB, GiB, MEMTYPE_WC);
	cr_assert_eq(type_of(0, GiB), MEMTYPE_WB);
	cr_assert_eq(type_of(GiB, GiB), MEMTYPE_WT);
	cr_assert_eq(type_of(2 * GiB, GiB), MEMTYPE_UC);
	cr_assert_eq(type_of(3 * GiB, GiB), MEMTYPE_UC);
	cr_assert_eq(type_of(4 * GiB, GiB), MEMTYPE_UC); /* default */
}

/* A mask with a hole matches every other block: a page over such blocks is split. */
Test(mtrr, non_contiguous_mask)
{
	memset(&m, 0, sizeof(m));
	m.present = m.enabled = true;
	m.default_type = MEMTYPE_WB;
	m.var[0] = (struct mtrr_var){ 0, ADDR_MASK & ~(GiB - 1) & ~(4 * GiB), MEMTYPE_UC, true };
	m.var_count = 1;
	cr_assert_eq(type_of(0, GiB), MEMTYPE_UC);
	cr_assert_eq(type_of(4 * GiB, GiB), MEMTYPE_UC); /* bit 32 ignored: matches too */
	cr_assert_eq(type_of(GiB, GiB), MEMTYPE_WB);
	m.var[0].mask = ADDR_MASK & ~(2 * MiB); /* bit 21 ignored: 4 KiB blocks at 0 and 2 MiB */
	assert_split(0, GiB);
	assert_split(0, 2 * MiB);
	cr_assert_eq(type_of(0, 0x1000), MEMTYPE_UC);
	cr_assert_eq(type_of(2 * MiB, 0x1000), MEMTYPE_UC);
	cr_assert_eq(type_of(0x1000, 0x1000), MEMTYPE_WB);
}

Test(mtrr, summary)
{
	char buf[64];
	seabios_mtrrs();
	mtrr_summary(&m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "default=wb fixed=on var=1/8");
	m.enabled = false;
	mtrr_summary(&m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "disabled");
	m.present = false;
	mtrr_summary(&m, buf, sizeof(buf));
	cr_assert_str_eq(buf, "absent");
}

/* ---- the direct map's plan ---- */

struct page {
	uint64_t phys, size;
	uint8_t type;
};
static struct page pages[1 << 16];
static size_t page_count;

static void collect(void *ctx, uint64_t phys, uint64_t size, uint8_t type)
{
	(void)ctx;
	cr_assert_lt(page_count, ARRAY_LEN(pages));
	pages[page_count++] = (struct page){ phys, size, type };
}

static void build(const struct boot_mmap_entry *e, size_t n)
{
	cr_assert_eq(memmap_build(&(struct boot_mmap){ e, sizeof(*e), n }, NULL, 0, &map), MEMMAP_OK);
}

static void plan(bool have_1g)
{
	page_count = 0;
	direct_map_plan(&map, &m, have_1g, collect, NULL);
}

/* The RAM run of whole pages holding phys, as [*s, *e); false if phys is in none. */
static bool ram_run_of(uint64_t phys, uint64_t *s, uint64_t *e)
{
	for (size_t i = 0; i < map.count; i++) {
		const struct memmap_range *r = &map.ranges[i];
		if (!direct_map_is_ram(r->type) || phys < r->start || phys >= r->end)
			continue;
		size_t a = i, b = i;
		while (a > 0 && map.ranges[a - 1].end == map.ranges[a].start && direct_map_is_ram(map.ranges[a - 1].type))
			a--;
		while (b + 1 < map.count && map.ranges[b].end == map.ranges[b + 1].start &&
		       direct_map_is_ram(map.ranges[b + 1].type))
			b++;
		*s = (map.ranges[a].start + 0xfff) & ~0xfffull;
		*e = map.ranges[b].end & ~0xfffull;
		return true;
	}
	return false;
}

/*
 * Every page: aligned, inside one RAM run's whole pages, one MTRR type (the
 * one reported), page 0 never; pages in order and, together, every whole
 * page of every run (checked as intervals, so terabytes cost nothing).
 */
static void check_plan(bool have_1g)
{
	uint64_t covered_to = 0, run_s = UINT64_MAX, run_e = 0;
	for (size_t i = 0; i < page_count; i++) {
		const struct page *p = &pages[i];
		cr_assert(p->size == DIRECT_MAP_4K || p->size == DIRECT_MAP_2M || (have_1g && p->size == DIRECT_MAP_1G),
			  "page %zu size 0x%llx", i, (unsigned long long)p->size);
		cr_assert_eq(p->phys % p->size, 0, "page 0x%llx unaligned", (unsigned long long)p->phys);
		cr_assert_neq(p->phys, 0, "page 0 mapped");
		uint64_t s, e;
		cr_assert(ram_run_of(p->phys, &s, &e), "page 0x%llx not in RAM", (unsigned long long)p->phys);
		cr_assert(p->phys >= s && p->phys + p->size <= e, "page 0x%llx+0x%llx leaves its RAM run [0x%llx, 0x%llx)",
			  (unsigned long long)p->phys, (unsigned long long)p->size, (unsigned long long)s,
			  (unsigned long long)e);
		uint8_t t;
		cr_assert(mtrr_page_type(&m, p->phys, p->size, &t) && t == p->type, "page 0x%llx+0x%llx over MTRR types",
			  (unsigned long long)p->phys, (unsigned long long)p->size);
		cr_assert_geq(p->phys, covered_to, "pages out of order at 0x%llx", (unsigned long long)p->phys);
		if (p->phys != covered_to && s == run_s)
			cr_assert_fail("hole in the plan at 0x%llx", (unsigned long long)covered_to);
		if (s != run_s)
			cr_assert_eq(p->phys, s == 0 ? 0x1000 : s, "run at 0x%llx starts late at 0x%llx",
				     (unsigned long long)s, (unsigned long long)p->phys);
		run_s = s;
		run_e = e;
		covered_to = p->phys + p->size;
		if (i + 1 == page_count || pages[i + 1].phys >= run_e)
			cr_assert_eq(covered_to, run_e, "run ending 0x%llx mapped only to 0x%llx",
				     (unsigned long long)run_e, (unsigned long long)covered_to);
	}
	/* every run with a whole page (page 0 aside) has its first page in the plan */
	for (size_t i = 0; i < map.count; i++) {
		uint64_t s = 0, e = 0;
		if (!direct_map_is_ram(map.ranges[i].type) || !ram_run_of(map.ranges[i].start, &s, &e))
			continue;
		s = s < 0x1000 ? 0x1000 : s;
		bool found = s >= e;
		for (size_t k = 0; k < page_count && !found; k++)
			found = pages[k].phys <= s && s < pages[k].phys + pages[k].size;
		cr_assert(found, "RAM run at 0x%llx not mapped", (unsigned long long)s);
	}
}

static size_t count(uint64_t size)
{
	size_t n = 0;
	for (size_t i = 0; i < page_count; i++)
		n += pages[i].size == size;
	return n;
}

/* q35, 5 GiB, OVMF-like low memory with an unaligned ACPI range and NVS, SeaBIOS's MTRRs. */
static const struct boot_mmap_entry q35_5g[] = {
	E(0x0, 0x9fc00, 1), E(0x9fc00, 0x400, 2), E(0xf0000, 0x10000, 2),
	E(0x100000, 0x7fedf000, 1), E(0x7ffdf000, 0x21000, 2),
	E(0xb0000000, 0x10000000, 2), E(0xfed1c000, 0x4000, 2), E(0xfffc0000, 0x40000, 2),
	E(0x100000000, 0xc0000000, 1), E(0x1bfff0800, 0x7800, 3), E(0xfd00000000, 0x300000000, 2),
};

Test(direct_map, q35_5g_seabios_mtrrs)
{
	seabios_mtrrs();
	build(q35_5g, ARRAY_LEN(q35_5g));
	plan(true);
	check_plan(true);
	cr_assert_eq(count(DIRECT_MAP_1G), 2, "4..6 GiB in 1 GiB pages"); /* 6..7 GiB ends in ACPI */
	cr_assert_eq(pages[0].phys, 0x1000);
	cr_assert_eq(pages[0].size, DIRECT_MAP_4K, "fixed MTRRs and page 0: 4 KiB pages");
	plan(false);
	check_plan(false);
	cr_assert_eq(count(DIRECT_MAP_1G), 0);
}

/* An MTRR boundary inside RAM: pages split there and nowhere else. */
Test(direct_map, mtrr_boundary_inside_ram)
{
	seabios_mtrrs();
	var(1, 0x140000000, 256 * MiB, MEMTYPE_UC); /* 5 GiB + 256 MiB of RAM uncached */
	build(q35_5g, ARRAY_LEN(q35_5g));
	plan(true);
	check_plan(true);
	cr_assert_eq(count(DIRECT_MAP_1G), 1, "only 4..5 GiB stays one page");
	size_t uc = 0;
	for (size_t i = 0; i < page_count; i++)
		uc += pages[i].type == MEMTYPE_UC ? pages[i].size : 0;
	cr_assert_eq(uc, 256 * MiB);
}

/* RAM at 1 TiB (QEMU's AMD layout) and at 2 TiB: 1 GiB pages, few tables. */
Test(direct_map, beyond_1tib)
{
	static const struct boot_mmap_entry e[] = {
		E(0x0, 0x9fc00, 1), E(0x100000, 0x3ff00000, 1), E(0xfd00000000, 0x300000000, 2),
		E(TiB, 64 * GiB, 1), E(2 * TiB, 3 * GiB + 5 * MiB, 1),
	};
	seabios_mtrrs();
	build(e, ARRAY_LEN(e));
	plan(true);
	check_plan(true);
	cr_assert_eq(count(DIRECT_MAP_1G), 64 + 3);
	cr_assert_eq(count(DIRECT_MAP_2M), 511 + 2);
	cr_assert_eq(pages[page_count - 1].phys + pages[page_count - 1].size, 2 * TiB + 3 * GiB + 5 * MiB);
	cr_assert_eq(count(DIRECT_MAP_4K), 158 + 256 + 256, "low RAM (page 0 aside), 1..2 MiB, the last MiB");
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
	return xorshift64(&rng);
}

/* Random maps (types 1-4 and reserved, 4 KiB..1 GiB pieces over 16 GiB) and random MTRR sets. */
Test(direct_map, random_maps_and_mtrrs)
{
	static const uint64_t grains[] = { 0x1000, 0x3000, 0x200000, 0x600000, GiB, 0x7000 };
	for (int round = 0; round < 300; round++) {
		struct boot_mmap_entry e[64];
		size_t n = 0;
		for (uint64_t at = next() % 4 * 0x1000; n < ARRAY_LEN(e) && at < 16 * GiB; n++) {
			uint64_t len = grains[next() % ARRAY_LEN(grains)] * (1 + next() % 3);
			e[n] = (struct boot_mmap_entry){ at, len, (uint32_t)(1 + next() % 5) };
			at += len + (next() % 4 == 0 ? grains[next() % ARRAY_LEN(grains)] : 0);
		}
		e[0].type = 1;
		memset(&m, 0, sizeof(m));
		m.present = next() % 8 != 0;
		m.enabled = next() % 8 != 0;
		m.fixed_enabled = next() % 2;
		m.default_type = next() % 2 ? MEMTYPE_WB : MEMTYPE_UC;
		for (unsigned i = 0; i < MTRR_FIXED_RANGES; i++)
			m.fixed[i] = next() % 3 ? MEMTYPE_WB : MEMTYPE_UC;
		for (unsigned i = 0, vars = (unsigned)(next() % 6); i < vars; i++) {
			uint64_t size = 0x1000ull << (next() % 24);
			var(i, (next() % (16 * GiB)) & ~(size - 1), size, next() % 2 ? MEMTYPE_WB : MEMTYPE_UC);
		}
		if (memmap_build(&(struct boot_mmap){ e, sizeof(*e), n }, NULL, 0, &map) != MEMMAP_OK)
			continue;
		bool have_1g = next() % 2;
		plan(have_1g);
		check_plan(have_1g);
	}
}
