/*
 * Programming the PAT (see pat.h). Intel SDM Vol. 3A, 11.12.2 (IA32_PAT
 * MSR), 11.12.4 (programming it): the SDM's MP procedure (11.11.8: caches
 * off, WBINVD, TLB flush) is there to keep cached lines and TLB entries of a
 * changed entry consistent; the only entry changed here is 7, which no page
 * uses before every CPU has written it, so no line or TLB entry can hold
 * the old type.
 */
#include "arch/pat.h"

#include <stdatomic.h>

#include "arch/cpu.h"
#include "arch/percpu.h"
#include "lib/printf.h"
#include "lib/run_cores.h"

#define CPUID_1_EDX_PAT (1u << 16)

static bool present;

bool pat_init_this_cpu(void)
{
	if (!(cpuid(1, 0).edx & CPUID_1_EDX_PAT))
		return false;
	if (rdmsr(MSR_IA32_PAT) != PAT_VALUE)
		wrmsr(MSR_IA32_PAT, PAT_VALUE);
	present = true;
	return true;
}

static void check_this_cpu(unsigned core, void *arg)
{
	_Atomic unsigned *mismatches = arg;
	uint64_t pat = rdmsr(MSR_IA32_PAT);
	if (pat == PAT_VALUE)
		return;
	atomic_fetch_add(mismatches, 1);
	kprintf("ERROR msg=\"cpu %u: IA32_PAT 0x%llx, not 0x%llx\"\n", core, (unsigned long long)pat,
		(unsigned long long)PAT_VALUE);
}

bool pat_check_all_cpus(void)
{
	_Atomic unsigned mismatches = 0;
	if (present)
		run_cores(percpu_count(), check_this_cpu, &mismatches);
	return atomic_load(&mismatches) == 0;
}

bool pat_present(void)
{
	return present;
}

const char *pat_summary(void)
{
	static char text[80]; /* 8 x "reserved" at most */
	if (!present)
		return "absent";
	uint64_t pat = rdmsr(MSR_IA32_PAT);
	size_t len = 0;
	for (unsigned i = 0; i < 8; i++)
		len += (size_t)ksnprintf(text + len, sizeof(text) - len, "%s%s", i ? "," : "",
					 memtype_name((uint8_t)(pat >> (8 * i))));
	return text;
}
