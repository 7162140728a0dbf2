/*
 * LLFree under contention: concurrent stress cases of shared/design/llfree.md
 * section 6, run with 4-8 pthreads against one allocator.
 *
 * Every block a thread gets is claimed in the ownership map
 * (common_stress.h): a frame handed out twice stops the run at once, and a
 * block whose signature changed while held is caught when it is freed.
 * Each case ends with every frame freed, every core drained, validate() OK,
 * free count == frames, and every whole tree allocatable at the top order
 * (no capacity lost, design 5.11).
 *
 *   stress [case...]            run all cases, or the named ones
 *   LLFREE_STRESS_SEED=0x...    reproduce a run (the seed is printed per case)
 *   LLFREE_STRESS_SCALE=20      percent of the default rounds (sanitizer builds)
 *   LLFREE_STRESS_MS=2500       time bound per case in milliseconds
 *   LLFREE_STRESS_INJECT=double|overwrite   self-test: the run must fail
 *   LLFREE_STRESS_TRANSIT=1|2|3 with -DLLFREE_TEST_HOOKS (library and this
 *                               file, build/hooks/stress): yield only in that
 *                               transit window (llfree/src/hooks.h), 0 = all
 *
 * one_tree_frag with the count-in-transit windows stretched (without the
 * fix of issue 3, llfree/src/upper.c get_on_debt, it fails in seconds):
 *   make build/hooks/stress && build/hooks/stress one_tree_frag
 *
 * A seed fixes every thread's sequence of operations, not the interleaving.
 */
#include "common_stress.h"

#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef LLFREE_TEST_HOOKS
#include "hooks.h"
#endif

#define MAX_THREADS 8
/* MEMORY while memory is plainly there: retry this often before calling it a bug. */
#define MEMORY_RETRIES 16

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

static long scale_pct = 100;
/* Operations of the running case, all threads (printed: a case that did nothing shows). */
static _Atomic uint64_t case_ops;
/* Gets that said MEMORY with plenty free and then succeeded on a retry (design 2 allows it). */
static _Atomic uint64_t case_spurious;
static uint64_t case_ms = 2500;
/*
 * Self-test of the checker (LLFREE_STRESS_INJECT): "double" hands a held
 * frame out again as if the library had, "overwrite" scribbles on a held
 * frame's signature. Either must fail the run; the make target checks it.
 */
static enum { INJECT_NONE, INJECT_DOUBLE, INJECT_OVERWRITE } inject;
#define INJECT_AFTER_OPS 1000

/* ---- case scaffolding ----------------------------------------------------- */

static void ctx_setup_persistent(ctx_t *ctx, uint64_t seed, unsigned threads, uint64_t frames,
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

static void ctx_setup(ctx_t *ctx, uint64_t seed, unsigned threads, uint64_t frames,
		      uint64_t rounds)
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
static void ctx_run(ctx_t *ctx, void (*body)(worker_t *))
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

static uint64_t ctx_held_frames(ctx_t *ctx)
{
	uint64_t sum = 0;
	for (unsigned i = 0; i < ctx->threads; i++)
		sum += ctx->w[i].held.frames;
	return sum + ctx->pool.frames;
}

/* Quiescent: what the threads hold is exactly what the allocator lacks. */
static void ctx_check_counts(ctx_t *ctx, const char *when)
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
static void ctx_finish(ctx_t *ctx)
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

/* ---- worker helpers ------------------------------------------------------- */

static bool time_up(worker_t *w)
{
	return (++w->loops & 31) == 0 && stress_now_ms() >= w->ctx->deadline;
}

/* Mostly small orders, as a kernel asks; now and then up to max. */
static unsigned random_order(stress_rng_t *rng, unsigned max)
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

static llfree_kind_t random_kind(stress_rng_t *rng)
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
static llfree_result_t worker_get(worker_t *w, unsigned order, llfree_kind_t kind, bool must,
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
static void worker_get_at_random(worker_t *w)
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

static void worker_put_random(worker_t *w)
{
	worker_put_index(w, (size_t)stress_rng_below(&w->rng, w->held.len));
}

static void worker_put_all(worker_t *w)
{
	while (w->held.len)
		worker_put_random(w);
}

/* Move a block from the thread to the shared pool (ownership goes with it). */
static void pool_give(worker_t *w, size_t i)
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
static bool pool_take_and_free(worker_t *w)
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

/* ---- bodies --------------------------------------------------------------- */

/* Order-0 gets until the allocator says MEMORY a few times in a row. */
static void get_until_empty(worker_t *w, llfree_kind_t kind)
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

static void body_put_all(worker_t *w)
{
	worker_put_all(w);
}

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

/* Every order 0..max once, shuffled, then freed in another shuffled order. */
static void shuffle(stress_rng_t *rng, unsigned *v, unsigned n)
{
	for (unsigned i = n - 1; i > 0; i--) {
		unsigned j = (unsigned)stress_rng_below(rng, i + 1u);
		unsigned t = v[i];
		v[i] = v[j];
		v[j] = t;
	}
}

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

/* ---- races on one block: get_at and double free --------------------------- */

typedef struct race {
	uint64_t frame;
	unsigned order;
	_Atomic unsigned ok;
	_Atomic unsigned refused;
	bool stop; /* set by thread 0 before a round, read by all after the barrier */
} race_t;

static race_t race;

/* All threads get_at the same block; exactly one may win. */
static void body_get_at_race(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	llfree_t *self = &ctx->alloc.llfree;
	stress_rng_t shared = stress_rng_for(ctx->seed, 1000);
	for (uint64_t r = 0; r < ctx->rounds; r++) {
		/* Thread 0 picks the block; everyone advances the same stream. */
		unsigned order = random_order(&shared, LLFREE_MAX_ORDER);
		uint64_t blocks = ctx->own.frames >> order;
		uint64_t frame = stress_rng_below(&shared, blocks) << order;
		if (w->id == 0) {
			race.frame = frame;
			race.order = order;
			race.stop = stress_now_ms() >= ctx->deadline;
			atomic_store(&race.ok, 0);
			atomic_store(&race.refused, 0);
		}
		pthread_barrier_wait(&ctx->barrier);
		if (race.stop)
			break;
		llfree_kind_t kind = random_kind(&w->rng);
		llfree_result_t res = llfree_get_at(self, w->core, frame, order, kind);
		if (res == LLFREE_OK) {
			stress_block_t blk = {.frame = frame, .sig = stress_rng_next(&w->rng) | 1u,
					      .order = (uint8_t)order, .kind = (uint8_t)kind};
			stress_owner_claim(&ctx->own, w->id, &blk);
			stress_held_push(&w->held, blk);
			atomic_fetch_add(&race.ok, 1);
		} else if (res == LLFREE_ERR_IN_USE) {
			atomic_fetch_add(&race.refused, 1);
		} else {
			stress_fail("thread %u: get_at %" PRIu64 " order %u: %s", w->id, frame, order,
				    llfree_strerror(res));
		}
		pthread_barrier_wait(&ctx->barrier);
		if (w->id == 0) {
			STRESS_CHECK(atomic_load(&race.ok) == 1,
				     "get_at race on %" PRIu64 " order %u: %u winners, %u refused",
				     frame, order, atomic_load(&race.ok), atomic_load(&race.refused));
			STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, "validate after get_at race");
		}
		/* validate needs a quiescent state: nobody frees before it is done. */
		pthread_barrier_wait(&ctx->barrier);
		worker_put_all(w);
	}
}

/* All threads put the same block; exactly one may succeed. */
static void body_double_free_race(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	llfree_t *self = &ctx->alloc.llfree;
	stress_rng_t shared = stress_rng_for(ctx->seed, 2000);
	static const unsigned orders[] = {0, 3, 6, LLFREE_HUGE_ORDER};
	for (uint64_t r = 0; r < ctx->rounds; r++) {
		unsigned order = orders[stress_rng_below(&shared, 4)];
		if (w->id == 0) {
			uint64_t frame;
			STRESS_EXPECT_RES(llfree_get(self, 0, order, LLFREE_KIND_MOVABLE, &frame),
					  LLFREE_OK, "double free race: get");
			race.frame = frame;
			race.order = order;
			race.stop = stress_now_ms() >= ctx->deadline;
			atomic_store(&race.ok, 0);
			atomic_store(&race.refused, 0);
		}
		pthread_barrier_wait(&ctx->barrier);
		if (race.stop) {
			/* Thread 0 got the block for a round that does not run. */
			if (w->id == 0)
				STRESS_EXPECT_RES(llfree_put(self, 0, race.frame, race.order,
							     LLFREE_KIND_MOVABLE),
						  LLFREE_OK, "double free race: put of the last block");
			break;
		}
		llfree_result_t res =
			llfree_put(self, w->core, race.frame, race.order, LLFREE_KIND_MOVABLE);
		w->ops++;
		if (res == LLFREE_OK)
			atomic_fetch_add(&race.ok, 1);
		else if (res == LLFREE_ERR_DOUBLE_FREE)
			atomic_fetch_add(&race.refused, 1);
		else
			stress_fail("thread %u: racing put %" PRIu64 " order %u: %s", w->id,
				    race.frame, race.order, llfree_strerror(res));
		pthread_barrier_wait(&ctx->barrier);
		if (w->id == 0) {
			STRESS_CHECK(atomic_load(&race.ok) == 1,
				     "double free race on %" PRIu64 " order %u: %u succeeded, %u "
				     "refused",
				     race.frame, order, atomic_load(&race.ok), atomic_load(&race.refused));
			STRESS_CHECK(llfree_is_free(self, race.frame, order),
				     "block %" PRIu64 " order %u not free after the race", race.frame,
				     order);
			STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK,
					  "validate after double free race");
			STRESS_CHECK(llfree_free_frames(self) == ctx->own.frames,
				     "double free race: %" PRIu64 " free, want %" PRIu64,
				     llfree_free_frames(self), ctx->own.frames);
		}
		pthread_barrier_wait(&ctx->barrier);
	}
}

/*
 * All threads free 4 KiB pieces of one huge area at once, so that they
 * split it together (design 2: "concurrent splitters must cooperate").
 * Thread t frees every threads-th piece of a random order <= 6, the first
 * one right after the barrier. A splitter that fills a row after the split
 * finished and the row was freed leaves the counter above the bitfield's
 * free frames: validate after each round catches it.
 */
static void body_split_race(worker_t *w)
{
	ctx_t *ctx = w->ctx;
	llfree_t *self = &ctx->alloc.llfree;
	stress_rng_t shared = stress_rng_for(ctx->seed, 3000);
	for (uint64_t r = 0; r < ctx->rounds; r++) {
		/* Whole rows (order 6) often: a row freed at once is the split's residual window. */
		unsigned piece = (unsigned)stress_rng_below(&shared, 7);
		if (w->id == 0) {
			uint64_t frame;
			STRESS_EXPECT_RES(llfree_get(self, 0, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE,
						     &frame),
					  LLFREE_OK, "split race: huge get");
			race.frame = frame;
			race.stop = stress_now_ms() >= ctx->deadline;
		}
		pthread_barrier_wait(&ctx->barrier);
		if (race.stop) {
			if (w->id == 0)
				STRESS_EXPECT_RES(llfree_put(self, 0, race.frame, LLFREE_HUGE_ORDER,
							     LLFREE_KIND_HUGE),
						  LLFREE_OK, "split race: put of the last area");
			break;
		}
		uint64_t n = LLFREE_AREA_FRAMES >> piece;
		for (uint64_t i = w->id; i < n; i += ctx->threads) {
			uint64_t f = race.frame + (i << piece);
			llfree_result_t res = llfree_put(self, w->core, f, piece, LLFREE_KIND_HUGE);
			w->ops++;
			if (res != LLFREE_OK)
				stress_fail("thread %u: split race: put %" PRIu64 " order %u of huge "
					    "area %" PRIu64 ": %s",
					    w->id, f, piece, race.frame, llfree_strerror(res));
		}
		pthread_barrier_wait(&ctx->barrier);
		if (w->id == 0) {
			STRESS_CHECK(llfree_is_free(self, race.frame, LLFREE_HUGE_ORDER),
				     "split race: area %" PRIu64 " not entirely free after every "
				     "piece was freed", race.frame);
			STRESS_EXPECT_RES(llfree_validate(self), LLFREE_OK, "validate after split race");
			STRESS_CHECK(llfree_free_frames(self) == ctx->own.frames,
				     "split race: %" PRIu64 " free, want %" PRIu64,
				     llfree_free_frames(self), ctx->own.frames);
		}
		pthread_barrier_wait(&ctx->barrier);
	}
}

/* ---- frag in one shared tree (bench/frag.c, shared/design/benchmarks.md) --- */

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
 * made gets fail with half the frames free (issue 3, upper.c get_on_debt).
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

static void case_one_tree_frag(uint64_t seed)
{
	uint64_t frames = 4 * LLFREE_AREA_FRAMES + 383; /* 2431: the QEMU run's count */
	run_frag(seed, 2, frames, case_ms / 2);
	run_frag(seed + 1, 4, frames, case_ms / 2);
}

/* ---- cases ---------------------------------------------------------------- */

/* Odd sizes: a partial tree and a partial area at the end (design 5.10). */
static uint64_t odd_frames(unsigned trees)
{
	return (uint64_t)trees * LLFREE_TREE_FRAMES + 3 * LLFREE_AREA_FRAMES + 77;
}

/* Parallel order-0 gets until empty, twice; no duplicate and total == frames. */
static void run_until_empty(ctx_t *ctx, unsigned passes)
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

static void case_until_empty(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 8, odd_frames(6), 1);
	run_until_empty(&ctx, 2);
	ctx_finish(&ctx);
}

static void case_mix(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 4, 24ull * LLFREE_TREE_FRAMES, 400000);
	ctx.max_order = 6;
	ctx_run(&ctx, body_mix);
	ctx_finish(&ctx);
}

static void case_orders(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 4, odd_frames(32), 4000);
	ctx_run(&ctx, body_orders);
	ctx_finish(&ctx);
}

static void case_huge(uint64_t seed)
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

static void case_producer_consumer(uint64_t seed)
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
static void case_persistent(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup_persistent(&ctx, seed, 4, odd_frames(8), 100000, true);
	ctx.cross = true;
	ctx.drain = true;
	ctx.max_order = LLFREE_HUGE_ORDER + 1;
	ctx_run(&ctx, body_mix);
	ctx_finish(&ctx);
}

static void case_cross_free(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 6, odd_frames(24), 300000);
	ctx.cross = true;
	ctx.max_order = LLFREE_HUGE_ORDER;
	ctx_run(&ctx, body_mix);
	ctx_finish(&ctx);
}

/* Fewer trees than cores: cores must share trees and steal (design 1). */
static void case_small_memory(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 8, 3ull * LLFREE_TREE_FRAMES + 5 * LLFREE_AREA_FRAMES + 11, 200000);
	run_until_empty(&ctx, 2);
	ctx.max_order = 6;
	ctx.hold_cap = ctx.own.frames / 6; /* together more than there is: MEMORY happens */
	ctx_run(&ctx, body_mix);
	ctx_check_counts(&ctx, "small memory mix");
	ctx_run(&ctx, body_put_all);
	run_until_empty(&ctx, 1);
	ctx_finish(&ctx);
}

/* All cores in one tree (design 6 "less memory than cores x tree size"). */
static void case_one_tree(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 4, LLFREE_TREE_FRAMES, 200000);
	ctx.max_order = 6;
	ctx.hold_cap = 256; /* together half the tree: every get must succeed */
	ctx_run(&ctx, body_mix);
	ctx_check_counts(&ctx, "one tree mix");
	ctx_run(&ctx, body_put_all);
	run_until_empty(&ctx, 1);
	ctx_finish(&ctx);
}

static void case_drain(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 6, odd_frames(12), 300000);
	ctx.drain = true;
	ctx.max_order = 8;
	ctx_run(&ctx, body_mix);
	ctx_check_counts(&ctx, "after drain mix");
	ctx_run(&ctx, body_put_all);
	run_until_empty(&ctx, 1);
	ctx_finish(&ctx);
}

static void case_all_kinds(uint64_t seed)
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

static void case_get_at_race(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 4, odd_frames(4), 3000);
	ctx_run(&ctx, body_get_at_race);
	ctx_finish(&ctx);
}

static void case_double_free_race(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 4, odd_frames(4), 3000);
	ctx_run(&ctx, body_double_free_race);
	ctx_finish(&ctx);
}

static void case_split_race(uint64_t seed)
{
	ctx_t ctx;
	ctx_setup(&ctx, seed, 8, odd_frames(2), 30000);
	ctx_run(&ctx, body_split_race);
	ctx_finish(&ctx);
}

static const struct stress_case {
	const char *name;
	void (*run)(uint64_t seed);
} cases[] = {
	{"until_empty", case_until_empty},
	{"mix", case_mix},
	{"orders", case_orders},
	{"huge", case_huge},
	{"producer_consumer", case_producer_consumer},
	{"cross_free", case_cross_free},
	{"persistent", case_persistent},
	{"small_memory", case_small_memory},
	{"one_tree", case_one_tree},
	{"drain", case_drain},
	{"all_kinds", case_all_kinds},
	{"get_at_race", case_get_at_race},
	{"double_free_race", case_double_free_race},
	{"split_race", case_split_race},
	{"one_tree_frag", case_one_tree_frag},
};

static uint64_t name_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	while (*s)
		h = (h ^ (uint8_t)*s++) * 0x100000001b3ull;
	return h;
}

int main(int argc, char **argv)
{
	uint64_t seed = stress_seed_from_env("LLFREE_STRESS_SEED");
	stress_report_aborts();
	scale_pct = stress_long_from_env("LLFREE_STRESS_SCALE", 100);
	case_ms = (uint64_t)stress_long_from_env("LLFREE_STRESS_MS", 2500);
	const char *inj = getenv("LLFREE_STRESS_INJECT");
	if (inj && strcmp(inj, "double") == 0)
		inject = INJECT_DOUBLE;
	else if (inj && strcmp(inj, "overwrite") == 0)
		inject = INJECT_OVERWRITE;
	unsigned ran = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool wanted = argc <= 1;
		for (int a = 1; a < argc; a++)
			wanted |= strcmp(argv[a], cases[i].name) == 0;
		if (!wanted)
			continue;
		uint64_t start = stress_now_ms();
		stress_set_case(cases[i].name, seed);
		printf("stress %-18s seed=0x%016" PRIx64 " ... ", cases[i].name, seed);
		fflush(stdout);
		atomic_store(&case_ops, 0);
		atomic_store(&case_spurious, 0);
		cases[i].run(seed ^ name_hash(cases[i].name));
		printf("ok (%" PRIu64 " ops, %" PRIu64 " ms", atomic_load(&case_ops),
		       stress_now_ms() - start);
		if (atomic_load(&case_spurious))
			printf(", %" PRIu64 " spurious MEMORY retried", atomic_load(&case_spurious));
		printf(")\n");
		ran++;
	}
	if (ran == 0) {
		fprintf(stderr, "no case matched; cases:");
		for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			fprintf(stderr, " %s", cases[i].name);
		fprintf(stderr, "\n");
		return 2;
	}
	printf("stress: %u cases passed\n", ran);
	return 0;
}

#ifdef LLFREE_TEST_HOOKS
/*
 * Called by the library (test builds only, llfree/src/hooks.h). In the
 * windows where a count is in neither a tree entry nor a reservation: yield,
 * as a descheduled vCPU would, so that the other threads (all on one CPU)
 * run their bounded retries meanwhile. Every other point passes.
 */
void llfree_test_hook(enum llfree_hook where, uint64_t arg)
{
	static _Atomic long only = -1; /* every thread may read the variable first */
	(void)arg;
	if (where > LLFREE_HOOK_TRANSIT_SYNC)
		return;
	long window = atomic_load_explicit(&only, memory_order_relaxed);
	if (window == -1) {
		window = stress_long_from_env("LLFREE_STRESS_TRANSIT", 0);
		atomic_store_explicit(&only, window, memory_order_relaxed);
	}
	if (window == 0 || window == (long)where)
		sched_yield();
}
#endif
