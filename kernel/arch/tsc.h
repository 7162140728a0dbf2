/*
 * Time-stamp counter: frequency, and the delays and timestamps built on it.
 * Intel SDM Vol. 3B, 18.17 (time-stamp counter, invariant TSC), Vol. 2A
 * CPUID leaf 15H (TSC/crystal ratio); hypervisor leaf 40000010H (TSC kHz,
 * VMware/QEMU convention). Whether the TSC is invariant (CPUID 80000007H)
 * is part of the CPU's identification (bench/cpu_ident.h).
 *
 * Frequency sources, in order (docs/hardware.md, "TSC calibration"): CPUID 15H (with
 * the crystal derived from CPUID 16H where 15H gives none), the hypervisor
 * leaf, MSR_PLATFORM_INFO on the Intel models that have it, then a
 * measurement against the ACPI PM timer, the HPET or PIT channel 2 (median
 * of several runs), and the CMOS RTC's once-a-second update, which every PC
 * has, as the last resort. Every method is bounded by time (TSC ticks at
 * the fastest plausible rate), not by a count of reads. Calibrate on the
 * BSP before any AP starts: a descheduled vCPU spoils the measurement when
 * many vCPUs compete for the host.
 */
#ifndef KERNEL_ARCH_TSC_H
#define KERNEL_ARCH_TSC_H

#include <stdbool.h>
#include <stdint.h>

/* Determine the TSC frequency; false (every method's reason printed) if none worked. */
bool tsc_calibrate(void);

uint64_t tsc_hz(void);
/* cpuid15, cpuid16, hypervisor, platform_info, pmtimer, hpet, pit, rtc */
const char *tsc_source(void);

/* Serialised reads around a timed region (SDM Vol. 2B RDTSC/RDTSCP notes). */
static inline uint64_t tsc_begin(void)
{
	uint32_t lo, hi;
	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

/* RDTSCP is optional (CPUID 80000001H:EDX[27]; QEMU's qemu64 model lacks it). */
extern bool tsc_has_rdtscp;

static inline uint64_t tsc_end(void)
{
	uint32_t lo, hi, aux;
	if (tsc_has_rdtscp)
		__asm__ volatile("rdtscp; lfence" : "=a"(lo), "=d"(hi), "=c"(aux)::"memory");
	else
		__asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi)::"memory");
	return ((uint64_t)hi << 32) | lo;
}

uint64_t tsc_ticks_to_us(uint64_t ticks);
uint64_t tsc_ticks_to_ns(uint64_t ticks);
uint64_t tsc_us_to_ticks(uint64_t us);
/* Busy-wait at least `us` microseconds (after calibration). */
void tsc_delay_us(uint64_t us);

#endif
