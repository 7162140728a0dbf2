/*
 * Single x86-64 instructions as inline functions: CPUID, MSRs, the TSC,
 * port I/O, interrupt flag, control registers and the GS base.
 * Intel SDM Vol. 2 (instruction reference) and Vol. 3A, 2.5 (control registers).
 */
#ifndef KERNEL_ARCH_CPU_H
#define KERNEL_ARCH_CPU_H

#include <stdbool.h>
#include <stdint.h>

/* cpuid() and the identification leaves: the one portable copy, shared with the host program. */
#include "cpu_ident.h"

/* Most CPUs the kernel supports (dense indices 0 .. CPU_MAX-1); sizes per-CPU tables. */
#define CPU_MAX 256

/* CR0 (SDM 3A, 2.5) */
#define CR0_PE (1ull << 0)
#define CR0_MP (1ull << 1)
#define CR0_ET (1ull << 4)
#define CR0_NE (1ull << 5)
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
/* CR4 (boot/x86.inc has the bits the assembly code sets) */
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_MCE (1ull << 6) /* machine-check enable (Vol. 3A, 2.5; 9.7.5) */
#define CR4_PGE (1ull << 7)
#define CR4_LA57 (1ull << 12)

/* MSRs (SDM Vol. 4) */
#define MSR_EFER 0xc0000080u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_KERNEL_GS_BASE 0xc0000102u
#define EFER_SCE (1ull << 0)
#define EFER_LME (1ull << 8)
#define EFER_NXE (1ull << 11)

/* CPUID leaves and bits used by more than one file */
#define CPUID_EXT_FEATURES 0x80000001u
#define CPUID_EXT_EDX_NX (1u << 20)
#define CPUID_EXT_EDX_PAGE1GB (1u << 26)
#define CPUID_EXT_EDX_LM (1u << 29)

/* Highest extended leaf, then the leaf itself if present (else all zero). */
static inline struct cpuid_regs cpuid_ext(uint32_t leaf)
{
	struct cpuid_regs none = { 0, 0, 0, 0 };
	if (cpuid(CPUID_EXT_BASE, 0).eax < leaf)
		return none;
	return cpuid(leaf, 0);
}

/* Running under a hypervisor (QEMU, KVM, ...): CPUID 01H ECX[31]. */
static inline bool cpu_has_hypervisor(void)
{
	return (cpuid(1, 0).ecx & CPUID_1_ECX_HYPERVISOR) != 0;
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((uint64_t)hi << 32) | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t value)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
			 : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

/* RDTSCP also returns IA32_TSC_AUX (the OS-defined CPU id) in *aux. */
static inline uint64_t rdtscp(uint32_t *aux)
{
	uint32_t lo, hi, c;
	__asm__ volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	if (aux)
		*aux = c;
	return ((uint64_t)hi << 32) | lo;
}

static inline void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port)); }
static inline void outl(uint16_t port, uint32_t v) { __asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port)); }

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;
	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;
	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void cli(void) { __asm__ volatile("cli" ::: "memory"); }
static inline void sti(void) { __asm__ volatile("sti" ::: "memory"); }
static inline void hlt(void) { __asm__ volatile("hlt" ::: "memory"); }
static inline void cpu_pause(void) { __asm__ volatile("pause" ::: "memory"); }

static inline bool interrupts_enabled(void)
{
	uint64_t flags;
	__asm__ volatile("pushfq; popq %0" : "=r"(flags));
	return flags & (1u << 9);
}

/* Disable interrupts for good and stop this CPU. */
static inline __attribute__((noreturn)) void cpu_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

#define DEFINE_CR_ACCESS(n)                                                   \
	static inline uint64_t read_cr##n(void)                               \
	{                                                                     \
		uint64_t v;                                                   \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));             \
		return v;                                                     \
	}                                                                     \
	static inline void write_cr##n(uint64_t v)                            \
	{                                                                     \
		__asm__ volatile("mov %0, %%cr" #n ::"r"(v) : "memory");      \
	}
DEFINE_CR_ACCESS(0)
DEFINE_CR_ACCESS(2)
DEFINE_CR_ACCESS(3)
DEFINE_CR_ACCESS(4)
#undef DEFINE_CR_ACCESS

static inline uint64_t read_rbp(void)
{
	uint64_t v;
	__asm__ volatile("mov %%rbp, %0" : "=r"(v));
	return v;
}

static inline void invlpg(uint64_t virt)
{
	__asm__ volatile("invlpg (%0)" ::"r"(virt) : "memory");
}

/* GS base: the SMP code keeps a per-CPU pointer there. */
static inline uint64_t read_gs_base(void) { return rdmsr(MSR_GS_BASE); }
static inline void write_gs_base(uint64_t v) { wrmsr(MSR_GS_BASE, v); }

#endif
