/*
 * Stress cases where every thread races on one block (stress.h): get_at of
 * the same block (one winner), put of the same block (one success, the
 * others DOUBLE_FREE) and 4 KiB frees that split one huge area together.
 */
#include "stress.h"

#include <inttypes.h>

typedef struct race {
	uint64_t frame;
	unsigned order;
	_Atomic unsigned ok;
	_Atomic unsigned refused;
	bool stop; /* set by thread 0 before a round, read by all after the barrier */
} race_t;

static race_t race;

/* Thread 0, before the barrier: the round's block, fresh counts, and whether time is up. */
static void race_start(ctx_t *ctx, uint64_t frame, unsigned order)
{
	race.frame = frame;
	race.order = order;
	race.stop = stress_now_ms() >= ctx->deadline;
	atomic_store(&race.ok, 0);
	atomic_store(&race.refused, 0);
}

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
			race_start(ctx, frame, order);
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
			race_start(ctx, frame, order);
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
			race_start(ctx, frame, LLFREE_HUGE_ORDER);
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

void case_get_at_race(uint64_t seed)
{
	ctx_run_case(seed, 4, odd_frames(4), 3000, body_get_at_race);
}

void case_double_free_race(uint64_t seed)
{
	ctx_run_case(seed, 4, odd_frames(4), 3000, body_double_free_race);
}

void case_split_race(uint64_t seed)
{
	ctx_run_case(seed, 8, odd_frames(2), 30000, body_split_race);
}
