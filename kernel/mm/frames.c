/*
 * LLFree over all RAM (see frames.h). Init is ALLOC then one put per
 * maximal aligned block of every usable range: a few hundred puts for
 * gigabytes, and every frame never freed stays allocated by construction.
 */
#include "mm/frames.h"

#include "arch/cpu.h"
#include "arch/paging.h"
#include "arch/percpu.h"
#include "arch/tsc.h"
#include "lib/align.h"
#include "lib/panic.h"
#include "lib/printf.h"
#include "platform/llfree_platform.h"

#define CPUID_7_EBX_CLFLUSHOPT (1u << 23)
#define CPUID_7_EBX_CLWB (1u << 24)

enum llfree_writeback_insn llfree_writeback_insn = LLFREE_WB_CLFLUSH;

static llfree_t llfree;
static uint64_t meta_phys, meta_bytes;

/* The best write-back instruction for persistent metadata (llfree_platform.h). */
static void frames_platform_init(void)
{
	if (cpuid(0, 0).eax >= 7) {
		uint32_t ebx = cpuid(7, 0).ebx;
		if (ebx & CPUID_7_EBX_CLWB)
			llfree_writeback_insn = LLFREE_WB_CLWB;
		else if (ebx & CPUID_7_EBX_CLFLUSHOPT)
			llfree_writeback_insn = LLFREE_WB_CLFLUSHOPT;
	}
}

/* The first usable range with room for `bytes` at a page boundary; 0 if none. */
static uint64_t find_metadata_home(const struct memmap *map, uint64_t bytes)
{
	for (size_t i = 0; i < map->count; i++) {
		const struct memmap_range *r = &map->ranges[i];
		uint64_t start = align_up(r->start, PAGE_SIZE);
		if (r->type == MEMMAP_USABLE && start < r->end && r->end - start >= bytes)
			return start;
	}
	return 0;
}

/* Free frames first .. end-1 in the largest naturally aligned blocks. */
static bool free_frames(uint64_t first, uint64_t end)
{
	while (first < end) {
		unsigned order = LLFREE_MAX_ORDER;
		while (order > 0 && ((first & ((1ull << order) - 1)) || first + (1ull << order) > end))
			order--;
		llfree_result_t r = llfree_put(&llfree, 0, first, order, LLFREE_KIND_IMMOVABLE);
		if (r != LLFREE_OK) {
			kprintf("ERROR msg=\"LLFree init: freeing frame 0x%llx order %u: %s\"\n",
				(unsigned long long)first, order, llfree_strerror(r));
			return false;
		}
		first += 1ull << order;
	}
	return true;
}

/* Free [start, end) bytes, leaving out the metadata. */
static bool free_usable(uint64_t start, uint64_t end)
{
	uint64_t m0 = meta_phys, m1 = meta_phys + meta_bytes;
	if (m0 < end && start < m1) {
		return (start >= m0 || free_frames(start / PAGE_SIZE, m0 / PAGE_SIZE)) &&
		       (end <= m1 || free_frames(m1 / PAGE_SIZE, end / PAGE_SIZE));
	}
	return free_frames(start / PAGE_SIZE, end / PAGE_SIZE);
}

bool frames_init(const struct memmap *map, unsigned cores)
{
	uint64_t t0 = tsc_begin();
	uint64_t frames = map->top_usable / PAGE_SIZE;
	frames_platform_init();

	llfree_meta_size_t size = llfree_metadata_size(cores, frames);
	uint64_t upper = align_up(size.upper, LLFREE_ALIGN), lower = align_up(size.lower, LLFREE_ALIGN);
	meta_bytes = align_up(upper + lower, PAGE_SIZE);
	meta_phys = find_metadata_home(map, meta_bytes);
	if (meta_phys == 0) {
		kprintf("ERROR msg=\"no usable range holds %llu bytes of LLFree metadata\"\n",
			(unsigned long long)meta_bytes);
		return false;
	}
	uint8_t *meta = phys_to_virt(meta_phys);
	llfree_config_t cfg = {
		.cores = cores,
		.frames = frames,
		.mode = LLFREE_INIT_ALLOC,
		.persistent = false,
		.upper = meta,
		.upper_size = upper,
		.lower = meta + upper,
		.lower_size = lower,
	};
	llfree_result_t r = llfree_init(&llfree, &cfg);
	if (r != LLFREE_OK) {
		kprintf("ERROR msg=\"llfree_init: %s\"\n", llfree_strerror(r));
		return false;
	}
	for (size_t i = 0; i < map->count; i++)
		if (map->ranges[i].type == MEMMAP_USABLE && !free_usable(map->ranges[i].start, map->ranges[i].end))
			return false;
	llfree_drain(&llfree, 0);
	uint64_t t1 = tsc_end();
	if ((r = llfree_validate(&llfree)) != LLFREE_OK) {
		kprintf("ERROR msg=\"llfree_validate after init: %s\"\n", llfree_strerror(r));
		return false;
	}
	/* Exactly the usable frames are free: holes, firmware ranges and our own stay allocated. */
	uint64_t expect = map->usable_bytes / PAGE_SIZE - meta_bytes / PAGE_SIZE;
	if (llfree_free_frames(&llfree) != expect) {
		kprintf("ERROR msg=\"LLFree init: %llu frames free, the memory map has %llu usable\"\n",
			(unsigned long long)llfree_free_frames(&llfree), (unsigned long long)expect);
		return false;
	}
	kprintf("MEM usable_bytes=%llu managed_frames=%llu free_frames=%llu free_huge=%llu metadata_bytes=%llu "
		"metadata_at=0x%llx init_us=%llu\n",
		(unsigned long long)map->usable_bytes, (unsigned long long)frames,
		(unsigned long long)llfree_free_frames(&llfree), (unsigned long long)llfree_free_huge(&llfree),
		(unsigned long long)meta_bytes, (unsigned long long)meta_phys,
		(unsigned long long)tsc_ticks_to_us(t1 - t0));
	return true;
}

bool frames_get(unsigned order, llfree_kind_t kind, uint64_t *phys)
{
	uint64_t frame;
	if (llfree_get(&llfree, this_cpu_index(), order, kind, &frame) != LLFREE_OK)
		return false;
	*phys = frame * PAGE_SIZE;
	return true;
}

void frames_put(uint64_t phys, unsigned order, llfree_kind_t kind)
{
	llfree_result_t r = llfree_put(&llfree, this_cpu_index(), phys / PAGE_SIZE, order, kind);
	if (r != LLFREE_OK)
		panic("frames_put(0x%llx, order %u): %s", (unsigned long long)phys, order, llfree_strerror(r));
}

llfree_t *frames_llfree(void)
{
	return &llfree;
}
