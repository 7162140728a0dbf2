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


/* Reservation attempts of one get before it falls back to drain and steal. */
#define RESERVE_TRIES 4
/* Rounds of reserve, drain and steal before a get reports LLFREE_ERR_MEMORY. */
#define GET_ROUNDS 3
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

static tree_change_t tree_frames(const llfree_t *self, size_t tree, uint32_t frames)
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

/*
 * A tree taken offline between its reservation and the swap (upper_offline
 * found no reservation to end yet): end it here, before any get uses it.
 */
static bool drop_if_offline(const llfree_t *self, struct llfree_reservation *res, size_t tree)
{
	if (!tree_offline(tree_load(&self->tree_entries[tree])))
		return false;
	res_change_t drop = { .tree = tree };
	reservation_t old;
	if (res_update(res, res_drop_tree, &drop, &old))
		unreserve(self, old);
	return true;
}

/*
 * The i-th of n (trees or cores) from start (i below 2 * n), alternating
 * right and left: start, +1, -1, +2, -2, ...; i below n visits each once.
 * Without division (tens of cycles each; every reservation search asks this
 * for each tree it looks at).
 */
static size_t near_index(size_t n, size_t start, size_t i)
{
	size_t dist = (i + 1) / 2;
	llfree_assert(start < n && dist < n);
	size_t at = (i % 2) ? start + dist : start + n - dist;
	return at >= n ? at - n : at;
}

static size_t near_tree(const llfree_t *self, size_t start, size_t i)
{
	return near_index(self->trees, start, i);
}

static size_t core_start_tree(const llfree_t *self, size_t core)
{
	return (size_t)((uint64_t)self->trees * core / self->cores);
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

/* After a try that ended in got (seen): sync or reserve another tree, and try again. */
static llfree_result_t get_from_reservation(const llfree_t *self, size_t core, unsigned order,
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

/*
 * Take frames of a tree's count from a reservation (of tree, or of any tree
 * for SIZE_MAX) and what it lacks from the tree's entry, without ending the
 * reservation: a count split between the two comes together without a drain
 * (which would cost the other core its tree). On failure nothing is taken.
 * *tree is the tree the count came from.
 */
static bool take_count(const llfree_t *self, struct llfree_reservation *res, size_t want,
		       uint32_t frames, size_t *tree, uint64_t *row)
{
	res_change_t take = { .frames = frames, .tree = want };
	reservation_t seen;
	if (!res_update(res, res_take_some, &take, &seen))
		return false;
	*tree = res_tree(seen);
	*row = res_row(seen);
	uint32_t taken = res_free(seen) < frames ? res_free(seen) : frames;
	if (taken == frames)
		return true;
	tree_change_t rest = tree_frames(self, *tree, frames - taken);
	tree_t tseen;
	if (tree_update(&self->tree_entries[*tree], tree_dec, &rest, &tseen))
		return true;
	tree_give_back(self, *tree, taken);
	return false;
}

/*
 * Near out of memory, part 1: take the count from other reservations, this
 * core's other kinds first, then the nearest cores' (their trees are the
 * nearest, core_start_tree), each together with its tree's entry.
 */
static llfree_result_t steal_from_reservations(const llfree_t *self, size_t core,
					       unsigned order, uint64_t *frame)
{
	for (size_t i = 0; i < self->cores * LLFREE_KINDS; i++) {
		size_t other = near_index(self->cores, core, i / LLFREE_KINDS);
		struct llfree_reservation *res =
			upper_reservation(self, other, (unsigned)(i % LLFREE_KINDS));
		size_t tree;
		uint64_t row;
		if (!take_count(self, res, SIZE_MAX, 1u << order, &tree, &row))
			continue;
		/* A tree taken offline meanwhile hands nothing out; its count goes back. */
		if (tree_offline(tree_load(&self->tree_entries[tree]))) {
			tree_give_back(self, tree, 1u << order);
			continue;
		}
		if (get_in_tree(self, tree, row, order, frame) == LLFREE_OK)
			return LLFREE_OK;
	}
	return LLFREE_ERR_MEMORY;
}

/* Near out of memory, part 2: take the count of any tree's entry, reserved or not, nearest first. */
static llfree_result_t steal_from_trees(const llfree_t *self, size_t core, unsigned order,
					uint64_t *frame)
{
	uint32_t frames = 1u << order;
	size_t start = core_start_tree(self, core);
	for (size_t i = 0; i < self->trees; i++) {
		size_t tree = near_tree(self, start, i);
		tree_change_t change = tree_frames(self, tree, frames);
		tree_t seen;
		if (tree_free(tree_load(&self->tree_entries[tree])) >= frames &&
		    tree_update(&self->tree_entries[tree], tree_dec, &change, &seen) &&
		    get_in_tree(self, tree, (uint64_t)tree * TREE_ROWS, order, frame) == LLFREE_OK)
			return LLFREE_OK;
	}
	return LLFREE_ERR_MEMORY;
}

/*
 * Near out of memory, part 3: the lower level is the truth; take a frame
 * there and the count after it, as a debt on the tree entry if the count is
 * nowhere to be found.
 *
 * Why (issue 3): a count moves between a tree entry and a reservation in
 * two CASes on two words, and between them it is in neither: reserve
 * (tree_reserve, then the reservation is swapped in), unreserve and drain
 * (the reservation is exchanged, then tree_unreserve) and sync (tree_take,
 * then res_inc). When cores share one tree, that count is all there is:
 * the core that moves it is descheduled in between (a QEMU vCPU, for
 * milliseconds), and every other core runs through all its bounded rounds
 * finding every entry and reservation empty, with half the frames free.
 * Waiting for the mover is not lock-free (mistake 12), and no order of the
 * two CASes avoids the window without counting the frames twice. The
 * frames themselves are in the lower level all along, so the get takes one
 * there; the entry then owes its count (tree_debit), and whatever adds to
 * the entry pays the debt first: the moved count reaches an entry either
 * directly, or from the reservation it went to, whose surplus ends in a
 * lower get that fails and gives its count back. The debt field holds a
 * whole tree (tree.h), so this works for every order. Bounded: one lower
 * scan per tree. An offline tree is skipped (and tree_debit refuses one that
 * went offline during the scan: the frame goes back).
 */
static llfree_result_t get_on_debt(const llfree_t *self, size_t core, unsigned order,
				   uint64_t *frame)
{
	uint32_t frames = 1u << order;
	size_t start = core_start_tree(self, core);
	for (size_t i = 0; i < self->trees; i++) {
		size_t tree = near_tree(self, start, i);
		tree_change_t change = tree_frames(self, tree, frames);
		tree_t seen, entry = tree_load(&self->tree_entries[tree]);
		if (tree_offline(entry) || tree_debt(entry) + frames > TREE_DEBT_MAX ||
		    lower_get(self, tree, (uint64_t)tree * TREE_ROWS, order, frame) != LLFREE_OK)
			continue;
		if (tree_update(&self->tree_entries[tree], tree_debit, &change, &seen))
			return LLFREE_OK;
		/* Offline meanwhile: the frame goes back, its count was never taken. */
		llfree_result_t undone = lower_put(self, *frame, order);
		llfree_assert(undone == LLFREE_OK);
		(void)undone;
	}
	return LLFREE_ERR_MEMORY;
}

/*
 * Everything after a first try that failed (got, seen): other trees, then
 * the counts of other reservations and entries (no reservation is ended:
 * other cores keep their trees), then the lower level on debt. Bounded: a
 * true out-of-memory returns after GET_ROUNDS scans and one lower scan
 * (mistake 12). Not inlined, so that upper_get stays small.
 */
static LLFREE_COLD llfree_result_t
get_slow(const llfree_t *self, size_t core, unsigned order, unsigned kind, uint64_t *frame,
	 res_get_t got, reservation_t seen)
{
	struct llfree_reservation *res = upper_reservation(self, core, kind);
	for (unsigned round = 0; round < GET_ROUNDS; round++) {
		if (round > 0)
			got = get_once(self, res, order, frame, &seen);
		if (get_from_reservation(self, core, order, kind, frame, got, seen) == LLFREE_OK ||
		    steal_from_reservations(self, core, order, frame) == LLFREE_OK ||
		    steal_from_trees(self, core, order, frame) == LLFREE_OK)
			return LLFREE_OK;
	}
	return get_on_debt(self, core, order, frame);
}

llfree_result_t upper_get(const llfree_t *self, size_t core, unsigned order, unsigned kind,
			  uint64_t *frame)
{
	/* The common case: the reservation has the count and its tree the frames. */
	reservation_t seen;
	res_get_t got = get_once(self, upper_reservation(self, core, kind), order, frame, &seen);
	if (got == RES_GET_OK)
		return LLFREE_OK;
	return get_slow(self, core, order, kind, frame, got, seen);
}

/*
 * Account frames of tree that get_at took from the lower level: from the
 * entry, else from a reservation holding the tree (with the entry), else as
 * a debt (the count is in transit). False only for an offline tree.
 */
static bool take_tree_count(const llfree_t *self, size_t core, size_t tree, uint32_t frames)
{
	tree_change_t change = tree_frames(self, tree, frames);
	size_t reservations = self->cores * LLFREE_KINDS;
	tree_t tseen;
	if (tree_update(&self->tree_entries[tree], tree_dec, &change, &tseen))
		return true;
	for (size_t i = 0; i < reservations && !tree_offline(tseen); i++) {
		size_t from;
		uint64_t row;
		if (take_count(self, &self->reservations[(core * LLFREE_KINDS + i) % reservations],
			       tree, frames, &from, &row))
			return true;
	}
	return tree_update(&self->tree_entries[tree], tree_debit, &change, &tseen);
}

/* Frames of an offline tree are never handed out, not even by get_at. */
llfree_result_t upper_get_at(const llfree_t *self, size_t core, uint64_t frame, unsigned order)
{
	size_t tree = (size_t)(frame / LLFREE_TREE_FRAMES);
	if (tree_offline(tree_load(&self->tree_entries[tree])))
		return LLFREE_ERR_OFFLINE;
	llfree_result_t res = lower_get_at(self, frame, order);
	if (res != LLFREE_OK)
		return res;
	if (take_tree_count(self, core, tree, 1u << order))
		return LLFREE_OK;
	res = lower_put(self, frame, order); /* offline meanwhile */
	llfree_assert(res == LLFREE_OK);
	return LLFREE_ERR_OFFLINE;
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

/* End every reservation that holds tree, but those of keep_kind (LLFREE_KINDS: none kept). */
static void end_reservations_of(const llfree_t *self, size_t tree, unsigned keep_kind)
{
	res_change_t drop = { .tree = tree };
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++) {
		reservation_t old;
		if (r % LLFREE_KINDS != keep_kind &&
		    res_update(&self->reservations[r], res_drop_tree, &drop, &old))
			unreserve(self, old);
	}
}

/*
 * Offline: the flag first, so that no reservation, steal or debt takes the
 * tree any more, then the reservations that hold it end. A core that
 * reserved it just before the flag and swaps it in after this scan ends it
 * itself (drop_if_offline), before any get uses it.
 */
void upper_set_offline(const llfree_t *self, size_t tree, bool offline)
{
	tree_change_t change = { .flag = offline };
	tree_t seen;
	tree_update(&self->tree_entries[tree], tree_set_offline, &change, &seen);
	if (offline)
		end_reservations_of(self, tree, LLFREE_KINDS);
}

void upper_set_kind(const llfree_t *self, size_t tree, unsigned kind, bool fixed)
{
	tree_change_t change = { .kind = kind, .flag = fixed };
	tree_t seen;
	tree_update(&self->tree_entries[tree], tree_set_kind, &change, &seen);
	if (fixed)
		end_reservations_of(self, tree, kind);
}

/* The tree's count: its entry's and that of the reservation holding it. */
static int64_t tree_count_all(const llfree_t *self, size_t tree, tree_t entry)
{
	int64_t free = tree_count(entry);
	for (size_t r = 0; tree_reserved(entry) && r < self->cores * LLFREE_KINDS; r++) {
		reservation_t res =
			atomic_load_explicit(&self->reservations[r].word, memory_order_acquire);
		if (res_present(res) && res_tree(res) == tree)
			free += res_free(res);
	}
	return free;
}

void upper_tree_info(const llfree_t *self, size_t tree, llfree_tree_info_t *info)
{
	tree_t entry = tree_load(&self->tree_entries[tree]);
	int64_t free = tree_count_all(self, tree, entry);
	*info = (llfree_tree_info_t){ .kind = (llfree_kind_t)tree_kind(entry),
				      .fixed = tree_fixed(entry),
				      .offline = tree_offline(entry),
				      .reserved = tree_reserved(entry),
				      .free = free > 0 ? (uint64_t)free : 0,
				      .frames = lower_tree_capacity(self, tree) };
}

void upper_counts(const llfree_t *self, llfree_counts_t *counts)
{
	int64_t free[LLFREE_KINDS + 1] = { 0 }; /* the last: offline trees */
	*counts = (llfree_counts_t){ 0 };
	for (size_t t = 0; t < self->trees; t++) {
		tree_t entry = tree_load(&self->tree_entries[t]);
		unsigned bucket = tree_offline(entry) ? LLFREE_KINDS : tree_kind(entry);
		free[bucket] += tree_count_all(self, t, entry);
		if (bucket == LLFREE_KINDS)
			counts->offline_trees++;
		else
			counts->trees[bucket]++;
	}
	for (unsigned k = 0; k < LLFREE_KINDS; k++)
		counts->free[k] = free[k] > 0 ? (uint64_t)free[k] : 0;
	counts->offline_free = free[LLFREE_KINDS] > 0 ? (uint64_t)free[LLFREE_KINDS] : 0;
}

uint64_t upper_free_frames(const llfree_t *self)
{
	int64_t free = 0;
	for (size_t t = 0; t < self->trees; t++)
		free += tree_count(tree_load(&self->tree_entries[t]));
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++)
		free += res_free(atomic_load_explicit(&self->reservations[r].word,
						      memory_order_acquire));
	/* A debt read before the surplus that pays it could make a racing sum negative. */
	return free > 0 ? (uint64_t)free : 0;
}

static llfree_result_t validate_reservation(const llfree_t *self, size_t r)
{
	reservation_t res = atomic_load_explicit(&self->reservations[r].word, memory_order_acquire);
	if (!res_present(res))
		return res == 0 ? LLFREE_OK : LLFREE_ERR_CORRUPT;
	size_t tree = res_tree(res);
	if (tree >= self->trees) {
		llfree_log("llfree: reservation %llu: tree %llu out of range\n",
			   (unsigned long long)r, (unsigned long long)tree);
		return LLFREE_ERR_CORRUPT;
	}
	for (size_t other = 0; other < r; other++) {
		reservation_t o =
			atomic_load_explicit(&self->reservations[other].word, memory_order_acquire);
		if (res_present(o) && res_tree(o) == tree) {
			llfree_log("llfree: reservations %llu and %llu both hold tree %llu\n",
				   (unsigned long long)other, (unsigned long long)r,
				   (unsigned long long)tree);
			return LLFREE_ERR_CORRUPT;
		}
	}
	tree_t entry = tree_load(&self->tree_entries[tree]);
	uint32_t lower = lower_tree_free(self, tree);
	if (!tree_reserved(entry) || tree_count(entry) + res_free(res) != lower) {
		llfree_log("llfree: tree %llu: entry %u (debt %u)%s + reservation %u != areas %u\n",
			   (unsigned long long)tree, tree_free(entry), tree_debt(entry),
			   tree_reserved(entry) ? "" : " (not reserved)", res_free(res), lower);
		return LLFREE_ERR_CORRUPT;
	}
	return LLFREE_OK;
}

llfree_result_t upper_validate(const llfree_t *self)
{
	size_t present = 0, reserved = 0;
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++) {
		llfree_result_t result = validate_reservation(self, r);
		if (result != LLFREE_OK)
			return result;
		present += res_present(
			atomic_load_explicit(&self->reservations[r].word, memory_order_acquire));
	}
	for (size_t t = 0; t < self->trees; t++) {
		tree_t entry = tree_load(&self->tree_entries[t]);
		uint32_t lower = lower_tree_free(self, t);
		reserved += tree_reserved(entry);
		if (tree_free(entry) > lower_tree_capacity(self, t) ||
		    (tree_debt(entry) > 0 && tree_free(entry) > 0) ||
		    (!tree_reserved(entry) && tree_count(entry) != lower)) {
			llfree_log("llfree: tree %llu: entry %u (debt %u), areas %u, capacity %u\n",
				   (unsigned long long)t, tree_free(entry), tree_debt(entry), lower,
				   lower_tree_capacity(self, t));
			return LLFREE_ERR_CORRUPT;
		}
	}
	/* Each present reservation holds a distinct reserved tree; no reserved tree is orphaned. */
	if (present != reserved) {
		llfree_log("llfree: %llu reservations but %llu reserved trees\n",
			   (unsigned long long)present, (unsigned long long)reserved);
		return LLFREE_ERR_CORRUPT;
	}
	return LLFREE_OK;
}

/* Trees the dump lists one by one; the rest are summed up (a serial line is slow). */
#define DUMP_TREES 64

void upper_dump(const llfree_t *self)
{
	size_t listed = 0, full = 0, empty = 0;
	for (size_t t = 0; t < self->trees; t++) {
		tree_t entry = tree_load(&self->tree_entries[t]);
		uint32_t areas = lower_tree_free(self, t);
		/* Entirely free or entirely used unreserved trees are only counted. */
		if (!tree_reserved(entry) && (areas == 0 || areas == lower_tree_capacity(self, t))) {
			full += areas == 0;
			empty += areas != 0;
			continue;
		}
		if (listed++ < DUMP_TREES)
			llfree_log("llfree:  tree %llu: free %u/%u%s kind %s, debt %u, areas %u\n",
				   (unsigned long long)t, tree_free(entry),
				   lower_tree_capacity(self, t), tree_reserved(entry) ? " reserved" : "",
				   tree_kind_name(tree_kind(entry)), tree_debt(entry), areas);
	}
	llfree_log("llfree:  trees: %llu partial or reserved (%llu listed), %llu free, %llu full\n",
		   (unsigned long long)listed,
		   (unsigned long long)(listed < DUMP_TREES ? listed : DUMP_TREES),
		   (unsigned long long)empty, (unsigned long long)full);
	for (size_t r = 0; r < self->cores * LLFREE_KINDS; r++) {
		reservation_t res =
			atomic_load_explicit(&self->reservations[r].word, memory_order_acquire);
		if (res_present(res))
			llfree_log("llfree:  core %llu %s: tree %llu, free %u, row %llu\n",
				   (unsigned long long)(r / LLFREE_KINDS),
				   tree_kind_name((unsigned)(r % LLFREE_KINDS)),
				   (unsigned long long)res_tree(res), res_free(res),
				   (unsigned long long)res_row(res));
	}
}
