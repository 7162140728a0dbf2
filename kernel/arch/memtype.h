/*
 * Memory types, as the MTRRs and the PAT encode them (Intel SDM Vol. 3A,
 * 11.3 table 11-2, 11.11.1 table 11-8, 11.12.1 table 11-10).
 */
#ifndef KERNEL_ARCH_MEMTYPE_H
#define KERNEL_ARCH_MEMTYPE_H

#include <stdint.h>

enum memtype {
	MEMTYPE_UC = 0,       /* uncacheable, strong ordering: MMIO */
	MEMTYPE_WC = 1,       /* write-combining: framebuffers */
	MEMTYPE_WT = 4,       /* write-through */
	MEMTYPE_WP = 5,       /* write-protected */
	MEMTYPE_WB = 6,       /* write-back: RAM */
	MEMTYPE_UC_MINUS = 7, /* PAT only: UC that an MTRR WC can weaken */
};

/* "uc", "wc", "wt", "wp", "wb", "uc-", or "reserved" for any other value. */
static inline const char *memtype_name(uint8_t type)
{
	switch (type) {
	case MEMTYPE_UC:
		return "uc";
	case MEMTYPE_WC:
		return "wc";
	case MEMTYPE_WT:
		return "wt";
	case MEMTYPE_WP:
		return "wp";
	case MEMTYPE_WB:
		return "wb";
	case MEMTYPE_UC_MINUS:
		return "uc-";
	default:
		return "reserved";
	}
}

#endif
