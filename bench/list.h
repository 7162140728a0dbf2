/*
 * Strawman baseline: one global free list of 4 KiB frames under one
 * spinlock (shared/design/benchmarks.md, "Baselines", optional strawmen).
 * Order 0 only. Same shape as buddy.h: the caller hands in the metadata
 * buffer (8 bytes per frame), frames are numbered 0 .. frames-1.
 */
#ifndef BENCH_LIST_H
#define BENCH_LIST_H

#include <stddef.h>
#include <stdint.h>

enum list_result { LIST_OK, LIST_ERR_MEMORY, LIST_ERR_ORDER, LIST_ERR_RANGE, LIST_ERR_DOUBLE_FREE };

struct list_alloc;

size_t list_metadata_size(uint64_t frames);
/* All frames free, in `buf` (64-byte aligned); relax (or NULL: pause) while spinning. */
struct list_alloc *list_init(void *buf, uint64_t frames, void (*relax)(void));
int list_get(struct list_alloc *l, unsigned order, uint64_t *frame);
int list_put(struct list_alloc *l, uint64_t frame, unsigned order);
uint64_t list_free_frames(const struct list_alloc *l);
/* Areas of 512 frames that are all free (quiescent only: scans every frame). */
uint64_t list_free_huge(const struct list_alloc *l);
/* NULL, or what is wrong with the list (quiescent only). */
const char *list_validate(const struct list_alloc *l);
const char *list_strerror(int err);

#endif
