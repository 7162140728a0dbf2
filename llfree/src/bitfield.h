/*
 * Bitfield level: one 2 MiB area = 8 rows of 64 bits, one cache line
 * (design 1). Bit i of row r is frame r*64+i of the area; 1 = allocated.
 * Every change is one CAS loop per row with a pure update function.
 */
#ifndef LLFREE_BITFIELD_H
#define LLFREE_BITFIELD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "llfree.h"

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

/* Pure search: first bit of a naturally aligned run of 2^order zeros in row, or -1. */
int bitfield_row_find(uint64_t row, unsigned order);
/* The bits of 2^order frames from bit (order <= 6, bit aligned). */
uint64_t bitfield_row_mask(unsigned bit, unsigned order);

/* Set a free aligned run of 2^order frames (order <= 8), rows circularly from start_row. */
llfree_result_t bitfield_get(bitfield_t *bf, unsigned start_row, unsigned order, bool persistent,
			     unsigned *index);
/* Set exactly index .. index+2^order-1; LLFREE_ERR_IN_USE if any is set. */
llfree_result_t bitfield_get_at(bitfield_t *bf, unsigned index, unsigned order, bool persistent);
/* Clear index .. index+2^order-1; DOUBLE_FREE if none set, WRONG_ORDER if some. */
llfree_result_t bitfield_put(bitfield_t *bf, unsigned index, unsigned order, bool persistent);
bool bitfield_is_free(const bitfield_t *bf, unsigned index, unsigned order);

/* Huge split (design 2): set every row; only the core that claimed the split writes. */
void bitfield_fill(bitfield_t *bf);
/* Frames set, by recount. */
unsigned bitfield_allocated(const bitfield_t *bf);
bool bitfield_is_zero(const bitfield_t *bf);
/* Init (single-threaded): frames below valid are free, the rest allocated. */
void bitfield_init(bitfield_t *bf, unsigned valid, bool allocated);
/* Recovery: set the bits of frames at and above valid (past the end of memory). */
void bitfield_mark_tail(bitfield_t *bf, unsigned valid);
/* Frames at and above valid are all set (they are past the end of memory). */
bool bitfield_tail_set(const bitfield_t *bf, unsigned valid);

#endif
