/*
 * HPET (IA-PC HPET Specification 1.0a, 2.3.4 capabilities, 2.3.5
 * configuration, 2.3.7 main counter). 64-bit registers, read whole.
 */
#include "dev/hpet.h"

#include "arch/paging.h"
#include "lib/printf.h"

#define HPET_CAPABILITIES 0x000
#define HPET_CONFIG 0x010
#define HPET_MAIN_COUNTER 0x0F0
#define HPET_REGION_SIZE 0x400

#define HPET_CAP_PERIOD_SHIFT 32   /* COUNTER_CLK_PERIOD, femtoseconds */
#define HPET_CAP_COUNT_SIZE (1ull << 13) /* 64-bit main counter */
#define HPET_CONFIG_ENABLE (1ull << 0)
#define HPET_MAX_PERIOD_FS 100000000ull /* 2.3.4: at most 100 ns */
#define FS_PER_S 1000000000000000ull

static volatile uint64_t *regs;
static uint64_t hz;
static uint64_t mask;

bool hpet_init(uint64_t phys)
{
	if (phys == 0)
		return false;
	regs = (volatile uint64_t *)paging_map_mmio(phys, HPET_REGION_SIZE);
	uint64_t cap = regs[HPET_CAPABILITIES / 8];
	uint64_t period = cap >> HPET_CAP_PERIOD_SHIFT;
	if (period == 0 || period > HPET_MAX_PERIOD_FS) {
		kprintf("WARN msg=\"HPET period %llu fs out of range\"\n", (unsigned long long)period);
		regs = 0;
		return false;
	}
	hz = FS_PER_S / period;
	mask = (cap & HPET_CAP_COUNT_SIZE) ? ~0ull : 0xFFFFFFFFull;
	regs[HPET_CONFIG / 8] |= HPET_CONFIG_ENABLE;
	return true;
}

bool hpet_present(void)
{
	return regs != 0;
}

uint64_t hpet_read(void)
{
	return regs[HPET_MAIN_COUNTER / 8] & mask;
}

uint64_t hpet_mask(void)
{
	return mask;
}

uint64_t hpet_hz(void)
{
	return hz;
}
