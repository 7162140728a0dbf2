/* LLFree unit tests, bitfield level: aligned zero-run search and the row CAS loops (design 6). */
#include <criterion/criterion.h>

#include "bitfield.h"
#include "llfree.h"

static void fill(bitfield_t *bf, uint64_t row_value)
{
	for (unsigned r = 0; r < BITFIELD_ROWS; r++)
		atomic_store(&bf->rows[r], row_value);
}

Test(bitfield, row_find_every_order_every_aligned_position)
{
	for (unsigned order = 0; order <= BITFIELD_ROW_ORDER; order++) {
		unsigned run = 1u << order;
		cr_assert_eq(bitfield_row_find(0, order), 0);
		cr_assert_eq(bitfield_row_find(UINT64_MAX, order), -1);
		for (unsigned bit = 0; bit < 64; bit += run) {
			uint64_t row = ~bitfield_row_mask(bit, order);
			cr_assert_eq(bitfield_row_find(row, order), (int)bit, "order %u bit %u", order,
				     bit);
		}
	}
}

Test(bitfield, row_find_rejects_unaligned_runs)
{
	for (unsigned order = 1; order <= BITFIELD_ROW_ORDER; order++) {
		unsigned run = 1u << order;
		/* A run of 2^order zeros straddling an aligned boundary is no fit. */
		for (unsigned bit = 1; bit + run <= 64; bit++) {
			if (bit % run == 0)
				continue;
			uint64_t zeros = (run == 64 ? UINT64_MAX : ((1ull << run) - 1)) << bit;
			cr_assert_eq(bitfield_row_find(~zeros, order), -1, "order %u bit %u", order,
				     bit);
		}
	}
}

Test(bitfield, row_find_at_row_boundaries)
{
	for (unsigned order = 0; order < BITFIELD_ROW_ORDER; order++) {
		unsigned run = 1u << order;
		/* Last aligned slot of the row, and the lowest slot when both are free. */
		uint64_t last = ~bitfield_row_mask(64 - run, order);
		cr_assert_eq(bitfield_row_find(last, order), (int)(64 - run));
		uint64_t both = last & ~bitfield_row_mask(0, order);
		cr_assert_eq(bitfield_row_find(both, order), 0);
		/* One bit short at the top end: the run would leave the row. */
		uint64_t short_run = last | (1ull << 63);
		cr_assert_eq(bitfield_row_find(short_run, order), -1);
	}
}

Test(bitfield, get_every_order_searches_rows_circularly)
{
	bitfield_t bf;
	for (unsigned order = 0; order <= BITFIELD_ROW_ORDER; order++) {
		/* Only the last aligned run of row 7 free; search from row 0 and from row 5. */
		for (unsigned start = 0; start < BITFIELD_ROWS; start += 5) {
			fill(&bf, UINT64_MAX);
			unsigned run = 1u << order;
			atomic_store(&bf.rows[7], ~bitfield_row_mask(64 - run, order));
			unsigned index = 0;
			cr_assert_eq(bitfield_get(&bf, start, order, false, &index), LLFREE_OK);
			cr_assert_eq(index, 7 * 64 + 64 - run);
			cr_assert_eq(bitfield_allocated(&bf), LLFREE_AREA_FRAMES);
			cr_assert_eq(bitfield_get(&bf, start, order, false, &index), LLFREE_ERR_MEMORY);
		}
	}
	/* From start row 3 the first fit at or after row 3 wins. */
	fill(&bf, 0);
	unsigned index;
	cr_assert_eq(bitfield_get(&bf, 3, 0, false, &index), LLFREE_OK);
	cr_assert_eq(index, 3 * 64);
}

Test(bitfield, get_multi_row_orders_undo_a_partial_slot)
{
	bitfield_t bf;
	unsigned index;
	/* Order 8 = 4 rows; row 3 has one bit set: slot 0 fails after setting rows 0..2. */
	fill(&bf, 0);
	atomic_store(&bf.rows[3], 1ull << 17);
	cr_assert_eq(bitfield_get(&bf, 0, 8, false, &index), LLFREE_OK);
	cr_assert_eq(index, 256);
	for (unsigned r = 0; r < 3; r++)
		cr_assert_eq(atomic_load(&bf.rows[r]), 0, "row %u not undone", r);
	cr_assert_eq(atomic_load(&bf.rows[3]), 1ull << 17);
	for (unsigned r = 4; r < 8; r++)
		cr_assert_eq(atomic_load(&bf.rows[r]), UINT64_MAX);
	/* No other order-8 slot: nothing reported, nothing left set. */
	cr_assert_eq(bitfield_get(&bf, 0, 8, false, &index), LLFREE_ERR_MEMORY);
	cr_assert_eq(bitfield_allocated(&bf), 256 + 1);

	/* Order 7 = 2 rows: slots 0 and 1 blocked by rows 1 and 3; slot 2 (rows 4,5) wins. */
	fill(&bf, 0);
	atomic_store(&bf.rows[1], 1);
	atomic_store(&bf.rows[3], 1ull << 63);
	cr_assert_eq(bitfield_get(&bf, 0, 7, false, &index), LLFREE_OK);
	cr_assert_eq(index, 4 * 64);
	cr_assert_eq(atomic_load(&bf.rows[0]), 0);
	cr_assert_eq(atomic_load(&bf.rows[2]), 0);
	/* Start hint in slot 3 (rows 6,7). */
	cr_assert_eq(bitfield_get(&bf, 6, 7, false, &index), LLFREE_OK);
	cr_assert_eq(index, 6 * 64);
}

Test(bitfield, get_at_and_put_classify_errors)
{
	bitfield_t bf;
	fill(&bf, 0);
	cr_assert_eq(bitfield_get_at(&bf, 8, 3, false), LLFREE_OK);
	cr_assert_eq(bitfield_get_at(&bf, 8, 0, false), LLFREE_ERR_IN_USE);
	cr_assert_eq(bitfield_get_at(&bf, 0, 4, false), LLFREE_ERR_IN_USE);
	cr_assert(!bitfield_is_free(&bf, 12, 0));
	cr_assert(bitfield_is_free(&bf, 16, 4));
	/* Free with a larger order than allocated: part set -> wrong order. */
	cr_assert_eq(bitfield_put(&bf, 0, 4, false), LLFREE_ERR_WRONG_ORDER);
	cr_assert_eq(bitfield_put(&bf, 8, 3, false), LLFREE_OK);
	cr_assert_eq(bitfield_put(&bf, 8, 3, false), LLFREE_ERR_DOUBLE_FREE);
	cr_assert(bitfield_is_zero(&bf));

	/* Multi-row: get_at of a slot with one row in use undoes the rows it set. */
	atomic_store(&bf.rows[5], 2);
	cr_assert_eq(bitfield_get_at(&bf, 256, 8, false), LLFREE_ERR_IN_USE);
	cr_assert_eq(bitfield_allocated(&bf), 1);
	cr_assert_eq(bitfield_put(&bf, 256, 8, false), LLFREE_ERR_WRONG_ORDER);
	cr_assert_eq(bitfield_put(&bf, 0, 8, false), LLFREE_ERR_DOUBLE_FREE);
	cr_assert_eq(bitfield_get_at(&bf, 0, 8, false), LLFREE_OK);
	cr_assert(!bitfield_is_free(&bf, 0, 7));
	cr_assert(bitfield_is_free(&bf, 384, 7));
	cr_assert_eq(bitfield_put(&bf, 0, 8, false), LLFREE_OK);
	cr_assert_eq(bitfield_allocated(&bf), 1);
}

Test(bitfield, init_marks_frames_past_the_end)
{
	bitfield_t bf;
	unsigned valids[] = { 0, 1, 63, 64, 65, 300, 511, 512 };
	for (unsigned i = 0; i < sizeof(valids) / sizeof(valids[0]); i++) {
		bitfield_init(&bf, valids[i], false);
		cr_assert_eq(bitfield_allocated(&bf), LLFREE_AREA_FRAMES - valids[i]);
		cr_assert(bitfield_tail_set(&bf, valids[i]));
		if (valids[i] > 0)
			cr_assert(bitfield_is_free(&bf, valids[i] - 1, 0));
		if (valids[i] < LLFREE_AREA_FRAMES)
			cr_assert(!bitfield_is_free(&bf, valids[i], 0));
	}
	bitfield_init(&bf, 100, true);
	cr_assert_eq(bitfield_allocated(&bf), LLFREE_AREA_FRAMES);
	bitfield_init(&bf, 512, false);
	cr_assert(!bitfield_tail_set(&bf, 0));
}

Test(bitfield, fill_sets_every_row)
{
	bitfield_t bf;
	fill(&bf, 0);
	atomic_store(&bf.rows[2], 5);
	bitfield_fill(&bf);
	cr_assert_eq(bitfield_allocated(&bf), LLFREE_AREA_FRAMES);
}
