/*
 * Kernel page tables (see paging.h). Intel SDM Vol. 3A, 4.5 (4-level
 * paging), table 4-15..4-20 (entry formats), 11.12.3 (PAT; PCD|PWT with the
 * power-on PAT selects UC).
 */
#include "arch/paging.h"

#include <stdbool.h>

#include "arch/cpu.h"
#include "lib/align.h"
#include "lib/panic.h"
#include "lib/spinlock.h"
#include "lib/string.h"

#define PTE_PRESENT (1ull << 0)
#define PTE_WRITE (1ull << 1)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_LARGE (1ull << 7) /* PS: 1 GiB in a PDPT entry, 2 MiB in a PD entry */
#define PTE_GLOBAL (1ull << 8)
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull
#define PTE_UNCACHED (PTE_PCD | PTE_PWT)

#define SIZE_4K (1ull << 12)
#define SIZE_2M (1ull << 21)
#define SIZE_1G (1ull << 30)
#define ENTRIES 512

/*
 * Page-table pool: enough for a 2 MiB-page direct map of about 250 GiB (one
 * table per GiB); with 1 GiB pages one table covers 512 GiB.
 */
#define POOL_PAGES 256

static uint64_t pool[POOL_PAGES][ENTRIES] __attribute__((aligned(4096)));
static unsigned pool_used;
static uint64_t *pml4;
static uint64_t nx;      /* PTE_NX where EFER.NXE is on, else 0 */
static bool have_1g;     /* CPUID 80000001h:EDX[26] */
static struct spinlock map_lock = SPINLOCK_INIT;

struct map_stats {
	uint64_t pages_1g, pages_2m, pages_4k, uncached_bytes;
};

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

/*
 * The table below `*entry` (covering `size` per entry of the parent), made
 * if absent; a large page there is split into `size / 512` pages with the
 * same attributes. Upper levels are permissive (RW, executable): leaves decide.
 */
static uint64_t *next_table(uint64_t *entry, uint64_t child_size)
{
	if (!(*entry & PTE_PRESENT)) {
		uint64_t *t = table_alloc();
		*entry = table_phys(t) | PTE_PRESENT | PTE_WRITE;
		return t;
	}
	if (!(*entry & PTE_LARGE))
		return table_virt(*entry);

	uint64_t *t = table_alloc();
	uint64_t flags = *entry & ~PTE_ADDR_MASK;
	uint64_t base = *entry & PTE_ADDR_MASK;
	if (child_size == SIZE_4K)
		flags &= ~PTE_LARGE;
	for (unsigned i = 0; i < ENTRIES; i++)
		t[i] = (base + i * child_size) | flags;
	*entry = table_phys(t) | PTE_PRESENT | PTE_WRITE;
	return t;
}

static unsigned index_of(uint64_t va, unsigned shift) { return (unsigned)((va >> shift) & (ENTRIES - 1)); }

/* One leaf of `page_size` at va -> pa. */
static void map_page(uint64_t va, uint64_t pa, uint64_t page_size, uint64_t flags)
{
	uint64_t *pdpt = next_table(&pml4[index_of(va, 39)], SIZE_1G);
	uint64_t *e = &pdpt[index_of(va, 30)];
	if (page_size < SIZE_1G) {
		uint64_t *pd = next_table(e, SIZE_2M);
		e = &pd[index_of(va, 21)];
		if (page_size < SIZE_2M) {
			uint64_t *pt = next_table(e, SIZE_4K);
			e = &pt[index_of(va, 12)];
		}
	}
	*e = pa | flags | PTE_PRESENT | (page_size > SIZE_4K ? PTE_LARGE : 0);
}

/* Clears the 4 KiB leaf at va (its tables must exist). */
static void unmap_page(uint64_t va)
{
	uint64_t *pdpt = table_virt(pml4[index_of(va, 39)]);
	uint64_t *pd = table_virt(pdpt[index_of(va, 30)]);
	uint64_t *pt = table_virt(pd[index_of(va, 21)]);
	pt[index_of(va, 12)] = 0;
}

static void map_range(uint64_t va, uint64_t pa, uint64_t size, uint64_t flags)
{
	for (uint64_t off = 0; off < size; off += SIZE_4K)
		map_page(va + off, pa + off, SIZE_4K, flags);
}

static bool is_ram(enum memmap_type t) { return t != MEMMAP_RESERVED; }

/* Bytes of RAM-like ranges (usable, ACPI, NVS, kernel) within [a, b). */
static uint64_t ram_bytes(const struct memmap *map, uint64_t a, uint64_t b)
{
	uint64_t n = 0;
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		uint64_t lo = r->start > a ? r->start : a;
		uint64_t hi = r->end < b ? r->end : b;
		if (is_ram(r->type) && lo < hi)
			n += hi - lo;
	}
	return n;
}

/* Direct-map one chunk of `size` at phys; RAM in it makes it write-back. */
static void map_direct_chunk(const struct memmap *map, uint64_t phys, uint64_t size, struct map_stats *st)
{
	uint64_t ram = ram_bytes(map, phys, phys + size);
	uint64_t flags = PTE_WRITE | PTE_GLOBAL | nx | (ram ? 0 : PTE_UNCACHED);
	if (!ram)
		st->uncached_bytes += size;
	map_page(DIRECT_MAP_BASE + phys, phys, size, flags);
	if (size == SIZE_1G)
		st->pages_1g++;
	else if (size == SIZE_2M)
		st->pages_2m++;
	else
		st->pages_4k++;
}

static void map_direct(const struct memmap *map, uint64_t top, struct map_stats *st)
{
	/* First 2 MiB in 4 KiB pages: page 0 stays not present. */
	for (uint64_t p = SIZE_4K; p < SIZE_2M; p += SIZE_4K)
		map_direct_chunk(map, p, SIZE_4K, st);
	for (uint64_t p = SIZE_2M; p < top;) {
		if (have_1g && (p & (SIZE_1G - 1)) == 0 && p + SIZE_1G <= top) {
			uint64_t ram = ram_bytes(map, p, p + SIZE_1G);
			if (ram == 0 || ram == SIZE_1G) {
				map_direct_chunk(map, p, SIZE_1G, st);
				p += SIZE_1G;
				continue;
			}
		}
		map_direct_chunk(map, p, SIZE_2M, st);
		p += SIZE_2M;
	}
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
	unmap_page((uint64_t)kernel_stack_guard);
}

/* The AP trampoline runs in the first MiB with paging on: identity, executable. */
static void map_identity_low(void)
{
	map_range(SIZE_4K, SIZE_4K, PAGING_IDENTITY_LOW_END - SIZE_4K, PTE_WRITE);
}

void paging_init(const struct memmap *map)
{
	have_1g = cpuid_ext(CPUID_EXT_FEATURES).edx & CPUID_EXT_EDX_PAGE1GB;
	nx = (rdmsr(MSR_EFER) & EFER_NXE) ? PTE_NX : 0;
	uint64_t top = align_up(map->top_usable, SIZE_2M);
	if (top < SIZE_2M)
		top = SIZE_2M;
	if (top > KERNEL_VMA - DIRECT_MAP_BASE - SIZE_1G)
		panic("paging: highest usable byte %#lx beyond the direct map", (unsigned long)top);

	struct map_stats st = { 0, 0, 0, 0 };
	pml4 = table_alloc();
	map_direct(map, top, &st);
	map_kernel_image();
	map_identity_low();
	write_cr3(table_phys(pml4));

	kprintf("paging: direct map 0..%#lx at %p: %lu x 1 GiB, %lu x 2 MiB, %lu x 4 KiB pages "
		"(1 GiB pages %s), %lu MiB uncached, NX %s, %u/%u table pages\n",
		(unsigned long)top, (void *)DIRECT_MAP_BASE, st.pages_1g, st.pages_2m, st.pages_4k,
		have_1g ? "available" : "not available", st.uncached_bytes >> 20, nx ? "on" : "off",
		pool_used, POOL_PAGES);
}

/*
 * Maps [phys, phys+size) into the direct map with `flags`, in the largest
 * pages that alignment allows when `large` (4 KiB pages otherwise), and
 * flushes each page from this CPU's TLB. Existing larger pages are split.
 */
static void *map_direct_range(uint64_t phys, uint64_t size, uint64_t flags, bool large, const char *who)
{
	uint64_t start = align_down(phys, SIZE_4K);
	uint64_t end = align_up(phys + size, SIZE_4K);
	if (end > KERNEL_VMA - DIRECT_MAP_BASE - SIZE_1G || end < start)
		panic("%s: %#lx+%#lx outside the direct map", who, (unsigned long)phys, (unsigned long)size);
	bool irq = spin_lock_irqsave(&map_lock);
	for (uint64_t p = start; p < end;) {
		uint64_t page = SIZE_4K;
		if (large && have_1g && (p & (SIZE_1G - 1)) == 0 && end - p >= SIZE_1G)
			page = SIZE_1G;
		else if (large && (p & (SIZE_2M - 1)) == 0 && end - p >= SIZE_2M)
			page = SIZE_2M;
		map_page(DIRECT_MAP_BASE + p, p, page, flags);
		invlpg(DIRECT_MAP_BASE + p);
		p += page;
	}
	spin_unlock_irqrestore(&map_lock, irq);
	return phys_to_virt(phys);
}

void *paging_map_mmio(uint64_t phys, uint64_t size)
{
	return map_direct_range(phys, size, PTE_WRITE | PTE_GLOBAL | nx | PTE_UNCACHED, false,
				"paging_map_mmio");
}

void *paging_map_wb(uint64_t phys, uint64_t size)
{
	return map_direct_range(phys, size, PTE_WRITE | PTE_GLOBAL | nx, true, "paging_map_wb");
}

uint64_t paging_root_phys(void) { return table_phys(pml4); }

bool paging_is_stack_guard(uint64_t va)
{
	uint64_t guard = (uint64_t)kernel_stack_guard;
	return va >= guard && va < guard + SIZE_4K;
}
