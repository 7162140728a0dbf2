/*
 * LLFree unit tests, placement (design 2, "Upper allocator" and
 * "Anti-fragmentation: kinds"): which tree a reservation takes. Trees are
 * given fill levels with get_at of whole areas (order 9) and of smaller
 * blocks; frames taken by get_at keep the default kind (immovable), so the
 * searches here allocate immovable frames unless a test says otherwise.
 */
#include <criterion/criterion.h>

#include "tree.h"
#include "unit_helpers.h"
#include "upper.h"

#define AREAS LLFREE_AREAS_PER_TREE

static size_t tree_of(uint64_t frame)
{
	return (size_t)(frame / LLFREE_TREE_FRAMES);
}

static tree_t entry(const ut_t *u, size_t tree)
{
	return tree_load(&u->ll.tree_entries[tree]);
}

/* Take `areas` whole areas and then `frames` (a power of two below 512) of tree. */
static void fill_tree(ut_t *u, size_t tree, unsigned areas, unsigned frames)
{
	uint64_t first = (uint64_t)tree * LLFREE_TREE_FRAMES;
	for (unsigned a = 0; a < areas; a++)
		cr_assert_eq(llfree_get_at(&u->ll, 0, first + (uint64_t)a * LLFREE_AREA_FRAMES,
					   LLFREE_HUGE_ORDER, LLFREE_KIND_IMMOVABLE),
			     LLFREE_OK);
	if (frames) {
		unsigned order = (unsigned)__builtin_ctz(frames);
		cr_assert_eq(frames, 1u << order);
		cr_assert_eq(llfree_get_at(&u->ll, 0, first + (uint64_t)areas * LLFREE_AREA_FRAMES,
					   order, LLFREE_KIND_IMMOVABLE),
			     LLFREE_OK);
	}
	cr_assert_eq(tree_free(entry(u, tree)),
		     LLFREE_TREE_FRAMES - areas * LLFREE_AREA_FRAMES - frames);
}

/* The tree the next small frame of kind goes to, from core 0 (whose search starts at tree 0). */
static size_t next_tree(ut_t *u, llfree_kind_t kind)
{
	uint64_t frame;
	cr_assert_eq(llfree_get(&u->ll, 0, 0, kind, &frame), LLFREE_OK);
	return tree_of(frame);
}

Test(placement, rating_orders_candidates)
{
	tree_change_t imm = { .frames = 1, .capacity = LLFREE_TREE_FRAMES,
			      .kind = LLFREE_KIND_IMMOVABLE };
	uint32_t full = LLFREE_TREE_FRAMES;
	uint32_t free_tree = tree_rating(tree_make(full, false, LLFREE_KIND_MOVABLE), &imm);
	uint32_t half = tree_rating(tree_make(full / 2, false, LLFREE_KIND_IMMOVABLE), &imm);
	uint32_t nearly = tree_rating(tree_make(10, false, LLFREE_KIND_IMMOVABLE), &imm);
	uint32_t one = tree_rating(tree_make(1, false, LLFREE_KIND_IMMOVABLE), &imm);
	cr_assert_eq(free_tree, TREE_RATING_FREE, "an entirely free tree of any kind");
	cr_assert_gt(half, free_tree, "a partly filled tree of the kind before a free one");
	cr_assert_gt(nearly, half, "the fuller the better");
	cr_assert_gt(one, nearly);
	cr_assert(!tree_rating_good(half));
	cr_assert(tree_rating_good(nearly));
	cr_assert(tree_rating_good(tree_rating(tree_make(TREE_GOOD_FREE, false, 0), &imm)));
	cr_assert(!tree_rating_good(tree_rating(tree_make(TREE_GOOD_FREE + 1, false, 0), &imm)));
	/* Not candidates: reserved, full, too few frames, partly filled of another kind. */
	cr_assert_eq(tree_rating(tree_make(full / 2, true, LLFREE_KIND_IMMOVABLE), &imm),
		     TREE_RATING_NONE);
	cr_assert_eq(tree_rating(tree_make(0, false, LLFREE_KIND_IMMOVABLE), &imm), TREE_RATING_NONE);
	cr_assert_eq(tree_rating(tree_make(full / 2, false, LLFREE_KIND_MOVABLE), &imm),
		     TREE_RATING_NONE);
	imm.frames = 16;
	cr_assert_eq(tree_rating(tree_make(15, false, LLFREE_KIND_IMMOVABLE), &imm),
		     TREE_RATING_NONE);
	/* A short last tree is entirely free at its own capacity. */
	imm.capacity = 100;
	cr_assert_eq(tree_rating(tree_make(100, false, LLFREE_KIND_MOVABLE), &imm), TREE_RATING_FREE);
}

/* Of two partly filled trees that are not nearly full, the fuller one; free trees are kept. */
Test(placement, small_frames_refill_the_fullest_tree)
{
	ut_t u;
	ut_init(&u, 1, 8 * LLFREE_TREE_FRAMES);
	fill_tree(&u, 2, AREAS / 4, 0);
	fill_tree(&u, 5, AREAS / 2, 0);
	cr_assert_eq(next_tree(&u, LLFREE_KIND_IMMOVABLE), 5);
	/* Each frame while the reservation lasts; then the next fullest, not a free tree. */
	uint64_t frame;
	for (uint32_t i = 1; i < LLFREE_TREE_FRAMES / 2; i++) {
		cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
		cr_assert_eq(tree_of(frame), 5);
	}
	cr_assert_eq(next_tree(&u, LLFREE_KIND_IMMOVABLE), 2);
	ut_fini(&u);
}

/* Searching from tree 0, a nearly full tree at distance 1 ends the search; tree 3 is fuller. */
Test(placement, nearest_nearly_full_tree_ends_the_search)
{
	ut_t u;
	ut_init(&u, 1, 8 * LLFREE_TREE_FRAMES);
	fill_tree(&u, 1, AREAS - AREAS / 8, 0); /* TREE_GOOD_FREE free */
	fill_tree(&u, 3, AREAS - 1, 256);
	cr_assert_eq(next_tree(&u, LLFREE_KIND_IMMOVABLE), 1);
	ut_fini(&u);
}

/* Partly filled trees of another kind are not refilled while free trees exist. */
Test(placement, kinds_refill_their_own_trees)
{
	ut_t u;
	ut_init(&u, 1, 8 * LLFREE_TREE_FRAMES);
	fill_tree(&u, 4, AREAS / 2, 0); /* immovable */
	size_t movable = next_tree(&u, LLFREE_KIND_MOVABLE);
	cr_assert_eq(movable, 0, "the nearest free tree, not the immovable tree 4");
	cr_assert_eq(next_tree(&u, LLFREE_KIND_IMMOVABLE), 4);
	ut_fini(&u);
}

/*
 * Beyond the NEAR_TREES nearest trees: a nearly full tree far away beats a
 * half-empty one near (the search goes on while it has only seen poor
 * partial trees), but with no partly filled tree near at all, the nearest
 * entirely free tree is taken (fresh memory must not cost a scan of all).
 */
#define FAR_TREES (NEAR_TREES + 64)
#define FAR_TREE (NEAR_TREES / 2 + 16) /* search index 2 * FAR_TREE - 1 > NEAR_TREES */

Test(placement, far_nearly_full_tree_beats_near_half_empty_one)
{
	ut_t u;
	ut_init(&u, 1, FAR_TREES * (uint64_t)LLFREE_TREE_FRAMES);
	fill_tree(&u, 1, AREAS / 2, 0);
	fill_tree(&u, FAR_TREE, AREAS - 1, 0);
	cr_assert_eq(next_tree(&u, LLFREE_KIND_IMMOVABLE), FAR_TREE);
	ut_fini(&u);
}

Test(placement, no_partial_tree_near_takes_the_nearest_free_tree)
{
	ut_t u;
	ut_init(&u, 1, FAR_TREES * (uint64_t)LLFREE_TREE_FRAMES);
	fill_tree(&u, FAR_TREE, AREAS - 1, 0);
	cr_assert_eq(next_tree(&u, LLFREE_KIND_IMMOVABLE), 0);
	ut_fini(&u);
}

/* A free into a tree this core does not hold goes to the tree's entry, not to the reservation. */
Test(placement, frees_into_other_trees_credit_the_tree)
{
	ut_t u;
	ut_init(&u, 1, 8 * LLFREE_TREE_FRAMES);
	fill_tree(&u, 6, 1, 0);
	cr_assert_eq(next_tree(&u, LLFREE_KIND_IMMOVABLE), 6);
	reservation_t before = atomic_load(&upper_reservation(&u.ll, 0, LLFREE_KIND_IMMOVABLE)->word);
	fill_tree(&u, 2, 0, 1);
	cr_assert_eq(llfree_put(&u.ll, 0, 2 * (uint64_t)LLFREE_TREE_FRAMES, 0, LLFREE_KIND_IMMOVABLE),
		     LLFREE_OK);
	cr_assert_eq(entry(&u, 2), tree_make(LLFREE_TREE_FRAMES, false, TREE_DEFAULT_KIND));
	cr_assert_eq(atomic_load(&upper_reservation(&u.ll, 0, LLFREE_KIND_IMMOVABLE)->word), before,
		     "the reservation (tree 6) is unchanged");
	ut_fini(&u);
}
