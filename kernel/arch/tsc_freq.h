/*
 * TSC frequency from what the CPU states about itself, without measuring:
 * pure arithmetic on CPUID and MSR values, so host unit tests run it on the
 * values real CPUs report.
 *
 * Intel SDM Vol. 2A, CPUID 15H (TSC/crystal ratio EBX/EAX, crystal Hz in
 * ECX) and 16H (base frequency in MHz, EAX); Vol. 3B, 18.17 (the TSC ticks
 * at the base frequency on invariant-TSC parts); Vol. 4, MSR_PLATFORM_INFO
 * (0CEH) bits 15:8, maximum non-turbo ratio, times the 100 MHz bus clock
 * from Sandy Bridge on (tables 2-20 and later).
 */
#ifndef KERNEL_ARCH_TSC_FREQ_H
#define KERNEL_ARCH_TSC_FREQ_H

#include <stdbool.h>
#include <stdint.h>

#define MSR_PLATFORM_INFO 0xceu
#define PLATFORM_INFO_RATIO_SHIFT 8
#define PLATFORM_INFO_RATIO_MASK 0xffu
#define PLATFORM_INFO_BUS_HZ 100000000ull

/* CPUID 15H as returned, and CPUID 16H EAX (0 when the leaf is absent). */
struct cpuid_tsc_leaves {
	uint32_t denominator; /* 15H EAX */
	uint32_t numerator;   /* 15H EBX */
	uint32_t crystal_hz;  /* 15H ECX, 0 on Skylake-class parts */
	uint32_t base_mhz;    /* 16H EAX */
};

/*
 * TSC Hz from CPUID 15H, or 0 when it does not say. Where 15H gives the
 * ratio but no crystal frequency, the crystal is derived from the 16H base
 * frequency (crystal = base * denominator / numerator), as Linux does on
 * Skylake and Kaby Lake; *from_16h says so.
 */
uint64_t tsc_hz_from_cpuid(const struct cpuid_tsc_leaves *l, bool *from_16h);

/*
 * Whether an Intel family-6 model has MSR_PLATFORM_INFO with a 100 MHz
 * ratio (Sandy Bridge through Kaby Lake cores and Xeons, Xeon Phi): a read of
 * an MSR a CPU lacks raises #GP, so only listed models are asked.
 */
bool platform_info_has_ratio(bool intel, uint32_t family, uint32_t model);

/* TSC Hz from MSR_PLATFORM_INFO's maximum non-turbo ratio; 0 when the ratio is 0. */
uint64_t tsc_hz_from_platform_info(uint64_t msr);

#endif
