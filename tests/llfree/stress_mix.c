/*
 * Stress cases of random get/put mixes (stress.h): orders, kinds, drains,
 * cross-thread frees through the pool, get_at, persistence, memory smaller
 * than the cores' trees, all cores in one tree; and producer/consumer pairs
 * where one thread frees what another got.
 */
#include "stress.h"


/*
 * Random get/put mix, holding at most ctx->hold_cap frames per thread.
 * Options on ctx: random kinds, cross-thread frees through the pool,
 * drains of this and other cores.
 */
static void body_mix(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	/* The pool holds at most one thread's share (pool_give). */
	uint64_t holders = ctx->threads + (ctx->cross ? 1u : 0u);
	bool roomy = holders * (ctx->hold_cap + (1ull << ctx->max_order)) * 2 <= ctx->own.frames;
	for (uint64_t r = 0; r < ctx->rounds && !time_up(w); r++) {
		uint64_t p = stress_rng_below(&w->rng, 1000);
		if (ctx->drain && p < 8) {
			/* Mostly our own core; the library drains others itself on OOM. */
			size_t core = p < 6 ? w->core : (size_t)stress_rng_below(&w->rng, ctx->threads);
			STRESS_EXPECT_RES(llfree_drain(&ctx->alloc.llfree, core), LLFREE_OK, "drain");
			continue;
		}
		if (ctx->get_at && p >= 980) {
			worker_get_at_random(w);
			continue;
		}
		if (ctx->cross && p < 150) {
			if (p < 75 && w->held.len)
				pool_give(w, (size_t)stress_rng_below(&w->rng, w->held.len));
			else
				pool_take_and_free(w);
			continue;
		}
		/* Free with a probability that grows with what we hold. */
		bool put = w->held.len &&
			   stress_rng_below(&w->rng, ctx->hold_cap) < w->held.frames;
		if (put) {
			worker_put_random(w);
			continue;
		}
		unsigned order = random_order(&w->rng, ctx->max_order);
		if (w->held.frames + (1ull << order) > ctx->hold_cap)
			continue;
		llfree_kind_t kind = ctx->any_kind ? random_kind(&w->rng)
			: order >= LLFREE_HUGE_ORDER ? LLFREE_KIND_HUGE : LLFREE_KIND_IMMOVABLE;
		stress_block_t blk;
		/* With plenty of room, even a big block must be found (no lost capacity). */
		worker_get(w, order, kind, roomy, &blk);
	}
}
/* ---- producer / consumer: one thread frees while another allocates -------- */

#define RING_SIZE 16

typedef struct ring {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	stress_block_t slot[RING_SIZE];
	unsigned head, tail; /* tail - head = filled */
	bool closed;
} ring_t;

static ring_t rings[MAX_THREADS / 2];

/* Even threads allocate and pass blocks on; odd threads free them on their core. */
static void body_producer_consumer(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	ring_t *ring = &rings[w->id / 2];
	if (w->id % 2 == 0) {
		for (uint64_t r = 0; r < ctx->rounds && !time_up(w); r++) {
			stress_block_t blk;
			unsigned order = random_order(&w->rng, LLFREE_HUGE_ORDER);
			if (worker_get(w, order, random_kind(&w->rng), true, &blk) != LLFREE_OK)
				continue;
			blk = stress_held_take(&w->held, w->held.len - 1);
			stress_owner_release(&ctx->own, w->id, &blk);
			stress_owner_claim(&ctx->own, w->id + 1, &blk);
			pthread_mutex_lock(&ring->lock);
			while (ring->tail - ring->head == RING_SIZE)
				pthread_cond_wait(&ring->cond, &ring->lock);
			ring->slot[ring->tail++ % RING_SIZE] = blk;
			pthread_cond_broadcast(&ring->cond);
			pthread_mutex_unlock(&ring->lock);
		}
		pthread_mutex_lock(&ring->lock);
		ring->closed = true;
		pthread_cond_broadcast(&ring->cond);
		pthread_mutex_unlock(&ring->lock);
		return;
	}
	for (;;) {
		pthread_mutex_lock(&ring->lock);
		while (ring->tail == ring->head && !ring->closed)
			pthread_cond_wait(&ring->cond, &ring->lock);
		if (ring->tail == ring->head) {
			pthread_mutex_unlock(&ring->lock);
			return;
		}
		stress_block_t blk = ring->slot[ring->head++ % RING_SIZE];
		pthread_cond_broadcast(&ring->cond);
		pthread_mutex_unlock(&ring->lock);
		/* The lock is released before the put: the allocator alone orders it. */
		stress_put(&ctx->alloc, &ctx->own, w->id, w->core, &blk);
		w->ops++;
	}
}

/*
 * The mix, the counts checked while the threads still hold their blocks,
 * everything freed in parallel, then every frame got once more: the mix
 * lost no capacity.
 */
static void mix_then_until_empty(ctx_t *ctx, const char *when)
{
	ctx_run(ctx, body_mix);
	ctx_check_counts(ctx, when);
	ctx_run(ctx, body_put_all);
	run_until_empty(ctx, 1);
}

void case_mix(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 4, 24ull * LLFREE_TREE_FRAMES, 400000);
	ctx.max_order = 6;
	ctx_run(&ctx, body_mix);
	ctx_finish(&ctx);
}

void case_producer_consumer(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 8, odd_frames(16), 200000);
	for (unsigned i = 0; i < MAX_THREADS / 2; i++) {
		pthread_mutex_init(&rings[i].lock, NULL);
		pthread_cond_init(&rings[i].cond, NULL);
		rings[i].head = rings[i].tail = 0;
		rings[i].closed = false;
	}
	ctx_run(&ctx, body_producer_consumer);
	for (unsigned i = 0; i < MAX_THREADS / 2; i++) {
		pthread_mutex_destroy(&rings[i].lock);
		pthread_cond_destroy(&rings[i].cond);
	}
	ctx_finish(&ctx);
}

/* With persistence every lower update is written back (design 3): same results. */
void case_persistent(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup_persistent(&ctx, seed, 4, odd_frames(8), 100000, true);
	ctx.cross = true;
	ctx.drain = true;
	ctx.max_order = LLFREE_HUGE_ORDER + 1;
	ctx_run(&ctx, body_mix);
	ctx_finish(&ctx);
}

void case_cross_free(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 6, odd_frames(24), 300000);
	ctx.cross = true;
	ctx.max_order = LLFREE_HUGE_ORDER;
	ctx_run(&ctx, body_mix);
	ctx_finish(&ctx);
}

/* Fewer trees than cores: cores must share trees and steal (design 1). */
void case_small_memory(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 8, 3ull * LLFREE_TREE_FRAMES + 5 * LLFREE_AREA_FRAMES + 11, 200000);
	run_until_empty(&ctx, 2);
	ctx.max_order = 6;
	ctx.hold_cap = ctx.own.frames / 6; /* together more than there is: MEMORY happens */
	mix_then_until_empty(&ctx, "small memory mix");
	ctx_finish(&ctx);
}

/* All cores in one tree (design 6 "less memory than cores x tree size"). */
void case_one_tree(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 4, LLFREE_TREE_FRAMES, 200000);
	ctx.max_order = 6;
	ctx.hold_cap = 256; /* together half the tree: every get must succeed */
	mix_then_until_empty(&ctx, "one tree mix");
	ctx_finish(&ctx);
}

void case_drain(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 6, odd_frames(12), 300000);
	ctx.drain = true;
	ctx.max_order = 8;
	mix_then_until_empty(&ctx, "after drain mix");
	ctx_finish(&ctx);
}

void case_all_kinds(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 8, odd_frames(20), 300000);
	ctx.any_kind = true;
	ctx.cross = true;
	ctx.drain = true;
	ctx.get_at = true;
	ctx.hold_cap = 2 * LLFREE_TREE_FRAMES; /* tight: big orders may see MEMORY */
	ctx_run(&ctx, body_mix);
	ctx_finish(&ctx);
}
