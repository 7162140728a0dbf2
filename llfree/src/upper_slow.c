/*
 * Upper allocator of LLFree, out of memory (design 2): what a get does when
 * its reservation cannot serve it (other reservations' and trees' counts,
 * then the lower level on debt), and get_at, which takes frames first and
 * finds their count after. Nothing here waits for another core, and no
 * other core's reservation is ended: a count split between a reservation and
 * its tree's entry is taken from both (take_count).
 */
#include "hooks.h"
#include "upper_res.h"

/* Rounds of reserve and steal before a get falls back on the lower level. */
#define GET_ROUNDS 3

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

/* One attempt in one tree for the scans below; true once *frame is got. */
typedef bool (*tree_attempt_fn)(const llfree_t *self, size_t tree, unsigned order,
				uint64_t *frame);

/* Every tree once, the nearest to core's first. */
static llfree_result_t scan_near_trees(const llfree_t *self, size_t core, unsigned order,
				       uint64_t *frame, tree_attempt_fn attempt)
{
	size_t start = core_start_tree(self, core);
	for (size_t i = 0; i < self->trees; i++)
		if (attempt(self, near_tree(self, start, i), order, frame))
			return LLFREE_OK;
	return LLFREE_ERR_MEMORY;
}

/* Near out of memory, part 2: take the count of any tree's entry, reserved or not. */
static bool steal_from_tree(const llfree_t *self, size_t tree, unsigned order, uint64_t *frame)
{
	uint32_t frames = 1u << order;
	tree_change_t change = tree_frames(self, tree, frames);
	tree_t seen;
	return tree_free(tree_load(&self->tree_entries[tree])) >= frames &&
	       tree_update(&self->tree_entries[tree], tree_dec, &change, &seen) &&
	       get_in_tree(self, tree, (uint64_t)tree * TREE_ROWS, order, frame) == LLFREE_OK;
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
static bool get_on_debt(const llfree_t *self, size_t tree, unsigned order, uint64_t *frame)
{
	uint32_t frames = 1u << order;
	tree_change_t change = tree_frames(self, tree, frames);
	tree_t seen, entry = tree_load(&self->tree_entries[tree]);
	if (tree_offline(entry) || tree_debt(entry) + frames > TREE_DEBT_MAX ||
	    lower_get(self, tree, (uint64_t)tree * TREE_ROWS, order, frame) != LLFREE_OK)
		return false;
	if (tree_update(&self->tree_entries[tree], tree_debit, &change, &seen))
		return true;
	/* Offline meanwhile: the frame goes back, its count was never taken. */
	llfree_result_t undone = lower_put(self, *frame, order);
	llfree_assert(undone == LLFREE_OK);
	(void)undone;
	return false;
}

/*
 * Everything after a first try that failed (got, seen): other trees, then
 * the counts of other reservations and entries (no reservation is ended:
 * other cores keep their trees), then the lower level on debt. Bounded: a
 * true out-of-memory returns after GET_ROUNDS scans and one lower scan
 * (mistake 12). Not inlined, so that upper_get stays small.
 */
LLFREE_COLD llfree_result_t upper_get_slow(const llfree_t *self, size_t core, unsigned order,
					   unsigned kind, uint64_t *frame, res_get_t got,
					   reservation_t seen)
{
	struct llfree_reservation *res = upper_reservation(self, core, kind);
	for (unsigned round = 0; round < GET_ROUNDS; round++) {
		if (round > 0)
			got = get_once(self, res, order, frame, &seen);
		if (upper_get_from_reservation(self, core, order, kind, frame, got, seen) ==
			    LLFREE_OK ||
		    steal_from_reservations(self, core, order, frame) == LLFREE_OK ||
		    scan_near_trees(self, core, order, frame, steal_from_tree) == LLFREE_OK)
			return LLFREE_OK;
	}
	return scan_near_trees(self, core, order, frame, get_on_debt);
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
	if (tree_offline(tseen)) /* takes no count: tree_debit would refuse it too */
		return false;
	for (size_t i = 0; i < reservations; i++) {
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

