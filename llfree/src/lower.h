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
#include "llfree.h"

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

/* Allocate 2^order frames inside tree, starting at hint_row (a row number of the whole range). */
llfree_result_t lower_get(const llfree_t *self, size_t tree, uint64_t hint_row, unsigned order,
			  uint64_t *frame);
llfree_result_t lower_get_at(const llfree_t *self, uint64_t frame, unsigned order);
llfree_result_t lower_put(const llfree_t *self, uint64_t frame, unsigned order);
bool lower_is_free(const llfree_t *self, uint64_t frame, unsigned order);

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

#endif
