/*
 * Upper allocator of LLFree (design 2): per-core reservations of whole
 * trees, so that cores rarely touch the same cache lines. Counters are
 * taken before the lower level is asked and given back on its failure,
 * always to the global entry of the tree they came from (mistake 6).
 */
#include "upper.h"

#include "inline.h"
#include "lower.h"
#include "persist.h"

/*
 * Test builds only (-DLLFREE_TEST_TRANSIT, never the kernel): a hook the
 * stress test defines, called where a count is in neither the tree entry nor
 * a reservation, to stretch that window as a descheduled vCPU does.
 */
#ifdef LLFREE_TEST_TRANSIT
void llfree_test_transit(int where);
#define COUNT_IN_TRANSIT(where) llfree_test_transit(where)
#else
#define COUNT_IN_TRANSIT(where) ((void)0)
#endif

/* Reservation attempts of one get before it falls back to drain and steal. */
#define RESERVE_TRIES 4
/* Rounds of reserve, drain and steal before a get reports LLFREE_ERR_MEMORY. */
#define GET_ROUNDS 3
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
	self->tree_entries = (_Atomic uint32_t *)upper;
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

static inline bool res_dec(reservation_t old, const res_change_t *arg, reservation_t *next)
{
	if (!res_present(old) || res_free(old) < arg->frames)
		return false;
	*next = res_make(res_free(old) - arg->frames, res_row(old));
	return true;
}

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

static inline bool res_dec_in_tree(reservation_t old, const res_change_t *arg, reservation_t *next)
{
	return res_present(old) && res_tree(old) == arg->tree && res_dec(old, arg, next);
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
	COUNT_IN_TRANSIT(1);
	size_t tree = res_tree(old);
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
 * The i-th tree from start (i below 2 * trees), alternating right and left:
 * start, +1, -1, +2, -2, ... Without division (tens of cycles each; every
 * reservation search asks this for each tree it looks at).
 */
static size_t near_tree(const llfree_t *self, size_t start, size_t i)
{
	size_t trees = self->trees;
	size_t dist = (i + 1) / 2;
	llfree_assert(start < trees && dist < trees);
	size_t tree = (i % 2) ? start + dist : start + trees - dist;
	return tree >= trees ? tree - trees : tree;
}

static size_t core_start_tree(const llfree_t *self, size_t core)
{
	return (size_t)((uint64_t)self->trees * core / self->cores);
}

/* Reserve tree for (res, kind) if it still matches; the old reservation ends. */
static LLFREE_HOT bool try_reserve(const llfree_t *self, struct llfree_reservation *res, size_t tree,
			tree_change_t change)
{
	tree_t seen;
	if (!tree_update(&self->tree_entries[tree], tree_reserve, &change, &seen))
		return false;
	COUNT_IN_TRANSIT(2);
	swap_reservation(self, res, tree, tree_free(seen));
	return true;
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
	COUNT_IN_TRANSIT(3);
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
 * Near out of memory, part 1: take the count from another reservation, which
 * keeps it (design 2). Unlike a drain, this cannot be undone by the other
 * core reserving its tree again at once.
 */
static llfree_result_t steal_from_reservations(const llfree_t *self, size_t core,
					       unsigned order, uint64_t *frame)
{
	res_change_t take = { .frames = 1u << order };
	size_t reservations = self->cores * LLFREE_KINDS;
	for (size_t i = 1; i <= reservations; i++) {
		struct llfree_reservation *res =
			&self->reservations[(core * LLFREE_KINDS + i) % reservations];
		reservation_t seen;
		if (res_update(res, res_take, &take, &seen) &&
		    get_in_tree(self, res_tree(seen), res_row(seen), order, frame) == LLFREE_OK)
			return LLFREE_OK;
	}
	return LLFREE_ERR_MEMORY;
}

/* Near out of memory, part 2 (after a drain): take the count of any tree, reserved or not. */
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
 * lower get that fails and gives its count back. Bounded: one lower scan
 * per tree, and a full debt field refuses.
 */
static llfree_result_t get_on_debt(const llfree_t *self, size_t core, unsigned order,
				   uint64_t *frame)
{
	uint32_t frames = 1u << order;
	if (frames > TREE_DEBT_MAX)
		return LLFREE_ERR_MEMORY;
	size_t start = core_start_tree(self, core);
	for (size_t i = 0; i < self->trees; i++) {
		size_t tree = near_tree(self, start, i);
		tree_change_t change = tree_frames(self, tree, frames);
		tree_t seen;
		if (tree_debt(tree_load(&self->tree_entries[tree])) + frames > TREE_DEBT_MAX ||
		    lower_get(self, tree, (uint64_t)tree * TREE_ROWS, order, frame) != LLFREE_OK)
			continue;
		if (tree_update(&self->tree_entries[tree], tree_debit, &change, &seen))
			return LLFREE_OK;
		/* The debt filled up meanwhile: the frame goes back, its count was never taken. */
		llfree_result_t undone = lower_put(self, *frame, order);
		llfree_assert(undone == LLFREE_OK);
		(void)undone;
	}
	return LLFREE_ERR_MEMORY;
}

/*
 * Everything after a first try that failed (got, seen): other trees, other
 * reservations, drain and steal, then the lower level on debt. Bounded: a
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
		    steal_from_reservations(self, core, order, frame) == LLFREE_OK)
			return LLFREE_OK;
		/* Counts split between reservations and entries come together by a drain. */
		for (size_t c = 0; c < self->cores; c++)
			upper_drain(self, c);
		if (steal_from_trees(self, core, order, frame) == LLFREE_OK)
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

/* Take frames of tree's count for get_at: the global entry, or any reservation holding it. */
static bool take_tree_count(const llfree_t *self, size_t core, size_t tree, uint32_t frames)
{
	tree_change_t change = tree_frames(self, tree, frames);
	res_change_t take = { .frames = frames, .tree = tree };
	size_t reservations = self->cores * LLFREE_KINDS;
	size_t first = core * LLFREE_KINDS;
	tree_t tseen;
	reservation_t rseen;
	if (tree_update(&self->tree_entries[tree], tree_dec, &change, &tseen))
		return true;
	for (size_t i = 0; i < reservations; i++)
		if (res_update(&self->reservations[(first + i) % reservations], res_dec_in_tree,
			       &take, &rseen))
			return true;
	/* The count is split between the entry and a reservation: end that reservation. */
	for (size_t i = 0; i < reservations; i++)
		if (res_update(&self->reservations[i], res_drop_tree, &take, &rseen))
			unreserve(self, rseen);
	return tree_update(&self->tree_entries[tree], tree_dec, &change, &tseen);
}

llfree_result_t upper_get_at(const llfree_t *self, size_t core, uint64_t frame, unsigned order)
{
	if (!lower_is_free(self, frame, order))
		return LLFREE_ERR_IN_USE;
	size_t tree = (size_t)(frame / LLFREE_TREE_FRAMES);
	if (!take_tree_count(self, core, tree, 1u << order))
		return LLFREE_ERR_IN_USE;
	if (lower_get_at(self, frame, order) != LLFREE_OK) {
		tree_give_back(self, tree, 1u << order);
		return LLFREE_ERR_IN_USE;
	}
	return LLFREE_OK;
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
		unreserve(self, atomic_exchange_explicit(&upper_reservation(self, core, kind)->word,
							 0, memory_order_acq_rel));
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
