/*
 * The LLFree stress program (build/host/tests/llfree/stress and its TSan,
 * ASan, 128-areas-per-tree and test-hook builds): what its files share.
 *
 *   stress.c         usage, options, the case table and main
 *   stress_ctx.c     a case's allocator, threads and end checks (ctx_*)
 *   stress_worker.c  what one thread does: get, get_at, put, the pool
 *   stress_fill.c    cases that allocate until empty, every order
 *   stress_mix.c     cases of random get/put mixes, producer/consumer
 *   stress_race.c    cases where every thread races on one block
 *   stress_frag.c    the frag benchmark in one shared tree
 *
 * Every block a thread holds is claimed in the ownership map
 * (common_stress.h) and listed in the thread's held list or the pool.
 */
#ifndef TESTS_LLFREE_STRESS_H
#define TESTS_LLFREE_STRESS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "common_stress.h"

#define MAX_THREADS 8
/* MEMORY while memory is plainly there: retry this often before calling it a bug. */
#define MEMORY_RETRIES 16

/* ---- options and counters of the running case (stress.c) ------------------ */

/* Percent of the default rounds (LLFREE_STRESS_SCALE). */
extern long scale_pct;
/* Time bound per case in milliseconds (LLFREE_STRESS_MS). */
extern uint64_t case_ms;
/* Operations of the running case, all threads (printed: a case that did nothing shows). */
extern _Atomic uint64_t case_ops;
/* Gets that said MEMORY with plenty free and then succeeded on a retry (design 2 allows it). */
extern _Atomic uint64_t case_spurious;
/*
 * Self-test of the checker (LLFREE_STRESS_INJECT): "double" hands a held
 * frame out again as if the library had, "overwrite" scribbles on a held
 * frame's signature. Either must fail the run; the make target checks it.
 */
typedef enum { INJECT_NONE, INJECT_DOUBLE, INJECT_OVERWRITE } inject_t;
extern inject_t inject;
#define INJECT_AFTER_OPS 1000

/* ---- a case: one allocator, its threads (stress_ctx.c) --------------------- */

typedef struct ctx ctx_t;

typedef struct worker {
	ctx_t *ctx;
	unsigned id;
	size_t core;
	stress_rng_t rng;
	stress_held_t held;
	uint64_t ops;
	uint64_t loops; /* time_up calls: the clock is read every 32nd */
	bool injected;  /* LLFREE_STRESS_INJECT done */
} worker_t;

struct ctx {
	stress_alloc_t alloc;
	stress_owner_t own;
	unsigned threads;
	uint64_t seed;
	uint64_t rounds;   /* per thread, scaled */
	uint64_t deadline; /* stress_now_ms() after which loops stop */
	uint64_t hold_cap; /* frames one thread holds at most in mix cases */
	unsigned max_order;
	bool drain;        /* mix cases: drain reservations now and then */
	bool cross;        /* mix cases: hand blocks to other threads via the pool */
	bool any_kind;     /* mix cases: random kind per get */
	bool get_at;       /* mix cases: now and then get_at of a random block */
	pthread_barrier_t barrier;
	void (*body)(worker_t *);
	/* Blocks in transit between threads (cross-core frees). */
	pthread_mutex_t pool_lock;
	stress_held_t pool;
	worker_t w[MAX_THREADS];
};

/* Odd sizes: a partial tree and a partial area at the end (design 5.10). */
static inline uint64_t odd_frames(unsigned trees)
{
	return (uint64_t)trees * LLFREE_TREE_FRAMES + 3 * LLFREE_AREA_FRAMES + 77;
}

void ctx_setup_persistent(ctx_t *ctx, uint64_t seed, unsigned threads, uint64_t frames,
			  uint64_t rounds, bool persistent);
void ctx_setup(ctx_t *ctx, uint64_t seed, unsigned threads, uint64_t frames, uint64_t rounds);
/* Run body on every worker at once; returns when all are done. */
void ctx_run(ctx_t *ctx, void (*body)(worker_t *));
/* Frames the threads' held lists and the pool hold. */
uint64_t ctx_held_frames(ctx_t *ctx);
/* Quiescent: what the threads hold is exactly what the allocator lacks. */
void ctx_check_counts(ctx_t *ctx, const char *when);
/* Free what is left (main thread), check the end state, release everything. */
void ctx_finish(ctx_t *ctx);
/* A whole case: set up, run body once on every thread, finish. */
void ctx_run_case(uint64_t seed, unsigned threads, uint64_t frames, uint64_t rounds,
		  void (*body)(worker_t *));

/* ---- what one thread does (stress_worker.c) -------------------------------- */

/* True now and then once the case's deadline passed. */
bool time_up(worker_t *w);
/* Mostly small orders, as a kernel asks; now and then up to max. */
unsigned random_order(stress_rng_t *rng, unsigned max);
llfree_kind_t random_kind(stress_rng_t *rng);
/*
 * Get a block; on MEMORY retry a few times (races may fail spuriously,
 * design 2). If `must` and it still fails, the allocator lost capacity.
 */
llfree_result_t worker_get(worker_t *w, unsigned order, llfree_kind_t kind, bool must,
			   stress_block_t *blk);
/* get_at of a random block while others get and put. */
void worker_get_at_random(worker_t *w);
void worker_put_random(worker_t *w);
void worker_put_all(worker_t *w);
/* Move held block i to the shared pool (ownership goes with it). */
void pool_give(worker_t *w, size_t i);
/* Take a random pooled block and free it from this thread's core (or split it). */
bool pool_take_and_free(worker_t *w);

/* ---- bodies other files run (stress_fill.c) -------------------------------- */

/* Order-0 gets of `kind` until the allocator says MEMORY a few times in a row. */
void get_until_empty(worker_t *w, llfree_kind_t kind);
void body_put_all(worker_t *w);
/* Parallel order-0 gets until empty, `passes` times; no duplicate and total == frames. */
void run_until_empty(ctx_t *ctx, unsigned passes);

/* ---- the cases (stress_fill.c, stress_mix.c, stress_race.c, stress_frag.c) -- */

void case_until_empty(uint64_t seed);
void case_orders(uint64_t seed);
void case_huge(uint64_t seed);
void case_mix(uint64_t seed);
void case_producer_consumer(uint64_t seed);
void case_cross_free(uint64_t seed);
void case_persistent(uint64_t seed);
void case_small_memory(uint64_t seed);
void case_one_tree(uint64_t seed);
void case_drain(uint64_t seed);
void case_all_kinds(uint64_t seed);
void case_get_at_race(uint64_t seed);
void case_double_free_race(uint64_t seed);
void case_split_race(uint64_t seed);
void case_one_tree_frag(uint64_t seed);

#endif
