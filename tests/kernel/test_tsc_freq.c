/*
 * kernel/arch/tsc_freq.c on the host, with the CPUID and MSR values real
 * CPUs report: complete leaf 15H, Skylake-class parts whose 15H has no
 * crystal frequency (derived from 16H) and MSR_PLATFORM_INFO ratios (the
 * family/model decoding that gates the MSR read: test_cpu_ident.c).
 */
#include <criterion/criterion.h>

#include "arch/tsc_freq.h"

Test(tsc_freq, complete_leaf_15h)
{
	/* Apollo Lake (Goldmont): crystal 19.2 MHz, ratio 62/1 */
	struct cpuid_tsc_leaves l = { 1, 62, 19200000, 0 };
	bool from_16h = true;
	cr_assert_eq(tsc_hz_from_cpuid(&l, &from_16h), 1190400000ull);
	cr_assert_not(from_16h);
}

/* Xeon Gold 6130 (Skylake-SP): 15H says 168/2 and no crystal, 16H 2100 MHz. */
Test(tsc_freq, crystal_derived_from_16h_on_skylake_sp)
{
	struct cpuid_tsc_leaves l = { 2, 168, 0, 2100 };
	bool from_16h = false;
	cr_assert_eq(tsc_hz_from_cpuid(&l, &from_16h), 2100000000ull);
	cr_assert(from_16h);
}

/* i7-6700K: 15H 334/2, crystal 0, 16H 4000 MHz: within rounding of the base frequency. */
Test(tsc_freq, crystal_derived_rounds_down_by_less_than_the_ratio)
{
	struct cpuid_tsc_leaves l = { 2, 334, 0, 4000 };
	bool from_16h;
	uint64_t hz = tsc_hz_from_cpuid(&l, &from_16h);
	cr_assert(from_16h);
	cr_assert(hz <= 4000000000ull && hz > 4000000000ull - 334, "%llu", (unsigned long long)hz);
}

Test(tsc_freq, leaf_15h_that_says_nothing)
{
	bool from_16h;
	struct cpuid_tsc_leaves no_ratio = { 0, 0, 24000000, 3000 };
	cr_assert_eq(tsc_hz_from_cpuid(&no_ratio, &from_16h), 0);
	struct cpuid_tsc_leaves no_denominator = { 0, 200, 24000000, 3000 };
	cr_assert_eq(tsc_hz_from_cpuid(&no_denominator, &from_16h), 0);
	struct cpuid_tsc_leaves no_crystal_no_16h = { 2, 200, 0, 0 };
	cr_assert_eq(tsc_hz_from_cpuid(&no_crystal_no_16h, &from_16h), 0);
}

Test(tsc_freq, platform_info_ratio_times_100_mhz)
{
	cr_assert_eq(tsc_hz_from_platform_info(0x0000080c2c011e00ull), 3000000000ull); /* ratio 0x1e */
	cr_assert_eq(tsc_hz_from_platform_info(0x2300), 3500000000ull);
	cr_assert_eq(tsc_hz_from_platform_info(0x00ff00ff), 0); /* ratio field 0 */
}

Test(tsc_freq, platform_info_only_on_listed_intel_models)
{
	cr_assert(platform_info_has_ratio(true, 6, 0x2a));  /* Sandy Bridge */
	cr_assert(platform_info_has_ratio(true, 6, 0x3f));  /* Haswell-EP */
	cr_assert(platform_info_has_ratio(true, 6, 0x4f));  /* Broadwell-EP */
	cr_assert_not(platform_info_has_ratio(false, 6, 0x3f)); /* not Intel */
	cr_assert_not(platform_info_has_ratio(true, 6, 0x1a));  /* Nehalem: 133 MHz bus */
	cr_assert_not(platform_info_has_ratio(true, 6, 0x5c));  /* Goldmont: 15H instead */
	cr_assert_not(platform_info_has_ratio(true, 6, 0x06));  /* QEMU's qemu64/max under TCG */
	cr_assert_not(platform_info_has_ratio(true, 0xf, 0x3f));
}
