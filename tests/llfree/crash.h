/*
 * The LLFree crash test (build/host/tests/llfree/crash): what its files
 * share.
 *
 *   crash.c           usage, one kill/recover cycle, main
 *   crash_child.c     the crash writer: the forked child's threads and their
 *                     logs, and the kill
 *   crash_account.c   RECOVER and the accounting of every frame after it
 *   crash_shutdown.c  without a kill: a clean shutdown (shallow RECOVER)
 *                     and buffers RECOVER must refuse
 *
 * The logs live in shared memory (shared_t) that the child writes and the
 * parent reads after the kill. Each thread keeps one op word (the call in
 * flight) and SLOTS block words (what it surely holds).
 */
#ifndef TESTS_LLFREE_CRASH_H
#define TESTS_LLFREE_CRASH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "common_stress.h"

#define THREADS 4
#define SLOTS 48

/* ---- log words (written by crash_child.c, read by crash_account.c) -------- */

/* Log words: 0 = empty/none, else (frame + 1) << 10 | kind << 8 | order, plus the op. */
#define OP_GET (1ull << 62)
#define OP_PUT (1ull << 63)
#define LOG_BLOCK_MASK (OP_GET - 1)

typedef struct thread_log {
	_Atomic uint64_t op;
	_Atomic uint64_t ops; /* completed operations */
	_Atomic uint64_t slot[SLOTS];
} __attribute__((aligned(64))) thread_log_t;

typedef struct shared {
	_Atomic int ready;
	_Atomic int failed; /* the child saw a library error */
	thread_log_t log[THREADS];
} shared_t;

static inline uint64_t enc_block(uint64_t frame, unsigned order, llfree_kind_t kind)
{
	return (frame + 1) << 10 | (uint64_t)kind << 8 | order;
}

static inline uint64_t dec_frame(uint64_t v)
{
	return ((v & LOG_BLOCK_MASK) >> 10) - 1;
}

static inline llfree_kind_t dec_kind(uint64_t v)
{
	return (llfree_kind_t)(v >> 8 & 3);
}

static inline unsigned dec_order(uint64_t v)
{
	return (unsigned)(v & 0xff);
}

/* ---- the crash writer (crash_child.c) ------------------------------------- */

/*
 * A random order whose in-flight state after a kill is one block: 0..6 and
 * 9 are one CAS, 7, 8, 10 several.
 */
unsigned child_order(stress_rng_t *rng);
/* The forked child: init FREE persistent on `lower`, run THREADS logging threads until killed. */
_Noreturn void child_main(shared_t *sh, void *lower, size_t lower_size, uint64_t frames,
			  uint64_t seed);
/* Wait until the child did `target` ops in all, then SIGKILL it. */
void kill_child(pid_t pid, shared_t *sh, uint64_t target, stress_rng_t *rng);

/* ---- recovery and accounting (crash_account.c) ---------------------------- */

typedef struct cycle_stats {
	uint64_t unaccounted; /* frames allocated by in-flight gets */
	unsigned inflight_blocks;
} cycle_stats_t;

/* RECOVER on `lower` with a fresh upper buffer (stress_buffer) for `cores` cores. */
llfree_result_t recover(llfree_t *self, void **upper, size_t cores, uint64_t frames, void *lower,
			size_t lower_size);
bool frame_allocated(const llfree_t *self, uint64_t frame);
/*
 * mark[f]: 1 = held by a slot, 2 = allocated and no slot holds it.
 * Returns what the in-flight ops explain; fails on anything else.
 */
cycle_stats_t account(llfree_t *self, shared_t *sh, uint64_t frames, uint8_t *mark);
/* Put every logged block back. */
void free_logged(llfree_t *self, shared_t *sh);
/* Diagnostics: each thread's op in flight at the kill. */
void print_ops(shared_t *sh);
/* Drain every core, validate, and require every frame free. */
void check_all_free(llfree_t *self, const char *when);

/* ---- without a kill (crash_shutdown.c) ------------------------------------ */

/* A clean shutdown makes the next RECOVER shallow; one without shutdown is deep. */
void check_shutdown_then_recover(uint64_t seed, uint64_t frames);
/* Wrong magic or frame count: refused, the buffer untouched. */
void check_refused_buffers(uint64_t seed, uint64_t frames);

#endif
