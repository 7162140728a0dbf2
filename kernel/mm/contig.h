/*
 * Physically contiguous kernel buffers of any size, from the kernel's LLFree
 * (mm/frames.h): the one place that turns a byte count into an allocation
 * (the stress and crash tests, pmem's upper level and the benchmarks use it). One LLFree allocation is at most 2^LLFREE_MAX_ORDER frames
 * (one tree, 16 MiB) and an allocation of a large order does not say where
 * it lands; the benchmarks' frame arrays need more (8 bytes per 4 KiB frame
 * of the machine). So:
 *   - up to one 2 MiB area: one allocation of the smallest order that holds it;
 *   - larger: a run of consecutive entirely free 2 MiB areas, each taken with
 *     get_at. Another CPU may take an area between the check and the get_at:
 *     then the areas taken so far go back and the search goes on below it.
 * Buffers are page aligned (so 64-byte aligned), not zeroed, and reached
 * through the direct map. Free with the same size that was allocated.
 */
#ifndef KERNEL_MM_CONTIG_H
#define KERNEL_MM_CONTIG_H

#include <stddef.h>
#include <stdint.h>

/* NULL if no run of free memory is large enough (or bytes is 0). */
void *contig_alloc(size_t bytes);
/* contig_alloc, and the first `bytes` zeroed. */
void *contig_zalloc(size_t bytes);
void contig_free(void *p, size_t bytes);
/* Frames a buffer of `bytes` takes from the allocator (rounding included). */
uint64_t contig_frames(size_t bytes);

#endif
