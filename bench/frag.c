/*
 * frag (shared/design/benchmarks.md, "Definitions"): fill memory with 4 KiB
 * frames, free a random half, then for R rounds each core frees and
 * re-allocates FRAG_PERCENT % of its frames at random. After every round,
 * core 0 (all others waiting) counts free frames, entirely free 2 MiB areas
 * and the page moves compaction would need.
 */
#include "run.h"

#define FRAG_PERCENT 10

/* All cores allocate order-0 frames until the allocator reports out of memory. */
static void frag_fill(struct run *r, unsigned core)
{
	uint64_t frames = r->alloc->frames;
	for (;;) {
		uint64_t frame;
		int err = balloc_get(r->alloc, core, 0, &frame);
		if (err) {
			if (!balloc_oom(r->alloc, err))
				run_fail(&r->stats[core], OP_GET, err);
			return;
		}
		uint64_t i = atomic_fetch_add_explicit(&r->filled, 1, memory_order_relaxed);
		if (i >= frames) { /* more frames than it manages: report, do not overrun */
			run_fail(&r->stats[core], OP_OVERFLOW, 0);
			return;
		}
		r->slots[i] = frame;
	}
}

/* Core 0, all others waiting: counts, entirely free areas and compaction moves. */
void frag_measure(struct run *r, struct frag_round *out)
{
	uint64_t frames = r->alloc->frames;
	uint64_t areas = (frames + LLFREE_AREA_FRAMES - 1) / LLFREE_AREA_FRAMES;
	uint64_t allocated = 0;

	for (uint64_t i = 0; i < areas; i++)
		r->area_count[i] = 0;
	for (unsigned c = 0; c < r->cores; c++) {
		const struct core_stat *st = &r->stats[c];
		for (uint64_t i = st->lo; i < st->lo + st->live; i++) {
			if (r->slots[i] != NO_FRAME && r->slots[i] < frames) {
				r->area_count[r->slots[i] / LLFREE_AREA_FRAMES]++;
				allocated++;
			}
		}
	}
	for (unsigned n = 0; n <= LLFREE_AREA_FRAMES; n++)
		r->histogram[n] = 0;
	uint64_t free_areas = 0;
	for (uint64_t i = 0; i < areas; i++) {
		r->histogram[r->area_count[i]]++;
		bool whole = (i + 1) * LLFREE_AREA_FRAMES <= frames;
		free_areas += whole && r->area_count[i] == 0;
	}
	/* Keep the ceil(A/512) fullest areas; everything outside them must move. */
	uint64_t keep = (allocated + LLFREE_AREA_FRAMES - 1) / LLFREE_AREA_FRAMES, kept = 0;
	for (unsigned n = LLFREE_AREA_FRAMES; n > 0 && keep > 0; n--) {
		uint64_t take = r->histogram[n] < keep ? r->histogram[n] : keep;
		kept += take * n;
		keep -= take;
	}
	out->allocated = allocated;
	out->free_frames = balloc_free_frames(r->alloc);
	out->free_huge = balloc_free_huge(r->alloc);
	out->free_areas = free_areas;
	out->moves = allocated - kept;
}

/* One round: free FRAG_PERCENT % of this core's frames at random, then re-allocate as many. */
static void frag_round(struct run *r, unsigned core)
{
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + st->lo;
	uint64_t k = st->live * FRAG_PERCENT / 100;

	for (uint64_t i = 0; i < k; i++) /* partial Fisher-Yates: k random frames to the front */
		swap(mine, i, i + rand_below(&st->seed, st->live - i));
	uint64_t t0 = r->env->ticks();
	st->put_ops = run_put_all(r, core, mine, k);
	uint64_t t1 = r->env->ticks();
	st->get_ops = run_get_all(r, core, mine, st->put_ops);
	uint64_t t2 = r->env->ticks();
	st->put_ticks = t1 - t0;
	st->get_ticks = t2 - t1;
}

void frag_core(unsigned core, void *arg)
{
	struct run *r = arg;
	struct core_stat *st = &r->stats[core];

	run_barrier(r, core);
	frag_fill(r, core);
	run_barrier(r, core);
	if (core == 0) {
		uint64_t seed = SHUFFLE_SEED;
		shuffle(r->slots, atomic_load(&r->filled), &seed);
	}
	run_barrier(r, core);
	/* Chunks of the shuffled array; each core frees the second half of its own. */
	uint64_t n = atomic_load(&r->filled);
	if (n > r->alloc->frames)
		n = r->alloc->frames;
	st->lo = n * core / r->cores;
	uint64_t len = n * (core + 1) / r->cores - st->lo;
	st->live = len - len / 2;
	run_put_all(r, core, r->slots + st->lo + st->live, len / 2);
	st->seed = SHUFFLE_SEED + 1 + core;
	st->get_ops = st->put_ops = 0;
	run_barrier(r, core);
	for (unsigned round = 0; round <= r->rounds; round++) {
		if (round > 0)
			frag_round(r, core);
		run_barrier(r, core);
		if (core == 0) {
			struct frag_round *out = &r->round[round];
			frag_measure(r, out);
			run_summarize(r, out->get, out->put);
			out->allocs = 0;
			for (unsigned c = 0; c < r->cores; c++)
				out->allocs += r->stats[c].get_ops;
		}
		run_barrier(r, core);
	}
	run_put_all(r, core, r->slots + st->lo, st->live);
}

bool frag_check(struct run *r)
{
	for (unsigned i = 0; i <= r->rounds; i++) {
		const struct frag_round *fr = &r->round[i];
		if (fr->allocated + fr->free_frames != r->alloc->frames) {
			run_print(r->env, "ERROR", r,
				      "free frames + allocated frames != managed frames");
			return false;
		}
	}
	return true;
}
