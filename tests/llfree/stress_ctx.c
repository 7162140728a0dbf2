/*
 * A stress case's scaffolding (stress.h): the allocator and the ownership
 * map, the threads started together on one body, the quiescent count
 * checks between runs, and the end of a case: everything freed, every core
 * drained, validate() OK, free count == frames and every whole tree
 * allocatable at the top order (no capacity lost, design 5.11).
 */
#include "stress.h"

#include <inttypes.h>
#include <string.h>

void ctx_setup_persistent(ctx_t *ctx, uint64_t seed, unsigned threads, uint64_t frames,
			  uint64_t rounds, bool persistent)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->threads = threads;
	ctx->seed = seed;
	ctx->rounds = rounds * (uint64_t)scale_pct / 100u;
	if (ctx->rounds == 0)
		ctx->rounds = 1;
	/* One time bound for the whole case, however many runs it makes. */
	ctx->deadline = stress_now_ms() + case_ms;
	ctx->max_order = LLFREE_MAX_ORDER;
	ctx->hold_cap = LLFREE_TREE_FRAMES + 256;
	stress_alloc_init(&ctx->alloc, threads, frames, persistent);
	stress_owner_init(&ctx->own, frames);
	pthread_mutex_init(&ctx->pool_lock, NULL);
	for (unsigned i = 0; i < threads; i++) {
		ctx->w[i] = (worker_t){.ctx = ctx, .id = i, .core = i,
				       .rng = stress_rng_for(seed, i)};
	}
}

void ctx_setup(ctx_t *ctx, uint64_t seed, unsigned threads, uint64_t frames, uint64_t rounds)
{
	ctx_setup_persistent(ctx, seed, threads, frames, rounds, false);
}

static void *worker_main(void *arg)
{
	worker_t *w = arg;
	pthread_barrier_wait(&w->ctx->barrier);
	w->ctx->body(w);
	return NULL;
}

/* Run body on every worker at once; returns when all are done. */
void ctx_run(ctx_t *ctx, void (*body)(worker_t *))
{
	pthread_t tid[MAX_THREADS];
	ctx->body = body;
	pthread_barrier_init(&ctx->barrier, NULL, ctx->threads);
	for (unsigned i = 0; i < ctx->threads; i++)
		STRESS_CHECK(pthread_create(&tid[i], NULL, worker_main, &ctx->w[i]) == 0,
			     "pthread_create failed");
	for (unsigned i = 0; i < ctx->threads; i++) {
		pthread_join(tid[i], NULL);
		atomic_fetch_add(&case_ops, ctx->w[i].ops);
		ctx->w[i].ops = 0;
	}
	pthread_barrier_destroy(&ctx->barrier);
}

uint64_t ctx_held_frames(ctx_t *ctx)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < ctx->threads; i++)
		sum += ctx->w[i].held.frames;
	return sum + ctx->pool.frames;
}

/* Quiescent: what the threads hold is exactly what the allocator lacks. */
void ctx_check_counts(ctx_t *ctx, const char *when)
{
	uint64_t frames = llfree_frames(&ctx->alloc.llfree);
	uint64_t held = ctx_held_frames(ctx);
	STRESS_CHECK(held == stress_owner_held(&ctx->own), "%s: lists hold %" PRIu64
		     " frames, ownership map %" PRIu64, when, held, stress_owner_held(&ctx->own));
	STRESS_EXPECT_RES(llfree_validate(&ctx->alloc.llfree), LLFREE_OK, when);
	uint64_t free_frames = llfree_free_frames(&ctx->alloc.llfree);
	STRESS_CHECK(free_frames + held == frames,
		     "%s: %" PRIu64 " free + %" PRIu64 " held != %" PRIu64 " frames", when,
		     free_frames, held, frames);
	/* Whole areas nobody holds are exactly the free huge frames. */
	uint64_t untouched = 0;
	for (uint64_t a = 0; a < frames / LLFREE_AREA_FRAMES; a++) {
		uint64_t f = a * LLFREE_AREA_FRAMES, end = f + LLFREE_AREA_FRAMES;
		while (f < end && atomic_load_explicit(&ctx->own.word[f], memory_order_relaxed) == 0)
			f++;
		untouched += f == end;
	}
	STRESS_CHECK(llfree_free_huge(&ctx->alloc.llfree) == untouched,
		     "%s: %" PRIu64 " free huge areas, but %" PRIu64 " areas are held by nobody",
		     when, llfree_free_huge(&ctx->alloc.llfree), untouched);
}

/*
 * Every whole tree must be allocatable at the top order once all is free
 * and drained (trees return to the default kind, no count was lost), and
 * the frames of the tail after the last whole tree at order 0.
 */
static void check_full_capacity(ctx_t *ctx)
{
	llfree_t *self = &ctx->alloc.llfree;
	uint64_t frames = llfree_frames(self);
	uint64_t trees = frames / LLFREE_TREE_FRAMES;
	stress_held_t got = {0};
	stress_rng_t rng = stress_rng_for(ctx->seed, 99);
	for (uint64_t t = 0; t < trees; t++) {
		stress_block_t blk;
		llfree_kind_t kind = (llfree_kind_t)(t % LLFREE_KINDS);
		llfree_result_t res = stress_get(&ctx->alloc, &ctx->own, 0, 0, LLFREE_MAX_ORDER,
						 kind, &rng, &blk);
		if (res != LLFREE_OK)
			stress_fail("capacity: tree-sized get %" PRIu64 " of %" PRIu64
				    " (kind %d) failed: %s, %" PRIu64 " frames free",
				    t + 1, trees, kind, llfree_strerror(res), llfree_free_frames(self));
		stress_held_push(&got, blk);
	}
	for (uint64_t f = trees * LLFREE_TREE_FRAMES; f < frames; f++) {
		stress_block_t blk;
		llfree_result_t res = stress_get(&ctx->alloc, &ctx->own, 0, 0, 0,
						 LLFREE_KIND_IMMOVABLE, &rng, &blk);
		if (res != LLFREE_OK)
			stress_fail("capacity: tail frame %" PRIu64 " of %" PRIu64 ": %s", f - trees *
				    LLFREE_TREE_FRAMES + 1, frames - trees * LLFREE_TREE_FRAMES,
				    llfree_strerror(res));
		stress_held_push(&got, blk);
	}
	uint64_t dummy;
	STRESS_EXPECT_RES(llfree_get(self, 0, 0, LLFREE_KIND_IMMOVABLE, &dummy), LLFREE_ERR_MEMORY,
			  "capacity: get with every frame allocated");
	while (got.len)
		stress_put(&ctx->alloc, &ctx->own, 0, 0, &got.blk[got.len - 1]), got.len--;
	stress_held_free(&got);
}

/* Free what is left (main thread), check the end state, release everything. */
void ctx_finish(ctx_t *ctx)
{
	ctx_check_counts(ctx, "end of run");
	for (unsigned i = 0; i < ctx->threads; i++) {
		worker_t *w = &ctx->w[i];
		while (w->held.len) {
			stress_block_t blk = stress_held_take(&w->held, w->held.len - 1);
			stress_put(&ctx->alloc, &ctx->own, w->id, w->core, &blk);
		}
		stress_held_free(&w->held);
	}
	while (ctx->pool.len) {
		stress_block_t blk = stress_held_take(&ctx->pool, ctx->pool.len - 1);
		stress_put(&ctx->alloc, &ctx->own, MAX_THREADS, 0, &blk);
	}
	stress_held_free(&ctx->pool);
	STRESS_CHECK(stress_owner_held(&ctx->own) == 0, "ownership map not empty at the end");
	stress_alloc_check_all_free(&ctx->alloc);
	check_full_capacity(ctx);
	stress_alloc_check_all_free(&ctx->alloc);
	pthread_mutex_destroy(&ctx->pool_lock);
	stress_owner_free(&ctx->own);
	stress_alloc_free(&ctx->alloc);
}

void ctx_run_case(uint64_t seed, unsigned threads, uint64_t frames, uint64_t rounds,
		  void (*body)(worker_t *))
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, threads, frames, rounds);
	ctx_run(&ctx, body);
	ctx_finish(&ctx);
}
