/*
 * Upper allocator, private to llfree/src/upper*.c: the reservation updates
 * (pure functions and their CAS loop), the walk over trees and cores, and
 * the allocation from a reservation, which upper.c (the common path and
 * the reservation search) and upper_slow.c (out of memory, get_at) share.
 */
#ifndef LLFREE_UPPER_RES_H
#define LLFREE_UPPER_RES_H

#include "inline.h"
#include "lower.h"
#include "upper.h"

/* Reservation updates: pure functions of the loaded word and arg, as the other levels. */
typedef struct res_change {
	uint32_t frames;
	size_t tree;
	uint64_t row;
} res_change_t;
typedef bool (*res_update_fn)(reservation_t old, const res_change_t *arg, reservation_t *next);

/*
 * Where a reservation's next search starts after frames (2^order) were
 * taken from row on: the same row while a row can hold more (orders below
 * 6), else the row just past them. Wrapped inside the tree, since the row
 * also names the reserved tree.
 */
static inline uint64_t hint_after(uint64_t row, uint32_t frames)
{
	if (frames < BITFIELD_ROW_BITS)
		return row;
	return (row & ~(uint64_t)(TREE_ROWS - 1)) |
	       ((row + frames / BITFIELD_ROW_BITS) & (TREE_ROWS - 1));
}

/*
 * Take frames for an allocation and move the hint past the aligned slot at
 * the hint, where the lower search (which starts there) lands unless that
 * slot is taken. Guessing here saves the second CAS of the hint update on
 * every huge or whole-row allocation; a wrong guess is corrected after the
 * allocation (res_set_row) and is only ever a worse starting point.
 */
static inline bool res_take(reservation_t old, const res_change_t *arg, reservation_t *next)
{
	if (!res_present(old) || res_free(old) < arg->frames)
		return false;
	uint64_t row = res_row(old);
	if (arg->frames >= BITFIELD_ROW_BITS) {
		uint64_t slot = row & ~(uint64_t)(arg->frames / BITFIELD_ROW_BITS - 1);
		row = hint_after(slot, arg->frames);
	}
	*next = res_make(res_free(old) - arg->frames, row);
	return true;
}

/* Take what the reservation has of arg->frames, at least one (of arg->tree, or any if SIZE_MAX). */
static inline bool res_take_some(reservation_t old, const res_change_t *arg, reservation_t *next)
{
	if (!res_present(old) || res_free(old) == 0 ||
	    (arg->tree != SIZE_MAX && res_tree(old) != arg->tree))
		return false;
	uint32_t take = res_free(old) < arg->frames ? res_free(old) : arg->frames;
	*next = res_make(res_free(old) - take, res_row(old));
	return true;
}

static inline bool res_inc(reservation_t old, const res_change_t *arg, reservation_t *next)
{
	if (!res_present(old) || res_tree(old) != arg->tree ||
	    res_free(old) + arg->frames > LLFREE_TREE_FRAMES)
		return false;
	*next = res_make(res_free(old) + arg->frames, res_row(old));
	return true;
}

static inline bool res_set_row(reservation_t old, const res_change_t *arg, reservation_t *next)
{
	/* Refusing an unchanged row saves the CAS on most allocations. */
	if (!res_present(old) || res_tree(old) != arg->tree || res_row(old) == arg->row)
		return false;
	*next = res_make(res_free(old), arg->row);
	return true;
}

static inline bool res_drop_tree(reservation_t old, const res_change_t *arg, reservation_t *next)
{
	if (!res_present(old) || res_tree(old) != arg->tree)
		return false;
	*next = 0;
	return true;
}

/* Always inline, so that each call site gets its update folded into the loop. */
static inline __attribute__((always_inline)) bool
res_update(struct llfree_reservation *res, res_update_fn fn, const res_change_t *arg,
	   reservation_t *seen)
{
	reservation_t old = atomic_load_explicit(&res->word, memory_order_acquire);
	for (;;) {
		reservation_t next;
		if (!fn(old, arg, &next)) {
			*seen = old;
			return false;
		}
		if (atomic_compare_exchange_weak_explicit(&res->word, &old, next,
							  memory_order_acq_rel,
							  memory_order_acquire)) {
			*seen = old;
			return true;
		}
	}
}

static inline tree_change_t tree_frames(const llfree_t *self, size_t tree, uint32_t frames)
{
	return (tree_change_t){ .frames = frames, .capacity = lower_tree_capacity(self, tree) };
}

/* Frames taken from a tree's count go back to that tree's global entry. */
static LLFREE_HOT void tree_give_back(const llfree_t *self, size_t tree, uint32_t frames)
{
	tree_change_t change = tree_frames(self, tree, frames);
	tree_t seen;
	bool ok = tree_update(&self->tree_entries[tree], tree_inc, &change, &seen);
	llfree_assert(ok);
	(void)ok;
}

/*
 * The i-th of n (trees or cores) from start (i below 2 * n), alternating
 * right and left: start, +1, -1, +2, -2, ...; i below n visits each once.
 * Without division (tens of cycles each; every reservation search asks this
 * for each tree it looks at).
 */
static inline size_t near_index(size_t n, size_t start, size_t i)
{
	size_t dist = (i + 1) / 2;
	llfree_assert(start < n && dist < n);
	size_t at = (i % 2) ? start + dist : start + n - dist;
	return at >= n ? at - n : at;
}

static inline size_t near_tree(const llfree_t *self, size_t start, size_t i)
{
	return near_index(self->trees, start, i);
}

static inline size_t core_start_tree(const llfree_t *self, size_t core)
{
	return (size_t)((uint64_t)self->trees * core / self->cores);
}

/* Allocate in tree with frames already taken from its count; give them back on failure. */
static LLFREE_HOT llfree_result_t get_in_tree(const llfree_t *self, size_t tree,
					       uint64_t row, unsigned order, uint64_t *frame)
{
	if (lower_get(self, tree, row, order, frame) == LLFREE_OK)
		return LLFREE_OK;
	tree_give_back(self, tree, 1u << order);
	return LLFREE_ERR_MEMORY;
}

/* Outcome of one try to allocate from a reservation. */
typedef enum res_get {
	RES_GET_OK,
	RES_GET_NO_COUNT,  /* the reservation is empty or too small; *seen is what it held */
	RES_GET_NO_FRAMES, /* the tree had the count but no aligned run; the count went back */
} res_get_t;

/* Take the count from the reservation, then the frames from its tree, then move the hint. */
static LLFREE_HOT res_get_t get_once(const llfree_t *self, struct llfree_reservation *res,
				     unsigned order, uint64_t *frame, reservation_t *seen)
{
	res_change_t take = { .frames = 1u << order };
	if (!res_update(res, res_take, &take, seen))
		return RES_GET_NO_COUNT;
	size_t tree = res_tree(*seen);
	if (get_in_tree(self, tree, res_row(*seen), order, frame) != LLFREE_OK)
		return RES_GET_NO_FRAMES;
	/* Best effort, and no CAS where res_take guessed right. */
	uint64_t row = hint_after(*frame / BITFIELD_ROW_BITS, take.frames);
	res_change_t hint = { .tree = tree, .row = row };
	reservation_t ignored;
	res_update(res, res_set_row, &hint, &ignored);
	return RES_GET_OK;
}

/* After a try that ended in got (seen): sync or reserve another tree, and try again (upper.c). */
llfree_result_t upper_get_from_reservation(const llfree_t *self, size_t core, unsigned order,
					   unsigned kind, uint64_t *frame, res_get_t got,
					   reservation_t seen);
/* End res if it holds tree: its count goes back to the tree's entry (upper.c). */
bool upper_end_reservation(const llfree_t *self, struct llfree_reservation *res, size_t tree);
/* Everything after a first try that failed (upper_slow.c). */
llfree_result_t upper_get_slow(const llfree_t *self, size_t core, unsigned order, unsigned kind,
			       uint64_t *frame, res_get_t got, reservation_t seen);

#endif
