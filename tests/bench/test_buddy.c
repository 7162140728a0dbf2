/*
 * Unit tests of the buddy baseline (bench/buddy.h): splitting, coalescing,
 * exhaustion, odd sizes, alignment, refused frees without state change, the
 * per-core caches' batch refill and high watermark, drain. Every test ends
 * with buddy_validate.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "buddy.h"

static void *buf;
static size_t buf_size;

static void teardown(void)
{
	free(buf);
	buf = NULL;
}

TestSuite(buddy, .fini = teardown, .timeout = 30);

#define ASSERT_VALID(b) cr_assert(buddy_validate(b), "validate: %s", buddy_validate_error(b))
#define ASSERT_OK(expr) cr_assert_eq((expr), BUDDY_OK, "%s: %s", #expr, buddy_strerror(expr))

static buddy_t *make(size_t cores, uint64_t frames)
{
	buddy_t *b;
	free(buf);
	buf_size = buddy_metadata_size(cores, frames);
	cr_assert(buf_size % BUDDY_ALIGN == 0);
	buf = aligned_alloc(BUDDY_ALIGN, buf_size);
	cr_assert_not_null(buf);
	memset(buf, 0xa5, buf_size); /* init must not rely on zeroed memory */
	ASSERT_OK(buddy_init(buf, buf_size, cores, frames, &b));
	ASSERT_VALID(b);
	return b;
}

/* The same allocator with both per-core caches off: the zone alone. */
static buddy_t *make_zone_only(size_t cores, uint64_t frames)
{
	buddy_t *b = make(cores, frames);
	ASSERT_OK(buddy_set_cache(b, 0, 0, 0));
	ASSERT_OK(buddy_set_cache(b, BUDDY_HUGE_ORDER, 0, 0));
	return b;
}

static uint64_t get(buddy_t *b, size_t core, unsigned order)
{
	uint64_t f = UINT64_MAX;
	buddy_result_t res = buddy_get(b, core, order, &f);
	cr_assert_eq(res, BUDDY_OK, "get order %u: %s", order, buddy_strerror(res));
	cr_assert_lt(f, UINT64_MAX);
	return f;
}

static void put(buddy_t *b, size_t core, uint64_t f, unsigned order)
{
	buddy_result_t res = buddy_put(b, core, f, order);
	cr_assert_eq(res, BUDDY_OK, "put %lu order %u: %s", (unsigned long)f, order,
	             buddy_strerror(res));
}

/* Frames in the zone alone (total minus what the caches hold). */
static uint64_t zone_free(buddy_t *b, size_t cores)
{
	uint64_t cached = 0;
	for (size_t c = 0; c < cores; c++)
		cached += buddy_cache_count(b, c, 0) +
		          ((uint64_t)buddy_cache_count(b, c, BUDDY_HUGE_ORDER) << BUDDY_HUGE_ORDER);
	return buddy_free_frames(b) - cached;
}

/* --- init ----------------------------------------------------------------- */

Test(buddy, init_rejects_bad_arguments)
{
	buddy_t *b = NULL;
	size_t size = buddy_metadata_size(2, 1000);
	cr_assert_geq(size, 1000 * 16 + 2 * 64, "per-frame structs and per-core lines counted");
	buf = aligned_alloc(BUDDY_ALIGN, size + BUDDY_ALIGN);
	cr_assert_eq(buddy_init(buf, size, 0, 1000, &b), BUDDY_ERR_INIT);
	cr_assert_eq(buddy_init(buf, size, 2, 0, &b), BUDDY_ERR_INIT);
	cr_assert_eq(buddy_init(buf, size, 2, (uint64_t)BUDDY_MAX_FRAMES + 1, &b), BUDDY_ERR_INIT);
	cr_assert_eq(buddy_init(buf, size - 1, 2, 1000, &b), BUDDY_ERR_BUFFER);
	cr_assert_eq(buddy_init((char *)buf + 8, size, 2, 1000, &b), BUDDY_ERR_BUFFER);
	cr_assert_eq(buddy_init(NULL, size, 2, 1000, &b), BUDDY_ERR_BUFFER);
	cr_assert_null(b);
	ASSERT_OK(buddy_init(buf, size, 2, 1000, &b));
	cr_assert_eq(buddy_free_frames(b), 1000);
	ASSERT_VALID(b);
}

Test(buddy, init_odd_sizes_are_largest_aligned_blocks)
{
	static const uint64_t sizes[] = {1, 511, 512, 513, 1023, 1024, 1025, 685161};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint64_t n = sizes[i];
		buddy_t *b = make(1, n);
		cr_assert_eq(buddy_free_frames(b), n, "frames %lu", (unsigned long)n);
		/* Blocks of order >= 9 start at 0 and cover all whole 512-frame units. */
		cr_assert_eq(buddy_free_huge(b), n >> 9, "frames %lu", (unsigned long)n);
	}
}

Test(buddy, reinit_starts_over)
{
	buddy_t *b = make(1, 4096);
	for (int i = 0; i < 100; i++)
		get(b, 0, 3);
	ASSERT_OK(buddy_init(buf, buf_size, 1, 4096, &b));
	cr_assert_eq(buddy_free_frames(b), 4096);
	cr_assert_eq(buddy_free_huge(b), 8);
	ASSERT_VALID(b);
}

/* Allocate order-0 frames until MEMORY, each frame once, then free them all:
 * the state is fully coalesced again. */
static void exhaust_and_refill(buddy_t *b, uint64_t n)
{
	uint8_t *seen = calloc(n, 1);
	uint64_t *frames = malloc(n * sizeof(*frames));
	uint64_t count = 0, f;
	while (buddy_get(b, 0, 0, &f) == BUDDY_OK) {
		cr_assert_lt(f, n);
		cr_assert_eq(seen[f], 0, "frame %lu handed out twice", (unsigned long)f);
		seen[f] = 1;
		cr_assert_lt(count, n);
		frames[count++] = f;
	}
	cr_assert_eq(count, n, "got %lu of %lu frames", (unsigned long)count, (unsigned long)n);
	cr_assert_eq(buddy_free_frames(b), 0);
	cr_assert_eq(buddy_get(b, 0, 0, &f), BUDDY_ERR_MEMORY);
	ASSERT_VALID(b);
	for (uint64_t i = 0; i < count; i++)
		put(b, 0, frames[i], 0);
	buddy_drain(b, 0);
	cr_assert_eq(buddy_free_frames(b), n);
	cr_assert_eq(buddy_free_huge(b), n >> 9, "all merged again");
	ASSERT_VALID(b);
	free(seen);
	free(frames);
}

Test(buddy, odd_sizes_exhaust_and_refill)
{
	static const uint64_t sizes[] = {1, 511, 513, 1023, 685161};
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		exhaust_and_refill(make(1, sizes[i]), sizes[i]);
		exhaust_and_refill(make_zone_only(1, sizes[i]), sizes[i]);
	}
}

/* --- split and merge ------------------------------------------------------ */

Test(buddy, every_order_is_aligned)
{
	buddy_t *b = make(2, 685161);
	uint64_t f[BUDDY_MAX_ORDER + 1];
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
		f[o] = get(b, o % 2, o);
		cr_assert_eq(f[o] % (1u << o), 0, "order %u at %lu", o, (unsigned long)f[o]);
		cr_assert_leq(f[o] + (1u << o), 685161);
		for (unsigned p = 0; p < o; p++)
			cr_assert(f[p] + (1u << p) <= f[o] || f[o] + (1u << o) <= f[p], "overlap");
	}
	ASSERT_VALID(b);
	for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
		put(b, (o + 1) % 2, f[o], o);
	buddy_drain(b, 0);
	buddy_drain(b, 1);
	cr_assert_eq(buddy_free_frames(b), 685161);
	cr_assert_eq(buddy_free_huge(b), 685161 >> 9);
	ASSERT_VALID(b);
}

Test(buddy, split_takes_the_smallest_block_lowest_half)
{
	buddy_t *b = make_zone_only(1, 1024);
	cr_assert_eq(get(b, 0, 0), 0);
	/* Left: 1 (o0), 2 (o1), 4 (o2), ..., 512 (o9). */
	cr_assert_eq(buddy_free_frames(b), 1023);
	cr_assert_eq(buddy_free_huge(b), 1);
	cr_assert_eq(get(b, 0, 9), 512);
	cr_assert_eq(buddy_free_huge(b), 0);
	cr_assert_eq(get(b, 0, 8), 256);
	cr_assert_eq(get(b, 0, 0), 1);
	cr_assert_eq(get(b, 0, 1), 2);
	cr_assert_eq(get(b, 0, 0), 4, "splits the order-2 block at 4");
	cr_assert_eq(get(b, 0, 1), 6);
	cr_assert_eq(get(b, 0, 0), 5);
	cr_assert_eq(buddy_free_frames(b), 1024 - 1 - 512 - 256 - 1 - 2 - 1 - 2 - 1);
	ASSERT_VALID(b);
}

Test(buddy, free_buddies_merge_up_to_max_order)
{
	buddy_t *b = make_zone_only(1, 2048);
	uint64_t f;
	cr_assert_eq(get(b, 0, 0), 0);
	cr_assert_eq(get(b, 0, 0), 1);
	cr_assert_eq(buddy_free_huge(b), 3, "one order-10 block and one order-9 block");
	put(b, 0, 0, 0);
	cr_assert_eq(buddy_free_huge(b), 3, "frame 0 alone cannot merge");
	ASSERT_VALID(b);
	put(b, 0, 1, 0);
	cr_assert_eq(buddy_free_huge(b), 4, "merged to two order-10 blocks");
	ASSERT_VALID(b);
	cr_assert_eq(get(b, 0, BUDDY_MAX_ORDER), 0);
	cr_assert_eq(get(b, 0, BUDDY_MAX_ORDER), 1024);
	cr_assert_eq(buddy_get(b, 0, 0, &f), BUDDY_ERR_MEMORY);
	put(b, 0, 1024, BUDDY_MAX_ORDER);
	put(b, 0, 0, BUDDY_MAX_ORDER);
	/* Two order-10 buddies stay two blocks: 10 is the largest order. */
	cr_assert_eq(buddy_free_huge(b), 4);
	ASSERT_VALID(b);
}

Test(buddy, merge_of_every_order_in_any_free_order)
{
	buddy_t *b = make_zone_only(1, 1024);
	uint64_t frames[1024];
	for (int i = 0; i < 1024; i++)
		frames[i] = get(b, 0, 0);
	/* Free in a scrambled order (odd stride): every merge level is exercised. */
	for (int i = 0; i < 1024; i++) {
		put(b, 0, frames[(i * 389) % 1024], 0);
		if (i % 97 == 0)
			ASSERT_VALID(b);
	}
	cr_assert_eq(buddy_free_huge(b), 2);
	cr_assert_eq(get(b, 0, BUDDY_MAX_ORDER), 0);
	ASSERT_VALID(b);
}

/* A freed block whose buddy's parent is free goes to the list tail: should
 * its buddy come back too, two levels merge, so other blocks go first. */
Test(buddy, block_likely_to_merge_goes_to_the_tail)
{
	buddy_t *b = make_zone_only(1, 1024);
	for (uint64_t i = 0; i < 4; i++)
		cr_assert_eq(get(b, 0, 0), i);
	cr_assert_eq(get(b, 0, 0), 4, "leaves 5 on the order-0 list");
	put(b, 0, 0, 0);
	put(b, 0, 1, 0); /* merged: 0..1 free at order 1, 2..3 allocated */
	put(b, 0, 2, 0); /* buddy 3 allocated, but 0..1 free: tail */
	cr_assert_eq(get(b, 0, 0), 5, "the head, not frame 2");
	cr_assert_eq(get(b, 0, 0), 2);
	ASSERT_VALID(b);
}

Test(buddy, exhaustion_of_larger_orders)
{
	buddy_t *b = make(1, 1000);
	uint64_t f;
	cr_assert_eq(buddy_get(b, 0, 10, &f), BUDDY_ERR_MEMORY, "1000 frames hold no order-10 block");
	cr_assert_eq(get(b, 0, 9), 0);
	cr_assert_eq(buddy_get(b, 0, 9, &f), BUDDY_ERR_MEMORY);
	cr_assert_eq(get(b, 0, 8), 512);
	cr_assert_eq(get(b, 0, 7), 768);
	cr_assert_eq(get(b, 0, 6), 896);
	cr_assert_eq(buddy_get(b, 0, 6, &f), BUDDY_ERR_MEMORY, "40 frames left");
	cr_assert_eq(buddy_free_frames(b), 40);
	ASSERT_VALID(b);
	put(b, 0, 512, 8);
	cr_assert_eq(get(b, 0, 6), 512);
	ASSERT_VALID(b);
}

/* --- refused frees leave the state unchanged -------------------------------- */

/* A copy of the whole metadata, to prove that a refused call changed nothing. */
static void *snapshot(void)
{
	void *copy = malloc(buf_size);
	memcpy(copy, buf, buf_size);
	return copy;
}

static void assert_unchanged(void *copy)
{
	cr_assert(memcmp(copy, buf, buf_size) == 0, "refused call changed the state");
	free(copy);
}

Test(buddy, bad_arguments_rejected)
{
	buddy_t *b = make(2, 1001);
	uint64_t f = get(b, 0, 0);
	void *copy = snapshot();
	cr_assert_eq(buddy_get(b, 0, BUDDY_MAX_ORDER + 1, &f), BUDDY_ERR_ORDER);
	cr_assert_eq(buddy_get(b, 2, 0, &f), BUDDY_ERR_CORE);
	cr_assert_eq(buddy_put(b, 0, 0, BUDDY_MAX_ORDER + 1), BUDDY_ERR_ORDER);
	cr_assert_eq(buddy_put(b, 2, 0, 0), BUDDY_ERR_CORE);
	cr_assert_eq(buddy_put(b, 0, 1001, 0), BUDDY_ERR_RANGE);
	cr_assert_eq(buddy_put(b, 0, UINT64_MAX, 0), BUDDY_ERR_RANGE);
	cr_assert_eq(buddy_put(b, 0, (uint64_t)1 << 40, 0), BUDDY_ERR_RANGE);
	cr_assert_eq(buddy_put(b, 0, 1000, 1), BUDDY_ERR_RANGE, "1000..1001 passes the end");
	cr_assert_eq(buddy_put(b, 0, 3, 1), BUDDY_ERR_ALIGN);
	cr_assert_eq(buddy_put(b, 0, 512, 10), BUDDY_ERR_ALIGN);
	cr_assert_eq(buddy_set_cache(b, 1, 1, 1), BUDDY_ERR_ORDER);
	cr_assert_eq(buddy_set_cache(b, 0, 5, 4), BUDDY_ERR_INIT);
	assert_unchanged(copy);
	put(b, 0, f, 0);
	ASSERT_VALID(b);
}

Test(buddy, double_free_in_zone_rejected)
{
	buddy_t *b = make_zone_only(1, 1024);
	uint64_t f = get(b, 0, 0), g = get(b, 0, 2);
	cr_assert_eq(g, 4);
	put(b, 0, f, 0);
	void *copy = snapshot();
	cr_assert_eq(buddy_put(b, 0, f, 0), BUDDY_ERR_DOUBLE_FREE, "same frame twice");
	cr_assert_eq(buddy_put(b, 0, 2, 1), BUDDY_ERR_DOUBLE_FREE, "a free zone block");
	cr_assert_eq(buddy_put(b, 0, 3, 0), BUDDY_ERR_DOUBLE_FREE, "inside a free block");
	cr_assert_eq(buddy_put(b, 0, 600, 3), BUDDY_ERR_DOUBLE_FREE, "never allocated");
	cr_assert_eq(buddy_put(b, 0, 0, 1), BUDDY_ERR_DOUBLE_FREE, "merged with frame 1");
	assert_unchanged(copy);
	cr_assert_eq(buddy_free_frames(b), 1020);
	put(b, 0, g, 2);
	cr_assert_eq(buddy_free_frames(b), 1024);
	ASSERT_VALID(b);
}

Test(buddy, double_free_in_cache_rejected)
{
	buddy_t *b = make(2, 1 << 16);
	uint64_t f = get(b, 0, 0), h = get(b, 0, BUDDY_HUGE_ORDER);
	put(b, 0, f, 0);
	put(b, 0, h, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 0, 0), 63, "refilled 63, took one, got it back");
	cr_assert_eq(buddy_cache_count(b, 0, BUDDY_HUGE_ORDER), 2);
	void *copy = snapshot();
	cr_assert_eq(buddy_put(b, 0, f, 0), BUDDY_ERR_DOUBLE_FREE, "freed into this cache");
	cr_assert_eq(buddy_put(b, 1, f, 0), BUDDY_ERR_DOUBLE_FREE, "in another core's cache");
	cr_assert_eq(buddy_put(b, 1, f + 1, 0), BUDDY_ERR_DOUBLE_FREE, "refilled, never handed out");
	cr_assert_eq(buddy_put(b, 0, h, BUDDY_HUGE_ORDER), BUDDY_ERR_DOUBLE_FREE);
	cr_assert_eq(buddy_put(b, 1, h + 5, 0), BUDDY_ERR_DOUBLE_FREE, "inside a cached huge block");
	assert_unchanged(copy);
	ASSERT_VALID(b);
}

Test(buddy, wrong_order_rejected)
{
	buddy_t *b = make_zone_only(1, 1024);
	uint64_t f = get(b, 0, 2);
	uint64_t g = get(b, 0, 0);
	cr_assert_eq(f, 0);
	cr_assert_eq(g, 4);
	void *copy = snapshot();
	cr_assert_eq(buddy_put(b, 0, f, 0), BUDDY_ERR_WRONG_ORDER, "smaller than allocated");
	cr_assert_eq(buddy_put(b, 0, f, 1), BUDDY_ERR_WRONG_ORDER);
	cr_assert_eq(buddy_put(b, 0, f + 2, 1), BUDDY_ERR_WRONG_ORDER, "inside an allocation");
	cr_assert_eq(buddy_put(b, 0, f + 3, 0), BUDDY_ERR_WRONG_ORDER);
	cr_assert_eq(buddy_put(b, 0, f, 3), BUDDY_ERR_WRONG_ORDER, "larger than allocated");
	assert_unchanged(copy);
	put(b, 0, f, 2);
	put(b, 0, g, 0);
	cr_assert_eq(buddy_free_huge(b), 2);
	ASSERT_VALID(b);
}

/* --- per-core caches --------------------------------------------------------- */

Test(buddy, cache_defaults_and_scaling)
{
	uint32_t batch, high;
	buddy_t *b = make(2, 1 << 16);
	buddy_cache_params(b, 0, &batch, &high);
	cr_assert_eq(batch, 63);
	cr_assert_eq(high, 378);
	buddy_cache_params(b, BUDDY_HUGE_ORDER, &batch, &high);
	cr_assert_eq(batch, 2);
	cr_assert_eq(high, 4);
	buddy_cache_params(b, 3, &batch, &high);
	cr_assert_eq(batch, 0, "no cache for order 3");

	/* 8 cores in 4096 frames: each order's caches hold at most 1/8 of memory. */
	b = make(8, 4096);
	buddy_cache_params(b, 0, &batch, &high);
	cr_assert_eq(high, 64);
	cr_assert_eq(batch, 10);
	buddy_cache_params(b, BUDDY_HUGE_ORDER, &batch, &high);
	cr_assert_eq(batch, 0, "order-9 cache off");
	cr_assert_eq(high, 0);
	uint64_t f = get(b, 3, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 3, BUDDY_HUGE_ORDER), 0);
	put(b, 3, f, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_free_huge(b), 8);
	ASSERT_VALID(b);
}

Test(buddy, cache_refills_in_batches)
{
	buddy_t *b = make(2, 1 << 16);
	uint64_t n = 1 << 16;
	get(b, 0, 0);
	cr_assert_eq(buddy_cache_count(b, 0, 0), 62);
	cr_assert_eq(zone_free(b, 2), n - 63, "one refill of 63 under the lock");
	for (int i = 0; i < 62; i++)
		get(b, 0, 0);
	cr_assert_eq(buddy_cache_count(b, 0, 0), 0);
	cr_assert_eq(zone_free(b, 2), n - 63, "no zone access while the cache has frames");
	get(b, 0, 0);
	cr_assert_eq(buddy_cache_count(b, 0, 0), 62);
	cr_assert_eq(zone_free(b, 2), n - 126);
	cr_assert_eq(buddy_cache_count(b, 1, 0), 0, "core 1 untouched");

	get(b, 1, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 1, BUDDY_HUGE_ORDER), 1, "refilled 2, took 1");
	cr_assert_eq(zone_free(b, 2), n - 126 - 1024);
	ASSERT_VALID(b);
}

Test(buddy, cache_returns_batch_above_high)
{
	buddy_t *b = make(2, 1 << 16);
	uint64_t n = 1 << 16;
	static uint64_t frames[600];
	for (int i = 0; i < 600; i++)
		frames[i] = get(b, 0, 0);
	/* 600 taken in 10 refills of 63 = 630; 30 left in the cache. */
	cr_assert_eq(buddy_cache_count(b, 0, 0), 30);
	/* Core 1 frees them: its cache grows to high = 378, then returns 63. */
	for (int i = 0; i < 378; i++)
		put(b, 1, frames[i], 0);
	cr_assert_eq(buddy_cache_count(b, 1, 0), 378);
	cr_assert_eq(zone_free(b, 2), n - 630);
	put(b, 1, frames[378], 0);
	cr_assert_eq(buddy_cache_count(b, 1, 0), 379 - 63);
	cr_assert_eq(zone_free(b, 2), n - 630 + 63);
	for (int i = 379; i < 600; i++)
		put(b, 1, frames[i], 0);
	cr_assert_eq(buddy_cache_count(b, 1, 0), 600 - 4 * 63);
	cr_assert_eq(buddy_free_frames(b), n - 0);
	ASSERT_VALID(b);

	/* Order 9: high 4, batch 2. */
	uint64_t h[5];
	for (int i = 0; i < 5; i++)
		h[i] = get(b, 0, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 0, BUDDY_HUGE_ORDER), 1);
	for (int i = 0; i < 4; i++)
		put(b, 1, h[i], BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 1, BUDDY_HUGE_ORDER), 4);
	put(b, 1, h[4], BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 1, BUDDY_HUGE_ORDER), 3);
	/* Cached huge blocks count as free huge blocks. */
	uint64_t huge = buddy_free_huge(b);
	uint64_t g = get(b, 1, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 1, BUDDY_HUGE_ORDER), 2, "taken from the cache");
	cr_assert_eq(buddy_free_huge(b), huge - 1);
	put(b, 1, g, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_free_huge(b), huge);
	ASSERT_VALID(b);
}

Test(buddy, cache_is_lifo_and_returns_oldest)
{
	buddy_t *b = make(1, 1 << 16);
	ASSERT_OK(buddy_set_cache(b, 0, 2, 3));
	uint64_t f[4];
	for (int i = 0; i < 4; i++)
		f[i] = get(b, 0, 0);
	cr_assert_eq(buddy_cache_count(b, 0, 0), 0);
	for (int i = 0; i < 3; i++)
		put(b, 0, f[i], 0);
	cr_assert_eq(get(b, 0, 0), f[2], "the last freed frame comes back first");
	put(b, 0, f[2], 0);
	put(b, 0, f[3], 0); /* 4 > high 3: f[0] and f[1], the oldest, go back */
	cr_assert_eq(buddy_cache_count(b, 0, 0), 2);
	cr_assert_eq(buddy_put(b, 0, f[0], 0), BUDDY_ERR_DOUBLE_FREE);
	cr_assert_eq(get(b, 0, 0), f[3]);
	cr_assert_eq(get(b, 0, 0), f[2]);
	cr_assert_eq(buddy_cache_count(b, 0, 0), 0);
	ASSERT_VALID(b);
}

Test(buddy, drain_returns_everything)
{
	const size_t cores = 4;
	const uint64_t n = 100003;
	buddy_t *b = make(cores, n);
	static uint64_t frames[4][200];
	for (size_t c = 0; c < cores; c++)
		for (int i = 0; i < 200; i++)
			frames[c][i] = get(b, c, i % 10 == 0 ? BUDDY_HUGE_ORDER : 0);
	/* Every core frees the next core's frames. */
	for (size_t c = 0; c < cores; c++)
		for (int i = 0; i < 200; i++)
			put(b, c, frames[(c + 1) % cores][i], i % 10 == 0 ? BUDDY_HUGE_ORDER : 0);
	cr_assert_eq(buddy_free_frames(b), n);
	cr_assert_lt(zone_free(b, cores), n, "caches hold frames");
	cr_assert_lt(buddy_free_huge(b), n >> 9, "cached order-0 frames block merging");
	ASSERT_VALID(b);
	for (size_t c = 0; c < cores; c++) {
		buddy_drain(b, c);
		cr_assert_eq(buddy_cache_count(b, c, 0), 0);
		cr_assert_eq(buddy_cache_count(b, c, BUDDY_HUGE_ORDER), 0);
		ASSERT_VALID(b);
	}
	cr_assert_eq(zone_free(b, cores), n);
	cr_assert_eq(buddy_free_huge(b), n >> 9, "fully merged after drain");
	buddy_drain(b, cores); /* out of range: ignored */
	ASSERT_VALID(b);
}

Test(buddy, memory_in_other_caches_needs_drain)
{
	buddy_t *b = make(2, 1024);
	/* Defaults for 2 cores in 1024 frames: high 64, batch 10. */
	uint64_t f, count = 0;
	while (buddy_get(b, 0, 0, &f) == BUDDY_OK)
		count++;
	cr_assert_eq(count, 1024);
	put(b, 0, 0, 0);
	cr_assert_eq(buddy_get(b, 1, 0, &f), BUDDY_ERR_MEMORY, "frame 0 sits in core 0's cache");
	cr_assert_eq(buddy_free_frames(b), 1);
	buddy_drain(b, 0);
	cr_assert_eq(get(b, 1, 0), 0);
	ASSERT_VALID(b);
}

Test(buddy, set_cache_drains_and_applies)
{
	buddy_t *b = make(2, 1 << 16);
	uint64_t f = get(b, 1, 0), h = get(b, 1, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 1, 0), 62);
	ASSERT_OK(buddy_set_cache(b, 0, 4, 8));
	cr_assert_eq(buddy_cache_count(b, 1, 0), 0, "order-0 caches drained");
	cr_assert_eq(buddy_cache_count(b, 1, BUDDY_HUGE_ORDER), 1, "order-9 cache kept");
	uint32_t batch, high;
	buddy_cache_params(b, 0, &batch, &high);
	cr_assert_eq(batch, 4);
	cr_assert_eq(high, 8);
	get(b, 0, 0);
	cr_assert_eq(buddy_cache_count(b, 0, 0), 3, "refill of the new batch");
	ASSERT_OK(buddy_set_cache(b, BUDDY_HUGE_ORDER, 0, 99));
	buddy_cache_params(b, BUDDY_HUGE_ORDER, &batch, &high);
	cr_assert_eq(batch, 0);
	cr_assert_eq(high, 0, "off: high reads 0");
	cr_assert_eq(buddy_cache_count(b, 1, BUDDY_HUGE_ORDER), 0);
	put(b, 1, h, BUDDY_HUGE_ORDER);
	cr_assert_eq(buddy_cache_count(b, 1, BUDDY_HUGE_ORDER), 0, "straight to the zone");
	put(b, 0, f, 0);
	ASSERT_VALID(b);
}

Test(buddy, metadata_size_counts_every_part)
{
	size_t one = buddy_metadata_size(1, 4);
	cr_assert_eq(buddy_metadata_size(2, 4), one + 64, "one cache line per core");
	cr_assert_eq(buddy_metadata_size(1, 8), one + 64, "16 bytes per frame");
	cr_assert_eq(buddy_metadata_size(1, 1 << 18) - buddy_metadata_size(1, 0), (size_t)4 << 20,
	             "4 MiB per GiB");
	cr_assert_eq(buddy_metadata_size(1, (uint64_t)BUDDY_MAX_FRAMES + 1), SIZE_MAX);
}

/* --- validate ---------------------------------------------------------------- */

/* White box: the per-frame array is the last frames * 16 bytes of the buffer
 * (frames a multiple of 4), the state byte at offset 8 of each frame. */
Test(buddy, validate_detects_corruption)
{
	const uint64_t n = 1024;
	buddy_t *b = make_zone_only(1, n);
	uint8_t *frame = (uint8_t *)buf + buf_size - n * 16;
	uint8_t saved = frame[5 * 16 + 8];
	frame[5 * 16 + 8] = frame[0 * 16 + 8]; /* an inner frame claims to head a block */
	cr_assert_not(buddy_validate(b));
	cr_assert_str_eq(buddy_validate_error(b), "blocks overlap");
	frame[5 * 16 + 8] = saved;
	ASSERT_VALID(b);
	cr_assert_str_eq(buddy_validate_error(b), "ok");

	get(b, 0, 0); /* frame 0; 1 is a free order-0 block */
	uint32_t *link = (uint32_t *)(frame + 1 * 16);
	link[1] = 7; /* prev of the only order-0 list member */
	cr_assert_not(buddy_validate(b));
	cr_assert_str_eq(buddy_validate_error(b), "list prev link broken");
}

/* The state byte (bench/buddy.c): state << 4 | order. */
#define INFO_INNER 0x00
#define INFO_ALLOCATED(o) (0x10 | (o))
#define INFO_ZONE(o) (0x20 | (o))
#define INFO_CACHED(o) (0x30 | (o))

Test(buddy, validate_names_each_broken_invariant)
{
	static const struct {
		uint32_t frame;
		uint8_t info;
		const char *error;
	} cases[] = {
		{0, INFO_INNER, "frame outside every block"},
		{0, INFO_ZONE(0), "free buddies not merged"},
		{1, INFO_ZONE(1), "block not aligned to its order"},
		{4, INFO_CACHED(2), "cached block of an uncached order"},
		{2, INFO_ALLOCATED(1), "list member has the wrong state or order"},
	};
	const uint64_t n = 1024;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buddy_t *b = make_zone_only(1, n);
		cr_assert_eq(get(b, 0, 0), 0); /* 0 allocated; 1 (o0), 2 (o1), 4 (o2) ... free */
		ASSERT_VALID(b);
		uint8_t *info = (uint8_t *)buf + buf_size - n * 16 + cases[i].frame * 16 + 8;
		*info = cases[i].info;
		cr_assert_not(buddy_validate(b), "case %zu", i);
		cr_assert_str_eq(buddy_validate_error(b), cases[i].error, "case %zu", i);
	}

	/* 1000 frames: 960 heads an order-5 block; as order 6 it would pass the
	 * end (its buddy 896 allocated, so that is the first thing wrong). */
	buddy_t *b = make_zone_only(1, 1000);
	cr_assert_eq(get(b, 0, 6), 896);
	uint8_t *info = (uint8_t *)buf + buf_size - 1000 * 16 + 960 * 16 + 8;
	cr_assert_eq(*info, INFO_ZONE(5));
	*info = INFO_ZONE(6);
	cr_assert_not(buddy_validate(b));
	cr_assert_str_eq(buddy_validate_error(b), "block past the last frame");
}

Test(buddy, strerror_names_every_result)
{
	for (int r = BUDDY_OK; r <= BUDDY_ERR_WRONG_ORDER; r++)
		cr_assert_str_neq(buddy_strerror((buddy_result_t)r), "unknown error", "result %d", r);
	cr_assert_str_eq(buddy_strerror((buddy_result_t)99), "unknown error");
}
