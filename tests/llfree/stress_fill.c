/*
 * Stress cases that allocate until empty (stress.h): every thread gets
 * order-0 frames, or huge ones, until MEMORY, and together they must have
 * got every frame; and every order once per round, shuffled.
 */
#include "stress.h"

#include <inttypes.h>
#include <sched.h>

/* Order-0 gets until the allocator says MEMORY a few times in a row. */
void get_until_empty(worker_t *w, llfree_kind_t kind)
{
	unsigned misses = 0;
	while (misses < MEMORY_RETRIES) {
		stress_block_t blk;
		if (worker_get(w, 0, kind, false, &blk) == LLFREE_OK) {
			misses = 0;
		} else {
			misses++;
			sched_yield();
		}
	}
}

static void body_until_empty(worker_t *w)
{
	get_until_empty(w, LLFREE_KIND_IMMOVABLE);
}

/* Huge gets (order 9, sometimes 10) until MEMORY for both. */
static void body_huge_until_empty(worker_t *w)
{
	unsigned misses = 0;
	while (misses < MEMORY_RETRIES) {
		stress_block_t blk;
		unsigned order = LLFREE_HUGE_ORDER + (unsigned)stress_rng_below(&w->rng, 2);
		if (worker_get(w, order, LLFREE_KIND_HUGE, false, &blk) == LLFREE_OK ||
		    worker_get(w, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE, false, &blk) == LLFREE_OK)
			misses = 0;
		else
			misses++;
	}
}

void body_put_all(worker_t *w)
{
	worker_put_all(w);
}

/* Fisher-Yates. */
static void shuffle(stress_rng_t *rng, unsigned *v, unsigned n)
{
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)stress_rng_below(rng, i + 1u);
		unsigned t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

/* Every order 0..max once, shuffled, then freed in another shuffled order. */
static void body_orders(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	unsigned orders[LLFREE_MAX_ORDER + 1];
	for (uint64_t r = 0; r < ctx->rounds && !time_up(w); r++) {
		for (unsigned o = 0; o <= LLFREE_MAX_ORDER; o++)
			orders[o] = o;
		shuffle(&w->rng, orders, LLFREE_MAX_ORDER + 1);
		for (unsigned i = 0; i <= LLFREE_MAX_ORDER; i++) {
			stress_block_t blk;
			llfree_kind_t kind = orders[i] >= LLFREE_HUGE_ORDER ? LLFREE_KIND_HUGE
									    : random_kind(&w->rng);
			worker_get(w, orders[i], kind, true, &blk);
		}
		worker_put_all(w);
	}
}

/* Parallel order-0 gets until empty, `passes` times; no duplicate and total == frames. */
void run_until_empty(ctx_t *ctx, unsigned passes)
{
	for (unsigned pass = 0; pass < passes; pass++) {
		ctx_run(ctx, body_until_empty);
		uint64_t got = ctx_held_frames(ctx);
		STRESS_CHECK(got == ctx->own.frames,
			     "pass %u: threads got %" PRIu64 " frames of %" PRIu64 " before MEMORY",
			     pass, got, ctx->own.frames);
		ctx_check_counts(ctx, "allocated until empty");
		uint64_t dummy;
		STRESS_EXPECT_RES(llfree_get(&ctx->alloc.llfree, 0, 0, LLFREE_KIND_MOVABLE, &dummy),
				  LLFREE_ERR_MEMORY, "get when empty");
		ctx_run(ctx, body_put_all);
		ctx_check_counts(ctx, "freed in parallel");
	}
}

void case_until_empty(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 8, odd_frames(6), 1);
	run_until_empty(&ctx, 2);
	ctx_finish(&ctx);
}

void case_orders(uint64_t seed)
{
	ctx_run_case(seed, 4, odd_frames(32), 4000, body_orders);
}

void case_huge(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 6, odd_frames(5), 30);
	for (unsigned pass = 0; pass < ctx.rounds && stress_now_ms() < ctx.deadline; pass++) {
		ctx_run(&ctx, body_huge_until_empty);
		uint64_t areas = ctx.own.frames / LLFREE_AREA_FRAMES;
		uint64_t got = ctx_held_frames(&ctx);
		STRESS_CHECK(got == areas * LLFREE_AREA_FRAMES,
			     "pass %u: threads got %" PRIu64 " frames as huge, want %" PRIu64, pass,
			     got, areas * LLFREE_AREA_FRAMES);
		STRESS_CHECK(llfree_free_huge(&ctx.alloc.llfree) == 0, "free huge areas left");
		ctx_check_counts(&ctx, "huge until empty");
		ctx_run(&ctx, body_put_all);
		ctx_check_counts(&ctx, "huge freed in parallel");
	}
	ctx_finish(&ctx);
}
