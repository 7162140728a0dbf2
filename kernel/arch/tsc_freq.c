/*
 * TSC frequency from CPUID 15H/16H and MSR_PLATFORM_INFO (see tsc_freq.h).
 * Intel SDM Vol. 2A (CPUID 01H, 15H, 16H), Vol. 4 (MSR_PLATFORM_INFO).
 */
#include "arch/tsc_freq.h"

#define HZ_PER_MHZ 1000000ull

uint64_t tsc_hz_from_cpuid(const struct cpuid_tsc_leaves *l, bool *from_16h)
{
	*from_16h = false;
	if (l->denominator == 0 || l->numerator == 0)
		return 0;
	uint64_t crystal = l->crystal_hz;
	if (crystal == 0) {
		if (l->base_mhz == 0)
			return 0;
		crystal = (uint64_t)l->base_mhz * HZ_PER_MHZ * l->denominator / l->numerator;
		*from_16h = true;
	}
	return crystal * l->numerator / l->denominator;
}

/* Family-6 models with MSR_PLATFORM_INFO[15:8] x 100 MHz (SDM Vol. 4, 2.9 onwards). */
static const uint8_t platform_info_models[] = {
	0x2a, 0x2d,             /* Sandy Bridge, Sandy Bridge-EP */
	0x3a, 0x3e,             /* Ivy Bridge, Ivy Bridge-EP */
	0x3c, 0x3f, 0x45, 0x46, /* Haswell, Haswell-EP, -ULT, -GT3e */
	0x3d, 0x47, 0x4f, 0x56, /* Broadwell, -GT3e, -EP, -DE */
	0x4e, 0x5e, 0x55,       /* Skylake mobile, desktop, Skylake-SP */
	0x8e, 0x9e,             /* Kaby Lake, Coffee Lake */
	0x57, 0x85,             /* Xeon Phi Knights Landing, Knights Mill */
};

bool platform_info_has_ratio(bool intel, uint32_t family, uint32_t model)
{
	if (!intel || family != 6)
		return false;
	for (unsigned i = 0; i < sizeof(platform_info_models); i++)
		if (platform_info_models[i] == model)
			return true;
	return false;
}

uint64_t tsc_hz_from_platform_info(uint64_t msr)
{
	uint64_t ratio = (msr >> PLATFORM_INFO_RATIO_SHIFT) & PLATFORM_INFO_RATIO_MASK;
	return ratio * PLATFORM_INFO_BUS_HZ;
}
