/*
 * The kernel's page-frame allocator: one LLFree instance over physical
 * frames 0 .. top of usable RAM (design llfree.md; frame number = physical
 * address >> 12, so the managed range starts at 0 and is aligned to every
 * order). Every frame that is not usable RAM (holes, firmware ranges, the
 * first MiB, the kernel image, the multiboot info, the metadata itself)
 * stays allocated forever.
 */
#ifndef KERNEL_MM_FRAMES_H
#define KERNEL_MM_FRAMES_H

#include <stdbool.h>
#include <stdint.h>

#include "llfree.h"
#include "mm/memmap.h"

/*
 * Place the metadata in usable RAM, init ALLOC, free every usable range and
 * print the `MEM ...` line. `cores` is every CPU that may ever call in (the
 * MADT's count). False (reason printed) if no range holds the metadata or
 * LLFree refused.
 */
bool frames_init(const struct memmap *map, unsigned cores);

/* Allocate 2^order frames for the calling CPU; physical address in *phys. */
bool frames_get(unsigned order, llfree_kind_t kind, uint64_t *phys);
/*
 * Free what frames_get returned; panics on a bad free (a kernel bug), with
 * LLFree's reason. LLFree keeps one bit per 4 KiB frame and no block sizes
 * below 2 MiB (llfree.h, llfree_put), so not every bad free is caught:
 *   - panics: a free of memory that is entirely free (double free), a
 *     misaligned or out-of-range block, or (for 2 MiB and larger) areas that
 *     were not allocated as whole 2 MiB frames;
 *   - accepted without a word: freeing part of a block (a 4 KiB frame of a
 *     16 KiB block: exactly that frame becomes free, the rest stays yours)
 *     or two neighbouring blocks of yours as one larger block, and a double
 *     free after the frames were handed out again (it frees the new owner's
 *     frames). Free with the order you allocated with.
 * The kind only says which reservation gets the count back.
 */
void frames_put(uint64_t phys, unsigned order, llfree_kind_t kind);

/* The allocator itself, for the stress test and the benchmarks. */
llfree_t *frames_llfree(void);

#endif
