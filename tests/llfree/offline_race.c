/*
 * offline_race: trees go offline and online while four threads get (every
 * order and kind, and get_at) and put. A get that starts after
 * llfree_offline returned, and ends before llfree_online is called for the
 * same tree, must not hand out a frame of it; get_at of such a frame says
 * LLFREE_ERR_OFFLINE. Every count-in-transit window yields (the reserve that
 * swaps a tree in after the offline scan is the one to catch).
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

#define WORKERS 4
#define TREES 8

static struct {
	stress_alloc_t alloc;
	stress_owner_t own;
	/* Per tree: odd while offline (set after llfree_offline returned, until llfree_online). */
	_Atomic uint64_t period[TREES];
	_Atomic bool stop;
	uint64_t seed;
	_Atomic uint64_t refused_offline, got;
} race;

typedef struct {
	unsigned id;
	stress_rng_t rng;
	stress_held_t held;
} worker_t;

/* Was tree t offline for the whole time from `before` to now? */
static bool offline_throughout(size_t t, const uint64_t before[TREES])
{
	return (before[t] & 1) && atomic_load(&race.period[t]) == before[t];
}

static void worker_get(worker_t *w)
{
	uint64_t before[TREES];
	for (size_t t = 0; t < TREES; t++)
		before[t] = atomic_load(&race.period[t]);
	unsigned order = (unsigned)stress_rng_below(&w->rng, LLFREE_HUGE_ORDER + 2);
	llfree_kind_t kind = (llfree_kind_t)stress_rng_below(&w->rng, LLFREE_KINDS);
	stress_block_t blk;
	llfree_result_t res;
	if (stress_rng_below(&w->rng, 8) == 0) {
		uint64_t frame = stress_rng_below(&w->rng, race.own.frames >> order) << order;
		res = llfree_get_at(&race.alloc.llfree, w->id, frame, order, kind);
		size_t t = (size_t)(frame / LLFREE_TREE_FRAMES);
		if (res == LLFREE_ERR_OFFLINE) {
			atomic_fetch_add(&race.refused_offline, 1);
			return;
		}
		if (res != LLFREE_OK)
			return;
		STRESS_CHECK(!offline_throughout(t, before),
			     "get_at handed out frame %" PRIu64 " of offline tree %zu", frame, t);
		blk = (stress_block_t){.frame = frame, .sig = stress_rng_next(&w->rng) | 1u,
				       .order = (uint8_t)order, .kind = (uint8_t)kind};
		stress_owner_claim(&race.own, w->id, &blk);
	} else {
		res = stress_get(&race.alloc, &race.own, w->id, w->id, order, kind, &w->rng, &blk);
		if (res == LLFREE_ERR_MEMORY)
			return;
		STRESS_EXPECT_RES(res, LLFREE_OK, "offline race get");
		size_t t = (size_t)(blk.frame / LLFREE_TREE_FRAMES);
		STRESS_CHECK(!offline_throughout(t, before),
			     "get of order %u handed out frame %" PRIu64 " of offline tree %zu",
			     order, blk.frame, t);
	}
	atomic_fetch_add(&race.got, 1);
	stress_held_push(&w->held, blk);
}

static void *worker_main(void *arg)
{
	worker_t *w = arg;
	while (!atomic_load(&race.stop)) {
		/* Hold about a tree each; free at random. */
		if (w->held.len && stress_rng_below(&w->rng, 2 * LLFREE_TREE_FRAMES) < w->held.frames) {
			stress_block_t blk = stress_held_take(
				&w->held, (size_t)stress_rng_below(&w->rng, w->held.len));
			stress_put(&race.alloc, &race.own, w->id, w->id, &blk);
		} else {
			worker_get(w);
		}
	}
	while (w->held.len) {
		stress_block_t blk = stress_held_take(&w->held, w->held.len - 1);
		stress_put(&race.alloc, &race.own, w->id, w->id, &blk);
	}
	stress_held_free(&w->held);
	return NULL;
}

/* Offline a random tree, let the workers run, check it, online it again. */
static void admin(uint64_t deadline)
{
	stress_rng_t rng = stress_rng_for(race.seed, 100);
	llfree_t *self = &race.alloc.llfree;
	for (unsigned n = 0; stress_now_ms() < deadline; n++) {
		size_t t = (size_t)stress_rng_below(&rng, TREES);
		size_t count = 1 + (size_t)stress_rng_below(&rng, 2);
		if (t + count > TREES)
			count = TREES - t;
		STRESS_EXPECT_RES(llfree_offline(self, t, count), LLFREE_OK, "offline");
		for (size_t i = t; i < t + count; i++)
			atomic_fetch_add(&race.period[i], 1);
		for (unsigned y = 0; y < 50; y++)
			sched_yield();
		for (size_t i = t; i < t + count; i++) {
			llfree_tree_info_t info;
			STRESS_EXPECT_RES(llfree_tree_info(self, i, &info), LLFREE_OK, "tree info");
			STRESS_CHECK(info.offline, "tree %zu not offline", i);
			atomic_fetch_add(&race.period[i], 1);
		}
		STRESS_EXPECT_RES(llfree_online(self, t, count), LLFREE_OK, "online");
		if (n % 16 == 0)
			STRESS_EXPECT_RES(llfree_drain_all(self), LLFREE_OK, "drain all");
	}
}

void case_offline_race(uint64_t seed)
{
	uint64_t frames = (uint64_t)TREES * LLFREE_TREE_FRAMES;
	memset(&race, 0, sizeof(race));
	race.seed = seed;
	stress_alloc_init(&race.alloc, WORKERS, frames, false);
	stress_owner_init(&race.own, frames);
	atomic_store(&progress_transit_yield, true);
	pthread_t tid[WORKERS];
	worker_t w[WORKERS];
	for (unsigned i = 0; i < WORKERS; i++) {
		w[i] = (worker_t){.id = i, .rng = stress_rng_for(seed, i)};
		STRESS_CHECK(pthread_create(&tid[i], NULL, worker_main, &w[i]) == 0, "pthread_create");
	}
	admin(stress_now_ms() + progress_ms);
	atomic_store(&race.stop, true);
	for (unsigned i = 0; i < WORKERS; i++)
		pthread_join(tid[i], NULL);
	atomic_store(&progress_transit_yield, false);
	printf("  %" PRIu64 " gets, %" PRIu64 " get_at refused as offline\n", atomic_load(&race.got),
	       atomic_load(&race.refused_offline));
	STRESS_CHECK(stress_owner_held(&race.own) == 0, "frames still held");
	stress_alloc_check_all_free(&race.alloc);
	stress_owner_free(&race.own);
	stress_alloc_free(&race.alloc);
}
