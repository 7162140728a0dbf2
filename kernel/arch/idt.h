/*
 * Interrupt descriptor table: 256 interrupt gates, all entering the kernel
 * through boot/isr.asm, which saves the registers into a struct trap_frame
 * and calls trap_dispatch() (kernel/arch/traps.c).
 * Intel SDM Vol. 3A, 6.10 (IDT), 6.14.1 (64-bit IDT gate descriptors).
 */
#ifndef KERNEL_ARCH_IDT_H
#define KERNEL_ARCH_IDT_H

#include <stdint.h>

#include "arch/traps.h"

#define IDT_VECTORS 256

/* Vectors 0..31 are exceptions; the rest are free for IPIs and devices. */
#define IDT_FIRST_FREE_VECTOR 32

/* The exceptions the kernel handles by number (SDM Vol. 3A, 6.3.1). */
#define IDT_VECTOR_NMI 2
#define IDT_VECTOR_DOUBLE_FAULT 8
#define IDT_VECTOR_PAGE_FAULT 14
#define IDT_VECTOR_MACHINE_CHECK 18

typedef void (*trap_handler_fn)(struct trap_frame *frame);

/* Fill the 256 gates; once, on the boot CPU. */
void idt_init(void);
/* Load the IDT on this CPU (the BSP after idt_init, each AP during startup). */
void idt_load_this_cpu(void);
/*
 * Route `vector` to `handler` (NULL: back to the default). Intended for
 * vectors >= 32 (IPIs, timers; the handler sends its own EOI); setting one
 * for an exception (e.g. NMI, vector 2, to stop a CPU) replaces the fatal
 * report for that vector. Set handlers before interrupts can arrive.
 */
void idt_set_handler(unsigned vector, trap_handler_fn handler);
/*
 * For vectors >= 32 without a handler of their own (NULL, the default: they
 * are fatal). Only for short windows with interrupts on, such as taking
 * what the firmware left pending (apic_drain_pending).
 */
void idt_set_default_handler(trap_handler_fn handler);
/* The handler for `vector` (for vectors >= 32 the default one if none is set), or NULL. */
trap_handler_fn idt_handler(unsigned vector);

#endif
