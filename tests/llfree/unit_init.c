/*
 * LLFree unit tests, init: odd sizes, metadata budget with exact buffers,
 * FREE/ALLOC/RECOVER modes, deep and shallow recovery, bad init input (design 3, 6).
 */
#include <criterion/criterion.h>

#include "area.h"
#include "bitfield.h"
#include "llfree_platform.h" /* llfree_host_log_prefix */
#include "lower.h"
#include "unit_helpers.h"

/*
 * The library logs only where it refuses input, finds corruption or is asked
 * for a dump, and the unit tests provoke exactly those on purpose (their
 * assertions decide the result): mark its lines as expected, in every
 * test process (Criterion forks them after this runs).
 */
__attribute__((constructor)) static void mark_library_log_expected(void)
{
	llfree_host_log_prefix("llfree-unit, expected: ");
}

static const uint64_t ODD_SIZES[] = { 1023, 1024, 632, 685161, 1, 511, 513 };

Test(init, odd_sizes_hand_out_every_frame_once)
{
	for (size_t i = 0; i < sizeof(ODD_SIZES) / sizeof(ODD_SIZES[0]); i++) {
		uint64_t frames = ODD_SIZES[i];
		ut_t u;
		ut_owned_t owned;
		ut_init(&u, 2, frames);
		ut_owned_init(&owned, frames);
		cr_assert_eq(llfree_frames(&u.ll), frames);
		cr_assert_eq(llfree_cores(&u.ll), 2);
		cr_assert_eq(llfree_free_huge(&u.ll), frames / LLFREE_AREA_FRAMES);
		cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
		/* ut_own fails on any frame past the end (mistake 10) or handed out twice. */
		uint64_t got = ut_exhaust(&u, i % 2, 0, LLFREE_KIND_MOVABLE, &owned);
		cr_assert_eq(got, frames, "%llu frames: got %llu", (unsigned long long)frames,
			     (unsigned long long)got);
		cr_assert_eq(llfree_free_frames(&u.ll), 0);
		cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
		for (uint64_t f = 0; f < frames; f++)
			cr_assert_eq(llfree_put(&u.ll, f % 2, f, 0, LLFREE_KIND_MOVABLE), LLFREE_OK);
		cr_assert_eq(llfree_free_frames(&u.ll), frames);
		cr_assert_eq(llfree_free_huge(&u.ll), frames / LLFREE_AREA_FRAMES);
		ut_owned_free(&owned);
		ut_fini(&u);
	}
}

Test(init, metadata_budget)
{
	const uint64_t gib = (1ull << 30) / LLFREE_FRAME_SIZE;
	for (uint64_t frames = gib; frames <= 1024 * gib; frames *= 2) {
		llfree_meta_size_t one = llfree_metadata_size(1, frames);
		llfree_meta_size_t many = llfree_metadata_size(64, frames);
		uint64_t per_core = (many.upper - one.upper) / 63;
		cr_assert_eq(per_core, LLFREE_KINDS * 64, "64 bytes per core and kind");
		uint64_t shared = one.lower + one.upper - per_core;
		uint64_t gibs = frames / gib;
		/* Design 1: <= 40 KiB per GiB; trees of 4 areas pay more for line-padded entries. */
		uint64_t budget = LLFREE_AREAS_PER_TREE_SHIFT >= 3 ? 40 * 1024 : 48 * 1024;
		cr_assert_leq(shared, gibs * budget, "%llu bytes for %llu GiB",
			      (unsigned long long)shared, (unsigned long long)gibs);
		/* At least the bitfields themselves: one bit per frame. */
		cr_assert_geq(one.lower, frames / 8);
		cr_assert_eq(one.lower % LLFREE_ALIGN, 0);
		cr_assert_eq(one.upper % LLFREE_ALIGN, 0);
	}
	llfree_meta_size_t none = llfree_metadata_size(0, 1000);
	cr_assert_eq(none.upper + none.lower, 0);
	none = llfree_metadata_size(1, 0);
	cr_assert_eq(none.upper + none.lower, 0);
	none = llfree_metadata_size(1, LLFREE_MAX_FRAMES + 1);
	cr_assert_eq(none.upper + none.lower, 0);
	none = llfree_metadata_size(LLFREE_MAX_CORES + 1, 1000);
	cr_assert_eq(none.upper + none.lower, 0);
	none = llfree_metadata_size(LLFREE_MAX_CORES, LLFREE_MAX_FRAMES);
	cr_assert_gt(none.lower, LLFREE_MAX_FRAMES / 8, "no overflow at the limits");
}

Test(init, exact_buffers_at_every_tail)
{
	/* Partial last tree and area at many sizes: all work in buffers of exactly the size. */
	uint64_t sizes[] = { 2, 64, 4095, 4096, 4097, 3 * LLFREE_TREE_FRAMES - 1,
			     LLFREE_TREE_FRAMES * 5 + 700 };
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		for (size_t cores = 1; cores <= 5; cores += 4) {
			ut_t u;
			ut_init(&u, cores, sizes[i]);
			uint64_t frame;
			/* Touch the last tree, last area and last reservation. */
			cr_assert_eq(llfree_get_at(&u.ll, cores - 1, sizes[i] - 1, 0,
						   LLFREE_KIND_HUGE),
				     LLFREE_OK);
			cr_assert_eq(llfree_get(&u.ll, cores - 1, 0, LLFREE_KIND_HUGE, &frame),
				     LLFREE_OK);
			cr_assert_eq(ut_exhaust(&u, cores - 1, 0, LLFREE_KIND_MOVABLE, NULL),
				     sizes[i] - 2);
			cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
			ut_fini(&u);
		}
	}
}

Test(init, alloc_mode_then_free_everything)
{
	uint64_t frames = 3 * LLFREE_TREE_FRAMES + 700; /* one partial area at the end */
	ut_t u;
	ut_setup(&u, 2, frames);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_ALLOC), LLFREE_OK);
	cr_assert_eq(llfree_free_frames(&u.ll), 0);
	cr_assert_eq(llfree_free_huge(&u.ll), 0);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_ERR_MEMORY);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	uint64_t full = frames / LLFREE_AREA_FRAMES * LLFREE_AREA_FRAMES;
	/* Whole areas as huge frames; the first area frame by frame (splits it). */
	for (uint64_t f = LLFREE_AREA_FRAMES; f < full; f += LLFREE_AREA_FRAMES)
		cr_assert_eq(llfree_put(&u.ll, 1, f, LLFREE_HUGE_ORDER, LLFREE_KIND_HUGE),
			     LLFREE_OK);
	for (uint64_t f = 0; f < LLFREE_AREA_FRAMES; f++)
		cr_assert_eq(llfree_put(&u.ll, 0, f, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	for (uint64_t f = full; f < frames; f++)
		cr_assert_eq(llfree_put(&u.ll, 0, f, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	cr_assert_eq(llfree_free_frames(&u.ll), frames);
	cr_assert_eq(llfree_free_huge(&u.ll), frames / LLFREE_AREA_FRAMES);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	/* And all of it allocates again. */
	cr_assert_eq(ut_exhaust(&u, 0, 0, LLFREE_KIND_IMMOVABLE, NULL), frames);
	ut_fini(&u);
}

/* A used state to persist: small, huge and a partial tree. */
static void make_state(ut_t *u, uint64_t *small, uint64_t *huge)
{
	cr_assert_eq(llfree_get(&u->ll, 0, 0, LLFREE_KIND_IMMOVABLE, small), LLFREE_OK);
	cr_assert_eq(llfree_get(&u->ll, 0, 9, LLFREE_KIND_HUGE, huge), LLFREE_OK);
	uint64_t frame;
	for (int i = 0; i < 100; i++)
		cr_assert_eq(llfree_get(&u->ll, 1, 3, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
}

Test(init, recover_after_shutdown_is_shallow)
{
	ut_t u;
	ut_setup(&u, 2, 4 * LLFREE_TREE_FRAMES);
	u.cfg.persistent = true;
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_FREE), LLFREE_OK);
	uint64_t small, huge;
	make_state(&u, &small, &huge);
	uint64_t free = llfree_free_frames(&u.ll);
	cr_assert_eq(llfree_shutdown(&u.ll), LLFREE_OK);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_OK);
	cr_assert(!llfree_recovered_crashed(&u.ll));
	cr_assert_eq(llfree_free_frames(&u.ll), free);
	cr_assert(!llfree_is_free(&u.ll, small, 0));
	cr_assert(!llfree_is_free(&u.ll, huge, 9));
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 1, huge, 9, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 1, small, 0, LLFREE_KIND_IMMOVABLE), LLFREE_OK);
	/* Not shut down again: the next recover is deep. */
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_OK);
	cr_assert(llfree_recovered_crashed(&u.ll));
	cr_assert_eq(llfree_free_frames(&u.ll), free + 513);
	ut_fini(&u);
}

Test(init, recover_after_crash_recounts)
{
	ut_t u;
	ut_init(&u, 2, 4 * LLFREE_TREE_FRAMES);
	uint64_t small, huge;
	make_state(&u, &small, &huge);
	uint64_t free = llfree_free_frames(&u.ll);
	/* Crash states the ordering rule allows: a counter taken before its bits were set ... */
	size_t area = (size_t)(small / LLFREE_AREA_FRAMES);
	area_t seen;
	cr_assert(area_update(lower_entry(&u.ll, area), area_dec, 7, &seen));
	/* ... and garbage in a huge area's bitfield (the huge entry owns the area). */
	size_t harea = (size_t)(huge / LLFREE_AREA_FRAMES);
	atomic_store(&lower_bitfield(&u.ll, harea)->rows[0], UINT64_MAX);
	atomic_store(&lower_bitfield(&u.ll, harea)->rows[1], UINT64_MAX);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_ERR_CORRUPT);
	/* No shutdown: the crashed flag is still set. */
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_OK);
	cr_assert(llfree_recovered_crashed(&u.ll));
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	cr_assert_eq(llfree_free_frames(&u.ll), free);
	cr_assert(!llfree_is_free(&u.ll, small, 0));
	cr_assert(!llfree_is_free(&u.ll, huge, 9));
	cr_assert_eq(area_load(lower_entry(&u.ll, harea)), area_make(0, true));
	cr_assert_eq(bitfield_allocated(lower_bitfield(&u.ll, harea), 0), 0);
	cr_assert_eq(llfree_put(&u.ll, 0, huge, 9, LLFREE_KIND_HUGE), LLFREE_OK);
	ut_fini(&u);
}

/*
 * A split huge area reads its bitfield in the flipped polarity (area.h): deep
 * recovery must recount it that way, and a second split flips it back.
 */
Test(init, deep_recovery_reads_split_areas_in_their_polarity)
{
	ut_t u;
	ut_init(&u, 1, 2 * LLFREE_TREE_FRAMES);
	uint64_t huge, again;
	cr_assert_eq(llfree_get(&u.ll, 0, 9, LLFREE_KIND_HUGE, &huge), LLFREE_OK);
	size_t area = (size_t)(huge / LLFREE_AREA_FRAMES);
	for (uint64_t f = huge + 100; f < huge + 300; f++)
		cr_assert_eq(llfree_put(&u.ll, 0, f, 0, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert(area_inverted(area_load(lower_entry(&u.ll, area))));
	uint64_t free = llfree_free_frames(&u.ll);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_OK);
	cr_assert(llfree_recovered_crashed(&u.ll));
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	cr_assert_eq(llfree_free_frames(&u.ll), free);
	cr_assert(!llfree_is_free(&u.ll, huge + 99, 0) && llfree_is_free(&u.ll, huge + 100, 0));
	cr_assert(llfree_is_free(&u.ll, huge + 299, 0) && !llfree_is_free(&u.ll, huge + 300, 0));
	/* The rest freed, the area is huge again (inverted) and splits back to polarity 0. */
	for (uint64_t f = huge; f < huge + LLFREE_AREA_FRAMES; f++)
		if (f < huge + 100 || f >= huge + 300)
			cr_assert_eq(llfree_put(&u.ll, 0, f, 0, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_get_at(&u.ll, 0, huge, 9, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, huge + 5, 0, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert(!area_inverted(area_load(lower_entry(&u.ll, area))));
	cr_assert(llfree_is_free(&u.ll, huge + 5, 0) && !llfree_is_free(&u.ll, huge + 4, 0));
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_HUGE, &again), LLFREE_OK);
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_OK);
	ut_fini(&u);
}

Test(init, recover_with_wrong_magic_or_size_changes_nothing)
{
	uint64_t frames = 4 * LLFREE_TREE_FRAMES;
	uint64_t wrong[] = { frames - 1, frames - 4096, 3 * LLFREE_TREE_FRAMES, 1 };
	ut_t u;
	ut_init(&u, 2, frames);
	uint64_t small, huge;
	make_state(&u, &small, &huge);
	ut_snapshot_t snap;
	ut_snap(&u, &snap);
	/* Another frame count, with buffers still large enough for it. */
	for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
		u.cfg.frames = wrong[i];
		cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_ERR_SIZE);
		ut_same(&u, &snap, "recover with another frame count");
	}
	u.cfg.frames = frames;
	/* A wrong magic: never a silent wipe (mistake 8). */
	struct llfree_meta *meta = (struct llfree_meta *)u.lower;
	meta->magic ^= 1;
	ut_snap_free(&snap);
	ut_snap(&u, &snap);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_ERR_MAGIC);
	ut_same(&u, &snap, "recover with a wrong magic");
	meta->magic ^= 1;
	ut_snap_free(&snap);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_OK);
	cr_assert(!llfree_is_free(&u.ll, huge, 9));
	cr_assert(!llfree_is_free(&u.ll, small, 0));
	ut_fini(&u);
}

Test(init, recover_of_a_blank_buffer_is_refused)
{
	ut_t u;
	ut_setup(&u, 1, 5000);
	memset(u.lower, 0, u.size.lower);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_ERR_MAGIC);
	for (size_t i = 0; i < u.size.lower; i++)
		cr_assert_eq(u.lower[i], 0);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_FREE), LLFREE_OK);
	ut_fini(&u);
}

Test(init, bad_arguments_and_buffers)
{
	ut_t u;
	ut_init(&u, 2, 10000);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 0, LLFREE_KIND_IMMOVABLE, &frame), LLFREE_OK);
	ut_snapshot_t snap;
	ut_snap(&u, &snap);
	llfree_config_t good = u.cfg;
	llfree_t other;

	cr_assert_eq(llfree_init(&other, NULL), LLFREE_ERR_ARG);
	cr_assert_eq(llfree_init(NULL, &good), LLFREE_ERR_ARG);
	llfree_config_t bad = good;
	bad.cores = 0;
	cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_INIT);
	bad = good;
	bad.frames = 0;
	cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_INIT);
	bad = good;
	bad.frames = LLFREE_MAX_FRAMES + 1;
	cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_INIT);
	bad = good;
	bad.cores = LLFREE_MAX_CORES + 1;
	cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_INIT);
	bad = good;
	bad.mode = (llfree_init_mode_t)3;
	cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_INIT);

	for (int mode = LLFREE_INIT_FREE; mode <= LLFREE_INIT_RECOVER; mode++) {
		good.mode = (llfree_init_mode_t)mode;
		bad = good;
		bad.upper = NULL;
		cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_BUFFER);
		bad = good;
		bad.lower = NULL;
		cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_BUFFER);
		bad = good;
		bad.upper_size--;
		cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_BUFFER);
		bad = good;
		bad.lower_size--;
		cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_BUFFER);
		bad = good;
		bad.upper = u.upper + 8;
		cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_BUFFER);
		bad = good;
		bad.lower = u.lower + 32;
		cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_BUFFER);
		/* More cores than the upper buffer was sized for. */
		bad = good;
		bad.cores = 3;
		cr_assert_eq(llfree_init(&other, &bad), LLFREE_ERR_BUFFER);
		ut_same(&u, &snap, "a refused init");
	}
	ut_snap_free(&snap);
	ut_fini(&u);
}

Test(init, persistent_mode_works_on_the_host)
{
	ut_t u;
	ut_setup(&u, 1, 2 * LLFREE_TREE_FRAMES);
	u.cfg.persistent = true;
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_ALLOC), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, 0, 9, LLFREE_KIND_HUGE), LLFREE_OK);
	cr_assert_eq(llfree_put(&u.ll, 0, 512, 0, LLFREE_KIND_HUGE), LLFREE_OK);
	uint64_t frame;
	cr_assert_eq(llfree_get(&u.ll, 0, 7, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK);
	cr_assert_eq(llfree_get(&u.ll, 0, 10, LLFREE_KIND_MOVABLE, &frame), LLFREE_ERR_MEMORY);
	cr_assert_eq(llfree_get_at(&u.ll, 0, 513, 0, LLFREE_KIND_MOVABLE), LLFREE_ERR_IN_USE);
	ut_fini(&u);
}

Test(init, deep_recovery_keeps_the_tail_allocated)
{
	uint64_t frames = 2 * LLFREE_TREE_FRAMES + 700; /* last area holds 188 frames */
	ut_t u;
	ut_init(&u, 1, frames);
	size_t last = (size_t)(frames / LLFREE_AREA_FRAMES);
	bitfield_t *bf = lower_bitfield(&u.ll, last);
	/* Damage: tail bits cleared, a padding area looking free, a partial area marked huge. */
	atomic_store(&bf->rows[7], 0);
	atomic_store(&lower_bitfield(&u.ll, last + 1)->rows[0], 0);
	atomic_store(lower_entry(&u.ll, last), area_make(0, true));
	cr_assert_eq(llfree_validate(&u.ll), LLFREE_ERR_CORRUPT);
	cr_assert_eq(ut_init_mode(&u, LLFREE_INIT_RECOVER), LLFREE_OK);
	cr_assert(llfree_recovered_crashed(&u.ll));
	cr_assert_eq(llfree_free_frames(&u.ll), frames);
	cr_assert_eq(ut_exhaust(&u, 0, 0, LLFREE_KIND_MOVABLE, NULL), frames);
	ut_fini(&u);
}
