/*
 * TSC frequency from CPUID or by measurement (see tsc.h for the order).
 * Intel SDM Vol. 2A (CPUID 15H, 16H), Vol. 3B 18.17, Vol. 4
 * (MSR_PLATFORM_INFO); the arithmetic is in tsc_freq.c, the CPU's vendor,
 * family and model in bench/cpu_ident.c.
 */
#include "arch/tsc.h"

#include "arch/cpu.h"
#include "arch/tsc_freq.h"
#include "arch/tsc_ref.h"
#include "cmdline.h"
#include "lib/printf.h"

#define CPUID_TSC_LEAF 0x15u
#define CPUID_FREQ_LEAF 0x16u
#define CPUID_HYPERVISOR_TSC 0x40000010u
#define CPUID_80000001_EDX_RDTSCP (1u << 27)

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

static uint32_t cpuid_max(uint32_t base)
{
	return cpuid(base, 0).eax;
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
	if (!cpu_has_hypervisor() || cpuid_max(CPUID_HYPERVISOR_BASE) < CPUID_HYPERVISOR_TSC) {
		*why = "no leaf 40000010H";
		return 0;
	}
	uint64_t hz = (uint64_t)cpuid(CPUID_HYPERVISOR_TSC, 0).eax * 1000;
	if (hz == 0)
		*why = "leaf 40000010H is 0";
	return hz;
}

static uint64_t hz_from_platform_info(const char **why)
{
	struct cpu_ident id;
	cpu_ident_read(&id);
	if (!platform_info_has_ratio(id.intel, id.family, id.model)) {
		*why = "not a CPU known to have it";
		return 0;
	}
	uint64_t hz = tsc_hz_from_platform_info(rdmsr(MSR_PLATFORM_INFO));
	if (hz == 0)
		*why = "ratio 0";
	return hz;
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
	{ "pmtimer", tsc_ref_pmtimer, TSC_REF_PMTIMER },
	{ "hpet", tsc_ref_hpet, TSC_REF_HPET },
	{ "pit", tsc_ref_pit, TSC_REF_PIT },
	{ "rtc", tsc_ref_rtc, TSC_REF_RTC },
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
