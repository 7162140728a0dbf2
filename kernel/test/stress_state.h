/*
 * What the stress test's files share (internal to kernel/test/stress*.c; the
 * test itself is described in stress.h): the options the phases read, the
 * blocks a core holds, the per-core and the run's state, and the checks
 * every block goes through.
 *   stress.c        options, set-up, the TEST line, stress_run
 *   stress_check.c  ownership bitmap, signatures, getting and putting a block
 *   stress_core.c   the phases every core runs (random mix, hand-offs, exhaustion)
 */
#ifndef KERNEL_TEST_STRESS_STATE_H
#define KERNEL_TEST_STRESS_STATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "arch/paging.h"
#include "lib/barrier.h"
#include "lib/printf.h"
#include "lib/spinlock.h"
#include "llfree.h"
#include "rand.h"

#define INBOX_CAP 64
#define LIST_END UINT64_MAX
/* Signature word: "ST" | core (16 bits) | sequence (32 bits). */
#define SIG_MAGIC (0x5354ull << 48)
#define SIG_CORE_SHIFT 32
#define SIG_SEQ_MASK 0xFFFFFFFFull

/* ---- options (stress.c) ---- */

struct order_range {
	unsigned min, max;
};

/* Self-tests of the checks: a frame handed out twice, a held frame overwritten. */
enum inject { INJECT_NONE, INJECT_DOUBLE, INJECT_OVERWRITE };

extern uint64_t stress_opt_rounds;
extern struct order_range stress_opt_orders;
extern unsigned stress_opt_kinds; /* bit per llfree_kind_t */
extern unsigned stress_opt_inject;

/* ---- state ---- */

struct block {
	uint64_t frame;
	uint32_t seq;
	uint8_t order;
	uint8_t kind;
	uint16_t core; /* signer */
};
_Static_assert(sizeof(struct block) == 16, "block is two words");

/* At the start of every held frame. */
struct signature {
	uint64_t tag;
	uint64_t frame;
};

/* At the start of the first frame of a block held in the exhaustion phase. */
struct list_node {
	struct signature sig;
	uint64_t next; /* first frame of the next block, LIST_END at the end */
	uint32_t order, kind;
};

struct counts {
	uint64_t rounds, allocs, frees, handoffs, received, oom, exhaust_allocs;
};

struct inbox {
	struct spinlock lock;
	unsigned count;
	struct block items[INBOX_CAP];
};

struct core_state {
	struct block *held;
	unsigned held_count, held_cap;
	uint64_t held_frames, budget_frames;
	uint64_t list_head; /* exhaustion phase */
	uint64_t rng;
	uint32_t seq;
	struct counts counts;
	struct inbox inbox;
} __attribute__((aligned(64)));

/* The run's state, shared by every core. */
struct stress_state {
	llfree_t *lf;
	unsigned cores;
	struct core_state *cs;
	_Atomic uint64_t *owned; /* bit per frame */
	uint64_t deadline;       /* TSC, 0: use rounds */
	struct barrier barrier;
	_Atomic bool failed;
	char why[256];
	uint64_t exhaust_left;
};
extern struct stress_state stress;

/* 0 .. n-1 from the core's xorshift64* (rand.h). */
static inline unsigned pick(struct core_state *cs, unsigned n)
{
	return (unsigned)((xorshift64s(&cs->rng) >> 32) % n);
}

/* The signature at the start of a frame, through the direct map. */
static inline struct signature *frame_sig(uint64_t frame)
{
	return phys_to_virt(frame * PAGE_SIZE);
}

/* ---- checks (stress_check.c) ---- */

/*
 * Frames of a block that carry a signature: all of them, or (SIGN_ENDS) the
 * first and the last. The exhaustion phase holds all RAM at once, and the
 * first touch of a guest page is expensive under QEMU (about 100 us of host
 * time per 4 KiB page here), so it signs the ends only.
 */
enum sign_mode { SIGN_ALL, SIGN_ENDS };

/* The first failure: an ERROR line, and the run stops at its next check. */
void stress_fail(const char *fmt, ...) KPRINTF_FORMAT(1, 2);
bool stress_failed(void);
/* Allocate, claim and sign one block; false on out of memory or failure. */
bool stress_get_block(struct core_state *cs, unsigned core, unsigned order, unsigned kind, enum sign_mode mode,
		      struct block *b);
/* Check, unclaim and free a block (held by this core or handed to it). */
void stress_put_block(struct core_state *cs, unsigned core, const struct block *b, enum sign_mode mode);
/* After the run: no frame of the first `words` * 64 still marked held. */
bool stress_bitmap_empty(uint64_t words);

/* ---- the phases (stress_core.c) ---- */

/* run_cores job: the whole test on one core. */
void stress_core(unsigned core, void *arg);

#endif
