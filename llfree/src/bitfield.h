/*
 * Bitfield level: one 2 MiB area = 8 rows of 64 bits, one cache line
 * (design 1). Bit i of row r is frame r*64+i of the area; it is allocated
 * when it differs from the area's polarity (area.h: 0 usually, all ones
 * after an odd number of huge splits), so every operation takes the
 * polarity as a row mask `pol`: row ^ pol has a 1 for each allocated frame.
 * Getting and freeing both flip bits. Every change is one CAS loop per row
 * with a pure update function.
 */
#ifndef LLFREE_BITFIELD_H
#define LLFREE_BITFIELD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "inline.h"
#include "llfree.h"
#include "persist.h"

#define BITFIELD_ROW_BITS 64u
#define BITFIELD_ROW_ORDER 6u /* a whole row is one order-6 allocation */
#define BITFIELD_ROWS (LLFREE_AREA_FRAMES / BITFIELD_ROW_BITS)
#define BITFIELD_ROW_FULL UINT64_MAX

struct llfree_bitfield {
	_Alignas(LLFREE_ALIGN) _Atomic uint64_t rows[BITFIELD_ROWS];
};
typedef struct llfree_bitfield bitfield_t;

_Static_assert(BITFIELD_ROWS == 8, "an area is 8 rows");
_Static_assert(sizeof(bitfield_t) == LLFREE_ALIGN, "a bitfield is one cache line");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2, "64-bit atomics must be lock-free");

/*
 * The one-row operations are inline, like the area and tree updates: lower.c
 * runs them on every allocation and free, and across files each level would
 * cost a call.
 */

/* Pure search: first bit of a naturally aligned run of 2^order zeros in row, or -1. */
static inline int bitfield_row_find(uint64_t row, unsigned order)
{
	/* Bit j of aligned_run_start[order] is set where a run of 2^order may start. */
	static const uint64_t aligned_run_start[BITFIELD_ROW_ORDER + 1] = {
		0xffffffffffffffffull, 0x5555555555555555ull, 0x1111111111111111ull,
		0x0101010101010101ull, 0x0001000100010001ull, 0x0000000100000001ull,
		0x0000000000000001ull,
	};
	/* After step i, bit j of free says frames j .. j+2^(i+1)-1 are all free. */
	uint64_t free = ~row;
	for (unsigned i = 0; i < order; i++)
		free &= free >> (1u << i);
	free &= aligned_run_start[order];
	return free ? __builtin_ctzll(free) : -1;
}

/* The bits of 2^order frames from bit (order <= 6, bit aligned). */
static inline uint64_t bitfield_row_mask(unsigned bit, unsigned order)
{
	return (BITFIELD_ROW_FULL >> (BITFIELD_ROW_BITS - (1u << order))) << bit;
}

/*
 * Pure update functions: compute the new row from the loaded one only, or
 * refuse. Nothing outside *next is written, so a retry starts clean (mistake 3).
 */
typedef struct row_change {
	uint64_t arg; /* order (take_run) or mask (set, clear) */
	uint64_t pol; /* the area's polarity */
} row_change_t;
typedef bool (*bitfield_row_update_fn)(uint64_t old, const row_change_t *c, uint64_t *next);

static inline bool bitfield_row_take_run(uint64_t old, const row_change_t *c, uint64_t *next)
{
	int bit = bitfield_row_find(old ^ c->pol, (unsigned)c->arg);
	if (bit < 0)
		return false;
	*next = old ^ bitfield_row_mask((unsigned)bit, (unsigned)c->arg);
	return true;
}

/* Allocate exactly the frames of mask. */
static inline bool bitfield_row_set_mask(uint64_t old, const row_change_t *c, uint64_t *next)
{
	if ((old ^ c->pol) & c->arg)
		return false;
	*next = old ^ c->arg;
	return true;
}

/* Free exactly the frames of mask. */
static inline bool bitfield_row_clear_mask(uint64_t old, const row_change_t *c, uint64_t *next)
{
	if (((old ^ c->pol) & c->arg) != c->arg)
		return false;
	*next = old ^ c->arg;
	return true;
}

/* One CAS loop on one row; *seen is the value the update succeeded or refused on. */
static inline bool bitfield_row_update(_Atomic uint64_t *row, bitfield_row_update_fn fn,
				       const row_change_t *arg, uint64_t *seen, uint64_t *next)
{
	uint64_t old = atomic_load_explicit(row, memory_order_acquire);
	for (;;) {
		if (!fn(old, arg, next)) {
			*seen = old;
			return false;
		}
		if (atomic_compare_exchange_weak_explicit(row, &old, *next, memory_order_acq_rel,
							  memory_order_acquire)) {
			*seen = old;
			return true;
		}
	}
}

/* Orders 7 and 8 of bitfield_get and bitfield_put: whole rows (bitfield.c). */
llfree_result_t bitfield_get_rows(bitfield_t *bf, unsigned start_row, unsigned order, uint64_t pol,
				  bool persistent, unsigned *index);
llfree_result_t bitfield_put_rows(bitfield_t *bf, unsigned row, unsigned order, uint64_t pol,
				  bool persistent);
/* Why a one-row free was refused, from the row it saw (cold). */
llfree_result_t bitfield_put_refused(uint64_t seen, const row_change_t *c);

/* Take a free aligned run of 2^order frames (order <= 8), rows circularly from start_row. */
static LLFREE_HOT llfree_result_t bitfield_get(bitfield_t *bf, unsigned start_row,
						unsigned order, uint64_t pol, bool persistent,
						unsigned *index)
{
	llfree_assert(order < LLFREE_HUGE_ORDER && start_row < BITFIELD_ROWS);
	if (order > BITFIELD_ROW_ORDER)
		return bitfield_get_rows(bf, start_row, order, pol, persistent, index);
	row_change_t take = { .arg = order, .pol = pol };
	for (unsigned i = 0; i < BITFIELD_ROWS; i++) {
		unsigned r = (start_row + i) % BITFIELD_ROWS;
		uint64_t seen, next;
		if (bitfield_row_update(&bf->rows[r], bitfield_row_take_run, &take, &seen, &next)) {
			llfree_persist(persistent, bf);
			*index = r * BITFIELD_ROW_BITS + (unsigned)__builtin_ctzll(seen ^ next);
			return LLFREE_OK;
		}
	}
	return LLFREE_ERR_MEMORY;
}

/* Take exactly index .. index+2^order-1; LLFREE_ERR_IN_USE if any is allocated. */
llfree_result_t bitfield_get_at(bitfield_t *bf, unsigned index, unsigned order, uint64_t pol,
				bool persistent);

/* Free index .. index+2^order-1; DOUBLE_FREE if none allocated, WRONG_ORDER if some. */
static inline llfree_result_t bitfield_put(bitfield_t *bf, unsigned index, unsigned order,
					   uint64_t pol, bool persistent)
{
	llfree_assert(order < LLFREE_HUGE_ORDER && index < LLFREE_AREA_FRAMES);
	unsigned row = index / BITFIELD_ROW_BITS;
	if (order > BITFIELD_ROW_ORDER)
		return bitfield_put_rows(bf, row, order, pol, persistent);
	uint64_t seen, next;
	row_change_t clear = { .arg = bitfield_row_mask(index % BITFIELD_ROW_BITS, order),
			       .pol = pol };
	if (!bitfield_row_update(&bf->rows[row], bitfield_row_clear_mask, &clear, &seen, &next))
		return bitfield_put_refused(seen, &clear);
	llfree_persist(persistent, bf);
	return LLFREE_OK;
}

/*
 * bitfield_get and bitfield_put for an inverted area (polarity all ones),
 * out of line: the hot paths call the inline ones with polarity 0, which
 * folds the polarity away (10 of about 180 instructions of a get).
 */
llfree_result_t bitfield_get_inverted(bitfield_t *bf, unsigned start_row, unsigned order,
				      bool persistent, unsigned *index);
llfree_result_t bitfield_put_inverted(bitfield_t *bf, unsigned index, unsigned order,
				      bool persistent);

bool bitfield_is_free(const bitfield_t *bf, unsigned index, unsigned order, uint64_t pol);
/* Free frames among index .. index+count-1 (a range inside the area), by recount. */
unsigned bitfield_count_free(const bitfield_t *bf, unsigned index, unsigned count, uint64_t pol);

/* Frames allocated, by recount. */
unsigned bitfield_allocated(const bitfield_t *bf, uint64_t pol);
/* Init (single-threaded, polarity 0): frames below valid are free, the rest allocated. */
void bitfield_init(bitfield_t *bf, unsigned valid, bool allocated);
/* Recovery: allocate the frames at and above valid (past the end of memory). */
void bitfield_mark_tail(bitfield_t *bf, unsigned valid, uint64_t pol);
/* Frames at and above valid are all allocated (they are past the end of memory). */
bool bitfield_tail_set(const bitfield_t *bf, unsigned valid, uint64_t pol);

#endif
