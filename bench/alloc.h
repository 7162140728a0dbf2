/*
 * The one allocator interface the benchmarks use, with adapters for LLFree,
 * the buddy baseline (buddy.h) and a strawman: one global spin-locked free
 * list of 4 KiB frames (shared/design/benchmarks.md, "Baselines").
 *
 * LLFree kinds: the benchmarks allocate order 0..8 as LLFREE_KIND_MOVABLE
 * (user pages, which is what the paper's benchmarks stand for) and order >= 9
 * as LLFREE_KIND_HUGE, so huge frames come from entirely free trees as in
 * the paper's kernel benchmark.
 *
 * Metadata comes from the runner's allocator (bench_env.alloc) and counts in
 * balloc_metadata_bytes. The frames themselves are never touched: the
 * allocators manage frame numbers 0 .. frames-1.
 */
#ifndef BENCH_ALLOC_H
#define BENCH_ALLOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buddy.h"
#include "llfree.h"

struct bench_env;
struct list_alloc;

enum balloc_kind { BALLOC_LLFREE, BALLOC_BUDDY, BALLOC_LIST, BALLOC_KINDS };

/* get/put return 0 or the allocator's own error code (balloc_strerror names it). */
#define BALLOC_OK 0

struct balloc {
	enum balloc_kind kind;
	unsigned cores;
	uint64_t frames;
	const struct bench_env *env;
	void *meta[2]; /* buffers from env->alloc, with their sizes */
	size_t meta_size[2];
	union {
		llfree_t llfree;
		buddy_t *buddy;
		struct list_alloc *list;
	} u;
};

const char *balloc_kind_name(enum balloc_kind k);
/* All frames free, `cores` cores. Returns NULL or why it failed (nothing to free then). */
const char *balloc_init(struct balloc *a, enum balloc_kind k, const struct bench_env *env,
			unsigned cores, uint64_t frames);
/* Back to all free in the same buffers (before each iteration). */
const char *balloc_reset(struct balloc *a);
void balloc_fini(struct balloc *a);

int balloc_get(struct balloc *a, unsigned core, unsigned order, uint64_t *frame);
int balloc_put(struct balloc *a, unsigned core, uint64_t frame, unsigned order);
void balloc_drain(struct balloc *a, unsigned core);
/* True if err is "no free frame of this order". */
bool balloc_oom(const struct balloc *a, int err);
const char *balloc_strerror(const struct balloc *a, int err);
/* False if the allocator cannot allocate this order at all (the list: order 0 only). */
bool balloc_supports(enum balloc_kind k, unsigned order);

uint64_t balloc_free_frames(struct balloc *a);
/*
 * Entirely free 2 MiB areas in the allocator's own free structures, frag's H:
 * for the buddy allocator its free lists only, not its per-core caches
 * (shared/design/benchmarks.md, "frag").
 */
uint64_t balloc_free_huge(struct balloc *a);
size_t balloc_metadata_bytes(const struct balloc *a);
/* Quiescent consistency check; NULL or what is wrong. */
const char *balloc_validate(struct balloc *a);

#endif
