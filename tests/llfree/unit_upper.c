/*
 * LLFree unit tests, upper level: kinds, reservations (swap, sync, drain),
 * stealing near out of memory, frees by other cores (design 2, 6).
 */
#include <criterion/criterion.h>

#include "tree.h"
#include "unit_helpers.h"
#include "upper.h"

static size_t tree_of(uint64_t frame)
{
	return (size_t)(frame / LLFREE_TREE_FRAMES);
}

static tree_t entry(const ut_t *u, size_t tree)
{
	return tree_load(&u->ll.tree_entries[tree]);
}

static reservation_t reservation(const ut_t *u, size_t core, llfree_kind_t kind)
{
	return atomic_load(&upper_reservation(&u->ll, core, kind)->word);
}

Test(upper, kinds_do_not_share_trees)
{
	ut_t u;
	ut_init(&u, 1, 8 * LLFREE_TREE_FRAMES);
	uint64_t imm, mov, huge;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &imm), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &mov), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &huge), LLFREE_OK);
	cr_assert_neq(tree_of(imm), tree_of(mov));
	cr_assert_neq(tree_of(imm), tree_of(huge));
	cr_assert_neq(tree_of(mov), tree_of(huge));
	cr_assert_eq(tree_kind(entry(&u, tree_of(imm))), LLFREE_KIND_IMMOVABLE);
	cr_assert_eq(tree_kind(entry(&u, tree_of(mov))), LLFREE_KIND_MOVABLE);
	cr_assert_eq(tree_kind(entry(&u, tree_of(huge))), LLFREE_KIND_HUGE);
	/* Many more of each stay in their trees while those have room. */
	for (int i = 0; i < 100; i++) {
		uint64_t frame;
		cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
		cr_assert_eq(tree_of(frame), tree_of(imm));
		cr_assert_eq(llfree_get(&u.ll, 0, 2, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
		cr_assert_eq(tree_of(frame), tree_of(mov));
	}
	ut_fini(&u);
}

Test(upper, huge_prefers_entirely_free_trees)
{
	ut_t u;
	ut_init(&u, 1, 4 * LLFREE_TREE_FRAMES);
	/* Tree 0 partly used by immovable frames and then given back: partial, immovable. */
	uint64_t frame;
	cr_assert_eq(llfree_get_at(&u.ll, 0, 0, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &frame), LLFREE_OK);
	cr_assert_neq(tree_of(frame), 0, "huge frames leave partial trees alone");
	/* An immovable get prefers the partial tree 0 over free ones. */
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	cr_assert_eq(tree_of(frame), 0, "small frames fill partial trees first");
	ut_fini(&u);
}

Test(upper, huge_takes_free_areas_of_other_kinds_last)
{
	ut_t u;
	ut_init(&u, 1, LLFREE_TREE_FRAMES); /* one tree */
	uint64_t small, huge;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &small), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &huge), LLFREE_OK);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_IMMOVABLE, &huge),
		     LLFREE_OK);
	ut_fini(&u);
}

Test(upper, entirely_free_tree_returns_to_default_kind)
{
	ut_t u;
	ut_init(&u, 2, 4 * LLFREE_TREE_FRAMES);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 3, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
	size_t tree = tree_of(frame);
	cr_assert_eq(llfree_drain(&u.ll, 0), LLFREE_OK);
	cr_assert_eq(tree_kind(entry(&u, tree)), LLFREE_KIND_MOVABLE, "still holds a movable block");
	/* Freed by another core: the global entry becomes whole and forgets its kind. */
	cr_assert_eq(llfree_put(&u.ll, 1, frame, 3, LLFREE_KIND_MOVABLE), LLFREE_OK);
	cr_assert_eq(entry(&u, tree), tree_make(LLFREE_TREE_FRAMES, false, TREE_DEFAULT_KIND));
	/* Freed into the reservation: the drain makes it whole. */
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_HUGE, &frame), LLFREE_OK);
	tree = tree_of(frame);
	cr_assert_eq(tree_kind(entry(&u, tree)), LLFREE_KIND_HUGE);
	cr_assert_eq(llfree_put(&u.ll, 0, frame, 0, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_drain(&u.ll, 0), LLFREE_OK);
	cr_assert_eq(entry(&u, tree), tree_make(LLFREE_TREE_FRAMES, false, TREE_DEFAULT_KIND));
	ut_fini(&u);
}

Test(upper, drain_gives_back_every_reservation)
{
	ut_t u;
	ut_init(&u, 3, 8 * LLFREE_TREE_FRAMES);
	uint64_t frame;
	for (size_t core = 0; core < 3; core++)
		for (int kind = 0; kind < LLFREE_KINDS; kind++)
			cr_assert_eq(llfree_get(&u.ll, core, 0, (llfree_kind_t)kind, &frame),
				     LLFREE_OK);
	uint64_t free = llfree_free_frames(&u.ll);
	cr_assert_eq(free, 8 * LLFREE_TREE_FRAMES - 9);
	cr_assert_eq(llfree_drain(&u.ll, 1), LLFREE_OK);
	for (int kind = 0; kind < LLFREE_KINDS; kind++) {
		cr_assert(!res_present(reservation(&u, 1, (llfree_kind_t)kind)));
		cr_assert(res_present(reservation(&u, 0, (llfree_kind_t)kind)));
	}
	cr_assert_eq(llfree_free_frames(&u.ll), free);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	for (size_t core = 0; core < 3; core++)
		cr_assert_eq(llfree_drain(&u.ll, core), LLFREE_OK);
	for (size_t t = 0; t < 8; t++)
		cr_assert(!tree_reserved(entry(&u, t)));
	cr_assert_eq(llfree_free_frames(&u.ll), free);
	llfree_dump(&u.ll);
	ut_fini(&u);
}

Test(upper, swap_unreserves_the_old_tree)
{
	ut_t u;
	ut_init(&u, 1, 2 * LLFREE_TREE_FRAMES);
	uint64_t first, frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &first), LLFREE_OK);
	for (uint64_t i = 1; i < LLFREE_TREE_FRAMES; i++)
		cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	/* The next one comes from the other tree; the first tree is no longer reserved. */
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	cr_assert_neq(tree_of(frame), tree_of(first));
	cr_assert(!tree_reserved(entry(&u, tree_of(first))), "mistake 11: old tree kept reserved");
	cr_assert(tree_reserved(entry(&u, tree_of(frame))));
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	/* A frame freed in the old tree is not lost capacity. */
	cr_assert_eq(llfree_put(&u.ll, 0, first, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(ut_exhaust(&u, 0, 0, LLFREE_KIND_IMMOVABLE, NULL), LLFREE_TREE_FRAMES);
	ut_fini(&u);
}

Test(upper, frees_by_other_cores_are_synced)
{
	ut_t u;
	ut_init(&u, 2, LLFREE_TREE_FRAMES); /* one tree, reserved by core 0 */
	uint64_t frames[64];
	for (int i = 0; i < 64; i++)
		cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &frames[i]), LLFREE_OK);
	size_t tree = tree_of(frames[0]);
	/* Core 1 frees into the global entry of a tree core 0 holds. */
	for (int i = 0; i < 64; i++)
		cr_assert_eq(llfree_put(&u.ll, 1, frames[i], 0, LLFREE_KIND_MOVABLE), LLFREE_OK);
	cr_assert_eq(tree_free(entry(&u, tree)), 64);
	cr_assert(tree_reserved(entry(&u, tree)));
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	/* Core 0 uses up its reservation, then syncs the 64 instead of looking elsewhere. */
	cr_assert_eq(ut_exhaust(&u, 0, 0, LLFREE_KIND_MOVABLE, NULL), LLFREE_TREE_FRAMES);
	cr_assert_eq(llfree_free_frames(&u.ll), 0);
	ut_fini(&u);
}

Test(upper, own_frees_go_to_the_reservation)
{
	ut_t u;
	ut_init(&u, 1, 2 * LLFREE_TREE_FRAMES);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 4, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
	reservation_t before = reservation(&u, 0, LLFREE_KIND_MOVABLE);
	/* Even freed with another kind, the core's reservation of that tree gets the count. */
	cr_assert_eq(llfree_put(&u.ll, 0, frame, 4, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(res_free(reservation(&u, 0, LLFREE_KIND_MOVABLE)), res_free(before) + 16);
	cr_assert_eq(tree_free(entry(&u, tree_of(frame))), 0);
	ut_fini(&u);
}

Test(upper, steal_the_last_frames_from_another_reservation)
{
	ut_t u;
	ut_owned_t owned;
	ut_init(&u, 2, LLFREE_TREE_FRAMES);
	ut_owned_init(&owned, LLFREE_TREE_FRAMES);
	uint64_t frame;
	/* Core 1's reservation holds every other free frame. */
	cr_assert_eq(llfree_get(&u.ll, 1, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	ut_own(&owned, frame, 0);
	cr_assert_eq(res_free(reservation(&u, 1, LLFREE_KIND_IMMOVABLE)), LLFREE_TREE_FRAMES - 1);
	cr_assert_eq(ut_exhaust(&u, 0, 0, LLFREE_KIND_MOVABLE, &owned), LLFREE_TREE_FRAMES - 1);
	cr_assert_eq(llfree_free_frames(&u.ll), 0);
	ut_owned_free(&owned);
	ut_fini(&u);
}

Test(upper, count_split_between_entry_and_reservation)
{
	ut_t u;
	ut_init(&u, 2, LLFREE_TREE_FRAMES);
	/* Core 0 holds the tree with 2 frames left; core 1 frees 2 into the global entry. */
	uint64_t a, b, frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &a), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &b), LLFREE_OK);
	uint64_t left = LLFREE_TREE_FRAMES - 2;
	while (left > 2) {
		cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
		left--;
	}
	cr_assert_eq(llfree_put(&u.ll, 1, a, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 1, b, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(res_free(reservation(&u, 0, LLFREE_KIND_IMMOVABLE)), 2);
	cr_assert_eq(tree_free(entry(&u, 0)), 2);
	/* Order 2 needs 4: neither count alone has it; a drain brings them together. */
	llfree_result_t res = llfree_get(&u.ll, 1, 2, LLFREE_KIND_IMMOVABLE, &frame);
	if (res == LLFREE_OK)
		cr_assert_eq(frame % 4, 0);
	else
		cr_assert_eq(res, LLFREE_ERR_MEMORY, "the 4 free frames may not be aligned");
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	/* Order 0 gets all of them. */
	cr_assert_eq(ut_exhaust(&u, 1, 0, LLFREE_KIND_IMMOVABLE, NULL), res == LLFREE_OK ? 0 : 4);
	ut_fini(&u);
}

Test(upper, less_memory_than_cores_times_trees)
{
	ut_t u;
	ut_owned_t owned;
	uint64_t frames = 2 * LLFREE_TREE_FRAMES + 100;
	ut_init(&u, 8, frames);
	ut_owned_init(&owned, frames);
	uint64_t got = 0, frame;
	bool any = true;
	/* Round robin over 8 cores until every core is refused. */
	while (any) {
		any = false;
		for (size_t core = 0; core < 8; core++) {
			if (llfree_get(&u.ll, core, core % 3, (llfree_kind_t)(core % 3), &frame) ==
			    LLFREE_OK) {
				ut_own(&owned, frame, core % 3);
				got += 1ull << (core % 3);
				any = true;
			}
		}
	}
	cr_assert_eq(ut_exhaust(&u, 5, 0, LLFREE_KIND_MOVABLE, &owned), frames - got);
	cr_assert_eq(llfree_free_frames(&u.ll), 0);
	ut_owned_free(&owned);
	ut_fini(&u);
}

Test(upper, cores_start_spread_out)
{
	ut_t u;
	ut_init(&u, 4, 8 * LLFREE_TREE_FRAMES);
	for (size_t core = 0; core < 4; core++) {
		uint64_t frame;
		cr_assert_eq(llfree_get(&u.ll, core, 0, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
		cr_assert_eq(tree_of(frame), core * 2);
	}
	ut_fini(&u);
}

Test(upper, shutdown_drains)
{
	ut_t u;
	ut_init(&u, 2, 2 * LLFREE_TREE_FRAMES);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 1, 0, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
	cr_assert_eq(llfree_shutdown(&u.ll), LLFREE_OK);
	cr_assert(!res_present(reservation(&u, 1, LLFREE_KIND_MOVABLE)));
	cr_assert_eq(llfree_free_frames(&u.ll), 2 * LLFREE_TREE_FRAMES - 1);
	ut_fini(&u);
}
