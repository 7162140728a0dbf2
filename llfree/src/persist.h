/*
 * Write-back of one updated cache line of the lower level (design 3).
 * Called after every lower-level CAS, so that the ordering rule (alloc:
 * counter before bits; free: bits before counter) also holds in persistent
 * memory on platforms whose caches are volatile.
 */
#ifndef LLFREE_PERSIST_H
#define LLFREE_PERSIST_H

#include <stdbool.h>

#include "llfree_platform.h"

static inline void llfree_persist(bool persistent, const volatile void *line)
{
	if (persistent) {
		llfree_writeback((const void *)line);
		llfree_fence();
	}
}

#endif
