/*
 * Tests of the frag benchmark's counts (bench/frag.c): free areas and moves
 * on known states for the list, buddy and LLFree allocators, and LLFree's
 * placement draining trees over many rounds.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "bench_capture.h"
#include "options.h"
#include "run.h"


/*
 * frag's counts on a known state: 4 areas holding 512, 300, 10 and 0
 * allocated frames. Keeping the ceil(822/512) = 2 fullest areas, 10 frames
 * must move; one area is entirely free.
 */
Test(frag, measure_counts_moves_and_free_areas)
{
	struct bench_env env = test_env(4 * 512);
	struct balloc alloc;
	cr_assert_null(balloc_init(&alloc, BALLOC_LIST, &env, 2, 4 * 512));
	static uint64_t slots[822];
	static uint16_t area_count[5];
	static uint64_t histogram[513];
	struct core_stat stats[2] = { { .lo = 0, .live = 512 + 150 }, { .lo = 662, .live = 160 } };
	unsigned n = 0;
	for (unsigned i = 0; i < 512; i++)
		slots[n++] = i;
	for (unsigned i = 0; i < 300; i++)
		slots[n++] = 512 + 511 - i;
	for (unsigned i = 0; i < 10; i++)
		slots[n++] = 1024 + 7 * i;
	cr_assert_eq(n, 822);
	slots[700] = NO_FRAME; /* an empty slot (failed re-allocation) is not counted... */
	slots[821] = NO_FRAME; /* ...so: 512, 299, 9, 0 */
	struct run r = { .env = &env, .alloc = &alloc, .cores = 2, .slots = slots, .stats = stats,
			 .area_count = area_count, .histogram = histogram };
	struct frag_round out;
	frag_measure(&r, &out);
	cr_assert_eq(out.allocated, 820);
	cr_assert_eq(out.moves, 9, "keep areas with 512 and 299: %lu", (unsigned long)out.moves);
	cr_assert_eq(out.free_areas, 1);
	cr_assert_eq(out.free_frames, 4 * 512, "the list allocator itself holds nothing");

	/* A third whole area is kept once A exceeds 1024: all frames stay. */
	stats[0].live = 0;
	stats[1] = (struct core_stat){ .lo = 0, .live = 512 };
	frag_measure(&r, &out);
	cr_assert_eq(out.allocated, 512);
	cr_assert_eq(out.moves, 0);
	cr_assert_eq(out.free_areas, 3);
	balloc_fini(&alloc);
	clear_output();
}

/*
 * frag's H for the buddy allocator counts its free lists only: frames in a
 * per-core cache are free, but their 2 MiB block is not whole on the lists
 * (shared/design/benchmarks.md, "frag"). The benchmark's own view (areas
 * holding none of its frames) still counts them.
 */
Test(frag, buddy_free_areas_without_its_caches)
{
	enum { AREAS = 32 }; /* enough that both caches are on (at most 1/8 of the frames each) */
	struct bench_env env = test_env(AREAS * 512);
	struct balloc alloc;
	cr_assert_null(balloc_init(&alloc, BALLOC_BUDDY, &env, 1, AREAS * 512));
	static uint64_t slots[1];
	static uint16_t area_count[AREAS + 1];
	static uint64_t histogram[513];
	struct core_stat stats[1] = { { .lo = 0, .live = 0 } };
	struct run r = { .env = &env, .alloc = &alloc, .cores = 1, .slots = slots, .stats = stats,
			 .area_count = area_count, .histogram = histogram };
	struct frag_round out;
	frag_measure(&r, &out);
	cr_assert_eq(out.free_huge, AREAS);
	cr_assert_eq(out.free_areas, AREAS);

	/* One 4 KiB frame taken and given back: its batch stays in core 0's cache. */
	uint64_t frame;
	cr_assert_eq(balloc_get(&alloc, 0, 0, &frame), 0);
	cr_assert_eq(balloc_put(&alloc, 0, frame, 0), 0);
	cr_assert_gt(buddy_cache_count(alloc.u.buddy, 0, 0), 0);
	frag_measure(&r, &out);
	cr_assert_eq(out.free_frames, AREAS * 512, "cached frames are free");
	cr_assert_eq(out.free_huge, AREAS - 1, "the cached batch broke one 2 MiB block of the lists");
	cr_assert_eq(out.free_areas, AREAS, "the benchmark holds nothing");
	cr_assert_eq(out.moves, 0);

	/* 2 MiB blocks in the order-9 cache are not on the lists either. */
	cr_assert_eq(balloc_get(&alloc, 0, LLFREE_HUGE_ORDER, &frame), 0);
	cr_assert_eq(balloc_put(&alloc, 0, frame, LLFREE_HUGE_ORDER), 0);
	uint32_t cached = buddy_cache_count(alloc.u.buddy, 0, LLFREE_HUGE_ORDER);
	cr_assert_gt(cached, 0);
	frag_measure(&r, &out);
	cr_assert_eq(out.free_huge, AREAS - 1 - cached, "cached 2 MiB blocks are not counted");
	cr_assert_eq(buddy_free_huge(alloc.u.buddy), AREAS - 1, "buddy_free_huge counts them");

	/* Drained, the lists are whole again. */
	balloc_drain(&alloc, 0);
	frag_measure(&r, &out);
	cr_assert_eq(out.free_huge, AREAS);
	balloc_fini(&alloc);
	clear_output();
}

/* LLFree's H is its entirely free areas; moves count frames outside the fullest areas. */
Test(frag, llfree_free_areas_and_moves)
{
	struct bench_env env = test_env(4 * 512);
	struct balloc alloc;
	cr_assert_null(balloc_init(&alloc, BALLOC_LLFREE, &env, 1, 4 * 512));
	static uint64_t slots[3];
	static uint16_t area_count[5];
	static uint64_t histogram[513];
	struct core_stat stats[1] = { { .lo = 0, .live = 3 } };
	struct run r = { .env = &env, .alloc = &alloc, .cores = 1, .slots = slots, .stats = stats,
			 .area_count = area_count, .histogram = histogram };
	/* Frames in areas 0, 0 and 2: A = 3, one area kept (area 0, two frames), one move. */
	static const uint64_t at[3] = { 5, 511, 1030 };
	for (unsigned i = 0; i < 3; i++) {
		cr_assert_eq(llfree_get_at(&alloc.u.llfree, 0, at[i], 0, LLFREE_KIND_MOVABLE),
			     LLFREE_OK);
		slots[i] = at[i];
	}
	struct frag_round out;
	frag_measure(&r, &out);
	cr_assert_eq(out.allocated, 3);
	cr_assert_eq(out.free_frames, 4 * 512 - 3);
	cr_assert_eq(out.free_huge, 2, "areas 1 and 3");
	cr_assert_eq(out.free_areas, 2);
	cr_assert_eq(out.moves, 1);
	for (unsigned i = 0; i < 3; i++)
		cr_assert_eq(balloc_put(&alloc, 0, at[i], 0), 0);
	balloc_fini(&alloc);
	clear_output();
}

/* The frag RESULT lines of one run as (round -> huge_share, moves). */
struct frag_line {
	uint64_t round, free_frames, free_huge, moves, allocated;
	bool seen;
};

static void frag_lines(struct frag_line *lines, unsigned rounds, const char *alloc)
{
	char want[32];
	snprintf(want, sizeof(want), "alloc=%s", alloc);
	for (unsigned i = 0; i < nout; i++) {
		const char *l = out[i];
		struct frag_line f = { .seen = true };
		if (strncmp(l, "RESULT bench=frag ", 18) != 0 || !has_word(l, want))
			continue;
		cr_assert(get_key(l, "round", &f.round) && f.round >= 1 && f.round <= rounds);
		cr_assert(get_key(l, "free_frames", &f.free_frames) &&
			  get_key(l, "free_huge", &f.free_huge) && get_key(l, "moves", &f.moves) &&
			  get_key(l, "allocated", &f.allocated));
		lines[f.round] = f;
	}
}

/*
 * The placement regression check: frag on one core, 1 GiB, fixed seeds (the
 * benchmark's), 60 rounds. LLFree refills its fullest trees, so the others
 * drain: by round 60 most free memory must be whole 2 MiB areas and
 * compaction must have little left to move (an LLFree that spreads its
 * allocations over every partly filled tree keeps H at the untouched 10 %
 * and moves at about a quarter of what it holds).
 */
#define REGRESSION_ROUNDS 60
Test(frag, placement_drains_trees, .timeout = 120)
{
	struct bench_env env = test_env(1ull << 18); /* 1 GiB */
	struct bench_opts o;
	bench_opts_default(&o);
	cr_assert_null(bench_option(&o, "bench", "frag"));
	cr_assert_null(bench_option(&o, "alloc", "llfree"));
	cr_assert_null(bench_option(&o, "cores", "1"));
	cr_assert_null(bench_option(&o, "iterations", "1"));
	cr_assert_null(bench_option(&o, "rounds", "60"));
	int rc = bench_main(&env, &o);
	if (rc)
		dump_output();
	cr_assert_eq(rc, 0);
	static struct frag_line lines[REGRESSION_ROUNDS + 1];
	memset(lines, 0, sizeof(lines));
	frag_lines(lines, REGRESSION_ROUNDS, "llfree");
	for (unsigned i = 1; i <= REGRESSION_ROUNDS; i++)
		cr_assert(lines[i].seen, "no RESULT for round %u", i);
	const struct frag_line *last = &lines[REGRESSION_ROUNDS];
	cr_assert_gt(last->free_huge * 512 * 2, last->free_frames,
		     "round %d: only %lu of %lu free frames in whole 2 MiB areas", REGRESSION_ROUNDS,
		     (unsigned long)(last->free_huge * 512), (unsigned long)last->free_frames);
	cr_assert_lt(last->moves * 20, last->allocated,
		     "round %d: %lu page moves for %lu allocated frames (5 %% at most)",
		     REGRESSION_ROUNDS, (unsigned long)last->moves, (unsigned long)last->allocated);
	/* Round 1 is still flat: the untouched 10 % of memory, no more. */
	cr_assert_lt(lines[1].free_huge * 512 * 4, lines[1].free_frames);
	clear_output();
}
