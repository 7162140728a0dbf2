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
 * The data layout is in buddy_layout.h, the invariant check in buddy_validate.c.
 */
#include "buddy.h"

#include "buddy_layout.h"

static const uint32_t default_batch[CACHE_CLASSES] = {63, 2};
static const uint32_t default_high[CACHE_CLASSES] = {6 * 63, 4};

/* --- lists ---------------------------------------------------------------- */

static inline void list_init(struct frame_list *l)
{
	l->head = l->tail = NIL;
}

static inline void list_push_head(buddy_t *b, struct frame_list *l, uint32_t f)
{
	b->frame[f].prev = NIL;
	b->frame[f].next = l->head;
	if (l->head != NIL)
		b->frame[l->head].prev = f;
	else
		l->tail = f;
	l->head = f;
}

static inline void list_push_tail(buddy_t *b, struct frame_list *l, uint32_t f)
{
	b->frame[f].next = NIL;
	b->frame[f].prev = l->tail;
	if (l->tail != NIL)
		b->frame[l->tail].next = f;
	else
		l->head = f;
	l->tail = f;
}

static inline void list_remove(buddy_t *b, struct frame_list *l, uint32_t f)
{
	uint32_t prev = b->frame[f].prev, next = b->frame[f].next;
	if (prev != NIL)
		b->frame[prev].next = next;
	else
		l->head = next;
	if (next != NIL)
		b->frame[next].prev = prev;
	else
		l->tail = prev;
}

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

/* Give the `n` oldest blocks (the tail) back to the zone; lock held. */
static void cache_return(buddy_t *b, struct buddy_cache *c, unsigned order, uint32_t n)
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
		cache_return(b, c, order, c->batch);
		bench_spin_unlock(&b->lock);
	}
}

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

/* --- public interface ----------------------------------------------------- */

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
		cache_return(b, c, class_order[cls], cache_count(c));
	}
	bench_spin_unlock(&b->lock);
}

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
		cache_return(b, c, order, cache_count(c));
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
