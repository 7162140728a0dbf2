/*
 * Kernel page tables (see paging.h). Intel SDM Vol. 3A, 4.5 (4-level
 * paging), tables 4-15..4-20 (entry formats), 4.10.4.3 (no invalidation is
 * needed when an entry goes from not present to present), 11.12 (PAT: the
 * PAT, PCD and PWT bits of a leaf select the memory type, pat.h).
 */
#include "arch/paging.h"

#include <stdbool.h>

#include "arch/cpu.h"
#include "arch/direct_map.h"
#include "arch/mtrr.h"
#include "arch/pat.h"
#include "lib/align.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_LARGE (1ull << 7) /* PS: 1 GiB in a PDPT entry, 2 MiB in a PD entry */
#define PTE_PAT_4K (1ull << 7)     /* in a 4 KiB entry, bit 7 is PAT */
#define PTE_PAT_LARGE (1ull << 12) /* in a 2 MiB or 1 GiB entry, bit 12 */
#define PTE_GLOBAL (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

#define SIZE_4K DIRECT_MAP_4K
#define SIZE_2M DIRECT_MAP_2M
#define SIZE_1G DIRECT_MAP_1G
#define SIZE_512G (SIZE_1G << 9)
#define ENTRIES 512
/* The direct map ends 1 GiB below the kernel image's 2 GiB. */
#define DIRECT_MAP_LIMIT (KERNEL_VMA - DIRECT_MAP_BASE - SIZE_1G)

/*
 * Page-table pool: enough for a 2 MiB-page direct map of about 250 GiB (one
 * table per GiB), or for terabytes with 1 GiB pages (one table per 512
 * GiB), plus a 4 KiB table wherever a RAM run or MTRR range ends inside a
 * 2 MiB page.
 */
#define POOL_PAGES 256

static uint64_t pool[POOL_PAGES][ENTRIES] __attribute__((aligned(4096)));
static unsigned pool_used;
static uint64_t *pml4;
static uint64_t nx;      /* PTE_NX where EFER.NXE is on, else 0 */
static bool have_1g;     /* CPUID 80000001h:EDX[26] */
static struct mtrr_state mtrr;
static struct spinlock map_lock = SPINLOCK_INIT;

struct map_stats {
	uint64_t pages_1g, pages_2m, pages_4k, end, ram_not_wb;
};
static struct map_stats direct;

extern char __text_start[], __text_end[], __rodata_start[], __rodata_end[],
	__data_start[], __data_end[];
extern char kernel_stack_guard[]; /* boot/entry.asm */

static uint64_t *table_alloc(void)
{
	if (pool_used == POOL_PAGES)
		panic("paging: page-table pool (%u pages) exhausted; raise POOL_PAGES", POOL_PAGES);
	uint64_t *t = pool[pool_used++];
	memset(t, 0, SIZE_4K);
	return t;
}

/* Pool tables are addressed through the image mapping, valid in boot and final tables. */
static uint64_t table_phys(const uint64_t *t) { return virt_to_phys(t); }
static uint64_t *table_virt(uint64_t entry)
{
	return (uint64_t *)((entry & PTE_ADDR_MASK) - kernel_load_offset + KERNEL_VMA);
}

static unsigned index_of(uint64_t va, unsigned shift) { return (unsigned)((va >> shift) & (ENTRIES - 1)); }

/* ---- memory types in leaf entries (pat.h) ---- */

static uint64_t type_bits(enum memtype type, uint64_t page_size)
{
	uint64_t pat = page_size > SIZE_4K ? PTE_PAT_LARGE : PTE_PAT_4K;
	switch (type) {
	case MEMTYPE_WB:
		return 0;
	case MEMTYPE_WC:
		return pat_present() ? pat | PTE_PCD | PTE_PWT : PTE_PCD | PTE_PWT;
	default:
		return PTE_PCD | PTE_PWT;
	}
}

static enum memtype leaf_type(uint64_t entry, uint64_t page_size)
{
	uint64_t pat = page_size > SIZE_4K ? PTE_PAT_LARGE : PTE_PAT_4K;
	unsigned index = ((entry & PTE_PWT) ? 1u : 0u) | ((entry & PTE_PCD) ? 2u : 0u) | ((entry & pat) ? 4u : 0u);
	if (!pat_present() && index == PAT_INDEX_WC)
		return MEMTYPE_UC; /* entry 7's power-on value */
	return (enum memtype)((PAT_VALUE >> (8 * index)) & 0xff);
}

/* ---- walking ---- */

/* The entry for va at level `size` (1 GiB: PDPT, 2 MiB: PD, 4 KiB: PT), or a present larger leaf that maps it. */
struct slot {
	uint64_t *entry;
	uint64_t size; /* what the entry maps */
};

/* Tables missing on the way down are made; present leaves are never changed. */
static struct slot find_slot(uint64_t va, uint64_t size)
{
	uint64_t *table = pml4, level = SIZE_512G;
	for (unsigned shift = 39;; shift -= 9, level >>= 9) {
		uint64_t *e = &table[index_of(va, shift)];
		if (level == size || ((*e & PTE_PRESENT) && (*e & PTE_LARGE) && level > SIZE_4K))
			return (struct slot){ e, level };
		if (!(*e & PTE_PRESENT)) {
			uint64_t *t = table_alloc();
			*e = table_phys(t) | PTE_PRESENT | PTE_WRITE; /* leaves decide the rights */
		}
		table = table_virt(*e);
	}
}

/* The entry where a walk for va stops (not present, or a leaf), and what it maps; nothing is made. */
static uint64_t *lookup(uint64_t va, uint64_t *size)
{
	uint64_t *table = pml4, *e;
	*size = SIZE_512G;
	for (unsigned shift = 39;; shift -= 9, *size >>= 9) {
		e = &table[index_of(va, shift)];
		if (!(*e & PTE_PRESENT) || *size == SIZE_4K || (*e & PTE_LARGE))
			return e;
		table = table_virt(*e);
	}
}

static bool is_leaf(const struct slot *s)
{
	return (*s->entry & PTE_PRESENT) && (s->size == SIZE_4K || (*s->entry & PTE_LARGE));
}

/* A new leaf where nothing is mapped (paging_init's own plan never overlaps). */
static void map_leaf(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	struct slot s = find_slot(va, size);
	if (*s.entry & PTE_PRESENT)
		panic("paging: 0x%lx already mapped while building the tables", (unsigned long)va);
	*s.entry = pa | flags | PTE_PRESENT | (size > SIZE_4K ? PTE_LARGE : 0);
}

static void map_range(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	for (uint64_t off = 0; off < size; off += SIZE_4K)
		map_leaf(va + off, pa + off, SIZE_4K, flags);
}

/* ---- paging_init ---- */

static void plan_page(void *ctx, uint64_t phys, uint64_t size, uint8_t mtrr_type)
{
	struct map_stats *st = ctx;
	if (phys + size > DIRECT_MAP_LIMIT)
		panic("paging: RAM at 0x%lx lies beyond the direct map (%lu TiB)", (unsigned long)phys,
		      (unsigned long)(DIRECT_MAP_LIMIT >> 40));
	map_leaf(DIRECT_MAP_BASE + phys, phys, size, PTE_WRITE | PTE_GLOBAL | nx | type_bits(MEMTYPE_WB, size));
	st->pages_1g += size == SIZE_1G;
	st->pages_2m += size == SIZE_2M;
	st->pages_4k += size == SIZE_4K;
	st->end = phys + size;
	if (mtrr_type != MEMTYPE_WB)
		st->ram_not_wb += size;
}

static void map_kernel_image(void)
{
	uint64_t phys_start = (uint64_t)__kernel_phys_start;
	uint64_t text = (uint64_t)__text_start, rodata = (uint64_t)__rodata_start,
		 data = (uint64_t)__data_start;
	/* The boot sections (linked at their physical address) keep an alias up here. */
	map_range(KERNEL_VMA + phys_start, kernel_phys_start(), text - KERNEL_VMA - phys_start,
		  PTE_WRITE | PTE_GLOBAL | nx);
	map_range(text, virt_to_phys((void *)text), (uint64_t)__text_end - text, PTE_GLOBAL);
	map_range(rodata, virt_to_phys((void *)rodata), (uint64_t)__rodata_end - rodata, PTE_GLOBAL | nx);
	map_range(data, virt_to_phys((void *)data), (uint64_t)__data_end - data, PTE_WRITE | PTE_GLOBAL | nx);
	struct slot guard = find_slot((uint64_t)kernel_stack_guard, SIZE_4K);
	*guard.entry = 0;
}

/* The AP trampoline runs in the first MiB with paging on: identity, executable, RAM pages only. */
static void map_identity_low(const struct memmap *map)
{
	for (size_t i = 0; i < map->count && map->ranges[i].start < PAGING_IDENTITY_LOW_END; i++) {
		const struct memmap_range *r = &map->ranges[i];
		uint64_t start = max_u64(align_up(r->start, SIZE_4K), SIZE_4K);
		uint64_t end = min_u64(align_down(r->end, SIZE_4K), PAGING_IDENTITY_LOW_END);
		if (direct_map_is_ram(r->type) && start < end)
			map_range(start, start, end - start, PTE_WRITE);
	}
}

/* The page holding `phys` is (or is not) in the direct map, as the plan promised; else panic. */
static void expect_mapped(uint64_t phys, bool want, const struct memmap_range *r)
{
	uint64_t size;
	bool mapped = (*lookup(DIRECT_MAP_BASE + align_down(phys, SIZE_4K), &size) & PTE_PRESENT) != 0;
	if (mapped != want)
		panic("paging: page 0x%lx of %s range 0x%lx-0x%lx is %smapped", (unsigned long)align_down(phys, SIZE_4K),
		      memmap_type_name(r->type), (unsigned long)r->start, (unsigned long)r->end, mapped ? "" : "not ");
}

/*
 * Check the tables just built at every range's edges: the first and last
 * whole page of RAM mapped, every page with a reserved byte unmapped.
 * Cheap (two lookups per range), so it runs on every boot.
 */
static void check_direct_map(const struct memmap *map)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		if (!direct_map_is_ram(r->type)) {
			expect_mapped(r->start, false, r);
			expect_mapped(r->end - 1, false, r);
			continue;
		}
		uint64_t first = max_u64(align_up(r->start, SIZE_4K), SIZE_4K), end = align_down(r->end, SIZE_4K);
		if (first < end) {
			expect_mapped(first, true, r);
			expect_mapped(end - 1, true, r);
		}
	}
}

/* Most RAM should be write-back: on bare metal, say loudly when the MTRRs make some of it slower. */
static void check_ram_types(void)
{
	if (direct.ram_not_wb == 0 || cpu_has_hypervisor())
		return;
	kprintf("WARN msg=\"the MTRRs make %lu MiB of RAM not write-back (%s): memory there is slow\"\n",
		(unsigned long)(direct.ram_not_wb >> 20), !mtrr.enabled ? "MTRRs disabled" : "firmware ranges");
}

void paging_init(const struct memmap *map)
{
	have_1g = cpuid_ext(CPUID_EXT_FEATURES).edx & CPUID_EXT_EDX_PAGE1GB;
	nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	if (!pat_init_this_cpu())
		kprintf("WARN msg=\"no PAT (CPUID 01H:EDX[16]): write-combining mappings are uncached\"\n");
	mtrr_read(&mtrr);
	mtrr_print(&mtrr);

	pml4 = table_alloc();
	direct_map_plan(map, &mtrr, have_1g, plan_page, &direct);
	map_kernel_image();
	map_identity_low(map);
	check_direct_map(map);
	write_cr3(table_phys(pml4));

	kprintf("paging: direct map 0..%#lx at %p: %lu x 1 GiB, %lu x 2 MiB, %lu x 4 KiB pages "
		"(1 GiB pages %s), RAM only, write-back (%lu MiB not write-back by the MTRRs), NX %s, "
		"%u/%u table pages\n",
		(unsigned long)direct.end, (void *)DIRECT_MAP_BASE, direct.pages_1g, direct.pages_2m, direct.pages_4k,
		have_1g ? "available" : "not available", (unsigned long)(direct.ram_not_wb >> 20), nx ? "on" : "off",
		pool_used, POOL_PAGES);
	check_ram_types();
}

/* ---- mappings after paging_init ---- */

/*
 * The largest page for [p, end) that alignment, `large`, and for write-back
 * the MTRRs allow, and that nothing maps in part yet; or a present leaf
 * that already maps p.
 */
static struct slot slot_for(uint64_t p, uint64_t end, enum memtype type, bool large)
{
	static const uint64_t sizes[] = { SIZE_1G, SIZE_2M, SIZE_4K };
	struct slot s = { 0, 0 };
	for (unsigned i = large ? (have_1g ? 0 : 1) : 2; i < 3; i++) {
		uint64_t size = sizes[i];
		uint8_t mtrr_type;
		bool fits = p % size == 0 && end - p >= size;
		if (size > SIZE_4K && (!fits || (type == MEMTYPE_WB && !mtrr_page_type(&mtrr, p, size, &mtrr_type))))
			continue;
		s = find_slot(DIRECT_MAP_BASE + p, size);
		if (!(*s.entry & PTE_PRESENT) || is_leaf(&s))
			return s;
		/* A table below: part of this page is mapped already; try smaller pages. */
	}
	return s;
}

/*
 * Map [phys, phys+size) as `type` in the direct map and return
 * phys_to_virt(phys). Only not-present entries are written (present leaves
 * stay as they are, with a WARN when their type differs), so no other CPU
 * can hold a stale TLB entry for anything this changes (SDM 4.10.4.3): safe
 * before and after the APs start, with no shootdown.
 */
static void *map_direct_range(uint64_t phys, uint64_t size, enum memtype type, bool large, const char *who)
{
	uint64_t start = align_down(phys, SIZE_4K);
	uint64_t end = align_up(phys + size, SIZE_4K);
	if (end > DIRECT_MAP_LIMIT || end < start)
		panic("%s: %#lx+%#lx outside the direct map", who, (unsigned long)phys, (unsigned long)size);
	bool irq = spin_lock_irqsave(&map_lock), warned = false;
	for (uint64_t p = start; p < end;) {
		struct slot s = slot_for(p, end, type, large);
		if (!(*s.entry & PTE_PRESENT)) {
			*s.entry = p | PTE_PRESENT | PTE_WRITE | PTE_GLOBAL | nx | type_bits(type, s.size) |
				   (s.size > SIZE_4K ? PTE_LARGE : 0);
		} else if (leaf_type(*s.entry, s.size) != type && !warned) {
			kprintf("WARN msg=\"%s: 0x%lx is mapped %s already (RAM?), not %s: left so\"\n", who,
				(unsigned long)p, memtype_name(leaf_type(*s.entry, s.size)), memtype_name(type));
			warned = true;
		}
		p = align_down(p, s.size) + s.size;
	}
	spin_unlock_irqrestore(&map_lock, irq);
	return phys_to_virt(phys);
}

void *paging_map_mmio(uint64_t phys, uint64_t size)
{
	return map_direct_range(phys, size, MEMTYPE_UC, false, "paging_map_mmio");
}

/* Rare, large mappings get a line for people. */
static void *map_and_say(uint64_t phys, uint64_t size, enum memtype type, bool large, const char *who)
{
	void *v = map_direct_range(phys, size, type, large, who);
	kprintf("paging: 0x%lx+0x%lx mapped %s\n", (unsigned long)phys, (unsigned long)size, memtype_name(type));
	return v;
}

void *paging_map_wc(uint64_t phys, uint64_t size)
{
	return map_and_say(phys, size, pat_present() ? MEMTYPE_WC : MEMTYPE_UC, false, "paging_map_wc");
}

void *paging_map_wb(uint64_t phys, uint64_t size)
{
	return map_and_say(phys, size, MEMTYPE_WB, true, "paging_map_wb");
}

bool paging_is_mapped(uint64_t phys, uint64_t size)
{
	uint64_t end = align_up(phys + size, SIZE_4K);
	if (end > DIRECT_MAP_LIMIT || end < phys)
		return false;
	bool irq = spin_lock_irqsave(&map_lock), mapped = true;
	for (uint64_t p = align_down(phys, SIZE_4K); p < end && mapped;) {
		uint64_t level;
		mapped = (*lookup(DIRECT_MAP_BASE + p, &level) & PTE_PRESENT) != 0;
		p = align_down(p, level) + level;
	}
	spin_unlock_irqrestore(&map_lock, irq);
	return mapped;
}

void paging_env(char *buf, size_t size)
{
	char summary[64];
	mtrr_summary(&mtrr, summary, sizeof(summary));
	ksnprintf(buf, size, "mtrr=\"%s\" pat=%s ram_not_wb_mib=%lu", summary, pat_summary(),
		  (unsigned long)(direct.ram_not_wb >> 20));
}

uint64_t paging_root_phys(void) { return table_phys(pml4); }

bool paging_is_stack_guard(uint64_t va)
{
	uint64_t guard = (uint64_t)kernel_stack_guard;
	return va >= guard && va < guard + SIZE_4K;
}

/*
 * Kernel-only regions outside the direct map (the AP stacks, arch/stacks.c):
 * 4 KiB pages, write-back, no-execute; what is not mapped stays a guard.
 * Unmapping is the one exception to "mappings are only added": it undoes the
 * stack of a CPU that never started, which no other CPU has touched.
 */
void paging_map_at(uint64_t va, uint64_t phys, uint64_t size)
{
	bool irq = spin_lock_irqsave(&map_lock);
	for (uint64_t off = 0; off < size; off += SIZE_4K) {
		map_leaf(va + off, phys + off, SIZE_4K, PTE_WRITE | PTE_GLOBAL | nx | type_bits(MEMTYPE_WB, SIZE_4K));
		invlpg(va + off);
	}
	spin_unlock_irqrestore(&map_lock, irq);
}

void paging_unmap_at(uint64_t va, uint64_t size)
{
	bool irq = spin_lock_irqsave(&map_lock);
	for (uint64_t off = 0; off < size; off += SIZE_4K) {
		uint64_t leaf;
		uint64_t *e = lookup(va + off, &leaf);
		if (leaf != SIZE_4K)
			panic("paging: unmap of 0x%lx, which is not a 4 KiB page", (unsigned long)(va + off));
		*e = 0;
		invlpg(va + off);
	}
	spin_unlock_irqrestore(&map_lock, irq);
}
