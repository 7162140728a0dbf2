/*
 * Reading the MTRRs (see mtrr.h). Intel SDM Vol. 3A, 11.11.1 (MTRRCAP),
 * 11.11.2 (DEF_TYPE, fixed-range MSRs 250H, 258H, 259H, 268H-26FH,
 * PHYSBASEn at 200H + 2n, PHYSMASKn at 201H + 2n), Vol. 2A CPUID 80000008H
 * (MAXPHYADDR: the width of PHYSBASE and PHYSMASK).
 */
#include "arch/mtrr.h"

#include "arch/cpu.h"
#include "lib/printf.h"
#include "lib/string.h"

#define CPUID_1_EDX_MTRR (1u << 12)
#define CPUID_EXT_ADDRESS_SIZES 0x80000008u
#define MAXPHYADDR_DEFAULT 36 /* CPUs without leaf 80000008H (11.11.2.3) */

#define MSR_MTRRCAP 0xfeu
#define MSR_MTRR_DEF_TYPE 0x2ffu
#define MSR_MTRR_PHYSBASE0 0x200u
#define MSR_MTRR_PHYSMASK0 0x201u
#define MSR_MTRR_FIX64K_00000 0x250u
#define MSR_MTRR_FIX16K_80000 0x258u
#define MSR_MTRR_FIX16K_A0000 0x259u
#define MSR_MTRR_FIX4K_C0000 0x268u /* .. 26FH */

#define MTRRCAP_VCNT_MASK 0xffu
#define MTRRCAP_FIX (1u << 8)
#define MTRRCAP_WC (1u << 10)
#define DEF_TYPE_MASK 0xffu
#define DEF_TYPE_FE (1u << 10)
#define DEF_TYPE_E (1u << 11)
#define PHYSMASK_VALID (1u << 11)
#define TYPE_MASK 0xffu

static uint64_t address_mask(void)
{
	unsigned bits = MAXPHYADDR_DEFAULT;
	struct cpuid_regs r = cpuid_ext(CPUID_EXT_ADDRESS_SIZES);
	if (r.eax & 0xff)
		bits = r.eax & 0xff;
	return ((1ull << bits) - 1) & ~0xfffull;
}

static void read_fixed(struct mtrr_state *m)
{
	static const uint32_t msrs[11] = {
		MSR_MTRR_FIX64K_00000, MSR_MTRR_FIX16K_80000, MSR_MTRR_FIX16K_A0000,
		MSR_MTRR_FIX4K_C0000, MSR_MTRR_FIX4K_C0000 + 1, MSR_MTRR_FIX4K_C0000 + 2,
		MSR_MTRR_FIX4K_C0000 + 3, MSR_MTRR_FIX4K_C0000 + 4, MSR_MTRR_FIX4K_C0000 + 5,
		MSR_MTRR_FIX4K_C0000 + 6, MSR_MTRR_FIX4K_C0000 + 7,
	};
	for (unsigned i = 0; i < 11; i++) {
		uint64_t v = rdmsr(msrs[i]);
		for (unsigned b = 0; b < 8; b++)
			m->fixed[8 * i + b] = (uint8_t)(v >> (8 * b));
	}
}

void mtrr_read(struct mtrr_state *m)
{
	memset(m, 0, sizeof(*m));
	if (!(cpuid(1, 0).edx & CPUID_1_EDX_MTRR))
		return;
	m->present = true;
	uint64_t cap = rdmsr(MSR_MTRRCAP), def = rdmsr(MSR_MTRR_DEF_TYPE);
	m->enabled = (def & DEF_TYPE_E) != 0;
	m->fixed_enabled = (def & DEF_TYPE_FE) && (cap & MTRRCAP_FIX);
	m->wc_supported = (cap & MTRRCAP_WC) != 0;
	m->default_type = (uint8_t)(def & DEF_TYPE_MASK);
	m->var_total = (unsigned)(cap & MTRRCAP_VCNT_MASK);
	m->var_count = m->var_total < MTRR_VAR_MAX ? m->var_total : MTRR_VAR_MAX;
	uint64_t addr = address_mask();
	for (unsigned i = 0; i < m->var_count; i++) {
		uint64_t base = rdmsr(MSR_MTRR_PHYSBASE0 + 2 * i), mask = rdmsr(MSR_MTRR_PHYSMASK0 + 2 * i);
		m->var[i] = (struct mtrr_var){ base & addr, mask & addr, (uint8_t)(base & TYPE_MASK),
					       (mask & PHYSMASK_VALID) != 0 };
	}
	if (m->fixed_enabled)
		read_fixed(m);
}

/* Size of a contiguous mask (lowest set bit); 0 for a mask with holes. */
static uint64_t mask_size(uint64_t mask, uint64_t addr_mask)
{
	uint64_t size = mask & -mask;
	return ((addr_mask & ~(size - 1)) == mask) ? size : 0;
}

void mtrr_print(const struct mtrr_state *m)
{
	char summary[64];
	mtrr_summary(m, summary, sizeof(summary));
	kprintf("mtrr: %s%s\n", summary, m->present && m->enabled && m->wc_supported ? " (wc supported)" : "");
	if (!m->present || !m->enabled)
		return;
	uint64_t addr = address_mask();
	for (unsigned i = 0; i < m->var_count; i++) {
		const struct mtrr_var *v = &m->var[i];
		if (!v->valid)
			continue;
		uint64_t size = mask_size(v->mask, addr);
		if (size)
			kprintf("mtrr:   var %u: 0x%llx + 0x%llx %s\n", i, (unsigned long long)v->base,
				(unsigned long long)size, memtype_name(v->type));
		else
			kprintf("mtrr:   var %u: base 0x%llx mask 0x%llx (not contiguous) %s\n", i,
				(unsigned long long)v->base, (unsigned long long)v->mask, memtype_name(v->type));
	}
}
