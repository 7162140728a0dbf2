/*
 * What the benchmark files share about one run (internal to bench/): the
 * run's state, the per-core statistics, the barrier, and the shuffles.
 */
#ifndef BENCH_RUN_H
#define BENCH_RUN_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "bench.h"
#include "rand.h"

#define BENCH_LINE_MAX 512
#define NO_FRAME UINT64_MAX /* an empty slot in a frame array */
#define SHUFFLE_SEED 42
/* frag (shared/design/benchmarks.md): share of memory filled, share of each core's frames per round */
#define FRAG_FILL_PERCENT 90
#define FRAG_CHURN_PERCENT 10

/* ---- shuffles (wyrand: rand.h) ---- */

static inline void swap(uint64_t *a, uint64_t i, uint64_t j)
{
	uint64_t t = a[i];
	a[i] = a[j];
	a[j] = t;
}

/* Fisher-Yates over a[0..n). */
static inline void shuffle(uint64_t *a, uint64_t n, uint64_t *state)
{
	for (uint64_t i = n; i > 1; i--)
		swap(a, i - 1, rand_below(state, i));
}

/* ---- shared state of one run ---- */

enum op { OP_NONE, OP_GET, OP_PUT, OP_OVERFLOW }; /* overflow: more frames than managed */

struct core_stat {
	_Alignas(64) uint64_t get_ticks, get_ops, put_ticks, put_ops;
	int err; /* first allocator error of this core, with the operation */
	enum op op;
	uint64_t lo, live; /* frag: this core's chunk of the frame array, frames it keeps (K) */
	uint64_t seed;
	atomic_uint arrived; /* barrier generation + 1 at this core's last arrival */
};

struct frag_round {
	uint64_t get[3], put[3]; /* min, avg, max ns */
	uint64_t allocs, allocated, free_frames, free_huge, free_areas, moves;
	uint64_t huge_got; /* last round only: 2 MiB frames allocated until none was left */
};
/* huge_got of an allocator without 2 MiB frames (the list strawman) */
#define FRAG_HUGE_UNTRIED UINT64_MAX

struct run {
	const struct bench_env *env;
	struct balloc *alloc;
	enum bench_kind bench;
	unsigned cores, order;
	uint64_t allocs; /* per core */
	uint64_t *slots; /* frame array: core c owns slots[c * allocs ..] (frag: lo..lo+live) */
	struct core_stat *stats;
	/* sense-reversing barrier */
	_Alignas(64) atomic_uint arrived;
	_Alignas(64) atomic_uint generation;
	/* frag */
	unsigned rounds;
	struct frag_round *round; /* [0]: after the setup (not reported), [1..rounds] */
	uint16_t *area_count; /* allocated frames per 2 MiB area */
	uint64_t *histogram;  /* areas per allocated-frame count 0..512 */
};

/*
 * All cores of the run meet here (sense-reversing: reusable at once); `core`
 * is the caller's. Bounded by env->wait_limit_s when env->stuck is set.
 */
void run_barrier(struct run *r, unsigned core);
/* Remember the first allocator error of a core. */
void run_fail(struct core_stat *st, enum op op, int err);
/* Allocate n frames of the run's order into a[0..n), empty slots after an error; returns how many. */
uint64_t run_get_all(struct run *r, unsigned core, uint64_t *a, uint64_t n);
/* Free a[n-1] down to a[0] (LIFO), skipping empty slots; returns how many. */
uint64_t run_put_all(struct run *r, unsigned core, uint64_t *a, uint64_t n);
/* run_get_all / run_put_all between two TSC reads; *ticks is the time they took. */
uint64_t run_get_timed(struct run *r, unsigned core, uint64_t *a, uint64_t n, uint64_t *ticks);
uint64_t run_put_timed(struct run *r, unsigned core, uint64_t *a, uint64_t n, uint64_t *ticks);
/* min / avg / max over the cores of ns per operation, from their ticks and counts. */
void run_summarize(const struct run *r, uint64_t get[3], uint64_t put[3]);
/* `TAG msg="..." bench=... alloc=... cores=N order=N` (r may be NULL). */
void run_print(const struct bench_env *env, const char *tag, const struct run *r, const char *msg);

/* The per-core functions handed to bench_env.run, and frag's own check. */
void bulk_core(unsigned core, void *arg);
void repeat_core(unsigned core, void *arg);
void rand_core(unsigned core, void *arg);
void frag_core(unsigned core, void *arg);
/* After a frag run: counts add up, and the 2 MiB frames got equal the last round's H. */
bool frag_check(struct run *r);
/* Frames each of `cores` cores allocates in frag's setup: floor(0.9 * frames / cores). */
uint64_t frag_chunk(uint64_t frames, unsigned cores);
/* Core 0 between rounds: counts of the frames the cores hold (lo..lo+live each). */
void frag_measure(struct run *r, struct frag_round *out);

#endif
