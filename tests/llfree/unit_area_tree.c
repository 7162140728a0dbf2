/* LLFree unit tests, area and tree entries: counters, huge flag, reserve/unreserve (design 6). */
#include <criterion/criterion.h>

#include "area.h"
#include "tree.h"
#include "unit_helpers.h"

Test(area, counter_limits_and_huge_flag)
{
	_Atomic uint16_t entry = area_make(LLFREE_AREA_FRAMES, false);
	area_t seen;
	cr_assert_eq(area_free(area_make(LLFREE_AREA_FRAMES, false)), LLFREE_AREA_FRAMES);
	cr_assert(area_huge(area_make(0, true)));
	/* Cannot give back past a whole area. */
	cr_assert(!area_update(&entry, area_inc, 1, &seen));
	cr_assert_eq(seen, area_make(LLFREE_AREA_FRAMES, false));
	cr_assert(area_update(&entry, area_dec, LLFREE_AREA_FRAMES, &seen));
	cr_assert_eq(area_load(&entry), area_make(0, false));
	cr_assert(!area_update(&entry, area_dec, 1, &seen));
	/* Huge needs a wholly free area. */
	cr_assert(!area_update(&entry, area_to_huge, 0, &seen));
	cr_assert(area_update(&entry, area_inc, LLFREE_AREA_FRAMES, &seen));
	cr_assert(!area_update(&entry, area_from_huge, 0, &seen));
	cr_assert(!area_update(&entry, area_split, 0, &seen));
	cr_assert(area_update(&entry, area_to_huge, 0, &seen));
	cr_assert_eq(area_load(&entry), area_make(0, true));
	/* A huge area refuses counter changes and a second huge allocation. */
	cr_assert(!area_update(&entry, area_dec, 1, &seen));
	cr_assert(!area_update(&entry, area_inc, 1, &seen));
	cr_assert(!area_update(&entry, area_to_huge, 0, &seen));
	cr_assert(area_update(&entry, area_from_huge, 0, &seen));
	cr_assert_eq(area_load(&entry), area_make(LLFREE_AREA_FRAMES, false));
	cr_assert(area_update(&entry, area_to_huge, 0, &seen));
	/* Split: one CAS that clears the flag and flips the polarity; a second is refused. */
	cr_assert(area_update(&entry, area_split, 0, &seen));
	cr_assert_eq(area_load(&entry), area_make_polarity(0, false, true));
	cr_assert_eq(area_polarity(area_load(&entry)), UINT64_MAX);
	cr_assert(!area_update(&entry, area_split, 0, &seen), "split once");
	cr_assert(!area_update(&entry, area_from_huge, 0, &seen));
	/* Counts and huge keep the polarity; the next split flips it back. */
	cr_assert(area_update(&entry, area_inc, LLFREE_AREA_FRAMES, &seen));
	cr_assert(area_entirely_free(area_load(&entry)));
	cr_assert(area_update(&entry, area_to_huge, 0, &seen));
	cr_assert_eq(area_load(&entry), area_make_polarity(0, true, true));
	cr_assert(area_update(&entry, area_split, 0, &seen));
	cr_assert_eq(area_load(&entry), area_make(0, false));
	/* A claim (free of several areas) blocks split, a second claim and an unclaimed free. */
	cr_assert(area_update(&entry, area_inc, LLFREE_AREA_FRAMES, &seen));
	cr_assert(area_update(&entry, area_to_huge, 0, &seen));
	cr_assert(area_update(&entry, area_claim, 0, &seen));
	cr_assert(area_freeing(area_load(&entry)));
	cr_assert(!area_update(&entry, area_claim, 0, &seen), "one claimer");
	cr_assert(!area_update(&entry, area_split, 0, &seen));
	cr_assert(!area_update(&entry, area_from_huge, 0, &seen));
	cr_assert(!area_entirely_free(area_load(&entry)));
	cr_assert(area_update(&entry, area_unclaim, 0, &seen));
	cr_assert(!area_update(&entry, area_from_huge, 1, &seen), "not claimed");
	cr_assert(area_update(&entry, area_claim, 0, &seen));
	cr_assert(area_update(&entry, area_from_huge, 1, &seen));
	cr_assert_eq(area_load(&entry), area_make(LLFREE_AREA_FRAMES, false));
	cr_assert(area_update(&entry, area_dec, LLFREE_AREA_FRAMES, &seen));
	/* Partial counts go up and down by any amount within the limits. */
	cr_assert(area_update(&entry, area_inc, 100, &seen));
	cr_assert(!area_update(&entry, area_dec, 101, &seen));
	cr_assert_eq(seen, area_make(100, false));
	cr_assert(area_update(&entry, area_dec, 36, &seen));
	cr_assert_eq(area_free(area_load(&entry)), 64);
}

Test(tree, reserve_and_unreserve)
{
	uint32_t cap = LLFREE_TREE_FRAMES;
	_Atomic uint64_t entry = tree_make(cap, false, LLFREE_KIND_IMMOVABLE);
	tree_t seen;
	tree_change_t take = { .frames = 1, .capacity = cap, .kind = LLFREE_KIND_MOVABLE,
			       .match = TREE_MATCH_PARTIAL };
	/* A wholly free tree is no partial tree, but matches FREE and ANY. */
	cr_assert(!tree_update(&entry, tree_reserve, &take, &seen));
	take.match = TREE_MATCH_FREE;
	cr_assert(tree_update(&entry, tree_reserve, &take, &seen));
	cr_assert_eq(tree_free(seen), cap);
	tree_t now = tree_load(&entry);
	cr_assert(tree_reserved(now));
	cr_assert_eq(tree_free(now), 0);
	cr_assert_eq(tree_kind(now), LLFREE_KIND_MOVABLE, "a free tree takes the reserving kind");
	/* Reserved: no second reservation, no sync without count. */
	take.match = TREE_MATCH_ANY;
	cr_assert(!tree_update(&entry, tree_reserve, &take, &seen));
	cr_assert(!tree_update(&entry, tree_take, &take, &seen));
	/* Frees by other cores go to the reserved entry; sync takes them. */
	tree_change_t give = { .frames = 5, .capacity = cap };
	cr_assert(tree_update(&entry, tree_inc, &give, &seen));
	cr_assert(tree_update(&entry, tree_take, &take, &seen));
	cr_assert_eq(tree_free(seen), 5);
	cr_assert_eq(tree_free(tree_load(&entry)), 0);
	/* Unreserve with part of the tree: stays movable; partial match for movable only. */
	give.frames = cap - 10;
	cr_assert(tree_update(&entry, tree_unreserve, &give, &seen));
	now = tree_load(&entry);
	cr_assert(!tree_reserved(now));
	cr_assert_eq(tree_free(now), cap - 10);
	cr_assert_eq(tree_kind(now), LLFREE_KIND_MOVABLE);
	cr_assert(!tree_update(&entry, tree_unreserve, &give, &seen), "unreserve needs reserved");
	tree_change_t imm = { .frames = 1, .capacity = cap, .kind = LLFREE_KIND_IMMOVABLE,
			      .match = TREE_MATCH_PARTIAL };
	cr_assert(!tree_matches(tree_load(&entry), &imm));
	imm.kind = LLFREE_KIND_MOVABLE;
	cr_assert(tree_matches(tree_load(&entry), &imm));
	imm.frames = cap - 9;
	cr_assert(!tree_matches(tree_load(&entry), &imm), "too few frames");
	/* Becoming entirely free returns the tree to the default kind. */
	give.frames = 10;
	cr_assert(tree_update(&entry, tree_inc, &give, &seen));
	cr_assert_eq(tree_load(&entry), tree_make(cap, false, TREE_DEFAULT_KIND));
	give.frames = 1;
	cr_assert(!tree_update(&entry, tree_inc, &give, &seen), "more than the capacity");
	/* dec refuses below zero. */
	give.frames = cap + 1;
	cr_assert(!tree_update(&entry, tree_dec, &give, &seen));
	give.frames = cap;
	cr_assert(tree_update(&entry, tree_dec, &give, &seen));
	cr_assert_eq(tree_free(tree_load(&entry)), 0);
	take.match = TREE_MATCH_ANY;
	take.frames = 0;
	cr_assert(!tree_update(&entry, tree_reserve, &take, &seen), "an empty tree is no use");
}

Test(tree, counts_wider_than_16_bits)
{
	/* Mistake 7: counts above 65535 survive a round trip through the entry. */
	uint32_t big = 70000;
	cr_assert_leq(big, TREE_FREE_MASK);
	tree_t t = tree_make(big, true, LLFREE_KIND_HUGE);
	cr_assert_eq(tree_free(t), big);
	cr_assert(tree_reserved(t));
	cr_assert_eq(tree_kind(t), LLFREE_KIND_HUGE);
}

Test(tree, reserve_through_the_allocator)
{
	ut_t u;
	ut_init(&u, 1, 4 * LLFREE_TREE_FRAMES);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	size_t tree = frame / LLFREE_TREE_FRAMES;
	tree_t entry = tree_load(&u.ll.tree_entries[tree]);
	cr_assert(tree_reserved(entry));
	cr_assert_eq(tree_free(entry), 0, "the reservation holds the count");
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	cr_assert_eq(llfree_drain(&u.ll, 0), LLFREE_OK);
	entry = tree_load(&u.ll.tree_entries[tree]);
	cr_assert(!tree_reserved(entry));
	cr_assert_eq(tree_free(entry), LLFREE_TREE_FRAMES - 1);
	cr_assert_eq(llfree_put(&u.ll, 0, frame, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(tree_load(&u.ll.tree_entries[tree]),
		     tree_make(LLFREE_TREE_FRAMES, false, TREE_DEFAULT_KIND));
	ut_fini(&u);
}

/*
 * Debt (upper_slow.c get_on_debt): a get that took frames from the lower level
 * while the count was in transit debits the entry, from its free count as far
 * as it goes and the rest as debt; whatever adds to the entry pays it first.
 */
Test(tree, debt_taken_and_paid)
{
	uint32_t cap = LLFREE_TREE_FRAMES;
	_Atomic uint64_t entry = tree_make(3, true, LLFREE_KIND_MOVABLE);
	tree_t seen;
	tree_change_t debit = { .frames = 8, .capacity = cap };
	/* 3 from free, 5 as debt: the count is free - debt. */
	cr_assert(tree_update(&entry, tree_debit, &debit, &seen));
	tree_t now = tree_load(&entry);
	cr_assert_eq(tree_free(now), 0);
	cr_assert_eq(tree_debt(now), 5);
	cr_assert_eq(tree_count(now), -5);
	cr_assert(tree_reserved(now), "a debit keeps the reservation");
	cr_assert_eq(tree_kind(now), LLFREE_KIND_MOVABLE);
	/* A free of 2 pays 2 of the debt and adds nothing. */
	tree_change_t give = { .frames = 2, .capacity = cap };
	cr_assert(tree_update(&entry, tree_inc, &give, &seen));
	now = tree_load(&entry);
	cr_assert_eq(tree_free(now), 0);
	cr_assert_eq(tree_debt(now), 3);
	/* Reserve and take carry the debt along; sync finds no count to take. */
	tree_change_t take = { .frames = 1, .capacity = cap, .match = TREE_MATCH_ANY };
	cr_assert(!tree_update(&entry, tree_take, &take, &seen));
	/* Unreserving 10 pays the rest of the debt; 7 remain free. */
	give.frames = 10;
	cr_assert(tree_update(&entry, tree_unreserve, &give, &seen));
	now = tree_load(&entry);
	cr_assert(!tree_reserved(now));
	cr_assert_eq(tree_debt(now), 0);
	cr_assert_eq(tree_free(now), 7);
	cr_assert_eq(tree_count(now), 7);
	/* A debt that would overflow its field is refused and changes nothing. */
	_Atomic uint64_t full = tree_make_debt(0, false, LLFREE_KIND_MOVABLE, TREE_DEBT_MAX);
	debit.frames = 1;
	cr_assert(!tree_update(&full, tree_debit, &debit, &seen));
	cr_assert_eq(tree_load(&full), tree_make_debt(0, false, LLFREE_KIND_MOVABLE, TREE_DEBT_MAX));
	/* Paying a whole debt back on an unreserved tree can make it entirely free again. */
	give.frames = cap + TREE_DEBT_MAX;
	cr_assert(tree_update(&full, tree_inc, &give, &seen));
	cr_assert_eq(tree_load(&full), tree_make(cap, false, TREE_DEFAULT_KIND));
}
