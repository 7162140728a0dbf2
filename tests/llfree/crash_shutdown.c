/*
 * RECOVER without a kill (crash.h): after a clean shutdown it is shallow
 * and keeps every allocation, and the next one without a shutdown between
 * is deep; a buffer with a wrong magic or a RECOVER with a wrong frame
 * count is refused (MAGIC / SIZE) and the buffer is left untouched.
 */
#include "crash.h"
#include "llfree_platform.h" /* llfree_host_log_prefix */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void check_shutdown_then_recover(uint64_t seed, uint64_t frames)
{
	stress_set_case("shutdown_recover", seed);
	stress_rng_t rng = stress_rng_for(seed, 200);
	size_t lower_size = llfree_metadata_size(THREADS, frames).lower;
	void *lower = stress_buffer(lower_size);
	void *upper = stress_buffer(llfree_metadata_size(THREADS, frames).upper);
	llfree_t self;
	llfree_config_t cfg = {.cores = THREADS, .frames = frames, .mode = LLFREE_INIT_FREE,
			       .persistent = true, .upper = upper,
			       .upper_size = llfree_metadata_size(THREADS, frames).upper,
			       .lower = lower, .lower_size = lower_size};
	STRESS_EXPECT_RES(llfree_init(&self, &cfg), LLFREE_OK, "init FREE persistent");

	uint64_t held[64];
	unsigned order[64], n = 0;
	uint64_t held_frames = 0;
	for (; n < 64; n++) {
		order[n] = child_order(&rng);
		STRESS_EXPECT_RES(llfree_get(&self, n % THREADS, order[n], LLFREE_KIND_MOVABLE,
					     &held[n]),
				  LLFREE_OK, "get before shutdown");
		held_frames += 1ull << order[n];
	}
	STRESS_EXPECT_RES(llfree_shutdown(&self), LLFREE_OK, "shutdown");
	free(upper);

	/* Clean shutdown: shallow, and every allocation kept. */
	STRESS_EXPECT_RES(recover(&self, &upper, THREADS, frames, lower, lower_size), LLFREE_OK,
			  "RECOVER after shutdown");
	STRESS_CHECK(!llfree_recovered_crashed(&self), "RECOVER after a clean shutdown went deep");
	STRESS_EXPECT_RES(llfree_validate(&self), LLFREE_OK, "validate after shallow recovery");
	STRESS_CHECK(llfree_free_frames(&self) == frames - held_frames,
		     "shallow recovery: %" PRIu64 " free, want %" PRIu64, llfree_free_frames(&self),
		     frames - held_frames);
	for (unsigned i = 0; i < n; i++)
		for (uint64_t f = held[i]; f < held[i] + (1ull << order[i]); f++)
			STRESS_CHECK(frame_allocated(&self, f),
				     "frame %" PRIu64 " of block %" PRIu64 " order %u free after "
				     "shallow recovery", f, held[i], order[i]);
	free(upper);

	/* No shutdown since that RECOVER: the next one must recount. */
	STRESS_EXPECT_RES(recover(&self, &upper, THREADS, frames, lower, lower_size), LLFREE_OK,
			  "RECOVER without shutdown");
	STRESS_CHECK(llfree_recovered_crashed(&self),
		     "RECOVER after a RECOVER without shutdown was shallow (flag not set at init)");
	STRESS_CHECK(llfree_free_frames(&self) == frames - held_frames,
		     "deep recovery: %" PRIu64 " free, want %" PRIu64, llfree_free_frames(&self),
		     frames - held_frames);
	for (unsigned i = 0; i < n; i++)
		STRESS_EXPECT_RES(llfree_put(&self, i % THREADS, held[i], order[i],
					     LLFREE_KIND_MOVABLE),
				  LLFREE_OK, "put after recovery");
	check_all_free(&self, "shutdown test, all freed");
	STRESS_EXPECT_RES(llfree_shutdown(&self), LLFREE_OK, "second shutdown");
	free(upper);
	free(lower);
	printf("crash: clean shutdown -> shallow RECOVER keeps %u blocks (%" PRIu64
	       " frames); RECOVER without shutdown is deep: ok\n", n, held_frames);
}

/* RECOVER must refuse `lower` with `want` and leave every byte of it as it was. */
static void expect_refused(void *lower, size_t lower_size, uint64_t frames, llfree_result_t want,
			   const char *what)
{
	void *copy = malloc(lower_size);
	STRESS_CHECK(copy, "out of host memory");
	memcpy(copy, lower, lower_size);
	llfree_t self;
	void *upper;
	llfree_host_log_prefix("crash: expected, the library refusing: ");
	llfree_result_t got = recover(&self, &upper, THREADS, frames, lower, lower_size);
	llfree_host_log_prefix(NULL);
	STRESS_EXPECT_RES(got, want, what);
	STRESS_CHECK(memcmp(copy, lower, lower_size) == 0, "%s: refused, but the buffer changed",
		     what);
	free(upper);
	free(copy);
}

void check_refused_buffers(uint64_t seed, uint64_t frames)
{
	stress_set_case("refused_buffers", seed);
	size_t lower_size = llfree_metadata_size(THREADS, frames).lower;
	size_t upper_size = llfree_metadata_size(THREADS, frames).upper;
	void *lower = stress_buffer(lower_size);
	void *upper = stress_buffer(upper_size);

	/* Never initialised: zeroes, then garbage. */
	memset(lower, 0, lower_size);
	expect_refused(lower, lower_size, frames, LLFREE_ERR_MAGIC, "RECOVER of a zeroed buffer");
	stress_rng_t rng = stress_rng_for(seed, 300);
	for (size_t i = 0; i < lower_size; i++)
		((uint8_t *)lower)[i] = (uint8_t)stress_rng_next(&rng);
	expect_refused(lower, lower_size, frames, LLFREE_ERR_MAGIC, "RECOVER of random bytes");

	/* A valid buffer after a clean shutdown, with a few frames allocated. */
	llfree_t self;
	llfree_config_t cfg = {.cores = THREADS, .frames = frames, .mode = LLFREE_INIT_FREE,
			       .persistent = true, .upper = upper, .upper_size = upper_size,
			       .lower = lower, .lower_size = lower_size};
	STRESS_EXPECT_RES(llfree_init(&self, &cfg), LLFREE_OK, "init FREE persistent");
	uint64_t frame;
	STRESS_EXPECT_RES(llfree_get(&self, 0, 0, LLFREE_KIND_MOVABLE, &frame), LLFREE_OK, "get");
	STRESS_EXPECT_RES(llfree_shutdown(&self), LLFREE_OK, "shutdown");

	/* Same number of areas and trees (frames % 512 != 1), other frame count. */
	expect_refused(lower, lower_size, frames - 1, LLFREE_ERR_SIZE,
		       "RECOVER with frames - 1");
	/*
	 * Wrong magic. The record's layout is private; the handle's meta
	 * pointer says where it is, and the design puts the magic first.
	 */
	uint8_t *meta = (uint8_t *)self.meta;
	if (meta >= (uint8_t *)lower && meta < (uint8_t *)lower + lower_size) {
		meta[0] ^= 0xff;
		expect_refused(lower, lower_size, frames, LLFREE_ERR_MAGIC,
			       "RECOVER with a corrupted magic");
		meta[0] ^= 0xff;
	} else {
		printf("crash: meta record not inside the lower buffer; corrupted-magic check "
		       "skipped\n");
	}
	/* Untouched indeed: the original still recovers, with its frame allocated. */
	free(upper);
	STRESS_EXPECT_RES(recover(&self, &upper, THREADS, frames, lower, lower_size), LLFREE_OK,
			  "RECOVER of the original after the refusals");
	STRESS_CHECK(frame_allocated(&self, frame), "allocated frame lost after refusals");
	STRESS_EXPECT_RES(llfree_put(&self, 0, frame, 0, LLFREE_KIND_MOVABLE), LLFREE_OK, "put");
	check_all_free(&self, "refused buffers, all freed");
	free(upper);
	free(lower);
	printf("crash: wrong magic (zeroed, random, flipped) -> MAGIC, wrong frame count -> SIZE, "
	       "buffer untouched: ok\n");
}
