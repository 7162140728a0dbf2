/*
 * LLFree unit tests, bad input: every error code of the API, and that each
 * refused call leaves the metadata byte for byte as it was (design 2, 6).
 */
#include <criterion/criterion.h>

#include "unit_helpers.h"

#define FRAMES (2 * (uint64_t)LLFREE_TREE_FRAMES + 300)

typedef struct held {
	uint64_t small, mid, huge, big, split;
} held_t;

/* Some of everything: orders 0, 7, 9, 10 and a split huge frame. */
static void setup_state(ut_t *u, held_t *h)
{
	ut_init(u, 2, FRAMES);
	cr_assert_eq(llfree_get(&u->ll, 0, 0, LLFREE_KIND_IMMOVABLE, &h->small), LLFREE_OK);
	cr_assert_eq(llfree_get(&u->ll, 1, 7, LLFREE_KIND_MOVABLE, &h->mid), LLFREE_OK);
	cr_assert_eq(llfree_get(&u->ll, 0, 9, LLFREE_KIND_HUGE, &h->huge), LLFREE_OK);
	cr_assert_eq(llfree_get(&u->ll, 1, 10, LLFREE_KIND_HUGE, &h->big), LLFREE_OK);
	cr_assert_eq(llfree_get(&u->ll, 1, 9, LLFREE_KIND_HUGE, &h->split), LLFREE_OK);
	cr_assert_eq(llfree_put(&u->ll, 1, h->split + 1, 0, LLFREE_KIND_HUGE), LLFREE_OK);
}

/* Run call; it must return want and change nothing. */
#define REFUSED(u, snap, want, call)                                                               \
	do {                                                                                       \
		llfree_result_t got_ = (call);                                                     \
		cr_assert_eq(got_, (want), "%s: got %s, want %s", #call, llfree_strerror(got_),    \
			     llfree_strerror(want));                                               \
		ut_same((u), (snap), #call);                                                       \
	} while (0)

Test(errors, bad_get)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	uint64_t frame = 12345;
	REFUSED(&u, &s, LLFREE_ERR_ORDER,
		llfree_get(&u.ll, 0, LLFREE_MAX_ORDER + 1, LLFREE_KIND_IMMOVABLE, &frame));
	REFUSED(&u, &s, LLFREE_ERR_ORDER, llfree_get(&u.ll, 0, 64, LLFREE_KIND_IMMOVABLE, &frame));
	REFUSED(&u, &s, LLFREE_ERR_CORE, llfree_get(&u.ll, 2, 0, LLFREE_KIND_IMMOVABLE, &frame));
	REFUSED(&u, &s, LLFREE_ERR_CORE,
		llfree_get(&u.ll, SIZE_MAX, 0, LLFREE_KIND_IMMOVABLE, &frame));
	REFUSED(&u, &s, LLFREE_ERR_KIND, llfree_get(&u.ll, 0, 0, (llfree_kind_t)LLFREE_KINDS, &frame));
	REFUSED(&u, &s, LLFREE_ERR_KIND, llfree_get(&u.ll, 0, 0, (llfree_kind_t)-1, &frame));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, NULL));
	cr_assert_eq(frame, 12345, "no output on error");
	REFUSED(&u, &s, LLFREE_ERR_CORE, llfree_drain(&u.ll, 2));
	ut_snap_free(&s);
	ut_fini(&u);
}

Test(errors, bad_put_arguments)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	REFUSED(&u, &s, LLFREE_ERR_ORDER,
		llfree_put(&u.ll, 0, 0, LLFREE_MAX_ORDER + 1, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_ALIGN,
		llfree_put(&u.ll, 0, h.mid + 1, 7, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_ALIGN,
		llfree_put(&u.ll, 0, h.huge + 8, 9, LLFREE_KIND_HUGE));
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_put(&u.ll, 0, FRAMES, 0, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_RANGE,
		llfree_put(&u.ll, 0, UINT64_MAX - 511, 9, LLFREE_KIND_IMMOVABLE));
	/* Aligned, starts inside, ends past the last frame. */
	uint64_t tail = FRAMES / LLFREE_AREA_FRAMES * LLFREE_AREA_FRAMES;
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_put(&u.ll, 0, tail, 9, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_CORE, llfree_put(&u.ll, 2, h.small, 0, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_KIND,
		llfree_put(&u.ll, 0, h.small, 0, (llfree_kind_t)LLFREE_KINDS));
	ut_snap_free(&s);
	ut_fini(&u);
}

Test(errors, double_and_wrong_order_frees)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	/* A frame never allocated, and the one given back by the split. */
	uint64_t never = FRAMES - 1;
	cr_assert(llfree_is_free(&u.ll, never, 0));
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE, llfree_put(&u.ll, 0, never, 0, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE,
		llfree_put(&u.ll, 1, h.split + 1, 0, LLFREE_KIND_HUGE));
	/* Wholly free areas freed as huge, as a larger block, and as rows. */
	uint64_t free_area = 0;
	while (!llfree_is_free(&u.ll, free_area, 9))
		free_area += LLFREE_AREA_FRAMES;
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE,
		llfree_put(&u.ll, 0, free_area, 9, LLFREE_KIND_HUGE));
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE,
		llfree_put(&u.ll, 0, free_area, 8, LLFREE_KIND_HUGE));
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE,
		llfree_put(&u.ll, 0, free_area + 64, 6, LLFREE_KIND_HUGE));
	/* Wrong order: larger than allocated, small block freed as huge, huge pair freed apart. */
	REFUSED(&u, &s, LLFREE_ERR_WRONG_ORDER,
		llfree_put(&u.ll, 0, h.small & ~7ull, 3, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_WRONG_ORDER,
		llfree_put(&u.ll, 1, h.mid & ~255ull, 8, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_WRONG_ORDER,
		llfree_put(&u.ll, 0, h.small & ~511ull, 9, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_WRONG_ORDER,
		llfree_put(&u.ll, 0, h.split, 9, LLFREE_KIND_HUGE));
	uint64_t pair = h.huge & ~1023ull;
	if (!llfree_is_free(&u.ll, pair == h.huge ? h.huge + 512 : pair, 9))
		cr_skip_test("layout: the huge frame's neighbour is in use");
	REFUSED(&u, &s, LLFREE_ERR_WRONG_ORDER, llfree_put(&u.ll, 0, pair, 10, LLFREE_KIND_HUGE));
	ut_snap_free(&s);
	/* The right frees still work afterwards. */
	cr_assert_eq(llfree_put(&u.ll, 0, h.big, 10, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, h.huge, 9, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, h.mid, 7, LLFREE_KIND_MOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, h.small, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	ut_fini(&u);
}

Test(errors, double_free_after_free)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	cr_assert_eq(llfree_put(&u.ll, 0, h.small, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, h.mid, 7, LLFREE_KIND_MOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, h.big, 10, LLFREE_KIND_HUGE), LLFREE_OK);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE,
		llfree_put(&u.ll, 0, h.small, 0, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE,
		llfree_put(&u.ll, 1, h.mid, 7, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_DOUBLE_FREE, llfree_put(&u.ll, 1, h.big, 10, LLFREE_KIND_HUGE));
	ut_snap_free(&s);
	ut_fini(&u);
}

Test(errors, bad_get_at)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	REFUSED(&u, &s, LLFREE_ERR_IN_USE, llfree_get_at(&u.ll, 0, h.small, 0, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_IN_USE,
		llfree_get_at(&u.ll, 0, h.mid + 64, 6, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_IN_USE, llfree_get_at(&u.ll, 1, h.huge + 3, 0, LLFREE_KIND_HUGE));
	REFUSED(&u, &s, LLFREE_ERR_IN_USE, llfree_get_at(&u.ll, 1, h.big, 9, LLFREE_KIND_HUGE));
	REFUSED(&u, &s, LLFREE_ERR_IN_USE,
		llfree_get_at(&u.ll, 1, h.small & ~511ull, 9, LLFREE_KIND_HUGE));
	REFUSED(&u, &s, LLFREE_ERR_ORDER,
		llfree_get_at(&u.ll, 0, 0, LLFREE_MAX_ORDER + 1, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_ALIGN, llfree_get_at(&u.ll, 0, 3, 1, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_get_at(&u.ll, 0, FRAMES, 0, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_CORE, llfree_get_at(&u.ll, 9, 0, 0, LLFREE_KIND_MOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_KIND, llfree_get_at(&u.ll, 0, 0, 0, (llfree_kind_t)7));
	ut_snap_free(&s);
	ut_fini(&u);
}

Test(errors, queries_with_bad_arguments)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	cr_assert(!llfree_is_free(&u.ll, FRAMES, 0));
	cr_assert(!llfree_is_free(&u.ll, 1, 1));
	cr_assert(!llfree_is_free(&u.ll, 0, LLFREE_MAX_ORDER + 1));
	cr_assert(!llfree_is_free(&u.ll, h.huge, 0));
	cr_assert(!llfree_is_free(&u.ll, h.huge, 9));
	cr_assert(!llfree_is_free(&u.ll, h.mid, 9));
	/* Every code has its own message. */
	for (int a = LLFREE_OK; a <= LLFREE_ERR_STOPPED; a++) {
		cr_assert_not_null(llfree_strerror((llfree_result_t)a));
		for (int b = LLFREE_OK; b < a; b++)
			cr_assert_str_neq(llfree_strerror((llfree_result_t)a),
					  llfree_strerror((llfree_result_t)b));
	}
	cr_assert_str_eq(llfree_strerror((llfree_result_t)99), "unknown error");
	ut_fini(&u);
}

/* A NULL pointer is an argument error of its own (LLFREE_ERR_ARG), never a crash. */
Test(errors, null_pointers)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	uint64_t frame, free;
	llfree_kind_t served;
	llfree_counts_t counts;
	llfree_tree_info_t info;
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_get(NULL, 0, 0, LLFREE_KIND_IMMOVABLE, &frame));
	REFUSED(&u, &s, LLFREE_ERR_ARG,
		llfree_get_served(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame, NULL));
	REFUSED(&u, &s, LLFREE_ERR_ARG,
		llfree_get_served(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, NULL, &served));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_get_at(NULL, 0, 0, 0, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_put(NULL, 0, h.small, 0, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_drain(NULL, 0));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_drain_all(NULL));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_offline(NULL, 0, 1));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_online(NULL, 0, 1));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_set_kind(NULL, 0, 1, LLFREE_KIND_HUGE, true));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_shutdown(NULL));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_free_in_range(&u.ll, 0, 0, NULL));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_free_in_range(NULL, 0, 0, &free));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_counts(&u.ll, NULL));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_counts(NULL, &counts));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_tree_info(&u.ll, 0, NULL));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_tree_info(NULL, 0, &info));
	REFUSED(&u, &s, LLFREE_ERR_ARG, llfree_validate(NULL));
	ut_snap_free(&s);
	ut_fini(&u);
}

/* Tree ranges and kinds of the tree operations, checked before any tree changes. */
Test(errors, bad_tree_arguments)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	size_t trees = llfree_trees(&u.ll);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	llfree_tree_info_t info;
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_offline(&u.ll, trees, 1));
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_offline(&u.ll, 1, trees));
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_online(&u.ll, 0, SIZE_MAX));
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_set_kind(&u.ll, 0, trees + 1, 0, true));
	REFUSED(&u, &s, LLFREE_ERR_KIND, llfree_set_kind(&u.ll, 0, 1, (llfree_kind_t)3, true));
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_tree_info(&u.ll, trees, &info));
	REFUSED(&u, &s, LLFREE_OK, llfree_offline(&u.ll, trees, 0));
	uint64_t free = 7;
	REFUSED(&u, &s, LLFREE_ERR_RANGE, llfree_free_in_range(&u.ll, FRAMES, 0, &free));
	REFUSED(&u, &s, LLFREE_ERR_ALIGN, llfree_free_in_range(&u.ll, 1, 3, &free));
	REFUSED(&u, &s, LLFREE_ERR_ORDER, llfree_free_in_range(&u.ll, 0, 64, &free));
	cr_assert_eq(free, 7, "no output on error");
	ut_snap_free(&s);
	ut_fini(&u);
}

/* After shutdown every change is refused and nothing is written; queries answer. */
Test(errors, use_after_shutdown)
{
	ut_t u;
	held_t h;
	setup_state(&u, &h);
	uint64_t free = llfree_free_frames(&u.ll);
	cr_assert_eq(llfree_shutdown(&u.ll), LLFREE_OK);
	ut_snapshot_t s;
	ut_snap(&u, &s);
	uint64_t frame = 5;
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED,
		llfree_get_at(&u.ll, 0, FRAMES - 1, 0, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_put(&u.ll, 0, h.small, 0, LLFREE_KIND_IMMOVABLE));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_drain(&u.ll, 0));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_drain_all(&u.ll));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_offline(&u.ll, 0, 1));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_online(&u.ll, 0, 1));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_set_kind(&u.ll, 0, 1, LLFREE_KIND_HUGE, false));
	REFUSED(&u, &s, LLFREE_ERR_STOPPED, llfree_shutdown(&u.ll));
	cr_assert_eq(frame, 5);
	cr_assert_eq(llfree_free_frames(&u.ll), free);
	cr_assert(!llfree_is_free(&u.ll, h.small, 0));
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	ut_snap_free(&s);
	/* A new init (RECOVER, shallow after the orderly end) goes on with the same frames. */
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_OK);
	cr_assert(!llfree_recovered_crashed(&u.ll));
	cr_assert_eq(llfree_put(&u.ll, 0, h.small, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	ut_fini(&u);
}
