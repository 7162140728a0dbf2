/*
 * Which CPU this is, from CPUID (Intel SDM Vol. 2A, "CPUID"): the vendor
 * (leaf 0), family and model (leaf 01H EAX), whether a hypervisor runs us
 * (01H ECX[31]) and its signature (40000000H EBX, ECX, EDX), the brand
 * string (80000002H-80000004H) and the invariant TSC (80000007H EDX[8]).
 * One reading for the kernel's ENV line and the host program's, so that
 * `cpu=` and `hypervisor=` of one machine read the same in both logs.
 * x86-64 only; freestanding (the kernel's arch/cpu.h takes cpuid() from here).
 */
#ifndef BENCH_CPU_IDENT_H
#define BENCH_CPU_IDENT_H

#include <stdbool.h>
#include <stdint.h>

#define CPUID_HYPERVISOR_BASE 0x40000000u
#define CPUID_EXT_BASE 0x80000000u
#define CPUID_EXT_BRAND 0x80000002u /* .. 80000004H, 16 bytes each */
#define CPUID_EXT_POWER 0x80000007u
#define CPUID_1_ECX_HYPERVISOR (1u << 31) /* always 0 on real hardware */
#define CPUID_80000007_EDX_INVARIANT_TSC (1u << 8)

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;
	__asm__ volatile("cpuid" : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

/* The leaves cpu_ident_decode reads, as CPUID returned them (zero where absent). */
struct cpu_leaves {
	struct cpuid_regs vendor;     /* leaf 0 */
	struct cpuid_regs features;   /* leaf 01H */
	struct cpuid_regs hypervisor; /* leaf 40000000H, when 01H ECX[31] is set */
	uint32_t ext_max;             /* leaf 80000000H EAX */
	struct cpuid_regs brand[3];   /* leaves 80000002H-80000004H, when ext_max covers them */
	struct cpuid_regs power;      /* leaf 80000007H, when ext_max covers it */
};

struct cpu_ident {
	char vendor[13];     /* "GenuineIntel", "AuthenticAMD", ... */
	bool intel;
	uint32_t family, model; /* extended fields included */
	char hypervisor[13]; /* "TCGTCGTCGTCG", "KVMKVMKVM"; "none" on bare metal; "unknown" if unreadable */
	char brand[49];      /* leading and trailing spaces, quotes and control characters dropped; "unknown" */
	bool invariant_tsc;
};

/* Run CPUID on this CPU and decode. */
void cpu_ident_read(struct cpu_ident *out);
/* Pure: host tests decode the leaves real CPUs return. */
void cpu_ident_decode(const struct cpu_leaves *l, struct cpu_ident *out);
/* Family and model from CPUID 01H EAX, extended fields included (SDM Vol. 2A, CPUID 01H). */
void cpu_family_model(uint32_t eax, uint32_t *family, uint32_t *model);

#endif
