/*
 * The APs' kernel stacks: one 64 KiB slot per dense CPU index in a region of
 * their own below the kernel image (arch/paging.h), 32 KiB of stack at the
 * top of the slot and 32 KiB never mapped below it. An overflow runs into
 * the unmapped guard: the page fault cannot be delivered on that stack, so
 * the CPU takes a double fault on its IST stack (Intel SDM Vol. 3A, 6.14.5,
 * 6.15 #DF) and the report names the CPU whose guard was hit. The struct
 * percpu lives elsewhere (arch/percpu.c), so an overflow cannot corrupt it.
 * The BSP's stack is in the kernel image above a guard page of its own.
 */
#ifndef KERNEL_ARCH_STACKS_H
#define KERNEL_ARCH_STACKS_H

#include <stdbool.h>
#include <stdint.h>

#define STACK_SLOT_BYTES (64ull << 10)
#define STACK_ORDER 3 /* 32 KiB of stack */

struct ap_stack {
	uint64_t phys; /* the frames from LLFree */
	uintptr_t top; /* initial RSP, 16-byte aligned */
};

/* Frames from LLFree, mapped in cpu `index`'s slot; false if no memory. */
bool stack_alloc(unsigned index, struct ap_stack *out);
/* Unmap and give the frames back (an AP that did not start). */
void stack_free(unsigned index, const struct ap_stack *s);
/* The CPU whose guard below its stack holds `va`, or -1. */
int stack_guard_cpu(uint64_t va);
/* overflow_cpu=N: CPU N recurses until its stack overflows; the run fails with its report. */
void stack_selftest(void);

#endif
