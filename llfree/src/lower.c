/*
 * Lower allocator of LLFree (design 2 and 3). Ordering rule: allocation
 * takes the area counter before it sets bits; free clears bits before it
 * gives the counter back; undo runs in reverse. With persistence, each
 * CAS is written back before the next step, so that a crash leaves at most
 * counters that a recount from the bitfields repairs. The get and put paths
 * are inline in lower.h; here are layout, init, recovery, get-at, the huge
 * split and undo, and validation.
 */
#include "lower.h"

#include "hooks.h"
#include "persist.h"

#define AREA_ROWS BITFIELD_ROWS
#define TREE_AREAS LLFREE_AREAS_PER_TREE

static size_t align_up(size_t x, size_t to)
{
	return (x + to - 1) / to * to;
}

void lower_layout(uint64_t frames, lower_layout_t *layout)
{
	layout->areas = (size_t)((frames + LLFREE_AREA_FRAMES - 1) / LLFREE_AREA_FRAMES);
	layout->trees = (layout->areas + TREE_AREAS - 1) / TREE_AREAS;
	size_t padded_areas = layout->trees * TREE_AREAS;
	layout->bitfields_at = sizeof(struct llfree_meta);
	layout->entries_at = layout->bitfields_at + padded_areas * sizeof(bitfield_t);
	layout->size = layout->entries_at +
		       align_up(layout->trees * LOWER_ENTRY_GROUP * sizeof(area_t), LLFREE_ALIGN);
}

void lower_place(llfree_t *self, void *lower, const lower_layout_t *layout)
{
	char *base = lower;
	self->lower = lower;
	self->areas = layout->areas;
	self->trees = layout->trees;
	self->meta = (struct llfree_meta *)base;
	self->bitfields = (bitfield_t *)(base + layout->bitfields_at);
	self->area_entries = (_Atomic uint16_t *)(base + layout->entries_at);
}

/* Frames of area that lie inside managed memory (0 for padding areas). */
static unsigned area_valid(const llfree_t *self, size_t area)
{
	uint64_t first = (uint64_t)area * LLFREE_AREA_FRAMES;
	if (first >= self->frames)
		return 0;
	uint64_t left = self->frames - first;
	return left >= LLFREE_AREA_FRAMES ? LLFREE_AREA_FRAMES : (unsigned)left;
}

static size_t padded_areas(const llfree_t *self)
{
	return self->trees * TREE_AREAS;
}

static void persist_all(const llfree_t *self)
{
	if (!self->persistent)
		return;
	lower_layout_t layout;
	lower_layout(self->frames, &layout);
	for (size_t at = 0; at < layout.size; at += LLFREE_ALIGN)
		llfree_writeback((char *)self->lower + at);
	llfree_fence();
}

llfree_result_t lower_check_meta(const llfree_t *self)
{
	if (self->meta->magic != LOWER_MAGIC) {
		llfree_log("llfree: recover: magic %llx, expected %llx\n",
			   (unsigned long long)self->meta->magic, (unsigned long long)LOWER_MAGIC);
		return LLFREE_ERR_MAGIC;
	}
	if (self->meta->frames != self->frames) {
		llfree_log("llfree: recover: buffer holds %llu frames, expected %llu\n",
			   (unsigned long long)self->meta->frames, (unsigned long long)self->frames);
		return LLFREE_ERR_SIZE;
	}
	return LLFREE_OK;
}

void lower_set_crashed(llfree_t *self, bool crashed)
{
	atomic_store_explicit(&self->meta->crashed, crashed ? 1 : 0, memory_order_seq_cst);
	llfree_persist(self->persistent, self->meta);
}

void lower_init(llfree_t *self, llfree_init_mode_t mode)
{
	/* An init torn by a crash must not look valid: magic last (design 3). */
	self->meta->magic = 0;
	llfree_persist(self->persistent, self->meta);
	size_t groups_end = self->trees * LOWER_ENTRY_GROUP;
	for (size_t i = 0; i < groups_end; i++)
		atomic_store_explicit(&self->area_entries[i], 0, memory_order_relaxed);
	for (size_t a = 0; a < padded_areas(self); a++) {
		unsigned valid = area_valid(self, a);
		bool huge = mode == LLFREE_INIT_ALLOC && valid == LLFREE_AREA_FRAMES;
		/* A huge area keeps a zero bitfield; a partial one allocated frame by frame. */
		bitfield_init(lower_bitfield(self, a), huge ? LLFREE_AREA_FRAMES : valid,
			      mode == LLFREE_INIT_ALLOC && !huge);
		area_t entry = area_make(mode == LLFREE_INIT_FREE ? valid : 0, huge);
		atomic_store_explicit(lower_entry(self, a), entry, memory_order_relaxed);
	}
	self->meta->frames = self->frames;
	atomic_store_explicit(&self->meta->crashed, 0, memory_order_relaxed);
	persist_all(self);
	self->meta->magic = LOWER_MAGIC;
	llfree_persist(self->persistent, self->meta);
}

bool lower_recover(llfree_t *self)
{
	bool crashed = atomic_load_explicit(&self->meta->crashed, memory_order_acquire) != 0;
	if (!crashed)
		return false;
	/*
	 * Deep recovery: the bitfields are the truth, read in each area's
	 * polarity, except that a huge entry owns its area (its bitfield is
	 * reset, polarity 0; a claim of an unfinished free of several areas is
	 * dropped: the block stays allocated). Frames past the end stay
	 * allocated whatever was found.
	 */
	for (size_t a = 0; a < padded_areas(self); a++) {
		bitfield_t *bf = lower_bitfield(self, a);
		_Atomic uint16_t *entry = lower_entry(self, a);
		area_t old = area_load(entry);
		unsigned valid = area_valid(self, a);
		if (area_huge(old) && valid == LLFREE_AREA_FRAMES) {
			bitfield_init(bf, LLFREE_AREA_FRAMES, false);
			atomic_store_explicit(entry, area_make(0, true), memory_order_relaxed);
		} else {
			uint64_t pol = area_polarity(old);
			bitfield_mark_tail(bf, valid, pol);
			unsigned free = LLFREE_AREA_FRAMES - bitfield_allocated(bf, pol);
			atomic_store_explicit(entry, area_make_polarity(free, false, area_inverted(old)),
					      memory_order_relaxed);
		}
	}
	persist_all(self);
	return true;
}

void lower_areas_from_huge(const llfree_t *self, size_t first, size_t count)
{
	while (count-- > 0) {
		area_t seen;
		bool ok = area_update(lower_entry(self, first + count), area_from_huge, 0, &seen);
		llfree_assert(ok);
		(void)ok;
		llfree_persist(self->persistent, lower_entry(self, first + count));
	}
}

llfree_result_t lower_get_at(const llfree_t *self, uint64_t frame, unsigned order)
{
	size_t area = (size_t)(frame / LLFREE_AREA_FRAMES);
	if (order >= LLFREE_HUGE_ORDER)
		return lower_areas_to_huge(self, area, (size_t)1 << (order - LLFREE_HUGE_ORDER))
			       ? LLFREE_OK
			       : LLFREE_ERR_IN_USE;
	_Atomic uint16_t *entry = lower_entry(self, area);
	area_t seen;
	if (!area_update(entry, area_dec, 1u << order, &seen))
		return LLFREE_ERR_IN_USE;
	llfree_persist(self->persistent, entry);
	unsigned index = (unsigned)(frame % LLFREE_AREA_FRAMES);
	if (bitfield_get_at(lower_bitfield(self, area), index, order, area_polarity(seen),
			    self->persistent) != LLFREE_OK) {
		lower_area_give_back(self, entry, 1u << order);
		return LLFREE_ERR_IN_USE;
	}
	return LLFREE_OK;
}

/*
 * Split a huge area (design 2, docs/llfree.md "the huge split"): one CAS
 * clears the huge flag and flips the polarity, so that the untouched
 * bitfield reads "all allocated" (area.h). Nothing is filled, so there is
 * nothing to wait for: every core that frees a piece of the area either
 * makes this CAS or finds it made, and goes on to clear its own bits. (The
 * former split filled the rows first, and other freers of the area waited
 * for the core that claimed it.) A crash after the CAS leaves a consistent
 * area: the bitfield, read in the new polarity, is the truth.
 */
area_t lower_split_huge(const llfree_t *self, size_t area)
{
	_Atomic uint16_t *entry = lower_entry(self, area);
	LLFREE_HOOK(LLFREE_HOOK_SPLIT_SEEN, area);
	area_t seen;
	if (!area_update(entry, area_split, 0, &seen))
		return seen; /* split by another core, or claimed by a free of the whole block */
	llfree_persist(self->persistent, entry);
	LLFREE_HOOK(LLFREE_HOOK_SPLIT_DONE, area);
	return area_make_polarity(0, false, !area_inverted(seen));
}

llfree_result_t lower_put_huge_refused(const llfree_t *self, size_t first, size_t count,
				       area_t seen)
{
	if (area_huge(seen)) {
		/* Refused on a huge area only if a free of the same block claimed it. */
		llfree_log("llfree: concurrent double free of the block at area %llu\n",
			   (unsigned long long)first);
		return LLFREE_ERR_DOUBLE_FREE;
	}
	for (size_t i = 0; i < count; i++)
		if (!area_entirely_free(area_load(lower_entry(self, first + i))))
			return LLFREE_ERR_WRONG_ORDER;
	return LLFREE_ERR_DOUBLE_FREE;
}

/* Undo of the claims of areas first+count-1 down to first. */
static void unclaim_areas(const llfree_t *self, size_t first, size_t count)
{
	while (count-- > 0) {
		area_t seen;
		bool ok = area_update(lower_entry(self, first + count), area_unclaim, 0, &seen);
		llfree_assert(ok);
		(void)ok;
	}
}

/*
 * Several areas (order >= 10), all or nothing: claim every area (huge ->
 * huge, freeing), then free every area. A free that finds an area it needs
 * not huge, or claimed by another free, gives its claims back and changes
 * nothing; two frees of overlapping blocks cannot both get past their
 * claims, so neither leaves part of a block freed. Claims are not written
 * back: a crash drops them (lower_recover), leaving the block allocated.
 */
llfree_result_t lower_put_areas(const llfree_t *self, size_t first, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		area_t seen;
		if (!area_update(lower_entry(self, first + i), area_claim, 0, &seen)) {
			unclaim_areas(self, first, i);
			return lower_put_huge_refused(self, first, count, seen);
		}
		LLFREE_HOOK(LLFREE_HOOK_PUT_HUGE_CLAIMED, first + i);
	}
	for (size_t i = 0; i < count; i++) {
		_Atomic uint16_t *entry = lower_entry(self, first + i);
		area_t seen;
		bool ok = area_update(entry, area_from_huge, 1, &seen);
		llfree_assert(ok);
		(void)ok;
		llfree_persist(self->persistent, entry);
	}
	return LLFREE_OK;
}

bool lower_is_free(const llfree_t *self, uint64_t frame, unsigned order)
{
	size_t area = (size_t)(frame / LLFREE_AREA_FRAMES);
	if (order >= LLFREE_HUGE_ORDER) {
		size_t count = (size_t)1 << (order - LLFREE_HUGE_ORDER);
		for (size_t i = 0; i < count; i++)
			if (!area_entirely_free(area_load(lower_entry(self, area + i))))
				return false;
		return true;
	}
	area_t a = area_load(lower_entry(self, area));
	if (area_huge(a))
		return false;
	return bitfield_is_free(lower_bitfield(self, area), (unsigned)(frame % LLFREE_AREA_FRAMES),
				order, area_polarity(a));
}

uint64_t lower_count_free(const llfree_t *self, uint64_t frame, unsigned order)
{
	size_t area = (size_t)(frame / LLFREE_AREA_FRAMES);
	if (order >= LLFREE_HUGE_ORDER) {
		uint64_t free = 0;
		for (size_t i = 0; i < (size_t)1 << (order - LLFREE_HUGE_ORDER); i++) {
			area_t a = area_load(lower_entry(self, area + i));
			free += area_huge(a) ? 0 : area_free(a);
		}
		return free;
	}
	area_t a = area_load(lower_entry(self, area));
	if (area_huge(a))
		return 0;
	return bitfield_count_free(lower_bitfield(self, area), (unsigned)(frame % LLFREE_AREA_FRAMES),
				   1u << order, area_polarity(a));
}

uint32_t lower_tree_free(const llfree_t *self, size_t tree)
{
	uint32_t free = 0;
	for (size_t i = 0; i < TREE_AREAS; i++)
		free += area_free(area_load(lower_entry(self, tree * TREE_AREAS + i)));
	return free;
}

uint64_t lower_free_huge(const llfree_t *self)
{
	uint64_t huge = 0;
	for (size_t a = 0; a < self->areas; a++)
		huge += area_entirely_free(area_load(lower_entry(self, a)));
	return huge;
}

static llfree_result_t validate_area(const llfree_t *self, size_t a)
{
	const bitfield_t *bf = lower_bitfield(self, a);
	unsigned valid = area_valid(self, a);
	area_t entry = area_load(lower_entry(self, a));
	uint64_t pol = area_polarity(entry);
	unsigned counted = LLFREE_AREA_FRAMES - bitfield_allocated(bf, pol);
	if (!area_agrees(a, entry, counted, valid))
		return LLFREE_ERR_CORRUPT;
	if (!bitfield_tail_set(bf, valid, pol)) {
		llfree_log("llfree: area %llu: frames past %u not all allocated\n",
			   (unsigned long long)a, valid);
		return LLFREE_ERR_CORRUPT;
	}
	return LLFREE_OK;
}

llfree_result_t lower_validate(const llfree_t *self)
{
	if (self->meta->magic != LOWER_MAGIC || self->meta->frames != self->frames) {
		llfree_log("llfree: meta record damaged\n");
		return LLFREE_ERR_CORRUPT;
	}
	for (size_t a = 0; a < padded_areas(self); a++) {
		llfree_result_t res = validate_area(self, a);
		if (res != LLFREE_OK)
			return res;
	}
	return LLFREE_OK;
}
