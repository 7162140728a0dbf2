/*
 * TSC frequency from CPUID or by measurement (see tsc.h for the order).
 * Intel SDM Vol. 2A (CPUID 15H, 16H, 80000007H), Vol. 3B 18.17, Vol. 4
 * (MSR_PLATFORM_INFO); the arithmetic is in tsc_freq.c.
 */
#include "arch/tsc.h"

#include "arch/cpu.h"
#include "arch/tsc_freq.h"
#include "cmdline.h"
#include "dev/hpet.h"
#include "dev/pit.h"
#include "dev/pmtimer.h"
#include "dev/rtc.h"
#include "lib/printf.h"

#define CPUID_TSC_LEAF 0x15u
#define CPUID_FREQ_LEAF 0x16u
#define CPUID_HYPERVISOR_BASE 0x40000000u
#define CPUID_HYPERVISOR_TSC 0x40000010u
#define CPUID_EXT_BASE 0x80000000u
#define CPUID_EXT_BRAND 0x80000002u
#define CPUID_EXT_POWER 0x80000007u
#define CPUID_1_ECX_HYPERVISOR (1u << 31)
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)
#define CPUID_80000001_EDX_RDTSCP (1u << 27)

/*
 * Before calibration the TSC is the only clock, so every bound on a wait is
 * a TSC tick count for the fastest TSC expected (TSC_HZ_MAX): on a slower
 * CPU the wait lasts longer, never shorter. A count of reads would not do:
 * a reference that is present but stopped (a clock-gated PIT reads a
 * constant) must end its method within a bounded time too. A result
 * outside [TSC_HZ_MIN, TSC_HZ_MAX] is refused.
 */
#define TSC_HZ_MIN 100000000ull    /* 100 MHz */
#define TSC_HZ_MAX 10000000000ull  /* 10 GHz */
#define US_PER_S 1000000ull

/* Counter references: RUNS windows of WINDOW_US each, the median wins; each
 * window ends within WINDOW_BOUND_US (at TSC_HZ_MAX). */
#define CALIBRATE_RUNS 5
#define CALIBRATE_WINDOW_US 10000u
#define CALIBRATE_WINDOW_BOUND_US 100000u
/* RTC: one update-to-update second, edges known to 0.025 % (at TSC_HZ_MAX), all within 4.5 s. */
#define RTC_BOUND_US 4500000u
#define RTC_EDGE_MAX_WIDTH_US 250u

/* tsc_ref=: which reference to measure against; auto tries every source in order. */
enum tsc_ref { TSC_REF_AUTO, TSC_REF_PMTIMER, TSC_REF_HPET, TSC_REF_PIT, TSC_REF_RTC };
static const char *const tsc_ref_names[] = { "auto", "pmtimer", "hpet", "pit", "rtc", NULL };
static unsigned opt_tsc_ref;
KOPT_ENUM(opt_tsc_ref, "tsc_ref", tsc_ref_names, "auto",
	  "TSC calibration: auto (CPUID 15H/16H, hypervisor, MSR_PLATFORM_INFO, PM timer, HPET, PIT, "
	  "CMOS RTC) or measure against one");

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

static uint64_t bound_ticks(uint64_t us)
{
	return us * (TSC_HZ_MAX / US_PER_S);
}

/* ---- what the CPU says (tsc_freq.h) ---- */

static const char *source_cpuid = "cpuid15";

static uint64_t hz_from_cpuid(const char **why)
{
	uint32_t max = cpuid_max(0);
	if (max < CPUID_TSC_LEAF) {
		*why = "no CPUID leaf 15H";
		return 0;
	}
	struct cpuid_regs r = cpuid(CPUID_TSC_LEAF, 0);
	struct cpuid_tsc_leaves l = { r.eax, r.ebx, r.ecx, 0 };
	if (max >= CPUID_FREQ_LEAF)
		l.base_mhz = cpuid(CPUID_FREQ_LEAF, 0).eax;
	bool from_16h;
	uint64_t hz = tsc_hz_from_cpuid(&l, &from_16h);
	source_cpuid = from_16h ? "cpuid16" : "cpuid15";
	if (hz == 0)
		*why = "leaf 15H gives no ratio, or no crystal and no leaf 16H";
	return hz;
}

static uint64_t hz_from_hypervisor(const char **why)
{
	if (!has_hypervisor() || cpuid_max(CPUID_HYPERVISOR_BASE) < CPUID_HYPERVISOR_TSC) {
		*why = "no leaf 40000010H";
		return 0;
	}
	uint64_t hz = (uint64_t)cpuid(CPUID_HYPERVISOR_TSC, 0).eax * 1000;
	if (hz == 0)
		*why = "leaf 40000010H is 0";
	return hz;
}

static bool is_intel(void)
{
	struct cpuid_regs r = cpuid(0, 0);
	return r.ebx == 0x756e6547 && r.edx == 0x49656e69 && r.ecx == 0x6c65746e; /* "GenuineIntel" */
}

static uint64_t hz_from_platform_info(const char **why)
{
	uint32_t family, model;
	cpu_family_model(cpuid(1, 0).eax, &family, &model);
	if (!platform_info_has_ratio(is_intel(), family, model)) {
		*why = "not a CPU known to have it";
		return 0;
	}
	uint64_t hz = tsc_hz_from_platform_info(rdmsr(MSR_PLATFORM_INFO));
	if (hz == 0)
		*why = "ratio 0";
	return hz;
}

/* ---- measurement against a reference clock ---- */

/* One window against a free-running counter of `ref_hz` with wrap `mask`; 0 if it stalls. */
static uint64_t measure_counter(uint64_t (*read)(void), uint64_t mask, uint64_t ref_hz)
{
	uint64_t target = ref_hz * CALIBRATE_WINDOW_US / US_PER_S;
	uint64_t deadline = tsc_begin() + bound_ticks(CALIBRATE_WINDOW_BOUND_US);
	uint64_t start = read(), now, elapsed = 0;
	/* Start on a counter edge so the window is not short by up to one tick. */
	while ((now = read()) == start)
		if (tsc_begin() > deadline)
			return 0;
	start = now;
	uint64_t t0 = tsc_begin();
	do {
		if (tsc_begin() > deadline)
			return 0;
		now = read();
		elapsed = (now - start) & mask;
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

static uint64_t hz_from_pmtimer(const char **why)
{
	if (!pmtimer_present()) {
		*why = "absent (no FADT, hardware-reduced ACPI, or no PM_TMR_BLK)";
		return 0;
	}
	uint64_t hz = median_of_runs(measure_pmtimer);
	if (hz == 0)
		*why = "not counting";
	return hz;
}

static uint64_t hz_from_hpet(const char **why)
{
	if (!hpet_present()) {
		*why = "absent (no usable ACPI HPET table)";
		return 0;
	}
	uint64_t hz = median_of_runs(measure_hpet);
	if (hz == 0)
		*why = "not counting";
	return hz;
}

/* No table announces a PIT: an absent or clock-gated one reads a constant. */
static uint64_t hz_from_pit(const char **why)
{
	pit_counter_start();
	uint64_t hz = median_of_runs(measure_pit);
	if (hz == 0)
		*why = "absent or not counting";
	return hz;
}

/*
 * TSC ticks between two RTC update ends a second apart, each seen to within
 * RTC_EDGE_MAX_WIDTH_US (a descheduled vCPU or an SMI between two polls
 * makes an edge vague: it is skipped, the next second tried).
 */
static uint64_t hz_from_rtc(const char **why)
{
	if ((*why = rtc_check()) != NULL)
		return 0;
	uint64_t deadline = tsc_begin() + bound_ticks(RTC_BOUND_US);
	struct rtc_edge prev = { 0, 0, 0 }, e;
	bool have_prev = false;
	while (rtc_next_edge(deadline, &e)) {
		bool sharp = e.width <= bound_ticks(RTC_EDGE_MAX_WIDTH_US);
		if (have_prev && sharp && e.second == (prev.second + 1) % 60)
			return e.tsc - prev.tsc;
		have_prev = sharp;
		prev = e;
	}
	*why = "no two sharp update edges a second apart within 4.5 s";
	return 0;
}

/* ---- the order (tsc.h) ---- */

struct tsc_method {
	const char *name;
	uint64_t (*hz)(const char **why);
	enum tsc_ref ref; /* TSC_REF_AUTO: not a measured reference */
};

static const struct tsc_method methods[] = {
	{ "cpuid15", hz_from_cpuid, TSC_REF_AUTO },
	{ "hypervisor", hz_from_hypervisor, TSC_REF_AUTO },
	{ "platform_info", hz_from_platform_info, TSC_REF_AUTO },
	{ "pmtimer", hz_from_pmtimer, TSC_REF_PMTIMER },
	{ "hpet", hz_from_hpet, TSC_REF_HPET },
	{ "pit", hz_from_pit, TSC_REF_PIT },
	{ "rtc", hz_from_rtc, TSC_REF_RTC },
};
#define METHODS (sizeof(methods) / sizeof(methods[0]))

/* Run one method; a result outside [TSC_HZ_MIN, TSC_HZ_MAX] counts as a failure. */
static uint64_t try_method(const struct tsc_method *m, const char **why)
{
	static char implausible[64];
	*why = "failed";
	uint64_t v = m->hz(why);
	if (v != 0 && (v < TSC_HZ_MIN || v > TSC_HZ_MAX)) {
		ksnprintf(implausible, sizeof(implausible), "implausible %llu Hz", (unsigned long long)v);
		*why = implausible;
		return 0;
	}
	return v;
}

static const char *method_name(const struct tsc_method *m)
{
	return m->hz == hz_from_cpuid ? source_cpuid : m->name;
}

/* tsc_ref=NAME: that reference alone. */
static bool calibrate_forced(void)
{
	for (unsigned i = 0; i < METHODS; i++) {
		if (methods[i].ref != (enum tsc_ref)opt_tsc_ref)
			continue;
		const char *why;
		source = methods[i].name;
		if ((hz = try_method(&methods[i], &why)) == 0)
			kprintf("ERROR msg=\"tsc_ref=%s: %s\"\n", source, why);
		return hz != 0;
	}
	return false;
}

bool tsc_calibrate(void)
{
	tsc_has_rdtscp = (cpuid_ext(CPUID_EXT_FEATURES).edx & CPUID_80000001_EDX_RDTSCP) != 0;
	if (opt_tsc_ref != TSC_REF_AUTO)
		return calibrate_forced();
	/* The first method that works; every one that failed is named. */
	static char failures[512];
	size_t len = 0;
	for (unsigned i = 0; i < METHODS; i++) {
		const char *why;
		if ((hz = try_method(&methods[i], &why)) != 0) {
			source = method_name(&methods[i]);
			return true;
		}
		if (methods[i].ref != TSC_REF_AUTO)
			kprintf("tsc: %s: %s\n", methods[i].name, why);
		len += (size_t)ksnprintf(failures + len, sizeof(failures) - len, "%s%s %s", i ? ", " : "",
					 method_name(&methods[i]), why);
		if (len >= sizeof(failures))
			len = sizeof(failures) - 1;
	}
	kprintf("ERROR msg=\"no TSC frequency: %s\"\n", failures);
	return false;
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
