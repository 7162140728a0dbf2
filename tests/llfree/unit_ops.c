/*
 * LLFree unit tests, the operations an OS needs beyond get and put (issue
 * 11): drain of every core, trees offline and online, fixed kinds, what
 * served a get, counts per kind, free frames in a range.
 */
#include <criterion/criterion.h>

#include "unit_helpers.h"

#define TREES 4
#define FRAMES (TREES * (uint64_t)LLFREE_TREE_FRAMES)

static llfree_tree_info_t info_of(ut_t *u, size_t tree)
{
	llfree_tree_info_t info;
	cr_assert_eq(llfree_tree_info(&u->ll, tree, &info), LLFREE_OK);
	return info;
}

static size_t tree_of(uint64_t frame)
{
	return (size_t)(frame / LLFREE_TREE_FRAMES);
}

Test(ops, drain_all_ends_every_reservation)
{
	ut_t u;
	ut_init(&u, 3, FRAMES);
	uint64_t frame;
	for (size_t core = 0; core < 3; core++)
		cr_assert_eq(llfree_get(&u.ll, core, 0, (llfree_kind_t)core, &frame), LLFREE_OK);
	size_t reserved = 0;
	for (size_t t = 0; t < TREES; t++)
		reserved += info_of(&u, t).reserved;
	cr_assert_eq(reserved, 3);
	cr_assert_eq(llfree_drain_all(&u.ll), LLFREE_OK);
	for (size_t t = 0; t < TREES; t++)
		cr_assert(!info_of(&u, t).reserved, "tree %zu still reserved", t);
	cr_assert_eq(llfree_free_frames(&u.ll), FRAMES - 3);
	ut_fini(&u);
}

/* An offline tree hands out nothing, not even to get_at, takes frees, and comes back. */
Test(ops, offline_tree_is_never_handed_out)
{
	ut_t u;
	ut_owned_t owned;
	ut_init(&u, 2, FRAMES);
	ut_owned_init(&owned, FRAMES);
	uint64_t held;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &held), LLFREE_OK);
	size_t off = tree_of(held);
	cr_assert_eq(llfree_offline(&u.ll, off, 1), LLFREE_OK);
	llfree_tree_info_t info = info_of(&u, off);
	cr_assert(info.offline && !info.reserved, "the reservation of the tree ended");
	cr_assert_eq(info.free, LLFREE_TREE_FRAMES - 1);
	uint64_t first = (uint64_t)off * LLFREE_TREE_FRAMES;
	cr_assert_eq(llfree_get_at(&u.ll, 1, first + 100, 0, LLFREE_KIND_MOVABLE),
		     LLFREE_ERR_OFFLINE);
	/* Every order until empty on both cores: only the other trees' frames. */
	uint64_t got = 0;
	for (unsigned order = LLFREE_MAX_ORDER + 1; order-- > 0;) {
		uint64_t frame;
		while (llfree_get(&u.ll, order % 2, order, LLFREE_KIND_IMMOVABLE, &frame) ==
		       LLFREE_OK) {
			cr_assert_neq(tree_of(frame), off, "frame %llu of the offline tree",
				      (unsigned long long)frame);
			ut_own(&owned, frame, order);
			got += 1ull << order;
		}
	}
	cr_assert_eq(got, FRAMES - LLFREE_TREE_FRAMES);
	llfree_counts_t counts;
	cr_assert_eq(llfree_counts(&u.ll, &counts), LLFREE_OK);
	cr_assert_eq(counts.offline_trees, 1);
	cr_assert_eq(counts.offline_free, LLFREE_TREE_FRAMES - 1);
	/* Frees into it are counted: the OS sees when the range is all free. */
	cr_assert_eq(llfree_put(&u.ll, 1, held, 0, LLFREE_KIND_MOVABLE), LLFREE_OK);
	uint64_t free;
	cr_assert_eq(llfree_free_in_range(&u.ll, first, LLFREE_MAX_ORDER, &free), LLFREE_OK);
	cr_assert_eq(free, LLFREE_TREE_FRAMES);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	/* Online again: its frames are handed out. */
	cr_assert_eq(llfree_online(&u.ll, off, 1), LLFREE_OK);
	cr_assert(!info_of(&u, off).offline);
	cr_assert_eq(ut_exhaust(&u, 0, 0, LLFREE_KIND_MOVABLE, &owned), LLFREE_TREE_FRAMES);
	ut_owned_free(&owned);
	ut_fini(&u);
}

/* A fixed kind keeps other kinds out while they have room, and says so when it serves them. */
Test(ops, fixed_kind_serves_other_kinds_last)
{
	ut_t u;
	ut_init(&u, 1, FRAMES);
	size_t fixed = TREES - 1;
	cr_assert_eq(llfree_set_kind(&u.ll, fixed, 1, LLFREE_KIND_HUGE, true), LLFREE_OK);
	llfree_tree_info_t info = info_of(&u, fixed);
	cr_assert(info.fixed && info.kind == LLFREE_KIND_HUGE);
	uint64_t frame;
	llfree_kind_t served;
	for (uint64_t i = 0; i < FRAMES - LLFREE_TREE_FRAMES; i++) {
		cr_assert_eq(llfree_get_served(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &frame, &served),
			     LLFREE_OK);
		cr_assert_neq(tree_of(frame), fixed, "get %llu took the fixed tree early",
			      (unsigned long long)i);
		cr_assert_eq(served, LLFREE_KIND_MOVABLE);
	}
	/* Nothing else left: the fixed tree serves, and the caller learns its kind. */
	cr_assert_eq(llfree_get_served(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &frame, &served),
		     LLFREE_OK);
	cr_assert_eq(tree_of(frame), fixed);
	cr_assert_eq(served, LLFREE_KIND_HUGE);
	cr_assert_eq(llfree_put(&u.ll, 0, frame, 0, LLFREE_KIND_MOVABLE), LLFREE_OK);
	/* Entirely free and drained, it keeps the fixed kind; unfixed, it follows design 2. */
	cr_assert_eq(llfree_drain_all(&u.ll), LLFREE_OK);
	cr_assert_eq(info_of(&u, fixed).kind, LLFREE_KIND_HUGE);
	cr_assert_eq(llfree_set_kind(&u.ll, fixed, 1, LLFREE_KIND_HUGE, false), LLFREE_OK);
	cr_assert(!info_of(&u, fixed).fixed);
	cr_assert_eq(llfree_get_served(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame, &served),
		     LLFREE_OK);
	cr_assert_eq(tree_of(frame), fixed);
	cr_assert_eq(served, LLFREE_KIND_IMMOVABLE, "an entirely free tree takes the new kind");
	ut_fini(&u);
}

/* Fixing a kind ends the reservations of other kinds that hold the tree. */
Test(ops, fixed_kind_ends_other_kinds_reservations)
{
	ut_t u;
	ut_init(&u, 2, FRAMES);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	size_t tree = tree_of(frame);
	cr_assert(info_of(&u, tree).reserved);
	cr_assert_eq(llfree_set_kind(&u.ll, tree, 1, LLFREE_KIND_IMMOVABLE, true), LLFREE_OK);
	cr_assert(info_of(&u, tree).reserved, "its own kind keeps it");
	cr_assert_eq(llfree_set_kind(&u.ll, tree, 1, LLFREE_KIND_MOVABLE, true), LLFREE_OK);
	cr_assert(!info_of(&u, tree).reserved);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	ut_fini(&u);
}

Test(ops, counts_per_kind_add_up)
{
	ut_t u;
	ut_init(&u, 3, FRAMES + 700);
	uint64_t frame;
	for (unsigned i = 0; i < 300; i++)
		cr_assert_eq(llfree_get(&u.ll, i % 3, i % 5, (llfree_kind_t)(i % 3), &frame),
			     LLFREE_OK);
	size_t last = llfree_trees(&u.ll) - 1; /* the partial tree, nobody's */
	cr_assert_eq(llfree_offline(&u.ll, last, 1), LLFREE_OK);
	llfree_counts_t c;
	cr_assert_eq(llfree_counts(&u.ll, &c), LLFREE_OK);
	uint64_t free = c.offline_free, trees = c.offline_trees;
	for (unsigned k = 0; k < LLFREE_KINDS; k++) {
		free += c.free[k];
		trees += c.trees[k];
		cr_assert_gt(c.trees[k], 0, "kind %u owns a tree", k);
	}
	cr_assert_eq(free, llfree_free_frames(&u.ll));
	cr_assert_eq(trees, llfree_trees(&u.ll));
	cr_assert_eq(c.offline_free, info_of(&u, last).free);
	cr_assert_eq(c.offline_free, 700);
	ut_fini(&u);
}

/* free_in_range against a frame-by-frame count with is_free. */
Test(ops, free_in_range_counts_each_frame)
{
	ut_t u;
	ut_init(&u, 1, FRAMES);
	uint64_t frame, huge;
	for (unsigned i = 0; i < 500; i++)
		cr_assert_eq(llfree_get(&u.ll, 0, i % 4, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, 9, LLFREE_KIND_HUGE, &huge), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, huge + 64, 5, LLFREE_KIND_HUGE), LLFREE_OK); /* split */
	for (unsigned order = 0; order <= LLFREE_MAX_ORDER; order += 3) {
		for (uint64_t f = 0; f < FRAMES; f += 1ull << order) {
			uint64_t want = 0, got;
			for (uint64_t i = f; i < f + (1ull << order); i++)
				want += llfree_is_free(&u.ll, i, 0);
			cr_assert_eq(llfree_free_in_range(&u.ll, f, order, &got), LLFREE_OK);
			cr_assert_eq(got, want, "frame %llu order %u", (unsigned long long)f, order);
		}
	}
	cr_assert_eq(llfree_free_in_range(&u.ll, huge, 9, &frame), LLFREE_OK);
	cr_assert_eq(frame, 32);
	ut_fini(&u);
}
