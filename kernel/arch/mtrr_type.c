/*
 * The MTRRs' type for a page, and their one-line summary (see mtrr.h).
 * Intel SDM Vol. 3A, 11.11.2 (fixed and variable ranges), 11.11.4.1.
 */
#include "arch/mtrr.h"

#include "lib/printf.h"

#define PAGE_4K 0x1000ull
#define FIXED_64K_END 0x80000ull
#define FIXED_16K_END 0xc0000ull

/* Index into fixed[]: 8 x 64 KiB from 0, 16 x 16 KiB from 512 KiB, 64 x 4 KiB from 768 KiB. */
static unsigned fixed_index(uint64_t addr)
{
	if (addr < FIXED_64K_END)
		return (unsigned)(addr >> 16);
	if (addr < FIXED_16K_END)
		return 8 + (unsigned)((addr - FIXED_64K_END) >> 14);
	return 24 + (unsigned)((addr - FIXED_16K_END) >> 12);
}

/* 11.11.4.1: one match takes its type; UC wins; WT beats WB; other mixes are undefined (UC). */
static uint8_t combine(int so_far, uint8_t type)
{
	if (so_far < 0 || so_far == type)
		return type;
	if (so_far == MEMTYPE_UC || type == MEMTYPE_UC)
		return MEMTYPE_UC;
	if ((so_far == MEMTYPE_WT && type == MEMTYPE_WB) || (so_far == MEMTYPE_WB && type == MEMTYPE_WT))
		return MEMTYPE_WT;
	return MEMTYPE_UC;
}

bool mtrr_page_type(const struct mtrr_state *m, uint64_t base, uint64_t size, uint8_t *type)
{
	if (!m->present) {
		*type = MEMTYPE_WB;
		return true;
	}
	if (!m->enabled) {
		*type = MEMTYPE_UC;
		return true;
	}
	if (m->fixed_enabled && base < MTRR_FIXED_END) {
		*type = m->fixed[fixed_index(base)];
		return size <= PAGE_4K;
	}
	int found = -1;
	for (unsigned i = 0; i < m->var_count; i++) {
		const struct mtrr_var *v = &m->var[i];
		if (!v->valid)
			continue;
		/* Mask bits above the page select the whole page or none of it; bits inside split it. */
		if ((base ^ v->base) & v->mask & ~(size - 1))
			continue;
		if (v->mask & (size - 1) & ~(PAGE_4K - 1))
			return false;
		found = combine(found, v->type);
	}
	*type = found < 0 ? m->default_type : (uint8_t)found;
	return true;
}

void mtrr_summary(const struct mtrr_state *m, char *buf, size_t size)
{
	if (!m->present) {
		ksnprintf(buf, size, "absent");
		return;
	}
	if (!m->enabled) {
		ksnprintf(buf, size, "disabled");
		return;
	}
	unsigned used = 0;
	for (unsigned i = 0; i < m->var_count; i++)
		used += m->var[i].valid;
	ksnprintf(buf, size, "default=%s fixed=%s var=%u/%u", memtype_name(m->default_type),
		  m->fixed_enabled ? "on" : "off", used, m->var_total);
}
