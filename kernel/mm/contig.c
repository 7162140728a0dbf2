/*
 * Contiguous kernel buffers (contig.h): one allocation for up to a 2 MiB
 * area, a run of whole areas taken with get_at beyond that.
 */
#include "mm/contig.h"

#include <stdbool.h>

#include "arch/paging.h"
#include "arch/percpu.h"
#include "lib/align.h"
#include "lib/panic.h"
#include "lib/string.h"
#include "llfree.h"
#include "mm/frames.h"

/* Kernel buffers never move: the immovable kind keeps them apart from movable frames. */
#define CONTIG_KIND LLFREE_KIND_IMMOVABLE

static uint64_t pages_of(size_t bytes)
{
	return div_round_up(bytes, PAGE_SIZE);
}

/* Smallest order holding `pages` (<= LLFREE_AREA_FRAMES); a single allocation. */
static unsigned order_of(uint64_t pages)
{
	unsigned order = 0;
	while ((1ull << order) < pages)
		order++;
	return order;
}

static uint64_t areas_of(uint64_t pages)
{
	return div_round_up(pages, LLFREE_AREA_FRAMES);
}

uint64_t contig_frames(size_t bytes)
{
	uint64_t pages = pages_of(bytes);
	if (pages <= LLFREE_AREA_FRAMES)
		return 1ull << order_of(pages);
	return areas_of(pages) * LLFREE_AREA_FRAMES;
}

static void put_areas(uint64_t first_area, uint64_t count)
{
	for (uint64_t a = first_area; a < first_area + count; a++)
		frames_put(a * LLFREE_AREA_FRAMES * PAGE_SIZE, LLFREE_HUGE_ORDER, CONTIG_KIND);
}

/*
 * Take areas first .. first+count-1, all free when checked. Returns count on
 * success; otherwise the index (relative to first) of the area that was
 * gone, with none of the run held.
 */
static uint64_t take_areas(llfree_t *ll, uint64_t first, uint64_t count)
{
	for (uint64_t i = 0; i < count; i++) {
		uint64_t frame = (first + i) * LLFREE_AREA_FRAMES;
		if (llfree_get_at(ll, this_cpu_index(), frame, LLFREE_HUGE_ORDER, CONTIG_KIND) != LLFREE_OK) {
			put_areas(first, i);
			return i;
		}
	}
	return count;
}

/* Highest run of `count` free areas below area `end`; first area of the run, or UINT64_MAX. */
static uint64_t find_areas(llfree_t *ll, uint64_t count)
{
	uint64_t end = llfree_frames(ll) / LLFREE_AREA_FRAMES;
	while (end >= count) {
		uint64_t first = end - count, busy = count;
		/* From the top of the run down: a busy area moves `end` below it. */
		for (uint64_t i = count; i-- > 0;) {
			if (!llfree_is_free(ll, (first + i) * LLFREE_AREA_FRAMES, LLFREE_HUGE_ORDER)) {
				busy = i;
				break;
			}
		}
		if (busy == count) {
			busy = take_areas(ll, first, count);
			if (busy == count)
				return first;
		}
		end = first + busy;
	}
	return UINT64_MAX;
}

void *contig_alloc(size_t bytes)
{
	uint64_t pages = pages_of(bytes), phys;
	if (pages == 0)
		return NULL;
	if (pages <= LLFREE_AREA_FRAMES) {
		if (!frames_get(order_of(pages), CONTIG_KIND, &phys))
			return NULL;
		return phys_to_virt(phys);
	}
	uint64_t first = find_areas(frames_llfree(), areas_of(pages));
	if (first == UINT64_MAX)
		return NULL;
	return phys_to_virt(first * LLFREE_AREA_FRAMES * PAGE_SIZE);
}

void *contig_zalloc(size_t bytes)
{
	void *p = contig_alloc(bytes);
	if (p)
		memset(p, 0, bytes);
	return p;
}

void contig_free(void *p, size_t bytes)
{
	uint64_t pages = pages_of(bytes), phys = virt_to_phys(p);
	if (!p || pages == 0)
		return;
	if (pages <= LLFREE_AREA_FRAMES) {
		frames_put(phys, order_of(pages), CONTIG_KIND);
		return;
	}
	if (phys % (LLFREE_AREA_FRAMES * PAGE_SIZE))
		panic("contig_free(%p): not the start of a 2 MiB area", p);
	put_areas(phys / PAGE_SIZE / LLFREE_AREA_FRAMES, areas_of(pages));
}
