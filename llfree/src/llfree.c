/*
 * LLFree public API (llfree/include/llfree.h): argument checks, init and
 * recovery, counts. The levels below trust their arguments; every bad input
 * is refused here, before any state changes.
 */
#include "llfree.h"

#include "llfree_platform.h"
#include "lower.h"
#include "upper.h"

_Static_assert(LLFREE_MAX_ORDER <= 20, "orders index 32-bit frame counts");
_Static_assert(LLFREE_AREAS_PER_TREE_SHIFT <= 11, "tree counts are 21 bits");

llfree_meta_size_t llfree_metadata_size(size_t cores, uint64_t frames)
{
	if (cores == 0 || cores > LLFREE_MAX_CORES || frames == 0 || frames > LLFREE_MAX_FRAMES)
		return (llfree_meta_size_t){ 0, 0 };
	lower_layout_t layout;
	lower_layout(frames, &layout);
	return (llfree_meta_size_t){ .upper = upper_size(cores, layout.trees),
				     .lower = layout.size };
}

const char *llfree_strerror(llfree_result_t res)
{
	switch (res) {
	case LLFREE_OK: return "ok";
	case LLFREE_ERR_MEMORY: return "out of memory";
	case LLFREE_ERR_ORDER: return "order too large";
	case LLFREE_ERR_ALIGN: return "frame not aligned to its order";
	case LLFREE_ERR_RANGE: return "frame out of range";
	case LLFREE_ERR_DOUBLE_FREE: return "double free";
	case LLFREE_ERR_WRONG_ORDER: return "free with the wrong order";
	case LLFREE_ERR_IN_USE: return "frame in use";
	case LLFREE_ERR_KIND: return "unknown kind";
	case LLFREE_ERR_CORE: return "core out of range";
	case LLFREE_ERR_BUFFER: return "metadata buffer missing, too small or misaligned";
	case LLFREE_ERR_INIT: return "bad init configuration";
	case LLFREE_ERR_MAGIC: return "persistent state has a wrong magic";
	case LLFREE_ERR_SIZE: return "persistent state has a different frame count";
	case LLFREE_ERR_CORRUPT: return "counters disagree with the bitfields";
	case LLFREE_ERR_OFFLINE: return "frame in a tree taken offline";
	case LLFREE_ERR_ARG: return "NULL pointer argument";
	case LLFREE_ERR_STOPPED: return "allocator shut down";
	}
	return "unknown error";
}

static bool buffer_ok(const void *buffer, size_t size, size_t needed)
{
	return buffer && ((uintptr_t)buffer % LLFREE_ALIGN) == 0 && size >= needed;
}

static llfree_result_t check_config(const llfree_config_t *cfg)
{
	if (cfg->cores == 0 || cfg->cores > LLFREE_MAX_CORES || cfg->frames == 0 ||
	    cfg->frames > LLFREE_MAX_FRAMES ||
	    (cfg->mode != LLFREE_INIT_FREE && cfg->mode != LLFREE_INIT_ALLOC &&
	     cfg->mode != LLFREE_INIT_RECOVER))
		return LLFREE_ERR_INIT;
	llfree_meta_size_t need = llfree_metadata_size(cfg->cores, cfg->frames);
	if (!buffer_ok(cfg->upper, cfg->upper_size, need.upper) ||
	    !buffer_ok(cfg->lower, cfg->lower_size, need.lower))
		return LLFREE_ERR_BUFFER;
	return LLFREE_OK;
}

llfree_result_t llfree_init(llfree_t *self, const llfree_config_t *cfg)
{
	if (!self || !cfg)
		return LLFREE_ERR_ARG;
	llfree_result_t res = check_config(cfg);
	if (res != LLFREE_OK) {
		llfree_log("llfree: init: %s\n", llfree_strerror(res));
		return res;
	}
	llfree_t next = { .cores = cfg->cores,
			  .frames = cfg->frames,
			  .persistent = cfg->persistent,
			  .live_cores = cfg->cores };
	lower_layout_t layout;
	lower_layout(cfg->frames, &layout);
	lower_place(&next, cfg->lower, &layout);
	upper_place(&next, cfg->upper);
	if (cfg->mode == LLFREE_INIT_RECOVER) {
		/* Checked before anything is written: a mismatch never wipes (mistake 8). */
		res = lower_check_meta(&next);
		if (res != LLFREE_OK)
			return res;
		next.recovered_crashed = lower_recover(&next);
	} else {
		lower_init(&next, cfg->mode);
	}
	upper_init(&next);
	/* Until llfree_shutdown, a restart finds the flag and recounts (design 3). */
	lower_set_crashed(&next, true);
	*self = next;
	return LLFREE_OK;
}

/* Every call that changes the state: a handle, and not shut down. */
static llfree_result_t check_live(const llfree_t *self)
{
	if (!self)
		return LLFREE_ERR_ARG;
	if (atomic_load_explicit(&self->live_cores, memory_order_relaxed) == 0)
		return LLFREE_ERR_STOPPED;
	return LLFREE_OK;
}

llfree_result_t llfree_shutdown(llfree_t *self)
{
	llfree_result_t res = llfree_drain_all(self);
	if (res != LLFREE_OK)
		return res;
	lower_set_crashed(self, false);
	atomic_store_explicit(&self->live_cores, 0, memory_order_relaxed);
	return LLFREE_OK;
}

static llfree_result_t check_frame(const llfree_t *self, uint64_t frame, unsigned order)
{
	if (order > LLFREE_MAX_ORDER)
		return LLFREE_ERR_ORDER;
	if (frame & ((1ull << order) - 1))
		return LLFREE_ERR_ALIGN;
	if (frame >= self->frames || self->frames - frame < (1ull << order))
		return LLFREE_ERR_RANGE;
	return LLFREE_OK;
}

/* The hot paths' check: live_cores is 0 after shutdown, so one compare refuses both. */
static llfree_result_t check_core_kind(const llfree_t *self, size_t core, llfree_kind_t kind)
{
	if (!self)
		return LLFREE_ERR_ARG;
	if (core >= atomic_load_explicit(&self->live_cores, memory_order_relaxed))
		return check_live(self) == LLFREE_OK ? LLFREE_ERR_CORE : LLFREE_ERR_STOPPED;
	if ((unsigned)kind >= LLFREE_KINDS)
		return LLFREE_ERR_KIND;
	return LLFREE_OK;
}

/* get_at and put: the core and kind, then the block of frames. */
static llfree_result_t check_block(const llfree_t *self, size_t core, llfree_kind_t kind,
				   uint64_t frame, unsigned order)
{
	llfree_result_t res = check_core_kind(self, core, kind);
	return res != LLFREE_OK ? res : check_frame(self, frame, order);
}

llfree_result_t llfree_get(llfree_t *self, size_t core, unsigned order, llfree_kind_t kind,
			   uint64_t *frame)
{
	llfree_result_t res = check_core_kind(self, core, kind);
	if (res != LLFREE_OK)
		return res;
	if (order > LLFREE_MAX_ORDER)
		return LLFREE_ERR_ORDER;
	if (!frame)
		return LLFREE_ERR_ARG;
	return upper_get(self, core, order, (unsigned)kind, frame);
}

llfree_result_t llfree_get_served(llfree_t *self, size_t core, unsigned order, llfree_kind_t kind,
				  uint64_t *frame, llfree_kind_t *served)
{
	if (!served)
		return LLFREE_ERR_ARG;
	llfree_result_t res = llfree_get(self, core, order, kind, frame);
	if (res == LLFREE_OK) /* the kind only: no count of the tree's free frames */
		*served = (llfree_kind_t)tree_kind(
			tree_load(&self->tree_entries[*frame / LLFREE_TREE_FRAMES]));
	return res;
}

llfree_result_t llfree_get_at(llfree_t *self, size_t core, uint64_t frame, unsigned order,
			      llfree_kind_t kind)
{
	llfree_result_t res = check_block(self, core, kind, frame, order);
	if (res != LLFREE_OK)
		return res;
	return upper_get_at(self, core, frame, order);
}

llfree_result_t llfree_put(llfree_t *self, size_t core, uint64_t frame, unsigned order,
			   llfree_kind_t kind)
{
	llfree_result_t res = check_block(self, core, kind, frame, order);
	if (res != LLFREE_OK)
		return res;
	return upper_put(self, core, frame, order, (unsigned)kind);
}

llfree_result_t llfree_drain(llfree_t *self, size_t core)
{
	llfree_result_t res = check_live(self);
	if (res != LLFREE_OK)
		return res;
	if (core >= self->cores)
		return LLFREE_ERR_CORE;
	upper_drain(self, core);
	return LLFREE_OK;
}

llfree_result_t llfree_drain_all(llfree_t *self)
{
	llfree_result_t res = check_live(self);
	if (res != LLFREE_OK)
		return res;
	for (size_t core = 0; core < self->cores; core++)
		upper_drain(self, core);
	return LLFREE_OK;
}

static llfree_result_t check_trees(const llfree_t *self, size_t first, size_t count)
{
	llfree_result_t res = check_live(self);
	if (res != LLFREE_OK)
		return res;
	if (first > self->trees || count > self->trees - first)
		return LLFREE_ERR_RANGE;
	return LLFREE_OK;
}

static llfree_result_t set_offline(llfree_t *self, size_t first, size_t count, bool offline)
{
	llfree_result_t res = check_trees(self, first, count);
	if (res != LLFREE_OK)
		return res;
	for (size_t t = first; t < first + count; t++)
		upper_set_offline(self, t, offline);
	return LLFREE_OK;
}

llfree_result_t llfree_offline(llfree_t *self, size_t first_tree, size_t count)
{
	return set_offline(self, first_tree, count, true);
}

llfree_result_t llfree_online(llfree_t *self, size_t first_tree, size_t count)
{
	return set_offline(self, first_tree, count, false);
}

llfree_result_t llfree_set_kind(llfree_t *self, size_t first_tree, size_t count,
				llfree_kind_t kind, bool fixed)
{
	llfree_result_t res = check_trees(self, first_tree, count);
	if (res != LLFREE_OK)
		return res;
	if ((unsigned)kind >= LLFREE_KINDS)
		return LLFREE_ERR_KIND;
	for (size_t t = first_tree; t < first_tree + count; t++)
		upper_set_kind(self, t, (unsigned)kind, fixed);
	return LLFREE_OK;
}

uint64_t llfree_frames(const llfree_t *self)
{
	return self->frames;
}

size_t llfree_cores(const llfree_t *self)
{
	return self->cores;
}

size_t llfree_trees(const llfree_t *self)
{
	return self->trees;
}

uint64_t llfree_free_frames(const llfree_t *self)
{
	return upper_free_frames(self);
}

uint64_t llfree_free_huge(const llfree_t *self)
{
	return lower_free_huge(self);
}

bool llfree_is_free(const llfree_t *self, uint64_t frame, unsigned order)
{
	return check_frame(self, frame, order) == LLFREE_OK && lower_is_free(self, frame, order);
}

bool llfree_recovered_crashed(const llfree_t *self)
{
	return self->recovered_crashed;
}

llfree_result_t llfree_free_in_range(const llfree_t *self, uint64_t frame, unsigned order,
				     uint64_t *free)
{
	if (!self || !free)
		return LLFREE_ERR_ARG;
	llfree_result_t res = check_frame(self, frame, order);
	if (res == LLFREE_OK)
		*free = lower_count_free(self, frame, order);
	return res;
}

llfree_result_t llfree_counts(const llfree_t *self, llfree_counts_t *counts)
{
	if (!self || !counts)
		return LLFREE_ERR_ARG;
	upper_counts(self, counts);
	return LLFREE_OK;
}

llfree_result_t llfree_tree_info(const llfree_t *self, size_t tree, llfree_tree_info_t *info)
{
	if (!self || !info)
		return LLFREE_ERR_ARG;
	if (tree >= self->trees)
		return LLFREE_ERR_RANGE;
	upper_tree_info(self, tree, info);
	return LLFREE_OK;
}

llfree_result_t llfree_validate(const llfree_t *self)
{
	if (!self)
		return LLFREE_ERR_ARG;
	llfree_result_t res = lower_validate(self);
	if (res == LLFREE_OK)
		res = upper_validate(self);
	return res;
}

void llfree_dump(const llfree_t *self)
{
	llfree_log("llfree: %llu frames, %llu areas, %llu trees, %llu cores, free %llu, "
		   "free huge %llu%s\n",
		   (unsigned long long)self->frames, (unsigned long long)self->areas,
		   (unsigned long long)self->trees, (unsigned long long)self->cores,
		   (unsigned long long)llfree_free_frames(self),
		   (unsigned long long)llfree_free_huge(self),
		   self->persistent ? ", persistent" : "");
	upper_dump(self);
}
