/*
 * buddy_validate (bench/buddy.h): checks every invariant of a quiescent buddy
 * allocator (bench/buddy.c): blocks tile the frames, free buddies are merged,
 * lists and counters agree.
 */
#include "buddy_layout.h"

static bool fail(buddy_t *b, const char *why)
{
	b->error = why;
	return false;
}

/* Blocks must tile the frames: every frame is the head of exactly one
 * aligned block or inside one. Counts the free blocks per state and order. */
static bool validate_tiling(buddy_t *b, uint64_t zone_blocks[], uint64_t cached_blocks[])
{
	uint32_t f = 0;
	while (f < b->frames) {
		uint8_t info = get_info(b, f);
		unsigned order = info_order(info);
		uint32_t size = 1u << order;
		b->frame[f].mark = 0;
		if (info_state(info) == FRAME_INNER)
			return fail(b, "frame outside every block");
		if (order > BUDDY_MAX_ORDER)
			return fail(b, "block order out of range");
		if ((f & (size - 1)) != 0)
			return fail(b, "block not aligned to its order");
		if (size > b->frames - f)
			return fail(b, "block past the last frame");
		for (uint32_t g = f + 1; g < f + size; g++)
			if (get_info(b, g) != make_info(FRAME_INNER, 0))
				return fail(b, "blocks overlap");
		if (info_state(info) == FRAME_ZONE) {
			uint32_t buddy = f ^ size;
			if (order < BUDDY_MAX_ORDER && buddy < b->frames &&
			    get_info(b, buddy) == make_info(FRAME_ZONE, order))
				return fail(b, "free buddies not merged");
			zone_blocks[order]++;
		} else if (info_state(info) == FRAME_CACHED) {
			if (order != 0 && order != BUDDY_HUGE_ORDER)
				return fail(b, "cached block of an uncached order");
			cached_blocks[order == 0 ? 0 : 1]++;
		}
		f += size;
	}
	return true;
}

/* Walk one list: links both ways, each member a head in `info`, on no other
 * list. Returns its length in *len. */
static bool validate_list(buddy_t *b, const struct frame_list *l, uint8_t info, uint64_t *len)
{
	uint32_t prev = NIL;
	*len = 0;
	for (uint32_t f = l->head; f != NIL; f = b->frame[f].next) {
		if (f >= b->frames)
			return fail(b, "list link out of range");
		if (b->frame[f].prev != prev)
			return fail(b, "list prev link broken");
		if (get_info(b, f) != info)
			return fail(b, "list member has the wrong state or order");
		if (b->frame[f].mark)
			return fail(b, "frame on two lists or a list cycle");
		b->frame[f].mark = 1;
		prev = f;
		(*len)++;
	}
	if (l->tail != prev)
		return fail(b, "list tail wrong");
	return true;
}

bool buddy_validate(buddy_t *b)
{
	uint64_t zone_blocks[BUDDY_MAX_ORDER + 1] = {0}, cached_blocks[CACHE_CLASSES] = {0};
	b->error = NULL;
	if (!validate_tiling(b, zone_blocks, cached_blocks))
		return false;

	uint64_t zone_frames = 0, len;
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		if (!validate_list(b, &b->zone.free[k], make_info(FRAME_ZONE, k), &len))
			return false;
		if (len != zone_blocks[k] || len != b->zone.nr_free[k])
			return fail(b, "zone list length differs from its counter");
		zone_frames += len << k;
	}
	if (zone_frames != b->zone.free_frames)
		return fail(b, "zone free frame counter wrong");

	for (unsigned cls = 0; cls < CACHE_CLASSES; cls++) {
		uint64_t cached = 0;
		for (uint32_t i = 0; i < b->cores; i++) {
			struct buddy_cache *c = &b->core[i].cache[cls];
			if (!validate_list(b, &c->list, make_info(FRAME_CACHED, class_order[cls]), &len))
				return false;
			if (len != cache_count(c))
				return fail(b, "cache length differs from its counter");
			if (c->batch > c->high || (c->batch == 0 && len != 0))
				return fail(b, "cache parameters wrong");
			cached += len;
		}
		if (cached != cached_blocks[cls])
			return fail(b, "cached frame missing from every cache");
	}
	return true;
}

const char *buddy_validate_error(buddy_t *b)
{
	return b->error ? b->error : "ok";
}
