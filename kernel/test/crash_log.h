/*
 * What the crash test's files share (internal to kernel/test/crash*.c; the
 * protocol is described in crash.h): the block words of the logs, the
 * logged operations (crash.c) and the recovery check (crash_recover.c).
 */
#ifndef KERNEL_TEST_CRASH_LOG_H
#define KERNEL_TEST_CRASH_LOG_H

#include <stdbool.h>
#include <stdint.h>

#include "llfree.h"
#include "mm/pmem.h"
#include "test/crash.h"

#define BLOCK_FRAME_SHIFT 16
#define BLOCK_KIND_SHIFT 8
#define BLOCK_ORDER_MASK 0xffu
#define NO_SLOT UINT32_MAX

/* The persistent instance under test (pmem_llfree()). */
extern llfree_t *crash_lf;

/* ---- block words: (frame + 1) << 16 | kind << 8 | order ---- */

static inline uint64_t block_make(uint64_t frame, unsigned order, llfree_kind_t kind)
{
	return (frame + 1) << BLOCK_FRAME_SHIFT | (uint64_t)kind << BLOCK_KIND_SHIFT | order;
}
static inline uint64_t block_frame(uint64_t b) { return ((b & ~(CRASH_OP_GET | CRASH_OP_PUT)) >> BLOCK_FRAME_SHIFT) - 1; }
static inline unsigned block_order(uint64_t b) { return (unsigned)(b & BLOCK_ORDER_MASK); }
static inline llfree_kind_t block_kind(uint64_t b) { return (llfree_kind_t)(b >> BLOCK_KIND_SHIFT & 0xff); }
static inline uint64_t block_frames(uint64_t b) { return 1ull << block_order(b); }

/* Orders whose lower-level update is one CAS (crash.h). */
static inline bool order_single_cas(unsigned order)
{
	return order <= 6 || order == LLFREE_HUGE_ORDER;
}

static inline bool crash_block_valid(uint64_t b)
{
	uint64_t body = b & ~(CRASH_OP_GET | CRASH_OP_PUT);
	if (body >> BLOCK_FRAME_SHIFT == 0)
		return false;
	uint64_t frame = block_frame(b);
	unsigned order = block_order(b);
	return order_single_cas(order) && (unsigned)block_kind(b) < LLFREE_KINDS &&
	       (frame & (block_frames(b) - 1)) == 0 && frame < llfree_frames(crash_lf) &&
	       llfree_frames(crash_lf) - frame >= block_frames(b);
}

static inline struct crash_log *log_of(unsigned core)
{
	return pmem_log(core);
}

/* ---- the logged operations (crash.c) ---- */

void crash_set_intent(struct crash_log *log, uint64_t intent);
/* `slot` NO_SLOT: the block is in no slot (recovery frees an in-flight block). */
llfree_result_t crash_logged_put(unsigned core, struct crash_log *log, uint32_t slot, uint64_t block);

/* ---- the recovery check (crash_recover.c) ---- */

/* pmem=recover: the recovered allocator against the logs; prints TEST name=recover. */
bool crash_recover_check(unsigned cores);

#endif
