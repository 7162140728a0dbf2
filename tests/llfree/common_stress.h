/*
 * Helpers shared by the LLFree stress and crash tests (tests/llfree/stress.c,
 * tests/llfree/crash.c): seeded random numbers, an allocator in malloc'd
 * buffers, and the ownership map that catches a frame handed out twice.
 *
 * Ownership map (design 6, "global ownership bitmap"): one atomic word per
 * frame, 0 = not held by any test thread, else (thread + 1) << 8 | order.
 * A thread claims every frame of a block it got with a compare-and-swap
 * from 0; the first CAS that finds the word taken stops the test at once
 * and names the frame, both threads and both orders. While a thread holds
 * a block, a shadow array holds a per-allocation signature for each frame;
 * it is checked before the block is freed, so a block that changed owner
 * behind the holder's back is caught even when the claims did not overlap.
 *
 * The map uses relaxed atomics on purpose: it must not add happens-before
 * edges of its own, so that under ThreadSanitizer the plain shadow writes
 * are ordered only by the library's own synchronisation (a put must
 * happen-before the get that hands the frame out again).
 */
#ifndef COMMON_STRESS_H
#define COMMON_STRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "llfree.h"
#include "rand.h"

/* ---- failure reporting ---------------------------------------------------- */

/* Name of the running case and its seed, printed with every failure. */
void stress_set_case(const char *name, uint64_t seed);
/* Print "FAIL <case> seed=...: <message>" and a reproduce line, then exit(1). */
_Noreturn void stress_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define STRESS_CHECK(cond, ...)                                                                    \
	do {                                                                                       \
		if (!(cond))                                                                       \
			stress_fail(__VA_ARGS__);                                                  \
	} while (0)

/* Fail unless res == want, naming the call. */
#define STRESS_EXPECT_RES(res, want, what)                                                         \
	do {                                                                                       \
		llfree_result_t r_ = (res);                                                        \
		if (r_ != (want))                                                                  \
			stress_fail("%s: got %s, want %s (%s:%d)", (what), llfree_strerror(r_),   \
				    llfree_strerror(want), __FILE__, __LINE__);                    \
	} while (0)

/* ---- seeded random numbers (splitmix64, bench/rand.h) --------------------- */

typedef struct stress_rng {
	uint64_t state;
} stress_rng_t;

static inline uint64_t stress_rng_next(stress_rng_t *rng)
{
	return splitmix64(&rng->state);
}

/* Uniform in 0 .. n-1 (n >= 1; the modulo bias is irrelevant here). */
static inline uint64_t stress_rng_below(stress_rng_t *rng, uint64_t n)
{
	return stress_rng_next(rng) % n;
}

/* A distinct stream per (seed, thread). */
static inline stress_rng_t stress_rng_for(uint64_t seed, unsigned thread)
{
	stress_rng_t rng = {seed ^ (0x632be59bd9b4e019ull * (thread + 1u))};
	stress_rng_next(&rng);
	return rng;
}

/* ---- a program of named cases (stress, progress) --------------------------- */

typedef struct stress_case {
	const char *name;
	void (*run)(uint64_t seed);
} stress_case_t;

/*
 * For each of the n cases that argv names (every case when it names none):
 * stress_set_case(name, seed), then run_one(case, its index, seed), which
 * prints and runs it. Then "<program>: N cases passed" and 0; when no case
 * matched, the list of names on stderr and 2.
 */
int stress_run_cases(const char *program, const stress_case_t *cases, size_t n, int argc,
		     char **argv, uint64_t seed,
		     void (*run_one)(const stress_case_t *c, size_t index, uint64_t seed));

/* On SIGABRT (a failed library assertion), print the case and seed first. */
void stress_report_aborts(void);

/* Seed from env var `name` (decimal or 0x hex) if set, else from the clock. */
uint64_t stress_seed_from_env(const char *name);
/* Integer from env var `name`, or `fallback` when unset or unparsable. */
long stress_long_from_env(const char *name, long fallback);

/* Monotonic milliseconds. */
uint64_t stress_now_ms(void);

/* ---- the allocator under test, in malloc'd buffers ------------------------ */

typedef struct stress_alloc {
	llfree_t llfree;
	void *upper;
	void *lower;
	llfree_meta_size_t size;
} stress_alloc_t;

/*
 * A buffer for LLFree's metadata: LLFREE_ALIGN-aligned, rounded up to it,
 * filled with garbage (init must not rely on zeroed memory); free() it.
 * Fails the test when the host is out of memory.
 */
void *stress_buffer(size_t size);
/* Init an allocator with every frame free; fails the test on any error. */
void stress_alloc_init(stress_alloc_t *alloc, size_t cores, uint64_t frames, bool persistent);
void stress_alloc_free(stress_alloc_t *alloc);
/*
 * End-of-case checks: validate, drain every core, then free count == frames,
 * free huge == whole areas, validate again.
 */
void stress_alloc_check_all_free(stress_alloc_t *alloc);

/* ---- ownership map -------------------------------------------------------- */

typedef struct stress_owner {
	uint64_t frames;
	_Atomic uint32_t *word; /* per frame: 0 or (thread + 1) << 8 | order */
	uint64_t *shadow;       /* per frame: signature while held, 0 while not */
	_Atomic uint64_t held;  /* frames currently claimed, all threads */
} stress_owner_t;

/* A block one thread holds. */
typedef struct stress_block {
	uint64_t frame;
	uint64_t sig;
	uint8_t order;
	uint8_t kind;
} stress_block_t;

void stress_owner_init(stress_owner_t *own, uint64_t frames);
void stress_owner_free(stress_owner_t *own);
/*
 * Record that `thread` got frame .. frame + 2^order - 1: checks range and
 * alignment, claims every frame (fails the test the moment one is held
 * already) and writes the signature `sig` into the shadow.
 */
void stress_owner_claim(stress_owner_t *own, unsigned thread, const stress_block_t *blk);
/* Check that `thread` still holds the block with its signature, then unclaim it. */
void stress_owner_release(stress_owner_t *own, unsigned thread, const stress_block_t *blk);
/* Frames claimed right now (exact only when no thread runs). */
uint64_t stress_owner_held(stress_owner_t *own);

/* ---- a thread's held blocks ----------------------------------------------- */

typedef struct stress_held {
	stress_block_t *blk;
	size_t len;
	size_t cap;
	uint64_t frames; /* sum of 2^order over blk */
} stress_held_t;

void stress_held_push(stress_held_t *held, stress_block_t blk);
/* Remove and return entry i (order of the rest is not kept). */
stress_block_t stress_held_take(stress_held_t *held, size_t i);
void stress_held_free(stress_held_t *held);

/*
 * Get a block for `thread` on `core` and claim it. Returns the library's
 * result; on LLFREE_OK *out describes the claimed block.
 */
llfree_result_t stress_get(stress_alloc_t *alloc, stress_owner_t *own, unsigned thread,
			   size_t core, unsigned order, llfree_kind_t kind, stress_rng_t *rng,
			   stress_block_t *out);
/* Release the block from the ownership map, then put it; any error fails the test. */
void stress_put(stress_alloc_t *alloc, stress_owner_t *own, unsigned thread, size_t core,
		const stress_block_t *blk);

#endif /* COMMON_STRESS_H */
