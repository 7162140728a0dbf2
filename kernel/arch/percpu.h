/*
 * Per-CPU data, reached through the GS base (Intel SDM Vol. 3A, 3.4.4: the
 * IA32_GS_BASE MSR sets GS's base in 64-bit mode).
 *
 * Every CPU's struct percpu starts with a pointer to itself, so this_cpu() is
 * one `mov %gs:0`. All of them live in one table in the kernel image, one
 * cache line (or more) each, apart from the stacks: a stack overflow runs
 * into an unmapped guard (arch/stacks.h), not into the per-CPU data. Each
 * AP's stack is allocated from LLFree (arch/stacks.c), so LLFree is initialised
 * before any AP starts.
 * CPUs are numbered densely: index 0 is the BSP, then every CPU that came
 * online, in MADT order; APIC ids are sparse and kept beside the index.
 */
#ifndef KERNEL_ARCH_PERCPU_H
#define KERNEL_ARCH_PERCPU_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

enum cpu_state {
	CPU_OFF = 0,      /* not started, or failed to start */
	CPU_STARTING = 1, /* INIT-SIPI-SIPI sent, not yet in C */
	CPU_ONLINE = 2,   /* in C, idle loop waiting for work */
	CPU_STOPPED = 3,  /* halted after a panic elsewhere */
};

struct percpu {
	struct percpu *self;   /* must stay first: this_cpu() reads %gs:0 */
	unsigned index;        /* dense: 0 = BSP */
	uint32_t apic_id;
	_Atomic int state;     /* enum cpu_state */
	unsigned panic_depth;  /* panics and fatal traps entered on this CPU (lib/panic.c) */
	uint64_t stack_phys;   /* the AP's stack frames (arch/stacks.h); 0 for the BSP */
	uintptr_t stack_top;
	uint64_t started_tsc;  /* when the BSP sent the first SIPI */
	uint64_t online_tsc;   /* when the CPU reported itself online */
	/* lib/watchdog.c: the word this CPU sleeps on until it differs from wait_old (0: not waiting) */
	_Atomic uintptr_t wait_word;
	unsigned wait_old;
	uint64_t wait_since;   /* TSC */
	/* lib/run_cores.c: generation of the last job this CPU joined, and of the last it finished */
	_Atomic uint64_t job_joined, job_done;
} __attribute__((aligned(64)));

static inline struct percpu *this_cpu(void)
{
	struct percpu *cpu;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(cpu));
	return cpu;
}

/* Dense index of the calling CPU. */
static inline unsigned this_cpu_index(void)
{
	return this_cpu()->index;
}

/* Dense index of the calling CPU, or -1 while GS does not point at a struct percpu yet (trap paths). */
int this_cpu_index_or_unknown(void);

/* Set up the BSP's static per-CPU data and its GS base. First thing in kmain. */
void percpu_init_bsp(void);
/* The table entry for dense index `index` (< CPU_MAX), zeroed, self and index set: for the AP about to start. */
struct percpu *percpu_prepare(unsigned index);
/* Point GS base at `cpu` (the AP trampoline does this itself). */
void percpu_load(struct percpu *cpu);
/* Record an online CPU under its dense index. */
void percpu_register(struct percpu *cpu);
/* The CPU with dense index `index`, NULL if none. */
struct percpu *percpu_get(unsigned index);
/* Number of CPUs registered (the BSP plus every AP that came online). */
unsigned percpu_count(void);

#endif
