/*
 * The buddy baseline (bench/buddy.h; shared/design/benchmarks.md, "Baselines").
 *
 * Zone: one free list per order, doubly linked through the per-frame
 * metadata, protected by one spinlock. Freeing merges a block with its buddy
 * (frame ^ 2^order) as long as the buddy is a free zone block of the same
 * order. Allocation takes the smallest non-empty order and splits it, putting
 * the upper halves back on the lists.
 *
 * Per-core caches for order 0 and order 9: a core allocates from the head of
 * its cache and frees to the head (the hottest frames are reused first);
 * refill takes `batch` blocks from the zone under one lock acquisition, and a
 * cache grown above `high` returns its `batch` oldest blocks (the tail).
 *
 * Every frame has a state byte (state and order): only the head frame of a
 * block has a state other than INNER. The byte is atomic (relaxed) because
 * the zone, under its lock, reads the state of a buddy that may sit in
 * another core's cache while that core changes it without the lock; what the
 * zone needs is only "is it a free zone block", which does not change
 * outside the lock. List links of zone blocks are written under the lock,
 * those of cached blocks only by the owning core.
 *
 * This file is the allocation path (zone, caches, get, put, drain); set-up,
 * cache parameters, counters and error names are in buddy_setup.c, the data
 * layout in buddy_layout.h, the invariant check in buddy_validate.c.
 */
#include "buddy.h"

#include "buddy_layout.h"

/* --- zone (lock held) ----------------------------------------------------- */

/* Take a block of `order`, splitting the smallest larger one; its head gets
 * `state`. NIL when no block of order or above is free. */
static uint32_t zone_take(buddy_t *b, unsigned order, enum frame_state state)
{
	struct buddy_zone *z = &b->zone;
	unsigned k = order;
	while (k <= BUDDY_MAX_ORDER && z->free[k].head == NIL)
		k++;
	if (k > BUDDY_MAX_ORDER)
		return NIL;

	uint32_t f = z->free[k].head;
	list_remove(b, &z->free[k], f);
	z->nr_free[k]--;
	while (k > order) {
		k--;
		uint32_t upper = f + (1u << k);
		set_info(b, upper, FRAME_ZONE, k);
		list_push_head(b, &z->free[k], upper);
		z->nr_free[k]++;
	}
	set_info(b, f, state, order);
	z->free_frames -= 1u << order;
	return f;
}

/* A merged block goes to the tail of its list when its buddy's parent is
 * free already: should the buddy be freed too, two levels merge at once, so
 * it pays to hand out other blocks first (Linux does the same). */
static bool zone_merge_likely(buddy_t *b, uint32_t f, unsigned order)
{
	if (order + 1 >= BUDDY_MAX_ORDER)
		return false;
	uint32_t parent = f & ~(1u << order);
	uint32_t uncle = parent ^ (1u << (order + 1));
	return uncle < b->frames && get_info(b, uncle) == make_info(FRAME_ZONE, order + 1);
}

/* Return a block to the zone, merging it with free buddies. */
static void zone_free(buddy_t *b, uint32_t f, unsigned order)
{
	struct buddy_zone *z = &b->zone;
	uint32_t frames = 1u << order;

	set_info(b, f, FRAME_INNER, 0);
	while (order < BUDDY_MAX_ORDER) {
		uint32_t buddy = f ^ (1u << order);
		if (buddy >= b->frames || get_info(b, buddy) != make_info(FRAME_ZONE, order))
			break;
		list_remove(b, &z->free[order], buddy);
		z->nr_free[order]--;
		set_info(b, buddy, FRAME_INNER, 0);
		f &= buddy;
		order++;
	}
	set_info(b, f, FRAME_ZONE, order);
	if (zone_merge_likely(b, f, order))
		list_push_tail(b, &z->free[order], f);
	else
		list_push_head(b, &z->free[order], f);
	z->nr_free[order]++;
	z->free_frames += frames;
}

/* --- per-core caches ------------------------------------------------------- */

/* The cache of `core` for `order`, or NULL when the order has none or it is off. */
static inline struct buddy_cache *cache_of(buddy_t *b, size_t core, unsigned order)
{
	struct buddy_cache *c;
	if (order == 0)
		c = &b->core[core].cache[0];
	else if (order == BUDDY_HUGE_ORDER)
		c = &b->core[core].cache[1];
	else
		return NULL;
	return c->batch ? c : NULL;
}

static inline void cache_set_count(struct buddy_cache *c, uint32_t count)
{
	atomic_store_explicit(&c->count, count, memory_order_relaxed);
}

/* Fill an empty cache with up to `batch` blocks under one lock acquisition. */
static uint32_t cache_refill(buddy_t *b, struct buddy_cache *c, unsigned order)
{
	uint32_t n = 0;
	bench_spin_lock(&b->lock);
	for (; n < c->batch; n++) {
		uint32_t f = zone_take(b, order, FRAME_CACHED);
		if (f == NIL)
			break;
		list_push_tail(b, &c->list, f);
	}
	bench_spin_unlock(&b->lock);
	cache_set_count(c, n);
	return n;
}

void buddy_cache_return(buddy_t *b, struct buddy_cache *c, unsigned order, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t f = c->list.tail;
		list_remove(b, &c->list, f);
		zone_free(b, f, order);
	}
	cache_set_count(c, cache_count(c) - n);
}

static bool cache_get(buddy_t *b, struct buddy_cache *c, unsigned order, uint32_t *frame)
{
	uint32_t count = cache_count(c);
	if (count == 0) {
		count = cache_refill(b, c, order);
		if (count == 0)
			return false;
	}
	uint32_t f = c->list.head;
	list_remove(b, &c->list, f);
	cache_set_count(c, count - 1);
	set_info(b, f, FRAME_ALLOCATED, order);
	*frame = f;
	return true;
}

static void cache_put(buddy_t *b, struct buddy_cache *c, uint32_t f, unsigned order)
{
	set_info(b, f, FRAME_CACHED, order);
	list_push_head(b, &c->list, f);
	uint32_t count = cache_count(c) + 1;
	cache_set_count(c, count);
	if (count > c->high) {
		bench_spin_lock(&b->lock);
		buddy_cache_return(b, c, order, c->batch);
		bench_spin_unlock(&b->lock);
	}
}

/* --- get and put --------------------------------------------------------- */

buddy_result_t buddy_get(buddy_t *b, size_t core, unsigned order, uint64_t *frame)
{
	if (order > BUDDY_MAX_ORDER)
		return BUDDY_ERR_ORDER;
	if (core >= b->cores)
		return BUDDY_ERR_CORE;

	struct buddy_cache *c = cache_of(b, core, order);
	uint32_t f;
	if (c != NULL) {
		if (!cache_get(b, c, order, &f))
			return BUDDY_ERR_MEMORY;
	} else {
		bench_spin_lock(&b->lock);
		f = zone_take(b, order, FRAME_ALLOCATED);
		bench_spin_unlock(&b->lock);
		if (f == NIL)
			return BUDDY_ERR_MEMORY;
	}
	*frame = f;
	return BUDDY_OK;
}

/* Why a put was refused: the frame, or a block covering it, is free (double
 * free), or it is allocated with another order or as part of a larger block.
 * Taken under the lock so that zone blocks do not merge meanwhile. */
static buddy_result_t put_error(buddy_t *b, uint32_t f)
{
	buddy_result_t res = BUDDY_ERR_WRONG_ORDER;
	bench_spin_lock(&b->lock);
	for (unsigned k = 0; k <= BUDDY_MAX_ORDER; k++) {
		uint32_t head = f & ~((1u << k) - 1);
		uint8_t info = get_info(b, head);
		if (info_state(info) == FRAME_INNER)
			continue;
		/* The nearest head at or below f: it covers f or nothing does. */
		if (f - head < (1u << info_order(info)) && info_state(info) != FRAME_ALLOCATED)
			res = BUDDY_ERR_DOUBLE_FREE;
		break;
	}
	bench_spin_unlock(&b->lock);
	return res;
}

buddy_result_t buddy_put(buddy_t *b, size_t core, uint64_t frame, unsigned order)
{
	if (order > BUDDY_MAX_ORDER)
		return BUDDY_ERR_ORDER;
	if (core >= b->cores)
		return BUDDY_ERR_CORE;
	if (frame >= b->frames)
		return BUDDY_ERR_RANGE;
	if ((frame & ((1u << order) - 1)) != 0)
		return BUDDY_ERR_ALIGN;
	if ((1u << order) > b->frames - frame)
		return BUDDY_ERR_RANGE;

	uint32_t f = (uint32_t)frame;
	if (get_info(b, f) != make_info(FRAME_ALLOCATED, order))
		return put_error(b, f);

	struct buddy_cache *c = cache_of(b, core, order);
	if (c != NULL) {
		cache_put(b, c, f, order);
	} else {
		bench_spin_lock(&b->lock);
		zone_free(b, f, order);
		bench_spin_unlock(&b->lock);
	}
	return BUDDY_OK;
}

void buddy_drain(buddy_t *b, size_t core)
{
	if (core >= b->cores)
		return;
	struct buddy_core *cc = &b->core[core];
	if (cache_count(&cc->cache[0]) == 0 && cache_count(&cc->cache[1]) == 0)
		return; /* nothing cached: leave the zone lock alone */
	bench_spin_lock(&b->lock);
	for (unsigned cls = 0; cls < CACHE_CLASSES; cls++) {
		struct buddy_cache *c = &cc->cache[cls];
		buddy_cache_return(b, c, class_order[cls], cache_count(c));
	}
	bench_spin_unlock(&b->lock);
}
