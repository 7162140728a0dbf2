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

/* Trees searched around the previous one for a partial tree before anything else. */
#define NEAR_TREES 32

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

typedef struct search_pass {
	tree_match_t match;
	bool near_only;
} search_pass_t;

/* Partial trees fill holes; entirely free trees are kept for huge frames (design 2). */
static const search_pass_t SMALL_PASSES[] = {
	{ TREE_MATCH_PARTIAL, true },
	{ TREE_MATCH_FREE, false },
	{ TREE_MATCH_PARTIAL, false },
	{ TREE_MATCH_ANY, false },
};
static const search_pass_t HUGE_PASSES[] = {
	{ TREE_MATCH_FREE, false },
	{ TREE_MATCH_PARTIAL, false },
	{ TREE_MATCH_ANY, false },
};

static bool reserve_in_pass(const llfree_t *self, struct llfree_reservation *res, size_t start,
			    unsigned kind, uint32_t frames, search_pass_t pass)
{
	size_t count = pass.near_only && self->trees > NEAR_TREES ? NEAR_TREES : self->trees;
	for (size_t i = 0; i < count; i++) {
		size_t tree = near_tree(self, start, i);
		tree_change_t change = tree_frames(self, tree, frames);
		change.kind = kind;
		change.match = pass.match;
		tree_t seen;
		if (!tree_matches(tree_load(&self->tree_entries[tree]), &change))
			continue;
		if (tree_update(&self->tree_entries[tree], tree_reserve, &change, &seen)) {
			LLFREE_HOOK(LLFREE_HOOK_TRANSIT_RESERVE, tree);
			swap_reservation(self, res, tree, tree_free(seen));
			return !drop_if_offline(self, res, tree);
		}
	}
	return false;
}

/* Reserve a new tree with at least 2^order frames for (core, kind). */
static llfree_result_t reserve_tree(const llfree_t *self, size_t core, unsigned kind,
				    unsigned order)
{
	struct llfree_reservation *res = upper_reservation(self, core, kind);
	reservation_t cur = atomic_load_explicit(&res->word, memory_order_acquire);
	size_t start = res_present(cur) ? res_tree(cur) : core_start_tree(self, core);
	bool huge = kind == LLFREE_KIND_HUGE;
	const search_pass_t *passes = huge ? HUGE_PASSES : SMALL_PASSES;
	size_t count = huge ? sizeof(HUGE_PASSES) / sizeof(HUGE_PASSES[0])
			    : sizeof(SMALL_PASSES) / sizeof(SMALL_PASSES[0]);
	for (size_t p = 0; p < count; p++)
		if (reserve_in_pass(self, res, start, kind, 1u << order, passes[p]))
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

unsigned upper_drain(const llfree_t *self, size_t core)
{
	unsigned ended = 0;
	for (unsigned kind = 0; kind < LLFREE_KINDS; kind++) {
		reservation_t old = atomic_exchange_explicit(
			&upper_reservation(self, core, kind)->word, 0, memory_order_acq_rel);
		ended += res_present(old);
		unreserve(self, old);
	}
	return ended;
}

