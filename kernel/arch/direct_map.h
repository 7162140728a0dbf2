/*
 * Which pages the direct map holds, and how large: the plan paging_init
 * carries out, pure so that host unit tests check it on real and crafted
 * memory maps and MTRR sets.
 *
 * Only RAM is mapped (usable, kernel, low, ACPI and NVS ranges, whole pages,
 * page 0 left out), write-back; holes and reserved ranges are not mapped at
 * all (MMIO is mapped uncached on demand, paging_map_mmio). A 1 GiB or
 * 2 MiB page is used only where all of it is one RAM run and one MTRR type:
 * a large page over several MTRR types is undefined (Intel SDM Vol. 3A,
 * 11.11.9), and one over a reserved range would make it cacheable.
 */
#ifndef KERNEL_ARCH_DIRECT_MAP_H
#define KERNEL_ARCH_DIRECT_MAP_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/mtrr.h"
#include "mm/memmap.h"

#define DIRECT_MAP_4K 0x1000ull
#define DIRECT_MAP_2M 0x200000ull
#define DIRECT_MAP_1G 0x40000000ull

/* Whether the direct map holds a range of this type. */
bool direct_map_is_ram(enum memmap_type type);

/* Called for each page of the plan, in address order; mtrr_type is what the MTRRs make it. */
typedef void (*direct_map_page_fn)(void *ctx, uint64_t phys, uint64_t size, uint8_t mtrr_type);

/* Walk the plan for `map` under the MTRRs `m`; 1 GiB pages only if have_1g. */
void direct_map_plan(const struct memmap *map, const struct mtrr_state *m, bool have_1g, direct_map_page_fn page,
		     void *ctx);

#endif
