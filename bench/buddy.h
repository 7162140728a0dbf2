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
 */
#ifndef BENCH_BUDDY_H
#define BENCH_BUDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BUDDY_MAX_ORDER 10

typedef enum buddy_result {
	BUDDY_OK = 0,
	BUDDY_ERR_MEMORY,      /* nothing free of this order */
	BUDDY_ERR_ORDER,       /* order > BUDDY_MAX_ORDER */
	BUDDY_ERR_ALIGN,       /* frame not aligned to 2^order */
	BUDDY_ERR_RANGE,       /* frame range outside 0 .. frames-1 */
	BUDDY_ERR_DOUBLE_FREE, /* frame is free already */
	BUDDY_ERR_CORE,        /* core >= cores */
	BUDDY_ERR_BUFFER,      /* metadata buffer too small or misaligned */
	BUDDY_ERR_INIT,        /* zero cores or frames */
} buddy_result_t;

typedef struct buddy buddy_t; /* lives at the start of the metadata buffer */

/* Bytes of metadata for `cores` and `frames` (per-frame structs included). */
size_t buddy_metadata_size(size_t cores, uint64_t frames);
/* Initialize in `buf` (64-byte aligned) with every frame free; returns the handle in *out. */
buddy_result_t buddy_init(void *buf, size_t size, size_t cores, uint64_t frames, buddy_t **out);
buddy_result_t buddy_get(buddy_t *b, size_t core, unsigned order, uint64_t *frame);
buddy_result_t buddy_put(buddy_t *b, size_t core, uint64_t frame, unsigned order);
/* Return the core's cached frames to the zone (like drain_local_pages). */
void buddy_drain(buddy_t *b, size_t core);
uint64_t buddy_free_frames(buddy_t *b);    /* zone plus caches */
uint64_t buddy_free_huge(buddy_t *b);      /* whole free 2 MiB blocks in the zone (orders >= 9) */
/* Check list links, orders and counters (quiescent state only). */
bool buddy_validate(buddy_t *b);
const char *buddy_strerror(buddy_result_t res);

#endif
