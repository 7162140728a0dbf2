/*
 * What one stress thread does (stress.h): get through the ownership map
 * with bounded retries of a spurious MEMORY, get_at of a random block, put
 * at random, and hand blocks to other threads through the shared pool.
 * The checker's self-test (LLFREE_STRESS_INJECT) breaks a rule here.
 */
#include "stress.h"

#include <inttypes.h>
#include <sched.h>

bool time_up(worker_t *w)
{
	return (++w->loops & 31) == 0 && stress_now_ms() >= w->ctx->deadline;
}

/* Mostly small orders, as a kernel asks; now and then up to max. */
unsigned random_order(stress_rng_t *rng, unsigned max)
{
	uint64_t p = stress_rng_below(rng, 100);
	unsigned order;
	if (p < 70)
		order = 0;
	else if (p < 92)
		order = 1 + (unsigned)stress_rng_below(rng, 6);
	else
		order = 7 + (unsigned)stress_rng_below(rng, LLFREE_MAX_ORDER - 6);
	return order <= max ? order : max;
}

llfree_kind_t random_kind(stress_rng_t *rng)
{
	return (llfree_kind_t)stress_rng_below(rng, LLFREE_KINDS);
}

static void inject_fault(worker_t *w)
{
	stress_block_t held = w->held.blk[0];
	if (inject == INJECT_DOUBLE) {
		stress_block_t again = held;
		again.order = 0;
		stress_owner_claim(&w->ctx->own, w->id, &again);
	} else {
		w->ctx->own.shadow[held.frame] ^= 1u;
	}
}

/*
 * Get a block; on MEMORY retry a few times (races may fail spuriously,
 * design 2). If `must` and it still fails, the allocator lost capacity.
 */
llfree_result_t worker_get(worker_t *w, unsigned order, llfree_kind_t kind, bool must,
			   stress_block_t *blk)
{
	ctx_t *ctx = w->ctx;
	llfree_result_t res = LLFREE_ERR_MEMORY;
	for (unsigned i = 0; i < MEMORY_RETRIES && res == LLFREE_ERR_MEMORY; i++) {
		if (i)
			sched_yield();
		res = stress_get(&ctx->alloc, &ctx->own, w->id, w->core, order, kind, &w->rng, blk);
		if (!must)
			break;
		if (i > 0 && res == LLFREE_OK)
			atomic_fetch_add(&case_spurious, 1);
	}
	w->ops++;
	if (res == LLFREE_OK)
		stress_held_push(&w->held, *blk);
	else if (res != LLFREE_ERR_MEMORY || must)
		stress_fail("thread %u core %zu: get order %u kind %d: %s (%" PRIu64
			    " frames claimed of %" PRIu64 ")",
			    w->id, w->core, order, kind, llfree_strerror(res),
			    stress_owner_held(&ctx->own), ctx->own.frames);
	if (inject != INJECT_NONE && !w->injected && w->ops >= INJECT_AFTER_OPS &&
	    w->held.len > 1) {
		w->injected = true;
		inject_fault(w);
	}
	return res;
}

/*
 * get_at of a random block while others get and put: IN_USE is fine, but
 * success on a frame another thread holds is caught by the ownership map,
 * and the count must come from wherever the tree's count is (entry or some
 * core's reservation).
 */
void worker_get_at_random(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	unsigned order = random_order(&w->rng, 6);
	uint64_t frame = stress_rng_below(&w->rng, ctx->own.frames >> order) << order;
	if (w->held.frames + (1ull << order) > ctx->hold_cap)
		return;
	llfree_kind_t kind = random_kind(&w->rng);
	llfree_result_t res = llfree_get_at(&ctx->alloc.llfree, w->core, frame, order, kind);
	w->ops++;
	if (res == LLFREE_ERR_IN_USE)
		return;
	if (res != LLFREE_OK)
		stress_fail("thread %u core %zu: get_at %" PRIu64 " order %u: %s", w->id, w->core,
			    frame, order, llfree_strerror(res));
	stress_block_t blk = {.frame = frame, .sig = stress_rng_next(&w->rng) | 1u,
			      .order = (uint8_t)order, .kind = (uint8_t)kind};
	stress_owner_claim(&ctx->own, w->id, &blk);
	stress_held_push(&w->held, blk);
}

static void worker_put_index(worker_t *w, size_t i)
{
	stress_block_t blk = stress_held_take(&w->held, i);
	stress_put(&w->ctx->alloc, &w->ctx->own, w->id, w->core, &blk);
	w->ops++;
}

void worker_put_random(worker_t *w)
{
	worker_put_index(w, (size_t)stress_rng_below(&w->rng, w->held.len));
}

void worker_put_all(worker_t *w)
{
	while (w->held.len)
		worker_put_random(w);
}

/* Move a block from the thread to the shared pool (ownership goes with it). */
void pool_give(worker_t *w, size_t i)
{
	ctx_t *ctx = w->ctx;
	pthread_mutex_lock(&ctx->pool_lock);
	if (ctx->pool.frames >= ctx->hold_cap) {
		pthread_mutex_unlock(&ctx->pool_lock);
		return;
	}
	stress_block_t blk = stress_held_take(&w->held, i);
	stress_owner_release(&ctx->own, w->id, &blk);
	/* The pool's own id, so that a thread taking it back is a change of owner. */
	stress_owner_claim(&ctx->own, MAX_THREADS, &blk);
	stress_held_push(&ctx->pool, blk);
	pthread_mutex_unlock(&ctx->pool_lock);
}

/*
 * Take a random pooled block and free it from this thread's core. A huge
 * block is sometimes freed 4 KiB at a time, which splits the area (design
 * 2, "concurrent splitters must cooperate": the pieces go back to the pool
 * so that several threads free frames of one area at once).
 */
bool pool_take_and_free(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	pthread_mutex_lock(&ctx->pool_lock);
	if (ctx->pool.len == 0) {
		pthread_mutex_unlock(&ctx->pool_lock);
		return false;
	}
	stress_block_t blk =
		stress_held_take(&ctx->pool, (size_t)stress_rng_below(&w->rng, ctx->pool.len));
	stress_owner_release(&ctx->own, MAX_THREADS, &blk);
	bool split = blk.order == LLFREE_HUGE_ORDER && stress_rng_below(&w->rng, 2) == 0;
	if (split) {
		/* Hand the area back to the pool as pieces of random small orders. */
		uint64_t f = blk.frame, end = blk.frame + LLFREE_AREA_FRAMES;
		while (f < end) {
			unsigned o = (unsigned)stress_rng_below(&w->rng, 7);
			while (f % (1ull << o))
				o--;
			stress_block_t piece = {.frame = f, .sig = stress_rng_next(&w->rng) | 1u,
						.order = (uint8_t)o, .kind = blk.kind};
			stress_owner_claim(&ctx->own, MAX_THREADS, &piece);
			stress_held_push(&ctx->pool, piece);
			f += 1ull << o;
		}
	}
	pthread_mutex_unlock(&ctx->pool_lock);
	if (split)
		return true;
	blk.sig = stress_rng_next(&w->rng) | 1u;
	stress_owner_claim(&ctx->own, w->id, &blk);
	stress_put(&ctx->alloc, &ctx->own, w->id, w->core, &blk);
	w->ops++;
	return true;
}
