/*
 * Exceptions and interrupts after the assembly entry (boot/isr.asm).
 *
 * Every vector without a handler set by idt_set_handler() is fatal: the
 * report names the vector and exception, the error code, RIP, CR2, the CPU
 * (dense index, -1 before the per-CPU data is set up), all
 * general registers and a frame-pointer backtrace, then the run ends with
 * DONE status=fail. Before printing, panic_stop_others (kernel/lib/panic.h)
 * stops the other CPUs once the SMP code has set it.
 */
#ifndef KERNEL_ARCH_TRAPS_H
#define KERNEL_ARCH_TRAPS_H

#include <stdint.h>

/* Layout written by boot/isr.asm: pushed registers, vector, error code, then the CPU's frame. */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;
	uint64_t error; /* 0 for vectors without an error code */
	uint64_t rip, cs, rflags, rsp, ss;
};
_Static_assert(sizeof(struct trap_frame) == 22 * 8, "boot/isr.asm pushes 22 quadwords");

/* Called by boot/isr.asm for every vector. */
void trap_dispatch(struct trap_frame *frame);

/* Print the full report for `frame` and end the run with a failure verdict. */
__attribute__((noreturn)) void trap_fatal(const struct trap_frame *frame);

/* Touch an unmapped address (the `pagefault=1` option): must end in trap_fatal. */
void trap_selftest_pagefault(void);

#endif
