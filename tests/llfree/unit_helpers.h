/*
 * Shared helpers of the LLFree single-threaded unit tests: allocators in
 * buffers of exactly llfree_metadata_size() with guard bytes behind them,
 * byte snapshots of the state, and an ownership bitmap.
 */
#ifndef TESTS_LLFREE_UNIT_HELPERS_H
#define TESTS_LLFREE_UNIT_HELPERS_H

#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "llfree.h"

/* The tests use orders up to 10 (two huge areas) and trees of at least 4 areas. */
_Static_assert(LLFREE_AREAS_PER_TREE_SHIFT >= 2 && LLFREE_AREAS_PER_TREE_SHIFT <= 9,
	       "unit tests cover 4 to 512 areas per tree");

#define UT_GUARD 256
#define UT_GUARD_BYTE 0xa5

typedef struct ut {
	llfree_t ll;
	llfree_config_t cfg;
	llfree_meta_size_t size;
	uint8_t *upper; /* size.upper bytes, then UT_GUARD guard bytes */
	uint8_t *lower;
} ut_t;

static inline uint8_t *ut_buffer(size_t size)
{
	size_t total = (size + UT_GUARD + LLFREE_ALIGN - 1) / LLFREE_ALIGN * LLFREE_ALIGN;
	uint8_t *buf = aligned_alloc(LLFREE_ALIGN, total);
	cr_assert(buf);
	memset(buf, 0x5a, size);
	memset(buf + size, UT_GUARD_BYTE, total - size);
	return buf;
}

/* Buffers of exactly the advertised size; no init. */
static inline void ut_setup(ut_t *u, size_t cores, uint64_t frames)
{
	memset(u, 0, sizeof(*u));
	u->size = llfree_metadata_size(cores, frames);
	cr_assert(u->size.upper > 0 && u->size.lower > 0);
	u->upper = ut_buffer(u->size.upper);
	u->lower = ut_buffer(u->size.lower);
	u->cfg = (llfree_config_t){ .cores = cores,
				    .frames = frames,
				    .mode = LLFREE_INIT_FREE,
				    .upper = u->upper,
				    .upper_size = u->size.upper,
				    .lower = u->lower,
				    .lower_size = u->size.lower };
}

static inline llfree_result_t ut_init_mode(ut_t *u, llfree_init_mode_t mode)
{
	u->cfg.mode = mode;
	return llfree_init(&u->ll, &u->cfg);
}

/* Set up and init in FREE mode. */
static inline void ut_init(ut_t *u, size_t cores, uint64_t frames)
{
	ut_setup(u, cores, frames);
	cr_assert_eq(ut_init_mode(u, LLFREE_INIT_FREE), LLFREE_OK);
	cr_assert_eq(llfree_free_frames(&u->ll), frames);
}

static inline void ut_check_guards(const ut_t *u)
{
	for (size_t i = 0; i < UT_GUARD; i++) {
		cr_assert_eq(u->upper[u->size.upper + i], UT_GUARD_BYTE, "upper guard byte %zu", i);
		cr_assert_eq(u->lower[u->size.lower + i], UT_GUARD_BYTE, "lower guard byte %zu", i);
	}
}

/* Every test ends here: the state validates and nothing was written past the buffers. */
static inline void ut_fini(ut_t *u)
{
	cr_assert_eq(llfree_validate(&u->ll), LLFREE_OK);
	ut_check_guards(u);
	free(u->upper);
	free(u->lower);
}

typedef struct ut_snapshot {
	uint8_t *upper;
	uint8_t *lower;
} ut_snapshot_t;

static inline void ut_snap(const ut_t *u, ut_snapshot_t *s)
{
	s->upper = malloc(u->size.upper);
	s->lower = malloc(u->size.lower);
	cr_assert(s->upper && s->lower);
	memcpy(s->upper, u->upper, u->size.upper);
	memcpy(s->lower, u->lower, u->size.lower);
}

/* The state is byte for byte what the snapshot holds. */
static inline void ut_same(const ut_t *u, const ut_snapshot_t *s, const char *what)
{
	cr_assert(memcmp(s->upper, u->upper, u->size.upper) == 0, "%s changed the upper buffer",
		  what);
	cr_assert(memcmp(s->lower, u->lower, u->size.lower) == 0, "%s changed the lower buffer",
		  what);
}

static inline void ut_snap_free(ut_snapshot_t *s)
{
	free(s->upper);
	free(s->lower);
}

/* Ownership bitmap: marks frames handed out, fails on a frame handed out twice. */
typedef struct ut_owned {
	uint64_t *bits;
	uint64_t frames;
} ut_owned_t;

static inline void ut_owned_init(ut_owned_t *o, uint64_t frames)
{
	o->frames = frames;
	o->bits = calloc((frames + 63) / 64, sizeof(uint64_t));
	cr_assert(o->bits);
}

static inline void ut_own(ut_owned_t *o, uint64_t frame, unsigned order)
{
	cr_assert_lt(frame + (1ull << order) - 1, o->frames, "frame %llu out of range",
		     (unsigned long long)frame);
	cr_assert_eq(frame % (1ull << order), 0, "frame %llu not aligned to order %u",
		     (unsigned long long)frame, order);
	for (uint64_t f = frame; f < frame + (1ull << order); f++) {
		cr_assert(!(o->bits[f / 64] & (1ull << (f % 64))), "frame %llu handed out twice",
			  (unsigned long long)f);
		o->bits[f / 64] |= 1ull << (f % 64);
	}
}

static inline void ut_owned_free(ut_owned_t *o)
{
	free(o->bits);
}

/* Allocate order-`order` frames on core until LLFREE_ERR_MEMORY; returns how many. */
static inline uint64_t ut_exhaust(ut_t *u, size_t core, unsigned order, llfree_kind_t kind,
				  ut_owned_t *owned)
{
	uint64_t count = 0, frame;
	llfree_result_t res;
	while ((res = llfree_get(&u->ll, core, order, kind, &frame)) == LLFREE_OK) {
		if (owned)
			ut_own(owned, frame, order);
		count++;
	}
	cr_assert_eq(res, LLFREE_ERR_MEMORY);
	return count;
}

#endif
