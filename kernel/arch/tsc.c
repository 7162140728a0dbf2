/*
 * TSC frequency from CPUID or by measurement (see tsc.h for the order).
 * Intel SDM Vol. 2A (CPUID 15H, 80000007H), Vol. 3B 18.17.
 */
#include "arch/tsc.h"

#include "arch/cpu.h"
#include "cmdline.h"
#include "dev/hpet.h"
#include "dev/pit.h"
#include "dev/pmtimer.h"
#include "lib/printf.h"

#define CPUID_TSC_LEAF 0x15u
#define CPUID_HYPERVISOR_BASE 0x40000000u
#define CPUID_HYPERVISOR_TSC 0x40000010u
#define CPUID_EXT_BASE 0x80000000u
#define CPUID_EXT_BRAND 0x80000002u
#define CPUID_EXT_POWER 0x80000007u
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)
#define CPUID_80000001_EDX_RDTSCP (1u << 27)

/* Measurement: RUNS windows of WINDOW_US each, the median wins. */
#define CALIBRATE_RUNS 5
#define CALIBRATE_WINDOW_US 10000u
/* A reference counter that never advances must not hang the boot. */
#define CALIBRATE_MAX_READS 50000000u

/* tsc_ref=: which reference to measure against; auto takes the first available. */
enum tsc_ref { TSC_REF_AUTO, TSC_REF_PMTIMER, TSC_REF_HPET, TSC_REF_PIT };
static const char *const tsc_ref_names[] = { "auto", "pmtimer", "hpet", "pit", NULL };
static unsigned opt_tsc_ref;
KOPT_ENUM(opt_tsc_ref, "tsc_ref", tsc_ref_names, "auto",
	  "TSC calibration: auto (CPUID, hypervisor, PM timer, HPET, PIT) or measure against one");

bool tsc_has_rdtscp;
static uint64_t hz;
static const char *source = "none";
static char hypervisor[13];
static char brand[49];

static uint32_t cpuid_max(uint32_t base)
{
	return cpuid(base, 0).eax;
}

static bool has_hypervisor(void)
{
	return (cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR) != 0;
}

const char *cpu_hypervisor(void)
{
	if (!has_hypervisor())
		return "none";
	struct cpuid_regs r = cpuid(CPUID_HYPERVISOR_BASE, 0);
	uint32_t words[3] = { r.ebx, r.ecx, r.edx };
	for (int i = 0; i < 12; i++) {
		char ch = (char)(words[i / 4] >> (8 * (i % 4)));
		hypervisor[i] = (ch > ' ' && ch < 127 && ch != '"') ? ch : 0;
	}
	hypervisor[12] = 0;
	return hypervisor[0] ? hypervisor : "unknown";
}

const char *cpu_brand(void)
{
	if (cpuid_max(CPUID_EXT_BASE) < CPUID_EXT_BRAND + 2)
		return "unknown";
	uint32_t regs[12];
	for (uint32_t i = 0; i < 3; i++) {
		struct cpuid_regs r = cpuid(CPUID_EXT_BRAND + i, 0);
		regs[4 * i] = r.eax;
		regs[4 * i + 1] = r.ebx;
		regs[4 * i + 2] = r.ecx;
		regs[4 * i + 3] = r.edx;
	}
	int n = 0;
	for (int i = 0; i < 48; i++) {
		char ch = (char)(regs[i / 4] >> (8 * (i % 4)));
		if (ch == 0)
			break;
		if ((n == 0 && ch == ' ') || ch == '"' || ch < ' ' || ch > '~')
			continue;
		brand[n++] = ch;
	}
	while (n > 0 && brand[n - 1] == ' ')
		n--;
	brand[n] = 0;
	return n ? brand : "unknown";
}

bool tsc_invariant(void)
{
	return (cpuid_ext(CPUID_EXT_POWER).edx & CPUID_80000007_EDX_INVARIANT_TSC) != 0;
}

/* CPUID 15H: TSC = crystal Hz * EBX / EAX, usable only when all three are given. */
static uint64_t hz_from_cpuid15(void)
{
	if (cpuid_max(0) < CPUID_TSC_LEAF)
		return 0;
	struct cpuid_regs r = cpuid(CPUID_TSC_LEAF, 0);
	if (r.eax == 0 || r.ebx == 0 || r.ecx == 0)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax;
}

static uint64_t hz_from_hypervisor(void)
{
	if (!has_hypervisor() || cpuid_max(CPUID_HYPERVISOR_BASE) < CPUID_HYPERVISOR_TSC)
		return 0;
	return (uint64_t)cpuid(CPUID_HYPERVISOR_TSC, 0).eax * 1000;
}

/* One window against a free-running counter of `ref_hz` with wrap `mask`. */
static uint64_t measure_counter(uint64_t (*read)(void), uint64_t mask, uint64_t ref_hz)
{
	uint64_t target = ref_hz * CALIBRATE_WINDOW_US / 1000000;
	uint64_t start = read(), now = start, elapsed = 0;
	uint32_t reads = 0;
	/* Start on a counter edge so the window is not short by up to one tick. */
	while ((now = read()) == start)
		if (++reads == CALIBRATE_MAX_READS)
			return 0;
	start = now;
	uint64_t t0 = tsc_begin();
	do {
		now = read();
		elapsed = (now - start) & mask;
		if (++reads == CALIBRATE_MAX_READS)
			return 0;
	} while (elapsed < target);
	uint64_t t1 = tsc_end();
	return (t1 - t0) * ref_hz / elapsed;
}

static uint64_t measure_pit(void)
{
	return measure_counter(pit_counter_read, PIT_COUNTER_MASK, PIT_HZ);
}

static uint64_t measure_pmtimer(void)
{
	return measure_counter(pmtimer_read, pmtimer_mask(), ACPI_PM_TIMER_HZ);
}

static uint64_t measure_hpet(void)
{
	return measure_counter(hpet_read, hpet_mask(), hpet_hz());
}

/* Median of CALIBRATE_RUNS measurements; 0 if any run failed. */
static uint64_t median_of_runs(uint64_t (*measure)(void))
{
	uint64_t runs[CALIBRATE_RUNS];
	for (int i = 0; i < CALIBRATE_RUNS; i++) {
		runs[i] = measure();
		if (runs[i] == 0)
			return 0;
		for (int j = i; j > 0 && runs[j] < runs[j - 1]; j--) {
			uint64_t t = runs[j];
			runs[j] = runs[j - 1];
			runs[j - 1] = t;
		}
	}
	return runs[CALIBRATE_RUNS / 2];
}

/* Measure against the reference `ref` (median of several windows); 0 if it failed. */
static uint64_t measure(enum tsc_ref ref)
{
	switch (ref) {
	case TSC_REF_PMTIMER:
		return pmtimer_present() ? median_of_runs(measure_pmtimer) : 0;
	case TSC_REF_HPET:
		return hpet_present() ? median_of_runs(measure_hpet) : 0;
	case TSC_REF_PIT:
		pit_counter_start();
		return median_of_runs(measure_pit);
	default:
		return 0;
	}
}

bool tsc_calibrate(void)
{
	tsc_has_rdtscp = (cpuid_ext(CPUID_EXT_FEATURES).edx & CPUID_80000001_EDX_RDTSCP) != 0;
	if (opt_tsc_ref != TSC_REF_AUTO) {
		source = tsc_ref_names[opt_tsc_ref];
		if ((hz = measure((enum tsc_ref)opt_tsc_ref)) == 0) {
			kprintf("ERROR msg=\"tsc_ref=%s: reference absent or not counting\"\n", source);
			return false;
		}
		return true;
	}
	if ((hz = hz_from_cpuid15()) != 0) {
		source = "cpuid15";
	} else if ((hz = hz_from_hypervisor()) != 0) {
		source = "hypervisor";
	} else {
		/* The first reference that works; the log says which. */
		for (unsigned ref = TSC_REF_PMTIMER; ref <= TSC_REF_PIT && hz == 0; ref++) {
			source = tsc_ref_names[ref];
			hz = measure((enum tsc_ref)ref);
		}
		if (hz == 0) {
			kprintf("ERROR msg=\"no TSC frequency: CPUID, PM timer, HPET and PIT all failed\"\n");
			return false;
		}
	}
	return true;
}

uint64_t tsc_hz(void)
{
	return hz;
}

const char *tsc_source(void)
{
	return source;
}

uint64_t tsc_ticks_to_us(uint64_t ticks)
{
	return hz ? ticks / (hz / 1000000 ? hz / 1000000 : 1) : 0;
}

uint64_t tsc_ticks_to_ns(uint64_t ticks)
{
	/* Split to keep ticks * 1e9 from overflowing for long intervals. */
	return hz ? ticks / hz * 1000000000ull + ticks % hz * 1000000000ull / hz : 0;
}

uint64_t tsc_us_to_ticks(uint64_t us)
{
	return us * (hz / 1000000);
}

void tsc_delay_us(uint64_t us)
{
	uint64_t end = tsc_begin() + tsc_us_to_ticks(us);
	while (tsc_begin() < end)
		cpu_pause();
}
