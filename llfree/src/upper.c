/*
 * Upper allocator of LLFree (design 2): per-core reservations of whole
 * trees, so that cores rarely touch the same cache lines. Counters are
 * taken before the lower level is asked and given back on its failure,
 * always to the global entry of the tree they came from (mistake 6).
 */
#include "upper.h"

#include "hooks.h"
#include "inline.h"
#include "lower.h"
#include "persist.h"
#include "upper_res.h"

/* Reservation attempts of one get before it falls back to stealing. */
#define RESERVE_TRIES 4

/* Rating passes of one reservation search while other cores keep reserving the chosen tree first. */
#define RESERVE_RACES 4

size_t upper_size(size_t cores, size_t trees)
{
	size_t entries = (trees * sizeof(tree_t) + LLFREE_ALIGN - 1) / LLFREE_ALIGN * LLFREE_ALIGN;
	return entries + cores * LLFREE_KINDS * sizeof(struct llfree_reservation);
}

void upper_place(llfree_t *self, void *upper)
{
	size_t entries = upper_size(0, self->trees);
	self->upper = upper;
	self->tree_entries = (_Atomic uint64_t *)upper;
	self->reservations = (struct llfree_reservation *)((char *)upper + entries);
}

void upper_init(llfree_t *self)
{
	for (size_t t = 0; t < self->trees; t++)
		atomic_store_explicit(&self->tree_entries[t],
				      tree_make(lower_tree_free(self, t), false, TREE_DEFAULT_KIND),
				      memory_order_relaxed);
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++)
		atomic_store_explicit(&self->reservations[r].word, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
}

/* A reservation's end: its count goes back and the tree is free to reserve (mistake 11). */
static void unreserve(const llfree_t *self, reservation_t old)
{
	if (!res_present(old))
		return;
	size_t tree = res_tree(old);
	LLFREE_HOOK(LLFREE_HOOK_TRANSIT_UNRESERVE, tree);
	tree_change_t change = tree_frames(self, tree, res_free(old));
	tree_t seen;
	bool ok = tree_update(&self->tree_entries[tree], tree_unreserve, &change, &seen);
	llfree_assert(ok);
	(void)ok;
}

/* Make tree (with count frames, already marked reserved) the reservation; end the old one. */
static void swap_reservation(const llfree_t *self, struct llfree_reservation *res, size_t tree,
			     uint32_t frames)
{
	reservation_t old = atomic_exchange_explicit(
		&res->word, res_make(frames, (uint64_t)tree * TREE_ROWS), memory_order_acq_rel);
	unreserve(self, old);
}

bool upper_end_reservation(const llfree_t *self, struct llfree_reservation *res, size_t tree)
{
	res_change_t drop = { .tree = tree };
	reservation_t old;
	if (!res_update(res, res_drop_tree, &drop, &old))
		return false;
	unreserve(self, old);
	return true;
}

/*
 * A tree taken offline between its reservation and the swap (upper_offline
 * found no reservation to end yet): end it here, before any get uses it.
 */
static bool drop_if_offline(const llfree_t *self, struct llfree_reservation *res, size_t tree)
{
	if (!tree_offline(tree_load(&self->tree_entries[tree])))
		return false;
	upper_end_reservation(self, res, tree);
	return true;
}

/*
 * Reserve tree for (res, kind) if it still matches; the old reservation
 * ends. False also when the tree went offline meanwhile (then it is dropped).
 */
static LLFREE_HOT bool try_reserve(const llfree_t *self, struct llfree_reservation *res, size_t tree,
			tree_change_t change)
{
	tree_t seen;
	if (!tree_update(&self->tree_entries[tree], tree_reserve, &change, &seen))
		return false;
	LLFREE_HOOK(LLFREE_HOOK_TRANSIT_RESERVE, tree);
	swap_reservation(self, res, tree, tree_free(seen));
	return !drop_if_offline(self, res, tree);
}

/*
 * Small kinds (design 2, "Upper allocator"): the tree to reserve, rated by
 * tree_rating, searching from start alternately right and left. The first
 * tree that is nearly full (tree_rating_good) ends the search: allocations
 * refill the fullest trees. Without one, the search goes on over every tree
 * and takes the best, except that when the NEAR_TREES nearest hold no partly
 * filled tree of the kind at all (fresh memory, as in bulk) it takes the
 * nearest entirely free tree there. Returns the rating, TREE_RATING_NONE if
 * no tree will do.
 */
static uint32_t best_tree(const llfree_t *self, size_t start, unsigned kind, uint32_t frames,
			  size_t *best)
{
	uint32_t best_rating = TREE_RATING_NONE;
	for (size_t i = 0; i < self->trees; i++) {
		if (i == NEAR_TREES && best_rating == TREE_RATING_FREE)
			break;
		size_t tree = near_tree(self, start, i);
		tree_change_t change = tree_frames(self, tree, frames);
		change.kind = kind;
		uint32_t rating = tree_rating(tree_load(&self->tree_entries[tree]), &change);
		if (rating > best_rating) {
			best_rating = rating;
			*best = tree;
			if (tree_rating_good(rating))
				break;
		}
	}
	return best_rating;
}

/* Reserve the best tree; another core may take it first: then search again, a bounded number of times. */
static bool reserve_best(const llfree_t *self, struct llfree_reservation *res, size_t start,
			 unsigned kind, uint32_t frames)
{
	for (unsigned race = 0; race < RESERVE_RACES; race++) {
		size_t tree = 0;
		if (best_tree(self, start, kind, frames, &tree) == TREE_RATING_NONE)
			return false;
		tree_change_t change = tree_frames(self, tree, frames);
		change.kind = kind;
		change.match = TREE_MATCH_FILL;
		if (try_reserve(self, res, tree, change))
			return true;
	}
	return false;
}

/* The first tree from start (alternating right and left) that matches. */
static bool reserve_first(const llfree_t *self, struct llfree_reservation *res, size_t start,
			  unsigned kind, uint32_t frames, tree_match_t match)
{
	for (size_t i = 0; i < self->trees; i++) {
		size_t tree = near_tree(self, start, i);
		tree_change_t change = tree_frames(self, tree, frames);
		change.kind = kind;
		change.match = match;
		if (tree_matches(tree_load(&self->tree_entries[tree]), &change) &&
		    try_reserve(self, res, tree, change))
			return true;
	}
	return false;
}

/*
 * Where a search goes after reserve_best found nothing (small kinds),
 * and the whole search of huge frames, which want entirely free trees: a
 * partly filled tree of the kind is still better for small frames than
 * breaking into an entirely free one (design 2, "Anti-fragmentation").
 */
static const tree_match_t SMALL_PASSES[] = { TREE_MATCH_PARTIAL, TREE_MATCH_FREE, TREE_MATCH_ANY };
static const tree_match_t HUGE_PASSES[] = { TREE_MATCH_FREE, TREE_MATCH_PARTIAL, TREE_MATCH_ANY };
#define PASSES 3
_Static_assert(sizeof(SMALL_PASSES) == PASSES * sizeof(tree_match_t), "small passes");
_Static_assert(sizeof(HUGE_PASSES) == PASSES * sizeof(tree_match_t), "huge passes");

/* Reserve a new tree with at least 2^order frames for (core, kind). */
static llfree_result_t reserve_tree(const llfree_t *self, size_t core, unsigned kind,
				    unsigned order)
{
	struct llfree_reservation *res = upper_reservation(self, core, kind);
	reservation_t cur = atomic_load_explicit(&res->word, memory_order_acquire);
	size_t start = res_present(cur) ? res_tree(cur) : core_start_tree(self, core);
	uint32_t frames = 1u << order;
	bool huge = kind == LLFREE_KIND_HUGE;
	if (!huge && reserve_best(self, res, start, kind, frames))
		return LLFREE_OK;
	const tree_match_t *passes = huge ? HUGE_PASSES : SMALL_PASSES;
	for (size_t p = 0; p < PASSES; p++)
		if (reserve_first(self, res, start, kind, frames, passes[p]))
			return LLFREE_OK;
	return LLFREE_ERR_MEMORY;
}

/* Sync (design 2): move what other cores freed into the reserved tree to the reservation. */
static bool sync_reservation(const llfree_t *self, struct llfree_reservation *res,
			     reservation_t cur)
{
	size_t tree = res_tree(cur);
	tree_change_t none = { 0 };
	tree_t seen;
	if (!tree_update(&self->tree_entries[tree], tree_take, &none, &seen))
		return false;
	LLFREE_HOOK(LLFREE_HOOK_TRANSIT_SYNC, tree);
	res_change_t add = { .frames = tree_free(seen), .tree = tree };
	reservation_t ignored;
	if (!res_update(res, res_inc, &add, &ignored))
		tree_give_back(self, tree, add.frames); /* reservation changed meanwhile */
	return true;
}

/* After a try that ended in got (seen): sync or reserve another tree, and try again. */
llfree_result_t upper_get_from_reservation(const llfree_t *self, size_t core, unsigned order,
					   unsigned kind, uint64_t *frame, res_get_t got,
					   reservation_t seen)
{
	struct llfree_reservation *res = upper_reservation(self, core, kind);
	for (unsigned tries = 1;; tries++) {
		if (got == RES_GET_OK)
			return LLFREE_OK;
		/* Without the count, first take what other cores freed into the tree. */
		bool synced = got == RES_GET_NO_COUNT && res_present(seen) &&
			      sync_reservation(self, res, seen);
		if (!synced && reserve_tree(self, core, kind, order) != LLFREE_OK)
			return LLFREE_ERR_MEMORY;
		if (tries == RESERVE_TRIES)
			return LLFREE_ERR_MEMORY;
		got = get_once(self, res, order, frame, &seen);
	}
}

llfree_result_t upper_get(const llfree_t *self, size_t core, unsigned order, unsigned kind,
			  uint64_t *frame)
{
	/* The common case: the reservation has the count and its tree the frames. */
	reservation_t seen;
	res_get_t got = get_once(self, upper_reservation(self, core, kind), order, frame, &seen);
	if (got == RES_GET_OK)
		return LLFREE_OK;
	return upper_get_slow(self, core, order, kind, frame, got, seen);
}

llfree_result_t upper_put(const llfree_t *self, size_t core, uint64_t frame, unsigned order,
			  unsigned kind)
{
	llfree_result_t result = lower_put(self, frame, order);
	if (result != LLFREE_OK)
		return result;
	/* Credit this core's reservation of the tree (this kind's first), else the tree. */
	res_change_t add = { .frames = 1u << order, .tree = (size_t)(frame / LLFREE_TREE_FRAMES) };
	struct llfree_reservation *mine = upper_reservation(self, core, 0);
	for (unsigned i = 0, k = kind; i < LLFREE_KINDS; i++) {
		reservation_t seen;
		if (res_update(&mine[k], res_inc, &add, &seen))
			return LLFREE_OK;
		k = k + 1 < LLFREE_KINDS ? k + 1 : 0; /* modulo without a division */
	}
	tree_give_back(self, add.tree, add.frames);
	return LLFREE_OK;
}

void upper_drain(const llfree_t *self, size_t core)
{
	for (unsigned kind = 0; kind < LLFREE_KINDS; kind++)
		unreserve(self, atomic_exchange_explicit(&upper_reservation(self, core, kind)->word, 0,
							 memory_order_acq_rel));
}

