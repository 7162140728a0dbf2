/*
 * The frag benchmark (bench/frag.c, shared/design/benchmarks.md) as a
 * stress case (stress.h): fewer frames than one tree, every core in it,
 * all threads on one CPU, and no get may fail.
 */
#include "stress.h"

#include <inttypes.h>
#include <sched.h>

#define FRAG_PERCENT 10

static uint64_t frag_free_before; /* free frames when the rounds start (quiescent) */

/*
 * A get in a frag round must succeed. Each thread frees its share before
 * it gets as many, so no thread ever holds more than when the rounds
 * started: frag_free_before frames are free at every moment. A get may fail
 * only if they are all held in flight by the other threads, and a thread
 * has one get or put in flight at a time, of one frame: at most threads - 1
 * frames. The case makes sure frag_free_before is far above that.
 */
static void frag_get(worker_t *w, uint64_t round)
{
	ctx_t *ctx = w->ctx;
	stress_block_t blk;
	llfree_result_t res = stress_get(&ctx->alloc, &ctx->own, w->id, w->core, 0,
					 LLFREE_KIND_MOVABLE, &w->rng, &blk);
	w->ops++;
	if (res != LLFREE_OK)
		stress_fail("thread %u core %zu: frag round %" PRIu64 ": get: %s with %" PRIu64
			    " frames free when the rounds started (at most %u in flight elsewhere), %"
			    PRIu64 " free now",
			    w->id, w->core, round, llfree_strerror(res), frag_free_before,
			    ctx->threads - 1, llfree_free_frames(&ctx->alloc.llfree));
	stress_held_push(&w->held, blk);
}

/*
 * All threads on one CPU (the first this process may use; every thread
 * inherited the same mask): a thread is then descheduled for a whole time
 * slice at any point of a get or put, as a QEMU vCPU is, while the others
 * run through their bounded retries.
 */
static void pin_to_one_cpu(void)
{
	cpu_set_t allowed, one;
	STRESS_CHECK(pthread_getaffinity_np(pthread_self(), sizeof(allowed), &allowed) == 0,
		     "pthread_getaffinity_np failed");
	int cpu = 0;
	while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &allowed))
		cpu++;
	STRESS_CHECK(cpu < CPU_SETSIZE, "no CPU in the affinity mask");
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	STRESS_CHECK(pthread_setaffinity_np(pthread_self(), sizeof(one), &one) == 0,
		     "pthread_setaffinity_np failed");
}

/* The benchmark's kind for order 0 (bench/alloc.c), not the trees' default kind. */
static void body_frag_fill(worker_t *w)
{
	get_until_empty(w, LLFREE_KIND_MOVABLE);
}

static void body_frag_free_half(worker_t *w)
{
	for (size_t half = w->held.len / 2; half > 0; half--)
		worker_put_random(w);
}

/* Rounds of free 10 % at random / get as many, no barrier between rounds (none is needed). */
static void body_frag_rounds(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	pin_to_one_cpu();
	for (uint64_t round = 1; round <= ctx->rounds && !time_up(w); round++) {
		size_t k = w->held.len * FRAG_PERCENT / 100;
		for (size_t i = 0; i < k; i++)
			worker_put_random(w);
		for (size_t i = 0; i < k; i++)
			frag_get(w, round);
	}
}

/*
 * The frag benchmark with fewer frames than one tree, shared by every core
 * (QEMU --smp 2 --mem 16M: 2431 frames). Every core but one finds the tree
 * reserved and lives on stealing, draining and re-reserving: a count that
 * was in neither the tree entry nor a reservation while a core moved it
 * made gets fail with half the frames free (issue 3, upper_slow.c get_on_debt).
 */
static void run_frag(uint64_t seed, unsigned threads, uint64_t frames, uint64_t ms)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, threads, frames, 1000000);
	ctx.deadline = stress_now_ms() + ms;
	ctx_run(&ctx, body_frag_fill);
	STRESS_CHECK(ctx_held_frames(&ctx) == frames,
		     "frag fill: threads got %" PRIu64 " frames of %" PRIu64 " before MEMORY",
		     ctx_held_frames(&ctx), frames);
	ctx_run(&ctx, body_frag_free_half);
	ctx_check_counts(&ctx, "frag: half freed");
	frag_free_before = llfree_free_frames(&ctx.alloc.llfree);
	STRESS_CHECK(frag_free_before >= 16ull * threads, "frag: only %" PRIu64 " frames free",
		     frag_free_before);
	ctx_run(&ctx, body_frag_rounds);
	ctx_finish(&ctx);
}

void case_one_tree_frag(uint64_t seed)
{
	uint64_t frames = 4 * LLFREE_AREA_FRAMES + 383; /* 2431: the QEMU run's count */
	run_frag(seed, 2, frames, case_ms / 2);
	run_frag(seed + 1, 4, frames, case_ms / 2);
}
