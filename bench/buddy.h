/*
 * A Linux-style buddy allocator: the baseline the benchmarks compare LLFree
 * against (shared/design/benchmarks.md, "Baselines"). Free lists per order
 * 0..BUDDY_MAX_ORDER with coalescing under one zone spinlock, per-frame
 * metadata like Linux's struct page (list links, order, flags), and per-core
 * caches for order 0 and order 9 with batch refill and a high watermark, as
 * Linux's per-cpu page lists do. Portable C11 (stdatomic), no libc calls.
 *
 * Same shape as llfree.h: frames are numbered 0 .. frames-1, the caller hands
 * in the metadata buffer, and core indices select the per-core cache.
 *
 * Per-core cache contract: the cache of core c is touched without a lock, so
 * buddy_get/buddy_put/buddy_drain with core c must only run on one thread at
 * a time (the thread that plays core c). Any core may free any frame. Frames
 * sitting in other cores' caches are not handed out: buddy_get may return
 * BUDDY_ERR_MEMORY while buddy_free_frames() is not zero (as in Linux before
 * it drains the per-cpu lists); call buddy_drain on those cores to get them.
 *
 * Cache defaults (Linux-like, per core, counted in blocks of the order):
 *   order 0: batch 63, high 378 (6 x batch), as Linux's pcp batch for zones
 *            above 1 GiB;
 *   order 9: batch 2, high 4 (Linux refills high orders with batch >> order,
 *            at least 2).
 * high is lowered (and batch with it) so that one order's caches over all
 * cores hold at most 1/8 of the frames; a cache whose high would be 0 is off.
 * buddy_cache_params reports the values in use, buddy_set_cache changes them.
 */
#ifndef BENCH_BUDDY_H
#define BENCH_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUDDY_MAX_ORDER 10
/* Order of a 2 MiB block: the second order with per-core caches. */
#define BUDDY_HUGE_ORDER 9
/* Alignment of the metadata buffer. */
#define BUDDY_ALIGN 64
/* Frame indices are 32 bit in the per-frame links; one value is "none". */
#define BUDDY_MAX_FRAMES 0xfffffffeu

typedef enum buddy_result {
	BUDDY_OK = 0,
	BUDDY_ERR_MEMORY,      /* nothing free of this order (in the zone and this core's cache) */
	BUDDY_ERR_ORDER,       /* order > BUDDY_MAX_ORDER (set_cache: order not 0 or 9) */
	BUDDY_ERR_ALIGN,       /* frame not aligned to 2^order */
	BUDDY_ERR_RANGE,       /* frame range outside 0 .. frames-1 */
	BUDDY_ERR_DOUBLE_FREE, /* frame is free already (in the zone or in a core's cache) */
	BUDDY_ERR_CORE,        /* core >= cores */
	BUDDY_ERR_BUFFER,      /* metadata buffer too small or misaligned */
	BUDDY_ERR_INIT,        /* zero cores or frames, frames > BUDDY_MAX_FRAMES, batch > high */
	BUDDY_ERR_WRONG_ORDER, /* put of an allocated frame that is not the start of an
	                          allocation of this order */
} buddy_result_t;

typedef struct buddy buddy_t; /* lives at the start of the metadata buffer */

/* Bytes of metadata for `cores` and `frames`: the zone, one 64-byte cache
 * line per core and 16 bytes per frame (struct buddy_frame). */
size_t buddy_metadata_size(size_t cores, uint64_t frames);
/* Initialize in `buf` (BUDDY_ALIGN-aligned) with every frame free, as the
 * largest naturally aligned blocks that fit; returns the handle in *out.
 * May be called again on the same buffer to start over. */
buddy_result_t buddy_init(void *buf, size_t size, size_t cores, uint64_t frames, buddy_t **out);
buddy_result_t buddy_get(buddy_t *b, size_t core, unsigned order, uint64_t *frame);
/* Free a block exactly as it was allocated (same frame and order). */
buddy_result_t buddy_put(buddy_t *b, size_t core, uint64_t frame, unsigned order);
/* Return the core's cached frames to the zone (like drain_local_pages).
 * Runs as core `core` (see the contract above) or while the allocator is idle. */
void buddy_drain(buddy_t *b, size_t core);
uint64_t buddy_free_frames(buddy_t *b); /* zone plus caches */
/* Whole free 2 MiB blocks: zone blocks of order >= 9 in units of 512
 * frames, plus the order-9 blocks sitting in per-core caches (each is a
 * whole free 2 MiB block that its core hands out next). Order-0 frames in
 * caches never count: they are not coalesced. */
uint64_t buddy_free_huge(buddy_t *b);
/* Only the zone's free lists (blocks of order >= 9 in units of 512 frames),
 * no per-core cache: what frag counts as entirely free areas
 * (shared/design/benchmarks.md, "frag"). */
uint64_t buddy_free_huge_listed(buddy_t *b);
/* Check list links, orders, alignment, overlap, coalescing and counters
 * (quiescent state only). On failure buddy_validate_error says why. */
bool buddy_validate(buddy_t *b);
const char *buddy_validate_error(buddy_t *b);
const char *buddy_strerror(buddy_result_t res);

/* Per-core cache parameters of `order` (0 or 9), in blocks of that order;
 * batch 0 means the cache is off. */
void buddy_cache_params(buddy_t *b, unsigned order, uint32_t *batch, uint32_t *high);
/* Set them for every core (quiescent only): drains that order's caches
 * first. batch 0 turns the cache off; otherwise batch <= high. */
buddy_result_t buddy_set_cache(buddy_t *b, unsigned order, uint32_t batch, uint32_t high);
/* Blocks of `order` in the cache of `core` (exact when quiescent). */
uint32_t buddy_cache_count(buddy_t *b, size_t core, unsigned order);

#endif
