/*
 * Memory type range registers, read once on the boot CPU (the firmware sets
 * them alike on every CPU; the kernel never writes them).
 * Intel SDM Vol. 3A, 11.11: 11.11.1 (IA32_MTRRCAP: VCNT, FIX, WC),
 * 11.11.2.1 (IA32_MTRR_DEF_TYPE: type, FE, E), 11.11.2.2 (fixed ranges),
 * 11.11.2.3 (variable ranges: PHYSBASEn, PHYSMASKn), 11.11.4.1
 * (precedences), 11.11.9 (a large page over several types is undefined).
 *
 * The lookup is pure, so host unit tests run it on crafted register sets.
 */
#ifndef KERNEL_ARCH_MTRR_H
#define KERNEL_ARCH_MTRR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arch/memtype.h"

#define MTRR_VAR_MAX 32      /* VCNT is 8 bits; real CPUs have 8-10 */
#define MTRR_FIXED_RANGES 88 /* 8 x 64 KiB, 16 x 16 KiB, 64 x 4 KiB below 1 MiB */
#define MTRR_FIXED_END 0x100000ull

struct mtrr_var {
	uint64_t base;  /* PHYSBASE bits 12..MAXPHYADDR-1 */
	uint64_t mask;  /* PHYSMASK bits 12..MAXPHYADDR-1 */
	uint8_t type;
	bool valid;     /* PHYSMASK bit 11 */
};

struct mtrr_state {
	bool present;          /* CPUID 01H:EDX[12]; false: the PAT alone decides (WB) */
	bool enabled;          /* DEF_TYPE.E; false: everything UC */
	bool fixed_enabled;    /* DEF_TYPE.FE and MTRRCAP.FIX */
	bool wc_supported;     /* MTRRCAP.WC */
	uint8_t default_type;  /* DEF_TYPE bits 7:0 */
	unsigned var_count;    /* MTRRCAP.VCNT (at most MTRR_VAR_MAX read) */
	unsigned var_total;    /* VCNT as reported */
	struct mtrr_var var[MTRR_VAR_MAX];
	uint8_t fixed[MTRR_FIXED_RANGES];
};

/*
 * The type the MTRRs give [base, base + size), where size is a power of two
 * of at least 4 KiB and base is aligned to it (a page). False when the page
 * spans several types, or fixed ranges (below 1 MiB, more than 4 KiB):
 * such a page must be split (11.11.9). Overlapping variable ranges combine
 * as 11.11.4.1 says: UC wins, WT beats WB, any other mix is undefined and
 * taken as UC.
 */
bool mtrr_page_type(const struct mtrr_state *m, uint64_t base, uint64_t size, uint8_t *type);

/* "default=wb fixed=on var=3/8", "disabled" or "absent", for the ENV line's mtrr=. */
void mtrr_summary(const struct mtrr_state *m, char *buf, size_t size);

/* Kernel only (mtrr.c): read this CPU's MTRRs into *m, and print them for people. */
void mtrr_read(struct mtrr_state *m);
void mtrr_print(const struct mtrr_state *m);

#endif
