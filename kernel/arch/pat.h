/*
 * Page attribute table (Intel SDM Vol. 3A, 11.12): the memory type a page
 * gets from its PAT, PCD and PWT bits. Every CPU gets the same table:
 *
 *   index  PAT PCD PWT  type  use
 *   0       0   0   0   WB    RAM (the direct map, the kernel image)
 *   1       0   0   1   WT    (power-on value, unused)
 *   2       0   1   0   UC-   (power-on value, unused)
 *   3       0   1   1   UC    MMIO (paging_map_mmio)
 *   4..6                WB, WT, UC- (power-on values, unused)
 *   7       1   1   1   WC    framebuffers (paging_map_wc)
 *
 * Entries 0-6 keep their power-on values (11.12.4, table 11-12), so the boot
 * tables and an AP that has not yet written its PAT read every page the way
 * the kernel means it; WC takes entry 7, whose power-on value is UC: until
 * an AP has programmed its table, a WC page is UC to it, never cacheable.
 */
#ifndef KERNEL_ARCH_PAT_H
#define KERNEL_ARCH_PAT_H

#include <stdbool.h>
#include <stdint.h>

#include "arch/memtype.h"

#define MSR_IA32_PAT 0x277u
#define PAT_INDEX_WB 0u
#define PAT_INDEX_UC 3u
#define PAT_INDEX_WC 7u

/* The table above as the MSR holds it (one byte per entry, entry 0 lowest). */
#define PAT_VALUE                                                                         \
	((uint64_t)MEMTYPE_WB | (uint64_t)MEMTYPE_WT << 8 | (uint64_t)MEMTYPE_UC_MINUS << 16 |  \
	 (uint64_t)MEMTYPE_UC << 24 | (uint64_t)MEMTYPE_WB << 32 | (uint64_t)MEMTYPE_WT << 40 | \
	 (uint64_t)MEMTYPE_UC_MINUS << 48 | (uint64_t)MEMTYPE_WC << 56)

/*
 * Write the table on this CPU, before it uses any WC mapping (the BSP
 * before paging_init, every AP on entry). False if the CPU has no PAT
 * (CPUID 01H:EDX[16]): then paging_map_wc maps uncached.
 */
bool pat_init_this_cpu(void);

/* Whether every online CPU's IA32_PAT holds PAT_VALUE; false (the CPUs named) if not. After the AP start. */
bool pat_check_all_cpus(void);

/* Whether the boot CPU found a PAT (WC available). */
bool pat_present(void);

/* "wb,wt,uc-,uc,wb,wt,uc-,wc" for the ENV line, or "absent". */
const char *pat_summary(void);

#endif
