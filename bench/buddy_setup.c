/*
 * The buddy baseline outside its allocation path (see buddy.c): metadata
 * size and set-up (the initial zone, the per-core caches' Linux-like
 * defaults), cache parameters, counters and error names.
 */
#include "buddy.h"

#include "buddy_layout.h"

static const uint32_t default_batch[CACHE_CLASSES] = {63, 2};
static const uint32_t default_high[CACHE_CLASSES] = {6 * 63, 4};

/* --- set-up ---------------------------------------------------------------- */

/* Linux-like defaults, lowered so that one order's caches over all cores
 * hold at most 1/8 of the frames (see buddy.h). */
static void cache_defaults(buddy_t *b, unsigned cls, uint32_t *batch, uint32_t *high)
{
	uint64_t limit = ((uint64_t)b->frames / 8 / b->cores) >> class_order[cls];
	*high = default_high[cls];
	*batch = default_batch[cls];
	if (limit < *high) {
		*high = (uint32_t)limit;
		*batch = (uint32_t)(limit * default_batch[cls] / default_high[cls]);
		if (*batch == 0 && *high > 0)
			*batch = 1;
	}
	if (*batch == 0)
		*high = 0;
}

static size_t round_up_line(size_t n)
{
	return (n + CACHE_LINE - 1) & ~(size_t)(CACHE_LINE - 1);
}

size_t buddy_metadata_size(size_t cores, uint64_t frames)
{
	if (frames > BUDDY_MAX_FRAMES || cores > UINT32_MAX)
		return SIZE_MAX;
	return round_up_line(sizeof(struct buddy)) + cores * sizeof(struct buddy_core) +
	       round_up_line((size_t)frames * sizeof(struct buddy_frame));
}

/* The initial free blocks: the largest naturally aligned blocks that fit,
 * lowest addresses first on every list (they are handed out first). */
static void zone_fill(buddy_t *b)
{
	struct buddy_zone *z = &b->zone;
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		list_init(&z->free[k]);
		z->nr_free[k] = 0;
	}
	z->free_frames = 0;

	uint32_t f = 0;
	while (f < b->frames) {
		unsigned k = BUDDY_MAX_ORDER;
		while ((f & ((1u << k) - 1)) != 0 || (1u << k) > b->frames - f)
			k--;
		set_info(b, f, FRAME_ZONE, k);
		list_push_tail(b, &z->free[k], f);
		z->nr_free[k]++;
		z->free_frames += 1u << k;
		f += 1u << k;
	}
}

buddy_result_t buddy_init(void *buf, size_t size, size_t cores, uint64_t frames, buddy_t **out)
{
	if (cores == 0 || frames == 0 || frames > BUDDY_MAX_FRAMES || cores > UINT32_MAX)
		return BUDDY_ERR_INIT;
	if (buf == NULL || (uintptr_t)buf % BUDDY_ALIGN != 0 ||
	    size < buddy_metadata_size(cores, frames))
		return BUDDY_ERR_BUFFER;

	buddy_t *b = buf;
	char *base = buf;
	b->core = (struct buddy_core *)(base + round_up_line(sizeof(struct buddy)));
	b->frame = (struct buddy_frame *)(base + round_up_line(sizeof(struct buddy)) +
	                                  cores * sizeof(struct buddy_core));
	b->frames = (uint32_t)frames;
	b->cores = (uint32_t)cores;
	b->error = NULL;
	bench_spin_init(&b->lock);

	for (uint32_t f = 0; f < b->frames; f++) {
		struct buddy_frame *fr = &b->frame[f];
		fr->next = fr->prev = NIL;
		atomic_init(&fr->info, make_info(FRAME_INNER, 0));
		fr->mark = 0;
	}
	for (unsigned cls = 0; cls < CACHE_CLASSES; cls++) {
		uint32_t batch, high;
		cache_defaults(b, cls, &batch, &high);
		for (uint32_t i = 0; i < b->cores; i++) {
			struct buddy_cache *c = &b->core[i].cache[cls];
			list_init(&c->list);
			atomic_init(&c->count, 0);
			c->batch = batch;
			c->high = high;
		}
	}
	zone_fill(b);
	*out = b;
	return BUDDY_OK;
}

/* --- cache parameters and counters ---------------------------------------- */

static uint64_t cached_frames(buddy_t *b, unsigned cls)
{
	uint64_t n = 0;
	for (uint32_t i = 0; i < b->cores; i++)
		n += cache_count(&b->core[i].cache[cls]);
	return n << class_order[cls];
}

uint64_t buddy_free_frames(buddy_t *b)
{
	bench_spin_lock(&b->lock);
	uint64_t n = b->zone.free_frames;
	bench_spin_unlock(&b->lock);
	for (unsigned cls = 0; cls < CACHE_CLASSES; cls++)
		n += cached_frames(b, cls);
	return n;
}

uint64_t buddy_free_huge_listed(buddy_t *b)
{
	uint64_t n = 0;
	bench_spin_lock(&b->lock);
	for (unsigned k = BUDDY_HUGE_ORDER; k <= BUDDY_MAX_ORDER; k++)
		n += b->zone.nr_free[k] << (k - BUDDY_HUGE_ORDER);
	bench_spin_unlock(&b->lock);
	return n;
}

uint64_t buddy_free_huge(buddy_t *b)
{
	return buddy_free_huge_listed(b) + (cached_frames(b, 1) >> BUDDY_HUGE_ORDER);
}

void buddy_cache_params(buddy_t *b, unsigned order, uint32_t *batch, uint32_t *high)
{
	*batch = *high = 0;
	if (order != 0 && order != BUDDY_HUGE_ORDER)
		return;
	struct buddy_cache *c = &b->core[0].cache[order == 0 ? 0 : 1];
	*batch = c->batch;
	*high = c->high;
}

buddy_result_t buddy_set_cache(buddy_t *b, unsigned order, uint32_t batch, uint32_t high)
{
	if (order != 0 && order != BUDDY_HUGE_ORDER)
		return BUDDY_ERR_ORDER;
	if (batch > high)
		return BUDDY_ERR_INIT;
	if (batch == 0)
		high = 0;
	unsigned cls = order == 0 ? 0 : 1;
	bench_spin_lock(&b->lock);
	for (uint32_t i = 0; i < b->cores; i++) {
		struct buddy_cache *c = &b->core[i].cache[cls];
		buddy_cache_return(b, c, order, cache_count(c));
		c->batch = batch;
		c->high = high;
	}
	bench_spin_unlock(&b->lock);
	return BUDDY_OK;
}

uint32_t buddy_cache_count(buddy_t *b, size_t core, unsigned order)
{
	if (core >= b->cores || (order != 0 && order != BUDDY_HUGE_ORDER))
		return 0;
	return cache_count(&b->core[core].cache[order == 0 ? 0 : 1]);
}

const char *buddy_strerror(buddy_result_t res)
{
	switch (res) {
	case BUDDY_OK: return "ok";
	case BUDDY_ERR_MEMORY: return "out of memory";
	case BUDDY_ERR_ORDER: return "order out of range";
	case BUDDY_ERR_ALIGN: return "frame not aligned to its order";
	case BUDDY_ERR_RANGE: return "frame out of range";
	case BUDDY_ERR_DOUBLE_FREE: return "double free";
	case BUDDY_ERR_CORE: return "core out of range";
	case BUDDY_ERR_BUFFER: return "metadata buffer too small or misaligned";
	case BUDDY_ERR_INIT: return "bad init or cache arguments";
	case BUDDY_ERR_WRONG_ORDER: return "not the start of an allocation of this order";
	}
	return "unknown error";
}
