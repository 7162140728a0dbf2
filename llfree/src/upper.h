/*
 * Upper allocator (design 2): tree entries and per-core reservations, the
 * volatile part of LLFree, rebuilt from the lower level at every init.
 *
 * A reservation is one 64-bit word on its own cache line, one per core and
 * kind: the present flag, the free count it took from its tree, and the
 * start row (a row number of the whole range) where the next search begins;
 * the row also names the reserved tree.
 *
 * Layout of the upper buffer: tree entries (padded to a cache line), then
 * cores x LLFREE_KINDS reservations.
 */
#ifndef LLFREE_UPPER_H
#define LLFREE_UPPER_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bitfield.h"
#include "llfree.h"
#include "tree.h"

typedef uint64_t reservation_t;

#define RES_FREE_BITS TREE_FREE_BITS
#define RES_FREE_MASK ((1ull << RES_FREE_BITS) - 1)
#define RES_PRESENT_SHIFT RES_FREE_BITS
#define RES_PRESENT_BIT (1ull << RES_PRESENT_SHIFT)
#define RES_ROW_SHIFT (RES_PRESENT_SHIFT + 1)
#define RES_ROW_BITS (64u - RES_ROW_SHIFT)

/*
 * A reservation search (upper.c, best_tree) that finds no partly filled tree
 * of the kind among this many trees nearest the previous one takes the
 * nearest entirely free tree there instead of searching every tree.
 * -DLLFREE_NEAR_TREES=N for experiments (docs/fragmentation.md).
 */
#ifndef LLFREE_NEAR_TREES
#define LLFREE_NEAR_TREES 256
#endif
#define NEAR_TREES ((size_t)LLFREE_NEAR_TREES)

/* Rows of one tree, and the row number of the whole range where a tree starts. */
#define TREE_ROWS (LLFREE_AREAS_PER_TREE * BITFIELD_ROWS)

_Static_assert(LLFREE_TREE_FRAMES <= RES_FREE_MASK, "reservation holds a whole tree");
_Static_assert((LLFREE_MAX_FRAMES / BITFIELD_ROW_BITS) < (1ull << RES_ROW_BITS),
	       "row field holds every row");

struct llfree_reservation {
	_Alignas(LLFREE_ALIGN) _Atomic uint64_t word;
};
_Static_assert(sizeof(struct llfree_reservation) == LLFREE_ALIGN, "a reservation owns a line");

static inline uint32_t res_free(reservation_t r)
{
	return (uint32_t)(r & RES_FREE_MASK);
}

static inline bool res_present(reservation_t r)
{
	return (r & RES_PRESENT_BIT) != 0;
}

static inline uint64_t res_row(reservation_t r)
{
	return r >> RES_ROW_SHIFT;
}

static inline size_t res_tree(reservation_t r)
{
	return (size_t)(res_row(r) / TREE_ROWS);
}

static inline reservation_t res_make(uint32_t free, uint64_t row)
{
	return (free & RES_FREE_MASK) | RES_PRESENT_BIT | (row << RES_ROW_SHIFT);
}

/* The upper buffer's size and the placement of its parts. */
size_t upper_size(size_t cores, size_t trees);
void upper_place(llfree_t *self, void *upper);
/* Rebuild every tree entry from the lower counters; no reservations. */
void upper_init(llfree_t *self);

static inline struct llfree_reservation *upper_reservation(const llfree_t *self, size_t core,
							   unsigned kind)
{
	return &self->reservations[core * LLFREE_KINDS + kind];
}

llfree_result_t upper_get(const llfree_t *self, size_t core, unsigned order, unsigned kind,
			  uint64_t *frame);
llfree_result_t upper_get_at(const llfree_t *self, size_t core, uint64_t frame, unsigned order);
llfree_result_t upper_put(const llfree_t *self, size_t core, uint64_t frame, unsigned order,
			  unsigned kind);
/* Give back the core's reservations. */
void upper_drain(const llfree_t *self, size_t core);
uint64_t upper_free_frames(const llfree_t *self);
/* Offline (or back online) and kind of one tree (llfree.h llfree_offline, llfree_set_kind). */
void upper_set_offline(const llfree_t *self, size_t tree, bool offline);
void upper_set_kind(const llfree_t *self, size_t tree, unsigned kind, bool fixed);
void upper_tree_info(const llfree_t *self, size_t tree, llfree_tree_info_t *info);
void upper_counts(const llfree_t *self, llfree_counts_t *counts);
llfree_result_t upper_validate(const llfree_t *self);
void upper_dump(const llfree_t *self);

#endif
