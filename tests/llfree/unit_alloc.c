/*
 * LLFree unit tests, allocation: every order with its alignment, huge
 * alloc/split/refill, exhaustion, get-at, the partial last area (design 6).
 */
#include <criterion/criterion.h>

#include "unit_helpers.h"

#define TREES 4
#define FRAMES (TREES * (uint64_t)LLFREE_TREE_FRAMES)

Test(alloc, every_order_once_aligned)
{
	ut_t u;
	ut_owned_t owned;
	ut_init(&u, 1, FRAMES);
	ut_owned_init(&owned, FRAMES);
	uint64_t frames[LLFREE_MAX_ORDER + 1];
	uint64_t used = 0;
	for (unsigned order = 0; order <= LLFREE_MAX_ORDER; order++) {
		cr_assert_eq(llfree_get(&u.ll, 0, order, LLFREE_KIND_MOVABLE, &frames[order]),
			     LLFREE_OK, "order %u", order);
		ut_own(&owned, frames[order], order); /* aligned, in range, not handed out before */
		cr_assert(!llfree_is_free(&u.ll, frames[order], order));
		used += 1ull << order;
		cr_assert_eq(llfree_free_frames(&u.ll), FRAMES - used);
		cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	}
	for (unsigned order = 0; order <= LLFREE_MAX_ORDER; order++) {
		cr_assert_eq(llfree_put(&u.ll, 0, frames[order], order, LLFREE_KIND_MOVABLE),
			     LLFREE_OK, "order %u", order);
		cr_assert(llfree_is_free(&u.ll, frames[order], order));
	}
	cr_assert_eq(llfree_free_frames(&u.ll), FRAMES);
	cr_assert_eq(llfree_free_huge(&u.ll), FRAMES / LLFREE_AREA_FRAMES);
	ut_owned_free(&owned);
	ut_fini(&u);
}

Test(alloc, every_order_until_empty)
{
	for (unsigned order = 0; order <= LLFREE_MAX_ORDER; order++) {
		ut_t u;
		ut_owned_t owned;
		ut_init(&u, 2, FRAMES);
		ut_owned_init(&owned, FRAMES);
		uint64_t got = ut_exhaust(&u, order % 2, order, LLFREE_KIND_IMMOVABLE, &owned);
		cr_assert_eq(got, FRAMES >> order, "order %u: %llu", order, (unsigned long long)got);
		cr_assert_eq(llfree_free_frames(&u.ll), 0);
		/* Out of memory for every order, and again: it returns, it never spins. */
		for (unsigned o = 0; o <= LLFREE_MAX_ORDER; o++) {
			uint64_t frame;
			cr_assert_eq(llfree_get(&u.ll, 1, o, LLFREE_KIND_HUGE, &frame),
				     LLFREE_ERR_MEMORY);
		}
		ut_owned_free(&owned);
		ut_fini(&u);
	}
}

Test(alloc, huge_split_by_small_free_and_refill)
{
	ut_t u;
	ut_init(&u, 1, LLFREE_AREA_FRAMES); /* exactly one area */
	uint64_t huge, frame;
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &huge), LLFREE_OK);
	cr_assert_eq(huge, 0);
	cr_assert_eq(llfree_free_huge(&u.ll), 0);
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_HUGE, &frame), LLFREE_ERR_MEMORY);
	/* A 4 KiB free inside the huge frame splits it: only that frame becomes free. */
	cr_assert_eq(llfree_put(&u.ll, 0, 5, 0, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	cr_assert_eq(llfree_free_frames(&u.ll), 1);
	cr_assert(llfree_is_free(&u.ll, 5, 0));
	cr_assert(!llfree_is_free(&u.ll, 4, 0));
	cr_assert_eq(llfree_put(&u.ll, 0, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE),
		     LLFREE_ERR_WRONG_ORDER, "split: no longer one huge frame");
	/* Refill: the one free frame is handed out again, then nothing. */
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
	cr_assert_eq(frame, 5);
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_MOVABLE, &frame), LLFREE_ERR_MEMORY);
	/* Free the rest piecewise, in mixed orders; the area becomes whole again. */
	cr_assert_eq(llfree_put(&u.ll, 0, 5, 0, LLFREE_KIND_MOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, 256, 8, LLFREE_KIND_MOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, 128, 7, LLFREE_KIND_MOVABLE), LLFREE_OK);
	for (uint64_t f = 0; f < 128; f++)
		if (f != 5)
			cr_assert_eq(llfree_put(&u.ll, 0, f, 0, LLFREE_KIND_MOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_free_huge(&u.ll), 1);
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &huge), LLFREE_OK);
	ut_fini(&u);
}

Test(alloc, larger_orders_need_aligned_free_areas)
{
	ut_t u;
	ut_init(&u, 1, LLFREE_TREE_FRAMES); /* one tree */
	/* One small frame in every other area: no two aligned free areas remain. */
	for (uint64_t a = 0; a < LLFREE_AREAS_PER_TREE; a += 2)
		cr_assert_eq(llfree_get_at(&u.ll, 0, a * LLFREE_AREA_FRAMES + 7, 0,
					   LLFREE_KIND_IMMOVABLE),
			     LLFREE_OK);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER + 1, LLFREE_KIND_HUGE, &frame),
		     LLFREE_ERR_MEMORY);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	for (uint64_t a = 1; a < LLFREE_AREAS_PER_TREE; a += 2) {
		cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &frame),
			     LLFREE_OK);
		cr_assert_eq(frame / LLFREE_AREA_FRAMES % 2, 1);
	}
	cr_assert_eq(llfree_get(&u.ll, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, &frame),
		     LLFREE_ERR_MEMORY);
	ut_fini(&u);
}

Test(alloc, fragmented_tree_moves_on)
{
	ut_t u;
	ut_init(&u, 1, 2 * LLFREE_TREE_FRAMES);
	/* Fill tree 0 with single frames, then free every other one: 2048 free, no pair. */
	for (uint64_t f = 0; f < LLFREE_TREE_FRAMES; f++)
		cr_assert_eq(llfree_get_at(&u.ll, 0, f, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	for (uint64_t f = 0; f < LLFREE_TREE_FRAMES; f += 2)
		cr_assert_eq(llfree_put(&u.ll, 0, f, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	uint64_t frame;
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(llfree_get(&u.ll, 0, 1, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
		cr_assert_geq(frame, LLFREE_TREE_FRAMES, "tree 0 has no aligned pair");
	}
	/* Single frames still come from the holes. */
	cr_assert_eq(ut_exhaust(&u, 0, 1, LLFREE_KIND_IMMOVABLE, NULL),
		     LLFREE_TREE_FRAMES / 2 - 10);
	cr_assert_eq(ut_exhaust(&u, 0, 0, LLFREE_KIND_IMMOVABLE, NULL), LLFREE_TREE_FRAMES / 2);
	ut_fini(&u);
}

Test(alloc, get_at)
{
	ut_t u;
	ut_owned_t owned;
	ut_init(&u, 2, FRAMES);
	ut_owned_init(&owned, FRAMES);
	cr_assert_eq(llfree_get_at(&u.ll, 0, 100, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	ut_own(&owned, 100, 0);
	cr_assert(!llfree_is_free(&u.ll, 100, 0));
	cr_assert_eq(llfree_get_at(&u.ll, 1, 100, 0, LLFREE_KIND_IMMOVABLE), LLFREE_ERR_IN_USE);
	cr_assert_eq(llfree_get_at(&u.ll, 1, 96, 3, LLFREE_KIND_IMMOVABLE), LLFREE_ERR_IN_USE);
	/* Every order at its own aligned place, small and huge. */
	uint64_t at = LLFREE_TREE_FRAMES;
	for (unsigned order = 0; order <= LLFREE_HUGE_ORDER + 1; order++) {
		at = (at + (1ull << order) - 1) & ~((1ull << order) - 1);
		cr_assert_eq(llfree_get_at(&u.ll, order % 2, at, order, LLFREE_KIND_MOVABLE),
			     LLFREE_OK, "order %u at %llu", order, (unsigned long long)at);
		ut_own(&owned, at, order);
		cr_assert_eq(llfree_get_at(&u.ll, 0, at, order, LLFREE_KIND_MOVABLE),
			     LLFREE_ERR_IN_USE);
		at += 1ull << order;
	}
	/* Small frames inside a huge one are in use. */
	cr_assert_eq(llfree_get_at(&u.ll, 0, 3 * LLFREE_TREE_FRAMES, LLFREE_HUGE_ORDER,
				   LLFREE_KIND_HUGE),
		     LLFREE_OK);
	ut_own(&owned, 3 * LLFREE_TREE_FRAMES, LLFREE_HUGE_ORDER);
	cr_assert_eq(llfree_get_at(&u.ll, 0, 3 * LLFREE_TREE_FRAMES + 8, 3, LLFREE_KIND_HUGE),
		     LLFREE_ERR_IN_USE);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	/* What get hands out never overlaps what get_at took. */
	uint64_t frame;
	while (llfree_get(&u.ll, 1, 0, LLFREE_KIND_IMMOVABLE, &frame) == LLFREE_OK)
		ut_own(&owned, frame, 0);
	cr_assert_eq(llfree_free_frames(&u.ll), 0);
	ut_owned_free(&owned);
	ut_fini(&u);
}

Test(alloc, get_at_inside_a_reserved_tree)
{
	ut_t u;
	ut_init(&u, 2, 2 * LLFREE_TREE_FRAMES);
	uint64_t frame;
	/* Core 0 reserves a tree: its count sits in core 0's reservation. */
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	uint64_t base = frame / LLFREE_TREE_FRAMES * LLFREE_TREE_FRAMES;
	cr_assert_eq(llfree_get_at(&u.ll, 1, base + 300, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	/* A whole tree by get_at although core 0 holds part of its count. */
	cr_assert_eq(llfree_put(&u.ll, 1, base + 300, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, frame, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_get_at(&u.ll, 1, base, LLFREE_MAX_ORDER, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	cr_assert_eq(llfree_free_frames(&u.ll), LLFREE_TREE_FRAMES);
	cr_assert_eq(llfree_put(&u.ll, 0, base, LLFREE_MAX_ORDER, LLFREE_KIND_HUGE), LLFREE_OK);
	ut_fini(&u);
}

Test(alloc, partial_last_area_never_hands_out_the_tail)
{
	uint64_t frames = LLFREE_TREE_FRAMES + LLFREE_AREA_FRAMES + 300;
	ut_t u;
	ut_owned_t owned;
	ut_init(&u, 1, frames);
	ut_owned_init(&owned, frames);
	/* Orders 0..8 until empty: every frame below the end, none twice. */
	for (unsigned order = 8;; order--) {
		uint64_t frame;
		while (llfree_get(&u.ll, 0, order, LLFREE_KIND_MOVABLE, &frame) == LLFREE_OK)
			ut_own(&owned, frame, order);
		if (order == 0)
			break;
	}
	cr_assert_eq(llfree_free_frames(&u.ll), 0);
	for (uint64_t f = 0; f < frames; f++)
		cr_assert(owned.bits[f / 64] & (1ull << (f % 64)), "frame %llu never handed out",
			  (unsigned long long)f);
	cr_assert_eq(llfree_get_at(&u.ll, 0, frames, 0, LLFREE_KIND_MOVABLE), LLFREE_ERR_RANGE);
	cr_assert(!llfree_is_free(&u.ll, frames, 0));
	ut_owned_free(&owned);
	ut_fini(&u);
}
