/*
 * frag (shared/design/benchmarks.md, "Definitions", as the paper's artifact
 * runs it): every core fills its share of 90 % of memory with 4 KiB frames
 * (movable), core 0 shuffles all of them, every core frees the second half
 * of its chunk. Then for R rounds every core frees 10 % of what it holds at
 * random, and after a barrier allocates as many back. After every round,
 * core 0 (all others waiting) counts free frames, entirely free 2 MiB areas
 * and the page moves compaction would need. After the last round, core 0
 * allocates 2 MiB frames until the allocator has none: as many as it
 * reported entirely free areas.
 */
#include "run.h"

#include "fmt.h"

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
	out->huge_got = 0;
}

/* One round: free FRAG_CHURN_PERCENT % of this core's frames at random; barrier; as many back. */
static void frag_round(struct run *r, unsigned core)
{
	struct core_stat *st = &r->stats[core];
	uint64_t *mine = r->slots + st->lo;
	uint64_t k = st->live * FRAG_CHURN_PERCENT / 100;

	for (uint64_t i = 0; i < k; i++) /* partial Fisher-Yates: k random frames to the front */
		swap(mine, i, i + rand_below(&st->seed, st->live - i));
	st->put_ops = run_put_timed(r, core, mine, k, &st->put_ticks);
	run_barrier(r, core);
	st->get_ops = run_get_timed(r, core, mine, st->put_ops, &st->get_ticks);
}

/*
 * Core 0 after the last round: 2 MiB frames until the allocator reports
 * none, into the slots behind every core's chunk (at least 10 % of the
 * frames, more than there are areas); then all of them back.
 */
static uint64_t frag_huge_until_empty(struct run *r, uint64_t first_slot)
{
	uint64_t *huge = r->slots + first_slot;
	uint64_t room = r->alloc->frames - first_slot, got = 0;
	for (;;) {
		uint64_t frame;
		int err = balloc_get(r->alloc, 0, LLFREE_HUGE_ORDER, &frame);
		if (err) {
			if (!balloc_oom(r->alloc, err))
				run_fail(&r->stats[0], OP_GET, err);
			break;
		}
		if (got == room) { /* more 2 MiB frames than areas: report, do not overrun */
			run_fail(&r->stats[0], OP_OVERFLOW, 0);
			balloc_put(r->alloc, 0, frame, LLFREE_HUGE_ORDER);
			break;
		}
		huge[got++] = frame;
	}
	for (uint64_t i = got; i-- > 0;) {
		int err = balloc_put(r->alloc, 0, huge[i], LLFREE_HUGE_ORDER);
		if (err)
			run_fail(&r->stats[0], OP_PUT, err);
	}
	return got;
}

/* Setup: fill, shuffle, free the second half of each chunk; st->lo/live describe what is kept. */
static void frag_setup(struct run *r, unsigned core, uint64_t chunk)
{
	struct core_stat *st = &r->stats[core];
	st->lo = chunk * core;
	run_barrier(r, core);
	run_get_all(r, core, r->slots + st->lo, chunk);
	run_barrier(r, core);
	if (core == 0) {
		uint64_t seed = SHUFFLE_SEED;
		shuffle(r->slots, chunk * r->cores, &seed);
	}
	run_barrier(r, core);
	st->live = chunk - chunk / 2;
	run_put_all(r, core, r->slots + st->lo + st->live, chunk / 2);
	st->seed = SHUFFLE_SEED + 1 + core;
	st->get_ops = st->put_ops = 0;
	run_barrier(r, core);
}

void frag_core(unsigned core, void *arg)
{
	struct run *r = arg;
	struct core_stat *st = &r->stats[core];
	uint64_t chunk = frag_chunk(r->alloc->frames, r->cores);

	frag_setup(r, core, chunk);
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
	if (core == 0)
		r->round[r->rounds].huge_got =
			balloc_supports(r->alloc->kind, LLFREE_HUGE_ORDER)
				? frag_huge_until_empty(r, chunk * r->cores)
				: FRAG_HUGE_UNTRIED;
	run_barrier(r, core);
	run_put_all(r, core, r->slots + st->lo, st->live);
}

uint64_t frag_chunk(uint64_t frames, unsigned cores)
{
	/* floor(0.9 * frames / T) without overflow for any frame count */
	uint64_t fill = frames / 100 * FRAG_FILL_PERCENT + frames % 100 * FRAG_FILL_PERCENT / 100;
	return fill / cores;
}

/* ERROR msg="<what> <a> != <other> <b> (round N)" */
static void frag_mismatch(struct run *r, const char *what, uint64_t a, const char *other,
			  uint64_t b, unsigned round)
{
	char msg[192];
	struct fmt f;
	fmt_init(&f, msg, sizeof(msg));
	fmt_str(&f, what);
	fmt_char(&f, ' ');
	fmt_u64(&f, a);
	fmt_str(&f, " != ");
	fmt_str(&f, other);
	fmt_char(&f, ' ');
	fmt_u64(&f, b);
	fmt_str(&f, " (round ");
	fmt_u64(&f, round);
	fmt_char(&f, ')');
	run_print(r->env, "ERROR", r, msg);
}

bool frag_check(struct run *r)
{
	for (unsigned i = 0; i <= r->rounds; i++) {
		const struct frag_round *fr = &r->round[i];
		if (fr->allocated + fr->free_frames != r->alloc->frames) {
			frag_mismatch(r, "allocated + free frames", fr->allocated + fr->free_frames,
				      "managed frames", r->alloc->frames, i);
			return false;
		}
	}
	const struct frag_round *last = &r->round[r->rounds];
	if (last->huge_got != FRAG_HUGE_UNTRIED && last->huge_got != last->free_huge) {
		frag_mismatch(r, "2 MiB frames allocated after the last round", last->huge_got,
			      "entirely free 2 MiB areas H", last->free_huge, r->rounds);
		return false;
	}
	return true;
}
