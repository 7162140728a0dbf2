/*
 * Bitfield level of LLFree (design 1 and 2). Orders 0..6 live in one row
 * (search and CAS loop inline in bitfield.h); orders 7 and 8 take 2 or 4
 * whole rows of an aligned slot, set one by one and undone exactly on a
 * partial failure (design 5, mistakes 1 and 2). Every operation works in
 * the area's polarity (bitfield.h).
 */
#include "bitfield.h"

#include "persist.h"

/* Software popcount: the kernel may build without POPCNT and without libgcc. */
static unsigned popcount64(uint64_t x)
{
	x = x - ((x >> 1) & 0x5555555555555555ull);
	x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
	return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/*
 * Orders 7 and 8: rows first .. first+count-1 from all free to all
 * allocated (pol to ~pol), undo on failure.
 */
static bool rows_set(bitfield_t *bf, unsigned first, unsigned count, uint64_t pol)
{
	for (unsigned i = 0; i < count; i++) {
		uint64_t expected = pol;
		if (!atomic_compare_exchange_strong_explicit(&bf->rows[first + i], &expected, ~pol,
							     memory_order_acq_rel,
							     memory_order_acquire)) {
			/* Undo exactly the rows this call set, in reverse (mistake 1). */
			while (i-- > 0) {
				uint64_t full = ~pol;
				bool undone = atomic_compare_exchange_strong_explicit(
					&bf->rows[first + i], &full, pol, memory_order_acq_rel,
					memory_order_acquire);
				llfree_assert(undone);
				(void)undone;
			}
			return false;
		}
	}
	return true;
}

static unsigned rows_of(unsigned order)
{
	return 1u << (order - BITFIELD_ROW_ORDER);
}

llfree_result_t bitfield_get_rows(bitfield_t *bf, unsigned start_row, unsigned order, uint64_t pol,
				  bool persistent, unsigned *index)
{
	llfree_assert(order > BITFIELD_ROW_ORDER && order < LLFREE_HUGE_ORDER);
	unsigned count = rows_of(order);
	unsigned slots = BITFIELD_ROWS / count;
	for (unsigned i = 0; i < slots; i++) {
		unsigned slot = (start_row / count + i) % slots;
		if (rows_set(bf, slot * count, count, pol)) {
			llfree_persist(persistent, bf);
			*index = slot * count * BITFIELD_ROW_BITS;
			return LLFREE_OK;
		}
	}
	return LLFREE_ERR_MEMORY;
}

llfree_result_t bitfield_get_at(bitfield_t *bf, unsigned index, unsigned order, uint64_t pol,
				bool persistent)
{
	llfree_assert(order < LLFREE_HUGE_ORDER && index < LLFREE_AREA_FRAMES);
	unsigned row = index / BITFIELD_ROW_BITS;
	bool ok;
	if (order <= BITFIELD_ROW_ORDER) {
		uint64_t seen, next;
		row_change_t set = { .arg = bitfield_row_mask(index % BITFIELD_ROW_BITS, order),
				     .pol = pol };
		ok = bitfield_row_update(&bf->rows[row], bitfield_row_set_mask, &set, &seen, &next);
	} else {
		ok = rows_set(bf, row, rows_of(order), pol);
	}
	if (!ok)
		return LLFREE_ERR_IN_USE;
	llfree_persist(persistent, bf);
	return LLFREE_OK;
}

/* Classify a refused free: nothing of it allocated is a double free, part of it a wrong order. */
static llfree_result_t refused_put(unsigned allocated)
{
	return allocated == 0 ? LLFREE_ERR_DOUBLE_FREE : LLFREE_ERR_WRONG_ORDER;
}

llfree_result_t bitfield_put_refused(uint64_t seen, const row_change_t *c)
{
	return refused_put(popcount64((seen ^ c->pol) & c->arg));
}

llfree_result_t bitfield_put_rows(bitfield_t *bf, unsigned row, unsigned order, uint64_t pol,
				  bool persistent)
{
	llfree_assert(order > BITFIELD_ROW_ORDER && order < LLFREE_HUGE_ORDER);
	/* Check every row before changing any, so that bad input changes nothing. */
	unsigned count = rows_of(order), allocated = 0;
	for (unsigned i = 0; i < count; i++)
		allocated += popcount64(
			atomic_load_explicit(&bf->rows[row + i], memory_order_acquire) ^ pol);
	if (allocated != count * BITFIELD_ROW_BITS)
		return refused_put(allocated);
	for (unsigned i = 0; i < count; i++) {
		uint64_t full = ~pol;
		if (!atomic_compare_exchange_strong_explicit(&bf->rows[row + i], &full, pol,
							     memory_order_acq_rel,
							     memory_order_acquire)) {
			/* Only a concurrent free of the same frames gets here. */
			llfree_log("llfree: concurrent double free of rows %u..%u\n", row,
				   row + count - 1);
			return LLFREE_ERR_DOUBLE_FREE;
		}
	}
	llfree_persist(persistent, bf);
	return LLFREE_OK;
}

llfree_result_t bitfield_get_inverted(bitfield_t *bf, unsigned start_row, unsigned order,
				      bool persistent, unsigned *index)
{
	return bitfield_get(bf, start_row, order, UINT64_MAX, persistent, index);
}

llfree_result_t bitfield_put_inverted(bitfield_t *bf, unsigned index, unsigned order,
				      bool persistent)
{
	return bitfield_put(bf, index, order, UINT64_MAX, persistent);
}

static uint64_t row_load(const bitfield_t *bf, unsigned r)
{
	return atomic_load_explicit(&bf->rows[r], memory_order_acquire);
}

bool bitfield_is_free(const bitfield_t *bf, unsigned index, unsigned order, uint64_t pol)
{
	llfree_assert(order < LLFREE_HUGE_ORDER && index < LLFREE_AREA_FRAMES);
	unsigned row = index / BITFIELD_ROW_BITS;
	if (order <= BITFIELD_ROW_ORDER) {
		uint64_t mask = bitfield_row_mask(index % BITFIELD_ROW_BITS, order);
		return ((row_load(bf, row) ^ pol) & mask) == 0;
	}
	for (unsigned i = 0; i < rows_of(order); i++)
		if (row_load(bf, row + i) != pol)
			return false;
	return true;
}

unsigned bitfield_count_free(const bitfield_t *bf, unsigned index, unsigned count, uint64_t pol)
{
	llfree_assert(index + count <= LLFREE_AREA_FRAMES);
	unsigned allocated = 0;
	for (unsigned f = index; f < index + count;) {
		unsigned bit = f % BITFIELD_ROW_BITS;
		unsigned n = BITFIELD_ROW_BITS - bit;
		if (n > index + count - f)
			n = index + count - f;
		uint64_t mask = (BITFIELD_ROW_FULL >> (BITFIELD_ROW_BITS - n)) << bit;
		allocated += popcount64((row_load(bf, f / BITFIELD_ROW_BITS) ^ pol) & mask);
		f += n;
	}
	return count - allocated;
}

unsigned bitfield_allocated(const bitfield_t *bf, uint64_t pol)
{
	unsigned set = 0;
	for (unsigned r = 0; r < BITFIELD_ROWS; r++)
		set += popcount64(row_load(bf, r) ^ pol);
	return set;
}

/* Row r of an area whose frames from valid on are past the end: those bits set. */
static uint64_t tail_bits(unsigned r, unsigned valid)
{
	unsigned first = r * BITFIELD_ROW_BITS;
	if (valid <= first)
		return BITFIELD_ROW_FULL;
	if (valid >= first + BITFIELD_ROW_BITS)
		return 0;
	return BITFIELD_ROW_FULL << (valid - first);
}

void bitfield_init(bitfield_t *bf, unsigned valid, bool allocated)
{
	for (unsigned r = 0; r < BITFIELD_ROWS; r++)
		atomic_store_explicit(&bf->rows[r], allocated ? BITFIELD_ROW_FULL : tail_bits(r, valid),
				      memory_order_relaxed);
}

void bitfield_mark_tail(bitfield_t *bf, unsigned valid, uint64_t pol)
{
	for (unsigned r = 0; r < BITFIELD_ROWS; r++) {
		uint64_t row = row_load(bf, r);
		atomic_store_explicit(&bf->rows[r], ((row ^ pol) | tail_bits(r, valid)) ^ pol,
				      memory_order_relaxed);
	}
}

bool bitfield_tail_set(const bitfield_t *bf, unsigned valid, uint64_t pol)
{
	for (unsigned r = 0; r < BITFIELD_ROWS; r++) {
		uint64_t tail = tail_bits(r, valid);
		if (((row_load(bf, r) ^ pol) & tail) != tail)
			return false;
	}
	return true;
}
