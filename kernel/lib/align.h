/*
 * Rounding to a power of two, rounding division and min/max of 64-bit
 * values: one copy for the kernel's memory code (memory map, paging, frames,
 * persistent memory, contiguous buffers). Portable: the host unit tests
 * build the same modules. bench/ keeps its own (it includes no kernel header).
 */
#ifndef KERNEL_LIB_ALIGN_H
#define KERNEL_LIB_ALIGN_H

#include <stdint.h>

/* a is a power of two. */
static inline uint64_t align_down(uint64_t v, uint64_t a)
{
	return v & ~(a - 1);
}

/* a is a power of two; v + a - 1 wraps above UINT64_MAX: callers check. */
static inline uint64_t align_up(uint64_t v, uint64_t a)
{
	return align_down(v + a - 1, a);
}

static inline uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return (n + d - 1) / d;
}

static inline uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static inline uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

#endif
