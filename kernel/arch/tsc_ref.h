/*
 * The TSC measured against a reference clock: the ACPI PM timer, the HPET,
 * PIT channel 2, the CMOS RTC (the last resorts of tsc_calibrate, tsc.h).
 * ACPI 6.5 4.8.3.3, IA-PC HPET 1.0a 2.3.7, 8254 datasheet, MC146818A
 * datasheet (update cycle).
 *
 * Before calibration the TSC is the only clock, so every bound on a wait is
 * a TSC tick count for the fastest TSC expected (TSC_HZ_MAX): on a slower
 * CPU the wait lasts longer, never shorter. A count of reads would not do:
 * a reference that is present but stopped (a clock-gated PIT reads a
 * constant) must end its method within a bounded time too.
 */
#ifndef KERNEL_ARCH_TSC_REF_H
#define KERNEL_ARCH_TSC_REF_H

#include <stdint.h>

/* Results outside [TSC_HZ_MIN, TSC_HZ_MAX] are refused (tsc.c). */
#define TSC_HZ_MIN 100000000ull   /* 100 MHz */
#define TSC_HZ_MAX 10000000000ull /* 10 GHz */

/* TSC ticks that last at least `us` microseconds on any TSC up to TSC_HZ_MAX. */
static inline uint64_t tsc_bound_ticks(uint64_t us)
{
	return us * (TSC_HZ_MAX / 1000000);
}

/* TSC Hz measured against one reference, or 0 with *why set (absent, not counting). */
uint64_t tsc_ref_pmtimer(const char **why);
uint64_t tsc_ref_hpet(const char **why);
uint64_t tsc_ref_pit(const char **why);
uint64_t tsc_ref_rtc(const char **why);

#endif
