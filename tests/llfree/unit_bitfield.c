/* LLFree unit tests, bitfield level: aligned zero-run search and the row CAS loops (design 6). */
#include <criterion/criterion.h>

#include "bitfield.h"
#include "llfree.h"

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

/* Both polarities (area.h): 0, and all ones after a huge split. */
static const uint64_t POLS[2] = { 0, UINT64_MAX };

/* Store and load rows as the frames read (1 = allocated) in polarity pol. */
static void set_row(bitfield_t *bf, unsigned r, uint64_t logical, uint64_t pol)
{
	atomic_store(&bf->rows[r], logical ^ pol);
}

static uint64_t row_of(bitfield_t *bf, unsigned r, uint64_t pol)
{
	return atomic_load(&bf->rows[r]) ^ pol;
}

static void fill_pol(bitfield_t *bf, uint64_t logical, uint64_t pol)
{
	for (unsigned r = 0; r < BITFIELD_ROWS; r++)
		set_row(bf, r, logical, pol);
}

Test(bitfield, get_every_order_searches_rows_circularly)
{
	bitfield_t bf;
	for (unsigned p = 0; p < 2; p++) {
		uint64_t pol = POLS[p];
		for (unsigned order = 0; order <= BITFIELD_ROW_ORDER; order++) {
			/* Only the last aligned run of row 7 free; search from row 0 and from row 5. */
			for (unsigned start = 0; start < BITFIELD_ROWS; start += 5) {
				fill_pol(&bf, UINT64_MAX, pol);
				unsigned run = 1u << order;
				set_row(&bf, 7, ~bitfield_row_mask(64 - run, order), pol);
				unsigned index = 0;
				cr_assert_eq(bitfield_get(&bf, start, order, pol, false, &index), LLFREE_OK);
				cr_assert_eq(index, 7 * 64 + 64 - run);
				cr_assert_eq(bitfield_allocated(&bf, pol), LLFREE_AREA_FRAMES);
				cr_assert_eq(bitfield_get(&bf, start, order, pol, false, &index),
					     LLFREE_ERR_MEMORY);
			}
		}
		/* From start row 3 the first fit at or after row 3 wins. */
		fill_pol(&bf, 0, pol);
		unsigned index;
		cr_assert_eq(bitfield_get(&bf, 3, 0, pol, false, &index), LLFREE_OK);
		cr_assert_eq(index, 3 * 64);
		cr_assert_eq(row_of(&bf, 3, pol), 1);
	}
}

Test(bitfield, get_multi_row_orders_undo_a_partial_slot)
{
	bitfield_t bf;
	unsigned index;
	for (unsigned p = 0; p < 2; p++) {
		uint64_t pol = POLS[p];
		/* Order 8 = 4 rows; row 3 has one frame allocated: slot 0 fails after rows 0..2. */
		fill_pol(&bf, 0, pol);
		set_row(&bf, 3, 1ull << 17, pol);
		cr_assert_eq(bitfield_get(&bf, 0, 8, pol, false, &index), LLFREE_OK);
		cr_assert_eq(index, 256);
		for (unsigned r = 0; r < 3; r++)
			cr_assert_eq(row_of(&bf, r, pol), 0, "row %u not undone", r);
		cr_assert_eq(row_of(&bf, 3, pol), 1ull << 17);
		for (unsigned r = 4; r < 8; r++)
			cr_assert_eq(row_of(&bf, r, pol), UINT64_MAX);
		/* No other order-8 slot: nothing reported, nothing left set. */
		cr_assert_eq(bitfield_get(&bf, 0, 8, pol, false, &index), LLFREE_ERR_MEMORY);
		cr_assert_eq(bitfield_allocated(&bf, pol), 256 + 1);

		/* Order 7 = 2 rows: slots 0 and 1 blocked by rows 1 and 3; slot 2 (rows 4,5) wins. */
		fill_pol(&bf, 0, pol);
		set_row(&bf, 1, 1, pol);
		set_row(&bf, 3, 1ull << 63, pol);
		cr_assert_eq(bitfield_get(&bf, 0, 7, pol, false, &index), LLFREE_OK);
		cr_assert_eq(index, 4 * 64);
		cr_assert_eq(row_of(&bf, 0, pol), 0);
		cr_assert_eq(row_of(&bf, 2, pol), 0);
		/* Start hint in slot 3 (rows 6,7). */
		cr_assert_eq(bitfield_get(&bf, 6, 7, pol, false, &index), LLFREE_OK);
		cr_assert_eq(index, 6 * 64);
	}
}

Test(bitfield, get_at_and_put_classify_errors)
{
	bitfield_t bf;
	for (unsigned p = 0; p < 2; p++) {
		uint64_t pol = POLS[p];
		fill_pol(&bf, 0, pol);
		cr_assert_eq(bitfield_get_at(&bf, 8, 3, pol, false), LLFREE_OK);
		cr_assert_eq(bitfield_get_at(&bf, 8, 0, pol, false), LLFREE_ERR_IN_USE);
		cr_assert_eq(bitfield_get_at(&bf, 0, 4, pol, false), LLFREE_ERR_IN_USE);
		cr_assert(!bitfield_is_free(&bf, 12, 0, pol));
		cr_assert(bitfield_is_free(&bf, 16, 4, pol));
		cr_assert(!bitfield_is_free(&bf, 16, 4, ~pol), "the other polarity reads the opposite");
		/* Free with a larger order than allocated: part allocated -> wrong order. */
		cr_assert_eq(bitfield_put(&bf, 0, 4, pol, false), LLFREE_ERR_WRONG_ORDER);
		cr_assert_eq(bitfield_put(&bf, 8, 3, pol, false), LLFREE_OK);
		cr_assert_eq(bitfield_put(&bf, 8, 3, pol, false), LLFREE_ERR_DOUBLE_FREE);
		cr_assert_eq(bitfield_allocated(&bf, pol), 0);

		/* Multi-row: get_at of a slot with one row in use undoes the rows it set. */
		set_row(&bf, 5, 2, pol);
		cr_assert_eq(bitfield_get_at(&bf, 256, 8, pol, false), LLFREE_ERR_IN_USE);
		cr_assert_eq(bitfield_allocated(&bf, pol), 1);
		cr_assert_eq(bitfield_put(&bf, 256, 8, pol, false), LLFREE_ERR_WRONG_ORDER);
		cr_assert_eq(bitfield_put(&bf, 0, 8, pol, false), LLFREE_ERR_DOUBLE_FREE);
		cr_assert_eq(bitfield_get_at(&bf, 0, 8, pol, false), LLFREE_OK);
		cr_assert(!bitfield_is_free(&bf, 0, 7, pol));
		cr_assert(bitfield_is_free(&bf, 384, 7, pol));
		cr_assert_eq(bitfield_put(&bf, 0, 8, pol, false), LLFREE_OK);
		cr_assert_eq(bitfield_allocated(&bf, pol), 1);
	}
}

Test(bitfield, init_marks_frames_past_the_end)
{
	bitfield_t bf;
	unsigned valids[] = { 0, 1, 63, 64, 65, 300, 511, 512 };
	for (unsigned i = 0; i < sizeof(valids) / sizeof(valids[0]); i++) {
		bitfield_init(&bf, valids[i], false);
		cr_assert_eq(bitfield_allocated(&bf, 0), LLFREE_AREA_FRAMES - valids[i]);
		cr_assert(bitfield_tail_set(&bf, valids[i], 0));
		if (valids[i] > 0)
			cr_assert(bitfield_is_free(&bf, valids[i] - 1, 0, 0));
		if (valids[i] < LLFREE_AREA_FRAMES)
			cr_assert(!bitfield_is_free(&bf, valids[i], 0, 0));
	}
	bitfield_init(&bf, 100, true);
	cr_assert_eq(bitfield_allocated(&bf, 0), LLFREE_AREA_FRAMES);
	bitfield_init(&bf, 512, false);
	cr_assert(!bitfield_tail_set(&bf, 0, 0));
}

/* Recovery marks the tail in the area's polarity and leaves the rest as it was. */
Test(bitfield, mark_tail_in_either_polarity)
{
	bitfield_t bf;
	for (unsigned p = 0; p < 2; p++) {
		uint64_t pol = POLS[p];
		fill_pol(&bf, 0, pol);
		set_row(&bf, 0, 0xf0, pol);
		bitfield_mark_tail(&bf, 300, pol);
		cr_assert(bitfield_tail_set(&bf, 300, pol));
		cr_assert_eq(bitfield_allocated(&bf, pol), LLFREE_AREA_FRAMES - 300 + 4);
		cr_assert_eq(row_of(&bf, 0, pol), 0xf0);
		cr_assert(bitfield_is_free(&bf, 299, 0, pol) && !bitfield_is_free(&bf, 300, 0, pol));
	}
}

Test(bitfield, count_free_of_any_range)
{
	bitfield_t bf;
	for (unsigned p = 0; p < 2; p++) {
		uint64_t pol = POLS[p];
		fill_pol(&bf, 0, pol);
		set_row(&bf, 1, 0x8000000000000001ull, pol); /* frames 64 and 127 */
		cr_assert_eq(bitfield_count_free(&bf, 0, 512, pol), 510);
		cr_assert_eq(bitfield_count_free(&bf, 64, 1, pol), 0);
		cr_assert_eq(bitfield_count_free(&bf, 65, 62, pol), 62);
		cr_assert_eq(bitfield_count_free(&bf, 60, 10, pol), 9);
		cr_assert_eq(bitfield_count_free(&bf, 127, 2, pol), 1);
		cr_assert_eq(bitfield_count_free(&bf, 0, 0, pol), 0);
	}
}
