/*
 * The direct map's pages (see direct_map.h): RAM runs, cut into the
 * largest pages that lie within one run and one MTRR type.
 */
#include "arch/direct_map.h"

#include "lib/align.h"

bool direct_map_is_ram(enum memmap_type type)
{
	return type != MEMMAP_RESERVED;
}

/* The next RAM run from range *i on (touching RAM ranges joined) in [*start, *end); false if none. */
static bool next_run(const struct memmap *map, size_t *i, uint64_t *start, uint64_t *end)
{
	while (*i < map->count && !direct_map_is_ram(map->ranges[*i].type))
		(*i)++;
	if (*i == map->count)
		return false;
	*start = map->ranges[*i].start;
	*end = map->ranges[*i].end;
	for ((*i)++; *i < map->count && map->ranges[*i].start == *end && direct_map_is_ram(map->ranges[*i].type);
	     (*i)++)
		*end = map->ranges[*i].end;
	return true;
}

static void plan_run(uint64_t start, uint64_t end, const struct mtrr_state *m, bool have_1g,
		     direct_map_page_fn page, void *ctx)
{
	static const uint64_t sizes[] = { DIRECT_MAP_1G, DIRECT_MAP_2M, DIRECT_MAP_4K };
	for (uint64_t p = start; p < end;) {
		for (unsigned s = have_1g ? 0 : 1; s < 3; s++) {
			uint64_t size = sizes[s];
			uint8_t type;
			/* A 4 KiB page is always one MTRR type (their granularity is 4 KiB). */
			if (p % size || end - p < size || !mtrr_page_type(m, p, size, &type))
				continue;
			page(ctx, p, size, type);
			p += size;
			break;
		}
	}
}

void direct_map_plan(const struct memmap *map, const struct mtrr_state *m, bool have_1g, direct_map_page_fn page,
		     void *ctx)
{
	size_t i = 0;
	uint64_t start, end;
	while (next_run(map, &i, &start, &end)) {
		/* Whole pages only (a partial page shares bytes with something else); page 0 never. */
		uint64_t s = max_u64(align_up(start, DIRECT_MAP_4K), DIRECT_MAP_4K), e = align_down(end, DIRECT_MAP_4K);
		if (s < e)
			plan_run(s, e, m, have_1g, page, ctx);
	}
}
