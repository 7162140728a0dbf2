/*
 * Lower allocator (design 1-3): the bitfields and area entries of all
 * areas plus the meta record, the persistent part of LLFree. Allocates
 * inside one tree from a hint; frees anywhere.
 *
 * Layout of the lower buffer (lower_layout):
 *   meta record            one cache line
 *   bitfields              one cache line per area, padded to whole trees
 *   area entries           per tree one group of LLFREE_AREAS_PER_TREE
 *                          16-bit words, each group padded to a cache line
 */
#ifndef LLFREE_LOWER_H
#define LLFREE_LOWER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "area.h"
#include "bitfield.h"
#include "inline.h"
#include "llfree.h"
#include "persist.h"

/* "LLFree" plus the geometry: a buffer written with other trees does not recover. */
#define LOWER_MAGIC (0x4c4c467265650000ull | LLFREE_AREAS_PER_TREE_SHIFT)

struct llfree_meta {
	_Alignas(LLFREE_ALIGN) uint64_t magic;
	uint64_t frames;
	_Atomic uint64_t crashed; /* set after init, cleared by llfree_shutdown */
};
_Static_assert(sizeof(struct llfree_meta) == LLFREE_ALIGN, "meta record is one cache line");

/* Area entries per tree group: a whole number of cache lines. */
#define LOWER_ENTRY_GROUP                                                                          \
	(((LLFREE_AREAS_PER_TREE * sizeof(area_t) + LLFREE_ALIGN - 1) / LLFREE_ALIGN) *           \
	 LLFREE_ALIGN / sizeof(area_t))
_Static_assert(LOWER_ENTRY_GROUP >= LLFREE_AREAS_PER_TREE, "group holds the tree's areas");
_Static_assert((LOWER_ENTRY_GROUP * sizeof(area_t)) % LLFREE_ALIGN == 0, "groups are lines");

typedef struct lower_layout {
	size_t areas;        /* areas holding frames */
	size_t trees;        /* trees holding frames */
	size_t bitfields_at; /* byte offsets in the lower buffer */
	size_t entries_at;
	size_t size; /* bytes in all */
} lower_layout_t;

/* The one computation of the layout, shared by the size query and init (mistake 9). */
void lower_layout(uint64_t frames, lower_layout_t *layout);
/* Point self's lower fields into the buffer (nothing written). */
void lower_place(llfree_t *self, void *lower, const lower_layout_t *layout);

/* RECOVER precondition: MAGIC or SIZE if the meta record does not match (nothing written). */
llfree_result_t lower_check_meta(const llfree_t *self);
/* FREE or ALLOC init of every area. */
void lower_init(llfree_t *self, llfree_init_mode_t mode);
/* RECOVER: with the crashed flag set, recount every area from its bitfield. Returns the flag. */
bool lower_recover(llfree_t *self);
void lower_set_crashed(llfree_t *self, bool crashed);

llfree_result_t lower_get_at(const llfree_t *self, uint64_t frame, unsigned order);
bool lower_is_free(const llfree_t *self, uint64_t frame, unsigned order);
/* Free frames in frame .. frame+2^order-1 (area counters for whole areas, else bits). */
uint64_t lower_count_free(const llfree_t *self, uint64_t frame, unsigned order);

/* Sum of the tree's area counters. */
uint32_t lower_tree_free(const llfree_t *self, size_t tree);
uint64_t lower_free_huge(const llfree_t *self);
llfree_result_t lower_validate(const llfree_t *self);

/* Frames the tree can hold (inline: every free that credits a tree entry asks). */
static inline uint32_t lower_tree_capacity(const llfree_t *self, size_t tree)
{
	uint64_t first = (uint64_t)tree * LLFREE_TREE_FRAMES;
	uint64_t left = self->frames - first;
	return left >= LLFREE_TREE_FRAMES ? LLFREE_TREE_FRAMES : (uint32_t)left;
}

static inline _Atomic uint16_t *lower_entry(const llfree_t *self, size_t area)
{
	return &self->area_entries[(area >> LLFREE_AREAS_PER_TREE_SHIFT) * LOWER_ENTRY_GROUP +
				   (area & (LLFREE_AREAS_PER_TREE - 1))];
}

static inline bitfield_t *lower_bitfield(const llfree_t *self, size_t area)
{
	return &self->bitfields[area];
}

/*
 * The allocation and free paths of orders below 9 are inline, like the
 * levels below them (area.h, bitfield.h): upper.c runs them on every get and
 * put, and a call per level costs as much as the work. Ordering rule (design
 * 2): allocation takes the area counter before it sets bits; free clears
 * bits before it gives the counter back; undo runs in reverse. With
 * persistence, each CAS is written back before the next step.
 */

/* Why a free of whole areas was refused; seen: the refusing area's entry (cold). */
llfree_result_t lower_put_huge_refused(const llfree_t *self, size_t first, size_t count,
				       area_t seen);
/* Free of several areas (order >= 10): claim each, then free each (lower.c). */
llfree_result_t lower_put_areas(const llfree_t *self, size_t first, size_t count);
/* Undo of lower_areas_to_huge: areas first+count-1 down to first back from huge (lower.c). */
void lower_areas_from_huge(const llfree_t *self, size_t first, size_t count);
/*
 * Split a huge area so that its frames can be freed one by one: one CAS
 * (area_split). Returns the entry after the split, or, if the area was no
 * longer huge or is claimed by a free of several areas, the entry that
 * refused (cold).
 */
area_t lower_split_huge(const llfree_t *self, size_t area);

/* Give back frames taken from an area counter (bits cleared, or never set). */
static inline void lower_area_give_back(const llfree_t *self, _Atomic uint16_t *entry,
					unsigned frames)
{
	area_t seen;
	bool ok = area_update(entry, area_inc, frames, &seen);
	llfree_assert(ok);
	(void)ok;
	llfree_persist(self->persistent, entry);
}

/* Orders 0..8 in one area: counter first, then bits; on failure the counter goes back. */
static LLFREE_HOT llfree_result_t lower_get_small(const llfree_t *self, size_t area,
						   unsigned row, unsigned order,
						   uint64_t *frame)
{
	_Atomic uint16_t *entry = lower_entry(self, area);
	area_t seen;
	if (!area_update(entry, area_dec, 1u << order, &seen))
		return LLFREE_ERR_MEMORY;
	llfree_persist(self->persistent, entry);
	unsigned index;
	bitfield_t *bf = lower_bitfield(self, area);
	llfree_result_t res = __builtin_expect(area_inverted(seen), 0)
				      ? bitfield_get_inverted(bf, row, order, self->persistent, &index)
				      : bitfield_get(bf, row, order, 0, self->persistent, &index);
	if (res == LLFREE_OK) {
		*frame = (uint64_t)area * LLFREE_AREA_FRAMES + index;
		return LLFREE_OK;
	}
	lower_area_give_back(self, entry, 1u << order);
	return LLFREE_ERR_MEMORY;
}

/* The hint's row inside the tree, or the tree's first row if the hint lies elsewhere. */
static inline unsigned lower_hint_in_tree(size_t tree, uint64_t hint_row)
{
	const uint64_t tree_rows = (uint64_t)LLFREE_AREAS_PER_TREE * BITFIELD_ROWS;
	return hint_row / tree_rows == tree ? (unsigned)(hint_row % tree_rows) : 0;
}

/* Convert areas first .. first+count-1 to huge; undo exactly the converted ones (mistake 1). */
static LLFREE_HOT bool lower_areas_to_huge(const llfree_t *self, size_t first, size_t count)
{
	for (size_t i = 0; i < count; i++) {
		_Atomic uint16_t *entry = lower_entry(self, first + i);
		area_t seen;
		if (!area_update(entry, area_to_huge, 0, &seen)) {
			lower_areas_from_huge(self, first, i);
			return false;
		}
		llfree_persist(self->persistent, entry);
	}
	return true;
}

/* Orders 9 .. LLFREE_MAX_ORDER: aligned groups of whole areas, circularly from the hint's. */
static LLFREE_HOT llfree_result_t lower_get_huge(const llfree_t *self, size_t tree,
						 uint64_t hint_row, unsigned order,
						 uint64_t *frame)
{
	size_t start = lower_hint_in_tree(tree, hint_row) / BITFIELD_ROWS;
	/* Powers of two: shifts and masks, no division on the hot path. */
	unsigned shift = order - LLFREE_HUGE_ORDER;
	size_t count = (size_t)1 << shift;
	size_t groups = LLFREE_AREAS_PER_TREE >> shift;
	for (size_t i = 0; i < groups; i++) {
		size_t first = tree * LLFREE_AREAS_PER_TREE +
			       ((((start >> shift) + i) & (groups - 1)) << shift);
		if (lower_areas_to_huge(self, first, count)) {
			*frame = (uint64_t)first * LLFREE_AREA_FRAMES;
			return LLFREE_OK;
		}
	}
	return LLFREE_ERR_MEMORY;
}

/* Allocate 2^order frames inside tree, starting at hint_row (a row number of the whole range). */
static LLFREE_HOT llfree_result_t lower_get(const llfree_t *self, size_t tree,
					     uint64_t hint_row, unsigned order,
					     uint64_t *frame)
{
	llfree_assert(tree < self->trees && order <= LLFREE_MAX_ORDER);
	if (order >= LLFREE_HUGE_ORDER)
		return lower_get_huge(self, tree, hint_row, order, frame);
	unsigned hint = lower_hint_in_tree(tree, hint_row);
	size_t start = hint / BITFIELD_ROWS;
	unsigned row = hint % BITFIELD_ROWS;
	for (size_t i = 0; i < LLFREE_AREAS_PER_TREE; i++) {
		size_t area = tree * LLFREE_AREAS_PER_TREE + (start + i) % LLFREE_AREAS_PER_TREE;
		if (lower_get_small(self, area, i == 0 ? row : 0, order, frame) == LLFREE_OK)
			return LLFREE_OK;
	}
	return LLFREE_ERR_MEMORY;
}

/*
 * Orders 9 .. LLFREE_MAX_ORDER of lower_put: whole areas back from huge, all
 * or nothing. One area is one CAS; several are claimed first (lower.c).
 */
static LLFREE_HOT llfree_result_t lower_put_huge(const llfree_t *self, size_t first,
						 size_t count)
{
	if (count > 1)
		return lower_put_areas(self, first, count);
	_Atomic uint16_t *entry = lower_entry(self, first);
	area_t seen;
	if (!area_update(entry, area_from_huge, 0, &seen))
		return lower_put_huge_refused(self, first, 1, seen);
	llfree_persist(self->persistent, entry);
	return LLFREE_OK;
}

/* Free 2^order frames from frame; bad input (double free, wrong order) changes nothing. */
static inline llfree_result_t lower_put(const llfree_t *self, uint64_t frame, unsigned order)
{
	size_t area = (size_t)(frame / LLFREE_AREA_FRAMES);
	if (order >= LLFREE_HUGE_ORDER)
		return lower_put_huge(self, area, (size_t)1 << (order - LLFREE_HUGE_ORDER));
	_Atomic uint16_t *entry = lower_entry(self, area);
	area_t a = area_load(entry);
	if (area_huge(a)) {
		a = lower_split_huge(self, area);
		if (area_huge(a)) /* a free of the whole block claimed it: one of the two is wrong */
			return LLFREE_ERR_DOUBLE_FREE;
	}
	unsigned index = (unsigned)(frame % LLFREE_AREA_FRAMES);
	bitfield_t *bf = lower_bitfield(self, area);
	llfree_result_t res = __builtin_expect(area_inverted(a), 0)
				      ? bitfield_put_inverted(bf, index, order, self->persistent)
				      : bitfield_put(bf, index, order, 0, self->persistent);
	if (res != LLFREE_OK)
		return res;
	lower_area_give_back(self, entry, 1u << order);
	return LLFREE_OK;
}

#endif
